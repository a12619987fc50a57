import { ApiError, BAD_REQUEST, badRequest, REQUEST_FAILED } from "./errors";
import { parseI64, parseTimestamp } from "./ids";
import type { Store } from "./store";

/** axum's default body limit (2 MiB), which Wacht does not override on these routes. */
export const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** What a route handler may use. Handlers are synchronous: SQLite calls do not yield. */
export interface Context {
  store: Store;
  deploymentId: string;
  allowPrivateUrls: boolean;
  /** Percent-decoded path captures. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Decodes the JSON body as axum's `Json` extractor does (415 → 413 → 400); call after path/query. */
  json(): unknown;
  /** Wakes the delivery worker after deliveries were queued. */
  kick(): void;
  /** Wall-clock now in ms (the worker's clock). */
  now(): number;
}

/** A route: method, `/`-separated pattern with `:name` captures, handler returning the 200 body. */
export interface Route {
  method: string;
  path: string;
  handler: (ctx: Context) => unknown;
}

/** The raw request body and its headers, as the `json()` decoder needs them. */
export interface RawBody {
  contentType: string | undefined;
  bytes: Buffer;
  tooLarge: boolean;
}

function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const mime = header.split(";")[0]!.trim().toLowerCase();
  const [type, subtype] = mime.split("/");
  return type === "application" && subtype !== undefined && (subtype === "json" || subtype.endsWith("+json"));
}

/** axum `Json<T>` rejections: missing/wrong content type 415, too large 413, syntax 400. */
export function decodeJsonBody(raw: RawBody): unknown {
  if (!isJsonContentType(raw.contentType)) throw new ApiError(415, REQUEST_FAILED);
  if (raw.tooLarge) throw new ApiError(413, REQUEST_FAILED);
  try {
    return JSON.parse(raw.bytes.toString("utf8"));
  } catch {
    throw new ApiError(400, BAD_REQUEST);
  }
}

// Query extraction follows serde_urlencoded into typed structs: a value that does not parse, or a
// repeated key, rejects the whole query with 400 "Bad request" (spec §1.4).

function single(q: URLSearchParams, name: string): string | undefined {
  const values = q.getAll(name);
  if (values.length > 1) throw badRequest();
  return values[0];
}

/** `Option<String>` query field. */
export function queryString(q: URLSearchParams, name: string): string | undefined {
  return single(q, name);
}

/** `Option<i32>` query field. */
export function queryI32(q: URLSearchParams, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const n = parseI64(v);
  if (n === undefined || n < -2147483648n || n > 2147483647n) throw badRequest();
  return Number(n);
}

/** `Option<i64>` query field. */
export function queryI64(q: URLSearchParams, name: string): bigint | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const n = parseI64(v);
  if (n === undefined) throw badRequest();
  return n;
}

/** `Option<bool>` query field: only `true` / `false`. */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  if (v !== "true" && v !== "false") throw badRequest();
  return v === "true";
}

/** `Option<DateTime<Utc>>` query field, in microseconds. */
export function queryDate(q: URLSearchParams, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const micros = parseTimestamp(v);
  if (micros === undefined) throw badRequest();
  return micros;
}

/** Path capture parsed as `i64` (axum `Path<i64>` → 400 on failure). */
export function pathI64(ctx: Context, name: string): bigint {
  const n = parseI64(ctx.params[name] ?? "");
  if (n === undefined) throw badRequest();
  return n;
}
