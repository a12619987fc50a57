// State and pending deliveries survive a stop and a start on the same file database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../../emulator/index";
import {
  type Emulator,
  launch,
  newApiKey,
  type Receiver,
  rawRequest,
  seedApp,
  signatureHeaders,
  startReceiver,
  waitFor,
} from "./harness";

let dir: string;
let receiver: Receiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wacht-emulator-restart-"));
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(db: string): Promise<Emulator> {
  return launch({ db, allowPrivateUrls: true, timeScale: 0.001 });
}

describe("restarting on a file database", () => {
  it("keeps catalogs, apps, secrets and endpoints with their subscriptions", async () => {
    const db = join(dir, "state.sqlite");
    const first = await open(db);
    let snapshot: unknown[];
    try {
      await seedApp(first, "kept");
      await first.api("POST", "/webhooks/apps/kept/endpoints", {
        app_slug: "kept",
        url: `${receiver.url}/kept`,
        headers: { "X-Kept": "yes" },
        max_retries: 7,
        subscriptions: [{ event_name: "invoice.paid", filter_rules: { amount: { $gt: 1 } } }],
      });
      await first.api("PATCH", "/webhooks/apps/kept", { description: "Survives" });
      snapshot = await Promise.all(
        [
          "/webhooks/apps?include_inactive=true",
          "/webhooks/apps/kept",
          "/webhooks/apps/kept/endpoints?include_inactive=true",
          "/webhooks/event-catalogs",
          "/webhooks/apps/kept/catalog",
        ].map(async (path) => (await first.api("GET", path)).body),
      );
    } finally {
      await first.close();
    }

    const second = await open(db);
    try {
      const after = await Promise.all(
        [
          "/webhooks/apps?include_inactive=true",
          "/webhooks/apps/kept",
          "/webhooks/apps/kept/endpoints?include_inactive=true",
          "/webhooks/event-catalogs",
          "/webhooks/apps/kept/catalog",
        ].map(async (path) => (await second.api("GET", path)).body),
      );
      expect(after).toStrictEqual(snapshot);
      expect(after[1]).toMatchObject({ app_slug: "kept", description: "Survives" });
    } finally {
      await second.close();
    }
  });

  it("accepts a different API key on the same database and serves the same data", async () => {
    const db = join(dir, "keys.sqlite");
    const first = await open(db);
    await first.api("POST", "/webhooks/apps", { app_slug: "keyed", name: "Keyed" });
    const app = (await first.api("GET", "/webhooks/apps/keyed")).body;
    await first.close();
    const apiKey = newApiKey();
    const second = await startEmulator({ port: 0, apiKey, db, allowPrivateUrls: true, timeScale: 0.001 });
    try {
      expect(await rawRequest(second.url, apiKey, "GET", "/webhooks/apps/keyed")).toStrictEqual({
        status: 200,
        body: app,
      });
    } finally {
      await second.close();
    }
  });

  it("delivers after the restart a delivery that was waiting for a retry", async () => {
    const db = join(dir, "pending.sqlite");
    let answered = 0;
    receiver.reply = (request) => {
      if (request.path !== "/pending") return { status: 200 };
      answered += 1;
      // 1000 s at time scale 0.001: the retry is due one second later, after the restart
      return answered === 1 ? { status: 503, headers: { "Retry-After": "1000" } } : { status: 200 };
    };
    const first = await open(db);
    let deliveryId: string;
    let secret: string;
    try {
      await seedApp(first, "pending");
      secret = ((await first.api("GET", "/webhooks/apps/pending")).body as { signing_secret: string })
        .signing_secret;
      await first.api("POST", "/webhooks/apps/pending/endpoints", {
        app_slug: "pending",
        url: `${receiver.url}/pending`,
        subscriptions: [{ event_name: "invoice.paid" }],
      });
      const triggered = await first.api("POST", "/webhooks/apps/pending/trigger", {
        app_slug: "pending",
        event_name: "invoice.paid",
        payload: { id: "inv_restart" },
      });
      deliveryId = (triggered.body as { delivery_ids: string[] }).delivery_ids[0] ?? "";
      await waitFor("the first attempt", () => receiver.on("/pending")[0]);
    } finally {
      await first.close();
    }
    expect(receiver.on("/pending")).toHaveLength(1);

    const second = await open(db);
    try {
      const retry = await waitFor("the retry after the restart", () => receiver.on("/pending")[1], 15_000);
      expect(retry.headers["webhook-id"]).toBe(`msg_${deliveryId}`);
      expect(signatureHeaders(retry)["webhook-timestamp"]).toBe(
        signatureHeaders(receiver.on("/pending")[0] as never)["webhook-timestamp"],
      );
      expect(new Webhook(secret).verify(retry.body, signatureHeaders(retry))).toMatchObject({
        type: "invoice.paid",
        data: { id: "inv_restart" },
      });
      await waitFor("the delivery to be recorded as a success", async () => {
        const list = await second.api("GET", "/webhooks/apps/pending/deliveries");
        const found = (list.body as { data: { delivery_id: string; status: string }[] }).data.find(
          (d) => d.delivery_id === deliveryId,
        );
        return found?.status === "success" ? found : undefined;
      });
    } finally {
      await second.close();
    }
  });

  it("delivers after the restart a delivery queued just before the stop", async () => {
    const db = join(dir, "queued.sqlite");
    receiver.reply = () => ({ status: 200 });
    const first = await open(db);
    await seedApp(first, "queued");
    await first.api("POST", "/webhooks/apps/queued/endpoints", {
      app_slug: "queued",
      url: `${receiver.url}/queued`,
      subscriptions: [{ event_name: "invoice.paid" }],
    });
    // close while the trigger may still be in flight: the delivery is either sent now or after the restart
    const triggered = await first.api("POST", "/webhooks/apps/queued/trigger", {
      app_slug: "queued",
      event_name: "invoice.paid",
      payload: { id: "inv_queued" },
    });
    await first.close();
    const deliveryId = (triggered.body as { delivery_ids: string[] }).delivery_ids[0];

    const second = await open(db);
    try {
      // at least once: a stop during the HTTP call may legitimately lead to a second attempt
      const request = await waitFor("the delivery", () => receiver.on("/queued")[0], 15_000);
      expect(request.headers["webhook-id"]).toBe(`msg_${deliveryId}`);
      await waitFor("the delivery to be recorded as a success", async () => {
        const list = await second.api("GET", "/webhooks/apps/queued/deliveries");
        const found = (list.body as { data: { delivery_id: string; status: string }[] }).data.find(
          (d) => d.delivery_id === deliveryId,
        );
        return found?.status === "success" ? found : undefined;
      });
    } finally {
      await second.close();
    }
  });
});
