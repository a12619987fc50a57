/**
 * The only reader of stack configuration and environment variables.
 *
 * Values are read when a provider method runs (never captured when the provider is serialized), so the
 * API key never lands in `__provider` or in state. Stack config wins over the environment.
 */

/** What the provider needs to reach Wacht. */
export interface ProviderSettings {
  apiUrl: string;
  apiKey: string | undefined;
  allowPrivateUrls: boolean;
  /**
   * Every create takes the existing object it finds (apps and catalogs by slug, endpoints by app and URL)
   * as if the resource said `adopt: true`: the one-off recovery after an interrupted deploy.
   */
  adoptExisting: boolean;
}

/** The `get` half of Pulumi's dynamic `Config`, which is all the provider reads. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** Wacht's public API, the SDK's default. */
export const DEFAULT_API_URL = "https://api.wacht.dev";

let stackConfig: ConfigSource | undefined;

/** Remembers the stack config handed to `configure` (once per provider process). */
export function setStackConfig(config: ConfigSource | undefined): void {
  stackConfig = config;
}

function fromStack(key: string): string | undefined {
  const value = stackConfig?.get(`wacht:${key}`);
  return value === undefined || value === "" ? undefined : value;
}

function fromEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function parseBoolean(value: string | undefined): boolean {
  return value !== undefined && ["true", "1", "yes"].includes(value.trim().toLowerCase());
}

/**
 * Current settings: `wacht:apiUrl`, `wacht:apiKey`, `wacht:allowPrivateUrls`, `wacht:adoptExisting`,
 * else the WACHT_* variables.
 */
export function settings(): ProviderSettings {
  return {
    apiUrl: (fromStack("apiUrl") ?? fromEnv("WACHT_API_URL") ?? DEFAULT_API_URL).replace(/\/+$/, ""),
    apiKey: fromStack("apiKey") ?? fromEnv("WACHT_API_KEY"),
    allowPrivateUrls: parseBoolean(fromStack("allowPrivateUrls") ?? fromEnv("WACHT_ALLOW_PRIVATE_URLS")),
    adoptExisting: parseBoolean(fromStack("adoptExisting") ?? fromEnv("WACHT_ADOPT_EXISTING")),
  };
}
