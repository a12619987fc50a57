import type { FaultSpec } from "./faults";
import { EmulatorServer, type JournalEntry } from "./server";
import { generateApiKey } from "./signing";
import { Store } from "./store";
import { DeliveryWorker } from "./worker";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default "127.0.0.1". */
  host?: string;
  /** The only accepted API key; default a generated key in Wacht's format `sk_<base64url 32 bytes>`. */
  apiKey?: string;
  /** SQLite file path or ":memory:"; default ":memory:". */
  db?: string;
  /** Accept loopback/private endpoint URLs that Wacht rejects; default false. */
  allowPrivateUrls?: boolean;
  /** Multiplies every delivery, retry and rate-limit delay; default 1 (tests use 0.001). */
  timeScale?: number;
  /** Deployment id reported in every object; default {@link DEFAULT_DEPLOYMENT_ID}. */
  deploymentId?: string;
}

/** A started emulator. */
export interface RunningEmulator {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:54321": the SDK's `baseUrl`. */
  url: string;
  /** The accepted API key. */
  apiKey: string;
  /**
   * The API requests received since the last {@link RunningEmulator.clearRequests} (or start), oldest
   * first, as `{ method, path, query?, status, at }`; `status` 0 is a connection dropped by a fault.
   */
  requests(): JournalEntry[];
  /** Empties the request journal. */
  clearRequests(): void;
  /** Injects a fault (an error status, a dropped connection, a lost answer, latency); returns its id. */
  fault(spec: FaultSpec): string;
  /** Removes every injected fault. */
  clearFaults(): void;
  /** Wipes all data: apps, catalogs, endpoints, deliveries. */
  reset(): void;
  /** Stops the delivery worker, the HTTP server and the database. */
  close(): Promise<void>;
}

export type { FaultSpec } from "./faults";
export type { JournalEntry } from "./server";

/** The deployment id used when none is given (Wacht ids are ~17-digit Sonyflake numbers). */
export const DEFAULT_DEPLOYMENT_ID = "10000000000000001";

/** Starts the Wacht webhooks API emulator. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const apiKey = options.apiKey ?? generateApiKey();
  const store = new Store(options.db ?? ":memory:");
  const worker = new DeliveryWorker(store, options.timeScale ?? 1);
  const reset = () => {
    worker.reset();
    store.wipe();
  };
  const server = new EmulatorServer({
    store,
    apiKey,
    deploymentId: options.deploymentId ?? DEFAULT_DEPLOYMENT_ID,
    allowPrivateUrls: options.allowPrivateUrls ?? false,
    kick: () => worker.kick(),
    reset,
  });
  let port: number;
  try {
    port = await server.listen(options.port ?? 0, host);
  } catch (err) {
    store.close();
    throw err;
  }
  worker.start();
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    apiKey,
    requests: () => server.requests(),
    clearRequests: () => server.clearJournal(),
    fault: (spec) => server.faults.add(spec),
    clearFaults: () => server.faults.clear(),
    reset,
    close: () => {
      closing ??= (async () => {
        await worker.stop();
        await server.close();
        store.close();
      })();
      return closing;
    },
  };
}
