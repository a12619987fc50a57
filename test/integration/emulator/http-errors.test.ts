// Spec §1.2 (auth) and §1.4 (error bodies, routing and request-decoding rejections), over raw HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, type Emulator, launch, newApiKey, rawRequest, seedApp } from "./harness";

let emulator: Emulator;
let endpointId: string;

beforeAll(async () => {
  emulator = await launch();
  await seedApp(emulator, "errors");
  const created = await emulator.api("POST", "/webhooks/apps/errors/endpoints", {
    app_slug: "errors",
    url: "https://hooks.example.com/errors",
    subscriptions: [{ event_name: "invoice.paid" }],
  });
  endpointId = (created.body as { id: string }).id;
});

afterAll(async () => {
  await emulator?.close();
});

describe("authentication", () => {
  const bearerRequired = apiError(401, "Authorization header must be Bearer token");
  const authFailed = apiError(401, "Authentication failed");

  it.each([
    ["no Authorization header", undefined, bearerRequired],
    ["a Basic credential", "Basic dXNlcjpwYXNz", bearerRequired],
    ["a lower-case bearer scheme", "bearer KEY", bearerRequired],
    ["the bare key without a scheme", "KEY", bearerRequired],
    ["an unknown key of the right format", `Bearer ${newApiKey()}`, authFailed],
    ["a key that is too short", "Bearer sk_short", authFailed],
    // fetch trims the trailing space, so the server sees "Bearer" without the separator
    ["the bare word Bearer", "Bearer ", bearerRequired],
    ["a token after two spaces", "Bearer  KEY", authFailed],
  ])("rejects a request with %s with 401", async (_case, header, expected) => {
    const headers: Record<string, string> = {};
    if (header !== undefined) headers.authorization = header.replace("KEY", emulator.apiKey);
    const response = await rawRequest(emulator.url, emulator.apiKey, "GET", "/webhooks/apps", undefined, {
      noAuth: true,
      headers,
    });
    expect(response).toStrictEqual({ status: 401, body: expected });
  });

  it("checks the key before decoding the body, so a bad key with malformed JSON gives 401", async () => {
    const response = await rawRequest(emulator.url, newApiKey(), "POST", "/webhooks/apps", undefined, {
      rawBody: "{not json",
    });
    expect(response).toStrictEqual({ status: 401, body: authFailed });
  });

  it.each([
    ["GET", "/webhooks/apps?limit=abc"],
    ["PATCH", "/webhooks/apps/errors/endpoints/not-a-number"],
    ["GET", "/webhooks/no-such-route"],
  ])("checks the key before decoding %s %s", async (method, path) => {
    const response = await rawRequest(
      emulator.url,
      newApiKey(),
      method,
      path,
      method === "PATCH" ? {} : undefined,
    );
    expect(response).toStrictEqual({ status: 401, body: authFailed });
  });

  it("serves a request authorised with the configured key", async () => {
    const response = await emulator.api("GET", "/webhooks/apps/errors");
    expect(response.status).toBe(200);
  });
});

describe("routing", () => {
  it.each([
    ["GET", "/webhooks/nothing-here"],
    ["GET", "/webhooks/apps/errors/unknown-child"],
    ["GET", "/webhooks/apps/errors/endpoints/1/test/extra"],
    ["GET", "/webhooks/apps/"],
    ["GET", "/webhooks"],
    ["GET", "/webhooks/apps/errors/"],
    ["GET", "/webhooks/event-catalogs/"],
    ["POST", "/webhooks/apps/errors/endpoints/1/reactivate"],
  ])("answers %s %s with 404 Not found", async (method, path) => {
    expect(await emulator.api(method, path)).toStrictEqual({ status: 404, body: apiError(404, "Not found") });
  });

  it.each([
    ["DELETE", "/webhooks/event-catalogs"],
    ["PUT", "/webhooks/apps/errors"],
    ["GET", "/webhooks/apps/errors/rotate-secret"],
    ["GET", "/webhooks/apps/errors/trigger"],
    ["PATCH", "/webhooks/apps"],
    ["GET", "/webhooks/endpoints/1/reactivate"],
    ["DELETE", "/webhooks/event-catalogs/errors-catalog"],
    ["GET", "/webhooks/apps/errors/endpoints/1"],
    ["PUT", "/webhooks/apps/errors/endpoints/1"],
  ])("answers %s %s with 405 Method not allowed", async (method, path) => {
    expect(await emulator.api(method, path)).toStrictEqual({
      status: 405,
      body: apiError(405, "Method not allowed"),
    });
  });
});

describe("request decoding", () => {
  const badRequest = apiError(400, "Bad request");
  const invalidPayload = apiError(422, "Invalid request payload");
  const requestFailed = (code: number) => apiError(code, "Request failed");

  it("answers a JSON route called without Content-Type with 415 Request failed", async () => {
    const response = await emulator.api("POST", "/webhooks/apps", { name: "x" }, { noContentType: true });
    expect(response).toStrictEqual({ status: 415, body: requestFailed(415) });
  });

  it("answers a JSON route called with a text/plain body with 415 Request failed", async () => {
    const response = await emulator.api("POST", "/webhooks/apps", undefined, {
      rawBody: JSON.stringify({ name: "x" }),
      headers: { "content-type": "text/plain" },
    });
    expect(response).toStrictEqual({ status: 415, body: requestFailed(415) });
  });

  it("answers a test call without a body with 415, as the SDK does when given no request", async () => {
    const response = await emulator.api("POST", `/webhooks/apps/errors/endpoints/${endpointId}/test`);
    expect(response).toStrictEqual({ status: 415, body: requestFailed(415) });
  });

  it.each([
    ["POST", "/webhooks/apps", "{not json"],
    ["POST", "/webhooks/apps", '{"name":"x",}'],
    ["PATCH", "/webhooks/apps/errors", "{"],
    ["POST", "/webhooks/event-catalogs", "[1,2"],
  ])("answers %s %s with malformed JSON with 400 Bad request", async (method, path, rawBody) => {
    expect(await emulator.api(method, path, undefined, { rawBody })).toStrictEqual({
      status: 400,
      body: badRequest,
    });
  });

  it.each([
    ["an app without name", "POST", "/webhooks/apps", { app_slug: "x1" }],
    ["an app whose name is a number", "POST", "/webhooks/apps", { name: 5 }],
    [
      "an app whose emails are a string",
      "POST",
      "/webhooks/apps",
      { name: "x", failure_notification_emails: "a" },
    ],
    ["an app update with a string is_active", "PATCH", "/webhooks/apps/errors", { is_active: "yes" }],
    ["a JSON array instead of an object", "POST", "/webhooks/apps", [{ name: "x" }]],
    [
      "an endpoint without app_slug in the body",
      "POST",
      "/webhooks/apps/errors/endpoints",
      { url: "https://hooks.example.com/a", subscriptions: [{ event_name: "invoice.paid" }] },
    ],
    [
      "an endpoint without subscriptions",
      "POST",
      "/webhooks/apps/errors/endpoints",
      { app_slug: "errors", url: "https://hooks.example.com/a" },
    ],
    [
      "an endpoint without url",
      "POST",
      "/webhooks/apps/errors/endpoints",
      { app_slug: "errors", subscriptions: [{ event_name: "invoice.paid" }] },
    ],
    [
      "an endpoint with a string max_retries",
      "POST",
      "/webhooks/apps/errors/endpoints",
      {
        app_slug: "errors",
        url: "https://hooks.example.com/a",
        subscriptions: [{ event_name: "invoice.paid" }],
        max_retries: "3",
      },
    ],
    [
      "an endpoint whose rate limit lacks max_requests",
      "POST",
      "/webhooks/apps/errors/endpoints",
      {
        app_slug: "errors",
        url: "https://hooks.example.com/a",
        subscriptions: [{ event_name: "invoice.paid" }],
        rate_limit_config: { duration_ms: 1000 },
      },
    ],
    [
      "a trigger without payload",
      "POST",
      "/webhooks/apps/errors/trigger",
      { app_slug: "errors", event_name: "invoice.paid" },
    ],
    [
      "a trigger without app_slug",
      "POST",
      "/webhooks/apps/errors/trigger",
      { event_name: "invoice.paid", payload: {} },
    ],
    [
      "a test call without event_name",
      "POST",
      `/webhooks/apps/errors/endpoints/ENDPOINT/test`,
      { payload: {} },
    ],
    ["a catalog without events", "POST", "/webhooks/event-catalogs", { slug: "c-422", name: "C" }],
    ["a catalog without slug", "POST", "/webhooks/event-catalogs", { name: "C", events: [] }],
    ["a catalog without name", "POST", "/webhooks/event-catalogs", { slug: "c-422", events: [] }],
    [
      "a catalog event with a numeric name",
      "POST",
      "/webhooks/event-catalogs",
      { slug: "c-422", name: "C", events: [{ name: 1, description: "d" }] },
    ],
    ["an append call without events", "POST", "/webhooks/event-catalogs/errors-catalog/append-events", {}],
    [
      "a catalog event without description",
      "POST",
      "/webhooks/event-catalogs",
      { slug: "c-422", name: "C", events: [{ name: "a.b" }] },
    ],
    [
      "an archive call without is_archived",
      "POST",
      "/webhooks/event-catalogs/errors-catalog/archive-event",
      { event_name: "invoice.paid" },
    ],
    ["a replay body of neither shape", "POST", "/webhooks/apps/errors/deliveries/replay", { foo: 1 }],
    [
      "an endpoint with a fractional max_retries",
      "POST",
      "/webhooks/apps/errors/endpoints",
      {
        app_slug: "errors",
        url: "https://hooks.example.com/a",
        subscriptions: [{ event_name: "invoice.paid" }],
        max_retries: 3.5,
      },
    ],
    [
      "an endpoint with a timeout_seconds beyond 32 bits",
      "POST",
      "/webhooks/apps/errors/endpoints",
      {
        app_slug: "errors",
        url: "https://hooks.example.com/a",
        subscriptions: [{ event_name: "invoice.paid" }],
        timeout_seconds: 2147483648,
      },
    ],
    [
      "an endpoint update with a fractional timeout",
      "PATCH",
      "/webhooks/apps/errors/endpoints/ENDPOINT",
      { timeout_seconds: 0.5 },
    ],
  ])("answers %s with 422 Invalid request payload", async (_case, method, path, body) => {
    const response = await emulator.api(method, path.replace("ENDPOINT", endpointId), body);
    expect(response).toStrictEqual({ status: 422, body: invalidPayload });
  });

  it("answers an empty JSON body with 400 Bad request", async () => {
    expect(await emulator.api("POST", "/webhooks/apps", undefined, { rawBody: "" })).toStrictEqual({
      status: 400,
      body: badRequest,
    });
  });

  it("answers a JSON null body with 422 Invalid request payload", async () => {
    expect(await emulator.api("POST", "/webhooks/apps", null)).toStrictEqual({
      status: 422,
      body: invalidPayload,
    });
  });

  it("accepts application/json with a charset parameter", async () => {
    const response = await emulator.api("POST", "/webhooks/apps", undefined, {
      rawBody: JSON.stringify({ app_slug: "charset", name: "Charset" }),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(response.status).toBe(200);
  });

  it("parses the endpoint id as a signed 64-bit integer", async () => {
    const notFound = { status: 404, body: apiError(404, "Webhook endpoint not found") };
    expect(await emulator.api("PATCH", `/webhooks/apps/errors/endpoints/+${endpointId}`, {})).toMatchObject({
      status: 200,
      body: { id: endpointId },
    });
    expect(await emulator.api("PATCH", `/webhooks/apps/errors/endpoints/0${endpointId}`, {})).toMatchObject({
      status: 200,
      body: { id: endpointId },
    });
    expect(await emulator.api("PATCH", "/webhooks/apps/errors/endpoints/-5", {})).toStrictEqual(notFound);
    expect(
      await emulator.api("PATCH", "/webhooks/apps/errors/endpoints/9223372036854775807", {}),
    ).toStrictEqual(notFound);
    expect(
      await emulator.api("PATCH", "/webhooks/apps/errors/endpoints/9223372036854775808", {}),
    ).toStrictEqual({
      status: 400,
      body: badRequest,
    });
  });

  it("answers a body larger than 2 MiB with 413 Request failed", async () => {
    const response = await emulator.api("POST", "/webhooks/apps", {
      name: "big",
      description: "x".repeat(2 * 1024 * 1024 + 16),
    });
    expect(response).toStrictEqual({ status: 413, body: requestFailed(413) });
  });

  it.each([
    ["PATCH", "/webhooks/apps/errors/endpoints/abc", {}],
    ["DELETE", "/webhooks/apps/errors/endpoints/12x", undefined],
    ["POST", "/webhooks/apps/errors/endpoints/1.5/test", { event_name: "invoice.paid" }],
    ["POST", "/webhooks/endpoints/not-a-number/reactivate", undefined],
  ])("answers %s %s with a non-numeric endpoint id with 400 Bad request", async (method, path, body) => {
    expect(await emulator.api(method, path, body)).toStrictEqual({ status: 400, body: badRequest });
  });

  it.each([
    "/webhooks/apps?limit=abc",
    "/webhooks/apps?offset=1.5",
    "/webhooks/apps?include_inactive=1",
    "/webhooks/apps?include_inactive=yes",
    "/webhooks/apps/errors/endpoints?limit=ten",
    "/webhooks/apps/errors/endpoints?include_inactive=TRUE",
    "/webhooks/apps/errors/deliveries?since=yesterday",
    "/webhooks/apps/errors/deliveries?limit=x",
    "/webhooks/apps/errors/deliveries?endpoint_id=abc",
    "/webhooks/apps/errors/deliveries?until=2026-13-45",
  ])("answers GET %s with 400 Bad request", async (path) => {
    expect(await emulator.api("GET", path)).toStrictEqual({ status: 400, body: badRequest });
  });

  it("ignores unknown fields and always creates an active app", async () => {
    const response = await emulator.api("POST", "/webhooks/apps", {
      app_slug: "ignores_unknown",
      name: "Ignores unknown",
      is_active: false,
      colour: "blue",
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ app_slug: "ignores_unknown", is_active: true });
    expect(response.body).not.toHaveProperty("colour");
  });

  it("answers with Content-Type application/json on success and on error", async () => {
    const ok = await fetch(`${emulator.url}/webhooks/apps/errors`, {
      headers: { authorization: `Bearer ${emulator.apiKey}` },
    });
    const missing = await fetch(`${emulator.url}/webhooks/apps/nope`, {
      headers: { authorization: `Bearer ${emulator.apiKey}` },
    });
    expect([ok.status, ok.headers.get("content-type")?.split(";")[0]]).toStrictEqual([
      200,
      "application/json",
    ]);
    expect([missing.status, missing.headers.get("content-type")?.split(";")[0]]).toStrictEqual([
      404,
      "application/json",
    ]);
  });
});
