// Spec §3.3 (endpoints), §4.2 (subscription validation) and the URL/SSRF rules, over raw HTTP,
// on an emulator with private URLs forbidden (the default, as Wacht).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, type Emulator, ID, launch, type RawResponse, seedApp, TIMESTAMP } from "./harness";

interface Endpoint {
  id: string;
  url: string;
  is_active: boolean;
  subscriptions?: { event_name: string; filter_rules: unknown }[];
  [key: string]: unknown;
}

let emulator: Emulator;

beforeAll(async () => {
  emulator = await launch();
  await seedApp(emulator, "shop");
  await seedApp(emulator, "other");
});

afterAll(async () => {
  await emulator?.close();
});

const SUB = [{ event_name: "invoice.paid" }];

function create(body: Record<string, unknown>, slug = "shop"): Promise<RawResponse> {
  return emulator.api("POST", `/webhooks/apps/${slug}/endpoints`, {
    app_slug: slug,
    url: "https://hooks.example.com/shop",
    subscriptions: SUB,
    ...body,
  });
}

async function createOk(body: Record<string, unknown>, slug = "shop"): Promise<Endpoint> {
  const response = await create(body, slug);
  if (response.status !== 200) throw new Error(`create endpoint: ${JSON.stringify(response)}`);
  return response.body as Endpoint;
}

async function listAll(slug: string): Promise<Endpoint[]> {
  const response = await emulator.api(
    "GET",
    `/webhooks/apps/${slug}/endpoints?include_inactive=true&limit=1000`,
  );
  return (response.body as { data: Endpoint[] }).data;
}

async function findListed(slug: string, id: string): Promise<Endpoint | undefined> {
  return (await listAll(slug)).find((endpoint) => endpoint.id === id);
}

describe("creating an endpoint", () => {
  it("returns the endpoint with Wacht's defaults and no subscriptions key", async () => {
    const app = (await emulator.api("GET", "/webhooks/apps/shop")).body as { deployment_id: string };
    const response = await create({ url: "https://hooks.example.com/defaults" });
    const endpoint = response.body as Endpoint;
    expect(response).toStrictEqual({
      status: 200,
      body: {
        id: expect.stringMatching(ID),
        deployment_id: app.deployment_id,
        app_slug: "shop",
        url: "https://hooks.example.com/defaults",
        description: null,
        headers: {},
        is_active: true,
        max_retries: 32,
        timeout_seconds: 30,
        failure_count: 0,
        last_failure_at: null,
        auto_disabled: false,
        auto_disabled_at: null,
        rate_limit_config: null,
        created_at: expect.stringMatching(TIMESTAMP),
        updated_at: endpoint.created_at,
      },
    });
  });

  it("stores every optional field and ignores is_active and app_slug in the body", async () => {
    const response = await create({
      app_slug: "other",
      url: "http://hooks.example.com/plain-http",
      description: "Primary",
      headers: { "X-Tenant": "acme" },
      max_retries: 5,
      timeout_seconds: 10,
      rate_limit_config: { duration_ms: 60000, max_requests: 100 },
      is_active: false,
      failure_count: 7,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      app_slug: "shop",
      url: "http://hooks.example.com/plain-http",
      description: "Primary",
      headers: { "X-Tenant": "acme" },
      max_retries: 5,
      timeout_seconds: 10,
      rate_limit_config: { duration_ms: 60000, max_requests: 100 },
      is_active: true,
      failure_count: 0,
    });
    expect(response.body).not.toHaveProperty("subscriptions");
  });

  it("treats null optional fields as absent and applies the defaults", async () => {
    const endpoint = await createOk({
      description: null,
      headers: null,
      max_retries: null,
      timeout_seconds: null,
      rate_limit_config: null,
    });
    expect(endpoint).toMatchObject({
      description: null,
      headers: {},
      max_retries: 32,
      timeout_seconds: 30,
      rate_limit_config: null,
    });
  });

  it.each([
    ["0", 0],
    ["a negative number", -5],
  ])("accepts a timeout_seconds of %s without validation", async (_case, timeout) => {
    expect(await createOk({ timeout_seconds: timeout })).toMatchObject({ timeout_seconds: timeout });
  });

  it.each([
    ["an array", [1, 2]],
    ["a string", "not-an-object"],
    ["an object with a non-string value", { "X-Count": 3 }],
  ])("accepts headers given as %s and stores them as sent", async (_case, headers) => {
    expect((await createOk({ headers })).headers).toStrictEqual(headers);
  });

  it("accepts any numbers in rate_limit_config", async () => {
    expect(await createOk({ rate_limit_config: { duration_ms: -1, max_requests: 0 } })).toMatchObject({
      rate_limit_config: { duration_ms: -1, max_requests: 0 },
    });
  });

  it.each([1, 32])("accepts max_retries %i", async (maxRetries) => {
    expect(await createOk({ max_retries: maxRetries })).toMatchObject({ max_retries: maxRetries });
  });

  it.each([
    [0, "max_retries must be at least 1"],
    [-1, "max_retries must be at least 1"],
    [33, "max_retries cannot exceed 32 (7-day retry window limit)"],
    [1000, "max_retries cannot exceed 32 (7-day retry window limit)"],
  ])("rejects max_retries %i with 400 %j", async (maxRetries, message) => {
    expect(await create({ max_retries: maxRetries })).toStrictEqual({
      status: 400,
      body: apiError(400, message),
    });
  });
});

describe("URL and SSRF rules", () => {
  const invalid = (reason: string) => `Invalid webhook URL: ${reason}`;
  const cases: [string, string][] = [
    ["not a url", "Invalid webhook URL"],
    ["", "Invalid webhook URL"],
    ["/relative/path", "Invalid webhook URL"],
    ["http://", "Invalid webhook URL"],
    ["ftp://example.com/hook", invalid("Invalid URL scheme: ftp. Only http and https are allowed")],
    ["file:///etc/passwd", invalid("Invalid URL scheme: file. Only http and https are allowed")],
    ["mailto:ops@example.com", invalid("Invalid URL scheme: mailto. Only http and https are allowed")],
    ["https://user:pass@example.com/hook", invalid("URLs with credentials are not allowed")],
    ["https://user@example.com/hook", invalid("URLs with credentials are not allowed")],
    ["http://localhost:3000/hook", invalid("Localhost URLs are not allowed: localhost")],
    ["http://LOCALHOST/hook", invalid("Localhost URLs are not allowed: localhost")],
    ["http://api.localhost/hook", invalid("Localhost URLs are not allowed: api.localhost")],
    ["http://0.0.0.0/hook", invalid("Localhost URLs are not allowed: 0.0.0.0")],
    ["http://[::]/hook", invalid("Localhost URLs are not allowed: [::]")],
    ["http://127.0.0.1:8080/hook", invalid("Private or reserved IP addresses are not allowed: 127.0.0.1")],
    ["http://127.1/hook", invalid("Private or reserved IP addresses are not allowed: 127.0.0.1")],
    ["http://10.1.2.3/hook", invalid("Private or reserved IP addresses are not allowed: 10.1.2.3")],
    ["http://172.16.0.1/hook", invalid("Private or reserved IP addresses are not allowed: 172.16.0.1")],
    [
      "http://172.31.255.254/hook",
      invalid("Private or reserved IP addresses are not allowed: 172.31.255.254"),
    ],
    ["http://192.168.1.1/hook", invalid("Private or reserved IP addresses are not allowed: 192.168.1.1")],
    ["http://169.254.1.1/hook", invalid("Private or reserved IP addresses are not allowed: 169.254.1.1")],
    [
      "http://169.254.169.254/latest",
      invalid("Private or reserved IP addresses are not allowed: 169.254.169.254"),
    ],
    [
      "http://255.255.255.255/hook",
      invalid("Private or reserved IP addresses are not allowed: 255.255.255.255"),
    ],
    ["http://192.0.2.10/hook", invalid("Private or reserved IP addresses are not allowed: 192.0.2.10")],
    ["http://198.51.100.7/hook", invalid("Private or reserved IP addresses are not allowed: 198.51.100.7")],
    ["http://203.0.113.9/hook", invalid("Private or reserved IP addresses are not allowed: 203.0.113.9")],
    ["http://224.0.0.1/hook", invalid("Private or reserved IP addresses are not allowed: 224.0.0.1")],
    [
      "http://metadata.google.internal/x",
      invalid("Potentially dangerous hostname detected: metadata.google.internal"),
    ],
    [
      "https://mymetadata.example.com/x",
      invalid("Potentially dangerous hostname detected: mymetadata.example.com"),
    ],
    ["http://metadata/x", invalid("Potentially dangerous hostname detected: metadata")],
    [
      "https://instance-data.example.com/x",
      invalid("Potentially dangerous hostname detected: instance-data.example.com"),
    ],
  ];

  it.each(cases)("rejects the URL %j on create with 400 %j", async (url, message) => {
    expect(await create({ url })).toStrictEqual({ status: 400, body: apiError(400, message) });
  });

  it.each(cases)("rejects the URL %j on update with 400 %j", async (url, message) => {
    const endpoint = await createOk({ url: "https://hooks.example.com/update-url" });
    const response = await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${endpoint.id}`, { url });
    expect(response).toStrictEqual({ status: 400, body: apiError(400, message) });
    expect((await findListed("shop", endpoint.id))?.url).toBe("https://hooks.example.com/update-url");
  });

  it.each([
    "http://hooks.example.com/plain",
    "https://hooks.example.com:8443/path",
    "http://172.32.0.1/just-outside-private",
    "http://8.8.8.8/public-ip",
    "http://localhost./trailing-dot",
    "http://[::1]/bracketed-ipv6",
    "http://[fe80::1]/bracketed-link-local",
  ])("accepts the URL %j, as Wacht's rules do", async (url) => {
    expect(await createOk({ url })).toMatchObject({ url });
  });

  it("checks the URL before the subscriptions", async () => {
    expect(await create({ url: "ftp://x.example.com/", subscriptions: [] })).toStrictEqual({
      status: 400,
      body: apiError(400, "Invalid webhook URL: Invalid URL scheme: ftp. Only http and https are allowed"),
    });
  });

  it("checks the URL before looking up the app", async () => {
    expect(await create({ app_slug: "ghost", url: "ftp://x.example.com/" }, "ghost")).toStrictEqual({
      status: 400,
      body: apiError(400, "Invalid webhook URL: Invalid URL scheme: ftp. Only http and https are allowed"),
    });
  });

  it("checks for an empty subscription list before looking up the app", async () => {
    expect(await create({ app_slug: "ghost", subscriptions: [] }, "ghost")).toStrictEqual({
      status: 400,
      body: apiError(400, "At least one subscription is required"),
    });
  });

  it("checks the subscriptions before max_retries", async () => {
    expect(await create({ subscriptions: [], max_retries: 0 })).toStrictEqual({
      status: 400,
      body: apiError(400, "At least one subscription is required"),
    });
  });
});

describe("subscription validation", () => {
  it.each([
    ["an empty list", [], "At least one subscription is required"],
    ["a blank event name", [{ event_name: "   " }], "Subscription event_name is required"],
    ["an empty event name", [{ event_name: "" }], "Subscription event_name is required"],
    [
      "an event not in the catalog",
      [{ event_name: "nope.event" }],
      "Unknown event 'nope.event' for app 'shop'",
    ],
    [
      "an unknown event after a valid one",
      [{ event_name: "invoice.paid" }, { event_name: "invoice.void" }],
      "Unknown event 'invoice.void' for app 'shop'",
    ],
    [
      "an archived event",
      [{ event_name: "user.deleted" }],
      "Event 'user.deleted' is archived and cannot be subscribed",
    ],
    [
      "filter rules that are an array",
      [{ event_name: "invoice.paid", filter_rules: [1] }],
      "Filter rules must be a JSON object for subscriptions.invoice.paid",
    ],
    [
      "filter rules that are a string",
      [{ event_name: "invoice.created", filter_rules: "amount > 5" }],
      "Filter rules must be a JSON object for subscriptions.invoice.created",
    ],
  ])("rejects %s with 400", async (_case, subscriptions, message) => {
    expect(await create({ subscriptions })).toStrictEqual({ status: 400, body: apiError(400, message) });
  });

  it.each([
    [
      "$and given an object",
      "invoice.paid",
      { $and: { amount: 1 } },
      /^Logical operator '\$and' expects an array at \S/,
    ],
    ["$or given a string", "invoice.paid", { $or: "x" }, /^Logical operator '\$or' expects an array at \S/],
    ["an empty $or", "invoice.paid", { $or: [] }, /^Logical operator '\$or' cannot be empty at \S/],
    ["an empty $and", "invoice.created", { $and: [] }, /^Logical operator '\$and' cannot be empty at \S/],
    [
      "an unknown operator",
      "invoice.paid",
      { amount: { $regex: "^1" } },
      /^Unsupported filter operator '\$regex' at \S/,
    ],
    [
      "an unknown operator beside a known one",
      "invoice.created",
      { total: { $gt: 1, $between: [1, 2] } },
      /^Unsupported filter operator '\$between' at \S/,
    ],
    [
      "a field outside the schema",
      "invoice.paid",
      { status: "open" },
      /^Unknown filter field 'status' at \S/,
    ],
    [
      "a nested field outside the schema",
      "invoice.paid",
      { "customer.name": "x" },
      /^Unknown filter field 'customer\.name' at \S/,
    ],
    [
      "a field outside the schema inside $or",
      "invoice.paid",
      { $or: [{ amount: { $gt: 1 } }, { status: "open" }] },
      /^Unknown filter field 'status' at \S/,
    ],
    [
      "any field when the schema has no properties",
      "user.created",
      { id: 1 },
      /^Unknown filter field 'id' at \S/,
    ],
  ])("rejects a filter with %s with 400", async (_case, event, rules, message) => {
    const response = await create({ subscriptions: [{ event_name: event, filter_rules: rules }] });
    expect(response).toStrictEqual({
      status: 400,
      body: apiError(400, expect.stringMatching(message) as unknown as string),
    });
  });

  it.each([
    ["$in given a number", { amount: { $in: 5 } }],
    ["$nin given an object", { amount: { $nin: { a: 1 } } }],
    ["$exists given a string", { amount: { $exists: "yes" } }],
  ])("rejects a filter with %s with 400", async (_case, rules) => {
    const response = await create({ subscriptions: [{ event_name: "invoice.paid", filter_rules: rules }] });
    expect(response.status).toBe(400);
    expect((response.body as { errors: { code: number }[] }).errors[0]?.code).toBe(400);
  });

  it.each([
    ["equality on a schema field", "invoice.paid", { currency: "EUR" }],
    ["a nested schema path", "invoice.paid", { "customer.tier": "gold" }],
    [
      "every operator",
      "invoice.paid",
      {
        amount: { $gt: 1, $gte: 1, $lt: 10, $lte: 10, $ne: 5, $eq: 6 },
        currency: { $in: ["EUR"], $nin: ["USD"], $contains: "U", $exists: true },
      },
    ],
    [
      "nested logic",
      "invoice.paid",
      { $and: [{ $or: [{ amount: 1 }, { currency: "EUR" }] }, { amount: { $gt: 0 } }] },
    ],
    ["any path when the event has no schema", "invoice.created", { "any.deep.path": { $exists: false } }],
    ["null rules", "invoice.paid", null],
    ["empty rules", "invoice.paid", {}],
  ])("accepts a filter with %s", async (_case, event, rules) => {
    const endpoint = await createOk({ subscriptions: [{ event_name: event, filter_rules: rules }] });
    expect((await findListed("shop", endpoint.id))?.subscriptions).toStrictEqual([
      { event_name: event, filter_rules: rules ?? {} },
    ]);
  });

  it("answers two subscriptions to the same event with 409 and creates nothing", async () => {
    const before = await listAll("shop");
    const response = await create({
      url: "https://hooks.example.com/duplicate-subscriptions",
      subscriptions: [
        { event_name: "invoice.paid" },
        { event_name: "invoice.paid", filter_rules: { amount: 1 } },
      ],
    });
    expect(response).toStrictEqual({ status: 409, body: apiError(409, "Resource already exists") });
    expect(await listAll("shop")).toStrictEqual(before);
  });

  it("stores the event name untrimmed, as sent", async () => {
    const endpoint = await createOk({ subscriptions: [{ event_name: " invoice.paid " }] });
    expect((await findListed("shop", endpoint.id))?.subscriptions).toStrictEqual([
      { event_name: " invoice.paid ", filter_rules: {} },
    ]);
  });

  it("rejects every subscription of an app without a catalog", async () => {
    await emulator.api("POST", "/webhooks/apps", { app_slug: "bare", name: "Bare" });
    expect(await create({}, "bare")).toStrictEqual({
      status: 400,
      body: apiError(400, "Unknown event 'invoice.paid' for app 'bare'"),
    });
  });

  it("answers an app whose catalog is missing with 404 Event catalog not found", async () => {
    await emulator.api("POST", "/webhooks/apps", {
      app_slug: "dangling",
      name: "D",
      event_catalog_slug: "gone",
    });
    expect(await create({}, "dangling")).toStrictEqual({
      status: 404,
      body: apiError(404, "Event catalog not found"),
    });
  });

  it("keeps existing subscriptions when their event is archived later", async () => {
    await emulator.api("POST", "/webhooks/event-catalogs", {
      slug: "late-archive",
      name: "Late",
      events: [{ name: "late.event", description: "L" }],
    });
    await emulator.api("POST", "/webhooks/apps", {
      app_slug: "late",
      name: "Late",
      event_catalog_slug: "late-archive",
    });
    const endpoint = await createOk({ subscriptions: [{ event_name: "late.event" }] }, "late");
    await emulator.api("POST", "/webhooks/event-catalogs/late-archive/archive-event", {
      event_name: "late.event",
      is_archived: true,
    });
    expect((await findListed("late", endpoint.id))?.subscriptions).toStrictEqual([
      { event_name: "late.event", filter_rules: {} },
    ]);
    expect(await create({ subscriptions: [{ event_name: "late.event" }] }, "late")).toStrictEqual({
      status: 400,
      body: apiError(400, "Event 'late.event' is archived and cannot be subscribed"),
    });
  });
});

describe("changing an app's catalog", () => {
  it("keeps existing subscriptions and validates new ones against the new catalog", async () => {
    await seedApp(emulator, "switcher");
    await emulator.api("POST", "/webhooks/event-catalogs", {
      slug: "switched-cat",
      name: "Switched",
      events: [{ name: "order.placed", description: "O" }],
    });
    const endpoint = await createOk({ subscriptions: [{ event_name: "invoice.paid" }] }, "switcher");
    await emulator.api("PATCH", "/webhooks/apps/switcher", { event_catalog_slug: "switched-cat" });
    expect((await findListed("switcher", endpoint.id))?.subscriptions).toStrictEqual([
      { event_name: "invoice.paid", filter_rules: {} },
    ]);
    expect(await create({ subscriptions: [{ event_name: "invoice.paid" }] }, "switcher")).toStrictEqual({
      status: 400,
      body: apiError(400, "Unknown event 'invoice.paid' for app 'switcher'"),
    });
    expect((await create({ subscriptions: [{ event_name: "order.placed" }] }, "switcher")).status).toBe(200);
  });
});

describe("listing endpoints", () => {
  it("returns subscriptions sorted by event name with filter_rules {} when none were given", async () => {
    const endpoint = await createOk({
      subscriptions: [
        { event_name: "user.created" },
        { event_name: "invoice.paid", filter_rules: { amount: { $gt: 100 } } },
        { event_name: "invoice.created", filter_rules: null },
      ],
    });
    const listed = await findListed("shop", endpoint.id);
    expect(listed).toStrictEqual({
      ...endpoint,
      subscriptions: [
        { event_name: "invoice.created", filter_rules: {} },
        { event_name: "invoice.paid", filter_rules: { amount: { $gt: 100 } } },
        { event_name: "user.created", filter_rules: {} },
      ],
    });
  });

  describe("pagination", () => {
    let ids: string[];

    beforeAll(async () => {
      await seedApp(emulator, "paged");
      ids = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await createOk({ url: `https://hooks.example.com/paged/${i}` }, "paged")).id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await emulator.api("PATCH", `/webhooks/apps/paged/endpoints/${ids[2]}`, { is_active: false });
    });

    const page = (body: unknown) => {
      const { data, ...rest } = body as { data: Endpoint[] };
      return { ...rest, data: data.map((e) => ids.indexOf(e.id)) };
    };

    it.each([
      ["", [4, 3, 1, 0], false, 100, 0],
      ["?include_inactive=true", [4, 3, 2, 1, 0], false, 100, 0],
      ["?include_inactive=false", [4, 3, 1, 0], false, 100, 0],
      ["?limit=2", [4, 3], true, 2, 0],
      ["?limit=2&offset=2", [1, 0], false, 2, 2],
      ["?limit=2&offset=2&include_inactive=true", [2, 1], true, 2, 2],
      ["?limit=4", [4, 3, 1, 0], false, 4, 0],
      ["?offset=4", [], false, 100, 4],
      ["?limit=0", [], true, 0, 0],
    ])(
      "lists GET endpoints%s newest first with has_more, limit and offset",
      async (query, order, hasMore, limit, offset) => {
        const response = await emulator.api("GET", `/webhooks/apps/paged/endpoints${query}`);
        expect(response.status).toBe(200);
        expect(page(response.body)).toStrictEqual({ data: order, has_more: hasMore, limit, offset });
      },
    );
  });
});

describe("updating an endpoint", () => {
  it("keeps omitted and null fields and stores empty values as sent", async () => {
    const created = await createOk({
      url: "https://hooks.example.com/coalesce",
      description: "Before",
      headers: { "X-A": "1" },
      max_retries: 4,
      timeout_seconds: 12,
      rate_limit_config: { duration_ms: 1000, max_requests: 5 },
    });
    const path = `/webhooks/apps/shop/endpoints/${created.id}`;
    const nulls = await emulator.api("PATCH", path, {
      url: null,
      description: null,
      headers: null,
      max_retries: null,
      timeout_seconds: null,
      is_active: null,
      rate_limit_config: null,
      subscriptions: null,
    });
    expect(nulls).toStrictEqual({
      status: 200,
      body: { ...created, updated_at: expect.stringMatching(TIMESTAMP) },
    });
    const blanks = await emulator.api("PATCH", path, { description: "", headers: {} });
    expect(blanks.body).toMatchObject({
      description: "",
      headers: {},
      rate_limit_config: { duration_ms: 1000, max_requests: 5 },
    });
    expect((await findListed("shop", created.id))?.subscriptions).toStrictEqual([
      { event_name: "invoice.paid", filter_rules: {} },
    ]);
  });

  it("changes every mutable field in place and returns no subscriptions key", async () => {
    const created = await createOk({ url: "https://hooks.example.com/mutable" });
    const response = await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${created.id}`, {
      url: "https://hooks.example.com/moved",
      description: "Moved",
      headers: { "X-B": "2" },
      max_retries: 3,
      timeout_seconds: 5,
      is_active: false,
      rate_limit_config: { duration_ms: 500, max_requests: 1 },
      subscriptions: [
        { event_name: "invoice.created" },
        { event_name: "invoice.paid", filter_rules: { amount: 2 } },
      ],
      id: "1",
      app_slug: "other",
    });
    expect(response).toStrictEqual({
      status: 200,
      body: {
        ...created,
        url: "https://hooks.example.com/moved",
        description: "Moved",
        headers: { "X-B": "2" },
        max_retries: 3,
        timeout_seconds: 5,
        is_active: false,
        rate_limit_config: { duration_ms: 500, max_requests: 1 },
        updated_at: expect.stringMatching(TIMESTAMP),
      },
    });
    expect((await findListed("shop", created.id))?.subscriptions).toStrictEqual([
      { event_name: "invoice.created", filter_rules: {} },
      { event_name: "invoice.paid", filter_rules: { amount: 2 } },
    ]);
  });

  it("replaces all subscriptions when a list is sent", async () => {
    const created = await createOk({
      subscriptions: [{ event_name: "invoice.paid" }, { event_name: "invoice.created" }],
    });
    await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${created.id}`, {
      subscriptions: [{ event_name: "user.created" }],
    });
    expect((await findListed("shop", created.id))?.subscriptions).toStrictEqual([
      { event_name: "user.created", filter_rules: {} },
    ]);
  });

  it.each([
    ["an empty subscription list", { subscriptions: [] }, "At least one subscription is required"],
    [
      "an archived event",
      { subscriptions: [{ event_name: "user.deleted" }] },
      "Event 'user.deleted' is archived and cannot be subscribed",
    ],
    [
      "an unknown event",
      { subscriptions: [{ event_name: "nope.x" }] },
      "Unknown event 'nope.x' for app 'shop'",
    ],
    ["max_retries 0", { max_retries: 0 }, "max_retries must be at least 1"],
    ["max_retries 33", { max_retries: 33 }, "max_retries cannot exceed 32 (7-day retry window limit)"],
  ])("rejects %s with 400 and applies none of the other changes", async (_case, change, message) => {
    const created = await createOk({ url: "https://hooks.example.com/rollback", description: "Keep" });
    const response = await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${created.id}`, {
      description: "Changed",
      url: "https://hooks.example.com/changed",
      ...change,
    });
    expect(response).toStrictEqual({ status: 400, body: apiError(400, message) });
    const { subscriptions, ...listed } = (await findListed("shop", created.id)) as Endpoint;
    expect(listed).toStrictEqual(created);
    expect(subscriptions).toStrictEqual([{ event_name: "invoice.paid", filter_rules: {} }]);
  });
});

describe("endpoints and inactive apps", () => {
  it("creates, updates and tests endpoints of an inactive app", async () => {
    await seedApp(emulator, "sleeping");
    await emulator.api("PATCH", "/webhooks/apps/sleeping", { is_active: false });
    const endpoint = await createOk({ url: "https://hooks.example.com/sleeping" }, "sleeping");
    const path = `/webhooks/apps/sleeping/endpoints/${endpoint.id}`;
    expect((await emulator.api("PATCH", path, { description: "x" })).status).toBe(200);
    expect((await emulator.api("POST", `${path}/test`, { event_name: "invoice.paid" })).status).toBe(200);
  });
});

describe("endpoint list edge cases", () => {
  it.each(["?limit=-2", "?offset=-1"])(
    "answers GET endpoints%s with 500, as Postgres rejects it",
    async (query) => {
      expect(await emulator.api("GET", `/webhooks/apps/shop/endpoints${query}`)).toStrictEqual({
        status: 500,
        body: apiError(500, "Something went wrong"),
      });
    },
  );
});

describe("duplicate subscriptions on update", () => {
  it("answers 409 and keeps the endpoint as it was", async () => {
    const created = await createOk({ url: "https://hooks.example.com/dup-update", description: "Keep" });
    const response = await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${created.id}`, {
      description: "Changed",
      subscriptions: [{ event_name: "invoice.created" }, { event_name: "invoice.created" }],
    });
    expect(response).toStrictEqual({ status: 409, body: apiError(409, "Resource already exists") });
    const { subscriptions, ...listed } = (await findListed("shop", created.id)) as Endpoint;
    expect(listed).toStrictEqual(created);
    expect(subscriptions).toStrictEqual([{ event_name: "invoice.paid", filter_rules: {} }]);
  });
});

describe("endpoint ownership", () => {
  let shopEndpoint: Endpoint;

  beforeAll(async () => {
    shopEndpoint = await createOk({ url: "https://hooks.example.com/owned" });
  });

  it.each([
    ["an unknown id", "shop", "999999999999"],
    ["another app's endpoint", "other", "OWN"],
    ["an unknown app", "ghost", "OWN"],
  ])("answers PATCH and DELETE of %s with 404 Webhook endpoint not found", async (_case, slug, id) => {
    const path = `/webhooks/apps/${slug}/endpoints/${id.replace("OWN", shopEndpoint.id)}`;
    const notFound = { status: 404, body: apiError(404, "Webhook endpoint not found") };
    expect(await emulator.api("PATCH", path, { description: "x" })).toStrictEqual(notFound);
    expect(await emulator.api("DELETE", path)).toStrictEqual(notFound);
    expect(await findListed("shop", shopEndpoint.id)).toMatchObject({ description: null });
  });

  it("checks ownership before validating the changes", async () => {
    expect(
      await emulator.api("PATCH", "/webhooks/apps/shop/endpoints/999999999999", {
        url: "ftp://x.example.com/",
        subscriptions: [],
        max_retries: 0,
      }),
    ).toStrictEqual({ status: 404, body: apiError(404, "Webhook endpoint not found") });
  });

  it("updates an inactive endpoint of the app", async () => {
    const endpoint = await createOk({ url: "https://hooks.example.com/inactive-owned" });
    await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${endpoint.id}`, { is_active: false });
    const response = await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${endpoint.id}`, {
      description: "x",
    });
    expect(response.body).toMatchObject({ is_active: false, description: "x" });
  });
});

describe("deleting an endpoint", () => {
  it("answers 200 {} and removes it from the list, then 404 on a second delete", async () => {
    const endpoint = await createOk({ url: "https://hooks.example.com/deleted" });
    const path = `/webhooks/apps/shop/endpoints/${endpoint.id}`;
    expect(await emulator.api("DELETE", path)).toStrictEqual({ status: 200, body: {} });
    expect(await findListed("shop", endpoint.id)).toBeUndefined();
    expect(await emulator.api("DELETE", path)).toStrictEqual({
      status: 404,
      body: apiError(404, "Webhook endpoint not found"),
    });
  });
});

describe("testing an endpoint", () => {
  const initiated = {
    success: true,
    status_code: 202,
    response_time_ms: 0,
    response_body: "Test webhook initiated. Check delivery history for results.",
    error: null,
  };

  it.each([
    ["its own app", "shop", {}],
    ["another app's slug, which is ignored", "other", {}],
    ["an unknown app's slug, which is ignored", "ghost", {}],
    ["a custom payload", "shop", { payload: { hello: "world" } }],
  ])("answers a test through %s with the constant initiated body", async (_case, slug, extra) => {
    const endpoint = await createOk({ url: "https://hooks.example.com/tested" });
    const response = await emulator.api("POST", `/webhooks/apps/${slug}/endpoints/${endpoint.id}/test`, {
      event_name: "invoice.paid",
      ...extra,
    });
    expect(response).toStrictEqual({ status: 200, body: initiated });
  });

  it("tests an inactive endpoint", async () => {
    const endpoint = await createOk({ url: "https://hooks.example.com/tested-inactive" });
    await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${endpoint.id}`, { is_active: false });
    expect(
      await emulator.api("POST", `/webhooks/apps/shop/endpoints/${endpoint.id}/test`, { event_name: "x.y" }),
    ).toStrictEqual({ status: 200, body: initiated });
  });

  it("answers an unknown endpoint id with 404 Webhook endpoint not found", async () => {
    expect(
      await emulator.api("POST", "/webhooks/apps/shop/endpoints/424242424242/test", {
        event_name: "invoice.paid",
      }),
    ).toStrictEqual({ status: 404, body: apiError(404, "Webhook endpoint not found") });
  });
});

describe("reactivating an endpoint", () => {
  it("sets is_active back to true and names the URL in the message", async () => {
    const endpoint = await createOk({ url: "https://hooks.example.com/reactivated" });
    await emulator.api("PATCH", `/webhooks/apps/shop/endpoints/${endpoint.id}`, { is_active: false });
    expect(await emulator.api("POST", `/webhooks/endpoints/${endpoint.id}/reactivate`)).toStrictEqual({
      status: 200,
      body: {
        success: true,
        message: "Endpoint https://hooks.example.com/reactivated reactivated successfully",
      },
    });
    expect(await findListed("shop", endpoint.id)).toMatchObject({
      is_active: true,
      auto_disabled: false,
      auto_disabled_at: null,
      failure_count: 0,
    });
  });

  it("answers an already active endpoint with the same message", async () => {
    const endpoint = await createOk({ url: "https://hooks.example.com/already-active" });
    expect(await emulator.api("POST", `/webhooks/endpoints/${endpoint.id}/reactivate`)).toStrictEqual({
      status: 200,
      body: {
        success: true,
        message: "Endpoint https://hooks.example.com/already-active reactivated successfully",
      },
    });
  });

  it("answers an unknown endpoint id with 404 Webhook endpoint not found", async () => {
    expect(await emulator.api("POST", "/webhooks/endpoints/424242424242/reactivate")).toStrictEqual({
      status: 404,
      body: apiError(404, "Webhook endpoint not found"),
    });
  });
});
