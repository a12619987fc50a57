// The lookups against an in-process emulator: what they return once deliveries exist, which calls they
// make, and their errors. (The CLI runs them in a program in test/e2e/lookups.test.ts.)
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getWebhookAppStats,
  getWebhookEndpoints,
  getWebhookEventCatalog,
} from "../../provider/lookups/index";
import { calls, type ProviderBed, rejection, startBed } from "./provider/harness";

describe("lookups", () => {
  let bed: ProviderBed;
  let receiver: http.Server;
  let url: string;
  let endpointId: string;

  beforeAll(async () => {
    bed = await startBed({ allowPrivateUrls: true });
    receiver = http.createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await bed.api("POST", "/webhooks/event-catalogs", {
      slug: "stats-events",
      name: "Stats events",
      events: [
        { name: "invoice.paid", description: "Paid", schema: { type: "object", properties: { n: {} } } },
        { name: "invoice.voided", description: "Voided" },
      ],
    });
    await bed.api("POST", "/webhooks/apps", {
      app_slug: "stats",
      name: "Stats",
      event_catalog_slug: "stats-events",
    });
    const created = await bed.api("POST", "/webhooks/apps/stats/endpoints", {
      app_slug: "stats",
      url,
      headers: { "X-Token": "t0ken" },
      rate_limit_config: { duration_ms: 1000, max_requests: 10 },
      subscriptions: [{ event_name: "invoice.paid", filter_rules: { n: { $gte: 1 } } }],
    });
    endpointId = (created.body as { id: string }).id;
    await bed.api("POST", "/webhooks/apps/stats/trigger", {
      app_slug: "stats",
      event_name: "invoice.paid",
      payload: { n: 2 },
    });
    for (let i = 0; i < 200; i++) {
      const page = (await bed.api("GET", "/webhooks/apps/stats/deliveries")).body as {
        data: Array<{ status: string }>;
      };
      if (page.data[0]?.status === "success") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await bed.close();
  });

  it("reads an app's stats and analytics, in the provider's names, with GET calls only", async () => {
    await bed.clearJournal();
    expect(await getWebhookAppStats({ app: "stats" })).toStrictEqual({
      app: "stats",
      totalDeliveries: 1,
      successRate: 100,
      activeEndpoints: 1,
      failedDeliveries24h: 0,
      analytics: {
        totalEvents: 1,
        totalDeliveries: 1,
        successfulDeliveries: 1,
        failedDeliveries: 0,
        filteredDeliveries: 0,
        successRate: 100,
        avgResponseTimeMs: expect.any(Number),
        p50ResponseTimeMs: expect.any(Number),
        p95ResponseTimeMs: expect.any(Number),
        p99ResponseTimeMs: expect.any(Number),
        topEvents: [{ event: "invoice.paid", count: 1 }],
        endpoints: [
          {
            endpointId,
            url,
            totalAttempts: 1,
            successfulAttempts: 1,
            failedAttempts: 0,
            avgResponseTimeMs: expect.any(Number),
            successRate: 100,
          },
        ],
        failureReasons: [],
      },
    });
    expect(calls(await bed.journal())).toStrictEqual([
      "GET /webhooks/apps/stats 200",
      "GET /webhooks/apps/stats/stats 200",
      "GET /webhooks/apps/stats/analytics 200",
    ]);
  });

  it("lists endpoints with header names but never header values", async () => {
    const result = await getWebhookEndpoints({ app: "stats" });
    expect(result).toStrictEqual({
      app: "stats",
      endpoints: [
        {
          endpointId,
          url,
          description: "",
          events: ["invoice.paid"],
          subscriptions: [{ event: "invoice.paid", filter: { n: { $gte: 1 } } }],
          headerNames: ["X-Token"],
          maxRetries: 32,
          timeoutSeconds: 30,
          rateLimit: { durationMs: 1000, maxRequests: 10 },
          isActive: true,
          failureCount: 0,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      ],
    });
    expect(JSON.stringify(result)).not.toContain("t0ken");
  });

  it("fails with the lookup, the object, Wacht's answer and a hint when the object does not exist", async () => {
    expect(await rejection(getWebhookEventCatalog({ slug: "nope" }))).toBe(
      `getWebhookEventCatalog "nope" read failed: 404 Event catalog not found (GET /webhooks/event-catalogs/nope)\n` +
        "Wacht has no event catalog 'nope'. A lookup reads what exists when the program runs (also at preview): " +
        "create it first, or use the outputs of the resource that creates it in this program.",
    );
    // Wacht itself lists no endpoints (and reports zero stats) for an unknown app: the lookups read the app first.
    expect(await rejection(getWebhookEndpoints({ app: "nope" }))).toBe(
      `getWebhookEndpoints "nope" read failed: 404 Webhook app not found (GET /webhooks/apps/nope)\n` +
        "Wacht has no app 'nope'. A lookup reads what exists when the program runs (also at preview): " +
        "create it first, or use the outputs of the resource that creates it in this program.",
    );
  });

  it("refuses a window with only one end, before any call", async () => {
    await bed.clearJournal();
    expect(await rejection(getWebhookAppStats({ app: "stats", startDate: "2026-01-01T00:00:00Z" }))).toBe(
      "getWebhookAppStats: give both startDate and endDate, or neither (Wacht applies a window only when both are set).",
    );
    expect(await bed.journal()).toStrictEqual([]);
  });
});
