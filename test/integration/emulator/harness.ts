// Shared plumbing for the emulator conformance suite: an emulator per file, raw HTTP, the real SDK,
// a local webhook receiver and bounded polling. Expected values live in the tests, never here.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startEmulator } from "../../../emulator/index";

// @wacht/backend is ESM-only and this tree is typed as CommonJS, so the SDK is loaded with a dynamic import
// and its client type is derived from that import.
function loadSdk() {
  return import("@wacht/backend");
}

/** The real `@wacht/backend` client. */
export type WachtClient = InstanceType<Awaited<ReturnType<typeof loadSdk>>["WachtClient"]>;

/** A key in the format Wacht mints backend keys: `sk_` + base64url(32 random bytes). */
export function newApiKey(): string {
  return `sk_${randomBytes(32).toString("base64url")}`;
}

export interface EmulatorOptions {
  db?: string;
  allowPrivateUrls?: boolean;
  timeScale?: number;
}

export interface Emulator {
  url: string;
  apiKey: string;
  close(): Promise<void>;
  client: WachtClient;
  api(method: string, path: string, body?: unknown, init?: RawInit): Promise<RawResponse>;
}

export interface RawInit {
  headers?: Record<string, string>;
  /** Sent verbatim instead of JSON-encoding `body`. */
  rawBody?: string;
  /** Omit the Content-Type header even when a body is sent. */
  noContentType?: boolean;
  /** Omit the Authorization header. */
  noAuth?: boolean;
}

export interface RawResponse {
  status: number;
  body: unknown;
}

/** A client of the real SDK for the given emulator. */
export async function sdkClient(baseUrl: string, apiKey: string): Promise<WachtClient> {
  const sdk = await loadSdk();
  return new sdk.WachtClient({ apiKey, baseUrl });
}

export async function launch(options: EmulatorOptions = {}): Promise<Emulator> {
  const apiKey = newApiKey();
  const started = await startEmulator({
    port: 0,
    apiKey,
    db: options.db ?? ":memory:",
    allowPrivateUrls: options.allowPrivateUrls ?? false,
    timeScale: options.timeScale ?? 0.001,
  });
  const client = await sdkClient(started.url, started.apiKey);
  return {
    url: started.url,
    apiKey: started.apiKey,
    close: () => started.close(),
    client,
    api: (method, path, body, init) => rawRequest(started.url, started.apiKey, method, path, body, init),
  };
}

export async function rawRequest(
  baseUrl: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
  init: RawInit = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (!init.noAuth) headers.authorization = `Bearer ${apiKey}`;
  let payload: string | undefined;
  if (init.rawBody !== undefined) payload = init.rawBody;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined && !init.noContentType) headers["content-type"] = "application/json";
  Object.assign(headers, init.headers ?? {});
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get("content-type") ?? "").includes("application/json")) parsed = JSON.parse(text);
  return { status: response.status, body: parsed };
}

/** The error body every Wacht error uses (spec §1.4). */
export function apiError(code: number, message: string): { errors: { message: string; code: number }[] } {
  return { errors: [{ message, code }] };
}

/** What an SDK rejection carries, flattened so it can be compared with `toStrictEqual`. */
export interface CaughtError {
  name: string;
  message: string;
  statusCode: number | undefined;
}

export async function caught(promise: Promise<unknown>): Promise<CaughtError> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { statusCode?: number };
    return { name: e.name, message: e.message, statusCode: e.statusCode };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Polls `probe` until it returns a value other than `undefined`, failing after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const ID = /^[1-9][0-9]*$/;
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
/** Any RFC 3339 UTC time: the test payload's timestamp is "now RFC3339" without a pinned offset form. */
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)$/;

/** Events of the standard test catalog; `schema` paths gate filter fields (spec §4.2). */
export const CATALOG_EVENTS = [
  {
    name: "invoice.paid",
    description: "An invoice was paid",
    schema: {
      type: "object",
      properties: {
        amount: { type: "number" },
        currency: { type: "string" },
        customer: { type: "object", properties: { tier: { type: "string" } } },
      },
    },
  },
  { name: "invoice.created", description: "An invoice was created" },
  { name: "user.created", description: "A user signed up", schema: { type: "object" } },
  { name: "user.deleted", description: "A user was removed", is_archived: true },
];

/** Creates a catalog holding CATALOG_EVENTS and an app using it; returns the app slug. */
export async function seedApp(emulator: Emulator, slug: string): Promise<string> {
  const catalog = await emulator.api("POST", "/webhooks/event-catalogs", {
    slug: `${slug}-catalog`,
    name: `${slug} catalog`,
    events: CATALOG_EVENTS,
  });
  if (catalog.status !== 200) throw new Error(`seed catalog: ${JSON.stringify(catalog)}`);
  const app = await emulator.api("POST", "/webhooks/apps", {
    app_slug: slug,
    name: slug,
    event_catalog_slug: `${slug}-catalog`,
  });
  if (app.status !== 200) throw new Error(`seed app: ${JSON.stringify(app)}`);
  return (app.body as { app_slug: string }).app_slug;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A local HTTP server standing in for a customer's webhook endpoint. */
export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  /** Decides the answer for each request; `count` is 1 for the first request to that path. */
  reply: (request: ReceivedRequest, count: number) => Reply;
  on(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const receiver: Receiver = {
    url: "",
    received,
    reply: () => ({ status: 200, body: "ok" }),
    on: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      };
      received.push(request);
      const answer = receiver.reply(request, receiver.on(request.path).length);
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Headers as the standardwebhooks verifier wants them (single string values). */
export function signatureHeaders(request: ReceivedRequest): Record<string, string> {
  return {
    "webhook-id": String(request.headers["webhook-id"]),
    "webhook-timestamp": String(request.headers["webhook-timestamp"]),
    "webhook-signature": String(request.headers["webhook-signature"]),
  };
}
