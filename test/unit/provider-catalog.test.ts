// WebhookEventCatalog check and diff: pure, no API call.
import { describe, expect, it } from "vitest";
import type { CatalogInputs, CatalogOutputs, EventDefinition } from "../../provider/catalog/schema";
import { catalog } from "../../provider/runtime";

const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const paid: EventDefinition = {
  name: "invoice.paid",
  description: "An invoice was paid",
  group: "billing",
  schema: { type: "object", properties: { amount: { type: "number" } } },
  examplePayload: { amount: 10 },
};
const created: EventDefinition = {
  name: "invoice.created",
  description: "An invoice was created",
  group: null,
  schema: null,
  examplePayload: null,
};

function inputs(overrides: Partial<CatalogInputs> = {}): CatalogInputs {
  return {
    pulumiName: "billing",
    slug: "billing-events",
    name: "Billing",
    description: "",
    events: [paid, created],
    adopt: false,
    ...overrides,
  };
}

function state(overrides: Partial<CatalogOutputs> = {}): CatalogOutputs {
  return {
    ...inputs(),
    archivedEvents: [],
    createdAt: "2025-01-01T00:00:00Z",
    updatedAt: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

describe("WebhookEventCatalog check", () => {
  it("stores only what the program declared, with events in their complete form", async () => {
    const result = await catalog.check(undefined, {
      pulumiName: "billing",
      slug: "billing-events",
      name: "Billing",
      events: [{ name: "invoice.created", description: "An invoice was created" }],
    });
    expect(result).toStrictEqual({
      inputs: {
        pulumiName: "billing",
        slug: "billing-events",
        name: "Billing",
        events: [created],
      },
      failures: [],
    });
  });

  it("reports every bad property at once, each once, by dotted path", async () => {
    const result = await catalog.check(undefined, {
      pulumiName: "billing",
      slug: "",
      name: 3,
      description: 4,
      events: [
        { name: "", description: "" },
        5,
        { name: "a", description: "d", group: 3, schema: "s" },
        { name: "a", description: "d" },
      ],
      adopt: 1,
    });
    expect(result.failures).toStrictEqual([
      { property: "slug", reason: "slug is required and must be a non-empty string" },
      { property: "name", reason: "name is required and must be a non-empty string" },
      { property: "description", reason: "description must be a string (got 4)" },
      { property: "events[0].name", reason: "events[0].name is required and must be a non-empty string" },
      {
        property: "events[0].description",
        reason: "events[0].description is required and must be a non-empty string",
      },
      { property: "events[1]", reason: "events[1] must be an object with a name and a description" },
      { property: "events[2].group", reason: "events[2].group must be a string (got 3)" },
      { property: "events[2].schema", reason: "events[2].schema must be a JSON Schema object" },
      {
        property: "events[3]",
        reason: 'duplicate event name "a" (first at events[2]): a catalog\'s event names are unique',
      },
      { property: "adopt", reason: "adopt must be a boolean (got 1)" },
    ]);
  });

  it("requires events to be a list of event definitions", async () => {
    const result = await catalog.check(undefined, {
      pulumiName: "billing",
      slug: "s",
      name: "n",
      events: "invoice.paid",
    });
    expect(result.failures).toStrictEqual([
      { property: "events", reason: "events must be a list of event definitions" },
    ]);
  });

  const editReason =
    "event 'invoice.paid' cannot be changed: Wacht cannot edit an event once created (its description, group, " +
    "schema and example payload are fixed). Restore its previous definition, or declare the new definition " +
    "under a new event name (the removed one is archived).";

  it.each([
    ["description", { description: "Paid!" }],
    ["group", { group: "other" }],
    ["schema", { schema: { type: "object" } }],
    ["example payload", { examplePayload: { amount: 11 } }],
  ])("rejects an edit of an existing event's %s", async (_what, edit) => {
    const result = await catalog.check(inputs(), {
      pulumiName: "billing",
      slug: "billing-events",
      name: "Billing",
      events: [created, { ...paid, ...edit }],
    });
    expect(result.failures).toStrictEqual([{ property: "events[1]", reason: editReason }]);
  });

  it("accepts an unchanged, reordered, added or removed event", async () => {
    const result = await catalog.check(inputs(), {
      pulumiName: "billing",
      slug: "billing-events",
      name: "Billing",
      events: [{ name: "user.created", description: "A user signed up" }, paid],
    });
    expect(result.failures).toStrictEqual([]);
  });

  it("allows any definition when the slug changes, since that is a new catalog", async () => {
    const result = await catalog.check(inputs(), {
      pulumiName: "billing",
      slug: "billing-events-v2",
      name: "Billing",
      events: [{ ...paid, description: "Paid!" }],
    });
    expect(result.failures).toStrictEqual([]);
  });

  it("skips values not known yet at preview", async () => {
    const result = await catalog.check(inputs(), {
      pulumiName: "billing",
      slug: U,
      name: U,
      description: U,
      events: U,
      adopt: U,
    });
    expect(result.failures).toStrictEqual([]);
  });

  it("does not call an event edited when a field of it is not known yet", async () => {
    const result = await catalog.check(inputs(), {
      pulumiName: "billing",
      slug: "billing-events",
      name: "Billing",
      events: [{ ...paid, description: U }, created],
    });
    expect(result.failures).toStrictEqual([]);
  });
});

describe("WebhookEventCatalog diff", () => {
  it("finds no change when the same program is declared twice", async () => {
    expect(await catalog.diff("billing-events", state(), inputs())).toStrictEqual({
      changes: false,
      replaces: [],
      stables: ["slug", "name", "description", "events"],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["events in another order", { events: [created, paid] }, {}],
    ["a missing description and an empty one", { description: "" }, { description: undefined }],
  ])("treats %s as equal", async (_what, news, olds) => {
    const result = await catalog.diff(
      "billing-events",
      state(olds as Partial<CatalogOutputs>),
      inputs(news as Partial<CatalogInputs>),
    );
    expect(result.changes).toBe(false);
  });

  it.each([
    ["a new slug replaces the catalog", { slug: "billing-v2" }, ["slug"]],
    ["a new name updates in place", { name: "Billing v2" }, []],
    ["a new description updates in place", { description: "All billing events" }, []],
    [
      "an added event updates in place",
      { events: [paid, created, { ...created, name: "invoice.voided" }] },
      [],
    ],
    ["a removed event updates in place", { events: [paid] }, []],
    ["a name not known yet counts as changed", { name: U }, []],
    ["a slug not known yet replaces", { slug: U }, ["slug"]],
  ])("%s", async (_what, news, replaces) => {
    const result = await catalog.diff("billing-events", state(), inputs(news as Partial<CatalogInputs>));
    expect({ changes: result.changes, replaces: result.replaces }).toStrictEqual({ changes: true, replaces });
  });
});
