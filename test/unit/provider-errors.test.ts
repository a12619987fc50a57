// Error translation (errors.ts) and the client's pure helpers (client.ts): no API call.
import { describe, expect, it } from "vitest";
import { retryAfterMs, wachtMessage } from "../../provider/client";
import { type Operation, toProviderError, WachtProviderError } from "../../provider/errors";

/** An error shaped like the SDK's WachtError once the client's fetch adapter has filled it in. */
function sdkError(message: string, statusCode: number | undefined, method: string, path: string) {
  return Object.assign(new Error(message), { statusCode, details: { method, path } });
}

describe("toProviderError", () => {
  it.each<[string, string, Operation, ReturnType<typeof sdkError>, string]>([
    [
      "WebhookEndpoint",
      "primary",
      "create",
      sdkError("Unknown event 'x' for app 'billing'", 400, "POST", "/webhooks/apps/billing/endpoints"),
      "WebhookEndpoint \"primary\" create failed: 400 Unknown event 'x' for app 'billing' (POST /webhooks/apps/billing/endpoints)",
    ],
    [
      "WebhookEndpoint",
      "primary",
      "create",
      sdkError("Webhook app not found", 404, "POST", "/webhooks/apps/billing/endpoints"),
      'WebhookEndpoint "primary" create failed: 404 Webhook app not found (POST /webhooks/apps/billing/endpoints)',
    ],
    [
      "WebhookApp",
      "billing",
      "read",
      sdkError("Authentication failed", 401, "GET", "/webhooks/apps/billing"),
      'WebhookApp "billing" read failed: 401 Authentication failed (GET /webhooks/apps/billing)\n' +
        "Check wacht:apiKey (or WACHT_API_KEY): Wacht did not accept the key.",
    ],
    [
      "WebhookApp",
      "billing",
      "update",
      sdkError("Rate limit exceeded", 429, "PATCH", "/webhooks/apps/billing"),
      'WebhookApp "billing" update failed: 429 Rate limit exceeded (PATCH /webhooks/apps/billing)\n' +
        "Wacht kept rate-limiting after the provider's retries; run again later or lower parallelism (pulumi up --parallel).",
    ],
    [
      "WebhookEventCatalog",
      "events",
      "delete",
      sdkError("network error: ECONNREFUSED", undefined, "GET", "/webhooks/event-catalogs/events"),
      'WebhookEventCatalog "events" delete failed: network error: ECONNREFUSED (GET /webhooks/event-catalogs/events)',
    ],
  ])(
    "reports %s %j %s failures with status, Wacht's message and the request",
    (resource, name, op, error, message) => {
      expect(toProviderError(resource, name, op, error).message).toBe(message);
    },
  );

  it("keeps the status, Wacht's message and the request on the error", () => {
    const error = toProviderError(
      "WebhookEndpoint",
      "primary",
      "create",
      sdkError("Unknown event 'x' for app 'billing'", 400, "POST", "/webhooks/apps/billing/endpoints"),
    );
    expect(error).toBeInstanceOf(WachtProviderError);
    expect({
      name: error.name,
      status: error.status,
      apiMessage: error.apiMessage,
      request: error.request,
    }).toStrictEqual({
      name: "WachtProviderError",
      status: 400,
      apiMessage: "Unknown event 'x' for app 'billing'",
      request: { method: "POST", path: "/webhooks/apps/billing/endpoints" },
    });
  });

  it("puts a given hint on its own line, instead of the status's default hint", () => {
    const error = toProviderError(
      "WebhookApp",
      "billing",
      "create",
      sdkError("App slug already exists", 409, "POST", "/webhooks/apps"),
      "Set adopt: true.",
    );
    expect(error.message).toBe(
      'WebhookApp "billing" create failed: 409 App slug already exists (POST /webhooks/apps)\nSet adopt: true.',
    );
  });

  it("names only the resource type when the resource has no name, and no request when there was none", () => {
    expect(toProviderError("WebhookApp", undefined, "create", "boom").message).toBe(
      "WebhookApp create failed: boom",
    );
  });

  it("returns an error that already names the resource as is, instead of wrapping it twice", () => {
    const first = toProviderError(
      "WebhookEndpoint",
      "primary",
      "create",
      sdkError("Bad", 400, "POST", "/webhooks/apps/a/endpoints"),
    );
    expect(toProviderError("WebhookEndpoint", "primary", "create", first)).toBe(first);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
  it.each<[string, string | null, number | undefined]>([
    ["no header", null, undefined],
    ["an empty header", "", undefined],
    ["whole seconds", "3", 3000],
    ["fractional seconds", "0.5", 500],
    ["zero seconds", "0", 0],
    ["negative seconds as no wait", "-2", 0],
    ["an HTTP date in the future", "Wed, 21 Oct 2015 07:28:10 GMT", 10_000],
    ["an HTTP date in the past as no wait", "Wed, 21 Oct 2015 07:27:00 GMT", 0],
    ["garbage", "soon", undefined],
  ])("reads %s", (_what, header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});

describe("wachtMessage", () => {
  it.each<[string, number, string, string]>([
    [
      "Wacht's errors[0].message",
      400,
      JSON.stringify({ errors: [{ message: "Unknown event 'x' for app 'billing'", code: 400 }] }),
      "Unknown event 'x' for app 'billing'",
    ],
    ["a top-level message", 400, JSON.stringify({ message: "Bad request" }), "Bad request"],
    ["a non-JSON body, trimmed", 502, "  <html>Bad gateway</html>\n", "<html>Bad gateway</html>"],
    ["an empty body as the status", 503, "", "HTTP 503"],
    ["a blank body as the status", 503, "   ", "HTTP 503"],
  ])("takes %s", (_what, status, body, expected) => {
    expect(wachtMessage(status, body)).toBe(expected);
  });

  it("cuts a long unstructured body to 200 characters", () => {
    expect(wachtMessage(500, "x".repeat(300))).toBe("x".repeat(200));
  });
});
