// WebhookEndpoint check and diff: pure, no API call.
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import type { EventDefinition } from "../../provider/catalog/schema";
import { forgetCatalogs } from "../../provider/catalogs";
import { type EndpointInputs, type EndpointOutputs, endpointSchema } from "../../provider/endpoint/schema";
import { withOutputDefaults } from "../../provider/property";
import { app, endpoint } from "../../provider/runtime";

const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const catalogEvents: EventDefinition[] = [
  {
    name: "invoice.paid",
    description: "An invoice was paid",
    group: null,
    schema: {
      type: "object",
      properties: { amount: { type: "number" }, customer: { type: "object", properties: { tier: {} } } },
    },
    examplePayload: null,
  },
  { name: "user.created", description: "A user signed up", group: null, schema: null, examplePayload: null },
];

const base = { pulumiName: "primary", app: "billing", url: "https://hooks.example.com/wacht" };
/** What the class adds for an app given as a WebhookApp resource whose catalog the program declares. */
const fromApp = { catalogChecks: true };

function inputs(overrides: Partial<EndpointInputs> = {}): EndpointInputs {
  return {
    ...base,
    description: "",
    headers: { "X-Tenant": "acme" },
    maxRetries: 32,
    timeoutSeconds: 30,
    rateLimit: null,
    active: true,
    adopt: false,
    reactivate: false,
    verify: false,
    events: ["invoice.paid", "user.created"],
    ...overrides,
  };
}

function state(overrides: Partial<EndpointOutputs> = {}): EndpointOutputs {
  return {
    ...inputs(),
    endpointId: "123456789012345678",
    headerNames: ["X-Tenant"],
    isActive: true,
    failureCount: 0,
    autoDisabled: false,
    createdAt: "2025-01-01T00:00:00Z",
    updatedAt: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

const unknownEvent = (name: string) =>
  `Unknown event '${name}' for app 'billing': it is not an active event of the app's catalog ` +
  "(known: invoice.paid, user.created)";

/** Diff's answer for an endpoint whose state matches the program: every compared property is stable. */
const NO_CHANGE = {
  changes: false,
  replaces: [],
  deleteBeforeReplace: false,
  stables: [
    "app",
    "url",
    "description",
    "subscriptions",
    "headers",
    "maxRetries",
    "timeoutSeconds",
    "rateLimit",
    "active",
  ],
};

afterEach(async () => {
  await endpoint.configure({ config: { get: () => undefined } } as never);
  forgetCatalogs();
});

/** The app `billing`'s check, handed the catalog as a WebhookApp hands it (the engine checks it first). */
async function appDeclares(catalog: unknown): Promise<void> {
  const result = await app.check(undefined, {
    pulumiName: "billing-app",
    name: "Billing",
    slug: "billing",
    catalogEvents: catalog,
  });
  expect(result.failures).toStrictEqual([]);
  expect(result.inputs).not.toHaveProperty("catalogEvents");
}

describe("WebhookEndpoint check", () => {
  it("stores only what the program declared, leaving the defaults to the provider's methods", async () => {
    expect(await endpoint.check(undefined, { ...base, events: [" invoice.paid "] })).toStrictEqual({
      inputs: { ...base, events: ["invoice.paid"] },
      failures: [],
    });
  });

  it("keeps adopt, reactivate and verify only when they are true", async () => {
    const flags = { adopt: true, reactivate: false, verify: true };
    expect(
      (await endpoint.check(undefined, { ...base, ...flags, events: ["invoice.paid"] })).inputs,
    ).toStrictEqual({
      ...base,
      adopt: true,
      verify: true,
      events: ["invoice.paid"],
    });
  });

  it("keeps subscriptions with a missing filter as null", async () => {
    const result = await endpoint.check(undefined, {
      ...base,
      subscriptions: [
        { event: "user.created" },
        { event: "invoice.paid", filter: { amount: { $gte: 100 } } },
      ],
    });
    expect(result.inputs?.subscriptions).toStrictEqual([
      { event: "user.created", filter: null },
      { event: "invoice.paid", filter: { amount: { $gte: 100 } } },
    ]);
    expect(result.inputs?.events).toBeUndefined();
    expect(result.failures).toStrictEqual([]);
  });

  it("reports every bad property at once by dotted path", async () => {
    const result = await endpoint.check(undefined, {
      pulumiName: "primary",
      app: "",
      url: "ftp://hooks.example.com",
      description: 1,
      headers: { "webhook-id": "x", "bad name": "v" },
      maxRetries: 0,
      timeoutSeconds: 301,
      rateLimit: { durationMs: 0 },
      active: "x",
      adopt: "y",
      reactivate: 1,
      verify: null,
    });
    expect(result.failures).toStrictEqual([
      { property: "app", reason: "app is required: a WebhookApp or an app slug" },
      {
        property: "url",
        reason: "Invalid webhook URL: Invalid URL scheme: ftp. Only http and https are allowed",
      },
      { property: "description", reason: "description must be a string (got 1)" },
      {
        property: "events",
        reason: "events or subscriptions is required: Wacht needs at least one subscription",
      },
      {
        property: "headers.webhook-id",
        reason:
          'header "webhook-id" is reserved: it would override Wacht\'s signature and break verification',
      },
      {
        property: "headers.bad name",
        reason:
          'header name "bad name" is not a valid HTTP token (RFC 7230: letters, digits and !#$%&\'*+-.^_`|~)',
      },
      { property: "maxRetries", reason: "max_retries must be at least 1 (got 0)" },
      {
        property: "timeoutSeconds",
        reason:
          "timeout_seconds cannot exceed 300: Wacht accepts more, but no sane receiver takes over 5 minutes to answer (got 301)",
      },
      { property: "rateLimit.durationMs", reason: "duration_ms must be a positive integer (got 0)" },
      { property: "rateLimit.maxRequests", reason: "max_requests is required" },
      { property: "active", reason: 'active must be a boolean (got "x")' },
      { property: "adopt", reason: 'adopt must be a boolean (got "y")' },
      { property: "reactivate", reason: "reactivate must be a boolean (got 1)" },
    ]);
  });

  it("rejects both events and subscriptions", async () => {
    const result = await endpoint.check(undefined, {
      ...base,
      events: ["user.created"],
      subscriptions: [{ event: "user.created" }],
    });
    expect(result.failures).toStrictEqual([
      { property: "subscriptions", reason: "give either events or subscriptions, not both" },
    ]);
  });

  it.each([
    [
      "events",
      { events: [] },
      [{ property: "events", reason: "At least one subscription is required (got [])" }],
    ],
    [
      "subscriptions",
      { subscriptions: [] },
      [{ property: "subscriptions", reason: "At least one subscription is required" }],
    ],
  ])("rejects empty %s", async (_what, overrides, failures) => {
    expect((await endpoint.check(undefined, { ...base, ...overrides })).failures).toStrictEqual(failures);
  });

  it("rejects events twice and names the first occurrence", async () => {
    const result = await endpoint.check(undefined, {
      ...base,
      subscriptions: [{ event: "user.created" }, { event: "user.created " }],
    });
    expect(result.failures).toStrictEqual([
      {
        property: "subscriptions[1]",
        reason:
          'duplicate event name "user.created" (first at subscriptions[0]): Wacht allows one subscription per event',
      },
    ]);
  });

  it.each([
    [
      "events",
      { events: ["invoice.paid", "invoice.voided", "user.deleted"] },
      [
        { property: "events[1]", reason: unknownEvent("invoice.voided") },
        { property: "events[2]", reason: unknownEvent("user.deleted") },
      ],
    ],
    [
      "subscriptions",
      { subscriptions: [{ event: "x" }, { event: "user.created" }] },
      [{ property: "subscriptions[0].event", reason: unknownEvent("x") }],
    ],
  ])("rejects %s that are not in the app's catalog", async (_what, overrides, failures) => {
    await appDeclares(catalogEvents);
    const result = await endpoint.check(undefined, { ...base, ...fromApp, ...overrides });
    expect(result.failures).toStrictEqual(failures);
  });

  it("checks against the catalog its app's check received, keeping none of it in the inputs it returns", async () => {
    await appDeclares(catalogEvents);
    const result = await endpoint.check(undefined, { ...base, ...fromApp, events: ["user.created", "x"] });
    expect(result).toStrictEqual({
      inputs: { ...base, events: ["user.created", "x"] },
      failures: [{ property: "events[1]", reason: unknownEvent("x") }],
    });
  });

  it("checks nothing against the catalog of an app given by slug", async () => {
    await appDeclares(catalogEvents);
    const result = await endpoint.check(undefined, { ...base, events: ["user.created", "x"] });
    expect(result.failures).toStrictEqual([]);
  });

  it("checks filter fields against the event's schema", async () => {
    await appDeclares(catalogEvents);
    const result = await endpoint.check(undefined, {
      ...base,
      ...fromApp,
      subscriptions: [
        {
          event: "invoice.paid",
          filter: { amount: { $gte: 100 }, "customer.tier": "gold", $or: [{ currency: "EUR" }] },
        },
        { event: "user.created", filter: { anything: { $exists: true } } },
      ],
    });
    expect(result.failures).toStrictEqual([
      {
        property: "subscriptions[0].filter.$or[0].currency",
        reason: "Unknown filter field 'currency' (the event schema defines: amount, customer, customer.tier)",
      },
    ]);
  });

  it("checks only the filter grammar when the catalog is not known", async () => {
    const result = await endpoint.check(undefined, {
      ...base,
      subscriptions: [{ event: "invoice.paid", filter: { currency: { $like: "E%" } } }],
    });
    expect(result.failures).toStrictEqual([
      {
        property: "subscriptions[0].filter.currency.$like",
        reason:
          "Unsupported filter operator '$like' (supported: $eq $ne $gt $gte $lt $lte $in $nin $contains $exists)",
      },
    ]);
  });

  it("rejects removing the rate limit, which Wacht cannot unset", async () => {
    const result = await endpoint.check(inputs({ rateLimit: { durationMs: 1000, maxRequests: 5 } }), {
      ...base,
      events: ["user.created"],
    });
    expect(result.failures).toStrictEqual([
      {
        property: "rateLimit",
        reason:
          "rateLimit cannot be removed: Wacht cannot unset an endpoint's rate limit once set. Keep it, change it " +
          "(a large maxRequests effectively lifts it), or replace the endpoint.",
      },
    ]);
  });

  it("rejects a loopback URL unless wacht:allowPrivateUrls is set in stack config", async () => {
    const news = { ...base, url: "http://127.0.0.1:8080/hook", events: ["user.created"] };
    expect((await endpoint.check(undefined, news)).failures).toStrictEqual([
      {
        property: "url",
        reason: "Invalid webhook URL: Private or reserved IP addresses are not allowed: 127.0.0.1",
      },
    ]);
    await endpoint.configure({
      config: { get: (key: string) => (key === "wacht:allowPrivateUrls" ? "true" : undefined) },
    } as never);
    expect((await endpoint.check(undefined, news)).failures).toStrictEqual([]);
  });

  it("skips values not known yet at preview", async () => {
    const result = await endpoint.check(undefined, {
      pulumiName: "primary",
      app: U,
      url: U,
      description: U,
      events: U,
      headers: U,
      maxRetries: U,
      timeoutSeconds: U,
      rateLimit: U,
      active: U,
    });
    expect(result.failures).toStrictEqual([]);
  });

  it("skips unknown event names and an unknown catalog but checks the known ones", async () => {
    await appDeclares(catalogEvents);
    await appDeclares(U);
    const unknownCatalog = await endpoint.check(undefined, { ...base, ...fromApp, events: ["x"] });
    expect(unknownCatalog.failures).toStrictEqual([]);
    await appDeclares(catalogEvents);
    const unknownName = await endpoint.check(undefined, { ...base, ...fromApp, events: [U, "x"] });
    expect(unknownName.failures).toStrictEqual([{ property: "events[1]", reason: unknownEvent("x") }]);
  });
});

describe("WebhookEndpoint diff", () => {
  it("diffs inputs without defaults as the defaults: maxRetries 32, timeoutSeconds 30, description empty, active true, no headers, no rate limit", async () => {
    const declared = (await endpoint.check(undefined, { ...base, events: ["invoice.paid", "user.created"] }))
      .inputs!;
    expect(
      await endpoint.diff("billing_prod/123456789012345678", state({ headers: {} }), declared),
    ).toStrictEqual(NO_CHANGE);
  });

  it("diffs state without defaults, as this version writes it, as the defaults", async () => {
    const declared = (await endpoint.check(undefined, { ...base, events: ["invoice.paid", "user.created"] }))
      .inputs!;
    const lean = state({ headers: undefined, headerNames: [] }) as Partial<EndpointOutputs>;
    for (const key of ["description", "maxRetries", "timeoutSeconds", "rateLimit", "active"] as const) {
      delete lean[key];
    }
    expect(
      await endpoint.diff("billing_prod/123456789012345678", lean as EndpointOutputs, declared),
    ).toStrictEqual(NO_CHANGE);
  });

  // read records an endpoint disabled outside Pulumi as active: true (the program's wish) and
  // autoDisabled: true, with isActive false.
  const disabled = () => state({ active: true, isActive: false, autoDisabled: true });

  it("leaves an endpoint disabled outside Pulumi alone without reactivate", async () => {
    const result = await endpoint.diff("billing/123456789012345678", disabled(), inputs({ active: true }));
    expect({ changes: result.changes, replaces: result.replaces }).toStrictEqual({
      changes: false,
      replaces: [],
    });
  });

  it("plans an in-place update for an endpoint disabled outside Pulumi when reactivate is set", async () => {
    const result = await endpoint.diff(
      "billing/123456789012345678",
      disabled(),
      inputs({ active: true, reactivate: true }),
    );
    expect({ changes: result.changes, replaces: result.replaces }).toStrictEqual({
      changes: true,
      replaces: [],
    });
  });

  it("does not plan a reactivation when the program itself wants the endpoint off", async () => {
    const result = await endpoint.diff(
      "billing/123456789012345678",
      disabled(),
      inputs({ active: false, reactivate: true }),
    );
    expect(result.changes).toBe(false);
  });

  it("finds no change when the same program is declared twice", async () => {
    expect(await endpoint.diff("billing/123456789012345678", state(), inputs())).toStrictEqual(NO_CHANGE);
  });

  it.each([
    ["events in another order", {}, { events: ["user.created", "invoice.paid"] }],
    ["header names in another case", {}, { headers: { "x-tenant": "acme" } }],
    ["a missing description and an empty one", { description: undefined }, {}],
    ["a missing maxRetries and the default 32", { maxRetries: undefined }, {}],
    ["a missing timeoutSeconds and the default 30", { timeoutSeconds: undefined }, {}],
    [
      "filters with keys in another order",
      {
        events: undefined,
        subscriptions: [{ event: "invoice.paid", filter: { a: 1, b: { $gt: 1, $lt: 9 } } }],
      },
      {
        events: undefined,
        subscriptions: [{ event: "invoice.paid", filter: { b: { $lt: 9, $gt: 1 }, a: 1 } }],
      },
    ],
    [
      "events and the same subscriptions without filters",
      {},
      {
        events: undefined,
        subscriptions: [
          { event: "user.created", filter: null },
          { event: "invoice.paid", filter: null },
        ],
      },
    ],
  ])("treats %s as equal", async (_what, olds, news) => {
    const result = await endpoint.diff(
      "billing/123456789012345678",
      state(olds as Partial<EndpointOutputs>),
      inputs(news as Partial<EndpointInputs>),
    );
    expect(result.changes).toBe(false);
  });

  it.each([
    ["another app replaces the endpoint", { app: "billing_v2" }, ["app"]],
    ["an app not known yet replaces the endpoint", { app: U }, ["app"]],
    ["a new URL updates in place", { url: "https://hooks.example.com/v2" }, []],
    ["a URL not known yet updates in place", { url: U }, []],
    ["another event updates in place", { events: ["invoice.paid"] }, []],
    ["an event not known yet updates in place", { events: ["invoice.paid", U] }, []],
    ["a header value updates in place", { headers: { "X-Tenant": "globex" } }, []],
    ["a header value not known yet updates in place", { headers: { "X-Tenant": U } }, []],
    ["a new description updates in place", { description: "Primary receiver" }, []],
    ["new maxRetries update in place", { maxRetries: 5 }, []],
    ["a new timeout updates in place", { timeoutSeconds: 10 }, []],
    ["a rate limit updates in place", { rateLimit: { durationMs: 1000, maxRequests: 10 } }, []],
    ["deactivating updates in place", { active: false }, []],
    [
      "a filter updates in place",
      { events: undefined, subscriptions: [{ event: "invoice.paid", filter: { amount: 1 } }] },
      [],
    ],
  ])("%s", async (_what, news, replaces) => {
    const result = await endpoint.diff(
      "billing/123456789012345678",
      state(),
      inputs(news as Partial<EndpointInputs>),
    );
    expect({ changes: result.changes, replaces: result.replaces }).toStrictEqual({ changes: true, replaces });
  });
});

describe("withOutputDefaults on the endpoint's declarations", () => {
  const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

  it("reads the properties state leaves out as their defaults, and keeps the others and secrecy", async () => {
    const outputs = {
      maxRetries: pulumi.output(undefined as number | undefined),
      rateLimit: pulumi.output(undefined),
      headers: pulumi.secret(undefined as Record<string, string> | undefined),
      timeoutSeconds: pulumi.output(10 as number | undefined),
      endpointId: pulumi.output(undefined as string | undefined),
    };
    withOutputDefaults(outputs, endpointSchema);
    expect(await value(outputs.maxRetries)).toBe(32);
    expect(await value(outputs.rateLimit)).toBe(null);
    expect(await value(outputs.headers)).toStrictEqual({});
    expect(await pulumi.isSecret(outputs.headers)).toBe(true);
    expect(await value(outputs.timeoutSeconds)).toBe(10);
    expect(await value(outputs.endpointId)).toBe(undefined);
  });
});
