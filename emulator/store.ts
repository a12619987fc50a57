import Database from "better-sqlite3";
import { formatNullable, formatTimestamp } from "./ids";
import { type EventDefinition, jsonbStringify } from "./validation";

/**
 * SQLite persistence. Tables mirror Wacht's Postgres tables (spec §2); `webhook_logs` stands in for the
 * ClickHouse delivery history and `replay_tasks` / `endpoint_failures` for the Redis state. Timestamps
 * are microseconds since the epoch; 64-bit ids are INTEGER columns bound as BigInt and read back with
 * `CAST(id AS TEXT)` so they never pass through a lossy JS number.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_event_catalogs (
  deployment_id TEXT NOT NULL, slug TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
  events TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (deployment_id, slug));
CREATE TABLE IF NOT EXISTS webhook_apps (
  deployment_id TEXT NOT NULL, app_slug TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
  signing_secret TEXT NOT NULL, failure_notification_emails TEXT NOT NULL, event_catalog_slug TEXT,
  is_active INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (deployment_id, app_slug));
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id INTEGER PRIMARY KEY, deployment_id TEXT NOT NULL, app_slug TEXT NOT NULL, url TEXT NOT NULL,
  description TEXT, headers TEXT NOT NULL, is_active INTEGER NOT NULL, max_retries INTEGER NOT NULL,
  timeout_seconds INTEGER NOT NULL, failure_count INTEGER NOT NULL DEFAULT 0, last_failure_at INTEGER,
  auto_disabled INTEGER NOT NULL DEFAULT 0, auto_disabled_at INTEGER, rate_limit_config TEXT,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  FOREIGN KEY (deployment_id, app_slug) REFERENCES webhook_apps (deployment_id, app_slug) ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS webhook_endpoints_app ON webhook_endpoints (deployment_id, app_slug, created_at);
CREATE TABLE IF NOT EXISTS webhook_endpoint_subscriptions (
  endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  deployment_id TEXT NOT NULL, app_slug TEXT NOT NULL, event_name TEXT NOT NULL, filter_rules TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (endpoint_id, event_name));
CREATE INDEX IF NOT EXISTS webhook_subscriptions_event ON webhook_endpoint_subscriptions (deployment_id, app_slug, event_name);
CREATE TABLE IF NOT EXISTS active_webhook_deliveries (
  id INTEGER PRIMARY KEY, endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  deployment_id TEXT NOT NULL, app_slug TEXT NOT NULL, event_name TEXT NOT NULL, payload TEXT NOT NULL,
  filter_rules TEXT, payload_size_bytes INTEGER NOT NULL, webhook_id TEXT NOT NULL,
  webhook_timestamp INTEGER NOT NULL, attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL,
  next_retry_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS active_webhook_deliveries_due ON active_webhook_deliveries (next_retry_at);
CREATE TABLE IF NOT EXISTS webhook_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id INTEGER NOT NULL, deployment_id TEXT NOT NULL,
  app_slug TEXT NOT NULL, endpoint_id INTEGER NOT NULL, endpoint_url TEXT, event_name TEXT NOT NULL,
  status TEXT NOT NULL, http_status_code INTEGER, response_time_ms INTEGER, attempt_number INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL, payload TEXT, event_payload TEXT, response_body TEXT, error_message TEXT,
  timestamp INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS webhook_logs_delivery ON webhook_logs (deployment_id, app_slug, delivery_id, seq);
CREATE TABLE IF NOT EXISTS replay_tasks (
  task_id TEXT PRIMARY KEY, deployment_id TEXT NOT NULL, app_slug TEXT NOT NULL, status TEXT NOT NULL,
  request TEXT NOT NULL, idempotency_key TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER,
  completed_at INTEGER, total_count INTEGER NOT NULL DEFAULT 0, processed INTEGER NOT NULL DEFAULT 0,
  replayed_count INTEGER NOT NULL DEFAULT 0, failed_count INTEGER NOT NULL DEFAULT 0, last_delivery_id TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS endpoint_failures (
  endpoint_id INTEGER PRIMARY KEY, count INTEGER NOT NULL, expires_at INTEGER NOT NULL);
`;

const TABLES = [
  "webhook_logs",
  "replay_tasks",
  "endpoint_failures",
  "active_webhook_deliveries",
  "webhook_endpoint_subscriptions",
  "webhook_endpoints",
  "webhook_apps",
  "webhook_event_catalogs",
];

/** Row of `webhook_apps`. */
export interface AppRow {
  deployment_id: string;
  app_slug: string;
  name: string;
  description: string | null;
  signing_secret: string;
  failure_notification_emails: string;
  event_catalog_slug: string | null;
  is_active: number;
  created_at: number;
  updated_at: number;
}

/** Row of `webhook_event_catalogs`. */
export interface CatalogRow {
  deployment_id: string;
  slug: string;
  name: string;
  description: string | null;
  events: string;
  created_at: number;
  updated_at: number;
}

/** Row of `webhook_endpoints` with the id as text. */
export interface EndpointRow {
  id: string;
  deployment_id: string;
  app_slug: string;
  url: string;
  description: string | null;
  headers: string;
  is_active: number;
  max_retries: number;
  timeout_seconds: number;
  failure_count: number;
  last_failure_at: number | null;
  auto_disabled: number;
  auto_disabled_at: number | null;
  rate_limit_config: string | null;
  created_at: number;
  updated_at: number;
}

/** Row of `active_webhook_deliveries` with ids as text. */
export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  deployment_id: string;
  app_slug: string;
  event_name: string;
  payload: string;
  filter_rules: string | null;
  webhook_id: string;
  webhook_timestamp: number;
  attempts: number;
  max_attempts: number;
  next_retry_at: number;
  created_at: number;
}

/** Row of `webhook_logs` (one per delivery state change, like Wacht's ClickHouse table). */
export interface LogRow {
  seq: number;
  delivery_id: string;
  deployment_id: string;
  app_slug: string;
  endpoint_id: string;
  endpoint_url: string | null;
  event_name: string;
  status: string;
  http_status_code: number | null;
  response_time_ms: number | null;
  attempt_number: number;
  max_attempts: number;
  payload: string | null;
  event_payload: string | null;
  response_body: string | null;
  error_message: string | null;
  timestamp: number;
}

/** A new history row. */
export type NewLog = Omit<LogRow, "seq" | "delivery_id" | "endpoint_id"> & {
  delivery_id: bigint | string;
  endpoint_id: bigint | string;
};

/** Row of `replay_tasks`. */
export interface ReplayTaskRow {
  task_id: string;
  deployment_id: string;
  app_slug: string;
  status: string;
  request: string;
  idempotency_key: string;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  total_count: number;
  processed: number;
  replayed_count: number;
  failed_count: number;
  last_delivery_id: string | null;
  cancel_requested: number;
}

/** Select list for {@link EndpointRow}. */
export const ENDPOINT_COLUMNS =
  "CAST(id AS TEXT) AS id, deployment_id, app_slug, url, description, headers, is_active, max_retries, " +
  "timeout_seconds, failure_count, last_failure_at, auto_disabled, auto_disabled_at, rate_limit_config, " +
  "created_at, updated_at";

/** Select list for {@link DeliveryRow}. */
export const DELIVERY_COLUMNS =
  "CAST(id AS TEXT) AS id, CAST(endpoint_id AS TEXT) AS endpoint_id, deployment_id, app_slug, event_name, " +
  "payload, filter_rules, webhook_id, webhook_timestamp, attempts, max_attempts, next_retry_at, created_at";

/** Select list for {@link LogRow}. */
export const LOG_COLUMNS =
  "seq, CAST(delivery_id AS TEXT) AS delivery_id, deployment_id, app_slug, CAST(endpoint_id AS TEXT) AS " +
  "endpoint_id, endpoint_url, event_name, status, http_status_code, response_time_ms, attempt_number, " +
  "max_attempts, payload, event_payload, response_body, error_message, timestamp";

/** Serialises JSON for a JSONB-like column (JSONB key order). */
export function toJsonb(value: unknown): string {
  return jsonbStringify(value);
}

/** The database handle plus a prepared-statement cache. */
export class Store {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
  }

  /** A cached prepared statement. */
  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one transaction. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** First row or undefined. */
  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  /** All rows. */
  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  /** Executes a write; returns the number of changed rows. */
  run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  /** A persisted emulator setting. */
  getMeta(key: string): string | undefined {
    return this.get<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)?.value;
  }

  /** Stores an emulator setting. */
  setMeta(key: string, value: string): void {
    this.run(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  /** Deletes every row of every data table (meta survives). */
  wipe(): void {
    this.tx(() => {
      for (const table of TABLES) this.db.exec(`DELETE FROM ${table}`);
    });
  }

  close(): void {
    this.db.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// JSON shapes (spec §2).
// ---------------------------------------------------------------------------------------------------

/** WebhookApp as Wacht returns it everywhere. */
export function appJson(row: AppRow): Record<string, unknown> {
  return {
    deployment_id: row.deployment_id,
    app_slug: row.app_slug,
    name: row.name,
    description: row.description,
    signing_secret: row.signing_secret,
    failure_notification_emails: JSON.parse(row.failure_notification_emails),
    event_catalog_slug: row.event_catalog_slug,
    is_active: row.is_active === 1,
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}

/** WebhookEventCatalog. */
export function catalogJson(row: CatalogRow): Record<string, unknown> {
  return {
    deployment_id: row.deployment_id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    events: JSON.parse(row.events) as EventDefinition[],
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}

/** WebhookEndpoint as create/update return it (no `subscriptions`). */
export function endpointJson(row: EndpointRow): Record<string, unknown> {
  return {
    id: row.id,
    deployment_id: row.deployment_id,
    app_slug: row.app_slug,
    url: row.url,
    description: row.description,
    headers: JSON.parse(row.headers),
    is_active: row.is_active === 1,
    max_retries: row.max_retries,
    timeout_seconds: row.timeout_seconds,
    failure_count: row.failure_count,
    last_failure_at: formatNullable(row.last_failure_at),
    auto_disabled: row.auto_disabled === 1,
    auto_disabled_at: formatNullable(row.auto_disabled_at),
    rate_limit_config: row.rate_limit_config === null ? null : JSON.parse(row.rate_limit_config),
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}
