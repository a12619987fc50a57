// WebhookEndpoint against the in-process emulator: lifecycle, drift, adoption, shared list pages,
// lost responses and error reports.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventDefinition } from "../../../provider/catalog/schema";
import type { EndpointInputs, EndpointOutputs } from "../../../provider/endpoint/schema";
import {
  app as appProvider,
  calls,
  endpoint,
  ID,
  type ProviderBed,
  RFC3339,
  rejection,
  startBed,
  unique,
} from "./harness";

let bed: ProviderBed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const EVENTS = [
  {
    name: "invoice.paid",
    description: "An invoice was paid",
    schema: { type: "object", properties: { amount: { type: "number" } } },
  },
  { name: "invoice.created", description: "An invoice was created" },
  { name: "user.created", description: "A user signed up" },
];

/** The catalog events a WebhookApp resource hands to its own check, for its endpoints' checks. */
const catalogEvents: EventDefinition[] = EVENTS.map((e) => ({
  name: e.name,
  description: e.description,
  group: null,
  schema: e.schema ?? null,
  examplePayload: null,
}));

/** A catalog and an app using it, made through the API; returns the app slug. */
async function seedApp(prefix: string): Promise<string> {
  const slug = unique(prefix);
  expect(
    (
      await bed.api("POST", "/webhooks/event-catalogs", {
        slug: `${slug}-events`,
        name: "Events",
        events: EVENTS,
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await bed.api("POST", "/webhooks/apps", {
        app_slug: slug,
        name: slug,
        event_catalog_slug: `${slug}-events`,
      })
    ).status,
  ).toBe(200);
  return slug;
}

/** `create`, with the outputs Pulumi's type leaves optional asserted present. */
async function create(inputs: EndpointInputs): Promise<{ id: string; outs: EndpointOutputs }> {
  const result = await endpoint.create(inputs);
  if (result.outs === undefined) throw new Error("create returned no outputs");
  return { id: result.id, outs: result.outs };
}

async function checked(news: Record<string, unknown>, olds?: EndpointInputs): Promise<EndpointInputs> {
  const result = await endpoint.check(olds, { pulumiName: "primary", ...news });
  expect(result.failures).toStrictEqual([]);
  return result.inputs!;
}

interface LiveEndpoint {
  id: string;
  url: string;
  description: string | null;
  headers: Record<string, string> | null;
  max_retries: number;
  timeout_seconds: number;
  is_active: boolean;
  subscriptions: Array<{ event_name: string; filter_rules?: unknown }>;
}

async function listed(app: string): Promise<LiveEndpoint[]> {
  const response = await bed.api("GET", `/webhooks/apps/${app}/endpoints?include_inactive=true&limit=100`);
  expect(response.status).toBe(200);
  return (response.body as { data: LiveEndpoint[] }).data;
}

async function rawEndpoint(app: string, url: string, events = ["invoice.paid"]): Promise<string> {
  const response = await bed.api("POST", `/webhooks/apps/${app}/endpoints`, {
    app_slug: app,
    url,
    subscriptions: events.map((event_name) => ({ event_name })),
  });
  expect(response.status).toBe(200);
  return String((response.body as { id: string }).id);
}

describe("WebhookEndpoint lifecycle", () => {
  let app: string;
  let id: string;
  let endpointId: string;
  let inputs: EndpointInputs;
  let state: EndpointOutputs;

  beforeAll(async () => {
    app = await seedApp("billing");
    // The engine checks the app before its endpoints; its check keeps the catalog for theirs.
    const checkedApp = await appProvider.check(undefined, {
      pulumiName: "billing-app",
      name: app,
      slug: app,
      catalogEvents,
    });
    expect(checkedApp.failures).toStrictEqual([]);
  });

  it("1. creates the endpoint with defaults filled in", async () => {
    inputs = await checked({
      app,
      url: "https://hooks.example.com/v1",
      events: ["invoice.paid", "user.created"],
      headers: { "X-Tenant": "acme" },
      catalogChecks: true,
    });
    const result = await create(inputs);
    endpointId = result.outs.endpointId;
    id = `${app}/${endpointId}`;
    expect(endpointId).toMatch(ID);
    expect(result).toStrictEqual({
      id,
      outs: {
        // State leaves out what equals its default (description "", 32 retries, 30 s, no rate limit,
        // active): withDefaults in provider/property.ts.
        pulumiName: "primary",
        app,
        url: "https://hooks.example.com/v1",
        headers: { "X-Tenant": "acme" },
        headerNames: ["X-Tenant"],
        endpointId,
        isActive: true,
        failureCount: 0,
        autoDisabled: false,
        createdAt: expect.stringMatching(RFC3339),
        updatedAt: expect.stringMatching(RFC3339),
        events: ["invoice.paid", "user.created"],
      },
    });
    state = result.outs;
    const [only] = await listed(app);
    expect(only?.subscriptions.map((s) => s.event_name).sort()).toStrictEqual([
      "invoice.paid",
      "user.created",
    ]);
  });

  it("2. finds no change for the same inputs, events reordered and header names recased", async () => {
    const again = await checked({
      app,
      url: "https://hooks.example.com/v1",
      events: ["user.created", "invoice.paid"],
      headers: { "x-tenant": "acme" },
      catalogChecks: true,
    });
    expect(await endpoint.diff(id, state, again)).toMatchObject({ changes: false, replaces: [] });
  });

  it("3. updates URL, description, events, headers, retries and timeout in place", async () => {
    const news = await checked(
      {
        app,
        url: "https://hooks.example.com/v2",
        description: "Primary receiver",
        subscriptions: [
          { event: "invoice.paid", filter: { amount: { $gte: 100 } } },
          { event: "invoice.created" },
        ],
        headers: { "X-Tenant": "globex" },
        maxRetries: 5,
        timeoutSeconds: 10,
        catalogChecks: true,
      },
      inputs,
    );
    expect(await endpoint.diff(id, state, news)).toMatchObject({ changes: true, replaces: [] });
    const result = await endpoint.update(id, state, news);
    expect(result.outs).toMatchObject({
      endpointId,
      url: "https://hooks.example.com/v2",
      description: "Primary receiver",
      headers: { "X-Tenant": "globex" },
      maxRetries: 5,
      timeoutSeconds: 10,
    });
    expect(result.outs?.subscriptions?.map((s) => s.event)).toStrictEqual([
      "invoice.paid",
      "invoice.created",
    ]);
    expect(result.outs?.subscriptions?.[0]?.filter).toStrictEqual({ amount: { $gte: 100 } });
    const [now] = await listed(app);
    expect({
      id: String(now?.id),
      url: now?.url,
      description: now?.description,
      headers: now?.headers,
      maxRetries: now?.max_retries,
      timeout: now?.timeout_seconds,
      subscriptions: now?.subscriptions
        .map((s) => ({ event: s.event_name, filter: s.filter_rules ?? {} }))
        .sort((a, b) => a.event.localeCompare(b.event)),
    }).toStrictEqual({
      id: endpointId,
      url: "https://hooks.example.com/v2",
      description: "Primary receiver",
      headers: { "X-Tenant": "globex" },
      maxRetries: 5,
      timeout: 10,
      subscriptions: [
        { event: "invoice.created", filter: {} },
        { event: "invoice.paid", filter: { amount: { $gte: 100 } } },
      ],
    });
    state = result.outs!;
    inputs = news;
    expect(await endpoint.diff(id, state, inputs)).toMatchObject({ changes: false });
  });

  it("4. replaces the endpoint when the app changes", async () => {
    const news = await checked({ ...inputs, app: `${app}_other` }, inputs);
    expect(await endpoint.diff(id, state, news)).toMatchObject({ changes: true, replaces: ["app"] });
  });

  it("5. sees URL, description, events and headers edited outside Pulumi, and repairs them cleanly", async () => {
    const edited = await bed.api("PATCH", `/webhooks/apps/${app}/endpoints/${endpointId}`, {
      url: "https://evil.example.com/hook",
      description: "edited",
      headers: { "X-Other": "1" },
      subscriptions: [{ event_name: "user.created" }],
    });
    expect(edited.status).toBe(200);
    const result = await endpoint.read(id, state);
    expect(result.id).toBe(id);
    expect(result.inputs).toMatchObject({
      app,
      url: "https://evil.example.com/hook",
      description: "edited",
      headers: { "X-Other": "1" },
      subscriptions: [{ event: "user.created", filter: {} }],
    });
    expect(await endpoint.diff(id, result.props!, inputs)).toMatchObject({ changes: true, replaces: [] });

    const repaired = await endpoint.update(id, result.props!, inputs);
    const clean = await endpoint.read(id, repaired.outs!);
    expect(await endpoint.diff(id, clean.props!, inputs)).toMatchObject({ changes: false, replaces: [] });
    const [now] = await listed(app);
    expect({ url: now?.url, headers: now?.headers }).toStrictEqual({
      url: "https://hooks.example.com/v2",
      headers: { "X-Tenant": "globex" },
    });
    state = clean.props!;
  });

  it("6. deletes the endpoint", async () => {
    await endpoint.delete(id, state);
    expect(await listed(app)).toStrictEqual([]);
  });

  it("7. reads the deleted endpoint as gone (no id)", async () => {
    expect(await endpoint.read(id, state)).toStrictEqual({});
  });
});

describe("WebhookEndpoint adoption", () => {
  it("adopts the endpoint with the same URL, keeping its id, and converges it", async () => {
    const app = await seedApp("adopt");
    const existing = await rawEndpoint(app, "https://hooks.example.com/adopt");
    const inputs = await checked({
      app,
      url: "https://hooks.example.com/adopt",
      events: ["invoice.paid", "user.created"],
      description: "Ours now",
      adopt: true,
    });
    const result = await create(inputs);
    expect(result.id).toBe(`${app}/${existing}`);
    expect(result.outs).toMatchObject({ endpointId: existing, description: "Ours now" });
    const all = await listed(app);
    expect(all.map((e) => String(e.id))).toStrictEqual([existing]);
    expect(all[0]?.subscriptions.map((s) => s.event_name).sort()).toStrictEqual([
      "invoice.paid",
      "user.created",
    ]);
    const read = await endpoint.read(result.id, result.outs);
    expect(await endpoint.diff(result.id, read.props!, inputs)).toMatchObject({ changes: false });
  });

  it("refuses to adopt when several endpoints have the URL, listing them", async () => {
    const app = await seedApp("ambiguous");
    await rawEndpoint(app, "https://hooks.example.com/twice");
    await rawEndpoint(app, "https://hooks.example.com/twice");
    const [first, second] = (await listed(app)).map((e) => String(e.id));
    const inputs = await checked({
      app,
      url: "https://hooks.example.com/twice",
      events: ["invoice.paid"],
      adopt: true,
    });
    expect(await rejection(create(inputs))).toBe(
      `WebhookEndpoint "primary" adopt failed: 2 endpoints of app '${app}' have URL https://hooks.example.com/twice: ` +
        `${first}, ${second}. Adoption needs exactly one: delete the extra ones, or give this endpoint a distinct URL.`,
    );
  });
});

describe("WebhookEndpoint API calls", () => {
  it("shares list pages between reads of endpoints of one app: 150 endpoints, 2 list calls", async () => {
    const app = await seedApp("many");
    const ids: string[] = [];
    for (let batch = 0; batch < 150; batch += 25) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 25 }, (_, i) => rawEndpoint(app, `https://hooks.example.com/n${batch + i}`)),
        )),
      );
    }
    await bed.clearJournal();
    const props = (await checked({
      app,
      url: "https://hooks.example.com/x",
      events: ["invoice.paid"],
    })) as EndpointOutputs;
    const results = await Promise.all(ids.map((endpointId) => endpoint.read(`${app}/${endpointId}`, props)));
    expect(results.map((r) => r.props?.endpointId)).toStrictEqual(ids);
    const lists = (await bed.journal()).filter(
      (e) => e.method === "GET" && e.path === `/webhooks/apps/${app}/endpoints`,
    );
    expect(lists.length).toBe(2);
  });

  it("reconciles a create whose response was lost: exactly one endpoint exists afterwards", async () => {
    const app = await seedApp("lost");
    await bed.fault({ method: "POST", path: `/webhooks/apps/${app}/endpoints`, lostResponse: true });
    const inputs = await checked({ app, url: "https://hooks.example.com/lost", events: ["invoice.paid"] });
    const result = await create(inputs);
    const all = await listed(app);
    expect(all.map((e) => String(e.id))).toStrictEqual([result.outs.endpointId]);
    expect(result.id).toBe(`${app}/${result.outs.endpointId}`);
  });

  it("retries a 503 on the list twice and reads the endpoint", async () => {
    const app = await seedApp("flaky");
    const existing = await rawEndpoint(app, "https://hooks.example.com/flaky");
    await bed.fault({ method: "GET", path: `/webhooks/apps/${app}/endpoints`, status: 503, times: 2 });
    await bed.clearJournal();
    const props = (await checked({
      app,
      url: "https://hooks.example.com/flaky",
      events: ["invoice.paid"],
    })) as EndpointOutputs;
    const result = await endpoint.read(`${app}/${existing}`, props);
    expect(result.props?.endpointId).toBe(existing);
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${app}/endpoints 503`,
      `GET /webhooks/apps/${app}/endpoints 503`,
      `GET /webhooks/apps/${app}/endpoints 200`,
    ]);
  });

  it("reports Wacht's error with resource, operation, status, message and request", async () => {
    const app = await seedApp("errors");
    const inputs = await checked({ app, url: "https://hooks.example.com/x", events: ["x"] });
    expect(await rejection(create(inputs))).toBe(
      `WebhookEndpoint "primary" create failed: 400 Unknown event 'x' for app '${app}' (POST /webhooks/apps/${app}/endpoints)`,
    );
    expect(await listed(app)).toStrictEqual([]);
  });

  it("reports a missing app on create as Wacht's 404", async () => {
    const inputs = await checked({
      app: "no_such_app",
      url: "https://hooks.example.com/x",
      events: ["invoice.paid"],
    });
    expect(await rejection(create(inputs))).toBe(
      'WebhookEndpoint "primary" create failed: 404 Webhook app not found (POST /webhooks/apps/no_such_app/endpoints)',
    );
  });
});

describe("WebhookEndpoint drift of its app", () => {
  it("reads an endpoint whose app was deleted outside Pulumi as gone (no id)", async () => {
    const app = await seedApp("orphan");
    const existing = await rawEndpoint(app, "https://hooks.example.com/orphan");
    const props = (await checked({
      app,
      url: "https://hooks.example.com/orphan",
      events: ["invoice.paid"],
    })) as EndpointOutputs;
    expect((await bed.api("DELETE", `/webhooks/apps/${app}`)).status).toBe(200);
    expect(await endpoint.read(`${app}/${existing}`, props)).toStrictEqual({});
  });

  it("updates a rate limit in place", async () => {
    const app = await seedApp("limited");
    const inputs = await checked({
      app,
      url: "https://hooks.example.com/limited",
      events: ["invoice.paid"],
      rateLimit: { durationMs: 1000, maxRequests: 10 },
    });
    const made = await create(inputs);
    const news = await checked({ ...inputs, rateLimit: { durationMs: 60_000, maxRequests: 100 } }, inputs);
    expect(await endpoint.diff(made.id, made.outs, news)).toMatchObject({ changes: true, replaces: [] });
    const updated = await endpoint.update(made.id, made.outs, news);
    expect(updated.outs?.rateLimit).toStrictEqual({ durationMs: 60_000, maxRequests: 100 });
    const live = (await bed.api("GET", `/webhooks/apps/${app}/endpoints`)).body as {
      data: Array<{ rate_limit_config: unknown }>;
    };
    expect(live.data[0]?.rate_limit_config).toStrictEqual({ duration_ms: 60_000, max_requests: 100 });
    const read = await endpoint.read(made.id, updated.outs!);
    expect(await endpoint.diff(made.id, read.props!, news)).toMatchObject({ changes: false });
  });
});
