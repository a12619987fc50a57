import { nextId, nowMicros } from "./ids";
import { type NewLog, type Store, toJsonb } from "./store";

/** What a new queued delivery needs (spec §3.4 step 5). */
export interface NewDelivery {
  deploymentId: string;
  appSlug: string;
  endpointId: string;
  endpointUrl: string;
  eventName: string;
  payload: unknown;
  /** The subscription's stored rules (JSON text), re-checked by the worker; null when none. */
  filterRules: string | null;
  maxAttempts: number;
}

/**
 * Logs an endpoint's change of state (`endpoint.reactivated` / `endpoint.deactivated`), a history row
 * with no delivery behind it, as Wacht's ClickHouse log has.
 */
export function insertEndpointEvent(
  store: Store,
  endpoint: { deployment_id: string; app_slug: string; endpoint_id: bigint | string; url: string | null },
  kind: "reactivated" | "deactivated",
  timestamp: number,
): void {
  insertLog(store, {
    delivery_id: nextId(),
    deployment_id: endpoint.deployment_id,
    app_slug: endpoint.app_slug,
    endpoint_id: endpoint.endpoint_id,
    endpoint_url: endpoint.url,
    event_name: `endpoint.${kind}`,
    status: kind,
    http_status_code: null,
    response_time_ms: null,
    attempt_number: 0,
    max_attempts: 0,
    payload: null,
    event_payload: null,
    response_body: null,
    error_message: null,
    timestamp,
  });
}

/** Appends a history row (Wacht's ClickHouse `webhook_logs`). */
export function insertLog(store: Store, log: NewLog): void {
  store.run(
    `INSERT INTO webhook_logs (delivery_id, deployment_id, app_slug, endpoint_id, endpoint_url, event_name,
     status, http_status_code, response_time_ms, attempt_number, max_attempts, payload, event_payload,
     response_body, error_message, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    BigInt(log.delivery_id),
    log.deployment_id,
    log.app_slug,
    BigInt(log.endpoint_id),
    log.endpoint_url,
    log.event_name,
    log.status,
    log.http_status_code,
    log.response_time_ms,
    log.attempt_number,
    log.max_attempts,
    log.payload,
    log.event_payload,
    log.response_body,
    log.error_message,
    log.timestamp,
  );
}

/**
 * Inserts a delivery into the active queue with `webhook-id msg_<id>` and a webhook-timestamp fixed
 * now, plus its `pending` history row. Returns the new delivery id (decimal string).
 */
export function enqueueDelivery(store: Store, d: NewDelivery, nowMs: number): string {
  const id = nextId();
  const payload = toJsonb(d.payload);
  const createdAt = nowMicros();
  store.run(
    `INSERT INTO active_webhook_deliveries (id, endpoint_id, deployment_id, app_slug, event_name, payload,
     filter_rules, payload_size_bytes, webhook_id, webhook_timestamp, attempts, max_attempts, next_retry_at,
     created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
    id,
    BigInt(d.endpointId),
    d.deploymentId,
    d.appSlug,
    d.eventName,
    payload,
    d.filterRules,
    Buffer.byteLength(payload),
    `msg_${id}`,
    Math.floor(nowMs / 1000),
    d.maxAttempts,
    nowMs,
    createdAt,
  );
  insertLog(store, {
    delivery_id: id,
    deployment_id: d.deploymentId,
    app_slug: d.appSlug,
    endpoint_id: d.endpointId,
    endpoint_url: d.endpointUrl,
    event_name: d.eventName,
    status: "pending",
    http_status_code: null,
    response_time_ms: null,
    attempt_number: 0,
    max_attempts: d.maxAttempts,
    payload,
    event_payload: payload,
    response_body: null,
    error_message: null,
    timestamp: createdAt,
  });
  return id.toString();
}
