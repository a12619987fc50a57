// Spec §3.1 (apps), §4.1 (COALESCE updates), §4.4 (secret) and §4.6 (slugs), over raw HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, CATALOG_EVENTS, type Emulator, ID, launch, SECRET, TIMESTAMP } from "./harness";

interface App {
  deployment_id: string;
  app_slug: string;
  name: string;
  description: string | null;
  signing_secret: string;
  failure_notification_emails: string[];
  event_catalog_slug: string | null;
  is_active: boolean;
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

async function createApp(body: Record<string, unknown>): Promise<App> {
  const response = await emulator.api("POST", "/webhooks/apps", body);
  if (response.status !== 200) throw new Error(`create app: ${JSON.stringify(response)}`);
  return response.body as App;
}

describe("creating an app", () => {
  it("returns the full app with nulls for unset fields, an empty e-mail list and a fresh secret", async () => {
    const app = await createApp({ app_slug: "billing", name: "Billing" });
    expect(app).toStrictEqual({
      deployment_id: expect.stringMatching(ID),
      app_slug: "billing",
      name: "Billing",
      description: null,
      signing_secret: expect.stringMatching(SECRET),
      failure_notification_emails: [],
      event_catalog_slug: null,
      is_active: true,
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: app.created_at,
    });
    expect(Object.keys(app).sort()).toStrictEqual([
      "app_slug",
      "created_at",
      "deployment_id",
      "description",
      "event_catalog_slug",
      "failure_notification_emails",
      "is_active",
      "name",
      "signing_secret",
      "updated_at",
    ]);
  });

  it("stores every optional field as sent, without validating e-mails or the catalog slug", async () => {
    const app = await createApp({
      app_slug: "stores_fields",
      name: "",
      description: "Invoices",
      failure_notification_emails: ["not-an-email", "ops@example.com"],
      event_catalog_slug: "no-such-catalog",
    });
    expect(app).toMatchObject({
      app_slug: "stores_fields",
      name: "",
      description: "Invoices",
      failure_notification_emails: ["not-an-email", "ops@example.com"],
      event_catalog_slug: "no-such-catalog",
    });
  });

  it("treats null optional fields as absent", async () => {
    const app = await createApp({
      app_slug: "nulls",
      name: "Nulls",
      description: null,
      failure_notification_emails: null,
      event_catalog_slug: null,
    });
    expect(app).toMatchObject({
      description: null,
      failure_notification_emails: [],
      event_catalog_slug: null,
    });
  });

  it.each([
    ["Billing-Webhooks", "billing_webhooks"],
    ["  wh_42 ", "wh_42"],
    ["__a--b__", "a_b"],
    ["Orders", "orders"],
    ["a b  c", "a_b_c"],
    ["café.events", "caf_events"],
    ["x", "x"],
    ["UPPER_lower_123", "upper_lower_123"],
  ])("normalises the client slug %j to %j", async (sent, expected) => {
    const app = await createApp({ app_slug: sent, name: "Normalised" });
    expect(app.app_slug).toBe(expected);
    const fetched = await emulator.api("GET", `/webhooks/apps/${expected}`);
    expect(fetched).toStrictEqual({ status: 200, body: app });
  });

  it.each(["--", "", "   ", "___", "!!!", "é"])(
    "rejects the slug %j, which normalises to nothing, with 400",
    async (sent) => {
      const response = await emulator.api("POST", "/webhooks/apps", { app_slug: sent, name: "Empty" });
      expect(response).toStrictEqual({
        status: 400,
        body: apiError(400, "app_slug must contain at least one alphanumeric character"),
      });
    },
  );

  it.each([
    ["absent", {}],
    ["null", { app_slug: null }],
  ])("generates slug_<digits> when app_slug is %s", async (_case, extra) => {
    const first = await createApp({ name: "Generated", ...extra });
    const second = await createApp({ name: "Generated", ...extra });
    expect(first.app_slug).toMatch(/^slug_[1-9][0-9]*$/);
    expect(second.app_slug).toMatch(/^slug_[1-9][0-9]*$/);
    expect(second.app_slug).not.toBe(first.app_slug);
  });

  it("gives every app a different whsec_ secret of 32 random bytes", async () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const app = await createApp({ app_slug: `secret_${i}`, name: "Secret" });
      expect(app.signing_secret).toMatch(SECRET);
      expect(app.signing_secret).toHaveLength(50);
      expect(Buffer.from(app.signing_secret.slice("whsec_".length), "base64")).toHaveLength(32);
      secrets.add(app.signing_secret);
    }
    expect(secrets.size).toBe(5);
  });

  it.each([
    ["the same slug", "duplicate", "duplicate"],
    ["a slug that normalises to an existing one", "dup_norm", "Dup-Norm"],
  ])("answers %s with 409 Resource already exists", async (_case, first, second) => {
    await createApp({ app_slug: first, name: "First" });
    const response = await emulator.api("POST", "/webhooks/apps", { app_slug: second, name: "Second" });
    expect(response).toStrictEqual({ status: 409, body: apiError(409, "Resource already exists") });
    expect((await emulator.api("GET", `/webhooks/apps/${first}`)).body).toMatchObject({ name: "First" });
  });

  it("looks apps up by the raw path segment, so the unnormalised slug is not found", async () => {
    await createApp({ app_slug: "Raw-Lookup", name: "Raw" });
    expect(await emulator.api("GET", "/webhooks/apps/Raw-Lookup")).toStrictEqual({
      status: 404,
      body: apiError(404, "Webhook app not found"),
    });
  });
});

describe("updating an app", () => {
  it("keeps a field that is omitted or null and stores an empty string as sent", async () => {
    const created = await createApp({
      app_slug: "coalesce",
      name: "Coalesce",
      description: "Before",
      failure_notification_emails: ["a@example.com"],
      event_catalog_slug: "cat",
    });

    const nulls = await emulator.api("PATCH", "/webhooks/apps/coalesce", {
      name: null,
      description: null,
      is_active: null,
      failure_notification_emails: null,
      event_catalog_slug: null,
    });
    expect(nulls.body).toMatchObject({
      name: "Coalesce",
      description: "Before",
      is_active: true,
      failure_notification_emails: ["a@example.com"],
      event_catalog_slug: "cat",
    });

    const empty = await emulator.api("PATCH", "/webhooks/apps/coalesce", {});
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ name: "Coalesce", description: "Before", event_catalog_slug: "cat" });

    const blanks = await emulator.api("PATCH", "/webhooks/apps/coalesce", {
      description: "",
      event_catalog_slug: "",
      failure_notification_emails: [],
    });
    expect(blanks).toStrictEqual({
      status: 200,
      body: {
        ...created,
        description: "",
        event_catalog_slug: "",
        failure_notification_emails: [],
        updated_at: expect.stringMatching(TIMESTAMP),
      },
    });
    expect((await emulator.api("GET", "/webhooks/apps/coalesce")).body).toStrictEqual(blanks.body);
  });

  it("changes name, description, activity and e-mails but never the slug or the secret", async () => {
    const created = await createApp({ app_slug: "mutable", name: "Mutable" });
    const response = await emulator.api("PATCH", "/webhooks/apps/mutable", {
      app_slug: "renamed",
      name: "Renamed",
      description: "Now described",
      is_active: false,
      failure_notification_emails: ["x@example.com", "y@example.com"],
      event_catalog_slug: "anything",
    });
    expect(response).toStrictEqual({
      status: 200,
      body: {
        ...created,
        name: "Renamed",
        description: "Now described",
        is_active: false,
        failure_notification_emails: ["x@example.com", "y@example.com"],
        event_catalog_slug: "anything",
        updated_at: expect.stringMatching(TIMESTAMP),
      },
    });
    expect(Date.parse((response.body as App).updated_at)).toBeGreaterThanOrEqual(
      Date.parse(created.updated_at),
    );
    expect((await emulator.api("GET", "/webhooks/apps/renamed")).status).toBe(404);
  });

  it("returns an inactive app on get", async () => {
    await createApp({ app_slug: "inactive_get", name: "Inactive" });
    await emulator.api("PATCH", "/webhooks/apps/inactive_get", { is_active: false });
    expect((await emulator.api("GET", "/webhooks/apps/inactive_get")).body).toMatchObject({
      is_active: false,
    });
  });
});

describe("rotating the secret", () => {
  it("replaces the secret with a new one of the same format and keeps everything else", async () => {
    const created = await createApp({ app_slug: "rotating", name: "Rotating" });
    const rotated = await emulator.api("POST", "/webhooks/apps/rotating/rotate-secret");
    expect(rotated).toStrictEqual({
      status: 200,
      body: {
        ...created,
        signing_secret: expect.stringMatching(SECRET),
        updated_at: expect.stringMatching(TIMESTAMP),
      },
    });
    const secret = (rotated.body as App).signing_secret;
    expect(secret).not.toBe(created.signing_secret);
    expect((await emulator.api("GET", "/webhooks/apps/rotating")).body).toMatchObject({
      signing_secret: secret,
    });
  });
});

describe("deleting an app", () => {
  it("answers 200 {} and frees the slug, which can be created again with a new secret", async () => {
    const created = await createApp({ app_slug: "deleted", name: "Deleted" });
    expect(await emulator.api("DELETE", "/webhooks/apps/deleted")).toStrictEqual({ status: 200, body: {} });
    expect(await emulator.api("GET", "/webhooks/apps/deleted")).toStrictEqual({
      status: 404,
      body: apiError(404, "Webhook app not found"),
    });
    const again = await createApp({ app_slug: "deleted", name: "Again" });
    expect(again.signing_secret).not.toBe(created.signing_secret);
  });

  it("removes the app's endpoints with it", async () => {
    await emulator.api("POST", "/webhooks/event-catalogs", {
      slug: "cascade-cat",
      name: "Cascade",
      events: CATALOG_EVENTS,
    });
    await createApp({ app_slug: "cascade", name: "Cascade", event_catalog_slug: "cascade-cat" });
    const endpoint = await emulator.api("POST", "/webhooks/apps/cascade/endpoints", {
      app_slug: "cascade",
      url: "https://hooks.example.com/cascade",
      subscriptions: [{ event_name: "invoice.paid" }],
    });
    const id = (endpoint.body as { id: string }).id;
    await emulator.api("DELETE", "/webhooks/apps/cascade");
    await createApp({ app_slug: "cascade", name: "Cascade", event_catalog_slug: "cascade-cat" });
    expect(await emulator.api("GET", "/webhooks/apps/cascade/endpoints?include_inactive=true")).toStrictEqual(
      {
        status: 200,
        body: { data: [], has_more: false, limit: 100, offset: 0 },
      },
    );
    expect(await emulator.api("POST", `/webhooks/endpoints/${id}/reactivate`)).toStrictEqual({
      status: 404,
      body: apiError(404, "Webhook endpoint not found"),
    });
  });
});

describe("unknown apps", () => {
  it.each([
    ["GET", "/webhooks/apps/ghost", undefined],
    ["PATCH", "/webhooks/apps/ghost", { name: "x" }],
    ["DELETE", "/webhooks/apps/ghost", undefined],
    ["POST", "/webhooks/apps/ghost/rotate-secret", undefined],
    ["GET", "/webhooks/apps/ghost/events", undefined],
    ["GET", "/webhooks/apps/ghost/catalog", undefined],
    [
      "POST",
      "/webhooks/apps/ghost/endpoints",
      { app_slug: "ghost", url: "https://hooks.example.com/x", subscriptions: [{ event_name: "a.b" }] },
    ],
    ["POST", "/webhooks/apps/ghost/trigger", { app_slug: "ghost", event_name: "a.b", payload: {} }],
    ["GET", "/webhooks/apps/ghost/deliveries/123", undefined],
    ["POST", "/webhooks/apps/ghost/deliveries/replay", { delivery_ids: ["1"] }],
  ])("answers %s %s with 404 Webhook app not found", async (method, path, body) => {
    expect(await emulator.api(method, path, body)).toStrictEqual({
      status: 404,
      body: apiError(404, "Webhook app not found"),
    });
  });

  it("lists no endpoints for an unknown app instead of answering 404", async () => {
    expect(await emulator.api("GET", "/webhooks/apps/ghost/endpoints")).toStrictEqual({
      status: 200,
      body: { data: [], has_more: false, limit: 100, offset: 0 },
    });
  });
});

describe("an app's events and catalog", () => {
  it("lists every event of the app's catalog, archived ones included, stamped with the request time", async () => {
    await emulator.api("POST", "/webhooks/event-catalogs", {
      slug: "events-cat",
      name: "Events",
      events: CATALOG_EVENTS,
    });
    const app = await createApp({
      app_slug: "with_events",
      name: "Events",
      event_catalog_slug: "events-cat",
    });
    const before = Date.now();
    const response = await emulator.api("GET", "/webhooks/apps/with_events/events");
    const after = Date.now();
    const stamp = expect.stringMatching(TIMESTAMP);
    expect(response).toStrictEqual({
      status: 200,
      body: {
        events: CATALOG_EVENTS.map((event) => ({
          deployment_id: app.deployment_id,
          app_slug: "with_events",
          event_name: event.name,
          description: event.description,
          schema: event.schema ?? null,
          created_at: stamp,
        })),
      },
    });
    for (const event of (response.body as { events: { created_at: string }[] }).events) {
      const at = Date.parse(event.created_at);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(after + 1000);
    }
  });

  it("returns the catalog the app names", async () => {
    await createApp({ app_slug: "with_catalog", name: "Catalog", event_catalog_slug: "events-cat" });
    const catalog = await emulator.api("GET", "/webhooks/event-catalogs/events-cat");
    expect(await emulator.api("GET", "/webhooks/apps/with_catalog/catalog")).toStrictEqual(catalog);
    expect(catalog.status).toBe(200);
  });

  it("lists no events for an app without a catalog", async () => {
    await createApp({ app_slug: "no_catalog", name: "None" });
    expect(await emulator.api("GET", "/webhooks/apps/no_catalog/events")).toStrictEqual({
      status: 200,
      body: { events: [] },
    });
  });

  it.each([
    ["no catalog", "bare_app", null, "No catalog assigned to this app"],
    ["a dangling catalog slug", "dangling_app", "missing-cat", "Event catalog not found"],
  ])("answers the catalog of an app with %s with 404", async (_case, slug, catalogSlug, message) => {
    await createApp({ app_slug: slug, name: "X", event_catalog_slug: catalogSlug });
    expect(await emulator.api("GET", `/webhooks/apps/${slug}/catalog`)).toStrictEqual({
      status: 404,
      body: apiError(404, message),
    });
  });

  it("answers the events of an app with a dangling catalog slug with 404 Event catalog not found", async () => {
    await createApp({ app_slug: "dangling_events", name: "X", event_catalog_slug: "missing-cat" });
    expect(await emulator.api("GET", "/webhooks/apps/dangling_events/events")).toStrictEqual({
      status: 404,
      body: apiError(404, "Event catalog not found"),
    });
  });
});

describe("listing apps", () => {
  let lister: Emulator;

  beforeAll(async () => {
    lister = await launch();
    for (const slug of ["one", "two", "three", "four", "five"]) {
      await lister.api("POST", "/webhooks/apps", { app_slug: slug, name: slug });
      // created_at must differ for a deterministic order
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await lister.api("PATCH", "/webhooks/apps/three", { is_active: false });
  });

  afterAll(async () => {
    await lister?.close();
  });

  const slugs = (body: unknown) => (body as { data: App[] }).data.map((app) => app.app_slug);

  it("lists active apps newest first with the default limit 50 and offset 0 echoed", async () => {
    const response = await lister.api("GET", "/webhooks/apps");
    expect(response.status).toBe(200);
    expect(slugs(response.body)).toStrictEqual(["five", "four", "two", "one"]);
    expect(response.body).toMatchObject({ has_more: false, limit: 50, offset: 0 });
    expect(Object.keys(response.body as object).sort()).toStrictEqual([
      "data",
      "has_more",
      "limit",
      "offset",
    ]);
  });

  it("includes inactive apps when include_inactive=true", async () => {
    const response = await lister.api("GET", "/webhooks/apps?include_inactive=true");
    expect(slugs(response.body)).toStrictEqual(["five", "four", "three", "two", "one"]);
  });

  it("excludes inactive apps when include_inactive=false", async () => {
    const response = await lister.api("GET", "/webhooks/apps?include_inactive=false");
    expect(slugs(response.body)).toStrictEqual(["five", "four", "two", "one"]);
  });

  it.each([
    ["limit=2", ["five", "four"], true, 2, 0],
    ["limit=2&offset=2", ["two", "one"], false, 2, 2],
    ["limit=3&offset=1", ["four", "two", "one"], false, 3, 1],
    ["limit=4", ["five", "four", "two", "one"], false, 4, 0],
    ["offset=3", ["one"], false, 50, 3],
    ["offset=10", [], false, 50, 10],
    ["limit=0", [], true, 0, 0],
  ])(
    "pages with %s by fetching one row more than the limit",
    async (query, expected, hasMore, limit, offset) => {
      const response = await lister.api("GET", `/webhooks/apps?${query}`);
      expect(response.status).toBe(200);
      expect({ ...(response.body as object), data: slugs(response.body) }).toStrictEqual({
        data: expected,
        has_more: hasMore,
        limit,
        offset,
      });
    },
  );

  it("filters by the exact slug with search", async () => {
    const response = await lister.api("GET", "/webhooks/apps?search=two");
    expect(slugs(response.body)).toStrictEqual(["two"]);
    expect(slugs((await lister.api("GET", "/webhooks/apps?search=tw")).body)).toStrictEqual([]);
  });

  it("returns the same objects in the list as on get", async () => {
    const list = (await lister.api("GET", "/webhooks/apps?limit=1")).body as { data: App[] };
    expect(list.data[0]).toStrictEqual((await lister.api("GET", "/webhooks/apps/five")).body);
  });
});
