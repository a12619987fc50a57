import { type Context, queryDate, queryI64, queryString, type Route } from "../context";
import { badRequest } from "../errors";
import { formatTimestamp } from "../ids";
import { LOG_COLUMNS, type LogRow } from "../store";

/**
 * Stats, analytics and timeseries (spec §3.7), computed from `webhook_logs` the way Wacht's ClickHouse
 * queries aggregate its log table. No app-existence check: unknown apps report zeros.
 */
const DAY_MICROS = 24 * 3600 * 1_000_000;
const ATTEMPT_STATUSES = new Set(["success", "failed", "permanently_failed", "endpoint_disabled"]);
const FAILED_STATUSES = new Set(["failed", "permanently_failed", "endpoint_disabled"]);
const LOG_ONLY_STATUSES = ["reactivated", "deactivated"];

function logsBetween(ctx: Context, slug: string, from: number, to: number, endpointId?: bigint): LogRow[] {
  return ctx.store.all<LogRow>(
    `SELECT ${LOG_COLUMNS} FROM webhook_logs WHERE deployment_id = ? AND app_slug = ? AND timestamp >= ?
     AND timestamp <= ? AND status NOT IN (${LOG_ONLY_STATUSES.map(() => "?").join(", ")})
     AND (? IS NULL OR endpoint_id = ?) ORDER BY seq`,
    ctx.deploymentId,
    slug,
    from,
    to,
    ...LOG_ONLY_STATUSES,
    endpointId ?? null,
    endpointId ?? null,
  );
}

/** Latest row per delivery. */
function latestByDelivery(rows: LogRow[]): Map<string, LogRow> {
  const latest = new Map<string, LogRow>();
  for (const row of rows) latest.set(row.delivery_id, row);
  return latest;
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : (part / whole) * 100);

function average(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function stats(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const now = Date.now() * 1000;
  const latest = latestByDelivery(logsBetween(ctx, slug, now - 30 * DAY_MICROS, now));
  let successes = 0;
  let failed24h = 0;
  for (const row of latest.values()) {
    if (row.status === "success") successes++;
    if (FAILED_STATUSES.has(row.status) && row.timestamp >= now - DAY_MICROS) failed24h++;
  }
  const active = ctx.store.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE deployment_id = ? AND app_slug = ? AND is_active = 1",
    ctx.deploymentId,
    slug,
  );
  return {
    total_deliveries: latest.size,
    success_rate: rate(successes, latest.size),
    active_endpoints: active?.n ?? 0,
    failed_deliveries_24h: failed24h,
  };
}

/** `start_date`/`end_date` apply only when both are given (spec §3.7). */
function window(ctx: Context, defaultDays: number): { from: number; to: number } {
  const start = queryDate(ctx.query, "start_date");
  const end = queryDate(ctx.query, "end_date");
  if (start !== undefined && end !== undefined) return { from: start, to: end };
  const now = Date.now() * 1000;
  return { from: now - defaultDays * DAY_MICROS, to: now };
}

function countBy<T>(items: T[], key: (item: T) => string): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
}

function analytics(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const endpointId = queryI64(ctx.query, "endpoint_id");
  queryString(ctx.query, "app_id");
  const { from, to } = window(ctx, 30);
  const rows = logsBetween(ctx, slug, from, to, endpointId);
  const attempts = rows.filter((r) => ATTEMPT_STATUSES.has(r.status));
  const successes = attempts.filter((r) => r.status === "success");
  const failures = attempts.filter((r) => FAILED_STATUSES.has(r.status));
  const times = attempts
    .map((r) => r.response_time_ms)
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
  const latest = latestByDelivery(rows);

  const byEndpoint = new Map<string, LogRow[]>();
  for (const row of attempts)
    byEndpoint.set(row.endpoint_id, [...(byEndpoint.get(row.endpoint_id) ?? []), row]);
  const endpointPerformance = [...byEndpoint.entries()].map(([id, list]) => {
    const ok = list.filter((r) => r.status === "success").length;
    return {
      endpoint_id: id,
      endpoint_url: list[list.length - 1]!.endpoint_url ?? "",
      total_attempts: list.length,
      successful_attempts: ok,
      failed_attempts: list.filter((r) => FAILED_STATUSES.has(r.status)).length,
      avg_response_time_ms: average(
        list.map((r) => r.response_time_ms).filter((t): t is number => t !== null),
      ),
      success_rate: rate(ok, list.length),
    };
  });

  return {
    total_events: latest.size,
    total_deliveries: attempts.length,
    successful_deliveries: successes.length,
    failed_deliveries: failures.length,
    filtered_deliveries: rows.filter((r) => r.status === "filtered").length,
    avg_response_time_ms: average(times),
    p50_response_time_ms: quantile(times, 0.5),
    p95_response_time_ms: quantile(times, 0.95),
    p99_response_time_ms: quantile(times, 0.99),
    success_rate: rate(successes.length, attempts.length),
    top_events: countBy([...latest.values()], (r) => r.event_name)
      .slice(0, 10)
      .map((e) => ({ event_name: e.name, count: e.count })),
    endpoint_performance: endpointPerformance,
    failure_reasons: countBy(failures, (r) => r.error_message ?? `HTTP ${r.http_status_code}`).map((f) => ({
      reason: f.name,
      count: f.count,
    })),
  };
}

const INTERVALS = ["minute", "hour", "day", "week", "month"] as const;
type Interval = (typeof INTERVALS)[number];

/** ClickHouse `toStartOf…` in UTC (weeks start on Sunday, as `toStartOfWeek` mode 0). */
function bucketStart(micros: number, interval: Interval): number {
  const d = new Date(Math.floor(micros / 1000));
  switch (interval) {
    case "minute":
      d.setUTCSeconds(0, 0);
      break;
    case "hour":
      d.setUTCMinutes(0, 0, 0);
      break;
    case "day":
      d.setUTCHours(0, 0, 0, 0);
      break;
    case "week":
      d.setUTCHours(0, 0, 0, 0);
      d.setUTCDate(d.getUTCDate() - d.getUTCDay());
      break;
    case "month":
      d.setUTCHours(0, 0, 0, 0);
      d.setUTCDate(1);
      break;
  }
  return d.getTime() * 1000;
}

function timeseries(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const raw = queryString(ctx.query, "interval") ?? "day";
  if (!(INTERVALS as readonly string[]).includes(raw)) throw badRequest();
  const interval = raw as Interval;
  const endpointId = queryI64(ctx.query, "endpoint_id");
  const { from, to } = window(ctx, 7);
  const buckets = new Map<number, LogRow[]>();
  for (const row of logsBetween(ctx, slug, from, to, endpointId)) {
    const start = bucketStart(row.timestamp, interval);
    const list = buckets.get(start);
    if (list) list.push(row);
    else buckets.set(start, [row]);
  }
  const data = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, rows]) => {
      const attempts = rows.filter((r) => ATTEMPT_STATUSES.has(r.status));
      const ok = attempts.filter((r) => r.status === "success").length;
      return {
        timestamp: formatTimestamp(start),
        total_events: new Set(rows.map((r) => r.delivery_id)).size,
        total_deliveries: attempts.length,
        successful_deliveries: ok,
        failed_deliveries: attempts.filter((r) => FAILED_STATUSES.has(r.status)).length,
        filtered_deliveries: rows.filter((r) => r.status === "filtered").length,
        avg_response_time_ms: average(
          attempts.map((r) => r.response_time_ms).filter((t): t is number => t !== null),
        ),
        success_rate: rate(ok, attempts.length),
      };
    });
  return { data, interval };
}

/** Spec §3.7. */
export const analyticsRoutes: Route[] = [
  { method: "GET", path: "/webhooks/apps/:app_slug/stats", handler: stats },
  { method: "GET", path: "/webhooks/apps/:app_slug/analytics", handler: analytics },
  { method: "GET", path: "/webhooks/apps/:app_slug/timeseries", handler: timeseries },
];
