import {
  archivedEvent,
  badRequest,
  badScheme,
  dangerousHost,
  existsNeedsBoolean,
  INVALID_WEBHOOK_URL,
  invalidPayload,
  invalidUrl,
  localhostUrl,
  logicalEmpty,
  logicalNeedsArray,
  MAX_RETRIES_TOO_HIGH,
  MAX_RETRIES_TOO_LOW,
  operatorNeedsArray,
  privateIpUrl,
  rulesNotObject,
  SUBSCRIPTION_EVENT_REQUIRED,
  SUBSCRIPTION_REQUIRED,
  URL_HAS_CREDENTIALS,
  URL_NEEDS_HOST,
  unknownEvent,
  unknownFilterField,
  unsupportedOperator,
} from "./errors";

/** A JSON object as decoded from a request body. */
export type JsonObject = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------
// Body decoding. Wacht's DTOs are serde structs: a missing required field or a wrong JSON type is an
// axum `JsonDataError` → 422 "Invalid request payload"; unknown keys are ignored (spec §1.4).
// ---------------------------------------------------------------------------------------------------

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The body as a struct; anything but an object is a serde data error. */
export function decodeObject(body: unknown): JsonObject {
  if (!isObject(body)) throw invalidPayload();
  return body;
}

/** A required string field. */
export function reqString(o: JsonObject, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw invalidPayload();
  return v;
}

/** An `Option<String>` field: absent or null → undefined. */
export function optString(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidPayload();
  return v;
}

/** A required bool field. */
export function reqBool(o: JsonObject, key: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw invalidPayload();
  return v;
}

/** An `Option<bool>` field. */
export function optBool(o: JsonObject, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalidPayload();
  return v;
}

function integerIn(v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw invalidPayload();
  return v;
}

/** An `Option<i32>` field. */
export function optI32(o: JsonObject, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return integerIn(v, -2147483648, 2147483647);
}

/** A required `i32` field. */
export function reqI32(o: JsonObject, key: string): number {
  if (o[key] === undefined || o[key] === null) throw invalidPayload();
  return integerIn(o[key], -2147483648, 2147483647);
}

/** A required `i64` field (limited to what a JS number holds exactly). */
export function reqI64(o: JsonObject, key: string): number {
  if (o[key] === undefined || o[key] === null) throw invalidPayload();
  return integerIn(o[key], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

/** An `Option<Vec<String>>` field. */
export function optStringArray(o: JsonObject, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) throw invalidPayload();
  return v as string[];
}

/** A required `Vec<T>` field decoded item by item. */
export function reqArray<T>(o: JsonObject, key: string, item: (v: unknown) => T): T[] {
  const v = o[key];
  if (!Array.isArray(v)) throw invalidPayload();
  return v.map(item);
}

/** A required `serde_json::Value` field: must be present, `null` is a value. */
export function reqValue(o: JsonObject, key: string): unknown {
  if (!(key in o)) throw invalidPayload();
  return o[key];
}

/** An `Option<serde_json::Value>` field: absent or null → undefined. */
export function optValue(o: JsonObject, key: string): unknown {
  const v = o[key];
  return v === null ? undefined : v;
}

/** A subscription as sent by the caller. */
export interface SubscriptionInput {
  event_name: string;
  filter_rules: unknown;
}

/** Decodes `[{event_name, filter_rules?}]`. */
export function decodeSubscriptions(v: unknown): SubscriptionInput[] {
  if (!Array.isArray(v)) throw invalidPayload();
  return v.map((item) => {
    const o = decodeObject(item);
    return { event_name: reqString(o, "event_name"), filter_rules: optValue(o, "filter_rules") };
  });
}

/** Endpoint rate limit `{duration_ms, max_requests}`, stored verbatim. */
export interface RateLimitConfig {
  duration_ms: number;
  max_requests: number;
}

/** Decodes an `Option<RateLimitConfig>`: both keys required when it is an object. */
export function optRateLimit(o: JsonObject, key: string): RateLimitConfig | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const r = decodeObject(v);
  return { duration_ms: reqI64(r, "duration_ms"), max_requests: reqI32(r, "max_requests") };
}

// ---------------------------------------------------------------------------------------------------
// Semantic validation (400s with Wacht's messages).
// ---------------------------------------------------------------------------------------------------

/**
 * Wacht's `normalize_app_slug`: trim; ASCII alphanumerics lowercased; every other character becomes
 * `_`, runs collapsed; leading/trailing `_` stripped (spec §3.1).
 */
export function normalizeSlug(raw: string): string {
  let out = "";
  for (const ch of raw.trim()) {
    if (/^[A-Za-z0-9]$/.test(ch)) out += ch.toLowerCase();
    else if (!out.endsWith("_")) out += "_";
  }
  return out.replace(/^_+|_+$/g, "");
}

const DANGEROUS_HOST_PARTS = ["metadata.google.internal", "169.254.169.254", "metadata", "instance-data"];

function isPrivateIpv4(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return false;
  const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 255 && b === 255 && c === 255 && d === 255) ||
    (a === 192 && b === 0 && c === 2) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    (a === 0 && b === 0 && c === 0 && d === 0) ||
    (a >= 224 && a <= 239)
  );
}

/**
 * Wacht's `validate_webhook_url` (spec §3.3). The host is the WHATWG host string, so bracketed IPv6
 * literals such as `[::1]` slip through exactly as they do with Rust's `url` crate. With
 * `allowPrivateUrls`, the localhost and private-address rules are skipped (emulator-only switch).
 */
export function validateWebhookUrl(raw: string, allowPrivateUrls: boolean): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest(INVALID_WEBHOOK_URL);
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (scheme !== "http" && scheme !== "https") {
    throw badRequest(invalidUrl(badScheme(scheme)));
  }
  const host = url.hostname;
  if (host === "") throw badRequest(invalidUrl(URL_NEEDS_HOST));
  if (url.username !== "" || url.password !== "") {
    throw badRequest(invalidUrl(URL_HAS_CREDENTIALS));
  }
  if (!allowPrivateUrls) {
    if (host === "localhost" || host.endsWith(".localhost") || ["0.0.0.0", "[::]", "::1"].includes(host)) {
      throw badRequest(invalidUrl(localhostUrl(host)));
    }
    if (isPrivateIpv4(host)) {
      throw badRequest(invalidUrl(privateIpUrl(host)));
    }
  }
  if (DANGEROUS_HOST_PARTS.some((part) => host.includes(part))) {
    throw badRequest(invalidUrl(dangerousHost(host)));
  }
}

/** Validates `max_retries` (1..=32; spec §3.3). */
export function validateMaxRetries(value: number | undefined): void {
  if (value === undefined) return;
  if (value < 1) throw badRequest(MAX_RETRIES_TOO_LOW);
  if (value > 32) throw badRequest(MAX_RETRIES_TOO_HIGH);
}

/** One event of a catalog as stored. */
export interface EventDefinition {
  name: string;
  description: string;
  group: unknown;
  schema: unknown;
  example_payload: unknown;
  is_archived: boolean;
}

const LOGICAL_OPERATORS = ["$and", "$or"];
const FIELD_OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$contains", "$exists"];

function collectSchemaPaths(schema: unknown, prefix: string, into: Set<string>): void {
  if (!isObject(schema) || !isObject(schema.properties)) return;
  for (const [field, sub] of Object.entries(schema.properties)) {
    const path = prefix === "" ? field : `${prefix}.${field}`;
    into.add(path);
    collectSchemaPaths(sub, path, into);
  }
}

function validateCondition(condition: unknown, at: string): void {
  if (!isObject(condition)) return;
  for (const [op, expected] of Object.entries(condition)) {
    if (!FIELD_OPERATORS.includes(op)) throw badRequest(unsupportedOperator(op, at));
    if ((op === "$in" || op === "$nin") && !Array.isArray(expected)) {
      throw badRequest(operatorNeedsArray(op, at));
    }
    if (op === "$exists" && typeof expected !== "boolean") {
      throw badRequest(existsNeedsBoolean(at));
    }
  }
}

function validateFilterRules(rules: unknown, allowed: Set<string> | undefined, at: string): void {
  if (!isObject(rules)) throw badRequest(rulesNotObject(at));
  for (const [key, value] of Object.entries(rules)) {
    if (LOGICAL_OPERATORS.includes(key)) {
      if (!Array.isArray(value)) throw badRequest(logicalNeedsArray(key, at));
      if (value.length === 0) throw badRequest(logicalEmpty(key, at));
      value.forEach((nested, i) => {
        validateFilterRules(nested, allowed, `${at}.${key}[${i}]`);
      });
      continue;
    }
    if (allowed && !allowed.has(key)) throw badRequest(unknownFilterField(key, at));
    validateCondition(value, `${at}.${key}`);
  }
}

/**
 * Subscription validation against the app's catalog events (spec §4.2). `events` is undefined when the
 * app has no catalog, which makes every subscription unknown.
 */
export function validateSubscriptions(
  subs: SubscriptionInput[],
  appSlug: string,
  loadEvents: () => EventDefinition[],
): void {
  if (subs.length === 0) throw badRequest(SUBSCRIPTION_REQUIRED);
  const byName = new Map<string, { archived: boolean; allowed: Set<string> | undefined }>();
  for (const event of loadEvents()) {
    let allowed: Set<string> | undefined;
    if (event.schema !== null && event.schema !== undefined) {
      allowed = new Set();
      collectSchemaPaths(event.schema, "", allowed);
    }
    byName.set(event.name, { archived: event.is_archived === true, allowed });
  }
  for (const sub of subs) {
    const name = sub.event_name.trim();
    if (name === "") throw badRequest(SUBSCRIPTION_EVENT_REQUIRED);
    const event = byName.get(name);
    if (!event) throw badRequest(unknownEvent(name, appSlug));
    if (event.archived) throw badRequest(archivedEvent(name));
    if (sub.filter_rules !== undefined)
      validateFilterRules(sub.filter_rules, event.allowed, `subscriptions.${name}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Filter evaluation (trigger time and again in the worker; spec §4.2).
// ---------------------------------------------------------------------------------------------------

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

function compare(actual: unknown, expected: unknown, test: (c: number) => boolean): boolean {
  if (typeof actual === "number" && typeof expected === "number") return test(actual - expected);
  if (typeof actual === "string" && typeof expected === "string") {
    return test(actual < expected ? -1 : actual > expected ? 1 : 0);
  }
  return false;
}

function lookup(payload: unknown, path: string): { found: boolean; value?: unknown } {
  let current: unknown = payload;
  for (const part of path.split(".")) {
    if (!isObject(current) || !(part in current)) return { found: false };
    current = current[part];
  }
  return { found: true, value: current };
}

function holds(op: string, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case "$eq":
      return jsonEqual(actual, expected);
    case "$ne":
      return !jsonEqual(actual, expected);
    case "$gt":
      return compare(actual, expected, (c) => c > 0);
    case "$gte":
      return compare(actual, expected, (c) => c >= 0);
    case "$lt":
      return compare(actual, expected, (c) => c < 0);
    case "$lte":
      return compare(actual, expected, (c) => c <= 0);
    case "$in":
      return Array.isArray(expected) && expected.some((e) => jsonEqual(actual, e));
    case "$nin":
      return Array.isArray(expected) && !expected.some((e) => jsonEqual(actual, e));
    case "$contains":
      if (Array.isArray(actual)) return actual.some((e) => jsonEqual(e, expected));
      return typeof actual === "string" && typeof expected === "string" && actual.includes(expected);
    case "$exists":
      return expected === true;
    default:
      return true;
  }
}

/** Wacht's `evaluate_filter`: true when `payload` satisfies `rules`; non-object rules pass. */
export function evaluateFilter(rules: unknown, payload: unknown): boolean {
  if (!isObject(rules)) return true;
  for (const [key, condition] of Object.entries(rules)) {
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(condition)) return false;
      const results = condition.map((nested) => evaluateFilter(nested, payload));
      if (key === "$and" ? !results.every(Boolean) : !results.some(Boolean)) return false;
      continue;
    }
    const field = lookup(payload, key);
    if (!field.found) {
      if (isObject(condition) && condition.$exists === false) continue;
      return false;
    }
    if (isObject(condition)) {
      for (const [op, expected] of Object.entries(condition)) {
        if (!holds(op, field.value, expected)) return false;
      }
    } else if (!jsonEqual(field.value, condition)) {
      return false;
    }
  }
  return true;
}

/**
 * JSON text in Postgres JSONB key order (shorter keys first, then bytewise), written directly: an object
 * would put integer-like keys first. Stored JSON goes through this so it reads back, and is delivered, as
 * Wacht's would (spec §2, §4.8) [inferred].
 */
export function jsonbStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonbStringify).join(",")}]`;
  if (!isObject(value)) return JSON.stringify(value) ?? "null";
  const keys = Object.keys(value).sort((a, b) => {
    const la = Buffer.byteLength(a);
    const lb = Buffer.byteLength(b);
    if (la !== lb) return la - lb;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  });
  return `{${keys
    .filter((k) => value[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${jsonbStringify(value[k])}`)
    .join(",")}}`;
}
