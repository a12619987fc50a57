// Spec §3.2 (event catalogs) and the WebhookEventCatalog shape of §2, over raw HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, type Emulator, ID, launch, TIMESTAMP } from "./harness";

interface Catalog {
  deployment_id: string;
  slug: string;
  name: string;
  description: string | null;
  events: Record<string, unknown>[];
  created_at: string;
  updated_at: string;
}

let emulator: Emulator;

beforeAll(async () => {
  emulator = await launch();
});

afterAll(async () => {
  await emulator?.close();
});

function stored(event: { name: string; description: string } & Record<string, unknown>) {
  return { group: null, schema: null, example_payload: null, is_archived: false, ...event };
}

async function createCatalog(slug: string, events: { name: string; description: string }[] = []) {
  const response = await emulator.api("POST", "/webhooks/event-catalogs", { slug, name: slug, events });
  if (response.status !== 200) throw new Error(`create catalog: ${JSON.stringify(response)}`);
  return response.body as Catalog;
}

describe("creating a catalog", () => {
  it("returns the catalog with nulls for unset event fields and is_archived false", async () => {
    const response = await emulator.api("POST", "/webhooks/event-catalogs", {
      slug: "Shop Events!",
      name: "Shop",
      events: [
        { name: "order.placed", description: "An order was placed" },
        {
          name: "order.shipped",
          description: "Shipped",
          group: "orders",
          schema: { type: "object", properties: { carrier: { type: "string" } } },
          example_payload: { carrier: "ups" },
          is_archived: true,
        },
      ],
    });
    expect(response).toStrictEqual({
      status: 200,
      body: {
        deployment_id: expect.stringMatching(ID),
        slug: "Shop Events!",
        name: "Shop",
        description: null,
        events: [
          stored({ name: "order.placed", description: "An order was placed" }),
          {
            name: "order.shipped",
            description: "Shipped",
            group: "orders",
            schema: { type: "object", properties: { carrier: { type: "string" } } },
            example_payload: { carrier: "ups" },
            is_archived: true,
          },
        ],
        created_at: expect.stringMatching(TIMESTAMP),
        updated_at: expect.stringMatching(TIMESTAMP),
      },
    });
    expect(
      await emulator.api("GET", `/webhooks/event-catalogs/${encodeURIComponent("Shop Events!")}`),
    ).toStrictEqual(response);
  });

  it("serialises event definitions in Postgres JSONB key order (shorter keys first)", async () => {
    await createCatalog("key-order", [{ name: "a.b", description: "A" }]);
    const response = await fetch(`${emulator.url}/webhooks/event-catalogs/key-order`, {
      headers: { authorization: `Bearer ${emulator.apiKey}` },
    });
    expect(await response.text()).toContain(
      '"events":[{"name":"a.b","group":null,"schema":null,"description":"A","is_archived":false,"example_payload":null}]',
    );
  });

  it("accepts an empty event list and duplicate event names within one request", async () => {
    expect((await createCatalog("empty-cat")).events).toStrictEqual([]);
    const dup = await createCatalog("dup-events", [
      { name: "a.b", description: "one" },
      { name: "a.b", description: "two" },
    ]);
    expect(dup.events).toStrictEqual([
      stored({ name: "a.b", description: "one" }),
      stored({ name: "a.b", description: "two" }),
    ]);
  });

  it("drops unknown keys of event definitions", async () => {
    const created = await emulator.api("POST", "/webhooks/event-catalogs", {
      slug: "extra-keys",
      name: "Extra",
      colour: "red",
      events: [{ name: "x.y", description: "X", colour: "blue" }],
    });
    expect(created.body).not.toHaveProperty("colour");
    expect((created.body as Catalog).events).toStrictEqual([stored({ name: "x.y", description: "X" })]);
  });

  it("answers a duplicate slug with 409 Resource already exists", async () => {
    await createCatalog("taken");
    expect(
      await emulator.api("POST", "/webhooks/event-catalogs", { slug: "taken", name: "Again", events: [] }),
    ).toStrictEqual({ status: 409, body: apiError(409, "Resource already exists") });
  });
});

describe("updating a catalog with PUT", () => {
  it("keeps omitted and null fields, stores empty strings and never touches events", async () => {
    const created = await createCatalog("put-cat", [{ name: "a.b", description: "A" }]);
    const described = await emulator.api("PUT", "/webhooks/event-catalogs/put-cat", { description: "Desc" });
    expect(described).toStrictEqual({
      status: 200,
      body: { ...created, description: "Desc", updated_at: expect.stringMatching(TIMESTAMP) },
    });
    const kept = await emulator.api("PUT", "/webhooks/event-catalogs/put-cat", {
      name: null,
      description: null,
      events: [],
      slug: "other",
    });
    expect(kept.body).toMatchObject({
      slug: "put-cat",
      name: "put-cat",
      description: "Desc",
      events: created.events,
    });
    const blank = await emulator.api("PUT", "/webhooks/event-catalogs/put-cat", {
      name: "",
      description: "",
    });
    expect(blank.body).toMatchObject({ name: "", description: "" });
  });
});

describe("appending events", () => {
  it("appends new events after the existing ones", async () => {
    await createCatalog("append-cat", [{ name: "a.one", description: "1" }]);
    const response = await emulator.api("POST", "/webhooks/event-catalogs/append-cat/append-events", {
      events: [
        { name: "a.two", description: "2" },
        { name: "a.three", description: "3", group: "g" },
      ],
    });
    expect(response.status).toBe(200);
    expect((response.body as Catalog).events).toStrictEqual([
      stored({ name: "a.one", description: "1" }),
      stored({ name: "a.two", description: "2" }),
      stored({ name: "a.three", description: "3", group: "g" }),
    ]);
  });

  it.each([
    ["an existing event", [{ name: "b.one", description: "again" }], "b.one"],
    [
      "the same new event twice",
      [
        { name: "b.two", description: "x" },
        { name: "b.two", description: "y" },
      ],
      "b.two",
    ],
    [
      "an existing event after a valid one",
      [
        { name: "b.three", description: "ok" },
        { name: "b.one", description: "dup" },
      ],
      "b.one",
    ],
  ])("rejects the whole request when it repeats %s", async (_case, events, name) => {
    const slug = `append-dup-${name.replace(".", "-")}-${events.length}`;
    const created = await createCatalog(slug, [{ name: "b.one", description: "1" }]);
    expect(
      await emulator.api("POST", `/webhooks/event-catalogs/${slug}/append-events`, { events }),
    ).toStrictEqual({
      status: 400,
      body: apiError(400, `Event with name '${name}' already exists in the catalog`),
    });
    expect(
      ((await emulator.api("GET", `/webhooks/event-catalogs/${slug}`)).body as Catalog).events,
    ).toStrictEqual(created.events);
  });
});

describe("archiving events", () => {
  it("sets and clears is_archived on the named event", async () => {
    await createCatalog("archive-cat", [
      { name: "c.one", description: "1" },
      { name: "c.two", description: "2" },
    ]);
    const archived = await emulator.api("POST", "/webhooks/event-catalogs/archive-cat/archive-event", {
      event_name: "c.two",
      is_archived: true,
    });
    expect((archived.body as Catalog).events).toStrictEqual([
      stored({ name: "c.one", description: "1" }),
      stored({ name: "c.two", description: "2", is_archived: true }),
    ]);
    const restored = await emulator.api("POST", "/webhooks/event-catalogs/archive-cat/archive-event", {
      event_name: "c.two",
      is_archived: false,
    });
    expect((restored.body as Catalog).events[1]).toStrictEqual(stored({ name: "c.two", description: "2" }));
  });

  it("archives only the first of two events with the same name", async () => {
    await createCatalog("archive-dup", [
      { name: "e.dup", description: "first" },
      { name: "e.dup", description: "second" },
    ]);
    const archived = await emulator.api("POST", "/webhooks/event-catalogs/archive-dup/archive-event", {
      event_name: "e.dup",
      is_archived: true,
    });
    expect((archived.body as Catalog).events).toStrictEqual([
      stored({ name: "e.dup", description: "first", is_archived: true }),
      stored({ name: "e.dup", description: "second" }),
    ]);
  });

  it("answers an unknown event name with 404", async () => {
    await createCatalog("archive-unknown", [{ name: "d.one", description: "1" }]);
    expect(
      await emulator.api("POST", "/webhooks/event-catalogs/archive-unknown/archive-event", {
        event_name: "d.two",
        is_archived: true,
      }),
    ).toStrictEqual({ status: 404, body: apiError(404, "Event with name 'd.two' not found in the catalog") });
  });
});

describe("unknown catalogs", () => {
  it.each([
    ["GET", "/webhooks/event-catalogs/nope", undefined],
    ["PUT", "/webhooks/event-catalogs/nope", { name: "x" }],
    ["POST", "/webhooks/event-catalogs/nope/append-events", { events: [] }],
    ["POST", "/webhooks/event-catalogs/nope/archive-event", { event_name: "a", is_archived: true }],
  ])("answers %s %s with 404 Event catalog not found", async (method, path, body) => {
    expect(await emulator.api(method, path, body)).toStrictEqual({
      status: 404,
      body: apiError(404, "Event catalog not found"),
    });
  });
});

describe("listing catalogs", () => {
  it("returns every catalog ordered by name, unpaginated, without limit or offset", async () => {
    const lister = await launch();
    try {
      for (const [slug, name] of [
        ["s1", "Charlie"],
        ["s2", "Alpha"],
        ["s3", "Delta"],
        ["s4", "Bravo"],
      ]) {
        await lister.api("POST", "/webhooks/event-catalogs", { slug, name, events: [] });
      }
      for (const query of ["", "?limit=1", "?limit=1&offset=2"]) {
        const response = await lister.api("GET", `/webhooks/event-catalogs${query}`);
        expect(response.status).toBe(200);
        const body = response.body as { data: Catalog[]; has_more: boolean };
        expect(Object.keys(body).sort()).toStrictEqual(["data", "has_more"]);
        expect(body.has_more).toBe(false);
        // names chosen to sort the same under any collation (the spec leaves the DB collation open)
        expect(body.data.map((c) => c.name)).toStrictEqual(["Alpha", "Bravo", "Charlie", "Delta"]);
      }
    } finally {
      await lister.close();
    }
  });
});
