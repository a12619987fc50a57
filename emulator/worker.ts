import http from "node:http";
import https from "node:https";
import { nowMicros } from "./ids";
import { enqueueDelivery, insertEndpointEvent, insertLog } from "./queue";
import { signPayload } from "./signing";
import {
  DELIVERY_COLUMNS,
  type DeliveryRow,
  LOG_COLUMNS,
  type LogRow,
  type ReplayTaskRow,
  type Store,
} from "./store";
import { evaluateFilter, isObject, type RateLimitConfig } from "./validation";

/** Wacht's retry delays by attempt number: 30 s, 60 s, 5 min, 15 min, then 6 h (spec §4.8). */
export function retryDelaySeconds(attempt: number): number {
  if (attempt <= 1) return 30;
  if (attempt === 2) return 60;
  if (attempt === 3) return 300;
  if (attempt === 4) return 900;
  return 21600;
}

/** Exhausted deliveries within 24 h that deactivate an endpoint (spec §4.5). */
const AUTO_DISABLE_THRESHOLD = 10;
const FAILURE_COUNTER_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_CONCURRENT = 16;
const BATCH = 64;
const IDLE_POLL_MS = 1000;
const RESPONSE_BODY_LIMIT = 64 * 1024;
const REPLAY_STEP = 50;
const USER_AGENT = "Wacht-Webhook/1.0";

interface Target {
  url: string;
  headers: string;
  timeout_seconds: number;
  rate_limit_config: string | null;
  is_active: number;
  signing_secret: string;
}

interface Attempt {
  status: number | undefined;
  retryAfter: string | undefined;
  body: string | null;
  error: string | null;
  elapsedMs: number;
}

/** Parses `Retry-After`: integer seconds (at least 1) or an HTTP-date. */
function retryAfterSeconds(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.max(1, Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(1, Math.ceil((date - nowMs) / 1000));
}

/** One POST; never rejects (network errors and timeouts come back as `error`). */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (a: Omit<Attempt, "elapsedMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...a, elapsedMs: Math.round(performance.now() - started) });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ status: undefined, retryAfter: undefined, body: null, error: "invalid URL", elapsedMs: 0 });
      return;
    }
    const client = target.protocol === "https:" ? https : http;
    const req = client.request(target, { method: "POST", headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= RESPONSE_BODY_LIMIT) chunks.push(chunk);
      });
      res.on("end", () => {
        const retryAfter = res.headers["retry-after"];
        finish({
          status: res.statusCode,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          body: Buffer.concat(chunks).toString("utf8"),
          error: null,
        });
      });
      res.on("error", (err) =>
        finish({ status: undefined, retryAfter: undefined, body: null, error: err.message }),
      );
    });
    // reqwest's timeout covers the whole exchange; a non-positive value fails at once.
    const timer = setTimeout(
      () => {
        req.destroy(new Error("operation timed out"));
      },
      Math.max(0, timeoutMs),
    );
    req.on("error", (err) =>
      finish({ status: undefined, retryAfter: undefined, body: null, error: err.message }),
    );
    req.end(body);
  });
}

/**
 * The delivery worker (Wacht's NATS consumer, spec §4.8): polls due rows of the SQLite queue, so pending
 * deliveries resume after a restart. `timeScale` multiplies every delay it applies.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private generation = 0;
  private readonly inFlight = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly store: Store,
    private readonly timeScale: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Wakes the worker now (deliveries or replay tasks were queued). */
  kick(): void {
    if (!this.stopped) this.schedule(0);
  }

  /** Forgets in-flight work before the data is wiped (POST /_emulator/reset). */
  reset(): void {
    this.generation++;
    for (const job of this.inFlight.values()) job.abort.abort();
    this.inFlight.clear();
    this.windows.clear();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const jobs = [...this.inFlight.values()];
    for (const job of jobs) job.abort.abort();
    await Promise.allSettled(jobs.map((j) => j.promise));
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, delayMs));
  }

  private tick(): void {
    if (this.stopped) return;
    try {
      const replaysLeft = this.runReplayTasks();
      const now = Date.now();
      const due = this.store.all<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM active_webhook_deliveries WHERE next_retry_at <= ?
         ORDER BY next_retry_at, id LIMIT ?`,
        now,
        BATCH,
      );
      let waiting = false;
      for (const row of due) {
        if (this.inFlight.has(row.id)) continue;
        if (this.inFlight.size >= MAX_CONCURRENT) {
          waiting = true;
          break;
        }
        this.dispatch(row);
      }
      if (replaysLeft || due.length === BATCH) {
        this.schedule(0);
        return;
      }
      // Due rows still in flight (or over the concurrency cap) wake the worker when they finish.
      const next = this.store.get<{ at: number | null }>(
        "SELECT MIN(next_retry_at) AS at FROM active_webhook_deliveries WHERE next_retry_at > ?",
        now,
      );
      const wait = waiting || next?.at == null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, next.at - Date.now());
      this.schedule(Math.max(wait, 1));
    } catch (err) {
      if (!this.stopped) {
        console.error("wacht emulator: worker tick failed", err);
        this.schedule(IDLE_POLL_MS);
      }
    }
  }

  private dispatch(row: DeliveryRow): void {
    const abort = new AbortController();
    const generation = this.generation;
    const promise = this.deliver(row, abort.signal, generation)
      .catch((err: unknown) => console.error("wacht emulator: delivery failed", err))
      .finally(() => {
        if (this.inFlight.get(row.id)?.abort === abort) this.inFlight.delete(row.id);
        this.kick();
      });
    this.inFlight.set(row.id, { promise, abort });
  }

  private scaled(ms: number): number {
    return ms * this.timeScale;
  }

  /** Fixed-window throttle per endpoint; returns the ms to wait, or 0 when the request may go. */
  private throttle(endpointId: string, config: RateLimitConfig | null, now: number): number {
    if (!config || config.max_requests <= 0 || config.duration_ms <= 0) return 0;
    const windowMs = this.scaled(config.duration_ms);
    let window = this.windows.get(endpointId);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(endpointId, window);
    }
    if (window.count >= config.max_requests) return Math.max(1, window.start + windowMs - now);
    window.count++;
    return 0;
  }

  private async deliver(row: DeliveryRow, signal: AbortSignal, generation: number): Promise<void> {
    const store = this.store;
    const target = store.get<Target>(
      `SELECT e.url, e.headers, e.timeout_seconds, e.rate_limit_config, e.is_active, a.signing_secret
       FROM webhook_endpoints e JOIN webhook_apps a ON a.deployment_id = e.deployment_id AND a.app_slug = e.app_slug
       WHERE e.id = ?`,
      BigInt(row.endpoint_id),
    );
    const id = BigInt(row.id);
    if (!target) {
      store.run("DELETE FROM active_webhook_deliveries WHERE id = ?", id);
      return;
    }
    const base = {
      delivery_id: row.id,
      deployment_id: row.deployment_id,
      app_slug: row.app_slug,
      endpoint_id: row.endpoint_id,
      endpoint_url: target.url,
      event_name: row.event_name,
      max_attempts: row.max_attempts,
      event_payload: row.payload,
    };

    const payload: unknown = JSON.parse(row.payload);
    if (row.filter_rules !== null && !evaluateFilter(JSON.parse(row.filter_rules), payload)) {
      store.tx(() => {
        insertLog(store, {
          ...base,
          status: "filtered",
          http_status_code: null,
          response_time_ms: null,
          attempt_number: row.attempts,
          payload: row.payload,
          response_body: null,
          error_message: null,
          timestamp: nowMicros(),
        });
        store.run("DELETE FROM active_webhook_deliveries WHERE id = ?", id);
      });
      return;
    }

    const wait = this.throttle(
      row.endpoint_id,
      target.rate_limit_config === null ? null : (JSON.parse(target.rate_limit_config) as RateLimitConfig),
      Date.now(),
    );
    if (wait > 0) {
      // Over the endpoint's limit: delay without consuming an attempt (Wacht NAKs the message).
      store.run("UPDATE active_webhook_deliveries SET next_retry_at = ? WHERE id = ?", Date.now() + wait, id);
      return;
    }

    const timestamp = new Date(row.webhook_timestamp * 1000).toISOString();
    const body = `{"type":${JSON.stringify(row.event_name)},"timestamp":"${timestamp}","data":${row.payload}}`;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "webhook-id": row.webhook_id,
      "webhook-timestamp": String(row.webhook_timestamp),
      // Signed at send time with the app's current secret: retries after a rotation use the new one.
      "webhook-signature": signPayload(target.signing_secret, row.webhook_id, row.webhook_timestamp, body),
    };
    const extra: unknown = JSON.parse(target.headers);
    if (isObject(extra)) {
      for (const [name, value] of Object.entries(extra)) {
        if (typeof value === "string") headers[name.toLowerCase()] = value;
      }
    }

    const attempt = row.attempts + 1;
    const result = await post(target.url, headers, body, target.timeout_seconds * 1000, signal);
    if (signal.aborted || generation !== this.generation) return;
    this.record(row, base, attempt, body, result);
  }

  private record(
    row: DeliveryRow,
    base: Omit<
      LogRow,
      | "seq"
      | "status"
      | "http_status_code"
      | "response_time_ms"
      | "attempt_number"
      | "payload"
      | "response_body"
      | "error_message"
      | "timestamp"
    >,
    attempt: number,
    envelope: string,
    result: Attempt,
  ): void {
    const store = this.store;
    const id = BigInt(row.id);
    const status = result.status;
    const ok = status !== undefined && status >= 200 && status < 300;
    const retryable = status === undefined || status >= 500 || status === 408 || status === 429;
    let outcome: string;
    if (ok) outcome = "success";
    else if (status === 410) outcome = "endpoint_disabled";
    else if (retryable && attempt < row.max_attempts) outcome = "failed";
    else outcome = "permanently_failed";

    store.tx(() => {
      // The delivery may have been removed meanwhile (endpoint or app deleted): then log nothing.
      const still = store.get("SELECT 1 FROM active_webhook_deliveries WHERE id = ?", id);
      if (!still) return;
      insertLog(store, {
        ...base,
        status: outcome,
        http_status_code: status ?? null,
        response_time_ms: result.elapsedMs,
        attempt_number: attempt,
        payload: envelope,
        response_body: result.body,
        error_message: ok ? null : (result.error ?? `HTTP ${status}`),
        timestamp: nowMicros(),
      });
      if (outcome === "failed") {
        const now = Date.now();
        const delay = retryAfterSeconds(result.retryAfter, now) ?? retryDelaySeconds(attempt);
        store.run(
          "UPDATE active_webhook_deliveries SET attempts = ?, next_retry_at = ? WHERE id = ?",
          attempt,
          now + this.scaled(delay * 1000),
          id,
        );
        return;
      }
      store.run("DELETE FROM active_webhook_deliveries WHERE id = ?", id);
      if (outcome === "endpoint_disabled") {
        store.run(
          "UPDATE webhook_endpoints SET is_active = 0, updated_at = ? WHERE id = ?",
          nowMicros(),
          BigInt(row.endpoint_id),
        );
      } else if (outcome === "permanently_failed" && retryable) {
        this.countExhausted(row, base.endpoint_url);
      }
    });
  }

  /** Wacht's Redis failure counter: 10 exhausted deliveries within 24 h deactivate the endpoint. */
  private countExhausted(row: DeliveryRow, url: string | null): void {
    const store = this.store;
    const endpointId = BigInt(row.endpoint_id);
    const now = Date.now();
    const counter = store.get<{ count: number; expires_at: number }>(
      "SELECT count, expires_at FROM endpoint_failures WHERE endpoint_id = ?",
      endpointId,
    );
    const count = counter && counter.expires_at > now ? counter.count + 1 : 1;
    const expiresAt = counter && counter.expires_at > now ? counter.expires_at : now + FAILURE_COUNTER_TTL_MS;
    if (count < AUTO_DISABLE_THRESHOLD) {
      store.run(
        `INSERT INTO endpoint_failures (endpoint_id, count, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (endpoint_id) DO UPDATE SET count = excluded.count, expires_at = excluded.expires_at`,
        endpointId,
        count,
        expiresAt,
      );
      return;
    }
    store.run("DELETE FROM endpoint_failures WHERE endpoint_id = ?", endpointId);
    const micros = nowMicros();
    // Only is_active changes: Wacht never writes auto_disabled / auto_disabled_at (spec §4.5).
    store.run("UPDATE webhook_endpoints SET is_active = 0, updated_at = ? WHERE id = ?", micros, endpointId);
    insertEndpointEvent(
      store,
      { deployment_id: row.deployment_id, app_slug: row.app_slug, endpoint_id: row.endpoint_id, url },
      "deactivated",
      micros,
    );
  }

  // -------------------------------------------------------------------------------------------------
  // Replay tasks (Wacht's replay worker, spec §3.6), processed a step at a time so cancel can land.
  // -------------------------------------------------------------------------------------------------

  /** Advances every active task by one step; true while some remain active. */
  private runReplayTasks(): boolean {
    const tasks = this.store.all<ReplayTaskRow>(
      "SELECT * FROM replay_tasks WHERE status IN ('queued', 'running') ORDER BY created_at",
    );
    let left = false;
    for (const task of tasks) left = this.stepReplay(task) || left;
    return left;
  }

  private stepReplay(task: ReplayTaskRow): boolean {
    const store = this.store;
    return store.tx(() => {
      const targets = this.replayTargets(task);
      const now = nowMicros();
      if (task.status === "queued") {
        store.run(
          "UPDATE replay_tasks SET status = 'running', started_at = ?, total_count = ? WHERE task_id = ?",
          now,
          targets.length,
          task.task_id,
        );
      }
      const slice = targets.slice(task.processed, task.processed + REPLAY_STEP);
      let replayed = 0;
      let failed = 0;
      let last = task.last_delivery_id;
      for (const deliveryId of slice) {
        const created = this.replayOne(task, deliveryId);
        if (created === undefined) failed++;
        else {
          replayed++;
          last = created;
        }
      }
      const processed = task.processed + slice.length;
      const done = processed >= targets.length;
      store.run(
        `UPDATE replay_tasks SET processed = ?, replayed_count = replayed_count + ?, failed_count = failed_count + ?,
         last_delivery_id = ?, status = ?, completed_at = ? WHERE task_id = ?`,
        processed,
        replayed,
        failed,
        last,
        done ? "completed" : "running",
        done ? nowMicros() : null,
        task.task_id,
      );
      return !done;
    });
  }

  private replayTargets(task: ReplayTaskRow): string[] {
    const request = JSON.parse(task.request) as {
      delivery_ids?: string[];
      start?: number;
      end?: number;
      status?: string;
      event_name?: string;
      endpoint_id?: string;
    };
    if (request.delivery_ids) return request.delivery_ids;
    // Latest history row per delivery inside the window, with the optional filters.
    const rows = this.store.all<{ delivery_id: string }>(
      `SELECT CAST(l.delivery_id AS TEXT) AS delivery_id FROM webhook_logs l
       WHERE l.seq IN (SELECT MAX(seq) FROM webhook_logs WHERE deployment_id = ? AND app_slug = ? GROUP BY delivery_id)
       AND l.status NOT IN ('reactivated', 'deactivated') AND l.timestamp >= ? AND l.timestamp <= ?
       AND (? IS NULL OR l.status = ?) AND (? IS NULL OR l.event_name = ?) AND (? IS NULL OR l.endpoint_id = ?)
       AND l.timestamp <= ? ORDER BY l.timestamp, l.delivery_id`,
      task.deployment_id,
      task.app_slug,
      request.start ?? 0,
      request.end ?? Number.MAX_SAFE_INTEGER,
      request.status ?? null,
      request.status ?? null,
      request.event_name ?? null,
      request.event_name ?? null,
      request.endpoint_id === undefined ? null : BigInt(request.endpoint_id),
      request.endpoint_id === undefined ? null : BigInt(request.endpoint_id),
      task.created_at,
    );
    return rows.map((r) => r.delivery_id);
  }

  /** Re-sends one delivery as a new delivery (new `webhook-id`); undefined when Wacht would refuse. */
  private replayOne(task: ReplayTaskRow, deliveryIdText: string): string | undefined {
    const store = this.store;
    if (!/^[+-]?\d+$/.test(deliveryIdText)) return undefined;
    const deliveryId = BigInt(deliveryIdText);
    const original = store.get<LogRow>(
      `SELECT ${LOG_COLUMNS} FROM webhook_logs WHERE deployment_id = ? AND app_slug = ? AND delivery_id = ?
       AND status NOT IN ('reactivated', 'deactivated') ORDER BY seq LIMIT 1`,
      task.deployment_id,
      task.app_slug,
      deliveryId,
    );
    if (!original || original.event_payload === null) return undefined;
    if (store.get("SELECT 1 FROM active_webhook_deliveries WHERE id = ?", deliveryId)) return undefined;
    const endpoint = store.get<{ id: string; url: string; is_active: number }>(
      "SELECT CAST(id AS TEXT) AS id, url, is_active FROM webhook_endpoints WHERE id = ? AND deployment_id = ?",
      BigInt(original.endpoint_id),
      task.deployment_id,
    );
    if (endpoint?.is_active !== 1) return undefined;
    const subscription = store.get<{ filter_rules: string }>(
      "SELECT filter_rules FROM webhook_endpoint_subscriptions WHERE endpoint_id = ? AND event_name = ?",
      BigInt(endpoint.id),
      original.event_name,
    );
    if (!subscription) return undefined;
    return enqueueDelivery(
      store,
      {
        deploymentId: task.deployment_id,
        appSlug: task.app_slug,
        endpointId: endpoint.id,
        endpointUrl: endpoint.url,
        eventName: original.event_name,
        payload: JSON.parse(original.event_payload),
        filterRules: subscription.filter_rules,
        maxAttempts: original.max_attempts,
      },
      Date.now(),
    );
  }
}
