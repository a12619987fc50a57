// Shared plumbing for the provider's integration tests: an in-process emulator per test file, the
// provider pointed at it through WACHT_API_URL / WACHT_API_KEY, raw HTTP for out-of-band changes, the
// request journal and fault injection. Expected values live in the tests, never here.
import { randomBytes } from "node:crypto";
import { startEmulator } from "../../../emulator/index";
import { resetIdentification } from "../../../provider/identify";
import { app, catalog, endpoint } from "../../../provider/runtime";

export { app, catalog, endpoint };

/** Pulumi's preview sentinel for values not known yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface JournalEntry {
  method: string;
  path: string;
  status: number;
  at: string;
  query?: string;
}

export interface RawResponse {
  status: number;
  body: unknown;
}

export interface Fault {
  method: string;
  path: string;
  status?: 500 | 502 | 503 | 429;
  retryAfter?: number;
  latencyMs?: number;
  /** Delay after the request was carried out, before its answer leaves. */
  responseDelayMs?: number;
  reset?: true;
  lostResponse?: true;
  times?: number;
}

export interface ProviderBed {
  url: string;
  apiKey: string;
  /** A raw request to the emulator with the API key: what a change in Wacht's dashboard looks like. */
  api(method: string, path: string, body?: unknown): Promise<RawResponse>;
  /** The API requests the emulator received since the last {@link ProviderBed.clearJournal}. */
  journal(): Promise<JournalEntry[]>;
  clearJournal(): Promise<void>;
  fault(fault: Fault): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts an emulator on port 0 and points the provider at it through the environment, as a Pulumi
 * program without stack config would. Stack config handed to an earlier `configure` is cleared.
 */
export async function startBed(options: { allowPrivateUrls?: boolean } = {}): Promise<ProviderBed> {
  const apiKey = `sk_${randomBytes(32).toString("base64url")}`;
  const emulator = await startEmulator({
    port: 0,
    apiKey,
    db: ":memory:",
    allowPrivateUrls: options.allowPrivateUrls ?? false,
    timeScale: 0.001,
  });
  process.env.WACHT_API_URL = emulator.url;
  process.env.WACHT_API_KEY = apiKey;
  process.env.WACHT_ALLOW_PRIVATE_URLS = options.allowPrivateUrls ? "true" : "";
  await app.configure({ config: { get: () => undefined } } as never);
  // Each test file is one deployment: no claims or baselines carried over from another.
  resetIdentification();
  const raw = async (method: string, path: string, body?: unknown, auth = true): Promise<RawResponse> => {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Bearer ${apiKey}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  };
  return {
    url: emulator.url,
    apiKey,
    api: (method, path, body) => raw(method, path, body),
    journal: async () =>
      ((await raw("GET", "/_emulator/requests")).body as { requests: JournalEntry[] }).requests,
    clearJournal: async () => {
      await raw("DELETE", "/_emulator/requests");
    },
    fault: async (fault) => {
      const response = await raw("POST", "/_emulator/faults", fault);
      if (response.status !== 200) throw new Error(`fault not accepted: ${JSON.stringify(response)}`);
    },
    close: () => emulator.close(),
  };
}

/** The journal as "METHOD path status" lines, easy to compare whole. */
export function calls(journal: JournalEntry[]): string[] {
  return journal.map((entry) => `${entry.method} ${entry.path} ${entry.status}`);
}

/** The message of the error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** A unique suffix so that tests in one file never share slugs. */
let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${randomBytes(3).toString("hex")}`;
}

export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
export const ID = /^[1-9][0-9]*$/;
