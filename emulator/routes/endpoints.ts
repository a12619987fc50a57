import { type Context, pathI64, queryBool, queryI32, type Route } from "../context";
import { ENDPOINT_NOT_FOUND, endpointReactivated, invalidPayload, notFound, TEST_INITIATED } from "../errors";
import { formatTimestamp, nextId, nowMicros } from "../ids";
import { enqueueDelivery, insertEndpointEvent } from "../queue";
import { ENDPOINT_COLUMNS, type EndpointRow, endpointJson, toJsonb } from "../store";
import {
  decodeObject,
  decodeSubscriptions,
  optBool,
  optI32,
  optRateLimit,
  optString,
  optValue,
  reqString,
  type SubscriptionInput,
  validateMaxRetries,
  validateSubscriptions,
  validateWebhookUrl,
} from "../validation";
import { appEvents, findEndpoint, pageWindow, paginated, requireOwnedEndpoint } from "./shared";

/** Default `max_retries`: the attempts that fit in Wacht's 7-day retry window (spec §3.3). */
const DEFAULT_MAX_RETRIES = 32;
const DEFAULT_TIMEOUT_SECONDS = 30;

function listEndpoints(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const limit = queryI32(ctx.query, "limit") ?? 100;
  const offset = queryI32(ctx.query, "offset") ?? 0;
  const includeInactive = queryBool(ctx.query, "include_inactive") ?? false;
  const window = pageWindow(limit, offset);
  // No app-existence check: an unknown app lists as empty (spec §3.3).
  const rows = ctx.store.all<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE deployment_id = ? AND app_slug = ?
     AND (? = 1 OR is_active = 1) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    ctx.deploymentId,
    slug,
    includeInactive ? 1 : 0,
    window.fetch,
    window.offset,
  );
  const data = rows.map((row) => ({
    ...endpointJson(row),
    subscriptions: ctx.store
      .all<{ event_name: string; filter_rules: string }>(
        "SELECT event_name, filter_rules FROM webhook_endpoint_subscriptions WHERE endpoint_id = ? ORDER BY event_name",
        BigInt(row.id),
      )
      .map((s) => ({ event_name: s.event_name, filter_rules: JSON.parse(s.filter_rules) })),
  }));
  return paginated(data, limit, offset);
}

function insertSubscriptions(
  ctx: Context,
  endpointId: bigint,
  appSlug: string,
  subs: SubscriptionInput[],
): void {
  const now = nowMicros();
  for (const sub of subs) {
    // Stored untrimmed as sent; absent/null rules become `{}` (spec §4.2). Duplicates hit the PK → 409.
    ctx.store.run(
      `INSERT INTO webhook_endpoint_subscriptions (endpoint_id, deployment_id, app_slug, event_name,
       filter_rules, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      endpointId,
      ctx.deploymentId,
      appSlug,
      sub.event_name,
      toJsonb(sub.filter_rules ?? {}),
      now,
    );
  }
}

function loadEndpoint(ctx: Context, id: bigint): EndpointRow {
  const row = findEndpoint(ctx, id);
  if (!row) throw notFound(ENDPOINT_NOT_FOUND);
  return row;
}

function createEndpoint(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const body = decodeObject(ctx.json());
  reqString(body, "app_slug"); // required by the DTO, then replaced by the path value
  const url = reqString(body, "url");
  if (!("subscriptions" in body)) throw invalidPayload();
  const subs = decodeSubscriptions(body.subscriptions);
  const description = optString(body, "description") ?? null;
  const headers = optValue(body, "headers") ?? {};
  const maxRetries = optI32(body, "max_retries");
  const timeout = optI32(body, "timeout_seconds") ?? DEFAULT_TIMEOUT_SECONDS;
  const rateLimit = optRateLimit(body, "rate_limit_config");

  validateWebhookUrl(url, ctx.allowPrivateUrls);
  validateSubscriptions(subs, slug, () => appEvents(ctx, slug));
  validateMaxRetries(maxRetries);

  const id = nextId();
  const now = nowMicros();
  ctx.store.tx(() => {
    ctx.store.run(
      `INSERT INTO webhook_endpoints (id, deployment_id, app_slug, url, description, headers, is_active,
       max_retries, timeout_seconds, rate_limit_config, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
      id,
      ctx.deploymentId,
      slug,
      url,
      description,
      toJsonb(headers),
      maxRetries ?? DEFAULT_MAX_RETRIES,
      timeout,
      rateLimit === undefined ? null : JSON.stringify(rateLimit),
      now,
      now,
    );
    insertSubscriptions(ctx, id, slug, subs);
  });
  return endpointJson(loadEndpoint(ctx, id));
}

function updateEndpoint(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const id = pathI64(ctx, "endpoint_id");
  const body = decodeObject(ctx.json());
  const url = optString(body, "url");
  const description = optString(body, "description") ?? null;
  const headers = optValue(body, "headers");
  const maxRetries = optI32(body, "max_retries");
  const timeout = optI32(body, "timeout_seconds") ?? null;
  const isActive = optBool(body, "is_active");
  const subs =
    body.subscriptions === undefined || body.subscriptions === null
      ? undefined
      : decodeSubscriptions(body.subscriptions);
  const rateLimit = optRateLimit(body, "rate_limit_config");

  requireOwnedEndpoint(ctx, slug, id);
  if (url !== undefined) validateWebhookUrl(url, ctx.allowPrivateUrls);
  validateMaxRetries(maxRetries);

  ctx.store.tx(() => {
    ctx.store.run(
      `UPDATE webhook_endpoints SET url = COALESCE(?, url), description = COALESCE(?, description),
       headers = COALESCE(?, headers), is_active = COALESCE(?, is_active), max_retries = COALESCE(?, max_retries),
       timeout_seconds = COALESCE(?, timeout_seconds), rate_limit_config = COALESCE(?, rate_limit_config),
       updated_at = ? WHERE deployment_id = ? AND id = ?`,
      url ?? null,
      description,
      headers === undefined ? null : toJsonb(headers),
      isActive === undefined ? null : isActive ? 1 : 0,
      maxRetries ?? null,
      timeout,
      rateLimit === undefined ? null : JSON.stringify(rateLimit),
      nowMicros(),
      ctx.deploymentId,
      id,
    );
    if (subs !== undefined) {
      // Replace-all; a validation failure here rolls back the column update too (spec §3.3 step 5).
      validateSubscriptions(subs, slug, () => appEvents(ctx, slug));
      ctx.store.run("DELETE FROM webhook_endpoint_subscriptions WHERE endpoint_id = ?", id);
      insertSubscriptions(ctx, id, slug, subs);
    }
  });
  return endpointJson(loadEndpoint(ctx, id));
}

function deleteEndpoint(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const id = pathI64(ctx, "endpoint_id");
  requireOwnedEndpoint(ctx, slug, id);
  ctx.store.run("DELETE FROM webhook_endpoints WHERE deployment_id = ? AND id = ?", ctx.deploymentId, id);
  return {};
}

/** The event name Wacht queues for every test delivery, whatever the request says (spec §3.3). */
const TEST_EVENT = "test.webhook";

function testEndpoint(ctx: Context): unknown {
  // `{app_slug}` is ignored by Wacht: any endpoint of the deployment can be tested.
  const id = pathI64(ctx, "endpoint_id");
  const body = decodeObject(ctx.json());
  const eventName = reqString(body, "event_name");
  const payload = optValue(body, "payload") ?? {
    test: true,
    event: eventName,
    timestamp: formatTimestamp(nowMicros()),
  };
  const endpoint = loadEndpoint(ctx, id);
  const rules = ctx.store.get<{ filter_rules: string }>(
    "SELECT filter_rules FROM webhook_endpoint_subscriptions WHERE endpoint_id = ? AND event_name = ?",
    id,
    TEST_EVENT,
  );
  ctx.store.tx(() =>
    enqueueDelivery(
      ctx.store,
      {
        deploymentId: ctx.deploymentId,
        appSlug: endpoint.app_slug,
        endpointId: endpoint.id,
        endpointUrl: endpoint.url,
        eventName: TEST_EVENT,
        payload,
        filterRules: rules?.filter_rules ?? null,
        maxAttempts: 1,
      },
      ctx.now(),
    ),
  );
  ctx.kick();
  return { success: true, status_code: 202, response_time_ms: 0, response_body: TEST_INITIATED, error: null };
}

function reactivateEndpoint(ctx: Context): unknown {
  const id = pathI64(ctx, "endpoint_id");
  const endpoint = loadEndpoint(ctx, id);
  const now = nowMicros();
  ctx.store.tx(() => {
    // Wacht leaves auto_disabled / failure_count alone and clears the Redis failure counter.
    ctx.store.run("UPDATE webhook_endpoints SET is_active = 1, updated_at = ? WHERE id = ?", now, id);
    ctx.store.run("DELETE FROM endpoint_failures WHERE endpoint_id = ?", id);
    insertEndpointEvent(
      ctx.store,
      {
        deployment_id: ctx.deploymentId,
        app_slug: endpoint.app_slug,
        endpoint_id: endpoint.id,
        url: endpoint.url,
      },
      "reactivated",
      now,
    );
  });
  return { success: true, message: endpointReactivated(endpoint.url) };
}

/** Spec §3.3. */
export const endpointRoutes: Route[] = [
  { method: "GET", path: "/webhooks/apps/:app_slug/endpoints", handler: listEndpoints },
  { method: "POST", path: "/webhooks/apps/:app_slug/endpoints", handler: createEndpoint },
  { method: "PATCH", path: "/webhooks/apps/:app_slug/endpoints/:endpoint_id", handler: updateEndpoint },
  { method: "DELETE", path: "/webhooks/apps/:app_slug/endpoints/:endpoint_id", handler: deleteEndpoint },
  { method: "POST", path: "/webhooks/apps/:app_slug/endpoints/:endpoint_id/test", handler: testEndpoint },
  { method: "POST", path: "/webhooks/endpoints/:endpoint_id/reactivate", handler: reactivateEndpoint },
];
