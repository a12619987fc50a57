// WebhookApp check and diff: pure, no API call.
import { describe, expect, it } from "vitest";
import type { AppInputs, AppOutputs } from "../../provider/app/schema";
import { app } from "../../provider/runtime";

const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function inputs(overrides: Partial<AppInputs> = {}): AppInputs {
  return {
    pulumiName: "billing",
    name: "Billing",
    slug: "billing",
    description: "",
    eventCatalog: "billing-events",
    failureNotificationEmails: ["ops@example.com"],
    active: true,
    adopt: false,
    ...overrides,
  };
}

function state(overrides: Partial<AppOutputs> = {}): AppOutputs {
  return {
    ...inputs(),
    slug: "billing",
    signingSecret: "whsec_old",
    createdAt: "2025-01-01T00:00:00Z",
    updatedAt: "2025-01-01T00:00:00Z",
    ...overrides,
  } as AppOutputs;
}

describe("WebhookApp check", () => {
  it("normalises the slug as Wacht does and stores only what the program declared", async () => {
    expect(
      await app.check(undefined, { pulumiName: "billing", name: "Billing", slug: "payments-int" }),
    ).toStrictEqual({
      inputs: { pulumiName: "billing", name: "Billing", slug: "payments_int" },
      failures: [],
    });
  });

  it("stores a value equal to its default as if the program left it out, so both spellings refresh alike", async () => {
    const news = { pulumiName: "billing", name: "Billing", slug: "billing" };
    const defaults = { description: "", failureNotificationEmails: [], active: true, adopt: false };
    expect((await app.check(undefined, { ...news, ...defaults })).inputs).toStrictEqual(news);
    expect((await app.check(undefined, { ...news, active: false, adopt: true })).inputs).toStrictEqual({
      ...news,
      active: false,
      adopt: true,
    });
  });

  it("auto-names a new app without slug from its resource name and seven random characters", async () => {
    const result = await app.check({}, { pulumiName: "Billing-EU", name: "Billing" });
    expect(result.inputs?.slug).toMatch(/^billing_eu_[a-z0-9]{7}$/);
    expect(result.failures).toStrictEqual([]);
    const again = await app.check({}, { pulumiName: "Billing-EU", name: "Billing" });
    expect(again.inputs?.slug).not.toBe(result.inputs?.slug);
  });

  it("derives the auto-name from project and stack, so a rerun after a killed deploy names the app the same", async () => {
    const news = { pulumiName: "billing", name: "Billing", autoNameSeed: "shop/prod" };
    const first = await app.check({}, news);
    expect(first.inputs?.slug).toBe("billing_wx6m48t");
    expect((await app.check({}, news)).inputs?.slug).toBe("billing_wx6m48t");
    expect((await app.check({}, { ...news, autoNameSeed: "shop/dev" })).inputs?.slug).not.toBe(
      "billing_wx6m48t",
    );
    expect(first.inputs).not.toHaveProperty("autoNameSeed");
  });

  it("keeps the auto-named slug of an existing app on every later check", async () => {
    const olds = { pulumiName: "billing", name: "Billing", slug: "billing_k3j9x0q" };
    const result = await app.check(olds, { pulumiName: "billing", name: "Billing 2" });
    expect(result.inputs?.slug).toBe("billing_k3j9x0q");
  });

  it("leaves the slug out for an app created before auto-naming, keeping Wacht's generated one", async () => {
    const olds = { pulumiName: "billing", name: "Billing", description: "", adopt: false };
    const result = await app.check(olds, { pulumiName: "billing", name: "Billing" });
    expect(result.inputs?.slug).toBeUndefined();
    expect(result.failures).toStrictEqual([]);
  });

  it("names a missing name and returns inputs the engine can serialise", async () => {
    const result = await app.check({}, { pulumiName: "billing" });
    expect(result.failures).toStrictEqual([
      { property: "name", reason: "name is required and must be a string (got undefined)" },
    ]);
    expect(Object.values(result.inputs ?? {}).includes(undefined)).toBe(false);
    expect(Object.keys(result.inputs ?? {}).sort()).toStrictEqual(["pulumiName", "slug"]);
  });

  it("rejects a slug longer than the 255 characters Wacht stores", async () => {
    const result = await app.check({}, { pulumiName: "billing", name: "B", slug: "a".repeat(256) });
    expect(result.failures).toStrictEqual([
      { property: "slug", reason: "app_slug must be at most 255 characters after normalisation (got 256)" },
    ]);
  });

  it("keeps a rotation trigger as a string, numbers included", async () => {
    const result = await app.check(undefined, { pulumiName: "billing", name: "Billing", rotationTrigger: 2 });
    expect(result.inputs?.rotationTrigger).toBe("2");
  });

  it("reports every bad property at once by dotted path", async () => {
    const result = await app.check(undefined, {
      pulumiName: "billing",
      name: 5,
      slug: "--",
      description: 3,
      eventCatalog: 4,
      failureNotificationEmails: ["x", "a@b.co", "A@b.co"],
      active: "yes",
      adopt: "no",
      rotationTrigger: true,
    });
    expect(result.failures).toStrictEqual([
      { property: "name", reason: "name is required and must be a string (got 5)" },
      {
        property: "slug",
        reason: 'app_slug must contain at least one alphanumeric character (got "--")',
      },
      { property: "description", reason: "description must be a string (got 3)" },
      { property: "eventCatalog", reason: "eventCatalog must be a string (got 4)" },
      {
        property: "failureNotificationEmails[0]",
        reason: 'invalid e-mail address "x": it must contain exactly one @',
      },
      {
        property: "failureNotificationEmails[2]",
        reason: 'duplicate e-mail address "A@b.co" (first at failureNotificationEmails[1])',
      },
      { property: "active", reason: 'active must be a boolean (got "yes")' },
      { property: "adopt", reason: 'adopt must be a boolean (got "no")' },
      { property: "rotationTrigger", reason: "rotationTrigger must be a string or a number (got true)" },
    ]);
  });

  it("rejects removing the event catalog, which Wacht cannot unset", async () => {
    const result = await app.check(inputs(), { pulumiName: "billing", name: "Billing", slug: "billing" });
    expect(result.failures).toStrictEqual([
      {
        property: "eventCatalog",
        reason:
          "eventCatalog cannot be removed: Wacht cannot unset an app's event catalog (currently 'billing-events'). " +
          "Keep it, point it at another catalog, or give the app a new slug to replace it.",
      },
    ]);
  });

  it("accepts pointing the app at another catalog", async () => {
    const result = await app.check(inputs(), {
      pulumiName: "billing",
      name: "Billing",
      slug: "billing",
      eventCatalog: "billing-events-v2",
    });
    expect(result.failures).toStrictEqual([]);
  });

  it("requires a slug to adopt an app", async () => {
    const result = await app.check(undefined, { pulumiName: "billing", name: "Billing", adopt: true });
    expect(result.failures).toStrictEqual([
      { property: "adopt", reason: "adopt needs slug: an app is adopted by its slug" },
    ]);
  });

  it("skips values not known yet at preview and keeps them for diff", async () => {
    const result = await app.check(undefined, {
      pulumiName: "billing",
      name: U,
      slug: U,
      description: U,
      eventCatalog: U,
      failureNotificationEmails: U,
      active: U,
      adopt: U,
      rotationTrigger: U,
    });
    expect(result.failures).toStrictEqual([]);
    expect(result.inputs?.slug).toBe(U);
    expect(result.inputs?.rotationTrigger).toBe(U);
  });
});

describe("WebhookApp diff", () => {
  it("finds no change when the same program is declared twice", async () => {
    expect(await app.diff("billing", state(), inputs())).toStrictEqual({
      changes: false,
      replaces: [],
      stables: [
        "slug",
        "name",
        "description",
        "eventCatalog",
        "failureNotificationEmails",
        "active",
        "rotationTrigger",
      ],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["an omitted slug and the one Wacht generated", { slug: undefined }, {}],
    ["a missing description and an empty one", {}, { description: undefined }],
    [
      "e-mail addresses in another order or case",
      { failureNotificationEmails: ["b@example.com", "OPS@example.com"] },
      { failureNotificationEmails: ["ops@example.com", "B@example.com"] },
    ],
  ])("treats %s as equal", async (_what, news, olds) => {
    const result = await app.diff(
      "billing",
      state(olds as Partial<AppOutputs>),
      inputs(news as Partial<AppInputs>),
    );
    expect(result.changes).toBe(false);
  });

  it.each([
    ["a new slug replaces the app", {}, { slug: "billing_v2" }, ["slug"]],
    ["a slug not known yet replaces the app", {}, { slug: U }, ["slug"]],
    ["a new name updates in place", {}, { name: "Billing v2" }, []],
    ["a new description updates in place", {}, { description: "Invoices" }, []],
    ["another catalog updates in place", {}, { eventCatalog: "billing-events-v2" }, []],
    ["deactivating updates in place", {}, { active: false }, []],
    ["new e-mail addresses update in place", {}, { failureNotificationEmails: [] }, []],
    ["a changed rotation trigger updates in place", { rotationTrigger: "1" }, { rotationTrigger: "2" }, []],
    [
      "a rotation trigger not known yet updates in place",
      { rotationTrigger: "1" },
      { rotationTrigger: U },
      [],
    ],
    ["a first rotation trigger is recorded without replacing", {}, { rotationTrigger: "1" }, []],
  ])("%s", async (_what, olds, news, replaces) => {
    const result = await app.diff(
      "billing",
      state(olds as Partial<AppOutputs>),
      inputs(news as Partial<AppInputs>),
    );
    expect({ changes: result.changes, replaces: result.replaces }).toStrictEqual({ changes: true, replaces });
  });
});
