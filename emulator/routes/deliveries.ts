import { type Context, queryDate, queryI32, queryI64, queryString, type Route } from "../context";
import {
  APP_NOT_FOUND,
  badRequest,
  INVALID_DELIVERY_ID,
  internalError,
  invalidPayload,
  notFound,
  PENDING_DELIVERY_NOT_FOUND,
  REPLAY_ALREADY_QUEUED,
  REPLAY_CANCEL_REQUESTED,
  REPLAY_END_BEFORE_START,
  REPLAY_INVALID_ENDPOINT,
  REPLAY_INVALID_STATUS,
  REPLAY_QUEUED,
  REPLAY_RANGE_TOO_LONG,
  REPLAY_TASK_NOT_FOUND,
  REPLAY_TOO_MANY_IDS,
  REPLAY_TOO_MANY_TASKS,
} from "../errors";
import { formatNullable, formatTimestamp, parseI64, parseTimestamp } from "../ids";
import { enqueueDelivery } from "../queue";
import {
  type AppRow,
  DELIVERY_COLUMNS,
  type DeliveryRow,
  LOG_COLUMNS,
  type LogRow,
  type ReplayTaskRow,
} from "../store";
import { decodeObject, evaluateFilter, isObject, optValue, reqString, reqValue } from "../validation";
import { pageWindow, paginated, requireApp } from "./shared";

interface SubscribedEndpoint {
  id: string;
  url: string;
  max_retries: number;
  filter_rules: string;
}

function trigger(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const body = decodeObject(ctx.json());
  reqString(body, "app_slug"); // required by the DTO, value ignored
  const eventName = reqString(body, "event_name");
  const payload = reqValue(body, "payload");
  optValue(body, "filter_context"); // accepted, never used by Wacht

  const app = ctx.store.get<AppRow>(
    "SELECT * FROM webhook_apps WHERE deployment_id = ? AND app_slug = ? AND is_active = 1",
    ctx.deploymentId,
    slug,
  );
  if (!app) throw notFound(APP_NOT_FOUND);
  // The event name is not checked against the catalog: unknown events just match nothing (spec §3.4).
  const endpoints = ctx.store.all<SubscribedEndpoint>(
    `SELECT CAST(e.id AS TEXT) AS id, e.url, e.max_retries, s.filter_rules FROM webhook_endpoints e
     JOIN webhook_endpoint_subscriptions s ON s.endpoint_id = e.id
     WHERE e.deployment_id = ? AND e.app_slug = ? AND e.is_active = 1 AND s.event_name = ?
     ORDER BY e.created_at, e.id`,
    ctx.deploymentId,
    slug,
    eventName,
  );
  const deliveryIds: string[] = [];
  let filtered = 0;
  const now = ctx.now();
  ctx.store.tx(() => {
    for (const endpoint of endpoints) {
      if (!evaluateFilter(JSON.parse(endpoint.filter_rules), payload)) {
        filtered++;
        continue;
      }
      deliveryIds.push(
        enqueueDelivery(
          ctx.store,
          {
            deploymentId: ctx.deploymentId,
            appSlug: slug,
            endpointId: endpoint.id,
            endpointUrl: endpoint.url,
            eventName,
            payload,
            filterRules: endpoint.filter_rules,
            maxAttempts: endpoint.max_retries,
          },
          now,
        ),
      );
    }
  });
  if (deliveryIds.length > 0) ctx.kick();
  return { delivery_ids: deliveryIds, filtered_count: filtered, delivered_count: deliveryIds.length };
}

function deliveryJson(row: LogRow): Record<string, unknown> {
  return {
    delivery_id: row.delivery_id,
    deployment_id: row.deployment_id,
    app_slug: row.app_slug,
    endpoint_id: row.endpoint_id,
    event_name: row.event_name,
    status: row.status,
    http_status_code: row.http_status_code,
    response_time_ms: row.response_time_ms,
    attempt_number: row.attempt_number,
    max_attempts: row.max_attempts,
    timestamp: formatTimestamp(row.timestamp),
  };
}

function listDeliveries(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const limit = queryI32(ctx.query, "limit") ?? 100;
  const offset = queryI32(ctx.query, "offset") ?? 0;
  const status = queryString(ctx.query, "status") ?? null;
  const eventName = queryString(ctx.query, "event_name") ?? null;
  // Parsed (so a bad value is a 400) but ignored, as in Wacht (spec §3.5).
  queryI64(ctx.query, "endpoint_id");
  queryDate(ctx.query, "since");
  queryDate(ctx.query, "until");
  const window = pageWindow(limit, offset);
  const rows = ctx.store.all<LogRow>(
    `SELECT ${LOG_COLUMNS} FROM webhook_logs
     WHERE seq IN (SELECT MAX(seq) FROM webhook_logs WHERE deployment_id = ? AND app_slug = ? GROUP BY delivery_id)
     AND (? IS NULL OR status = ?) AND (? IS NULL OR event_name = ?)
     ORDER BY timestamp DESC, delivery_id DESC LIMIT ? OFFSET ?`,
    ctx.deploymentId,
    slug,
    status,
    status,
    eventName,
    eventName,
    window.fetch,
    window.offset,
  );
  return paginated(rows.map(deliveryJson), limit, offset);
}

function parseJsonText(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function getDelivery(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const status = queryString(ctx.query, "status");
  requireApp(ctx, slug);
  const id = parseI64(ctx.params.delivery_id!);
  if (id === undefined) throw badRequest(INVALID_DELIVERY_ID);
  if (status === "pending") {
    // Read from the active queue; the delivery's app is not checked (spec §3.5).
    const row = ctx.store.get<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM active_webhook_deliveries WHERE deployment_id = ? AND id = ?`,
      ctx.deploymentId,
      id,
    );
    if (!row) throw notFound(PENDING_DELIVERY_NOT_FOUND);
    return {
      delivery_id: row.id,
      deployment_id: row.deployment_id,
      app_slug: row.app_slug,
      endpoint_id: row.endpoint_id,
      event_name: row.event_name,
      status: "pending",
      http_status_code: null,
      response_time_ms: null,
      attempt_number: row.attempts,
      max_attempts: row.max_attempts,
      timestamp: formatTimestamp(row.created_at),
      payload: parseJsonText(row.payload),
      response_body: null,
      response_headers: null,
    };
  }
  const row = ctx.store.get<LogRow>(
    `SELECT ${LOG_COLUMNS} FROM webhook_logs WHERE deployment_id = ? AND delivery_id = ? ORDER BY seq DESC LIMIT 1`,
    ctx.deploymentId,
    id,
  );
  // ClickHouse `fetch_one` on no row is an Internal error in Wacht → 500.
  if (!row) throw internalError();
  return {
    ...deliveryJson(row),
    payload: parseJsonText(row.payload),
    response_body: row.response_body,
    response_headers: null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Replay (spec §3.6). Tasks live in SQLite (Wacht: Redis, 24 h TTL) and run in the delivery worker.
// ---------------------------------------------------------------------------------------------------

const MAX_REPLAY_IDS = 500;
const MAX_REPLAY_RANGE_MICROS = 48 * 3600 * 1_000_000;
const MAX_ACTIVE_REPLAYS = 3;
const IDEMPOTENCY_WINDOW_MICROS = 30 * 60 * 1_000_000;
const TASK_TTL_MICROS = 24 * 3600 * 1_000_000;
const REPLAY_STATUSES = ["success", "failed", "permanently_failed", "filtered"];

type ReplayRequest =
  | { kind: "ids"; delivery_ids: string[]; idempotency_key: string | undefined }
  | {
      kind: "range";
      start: number;
      end: number | undefined;
      status: string | undefined;
      event_name: string | undefined;
      endpoint_id: string | undefined;
      idempotency_key: string | undefined;
    };

function optionalString(o: Record<string, unknown>, key: string): string | undefined | false {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : false;
}

/** serde `untagged`: the ids shape first, then the date-range shape; neither → 422. */
function decodeReplay(body: unknown): ReplayRequest {
  if (!isObject(body)) throw invalidPayload();
  const key = optionalString(body, "idempotency_key");
  if (key === false) throw invalidPayload();
  const ids = body.delivery_ids;
  if (Array.isArray(ids) && ids.every((i) => typeof i === "string")) {
    return { kind: "ids", delivery_ids: ids as string[], idempotency_key: key };
  }
  const start = typeof body.start_date === "string" ? parseTimestamp(body.start_date) : undefined;
  if (start === undefined) throw invalidPayload();
  let end: number | undefined;
  if (body.end_date !== undefined && body.end_date !== null) {
    end = typeof body.end_date === "string" ? parseTimestamp(body.end_date) : undefined;
    if (end === undefined) throw invalidPayload();
  }
  const status = optionalString(body, "status");
  const eventName = optionalString(body, "event_name");
  const endpointId = optionalString(body, "endpoint_id");
  if (status === false || eventName === false || endpointId === false) throw invalidPayload();
  return {
    kind: "range",
    start,
    end,
    status,
    event_name: eventName,
    endpoint_id: endpointId,
    idempotency_key: key,
  };
}

function createReplay(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const request = decodeReplay(ctx.json());
  requireApp(ctx, slug);
  const nowUs = Date.now() * 1000;
  let stored: Record<string, unknown>;
  if (request.kind === "ids") {
    if (request.delivery_ids.length > MAX_REPLAY_IDS) throw badRequest(REPLAY_TOO_MANY_IDS);
    stored = { delivery_ids: request.delivery_ids };
  } else {
    const end = request.end ?? nowUs;
    if (end < request.start) throw badRequest(REPLAY_END_BEFORE_START);
    if (end - request.start > MAX_REPLAY_RANGE_MICROS) throw badRequest(REPLAY_RANGE_TOO_LONG);
    if (request.status !== undefined && !REPLAY_STATUSES.includes(request.status)) {
      throw badRequest(REPLAY_INVALID_STATUS);
    }
    if (request.endpoint_id !== undefined && parseI64(request.endpoint_id) === undefined) {
      throw badRequest(REPLAY_INVALID_ENDPOINT);
    }
    stored = {
      start: request.start,
      end,
      status: request.status,
      event_name: request.event_name,
      endpoint_id: request.endpoint_id === undefined ? undefined : String(parseI64(request.endpoint_id)),
    };
  }
  const idempotencyKey = request.idempotency_key?.trim() ?? "";
  if (idempotencyKey !== "") {
    const existing = ctx.store.get<{ task_id: string }>(
      `SELECT task_id FROM replay_tasks WHERE deployment_id = ? AND app_slug = ? AND idempotency_key = ?
       AND created_at > ? ORDER BY created_at DESC LIMIT 1`,
      ctx.deploymentId,
      slug,
      idempotencyKey,
      nowUs - IDEMPOTENCY_WINDOW_MICROS,
    );
    if (existing) return { status: "queued", message: REPLAY_ALREADY_QUEUED, task_id: existing.task_id };
  }
  const active = ctx.store.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM replay_tasks WHERE deployment_id = ? AND app_slug = ? AND status IN ('queued', 'running')",
    ctx.deploymentId,
    slug,
  );
  if ((active?.n ?? 0) >= MAX_ACTIVE_REPLAYS) throw badRequest(REPLAY_TOO_MANY_TASKS);

  let ms = Date.now();
  let taskId = `webhook-replay-batch-${ctx.deploymentId}-${ms}`;
  while (ctx.store.get("SELECT 1 FROM replay_tasks WHERE task_id = ?", taskId)) {
    ms++;
    taskId = `webhook-replay-batch-${ctx.deploymentId}-${ms}`;
  }
  ctx.store.run(
    `INSERT INTO replay_tasks (task_id, deployment_id, app_slug, status, request, idempotency_key, created_at,
     total_count) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)`,
    taskId,
    ctx.deploymentId,
    slug,
    JSON.stringify(stored),
    idempotencyKey,
    nowUs,
    request.kind === "ids" ? request.delivery_ids.length : 0,
  );
  ctx.kick();
  return { status: "queued", message: REPLAY_QUEUED, task_id: taskId };
}

function taskJson(row: ReplayTaskRow): Record<string, unknown> {
  return {
    task_id: row.task_id,
    app_slug: row.app_slug,
    status: row.status,
    created_at: formatNullable(row.created_at),
    started_at: formatNullable(row.started_at),
    completed_at: formatNullable(row.completed_at),
    total_count: row.total_count,
    processed: row.processed,
    replayed_count: row.replayed_count,
    failed_count: row.failed_count,
    last_delivery_id: row.last_delivery_id,
  };
}

function listReplays(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const limit = Math.min(100, Math.max(1, queryI32(ctx.query, "limit") ?? 20));
  const offset = Math.max(0, queryI32(ctx.query, "offset") ?? 0);
  const rows = ctx.store.all<ReplayTaskRow>(
    `SELECT * FROM replay_tasks WHERE deployment_id = ? AND app_slug = ? AND created_at > ?
     ORDER BY created_at DESC, task_id DESC LIMIT ? OFFSET ?`,
    ctx.deploymentId,
    slug,
    Date.now() * 1000 - TASK_TTL_MICROS,
    limit + 1,
    offset,
  );
  return { data: rows.slice(0, limit).map(taskJson), limit, offset, has_more: rows.length > limit };
}

function findTask(ctx: Context, slug: string, taskId: string): ReplayTaskRow {
  const task = ctx.store.get<ReplayTaskRow>(
    "SELECT * FROM replay_tasks WHERE deployment_id = ? AND app_slug = ? AND task_id = ? AND created_at > ?",
    ctx.deploymentId,
    slug,
    taskId,
    Date.now() * 1000 - TASK_TTL_MICROS,
  );
  if (!task) throw notFound(REPLAY_TASK_NOT_FOUND);
  return task;
}

function getReplay(ctx: Context): unknown {
  return taskJson(findTask(ctx, ctx.params.app_slug!, ctx.params.task_id!));
}

function cancelReplay(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  requireApp(ctx, slug);
  const task = findTask(ctx, slug, ctx.params.task_id!);
  if (task.status === "queued" || task.status === "running") {
    ctx.store.run(
      "UPDATE replay_tasks SET status = 'cancelled', cancel_requested = 1, completed_at = ? WHERE task_id = ?",
      Date.now() * 1000,
      task.task_id,
    );
  } else {
    ctx.store.run("UPDATE replay_tasks SET cancel_requested = 1 WHERE task_id = ?", task.task_id);
  }
  return { status: "cancelled", message: REPLAY_CANCEL_REQUESTED };
}

/** Spec §3.4–3.6. */
export const deliveryRoutes: Route[] = [
  { method: "POST", path: "/webhooks/apps/:app_slug/trigger", handler: trigger },
  { method: "GET", path: "/webhooks/apps/:app_slug/deliveries", handler: listDeliveries },
  { method: "GET", path: "/webhooks/apps/:app_slug/deliveries/:delivery_id", handler: getDelivery },
  { method: "POST", path: "/webhooks/apps/:app_slug/deliveries/replay", handler: createReplay },
  { method: "GET", path: "/webhooks/apps/:app_slug/deliveries/replay", handler: listReplays },
  { method: "GET", path: "/webhooks/apps/:app_slug/deliveries/replay/:task_id", handler: getReplay },
  {
    method: "POST",
    path: "/webhooks/apps/:app_slug/deliveries/replay/:task_id/cancel",
    handler: cancelReplay,
  },
];
