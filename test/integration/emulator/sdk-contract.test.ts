// Every webhooks call of the real @wacht/backend client against the emulator, as ordered steps on one
// app, asserting exact shapes (spec §2, §3, §5). Deliveries land on a local receiver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  caught,
  type Emulator,
  ID,
  launch,
  type Receiver,
  RFC3339_UTC,
  SECRET,
  startReceiver,
  TIMESTAMP,
  type WachtClient,
  waitFor,
} from "./harness";

let emulator: Emulator;
let receiver: Receiver;
let sdk: WachtClient;

// The bound client appends itself as the last argument, so a call that omits an optional `options`
// argument puts the client in its place and fails with "Wacht SDK client not initialized". Every call
// below therefore passes its options, `{}` when there are none.

beforeAll(async () => {
  emulator = await launch({ allowPrivateUrls: true });
  receiver = await startReceiver();
  sdk = emulator.client;
});

afterAll(async () => {
  await emulator?.close();
  await receiver?.close();
});

const EVENTS = [
  {
    name: "invoice.paid",
    description: "An invoice was paid",
    schema: { type: "object", properties: { amount: { type: "number" } } },
  },
  { name: "invoice.voided", description: "An invoice was voided" },
];

function storedEvent(event: Record<string, unknown>) {
  return { group: null, schema: null, example_payload: null, is_archived: false, ...event };
}

describe("the webhooks client, step by step", () => {
  // state carried from step to step, as a provider would
  let deploymentId: string;
  let secret: string;
  let endpointId: string;
  let endpointCreatedAt: string;
  let deliveryId: string;
  let taskId: string;
  const hookPath = "/contract/primary";

  it("createWebhookEventCatalog returns the stored catalog", async () => {
    const catalog = await sdk.webhooks.createWebhookEventCatalog({
      slug: "billing-events",
      name: "Billing events",
      events: EVENTS,
    });
    deploymentId = catalog.deployment_id;
    expect(catalog).toStrictEqual({
      deployment_id: expect.stringMatching(ID),
      slug: "billing-events",
      name: "Billing events",
      description: null,
      events: EVENTS.map(storedEvent),
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: expect.stringMatching(TIMESTAMP),
    });
  });

  it("listWebhookEventCatalogs returns every catalog without limit, offset or total", async () => {
    const list = await sdk.webhooks.listWebhookEventCatalogs({ limit: 1, offset: 5 });
    expect(list).toStrictEqual({
      data: [await sdk.webhooks.getWebhookEventCatalog("billing-events")],
      has_more: false,
    });
  });

  it("updateWebhookEventCatalog changes name and description only", async () => {
    const catalog = await sdk.webhooks.updateWebhookEventCatalog("billing-events", {
      description: "Invoices",
    });
    expect(catalog).toMatchObject({
      slug: "billing-events",
      name: "Billing events",
      description: "Invoices",
    });
    expect(catalog.events).toStrictEqual(EVENTS.map(storedEvent));
  });

  it("appendWebhookEventCatalogEvents adds events at the end", async () => {
    const catalog = await sdk.webhooks.appendWebhookEventCatalogEvents("billing-events", {
      events: [{ name: "invoice.legacy", description: "Old event" }],
    });
    expect(catalog.events.map((event) => event.name)).toStrictEqual([
      "invoice.paid",
      "invoice.voided",
      "invoice.legacy",
    ]);
  });

  it("archiveWebhookEventInCatalog archives one event", async () => {
    const catalog = await sdk.webhooks.archiveWebhookEventInCatalog("billing-events", {
      event_name: "invoice.legacy",
      is_archived: true,
    });
    expect(catalog.events[2]).toStrictEqual(
      storedEvent({ name: "invoice.legacy", description: "Old event", is_archived: true }),
    );
  });

  it("getWebhookEventCatalog rejects an unknown slug with a NotFoundError", async () => {
    expect(await caught(sdk.webhooks.getWebhookEventCatalog("nope"))).toStrictEqual({
      name: "NotFoundError",
      message: "An error occurred",
      statusCode: 404,
    });
  });

  it("createWebhookApp normalises the slug and returns the full app", async () => {
    const app = await sdk.webhooks.createWebhookApp({
      app_slug: "Billing-Webhooks",
      name: "Billing",
      event_catalog_slug: "billing-events",
    });
    secret = app.signing_secret;
    expect(app).toStrictEqual({
      deployment_id: deploymentId,
      app_slug: "billing_webhooks",
      name: "Billing",
      description: null,
      signing_secret: expect.stringMatching(SECRET),
      failure_notification_emails: [],
      event_catalog_slug: "billing-events",
      is_active: true,
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: app.created_at,
    });
  });

  it("createWebhookApp rejects a duplicate with a ConflictError", async () => {
    expect(
      await caught(sdk.webhooks.createWebhookApp({ app_slug: "billing_webhooks", name: "Again" })),
    ).toStrictEqual({ name: "ConflictError", message: "An error occurred", statusCode: 409 });
  });

  it("listWebhookApps returns a page without total", async () => {
    const list = await sdk.webhooks.listWebhookApps({});
    expect(list).toStrictEqual({
      data: [await sdk.webhooks.getWebhookApp("billing_webhooks")],
      has_more: false,
      limit: 50,
      offset: 0,
    });
    expect(await sdk.webhooks.listWebhookApps({ limit: 1, offset: 1, include_inactive: true })).toStrictEqual(
      {
        data: [],
        has_more: false,
        limit: 1,
        offset: 1,
      },
    );
  });

  it("getWebhookApp returns the app with its secret in full", async () => {
    expect(await sdk.webhooks.getWebhookApp("billing_webhooks")).toMatchObject({
      app_slug: "billing_webhooks",
      signing_secret: secret,
    });
    expect(await caught(sdk.webhooks.getWebhookApp("Billing-Webhooks"))).toStrictEqual({
      name: "NotFoundError",
      message: "An error occurred",
      statusCode: 404,
    });
  });

  it("updateWebhookApp changes the given fields and keeps the others", async () => {
    const app = await sdk.webhooks.updateWebhookApp("billing_webhooks", {
      description: "Invoices and payments",
      failure_notification_emails: ["ops@example.com"],
    });
    expect(app).toMatchObject({
      app_slug: "billing_webhooks",
      name: "Billing",
      description: "Invoices and payments",
      failure_notification_emails: ["ops@example.com"],
      event_catalog_slug: "billing-events",
      signing_secret: secret,
      is_active: true,
    });
  });

  it("rotateWebhookSecret returns the app with a new secret", async () => {
    const app = await sdk.webhooks.rotateWebhookSecret("billing_webhooks");
    expect(app.signing_secret).toMatch(SECRET);
    expect(app.signing_secret).not.toBe(secret);
    secret = app.signing_secret;
    expect(await sdk.webhooks.getWebhookApp("billing_webhooks")).toMatchObject({ signing_secret: secret });
  });

  it("listWebhookEvents returns the catalog's events, archived ones included", async () => {
    const events = await sdk.webhooks.listWebhookEvents("billing_webhooks");
    expect(events).toStrictEqual([
      {
        deployment_id: deploymentId,
        app_slug: "billing_webhooks",
        event_name: "invoice.paid",
        description: "An invoice was paid",
        schema: EVENTS[0]?.schema,
        created_at: expect.stringMatching(TIMESTAMP),
      },
      {
        deployment_id: deploymentId,
        app_slug: "billing_webhooks",
        event_name: "invoice.voided",
        description: "An invoice was voided",
        schema: null,
        created_at: expect.stringMatching(TIMESTAMP),
      },
      {
        deployment_id: deploymentId,
        app_slug: "billing_webhooks",
        event_name: "invoice.legacy",
        description: "Old event",
        schema: null,
        created_at: expect.stringMatching(TIMESTAMP),
      },
    ]);
  });

  it("getWebhookCatalog returns the app's catalog", async () => {
    expect(await sdk.webhooks.getWebhookCatalog("billing_webhooks")).toStrictEqual(
      await sdk.webhooks.getWebhookEventCatalog("billing-events"),
    );
  });

  it("createWebhookEndpoint returns the endpoint with defaults and without subscriptions", async () => {
    const endpoint = await sdk.webhooks.createWebhookEndpoint("billing_webhooks", {
      url: `${receiver.url}${hookPath}`,
      subscriptions: [{ event_name: "invoice.paid", filter_rules: { amount: { $gt: 100 } } }],
    });
    endpointId = endpoint.id;
    endpointCreatedAt = endpoint.created_at;
    expect(endpoint).toStrictEqual({
      id: expect.stringMatching(ID),
      deployment_id: deploymentId,
      app_slug: "billing_webhooks",
      url: `${receiver.url}${hookPath}`,
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
    });
  });

  it("createWebhookEndpoint rejects an archived event with a ValidationError", async () => {
    expect(
      await caught(
        sdk.webhooks.createWebhookEndpoint("billing_webhooks", {
          url: `${receiver.url}/contract/never`,
          subscriptions: [{ event_name: "invoice.legacy" }],
        }),
      ),
    ).toStrictEqual({ name: "ValidationError", message: "An error occurred", statusCode: 400 });
  });

  it("updateWebhookEndpoint changes fields in place and returns no subscriptions", async () => {
    const endpoint = await sdk.webhooks.updateWebhookEndpoint("billing_webhooks", endpointId, {
      description: "Primary receiver",
      headers: { "X-Tenant": "acme" },
      max_retries: 3,
      subscriptions: [
        { event_name: "invoice.voided" },
        { event_name: "invoice.paid", filter_rules: { amount: { $gt: 100 } } },
      ],
    });
    expect(endpoint).toStrictEqual({
      id: endpointId,
      deployment_id: deploymentId,
      app_slug: "billing_webhooks",
      url: `${receiver.url}${hookPath}`,
      description: "Primary receiver",
      headers: { "X-Tenant": "acme" },
      is_active: true,
      max_retries: 3,
      timeout_seconds: 30,
      failure_count: 0,
      last_failure_at: null,
      auto_disabled: false,
      auto_disabled_at: null,
      rate_limit_config: null,
      created_at: endpointCreatedAt,
      updated_at: expect.stringMatching(TIMESTAMP),
    });
  });

  it("listWebhookEndpoints returns the endpoint with its subscriptions sorted by event name", async () => {
    const list = await sdk.webhooks.listWebhookEndpoints("billing_webhooks", {});
    expect(list).toStrictEqual({
      data: [
        {
          id: endpointId,
          deployment_id: deploymentId,
          app_slug: "billing_webhooks",
          url: `${receiver.url}${hookPath}`,
          description: "Primary receiver",
          headers: { "X-Tenant": "acme" },
          is_active: true,
          max_retries: 3,
          timeout_seconds: 30,
          failure_count: 0,
          last_failure_at: null,
          auto_disabled: false,
          auto_disabled_at: null,
          rate_limit_config: null,
          created_at: endpointCreatedAt,
          updated_at: expect.stringMatching(TIMESTAMP),
          subscriptions: [
            { event_name: "invoice.paid", filter_rules: { amount: { $gt: 100 } } },
            { event_name: "invoice.voided", filter_rules: {} },
          ],
        },
      ],
      has_more: false,
      limit: 100,
      offset: 0,
    });
  });

  it("triggerWebhook queues one delivery per matching endpoint and counts the filtered ones", async () => {
    const filtered = await sdk.webhooks.triggerWebhook("billing_webhooks", {
      event_name: "invoice.paid",
      payload: { amount: 50 },
    });
    expect(filtered).toStrictEqual({ delivery_ids: [], filtered_count: 1, delivered_count: 0 });

    const queued = await sdk.webhooks.triggerWebhook("billing_webhooks", {
      event_name: "invoice.paid",
      payload: { id: "inv_1", amount: 150 },
      filter_context: { ignored: true },
    });
    expect(queued).toStrictEqual({
      delivery_ids: [expect.stringMatching(ID)],
      filtered_count: 0,
      delivered_count: 1,
    });
    deliveryId = String(queued.delivery_ids[0]);
    const request = await waitFor("the delivery", () => receiver.on(hookPath)[0]);
    expect(request.headers["webhook-id"]).toBe(`msg_${deliveryId}`);
    expect(JSON.parse(request.body)).toMatchObject({
      type: "invoice.paid",
      data: { id: "inv_1", amount: 150 },
    });
  });

  it("listWebhookDeliveries reports the delivery as a success", async () => {
    const list = await waitFor("a successful delivery", async () => {
      const page = await sdk.webhooks.listWebhookDeliveries("billing_webhooks", {});
      return page.data[0]?.status === "success" ? page : undefined;
    });
    expect(list).toStrictEqual({
      data: [
        {
          delivery_id: deliveryId,
          deployment_id: deploymentId,
          app_slug: "billing_webhooks",
          endpoint_id: endpointId,
          event_name: "invoice.paid",
          status: "success",
          http_status_code: 200,
          response_time_ms: expect.any(Number),
          attempt_number: expect.any(Number),
          max_attempts: 3,
          timestamp: expect.stringMatching(TIMESTAMP),
        },
      ],
      has_more: false,
      limit: 100,
      offset: 0,
    });
    expect(await sdk.webhooks.listWebhookDeliveries("billing_webhooks", { status: "failed" })).toStrictEqual({
      data: [],
      has_more: false,
      limit: 100,
      offset: 0,
    });
  });

  it("getWebhookDelivery returns the delivery with the envelope that was sent", async () => {
    const request = receiver.on(hookPath)[0];
    const details = await sdk.webhooks.getWebhookDelivery("billing_webhooks", deliveryId, {});
    expect(details).toStrictEqual({
      delivery_id: deliveryId,
      deployment_id: deploymentId,
      app_slug: "billing_webhooks",
      endpoint_id: endpointId,
      event_name: "invoice.paid",
      status: "success",
      http_status_code: 200,
      response_time_ms: expect.any(Number),
      attempt_number: expect.any(Number),
      max_attempts: 3,
      payload: JSON.parse(request?.body ?? "null"),
      response_body: expect.toBeOneOf([null, "ok"]),
      response_headers: null,
      timestamp: expect.stringMatching(TIMESTAMP),
    });
  });

  it("getWebhookStats counts the delivery", async () => {
    expect(await sdk.webhooks.getWebhookStats("billing_webhooks")).toStrictEqual({
      total_deliveries: 1,
      success_rate: 100,
      active_endpoints: 1,
      failed_deliveries_24h: 0,
    });
  });

  it("getWebhookAnalytics summarises the delivery with string endpoint ids", async () => {
    const analytics = await sdk.webhooks.getWebhookAnalytics("billing_webhooks", {});
    expect(analytics).toStrictEqual({
      total_events: 1,
      total_deliveries: 1,
      successful_deliveries: 1,
      failed_deliveries: 0,
      filtered_deliveries: 0,
      avg_response_time_ms: expect.any(Number),
      p50_response_time_ms: expect.any(Number),
      p95_response_time_ms: expect.any(Number),
      p99_response_time_ms: expect.any(Number),
      success_rate: 100,
      top_events: [{ event_name: "invoice.paid", count: 1 }],
      endpoint_performance: [
        {
          endpoint_id: endpointId,
          endpoint_url: `${receiver.url}${hookPath}`,
          total_attempts: 1,
          successful_attempts: 1,
          failed_attempts: 0,
          avg_response_time_ms: expect.any(Number),
          success_rate: 100,
        },
      ],
      failure_reasons: [],
    });
  });

  it("getWebhookTimeseries returns daily buckets by default", async () => {
    const series = await sdk.webhooks.getWebhookTimeseries("billing_webhooks", {});
    expect(series.interval).toBe("day");
    expect(Object.keys(series).sort()).toStrictEqual(["data", "interval"]);
    expect(series.data.filter((bucket) => bucket.total_deliveries > 0)).toStrictEqual([
      {
        timestamp: expect.any(String),
        total_events: 1,
        total_deliveries: 1,
        successful_deliveries: 1,
        failed_deliveries: 0,
        filtered_deliveries: 0,
        avg_response_time_ms: expect.any(Number),
        success_rate: 100,
      },
    ]);
    expect((await sdk.webhooks.getWebhookTimeseries("billing_webhooks", { interval: "hour" })).interval).toBe(
      "hour",
    );
  });

  it("testWebhookEndpoint answers at once with the constant initiated body and sends test.webhook", async () => {
    const response = await sdk.webhooks.testWebhookEndpoint("billing_webhooks", endpointId, {
      event_name: "invoice.paid",
    });
    expect(response).toStrictEqual({
      success: true,
      status_code: 202,
      response_time_ms: 0,
      response_body: "Test webhook initiated. Check delivery history for results.",
      error: null,
    });
    const request = await waitFor("the test delivery", () => receiver.on(hookPath)[1]);
    const envelope = JSON.parse(request.body);
    expect(envelope).toStrictEqual({
      type: "test.webhook",
      timestamp: expect.stringMatching(TIMESTAMP),
      data: { test: true, event: "invoice.paid", timestamp: expect.stringMatching(RFC3339_UTC) },
    });
  });

  it("replayWebhookDelivery queues a replay task that resends the delivery under a new webhook-id", async () => {
    const before = receiver.on(hookPath).length;
    const response = await sdk.webhooks.replayWebhookDelivery("billing_webhooks", deliveryId, {});
    expect(response).toStrictEqual({
      status: "queued",
      message: "Webhook deliveries queued for replay",
      task_id: expect.stringMatching(new RegExp(`^webhook-replay-batch-${deploymentId}-\\d+$`)),
    });
    taskId = String(response.task_id);
    const replayed = await waitFor("the replayed delivery", () => receiver.on(hookPath)[before]);
    const original = receiver.on(hookPath)[0];
    expect(replayed.headers["webhook-id"]).toMatch(/^msg_[1-9][0-9]*$/);
    expect(replayed.headers["webhook-id"]).not.toBe(`msg_${deliveryId}`);
    expect(JSON.parse(replayed.body).data).toStrictEqual(JSON.parse(original?.body ?? "null").data);
  });

  it("getWebhookReplayTaskStatus reports the finished task", async () => {
    const status = await waitFor("the replay task to complete", async () => {
      const task = await sdk.webhooks.getWebhookReplayTaskStatus("billing_webhooks", taskId);
      return task.status === "completed" ? task : undefined;
    });
    expect(status).toStrictEqual({
      task_id: taskId,
      app_slug: "billing_webhooks",
      status: "completed",
      created_at: expect.stringMatching(TIMESTAMP),
      started_at: expect.stringMatching(TIMESTAMP),
      completed_at: expect.stringMatching(TIMESTAMP),
      total_count: 1,
      processed: 1,
      replayed_count: 1,
      failed_count: 0,
      last_delivery_id: expect.stringMatching(ID),
    });
  });

  it("listWebhookReplayTasks lists the task", async () => {
    const list = await sdk.webhooks.listWebhookReplayTasks("billing_webhooks", {});
    expect(list).toStrictEqual({
      data: [await sdk.webhooks.getWebhookReplayTaskStatus("billing_webhooks", taskId)],
      limit: 20,
      offset: 0,
      has_more: false,
    });
  });

  it("replayWebhookDeliveries accepts a date range and an idempotency key, once", async () => {
    const request = {
      start_date: new Date(Date.now() - 60 * 60 * 1000).toISOString(),
      end_date: new Date(Date.now() + 60 * 1000).toISOString(),
      status: "success",
      idempotency_key: "contract-range",
    };
    const first = await sdk.webhooks.replayWebhookDeliveries("billing_webhooks", request);
    expect(first).toStrictEqual({
      status: "queued",
      message: "Webhook deliveries queued for replay",
      task_id: expect.stringMatching(/^webhook-replay-batch-/),
    });
    expect(await sdk.webhooks.replayWebhookDeliveries("billing_webhooks", request)).toStrictEqual({
      status: "queued",
      message: "Replay already queued for this idempotency key",
      task_id: first.task_id,
    });
  });

  it("cancelWebhookReplayTask acknowledges the cancellation", async () => {
    expect(await sdk.webhooks.cancelWebhookReplayTask("billing_webhooks", taskId)).toStrictEqual({
      status: "cancelled",
      message: "Replay task cancellation requested",
    });
  });

  it("reactivateWebhookEndpoint re-enables a disabled endpoint", async () => {
    await sdk.webhooks.updateWebhookEndpoint("billing_webhooks", endpointId, { is_active: false });
    expect((await sdk.webhooks.listWebhookEndpoints("billing_webhooks", {})).data).toStrictEqual([]);
    expect(await sdk.webhooks.reactivateWebhookEndpoint(endpointId)).toStrictEqual({
      success: true,
      message: `Endpoint ${receiver.url}${hookPath} reactivated successfully`,
    });
    expect((await sdk.webhooks.listWebhookEndpoints("billing_webhooks", {})).data[0]).toMatchObject({
      id: endpointId,
      is_active: true,
    });
  });

  it("testWebhookEndpoint without a request is rejected with 415", async () => {
    const call = sdk.webhooks.testWebhookEndpoint(
      "billing_webhooks",
      endpointId,
      undefined as unknown as { event_name: string },
    );
    expect(await caught(call)).toStrictEqual({
      name: "WachtError",
      message: "An error occurred",
      statusCode: 415,
    });
  });

  it("deleteWebhookEndpoint resolves to {}", async () => {
    expect(await sdk.webhooks.deleteWebhookEndpoint("billing_webhooks", endpointId)).toStrictEqual({});
    expect(
      await sdk.webhooks.listWebhookEndpoints("billing_webhooks", { include_inactive: true }),
    ).toStrictEqual({
      data: [],
      has_more: false,
      limit: 100,
      offset: 0,
    });
  });

  it("deleteWebhookApp resolves to {} and the app is gone", async () => {
    expect(await sdk.webhooks.deleteWebhookApp("billing_webhooks")).toStrictEqual({});
    expect(await caught(sdk.webhooks.getWebhookApp("billing_webhooks"))).toStrictEqual({
      name: "NotFoundError",
      message: "An error occurred",
      statusCode: 404,
    });
  });

  it("the stats of an unknown app are zeros", async () => {
    expect(await sdk.webhooks.getWebhookStats("never_existed")).toStrictEqual({
      total_deliveries: 0,
      success_rate: 0,
      active_endpoints: 0,
      failed_deliveries_24h: 0,
    });
  });
});
