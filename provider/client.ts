/**
 * The only importer of `@wacht/backend`: builds the client from the current settings and gives it a
 * fetch adapter that
 * - puts Wacht's own error message (`errors[0].message`), the method and the path back into the SDK's
 *   error, which otherwise always says "An error occurred";
 * - retries 429 and 503 (refused before any work) for every method, and network errors, timeouts,
 *   500, 502 and 504 for every method but POST (except the POSTs that only set a state), with
 *   exponential backoff and full jitter, honouring `Retry-After`, at most
 *   {@link RETRY_POLICY.maxAttempts} attempts within {@link RETRY_POLICY.budgetMs};
 * - marks a POST that failed without an answer (or with a 500, 502 or 504, which a gateway may send after
 *   the server committed) as *ambiguous*: it may have been applied, so the caller settles it (provider/
 *   identify.ts) instead of blindly creating the object twice;
 * - bounds each attempt with a timeout and the whole process with a concurrency limit;
 * - sends through `node:http` (transport.ts) rather than the global `fetch`, which costs more CPU per call.
 */
import { type ProviderSettings, settings } from "./config";
import { WachtProviderError } from "./errors";
import { send } from "./transport";

// The SDK is ESM and this package CommonJS: its types are imported in "import" resolution mode.
type SdkModule = typeof import("@wacht/backend", { with: { "resolution-mode": "import" }});

/** The webhooks part of the SDK client: what every provider calls. */
export type WebhooksApi = InstanceType<SdkModule["WachtClient"]>["webhooks"];

/** How the adapter retries. Exported for tests and documentation; not user-configurable. */
export const RETRY_POLICY = {
  maxAttempts: 6,
  budgetMs: 60_000,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  attemptTimeoutMs: 30_000,
  /** Refused before any work was done: safe to repeat for every method. */
  retryableStatuses: [429, 503],
  /** May come after the server applied the request: repeated only when repeating is harmless. */
  ambiguousStatuses: [500, 502, 504],
};

/** Requests in flight at once in one provider process (Wacht's default limit is 1000 per minute). */
export const MAX_CONCURRENCY = Number(process.env.WACHT_MAX_CONCURRENCY ?? 8);

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

const limiter = new Semaphore(Math.max(1, MAX_CONCURRENCY));

/** POST routes whose repetition changes nothing (they set a state), so they retry like a PUT. */
const IDEMPOTENT_POSTS = [/^\/webhooks\/endpoints\/\d+\/reactivate$/, /\/archive-event$/];

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Backoff before attempt `attempt + 1` (1-based `attempt`), full jitter. */
function backoffMs(attempt: number): number {
  const cap = Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * cap);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wacht's `errors[0].message`, or a readable fallback for bodies of another shape. */
export function wachtMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ message?: unknown }>; message?: unknown };
    const message = parsed.errors?.[0]?.message ?? parsed.message;
    if (typeof message === "string" && message !== "") return message;
  } catch {
    // not JSON: fall through
  }
  const text = body.trim().slice(0, 200);
  return text === "" ? `HTTP ${status}` : text;
}

function makeFetch(sdk: SdkModule): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? "GET").toUpperCase();
    const path = url.pathname;
    const idempotent = method !== "POST" || IDEMPOTENT_POSTS.some((pattern) => pattern.test(path));
    const started = Date.now();
    const fail = (message: string, status: number | undefined, ambiguous: boolean, timedOut = false) =>
      new sdk.WachtError(message, status, {
        method,
        path,
        ...(ambiguous ? { ambiguous: true } : {}),
        ...(timedOut ? { timedOut: true } : {}),
      });

    await limiter.acquire();
    try {
      for (let attempt = 1; ; attempt++) {
        let wait: number | undefined;
        let failure: Error;
        try {
          const response = await send(url, init ?? {}, RETRY_POLICY.attemptTimeoutMs);
          if (response.ok) return response;
          const body = await response.text();
          const message = wachtMessage(response.status, body);
          const uncertain = RETRY_POLICY.ambiguousStatuses.includes(response.status);
          const retryable =
            RETRY_POLICY.retryableStatuses.includes(response.status) || (uncertain && idempotent);
          failure = fail(message, response.status, uncertain && !idempotent);
          if (!retryable) throw failure;
          wait = retryAfterMs(response.headers.get("retry-after"));
        } catch (error) {
          if (error instanceof sdk.WachtError) throw error;
          if (init?.signal?.aborted) throw error;
          // Node's network errors carry their code; fetch's (bodies other than text) carry it in `cause`.
          const { code, cause } = error as { code?: string; cause?: { code?: string; message?: string } };
          const timedOut = (error as Error).name === "TimeoutError";
          const reason = timedOut
            ? `no response within ${RETRY_POLICY.attemptTimeoutMs / 1000} s`
            : (code ?? cause?.code ?? cause?.message ?? (error as Error).message);
          failure = fail(`network error: ${reason}`, undefined, !idempotent, timedOut);
          if (!idempotent) throw failure;
        }
        const delay = wait ?? backoffMs(attempt);
        if (attempt >= RETRY_POLICY.maxAttempts || Date.now() - started + delay > RETRY_POLICY.budgetMs) {
          throw failure;
        }
        await sleep(delay);
      }
    } finally {
      limiter.release();
    }
  };
}

let cached: { key: string; api: WebhooksApi } | undefined;

/**
 * The webhooks API for the current settings. The SDK is ESM-only: a dynamic import inside this
 * function (rather than a top-level import) keeps it out of every serialized provider.
 */
export async function webhooks(current: ProviderSettings = settings()): Promise<WebhooksApi> {
  if (!current.apiKey) {
    throw new WachtProviderError(
      "No Wacht API key: set it with `pulumi config set --secret wacht:apiKey <key>` or the WACHT_API_KEY environment variable.",
    );
  }
  const cacheKey = `${current.apiUrl}\u0000${current.apiKey}`;
  if (cached?.key === cacheKey) return cached.api;
  const sdk: SdkModule = await import("@wacht/backend");
  const client = new sdk.WachtClient({
    apiKey: current.apiKey,
    baseUrl: current.apiUrl,
    // The adapter bounds each attempt itself; the SDK's own timeout would cut retries short.
    timeout: RETRY_POLICY.budgetMs + RETRY_POLICY.attemptTimeoutMs,
    fetch: makeFetch(sdk),
  });
  cached = { key: cacheKey, api: client.webhooks };
  return cached.api;
}
