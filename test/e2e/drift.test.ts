import http from "node:http";
import type { AddressInfo } from "node:net";
import { WachtClient } from "@wacht/backend";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { steps, testStack } from "../support/pulumi";

const catalog = {
  name: "events",
  args: {
    slug: "drift-events",
    name: "Drift events",
    events: [
      { name: "order.created", description: "An order was created" },
      { name: "order.shipped", description: "An order was shipped" },
    ],
  },
};

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local receiver that records deliveries and answers 204. */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(req.url?.startsWith("/gone") ? 410 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("drift, refresh, rotation and adoption through the real CLI", () => {
  let emulator: RunningEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: WachtClient;
  let api: (method: string, path: string, body?: unknown) => Promise<unknown>;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:", allowPrivateUrls: true, timeScale: 0.001 });
    receiver = await startReceiver();
    client = new WachtClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    api = async (method, path, body) => {
      const response = await fetch(`${emulator.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response.json();
    };
  });

  afterAll(async () => {
    await receiver.close();
    await emulator.close();
  });

  const env = () => ({
    WACHT_API_URL: emulator.url,
    WACHT_API_KEY: emulator.apiKey,
    WACHT_ALLOW_PRIVATE_URLS: "true",
  });

  describe("out-of-band edits and deletions", () => {
    let stack: ReturnType<typeof testStack>;
    const spec = () => ({
      catalogs: [catalog],
      apps: [
        { name: "shop", catalog: "events", args: { name: "Shop", slug: "shop" } },
        { name: "other", catalog: "events", args: { name: "Other", slug: "other" } },
      ],
      endpoints: [
        {
          name: "orders",
          app: "shop",
          args: {
            url: "https://hooks.example.com/orders",
            description: "Orders",
            events: ["order.created"],
            headers: { "X-Token": "token-1" },
          },
        },
        {
          name: "shipping",
          app: "shop",
          args: { url: "https://hooks.example.com/shipping", events: ["order.shipped"] },
        },
        {
          name: "other-hook",
          app: "other",
          args: { url: "https://hooks.example.com/other", events: ["order.created"] },
        },
      ],
    });
    let ids: Record<string, string>;

    beforeAll(async () => {
      stack = testStack({ program: ".build/test/e2e/programs/webhooks.js", stack: "drift", env: env() });
      const up = await stack.up({ "e2e:spec": spec() });
      expect(up.error).toBeUndefined();
      ids = up.outputs.endpointIds as Record<string, string>;
    });

    afterAll(async () => {
      await stack.destroy({ "e2e:spec": spec() });
      stack.cleanup();
    });

    it("shows an endpoint edited through the API as an update, reverts it with up --refresh, then is clean", async () => {
      await api("PATCH", `/webhooks/apps/shop/endpoints/${ids.orders}`, {
        url: "https://elsewhere.example.com/hijacked",
        description: "edited in the dashboard",
        headers: { "X-Token": "token-2", "X-Extra": "1" },
        subscriptions: [{ event_name: "order.shipped" }],
      });

      const drift = await stack.preview({ "e2e:spec": spec() }, ["--refresh", "--expect-no-changes"]);
      expect(drift.ok).toBe(false);
      expect(drift.exitCode).toBe(7);
      const pre = drift.events.filter((e) => e.phase === "pre" && e.op === "update");
      expect(pre.map((e) => [e.name, e.changedInputs])).toStrictEqual([
        ["orders", ["description", "events", "headers", "url"]],
      ]);

      const repair = await stack.up({ "e2e:spec": spec() }, ["--refresh"]);
      expect(repair.error).toBeUndefined();
      expect(steps(repair).filter(([, op]) => op !== "same" && op !== "refresh")).toStrictEqual([
        ["orders", "update"],
      ]);
      const live = (await api("GET", "/webhooks/apps/shop/endpoints")) as {
        data: Array<{
          id: string;
          url: string;
          description: string;
          headers: unknown;
          subscriptions: unknown;
        }>;
      };
      const orders = live.data.find((e) => e.id === ids.orders);
      expect(orders).toMatchObject({
        url: "https://hooks.example.com/orders",
        description: "Orders",
        headers: { "X-Token": "token-1" },
        subscriptions: [{ event_name: "order.created", filter_rules: {} }],
      });

      const clean = await stack.preview({ "e2e:spec": spec() }, ["--refresh", "--expect-no-changes"]);
      expect(clean.error).toBeUndefined();
      expect(clean.ok).toBe(true);
    });

    it("drops an endpoint and an app deleted through the API on refresh, and recreates them on up", async () => {
      await api("DELETE", `/webhooks/apps/shop/endpoints/${ids.shipping}`);
      await api("DELETE", "/webhooks/apps/other");

      const refresh = await stack.refresh({ "e2e:spec": spec() });
      expect(refresh.error).toBeUndefined();
      expect(refresh.summary).toStrictEqual({ delete: 3, same: 4 });

      const up = await stack.up({ "e2e:spec": spec() });
      expect(up.error).toBeUndefined();
      expect(up.summary).toStrictEqual({ create: 3, same: 4 });
      const recreated = up.outputs.endpointIds as Record<string, string>;
      expect(recreated.orders).toBe(ids.orders);
      expect(recreated.shipping).not.toBe(ids.shipping);
      expect(((await api("GET", "/webhooks/apps/other")) as { app_slug: string }).app_slug).toBe("other");

      const clean = await stack.preview({ "e2e:spec": spec() }, ["--refresh", "--expect-no-changes"]);
      expect(clean.error).toBeUndefined();
    });
  });

  describe("secret rotation", () => {
    let stack: ReturnType<typeof testStack>;
    const spec = (rotationTrigger?: string) => ({
      catalogs: [catalog],
      apps: [
        {
          name: "payments",
          catalog: "events",
          args: { name: "Payments", slug: "payments", ...(rotationTrigger ? { rotationTrigger } : {}) },
        },
      ],
      endpoints: [
        {
          name: "receiver",
          app: "payments",
          args: { url: `${receiver.url}/hook`, events: ["order.created"] },
        },
      ],
    });

    beforeAll(() => {
      stack = testStack({ program: ".build/test/e2e/programs/webhooks.js", stack: "rotation", env: env() });
    });

    afterAll(async () => {
      await stack.destroy({ "e2e:spec": spec() });
      stack.cleanup();
    });

    it("rotates in place when the trigger changes, keeps the previous secret, and deliveries verify with the new one", async () => {
      const first = await stack.up({ "e2e:spec": spec("2026-11-01") }, ["--show-secrets"]);
      expect(first.error).toBeUndefined();
      const oldSecret = (first.outputs.secrets as Record<string, string>).payments!;
      const endpointIds = first.outputs.endpointIds;

      const rotated = await stack.up({ "e2e:spec": spec("2026-12-01") }, ["--show-secrets"]);
      expect(rotated.error).toBeUndefined();
      expect(rotated.summary).toStrictEqual({ same: 3, update: 1 });
      const newSecret = (rotated.outputs.secrets as Record<string, string>).payments!;
      expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(newSecret).not.toBe(oldSecret);
      expect(rotated.outputs.previousSecrets).toStrictEqual({ payments: oldSecret });
      expect(rotated.outputs.endpointIds).toStrictEqual(endpointIds);
      expect(
        ((await api("GET", "/webhooks/apps/payments")) as { signing_secret: string }).signing_secret,
      ).toBe(newSecret);

      await client.webhooks.triggerWebhook("payments", {
        event_name: "order.created",
        payload: { id: "o_1" },
      } as never);
      const delivery = await waitFor(() => receiver.received.find((r) => r.body.includes("o_1")));
      const headers = {
        "webhook-id": String(delivery.headers["webhook-id"]),
        "webhook-timestamp": String(delivery.headers["webhook-timestamp"]),
        "webhook-signature": String(delivery.headers["webhook-signature"]),
      };
      expect(new Webhook(newSecret).verify(delivery.body, headers)).toStrictEqual({
        type: "order.created",
        timestamp: expect.any(String),
        data: { id: "o_1" },
      });
      expect(() => new Webhook(oldSecret).verify(delivery.body, headers)).toThrow(
        "No matching signature found",
      );

      const clean = await stack.preview({ "e2e:spec": spec("2026-12-01") }, [
        "--refresh",
        "--expect-no-changes",
      ]);
      expect(clean.error).toBeUndefined();
    });

    it("takes a secret rotated outside Pulumi into state on refresh, with a warning", async () => {
      const rotatedOutside = (await api("POST", "/webhooks/apps/payments/rotate-secret")) as {
        signing_secret: string;
      };
      const refresh = await stack.refresh({ "e2e:spec": spec("2026-12-01") }, ["--show-secrets"]);
      expect(refresh.error).toBeUndefined();
      // A refresh counts what the provider's diff reports against the program: the secret is no input.
      expect(refresh.summary).toStrictEqual({ same: 4 });
      expect(refresh.stdout).toContain(
        "WebhookApp \"payments\": the signing secret of app 'payments' was rotated outside Pulumi; state now holds the new secret",
      );
      // refresh does not run the program; the next up reads the refreshed state, changing nothing.
      const up = await stack.up({ "e2e:spec": spec("2026-12-01") }, ["--show-secrets"]);
      expect(up.summary).toStrictEqual({ same: 4 });
      expect((up.outputs.secrets as Record<string, string>).payments).toBe(rotatedOutside.signing_secret);
      expect(
        ((await api("GET", "/webhooks/apps/payments")) as { signing_secret: string }).signing_secret,
      ).toBe(rotatedOutside.signing_secret);
      const clean = await stack.preview({ "e2e:spec": spec("2026-12-01") }, [
        "--refresh",
        "--expect-no-changes",
      ]);
      expect(clean.error).toBeUndefined();
    });
  });

  describe("endpoint health", () => {
    let stack: ReturnType<typeof testStack>;
    const spec = (reactivate: boolean) => ({
      catalogs: [catalog],
      apps: [{ name: "health", catalog: "events", args: { name: "Health", slug: "health" } }],
      endpoints: [
        {
          name: "gone",
          app: "health",
          args: { url: `${receiver.url}/gone`, events: ["order.created"], reactivate },
        },
      ],
    });

    beforeAll(() => {
      stack = testStack({ program: ".build/test/e2e/programs/webhooks.js", stack: "health", env: env() });
    });

    afterAll(async () => {
      await stack.destroy({ "e2e:spec": spec(false) });
      stack.cleanup();
    });

    it("reports an endpoint Wacht disabled without drift, and reactivates it only when asked", async () => {
      const up = await stack.up({ "e2e:spec": spec(false) });
      expect(up.error).toBeUndefined();
      const id = (up.outputs.endpointIds as Record<string, string>).gone!;
      await client.webhooks.triggerWebhook("health", {
        event_name: "order.created",
        payload: { id: "o_410" },
      } as never);
      const listed = async () =>
        (
          (await api("GET", "/webhooks/apps/health/endpoints?include_inactive=true")) as {
            data: Array<{ id: string; is_active: boolean }>;
          }
        ).data.find((e) => e.id === id);
      const started = Date.now();
      while ((await listed())?.is_active !== false) {
        if (Date.now() - started > 10_000)
          throw new Error("Wacht did not deactivate the endpoint after a 410");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      const drift = await stack.preview({ "e2e:spec": spec(false) }, ["--refresh", "--expect-no-changes"]);
      expect(drift.error).toBeUndefined();
      expect(drift.stdout).toMatch(/~ autoDisabled\s*: false => true/);
      expect(drift.stdout).toMatch(/~ isActive\s*: true => false/);
      const reported = await stack.up({ "e2e:spec": spec(false) }, ["--refresh"]);
      expect(reported.summary).toStrictEqual({ same: 4 });
      expect(reported.stdout).toContain(
        `WebhookEndpoint "gone": endpoint ${id} of app 'health' was disabled outside Pulumi (by Wacht after failed deliveries, or by hand). Set reactivate: true to turn it back on at the next deploy.`,
      );
      expect(reported.outputs.endpointActive).toStrictEqual({ gone: false });

      const reactivated = await stack.up({ "e2e:spec": spec(true) });
      expect(reactivated.error).toBeUndefined();
      expect(steps(reactivated).filter(([, op]) => op !== "same")).toStrictEqual([["gone", "update"]]);
      expect(reactivated.outputs.endpointActive).toStrictEqual({ gone: true });
      expect((await listed())?.is_active).toBe(true);
      const clean = await stack.preview({ "e2e:spec": spec(true) }, ["--refresh", "--expect-no-changes"]);
      expect(clean.error).toBeUndefined();
    });
  });

  describe("adoption", () => {
    let stack: ReturnType<typeof testStack>;

    afterAll(async () => {
      stack.cleanup();
    });

    it("adopts a catalog, an app and an endpoint created through the SDK without touching the secret", async () => {
      await client.webhooks.createWebhookEventCatalog({
        slug: "legacy-events",
        name: "Legacy events",
        events: [{ name: "user.created", description: "A user signed up" }],
      });
      const app = (await client.webhooks.createWebhookApp({
        app_slug: "legacy",
        name: "Legacy (old name)",
        event_catalog_slug: "legacy-events",
      })) as { signing_secret: string };
      const endpoint = (await client.webhooks.createWebhookEndpoint("legacy", {
        url: "https://hooks.example.com/legacy",
        subscriptions: [{ event_name: "user.created" }],
      } as never)) as { id: string };

      const spec = {
        catalogs: [
          {
            name: "legacy-events",
            args: {
              slug: "legacy-events",
              name: "Legacy events",
              events: [{ name: "user.created", description: "A user signed up" }],
              adopt: true,
            },
          },
        ],
        apps: [
          { name: "legacy", catalog: "legacy-events", args: { name: "Legacy", slug: "legacy", adopt: true } },
        ],
        endpoints: [
          {
            name: "legacy-hook",
            app: "legacy",
            args: { url: "https://hooks.example.com/legacy", events: ["user.created"], adopt: true },
          },
        ],
      };
      stack = testStack({ program: ".build/test/e2e/programs/webhooks.js", stack: "adopt", env: env() });
      const up = await stack.up({ "e2e:spec": spec }, ["--show-secrets"]);
      expect(up.error).toBeUndefined();
      expect(up.summary).toStrictEqual({ create: 4 });
      expect(up.outputs.secrets).toStrictEqual({ legacy: app.signing_secret });
      expect(up.outputs.endpointIds).toStrictEqual({ "legacy-hook": endpoint.id });
      const live = (await api("GET", "/webhooks/apps/legacy")) as { name: string; signing_secret: string };
      expect(live).toMatchObject({ name: "Legacy", signing_secret: app.signing_secret });
      const endpoints = (await api("GET", "/webhooks/apps/legacy/endpoints")) as { data: unknown[] };
      expect(endpoints.data).toHaveLength(1);

      const clean = await stack.preview({ "e2e:spec": spec }, ["--refresh", "--expect-no-changes"]);
      expect(clean.error).toBeUndefined();
    });

    it("refuses to create over an existing app without adopt, saying how to adopt it", async () => {
      await client.webhooks.createWebhookApp({ app_slug: "taken", name: "Taken" });
      const taken = testStack({
        program: ".build/test/e2e/programs/webhooks.js",
        stack: "taken",
        env: env(),
      });
      try {
        const up = await taken.up({
          "e2e:spec": { apps: [{ name: "taken", args: { name: "Taken", slug: "taken" } }] },
        });
        expect(up.ok).toBe(false);
        expect(up.stdout).toContain(
          `WebhookApp "taken" create failed: App 'taken' already exists in Wacht.\n    To manage it with Pulumi without rotating its secret, set adopt: true on this resource.`,
        );
      } finally {
        taken.cleanup();
      }
    });
  });
});
