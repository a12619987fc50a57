import http from "node:http";
import type { AddressInfo } from "node:net";
import { BODY_LIMIT_BYTES, type Context, decodeJsonBody, type RawBody, type Route } from "./context";
import {
  ApiError,
  AUTHENTICATION_FAILED,
  apiError,
  BAD_REQUEST,
  BEARER_REQUIRED,
  FORBIDDEN,
  INVALID_PAYLOAD,
  METHOD_NOT_ALLOWED,
  NOT_FOUND,
  RATE_LIMITED,
  RELATED_NOT_FOUND,
  REQUEST_FAILED,
  RESOURCE_EXISTS,
  rateLimitedRetry,
  SOMETHING_WENT_WRONG,
  UNAUTHORIZED,
} from "./errors";
import { type Fault, Faults } from "./faults";
import { formatTimestamp, nowMicros } from "./ids";
import { analyticsRoutes } from "./routes/analytics";
import { appRoutes } from "./routes/apps";
import { catalogRoutes } from "./routes/catalogs";
import { deliveryRoutes } from "./routes/deliveries";
import { endpointRoutes } from "./routes/endpoints";
import type { Store } from "./store";

/** One journaled API request. */
export interface JournalEntry {
  method: string;
  path: string;
  query?: string;
  status: number;
  at: string;
}

/** Settings the server needs from `startEmulator`. */
export interface ServerOptions {
  store: Store;
  apiKey: string;
  deploymentId: string;
  allowPrivateUrls: boolean;
  kick: () => void;
  /** Wipes all data (POST /_emulator/reset). */
  reset: () => void;
}

/** The journal keeps the latest entries only, so memory stays flat on long runs. */
const JOURNAL_LIMIT = 10_000;

interface Response {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Default messages of Wacht's `normalize_error_responses` layer, by status. */
function defaultMessage(status: number): string {
  if (status === 400) return BAD_REQUEST;
  if (status === 401) return UNAUTHORIZED;
  if (status === 403) return FORBIDDEN;
  if (status === 404) return NOT_FOUND;
  if (status === 405) return METHOD_NOT_ALLOWED;
  if (status === 422) return INVALID_PAYLOAD;
  if (status === 429) return RATE_LIMITED;
  if (status >= 500) return SOMETHING_WENT_WRONG;
  return REQUEST_FAILED;
}

function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    return { status: err.status, body: apiError(err.status, err.message), headers: err.headers };
  }
  // SQLite constraint errors map like Postgres SQLSTATE 23505 / 23503 do in Wacht (spec §1.4).
  const code = (err as { code?: unknown }).code;
  if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
    return { status: 409, body: apiError(409, RESOURCE_EXISTS) };
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return { status: 404, body: apiError(404, RELATED_NOT_FOUND) };
  console.error("wacht emulator: unexpected error", err);
  return { status: 500, body: apiError(500, SOMETHING_WENT_WRONG) };
}

interface CompiledRoute extends Route {
  segments: string[];
}

/**
 * matchit semantics: the most specific path wins (a static segment beats a capture, compared left to
 * right), and only then is the method checked, so a known path with another method is a 405.
 */
class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.routes = routes.map((r) => ({ ...r, segments: r.path.split("/").slice(1) }));
  }

  match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } {
    const parts = path.split("/").slice(1);
    let best: { segments: string[]; score: string } | undefined;
    for (const route of this.routes) {
      const score = this.score(route.segments, parts);
      if (score !== undefined && (best === undefined || score > best.score))
        best = { segments: route.segments, score };
    }
    if (!best) throw new ApiError(404, NOT_FOUND);
    const pattern = best.segments.join("/");
    // axum's `get()` also answers HEAD.
    const wanted = method === "HEAD" ? "GET" : method;
    const route = this.routes.find((r) => r.segments.join("/") === pattern && r.method === wanted);
    if (!route) throw new ApiError(405, METHOD_NOT_ALLOWED);
    const params: Record<string, string> = {};
    route.segments.forEach((seg, i) => {
      if (!seg.startsWith(":")) return;
      try {
        params[seg.slice(1)] = decodeURIComponent(parts[i]!);
      } catch {
        throw new ApiError(400, BAD_REQUEST);
      }
    });
    return { route, params };
  }

  /** "1" per static segment and "0" per capture: a larger string is a more specific match. */
  private score(segments: string[], parts: string[]): string | undefined {
    if (segments.length !== parts.length) return undefined;
    let score = "";
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const part = parts[i]!;
      if (seg.startsWith(":")) {
        if (part === "") return undefined;
        score += "0";
      } else if (seg === part) {
        score += "1";
      } else {
        return undefined;
      }
    }
    return score;
  }
}

/** The HTTP server: emulator routes, then fault injection, then auth → route → decode → act → respond. */
export class EmulatorServer {
  readonly server: http.Server;
  readonly faults = new Faults();
  private journal: JournalEntry[] = [];
  private readonly router = new Router([
    ...appRoutes,
    ...catalogRoutes,
    ...endpointRoutes,
    ...deliveryRoutes,
    ...analyticsRoutes,
  ]);

  constructor(private readonly options: ServerOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        console.error("wacht emulator: request failed", err);
        if (!res.headersSent) this.send(res, errorResponse(err));
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** Starts listening; resolves to the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting requests and drops idle keep-alive connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  clearJournal(): void {
    this.journal = [];
  }

  /** The API requests received since the journal was last cleared (the latest ones), oldest first. */
  requests(): JournalEntry[] {
    return [...this.journal];
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const queryText = q === -1 ? "" : rawUrl.slice(q + 1);

    if (path === "/_emulator" || path.startsWith("/_emulator/")) {
      const raw = await readBody(req);
      this.send(res, this.emulatorRoute(method, path, raw));
      return;
    }

    const fault = this.faults.take(method, path);
    if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault?.reset) {
      this.record(method, path, queryText, 0);
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      const response = faultResponse(fault);
      this.record(method, path, queryText, response.status);
      this.send(res, response);
      return;
    }

    const raw = await readBody(req);
    const response = this.pipeline(method, path, queryText, req.headers.authorization, raw);
    if (fault?.responseDelayMs) await new Promise((r) => setTimeout(r, fault.responseDelayMs));
    if (fault?.lostResponse) {
      this.record(method, path, queryText, 0);
      req.socket.destroy();
      return;
    }
    this.record(method, path, queryText, response.status);
    this.send(res, response, method === "HEAD");
  }

  private pipeline(
    method: string,
    path: string,
    queryText: string,
    authorization: string | undefined,
    raw: RawBody,
  ): Response {
    try {
      this.authenticate(authorization);
      const { route, params } = this.router.match(method, path);
      let decoded: { value: unknown } | undefined;
      const ctx: Context = {
        store: this.options.store,
        deploymentId: this.options.deploymentId,
        allowPrivateUrls: this.options.allowPrivateUrls,
        params,
        query: new URLSearchParams(queryText),
        json: () => {
          decoded ??= { value: decodeJsonBody(raw) };
          return decoded.value;
        },
        kick: this.options.kick,
        now: Date.now,
      };
      return { status: 200, body: route.handler(ctx) };
    } catch (err) {
      return errorResponse(err);
    }
  }

  /** Wacht's `backend_deployment_middleware`: runs before any extractor (spec §1.2). */
  private authenticate(authorization: string | undefined): void {
    if (!authorization?.startsWith("Bearer ")) throw new ApiError(401, BEARER_REQUIRED);
    if (authorization.slice("Bearer ".length) !== this.options.apiKey) {
      throw new ApiError(401, AUTHENTICATION_FAILED);
    }
  }

  private emulatorRoute(method: string, path: string, raw: RawBody): Response {
    try {
      const key = `${method} ${path}`;
      switch (key) {
        case "GET /_emulator/health":
          return { status: 200, body: { status: "ok" } };
        case "GET /_emulator/requests":
          return { status: 200, body: { requests: this.journal } };
        case "DELETE /_emulator/requests":
          this.clearJournal();
          return { status: 200, body: {} };
        case "POST /_emulator/faults": {
          let body: unknown;
          try {
            body = JSON.parse(raw.bytes.toString("utf8"));
          } catch {
            throw new ApiError(400, BAD_REQUEST);
          }
          return { status: 200, body: { id: this.faults.add(body) } };
        }
        case "DELETE /_emulator/faults":
          this.faults.clear();
          return { status: 200, body: {} };
        case "POST /_emulator/reset":
          this.options.reset();
          this.faults.clear();
          this.clearJournal();
          return { status: 200, body: {} };
        default:
          throw new ApiError(404, NOT_FOUND);
      }
    } catch (err) {
      return errorResponse(err);
    }
  }

  private record(method: string, path: string, query: string, status: number): void {
    const entry: JournalEntry = { method, path, status, at: formatTimestamp(nowMicros()) };
    if (query !== "") entry.query = query;
    this.journal.push(entry);
    if (this.journal.length > JOURNAL_LIMIT) this.journal.splice(0, this.journal.length - JOURNAL_LIMIT);
  }

  private send(res: http.ServerResponse, response: Response, headOnly = false): void {
    const text = JSON.stringify(response.body);
    res.writeHead(response.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...response.headers,
    });
    res.end(headOnly ? undefined : text);
  }
}

function faultResponse(fault: Fault): Response {
  const status = fault.status ?? 500;
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
  const message = status === 429 ? rateLimitedRetry(fault.retryAfter ?? 60) : defaultMessage(status);
  return { status, body: apiError(status, message), headers };
}

/** Reads the body, keeping at most the 2 MiB limit (+1 byte to detect overflow) in memory. */
function readBody(req: http.IncomingMessage): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    req.on("end", () =>
      resolve({
        contentType: req.headers["content-type"],
        bytes: Buffer.concat(chunks),
        tooLarge: size > BODY_LIMIT_BYTES,
      }),
    );
    req.on("error", reject);
  });
}
