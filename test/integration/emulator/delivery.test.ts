// Spec §3.4 (trigger), §3.5 (deliveries), §4.2 (filter evaluation), §4.4 (rotation), §4.5 (deactivation)
// and §4.8 (the worker): real deliveries to a local receiver, signatures checked with `standardwebhooks`.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiError,
  type Emulator,
  ID,
  launch,
  type ReceivedRequest,
  type Receiver,
  type Reply,
  RFC3339_UTC,
  seedApp,
  signatureHeaders,
  startReceiver,
  waitFor,
} from "./harness";

interface Delivery {
  delivery_id: string;
  endpoint_id: string;
  event_name: string;
  status: string;
  http_status_code: number | null;
  attempt_number: number;
  max_attempts: number;
}

interface Endpoint {
  id: string;
  is_active: boolean;
  [key: string]: unknown;
}

let emulator: Emulator;
let receiver: Receiver;
const replies = new Map<string, (count: number, request: ReceivedRequest) => Reply>();
let appCounter = 0;

beforeAll(async () => {
  emulator = await launch({ allowPrivateUrls: true, timeScale: 0.001 });
  receiver = await startReceiver();
  receiver.reply = (request, count) =>
    replies.get(request.path)?.(count, request) ?? { status: 200, body: "ok" };
});

afterAll(async () => {
  await emulator?.close();
  await receiver?.close();
});

/** A fresh app with the standard catalog and one endpoint on its own receiver path. */
async function setup(
  endpoint: Record<string, unknown> = {},
  reply?: (count: number, request: ReceivedRequest) => Reply,
): Promise<{ slug: string; secret: string; endpointId: string; path: string }> {
  appCounter += 1;
  const slug = await seedApp(emulator, `delivery_${appCounter}`);
  const path = `/hooks/${slug}`;
  if (reply) replies.set(path, reply);
  const created = await emulator.api("POST", `/webhooks/apps/${slug}/endpoints`, {
    app_slug: slug,
    url: `${receiver.url}${path}`,
    subscriptions: [{ event_name: "invoice.paid" }],
    ...endpoint,
  });
  if (created.status !== 200) throw new Error(`create endpoint: ${JSON.stringify(created)}`);
  const app = await emulator.api("GET", `/webhooks/apps/${slug}`);
  return {
    slug,
    secret: (app.body as { signing_secret: string }).signing_secret,
    endpointId: (created.body as { id: string }).id,
    path,
  };
}

async function trigger(slug: string, payload: unknown, eventName = "invoice.paid") {
  const response = await emulator.api("POST", `/webhooks/apps/${slug}/trigger`, {
    app_slug: slug,
    event_name: eventName,
    payload,
  });
  if (response.status !== 200) throw new Error(`trigger: ${JSON.stringify(response)}`);
  return response.body as { delivery_ids: string[]; filtered_count: number; delivered_count: number };
}

async function deliveries(slug: string): Promise<Delivery[]> {
  return ((await emulator.api("GET", `/webhooks/apps/${slug}/deliveries`)).body as { data: Delivery[] }).data;
}

async function settled(slug: string, deliveryId: string, status: string): Promise<Delivery> {
  return waitFor(`delivery ${deliveryId} to be ${status}`, async () => {
    const found = (await deliveries(slug)).find((d) => d.delivery_id === deliveryId);
    return found?.status === status ? found : undefined;
  });
}

async function endpointState(slug: string, id: string): Promise<Endpoint | undefined> {
  const response = await emulator.api("GET", `/webhooks/apps/${slug}/endpoints?include_inactive=true`);
  return (response.body as { data: Endpoint[] }).data.find((e) => e.id === id);
}

/** Gives the worker time to make an attempt it should not make; short and bounded. */
function quietPeriod(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 300));
}

describe("a delivered webhook", () => {
  it("carries the envelope and the Standard Webhooks headers, signed with the app secret", async () => {
    const { slug, secret, path } = await setup({ headers: { "X-Tenant": "acme", "X-Count": 3 } });
    const before = Math.floor(Date.now() / 1000);
    // keys already in Postgres JSONB order (shorter first), so either serialisation order gives these bytes
    const { delivery_ids } = await trigger(slug, { id: "inv_1", amount: 150, customer: { tier: "gold" } });
    const after = Math.ceil(Date.now() / 1000);
    const request = await waitFor("the delivery", () => receiver.on(path)[0]);

    const timestamp = Number(request.headers["webhook-timestamp"]);
    expect(String(timestamp)).toMatch(/^[0-9]+$/);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(request.method).toBe("POST");
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "Wacht-Webhook/1.0",
      "webhook-id": `msg_${delivery_ids[0]}`,
      "x-tenant": "acme",
    });
    expect(request.headers).not.toHaveProperty("x-count");
    expect(request.body).toBe(
      `{"type":"invoice.paid","timestamp":"${new Date(timestamp * 1000).toISOString()}",` +
        `"data":{"id":"inv_1","amount":150,"customer":{"tier":"gold"}}}`,
    );

    const signature = String(request.headers["webhook-signature"]);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(request.body, signatureHeaders(request))).toStrictEqual(
      JSON.parse(request.body),
    );
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key)
      .update(`msg_${delivery_ids[0]}.${timestamp}.${request.body}`)
      .digest("base64");
    expect(signature).toBe(`v1,${expected}`);
  });

  it("sends the payload's keys in Postgres JSONB order (shorter keys first), not the caller's", async () => {
    const { slug, path } = await setup();
    await trigger(slug, { amount: 150, currency: "EUR", id: "inv_2", nested: { zeta: 1, a: 2 } });
    const request = await waitFor("the delivery", () => receiver.on(path)[0]);
    expect(request.body.slice(request.body.indexOf(',"data":'))).toBe(
      ',"data":{"id":"inv_2","amount":150,"nested":{"a":2,"zeta":1},"currency":"EUR"}}',
    );
  });

  it("orders integer-like payload keys as JSONB does, by length first", async () => {
    const { slug, path } = await setup();
    await trigger(slug, { b: 1, "10": "ten" });
    const request = await waitFor("the delivery", () => receiver.on(path)[0]);
    expect(request.body.slice(request.body.indexOf(',"data":'))).toBe(',"data":{"b":1,"10":"ten"}}');
  });

  it("is signed with the new secret after a rotation, and the old secret no longer verifies", async () => {
    const { slug, secret: oldSecret, path } = await setup();
    await trigger(slug, { n: 1 });
    const first = await waitFor("the first delivery", () => receiver.on(path)[0]);
    expect(new Webhook(oldSecret).verify(first.body, signatureHeaders(first))).toMatchObject({
      data: { n: 1 },
    });

    const rotated = await emulator.api("POST", `/webhooks/apps/${slug}/rotate-secret`);
    const newSecret = (rotated.body as { signing_secret: string }).signing_secret;
    await trigger(slug, { n: 2 });
    const second = await waitFor("the second delivery", () => receiver.on(path)[1]);

    expect(new Webhook(newSecret).verify(second.body, signatureHeaders(second))).toMatchObject({
      data: { n: 2 },
    });
    expect(() => new Webhook(oldSecret).verify(second.body, signatureHeaders(second))).toThrow(
      new WebhookVerificationError("No matching signature found"),
    );
    expect(() => new Webhook(newSecret).verify(first.body, signatureHeaders(first))).toThrow(
      new WebhookVerificationError("No matching signature found"),
    );
  });

  it("signs retries queued before a rotation with the new secret", async () => {
    // Retry-After 500 s is 0.5 s at time scale 0.001: time enough to rotate before the retry
    const { slug, path } = await setup({}, (count) =>
      count === 1 ? { status: 503, headers: { "Retry-After": "500" } } : { status: 200 },
    );
    await trigger(slug, { n: 1 });
    await waitFor("the first attempt", () => receiver.on(path)[0]);
    const rotated = (
      (await emulator.api("POST", `/webhooks/apps/${slug}/rotate-secret`)).body as { signing_secret: string }
    ).signing_secret;
    expect(receiver.on(path)).toHaveLength(1);
    const retry = await waitFor("the retry", () => receiver.on(path)[1]);
    expect(new Webhook(rotated).verify(retry.body, signatureHeaders(retry))).toMatchObject({
      data: { n: 1 },
    });
  });
});

describe("retries", () => {
  it("retries a 500 with the same id, timestamp and body, then records the success", async () => {
    const { slug, path } = await setup({}, (count) => (count <= 2 ? { status: 500 } : { status: 200 }));
    const { delivery_ids } = await trigger(slug, { id: "inv_retry" });
    const done = await settled(slug, String(delivery_ids[0]), "success");
    const attempts = receiver.on(path);
    expect(attempts).toHaveLength(3);
    const [first, ...rest] = attempts;
    for (const attempt of rest) {
      expect(signatureHeaders(attempt)).toStrictEqual(signatureHeaders(first as ReceivedRequest));
      expect(attempt.body).toBe(first?.body);
    }
    expect(done).toMatchObject({ status: "success", http_status_code: 200, max_attempts: 32 });
  });

  it.each([500, 502, 503, 504, 408, 429])("retries after a %i answer", async (status) => {
    const { slug, path } = await setup({}, (count) => (count === 1 ? { status } : { status: 200 }));
    const { delivery_ids } = await trigger(slug, { status });
    await settled(slug, String(delivery_ids[0]), "success");
    expect(receiver.on(path).map((r) => r.headers["webhook-id"])).toStrictEqual([
      `msg_${delivery_ids[0]}`,
      `msg_${delivery_ids[0]}`,
    ]);
  });

  it("retries after a connection failure", async () => {
    const { slug, endpointId } = await setup();
    // a port that was just freed: every attempt is refused
    const closed = await startReceiver();
    const closedUrl = `${closed.url}/gone`;
    await closed.close();
    await emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${endpointId}`, {
      url: closedUrl,
      max_retries: 2,
    });
    const { delivery_ids } = await trigger(slug, { n: 1 });
    const failed = await settled(slug, String(delivery_ids[0]), "permanently_failed");
    expect(failed).toMatchObject({ max_attempts: 2, http_status_code: null });
  });

  it.each([400, 401, 403, 404, 422])("gives up at once after a %i answer", async (status) => {
    const { slug, path, endpointId } = await setup({}, () => ({ status }));
    const { delivery_ids } = await trigger(slug, { status });
    const failed = await settled(slug, String(delivery_ids[0]), "permanently_failed");
    await quietPeriod();
    expect(receiver.on(path)).toHaveLength(1);
    expect(failed).toMatchObject({ http_status_code: status, max_attempts: 32 });
    expect(await endpointState(slug, endpointId)).toMatchObject({ is_active: true });
  });

  it("makes max_retries attempts in total, then marks the delivery permanently failed", async () => {
    const { slug, path } = await setup({ max_retries: 3 }, () => ({ status: 500 }));
    const { delivery_ids } = await trigger(slug, { n: 1 });
    const failed = await settled(slug, String(delivery_ids[0]), "permanently_failed");
    await quietPeriod();
    expect(receiver.on(path)).toHaveLength(3);
    expect(failed).toMatchObject({ http_status_code: 500, max_attempts: 3 });
  });

  it("waits 30 s, 60 s, 5 min and 15 min (scaled) before attempts 2 to 5", async () => {
    const { slug, path } = await setup({}, (count) => (count <= 4 ? { status: 500 } : { status: 200 }));
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await settled(slug, String(delivery_ids[0]), "success");
    const at = receiver.on(path).map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    expect(gaps).toHaveLength(4);
    // lower bounds only (a loaded machine may be late, never early); 2 ms of clock slack
    [30, 60, 300, 900].forEach((delay, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(delay - 2);
    });
  });

  it("honours Retry-After before the next attempt", async () => {
    // Retry-After 2000 s is 2 s at time scale 0.001, far above the default first delay (30 s, so 30 ms)
    const { slug, path } = await setup({}, (count) =>
      count === 1 ? { status: 429, headers: { "Retry-After": "2000" } } : { status: 200 },
    );
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await settled(slug, String(delivery_ids[0]), "success");
    const [first, second] = receiver.on(path);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1900);
  });
});

describe("deactivation", () => {
  it("deactivates the endpoint at once on 410 Gone and records endpoint_disabled", async () => {
    const { slug, path, endpointId } = await setup({}, () => ({ status: 410 }));
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await settled(slug, String(delivery_ids[0]), "endpoint_disabled");
    const state = await waitFor("the endpoint to be deactivated", async () => {
      const endpoint = await endpointState(slug, endpointId);
      return endpoint?.is_active === false ? endpoint : undefined;
    });
    expect(state).toMatchObject({
      is_active: false,
      auto_disabled: false,
      auto_disabled_at: null,
      failure_count: 0,
    });
    await quietPeriod();
    expect(receiver.on(path)).toHaveLength(1);
    const listed = await emulator.api("GET", `/webhooks/apps/${slug}/endpoints`);
    expect((listed.body as { data: Endpoint[] }).data).toStrictEqual([]);
  });

  it("auto-disables an endpoint after its tenth exhausted delivery, not before", async () => {
    const { slug, endpointId } = await setup({ max_retries: 1 }, () => ({ status: 500 }));
    for (let i = 1; i <= 9; i++) {
      const { delivery_ids } = await trigger(slug, { n: i });
      await settled(slug, String(delivery_ids[0]), "permanently_failed");
    }
    expect(await endpointState(slug, endpointId)).toMatchObject({ is_active: true });
    const { delivery_ids } = await trigger(slug, { n: 10 });
    await settled(slug, String(delivery_ids[0]), "permanently_failed");
    const state = await waitFor("the endpoint to be disabled", async () => {
      const endpoint = await endpointState(slug, endpointId);
      return endpoint?.is_active === false ? endpoint : undefined;
    });
    expect(state).toMatchObject({ is_active: false, auto_disabled: false, failure_count: 0 });
  });

  it.each([
    ["clears the failure counter on reactivation", "reactivate", 10],
    ["keeps the failure counter when is_active is patched to true", "patch", 1],
  ])("%s", async (_case, how, more) => {
    const { slug, endpointId } = await setup({ max_retries: 1 }, () => ({ status: 500 }));
    const fail = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const { delivery_ids } = await trigger(slug, { i });
        await settled(slug, String(delivery_ids[0]), "permanently_failed");
      }
    };
    await fail(9);
    if (how === "reactivate") await emulator.api("POST", `/webhooks/endpoints/${endpointId}/reactivate`);
    else await emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${endpointId}`, { is_active: true });
    await fail(more - 1);
    expect(await endpointState(slug, endpointId)).toMatchObject({ is_active: true });
    await fail(1);
    await waitFor("the endpoint to be disabled", async () => {
      const endpoint = await endpointState(slug, endpointId);
      return endpoint?.is_active === false ? endpoint : undefined;
    });
  });

  it("does not count non-retryable 4xx failures towards auto-disable", async () => {
    const { slug, endpointId } = await setup({}, () => ({ status: 400 }));
    for (let i = 1; i <= 10; i++) {
      const { delivery_ids } = await trigger(slug, { n: i });
      await settled(slug, String(delivery_ids[0]), "permanently_failed");
    }
    await quietPeriod();
    expect(await endpointState(slug, endpointId)).toMatchObject({ is_active: true });
  });

  it("delivers again after reactivation", async () => {
    let gone = true;
    const { slug, path, endpointId } = await setup({}, () => (gone ? { status: 410 } : { status: 200 }));
    const first = await trigger(slug, { n: 1 });
    await settled(slug, String(first.delivery_ids[0]), "endpoint_disabled");
    gone = false;
    await emulator.api("POST", `/webhooks/endpoints/${endpointId}/reactivate`);
    const second = await trigger(slug, { n: 2 });
    expect(second.delivered_count).toBe(1);
    await settled(slug, String(second.delivery_ids[0]), "success");
    expect(receiver.on(path)).toHaveLength(2);
  });
});

describe("the test call", () => {
  it("sends one test.webhook attempt with the default payload and never retries it", async () => {
    const { slug, path, endpointId } = await setup({}, () => ({ status: 500 }));
    await emulator.api("POST", `/webhooks/apps/${slug}/endpoints/${endpointId}/test`, {
      event_name: "invoice.paid",
    });
    const request = await waitFor("the test delivery", () => receiver.on(path)[0]);
    const envelope = JSON.parse(request.body);
    expect(envelope).toStrictEqual({
      type: "test.webhook",
      timestamp: new Date(Number(request.headers["webhook-timestamp"]) * 1000).toISOString(),
      data: { test: true, event: "invoice.paid", timestamp: expect.stringMatching(RFC3339_UTC) },
    });
    await waitFor("the test delivery to fail", async () =>
      (await deliveries(slug)).find((d) => d.status === "permanently_failed"),
    );
    await quietPeriod();
    expect(receiver.on(path)).toHaveLength(1);
    const [delivery] = await deliveries(slug);
    expect(delivery).toMatchObject({ event_name: "test.webhook", max_attempts: 1, endpoint_id: endpointId });
  });

  it("sends the default payload when the payload is null", async () => {
    const { slug, path, endpointId } = await setup();
    await emulator.api("POST", `/webhooks/apps/${slug}/endpoints/${endpointId}/test`, {
      event_name: "invoice.paid",
      payload: null,
    });
    const request = await waitFor("the test delivery", () => receiver.on(path)[0]);
    expect(JSON.parse(request.body).data).toStrictEqual({
      test: true,
      event: "invoice.paid",
      timestamp: expect.stringMatching(RFC3339_UTC),
    });
  });

  it("sends the given payload as data", async () => {
    const { slug, path, endpointId } = await setup();
    await emulator.api("POST", `/webhooks/apps/${slug}/endpoints/${endpointId}/test`, {
      event_name: "invoice.paid",
      payload: { hello: "world" },
    });
    const request = await waitFor("the test delivery", () => receiver.on(path)[0]);
    expect(JSON.parse(request.body)).toMatchObject({ type: "test.webhook", data: { hello: "world" } });
  });
});

describe("trigger fan-out and filters", () => {
  it("queues one delivery per active subscribed endpoint and none for others", async () => {
    const { slug, path } = await setup();
    const make = (suffix: string, body: Record<string, unknown>) =>
      emulator.api("POST", `/webhooks/apps/${slug}/endpoints`, {
        app_slug: slug,
        url: `${receiver.url}${path}/${suffix}`,
        subscriptions: [{ event_name: "invoice.paid" }],
        ...body,
      });
    await make("second", {});
    await make("other-event", { subscriptions: [{ event_name: "invoice.created" }] });
    const inactive = await make("inactive", {});
    await emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${(inactive.body as { id: string }).id}`, {
      is_active: false,
    });
    const result = await trigger(slug, { n: 1 });
    expect(result).toStrictEqual({
      delivery_ids: [expect.stringMatching(ID), expect.stringMatching(ID)],
      filtered_count: 0,
      delivered_count: 2,
    });
    expect(new Set(result.delivery_ids).size).toBe(2);
    await waitFor("both deliveries", () =>
      receiver.on(path).length + receiver.on(`${path}/second`).length === 2 ? true : undefined,
    );
    await quietPeriod();
    expect(receiver.on(`${path}/other-event`)).toHaveLength(0);
    expect(receiver.on(`${path}/inactive`)).toHaveLength(0);
  });

  it.each([
    ["an unknown event", "nothing.happened"],
    ["an event nobody subscribes to", "invoice.created"],
    ["an archived event", "user.deleted"],
  ])("queues nothing for %s", async (_case, eventName) => {
    const { slug } = await setup();
    expect(await trigger(slug, {}, eventName)).toStrictEqual({
      delivery_ids: [],
      filtered_count: 0,
      delivered_count: 0,
    });
  });

  it("answers a trigger on an inactive app with 404 Webhook app not found", async () => {
    const { slug } = await setup();
    await emulator.api("PATCH", `/webhooks/apps/${slug}`, { is_active: false });
    expect(
      await emulator.api("POST", `/webhooks/apps/${slug}/trigger`, {
        app_slug: slug,
        event_name: "invoice.paid",
        payload: {},
      }),
    ).toStrictEqual({ status: 404, body: apiError(404, "Webhook app not found") });
  });

  it("uses the app of the path and ignores app_slug in the body", async () => {
    const { slug, path } = await setup();
    const response = await emulator.api("POST", `/webhooks/apps/${slug}/trigger`, {
      app_slug: "some_other_app",
      event_name: "invoice.paid",
      payload: { n: 1 },
    });
    expect(response.body).toMatchObject({ delivered_count: 1, filtered_count: 0 });
    await waitFor("the delivery", () => receiver.on(path)[0]);
  });

  it("matches the event name exactly, so an untrimmed subscription is not triggered", async () => {
    const { slug } = await setup({ subscriptions: [{ event_name: " invoice.paid " }] });
    expect(await trigger(slug, {})).toStrictEqual({
      delivery_ids: [],
      filtered_count: 0,
      delivered_count: 0,
    });
  });

  it("accepts a null payload and delivers data null", async () => {
    const { slug, path } = await setup();
    expect((await trigger(slug, null)).delivered_count).toBe(1);
    const request = await waitFor("the delivery", () => receiver.on(path)[0]);
    expect(JSON.parse(request.body).data).toBeNull();
  });

  it("accepts any JSON payload, not only objects", async () => {
    const { slug, path } = await setup();
    await trigger(slug, [1, "two"]);
    const request = await waitFor("the delivery", () => receiver.on(path)[0]);
    expect(JSON.parse(request.body).data).toStrictEqual([1, "two"]);
  });

  const cases: [string, Record<string, unknown>, [unknown, boolean][]][] = [
    [
      "equality",
      { status: "open" },
      [
        [{ status: "open" }, true],
        [{ status: "paid" }, false],
        [{}, false],
      ],
    ],
    [
      "$eq",
      { n: { $eq: 1 } },
      [
        [{ n: 1 }, true],
        [{ n: 2 }, false],
      ],
    ],
    [
      "$ne",
      { n: { $ne: 1 } },
      [
        [{ n: 2 }, true],
        [{ n: 1 }, false],
        [{}, false],
      ],
    ],
    [
      "$gt on numbers",
      { n: { $gt: 100 } },
      [
        [{ n: 150 }, true],
        [{ n: 100 }, false],
        [{ n: "150" }, false],
      ],
    ],
    [
      "$gte and $lt together",
      { n: { $gte: 100, $lt: 200 } },
      [
        [{ n: 100 }, true],
        [{ n: 199.5 }, true],
        [{ n: 200 }, false],
      ],
    ],
    [
      "$lte",
      { n: { $lte: 5 } },
      [
        [{ n: 5 }, true],
        [{ n: 6 }, false],
      ],
    ],
    [
      "$gt on strings",
      { s: { $gt: "b" } },
      [
        [{ s: "c" }, true],
        [{ s: "a" }, false],
        [{ s: "b" }, false],
      ],
    ],
    [
      "$in",
      { tier: { $in: ["gold", "silver"] } },
      [
        [{ tier: "gold" }, true],
        [{ tier: "bronze" }, false],
      ],
    ],
    [
      "$nin",
      { tier: { $nin: ["gold"] } },
      [
        [{ tier: "silver" }, true],
        [{ tier: "gold" }, false],
      ],
    ],
    [
      "$contains",
      { tags: { $contains: "vip" } },
      [
        [{ tags: ["x", "vip"] }, true],
        [{ tags: ["x"] }, false],
        [{ tags: "a vip b" }, true],
        [{ tags: "v" }, false],
      ],
    ],
    [
      "$exists true",
      { d: { $exists: true } },
      [
        [{ d: 1 }, true],
        [{}, false],
      ],
    ],
    [
      "$exists false",
      { d: { $exists: false } },
      [
        [{}, true],
        [{ d: 1 }, false],
      ],
    ],
    [
      "a dotted path",
      { "customer.tier": "gold" },
      [
        [{ customer: { tier: "gold" } }, true],
        [{ customer: { tier: "free" } }, false],
        [{ customer: "gold" }, false],
      ],
    ],
    [
      "$or",
      { $or: [{ a: 1 }, { b: 2 }] },
      [
        [{ a: 1 }, true],
        [{ b: 2 }, true],
        [{ a: 2, b: 1 }, false],
      ],
    ],
    [
      "$and",
      { $and: [{ a: 1 }, { b: 2 }] },
      [
        [{ a: 1, b: 2 }, true],
        [{ a: 1 }, false],
      ],
    ],
    [
      "several fields (implicit and)",
      { a: 1, b: { $gt: 1 } },
      [
        [{ a: 1, b: 2 }, true],
        [{ a: 1, b: 1 }, false],
      ],
    ],
    [
      "empty rules",
      {},
      [
        [{}, true],
        [{ anything: 1 }, true],
      ],
    ],
  ];

  it.each(cases)("evaluates %s filters at trigger time", async (_case, rules, payloads) => {
    const { slug } = await setup({ subscriptions: [{ event_name: "invoice.created", filter_rules: rules }] });
    const results = [];
    for (const [payload] of payloads) results.push(await trigger(slug, payload, "invoice.created"));
    expect(results.map((r) => [r.delivered_count, r.filtered_count, r.delivery_ids.length])).toStrictEqual(
      payloads.map(([, passes]) => (passes ? [1, 0, 1] : [0, 1, 0])),
    );
  });
});

describe("delivery history", () => {
  let slug: string;
  let endpointId: string;
  let ids: string[];

  beforeAll(async () => {
    const made = await setup({ max_retries: 2 }, (_count, request) =>
      JSON.parse(request.body).data.fail ? { status: 400 } : { status: 200 },
    );
    slug = made.slug;
    endpointId = made.endpointId;
    ids = [];
    for (const payload of [{ n: 1 }, { n: 2, fail: true }, { n: 3 }]) {
      const { delivery_ids } = await trigger(slug, payload);
      ids.push(String(delivery_ids[0]));
      await settled(slug, String(delivery_ids[0]), payload.fail ? "permanently_failed" : "success");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  it("lists the latest state of each delivery, newest first", async () => {
    const response = await emulator.api("GET", `/webhooks/apps/${slug}/deliveries`);
    expect(response.status).toBe(200);
    const body = response.body as { data: Delivery[] };
    expect(body).toMatchObject({ has_more: false, limit: 100, offset: 0 });
    expect(
      body.data.map((d) => [d.delivery_id, d.status, d.http_status_code, d.max_attempts, d.endpoint_id]),
    ).toStrictEqual([
      [ids[2], "success", 200, 2, endpointId],
      [ids[1], "permanently_failed", 400, 2, endpointId],
      [ids[0], "success", 200, 2, endpointId],
    ]);
  });

  it.each([
    ["?status=success", [2, 0], false, 100, 0],
    ["?status=permanently_failed", [1], false, 100, 0],
    ["?status=pending", [], false, 100, 0],
    ["?event_name=invoice.paid&limit=2", [2, 1], true, 2, 0],
    ["?event_name=other.event", [], false, 100, 0],
    ["?limit=1&offset=1", [1], true, 1, 1],
    ["?endpoint_id=1&since=2000-01-01T00:00:00Z", [2, 1, 0], false, 100, 0],
  ])("filters and pages deliveries with %s", async (query, order, hasMore, limit, offset) => {
    const response = await emulator.api("GET", `/webhooks/apps/${slug}/deliveries${query}`);
    const { data, ...rest } = response.body as { data: Delivery[] };
    expect({ ...rest, data: data.map((d) => ids.indexOf(d.delivery_id)) }).toStrictEqual({
      data: order,
      has_more: hasMore,
      limit,
      offset,
    });
  });

  it("returns the outbound envelope as the payload of a delivery", async () => {
    const response = await emulator.api("GET", `/webhooks/apps/${slug}/deliveries/${ids[1]}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      delivery_id: ids[1],
      status: "permanently_failed",
      http_status_code: 400,
      payload: { type: "invoice.paid", data: { n: 2, fail: true } },
      response_headers: null,
    });
  });

  it.each([
    ["a non-numeric id", 400, "Invalid delivery ID", "abc", ""],
    [
      "a finished delivery asked for as pending",
      404,
      "Pending delivery not found",
      "FIRST",
      "?status=pending",
    ],
    ["an id with no history", 500, "Something went wrong", "987654321", ""],
  ])("answers %s with %i %s", async (_case, status, message, id, query) => {
    const path = `/webhooks/apps/${slug}/deliveries/${id.replace("FIRST", ids[0] ?? "")}${query}`;
    expect(await emulator.api("GET", path)).toStrictEqual({ status, body: apiError(status, message) });
  });

  it("reports stats for the app", async () => {
    expect(await emulator.api("GET", `/webhooks/apps/${slug}/stats`)).toStrictEqual({
      status: 200,
      body: {
        total_deliveries: 3,
        success_rate: expect.closeTo(200 / 3, 5),
        active_endpoints: 1,
        failed_deliveries_24h: 1,
      },
    });
  });

  it("answers an unknown timeseries interval with 400", async () => {
    const response = await emulator.api("GET", `/webhooks/apps/${slug}/timeseries?interval=year`);
    expect(response.status).toBe(400);
    expect((response.body as { errors: { code: number }[] }).errors[0]?.code).toBe(400);
  });

  it.each(["minute", "hour", "day", "week", "month"])(
    "answers timeseries with interval=%s and echoes it",
    async (interval) => {
      const response = await emulator.api("GET", `/webhooks/apps/${slug}/timeseries?interval=${interval}`);
      expect(response.status).toBe(200);
      expect((response.body as { interval: string }).interval).toBe(interval);
    },
  );
});

describe("replay", () => {
  let slug: string;
  let path: string;
  let deliveryId: string;

  beforeAll(async () => {
    const made = await setup();
    slug = made.slug;
    path = made.path;
    const { delivery_ids } = await trigger(slug, { n: "replayed" });
    deliveryId = String(delivery_ids[0]);
    await settled(slug, deliveryId, "success");
  });

  it("resends a delivery under a new webhook-id, signed with the current secret", async () => {
    const rotated = await emulator.api("POST", `/webhooks/apps/${slug}/rotate-secret`);
    const secret = (rotated.body as { signing_secret: string }).signing_secret;
    const response = await emulator.api("POST", `/webhooks/apps/${slug}/deliveries/replay`, {
      delivery_ids: [deliveryId],
    });
    expect(response.status).toBe(200);
    const replayed = await waitFor("the replay", () => receiver.on(path)[1]);
    expect(replayed.headers["webhook-id"]).not.toBe(`msg_${deliveryId}`);
    expect(new Webhook(secret).verify(replayed.body, signatureHeaders(replayed))).toMatchObject({
      type: "invoice.paid",
      data: { n: "replayed" },
    });
  });

  const now = Date.now();
  const iso = (offsetHours: number) => new Date(now + offsetHours * 3600_000).toISOString();

  it.each([
    [
      "more than 500 ids",
      { delivery_ids: Array.from({ length: 501 }, (_, i) => String(i + 1)) },
      "Maximum 500 delivery IDs are allowed per replay",
    ],
    [
      "an end before the start",
      { start_date: iso(0), end_date: iso(-1) },
      "end_date must be greater than or equal to start_date",
    ],
    [
      "a window over 48 hours",
      { start_date: iso(-49), end_date: iso(0) },
      "Replay range cannot exceed 48 hours",
    ],
    ["an unknown status", { start_date: iso(-1), status: "pending" }, "invalid status"],
    ["a non-numeric endpoint id", { start_date: iso(-1), endpoint_id: "abc" }, "invalid endpoint_id"],
  ])("rejects a replay with %s with 400", async (_case, body, message) => {
    expect(await emulator.api("POST", `/webhooks/apps/${slug}/deliveries/replay`, body)).toStrictEqual({
      status: 400,
      body: apiError(400, message),
    });
  });

  it("answers an unknown replay task with 404 Replay task not found", async () => {
    expect(
      await emulator.api("GET", `/webhooks/apps/${slug}/deliveries/replay/webhook-replay-batch-1-1`),
    ).toStrictEqual({
      status: 404,
      body: apiError(404, "Replay task not found"),
    });
  });

  it("lists replay tasks with the replay list shape, not as a delivery lookup", async () => {
    const response = await emulator.api(
      "GET",
      `/webhooks/apps/${slug}/deliveries/replay?limit=500&offset=-3`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ limit: 100, offset: 0, has_more: false });
    expect(
      (await emulator.api("GET", `/webhooks/apps/${slug}/deliveries/replay?limit=0`)).body,
    ).toMatchObject({
      limit: 1,
      offset: 0,
    });
    expect((await emulator.api("GET", `/webhooks/apps/${slug}/deliveries/replay`)).body).toMatchObject({
      limit: 20,
      offset: 0,
    });
  });
});

describe("analytics of an unknown app", () => {
  it("are zeros and empty lists", async () => {
    const response = await emulator.api("GET", "/webhooks/apps/never_here/analytics");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      total_events: 0,
      total_deliveries: 0,
      successful_deliveries: 0,
      failed_deliveries: 0,
      filtered_deliveries: 0,
      success_rate: 0,
      top_events: [],
      endpoint_performance: [],
      failure_reasons: [],
    });
  });
});

describe("delivery edge cases", () => {
  it.each([201, 202, 204, 299])("records a %i answer as a success", async (status) => {
    const { slug, path } = await setup({}, () => ({ status }));
    const { delivery_ids } = await trigger(slug, { status });
    const done = await settled(slug, String(delivery_ids[0]), "success");
    expect(done).toMatchObject({ http_status_code: status });
    await quietPeriod();
    expect(receiver.on(path)).toHaveLength(1);
  });

  it("gives up on an attempt after the endpoint's timeout_seconds", async () => {
    const { slug, path, endpointId } = await setup({ max_retries: 1, timeout_seconds: 1 });
    // this receiver only answers after 3 s, well past the 1 s timeout
    const server = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200);
        res.end();
      }, 3000);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      await emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${endpointId}`, {
        url: `http://127.0.0.1:${port}${path}`,
      });
      const started = Date.now();
      const { delivery_ids } = await trigger(slug, { n: 1 });
      const failed = await settled(slug, String(delivery_ids[0]), "permanently_failed");
      expect(Date.now() - started).toBeLessThan(2900);
      expect(failed).toMatchObject({ http_status_code: null, max_attempts: 1 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("drops the queued retries of an endpoint that is deleted", async () => {
    // Retry-After 500 s is 0.5 s at time scale 0.001
    const { slug, path, endpointId } = await setup({}, () => ({
      status: 503,
      headers: { "Retry-After": "500" },
    }));
    await trigger(slug, { n: 1 });
    await waitFor("the first attempt", () => receiver.on(path)[0]);
    expect(await emulator.api("DELETE", `/webhooks/apps/${slug}/endpoints/${endpointId}`)).toStrictEqual({
      status: 200,
      body: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.on(path)).toHaveLength(1);
  });

  it("drops the queued retries of an app that is deleted", async () => {
    const { slug, path } = await setup({}, () => ({ status: 503, headers: { "Retry-After": "500" } }));
    await trigger(slug, { n: 1 });
    await waitFor("the first attempt", () => receiver.on(path)[0]);
    expect(await emulator.api("DELETE", `/webhooks/apps/${slug}`)).toStrictEqual({ status: 200, body: {} });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.on(path)).toHaveLength(1);
  });

  it("still sends queued retries after the endpoint is deactivated", async () => {
    const { slug, path, endpointId } = await setup({}, (count) =>
      count === 1 ? { status: 503, headers: { "Retry-After": "500" } } : { status: 200 },
    );
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await waitFor("the first attempt", () => receiver.on(path)[0]);
    await emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${endpointId}`, { is_active: false });
    await settled(slug, String(delivery_ids[0]), "success");
    expect(receiver.on(path)).toHaveLength(2);
  });

  it("still sends queued retries after the app is deactivated", async () => {
    const { slug, path } = await setup({}, (count) =>
      count === 1 ? { status: 503, headers: { "Retry-After": "500" } } : { status: 200 },
    );
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await waitFor("the first attempt", () => receiver.on(path)[0]);
    await emulator.api("PATCH", `/webhooks/apps/${slug}`, { is_active: false });
    await settled(slug, String(delivery_ids[0]), "success");
    expect(receiver.on(path)).toHaveLength(2);
  });

  it("sends a test delivery to an inactive endpoint", async () => {
    const { slug, path, endpointId } = await setup();
    await emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${endpointId}`, { is_active: false });
    await emulator.api("POST", `/webhooks/apps/${slug}/endpoints/${endpointId}/test`, { event_name: "x.y" });
    const request = await waitFor("the test delivery", () => receiver.on(path)[0]);
    expect(JSON.parse(request.body)).toMatchObject({
      type: "test.webhook",
      data: { test: true, event: "x.y" },
    });
  });

  it("delays deliveries over the endpoint's rate limit without using up attempts", async () => {
    // one request per 300 s, which is 0.3 s at time scale 0.001; one attempt per delivery
    const { slug, path } = await setup({
      max_retries: 1,
      rate_limit_config: { duration_ms: 300_000, max_requests: 1 },
    });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(String((await trigger(slug, { i })).delivery_ids[0]));
    for (const id of ids) await settled(slug, id, "success");
    const at = receiver.on(path).map((r) => r.at);
    expect(at).toHaveLength(3);
    // three requests need three windows, whether fixed or sliding
    expect((at[2] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(295);
  });

  it("finds a delivery waiting for its retry with status=pending", async () => {
    const { slug, path, endpointId } = await setup({}, (count) =>
      count === 1 ? { status: 503, headers: { "Retry-After": "1000" } } : { status: 200 },
    );
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await waitFor("the first attempt", () => receiver.on(path)[0]);
    const response = await emulator.api(
      "GET",
      `/webhooks/apps/${slug}/deliveries/${delivery_ids[0]}?status=pending`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      delivery_id: delivery_ids[0],
      endpoint_id: endpointId,
      event_name: "invoice.paid",
    });
    await settled(slug, String(delivery_ids[0]), "success");
  });

  it("keeps the delivery history of an app that is deleted and created again", async () => {
    const { slug } = await setup();
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await settled(slug, String(delivery_ids[0]), "success");
    await emulator.api("DELETE", `/webhooks/apps/${slug}`);
    await emulator.api("POST", "/webhooks/apps", { app_slug: slug, name: "Reborn" });
    expect((await deliveries(slug)).map((d) => [d.delivery_id, d.status])).toStrictEqual([
      [delivery_ids[0], "success"],
    ]);
  });

  it("returns a delivery looked up through another existing app", async () => {
    const { slug } = await setup();
    const other = await setup();
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await settled(slug, String(delivery_ids[0]), "success");
    const response = await emulator.api("GET", `/webhooks/apps/${other.slug}/deliveries/${delivery_ids[0]}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ delivery_id: delivery_ids[0], app_slug: slug });
  });

  it("still triggers a subscription whose event was archived after subscribing", async () => {
    const { slug, path } = await setup();
    await emulator.api("POST", `/webhooks/event-catalogs/${slug}-catalog/archive-event`, {
      event_name: "invoice.paid",
      is_archived: true,
    });
    expect((await trigger(slug, { n: 1 })).delivered_count).toBe(1);
    await waitFor("the delivery", () => receiver.on(path)[0]);
  });

  it("answers timeseries of an unknown app with 200", async () => {
    const response = await emulator.api("GET", "/webhooks/apps/no_such_app/timeseries");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ interval: "day" });
  });

  it("lists no deliveries for an unknown app instead of answering 404", async () => {
    expect(await emulator.api("GET", "/webhooks/apps/no_such_app/deliveries")).toStrictEqual({
      status: 200,
      body: { data: [], has_more: false, limit: 100, offset: 0 },
    });
  });
});

describe("replay refusals", () => {
  async function replayOnce(slug: string, deliveryId: string) {
    const response = await emulator.api("POST", `/webhooks/apps/${slug}/deliveries/replay`, {
      delivery_ids: [deliveryId],
    });
    expect(response.status).toBe(200);
    const taskId = (response.body as { task_id: string }).task_id;
    return waitFor("the replay task to complete", async () => {
      const task = await emulator.api("GET", `/webhooks/apps/${slug}/deliveries/replay/${taskId}`);
      const body = task.body as { status: string; replayed_count: number; failed_count: number };
      return body.status === "completed" ? body : undefined;
    });
  }

  it.each([
    [
      "the endpoint was deleted",
      async (slug: string, id: string) => emulator.api("DELETE", `/webhooks/apps/${slug}/endpoints/${id}`),
    ],
    [
      "the endpoint is inactive",
      async (slug: string, id: string) =>
        emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${id}`, { is_active: false }),
    ],
    [
      "the endpoint no longer subscribes to the event",
      async (slug: string, id: string) =>
        emulator.api("PATCH", `/webhooks/apps/${slug}/endpoints/${id}`, {
          subscriptions: [{ event_name: "invoice.created" }],
        }),
    ],
  ])("refuses to replay a delivery when %s", async (_case, change) => {
    const { slug, path, endpointId } = await setup();
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await settled(slug, String(delivery_ids[0]), "success");
    await change(slug, endpointId);
    const task = await replayOnce(slug, String(delivery_ids[0]));
    expect(task).toMatchObject({ total_count: 1, processed: 1, replayed_count: 0, failed_count: 1 });
    await quietPeriod();
    expect(receiver.on(path)).toHaveLength(1);
  });

  it("refuses to replay a delivery that is still queued for a retry", async () => {
    const { slug, path } = await setup({}, (count) =>
      count === 1 ? { status: 503, headers: { "Retry-After": "1000" } } : { status: 200 },
    );
    const { delivery_ids } = await trigger(slug, { n: 1 });
    await waitFor("the first attempt", () => receiver.on(path)[0]);
    const task = await replayOnce(slug, String(delivery_ids[0]));
    expect(task).toMatchObject({ total_count: 1, processed: 1, replayed_count: 0, failed_count: 1 });
    await settled(slug, String(delivery_ids[0]), "success");
    expect(receiver.on(path).map((r) => r.headers["webhook-id"])).toStrictEqual([
      `msg_${delivery_ids[0]}`,
      `msg_${delivery_ids[0]}`,
    ]);
  });

  it("replays only the deliveries of the window that match the event filter", async () => {
    const { slug, path } = await setup({
      subscriptions: [{ event_name: "invoice.paid" }, { event_name: "invoice.created" }],
    });
    const paid = await trigger(slug, { n: 1 }, "invoice.paid");
    const created = await trigger(slug, { n: 2 }, "invoice.created");
    await settled(slug, String(paid.delivery_ids[0]), "success");
    await settled(slug, String(created.delivery_ids[0]), "success");
    const response = await emulator.api("POST", `/webhooks/apps/${slug}/deliveries/replay`, {
      start_date: new Date(Date.now() - 3600_000).toISOString(),
      end_date: new Date(Date.now() + 60_000).toISOString(),
      event_name: "invoice.created",
    });
    const taskId = (response.body as { task_id: string }).task_id;
    const task = await waitFor("the replay task to complete", async () => {
      const body = (await emulator.api("GET", `/webhooks/apps/${slug}/deliveries/replay/${taskId}`)).body as {
        status: string;
      };
      return body.status === "completed" ? body : undefined;
    });
    expect(task).toMatchObject({ total_count: 1, replayed_count: 1, failed_count: 0 });
    const replayed = await waitFor("the replayed delivery", () => receiver.on(path)[2]);
    expect(JSON.parse(replayed.body)).toMatchObject({ type: "invoice.created", data: { n: 2 } });
  });

  it("answers cancel of an unknown task with 404 Replay task not found", async () => {
    const { slug } = await setup();
    expect(await emulator.api("POST", `/webhooks/apps/${slug}/deliveries/replay/nope/cancel`)).toStrictEqual({
      status: 404,
      body: apiError(404, "Replay task not found"),
    });
  });

  it("answers cancel on an unknown app with 404 Webhook app not found", async () => {
    expect(
      await emulator.api("POST", "/webhooks/apps/no_such_app/deliveries/replay/nope/cancel"),
    ).toStrictEqual({
      status: 404,
      body: apiError(404, "Webhook app not found"),
    });
  });
});
