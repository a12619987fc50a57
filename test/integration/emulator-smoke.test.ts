import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { WachtClient } from "@wacht/backend";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver answering with the next queued status (200 when none). */
async function startReceiver() {
  const received: Received[] = [];
  const statuses: { status: number; headers?: Record<string, string> }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const next = statuses.shift() ?? { status: 200 };
      res.writeHead(next.status, next.headers).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, statuses, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const CATALOG = {
  slug: "billing",
  name: "Billing",
  events: [{ name: "invoice.paid", description: "An invoice was paid" }],
};

describe("emulator smoke", () => {
  let emulator: RunningEmulator;
  let client: WachtClient;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    emulator = await startEmulator({ allowPrivateUrls: true, timeScale: 0.001 });
    client = new WachtClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await emulator.close();
  });
  afterEach(async () => {
    await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
    receiver.received.length = 0;
    receiver.statuses.length = 0;
  });

  async function setup(maxRetries?: number) {
    await client.webhooks.createWebhookEventCatalog(CATALOG);
    const app = await client.webhooks.createWebhookApp({
      name: "Shop",
      app_slug: "Shop-Hooks",
      event_catalog_slug: "billing",
    });
    const endpoint = await client.webhooks.createWebhookEndpoint(app.app_slug, {
      url: receiver.url,
      subscriptions: [{ event_name: "invoice.paid" }],
      headers: { "x-tenant": "t1" },
      ...(maxRetries === undefined ? {} : { max_retries: maxRetries }),
    });
    return { app, endpoint };
  }

  it("rejects requests without a bearer token or with another key", async () => {
    const none = await fetch(`${emulator.url}/webhooks/apps`);
    expect(none.status).toBe(401);
    expect(await none.json()).toStrictEqual({
      errors: [{ message: "Authorization header must be Bearer token", code: 401 }],
    });
    const wrong = await fetch(`${emulator.url}/webhooks/apps`, {
      headers: { authorization: "Bearer sk_other" },
    });
    expect(await wrong.json()).toStrictEqual({ errors: [{ message: "Authentication failed", code: 401 }] });
  });

  it("creates an app with a normalised slug and a whsec_ secret, and hides subscriptions on create", async () => {
    const { app, endpoint } = await setup();
    expect(app.app_slug).toBe("shop_hooks");
    expect(app.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.id).toMatch(/^\d{17,19}$/);
    expect("subscriptions" in endpoint).toBe(false);
    const listed = await client.webhooks.listWebhookEndpoints(app.app_slug, undefined);
    expect(listed.data[0]?.subscriptions).toStrictEqual([{ event_name: "invoice.paid", filter_rules: {} }]);
  });

  it("delivers a triggered event signed with the current secret, before and after a rotation", async () => {
    const { app } = await setup();
    const result = await client.webhooks.triggerWebhook(app.app_slug, {
      event_name: "invoice.paid",
      payload: { amount: 5 },
    });
    expect(result).toMatchObject({ filtered_count: 0, delivered_count: 1 });
    const first = await waitFor(() => receiver.received[0]);
    const headers = first.headers as Record<string, string>;
    expect(headers["webhook-id"]).toBe(`msg_${result.delivery_ids[0]}`);
    expect(headers["user-agent"]).toBe("Wacht-Webhook/1.0");
    expect(headers["x-tenant"]).toBe("t1");
    expect(new Webhook(app.signing_secret).verify(first.body, headers)).toMatchObject({
      type: "invoice.paid",
      data: { amount: 5 },
    });

    const rotated = await client.webhooks.rotateWebhookSecret(app.app_slug);
    await client.webhooks.triggerWebhook(app.app_slug, {
      event_name: "invoice.paid",
      payload: { amount: 6 },
    });
    const second = await waitFor(() => receiver.received[1]);
    const h2 = second.headers as Record<string, string>;
    expect(new Webhook(rotated.signing_secret).verify(second.body, h2)).toMatchObject({
      data: { amount: 6 },
    });
    expect(() => new Webhook(app.signing_secret).verify(second.body, h2)).toThrow();
  });

  it("retries 5xx answers with the same webhook-id and records the history", async () => {
    const { app } = await setup(3);
    receiver.statuses.push({ status: 500 }, { status: 503, headers: { "retry-after": "1" } });
    const { delivery_ids } = await client.webhooks.triggerWebhook(app.app_slug, {
      event_name: "invoice.paid",
      payload: { n: 1 },
    });
    await waitFor(() => receiver.received[2]);
    expect(new Set(receiver.received.map((r) => r.headers["webhook-id"]))).toStrictEqual(
      new Set([`msg_${delivery_ids[0]}`]),
    );
    const delivery = await waitFor(async () => {
      const d = await client.webhooks.getWebhookDelivery(app.app_slug, String(delivery_ids[0]), undefined);
      return d.status === "success" ? d : undefined;
    });
    expect(delivery).toMatchObject({ attempt_number: 3, http_status_code: 200, max_attempts: 3 });
    const stats = await client.webhooks.getWebhookStats(app.app_slug);
    expect(stats).toStrictEqual({
      total_deliveries: 1,
      success_rate: 100,
      active_endpoints: 1,
      failed_deliveries_24h: 0,
    });
  });

  it("injects a 503 fault and journals it", async () => {
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ method: "GET", path: "/webhooks/apps", status: 503 }),
    });
    await expect(client.webhooks.listWebhookApps(undefined)).rejects.toMatchObject({ name: "ServerError" });
    await expect(client.webhooks.listWebhookApps(undefined)).resolves.toMatchObject({
      data: [],
      has_more: false,
    });
    const journal = (await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as {
      requests: { method: string; path: string; status: number }[];
    };
    expect(journal.requests.map((r) => [r.method, r.path, r.status])).toStrictEqual([
      ["GET", "/webhooks/apps", 503],
      ["GET", "/webhooks/apps", 200],
    ]);
  });
});

describe("emulator persistence", () => {
  it("keeps data and resumes a pending delivery after a restart on a file database", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wacht-emu-"));
    const db = path.join(dir, "emulator.db");
    const receiver = await startReceiver();
    try {
      let emulator = await startEmulator({ db, apiKey: "sk_restart", allowPrivateUrls: true });
      let client = new WachtClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
      await client.webhooks.createWebhookEventCatalog(CATALOG);
      await client.webhooks.createWebhookApp({
        name: "Shop",
        app_slug: "shop",
        event_catalog_slug: "billing",
      });
      await client.webhooks.createWebhookEndpoint("shop", {
        url: receiver.url,
        subscriptions: [{ event_name: "invoice.paid" }],
      });
      receiver.statuses.push({ status: 503, headers: { "retry-after": "1" } });
      await client.webhooks.triggerWebhook("shop", { event_name: "invoice.paid", payload: {} });
      await waitFor(() => receiver.received[0]);
      await emulator.close();

      emulator = await startEmulator({ db, apiKey: "sk_restart", allowPrivateUrls: true });
      client = new WachtClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
      await expect(client.webhooks.getWebhookApp("shop")).resolves.toMatchObject({ app_slug: "shop" });
      await waitFor(() => receiver.received[1]);
      expect(receiver.received[1]?.headers["webhook-id"]).toBe(receiver.received[0]?.headers["webhook-id"]);
      await emulator.close();
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
