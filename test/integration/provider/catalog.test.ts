// WebhookEventCatalog against the in-process emulator: lifecycle, events appended, archived and
// unarchived, delete as archive-all, take-back, adoption.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogInputs, CatalogOutputs } from "../../../provider/catalog/schema";
import { catalog, type ProviderBed, RFC3339, rejection, startBed, unique } from "./harness";

let bed: ProviderBed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const paid = { name: "invoice.paid", description: "An invoice was paid" };
const created = { name: "invoice.created", description: "An invoice was created" };
const voided = { name: "invoice.voided", description: "An invoice was voided" };
const definition = (event: { name: string; description: string }) => ({
  ...event,
  group: null,
  schema: null,
  examplePayload: null,
});

/** `create`, with the outputs Pulumi's type leaves optional asserted present. */
async function create(inputs: CatalogInputs): Promise<{ id: string; outs: CatalogOutputs }> {
  const result = await catalog.create(inputs);
  if (result.outs === undefined) throw new Error("create returned no outputs");
  return { id: result.id, outs: result.outs };
}

async function checked(news: Record<string, unknown>, olds?: CatalogInputs): Promise<CatalogInputs> {
  const result = await catalog.check(olds, { pulumiName: "events", ...news });
  expect(result.failures).toStrictEqual([]);
  return result.inputs!;
}

interface LiveCatalog {
  slug: string;
  name: string;
  description: string | null;
  events: Array<{ name: string; is_archived?: boolean }>;
}

async function live(slug: string): Promise<LiveCatalog> {
  const response = await bed.api("GET", `/webhooks/event-catalogs/${slug}`);
  expect(response.status).toBe(200);
  return response.body as LiveCatalog;
}

const liveEvents = async (slug: string) =>
  (await live(slug)).events.map((e) => `${e.name}${e.is_archived ? " (archived)" : ""}`);

describe("WebhookEventCatalog lifecycle", () => {
  const slug = unique("billing-events");
  let inputs: CatalogInputs;
  let state: CatalogOutputs;

  it("1. creates the catalog with its events", async () => {
    inputs = await checked({ slug, name: "Billing", events: [paid, created] });
    const result = await create(inputs);
    expect(result).toStrictEqual({
      id: slug,
      outs: {
        pulumiName: "events",
        slug,
        name: "Billing",
        events: [definition(paid), definition(created)],
        archivedEvents: [],
        createdAt: expect.stringMatching(RFC3339),
        updatedAt: expect.stringMatching(RFC3339),
      },
    });
    state = result.outs;
    expect(await liveEvents(slug)).toStrictEqual(["invoice.paid", "invoice.created"]);
  });

  it("2. finds no change for the same inputs", async () => {
    const again = await checked({ slug, name: "Billing", events: [created, paid] }, inputs);
    expect(await catalog.diff(slug, state, again)).toMatchObject({ changes: false, replaces: [] });
  });

  it("3. updates the name and appends an event in place", async () => {
    const news = await checked(
      { slug, name: "Billing v2", description: "All invoices", events: [paid, created, voided] },
      inputs,
    );
    expect(await catalog.diff(slug, state, news)).toMatchObject({ changes: true, replaces: [] });
    const result = await catalog.update(slug, state, news);
    expect(result.outs).toMatchObject({
      name: "Billing v2",
      description: "All invoices",
      events: [definition(paid), definition(created), definition(voided)],
      archivedEvents: [],
    });
    state = result.outs!;
    inputs = news;
    const now = await live(slug);
    expect({ name: now.name, description: now.description }).toStrictEqual({
      name: "Billing v2",
      description: "All invoices",
    });
    expect(await liveEvents(slug)).toStrictEqual(["invoice.paid", "invoice.created", "invoice.voided"]);
    expect(await catalog.diff(slug, state, inputs)).toMatchObject({ changes: false });
  });

  it("4. replaces the catalog when the slug changes", async () => {
    const news = await checked({ ...inputs, slug: `${slug}_v2` }, inputs);
    expect(await catalog.diff(slug, state, news)).toMatchObject({ changes: true, replaces: ["slug"] });
  });

  it("5. sees a name changed outside Pulumi and reports it as drift", async () => {
    const edited = await bed.api("PUT", `/webhooks/event-catalogs/${slug}`, { name: "Edited in dashboard" });
    expect(edited.status).toBe(200);
    const result = await catalog.read(slug, state);
    expect(result.id).toBe(slug);
    expect(result.props?.name).toBe("Edited in dashboard");
    expect(result.inputs).toStrictEqual({ ...inputs, name: "Edited in dashboard" });
    expect(await catalog.diff(slug, result.props!, inputs)).toMatchObject({ changes: true, replaces: [] });
    const repaired = await catalog.update(slug, result.props!, inputs);
    expect(repaired.outs?.name).toBe("Billing v2");
    const clean = await catalog.read(slug, repaired.outs!);
    expect(await catalog.diff(slug, clean.props!, inputs)).toMatchObject({ changes: false });
    state = repaired.outs!;
  });

  it("6. deletes by archiving every event, since Wacht keeps catalogs", async () => {
    await catalog.delete(slug, state);
    expect(await liveEvents(slug)).toStrictEqual([
      "invoice.paid (archived)",
      "invoice.created (archived)",
      "invoice.voided (archived)",
    ]);
  });

  it("7. reads the deleted catalog back with no active event", async () => {
    const result = await catalog.read(slug, state);
    expect(result.props?.events).toStrictEqual([]);
    expect(result.props?.archivedEvents).toStrictEqual(["invoice.paid", "invoice.created", "invoice.voided"]);
  });

  it("8. reads a catalog that does not exist as gone (no id)", async () => {
    expect(await catalog.read(`${slug}_never`, { ...state, slug: `${slug}_never` })).toStrictEqual({});
  });
});

describe("WebhookEventCatalog events", () => {
  it("appends an added event, archives a removed one and unarchives a re-added one", async () => {
    const slug = unique("events");
    const first = await checked({ slug, name: "Events", events: [paid, created] });
    const made = await create(first);

    const second = await checked({ slug, name: "Events", events: [paid, voided] }, first);
    const updated = await catalog.update(slug, made.outs, second);
    expect(await liveEvents(slug)).toStrictEqual([
      "invoice.paid",
      "invoice.created (archived)",
      "invoice.voided",
    ]);
    expect({ events: updated.outs?.events, archived: updated.outs?.archivedEvents }).toStrictEqual({
      events: [definition(paid), definition(voided)],
      archived: ["invoice.created"],
    });

    const third = await checked({ slug, name: "Events", events: [paid, voided, created] }, second);
    const readded = await catalog.update(slug, updated.outs!, third);
    expect(await liveEvents(slug)).toStrictEqual(["invoice.paid", "invoice.created", "invoice.voided"]);
    expect(readded.outs?.archivedEvents).toStrictEqual([]);
    expect(await catalog.diff(slug, readded.outs!, third)).toMatchObject({ changes: false });
  });

  it("takes back a deleted catalog when a later create uses the same slug", async () => {
    const slug = unique("reborn");
    const first = await checked({ slug, name: "Old", events: [paid, created] });
    const made = await create(first);
    await catalog.delete(slug, made.outs);

    const second = await checked({ slug, name: "New", events: [created, voided] });
    const reborn = await create(second);
    expect(reborn.id).toBe(slug);
    expect({
      name: reborn.outs.name,
      events: reborn.outs.events,
      archived: reborn.outs.archivedEvents,
    }).toStrictEqual({
      name: "New",
      events: [definition(created), definition(voided)],
      archived: ["invoice.paid"],
    });
    expect(await liveEvents(slug)).toStrictEqual([
      "invoice.paid (archived)",
      "invoice.created",
      "invoice.voided",
    ]);
  });
});

describe("WebhookEventCatalog adoption", () => {
  it("refuses to take over an existing catalog without adopt, saying how to adopt it", async () => {
    const slug = unique("taken");
    expect(
      (await bed.api("POST", "/webhooks/event-catalogs", { slug, name: "Theirs", events: [paid] })).status,
    ).toBe(200);
    const inputs = await checked({ slug, name: "Ours", events: [paid] });
    expect(await rejection(create(inputs))).toBe(
      `WebhookEventCatalog "events" create failed: Catalog '${slug}' already exists in Wacht.\n` +
        "To manage it with Pulumi, set adopt: true on this resource.",
    );
    expect((await live(slug)).name).toBe("Theirs");
  });

  it("adopts an existing catalog with adopt: true and converges it to the program", async () => {
    const slug = unique("adopted");
    await bed.api("POST", "/webhooks/event-catalogs", { slug, name: "Theirs", events: [paid, created] });
    const inputs = await checked({ slug, name: "Ours", events: [paid, voided], adopt: true });
    const result = await create(inputs);
    expect(result.id).toBe(slug);
    expect({
      name: result.outs.name,
      events: result.outs.events,
      archived: result.outs.archivedEvents,
    }).toStrictEqual({
      name: "Ours",
      events: [definition(paid), definition(voided)],
      archived: ["invoice.created"],
    });
    expect(await catalog.diff(slug, result.outs, inputs)).toMatchObject({ changes: false });
  });
});

describe("WebhookEventCatalog retries", () => {
  it("reconciles a create whose response was lost: the catalog exists once and is managed", async () => {
    const slug = unique("lost");
    await bed.fault({ method: "POST", path: "/webhooks/event-catalogs", lostResponse: true });
    const inputs = await checked({ slug, name: "Lost", events: [paid] });
    const result = await create(inputs);
    expect(result.id).toBe(slug);
    expect(await liveEvents(slug)).toStrictEqual(["invoice.paid"]);
  });

  it("finishes an update whose append and archive answers were lost, appending each event once", async () => {
    const slug = unique("lost-update");
    const first = await create(await checked({ slug, name: "Lost", events: [paid, created] }));
    await bed.fault({
      method: "POST",
      path: `/webhooks/event-catalogs/${slug}/append-events`,
      lostResponse: true,
    });
    await bed.fault({
      method: "POST",
      path: `/webhooks/event-catalogs/${slug}/archive-event`,
      lostResponse: true,
    });
    const news = await checked({ slug, name: "Lost", events: [paid, voided] }, first.outs);
    const result = await catalog.update(slug, first.outs, news);
    expect(result.outs?.events).toStrictEqual([definition(paid), definition(voided)]);
    expect(await liveEvents(slug)).toStrictEqual([
      "invoice.paid",
      "invoice.created (archived)",
      "invoice.voided",
    ]);
  });
});
