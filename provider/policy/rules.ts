/**
 * The rules of the pulumi-wacht policy pack (CrossGuard, `@pulumi/policy`), as pure functions of a
 * resource's properties and the rule's config, returning the violation messages. `pack.ts` wires them into
 * policies; the pack folder (`policy/`) starts it. Messages name what is wrong and what to do, never a
 * header value.
 *
 * What a rule sees: `validateResource` gets the checked inputs of a resource (the provider's `check`
 * output, with secrets unwrapped: the policy SDK hands rules plain values), `validateStack` the outputs
 * of every resource in the stack (at preview, the state of unchanged ones and the planned inputs of new
 * ones).
 */

/** Type tokens of the dynamic resources. */
export const TYPES = {
  catalog: "pulumi-nodejs:dynamic/wacht:WebhookEventCatalog",
  app: "pulumi-nodejs:dynamic/wacht:WebhookApp",
  endpoint: "pulumi-nodejs:dynamic/wacht:WebhookEndpoint",
} as const;

/** Properties of a resource, as the policy SDK hands them over. */
export type Props = Record<string, unknown>;

export interface HttpsOnlyConfig {
  /** Hosts allowed over plain http (e.g. a receiver inside the private network). */
  allowedHttpHosts: string[];
}

/** https-only: an endpoint URL must use https. */
export function httpsOnly(props: Props, config: HttpsOnlyConfig): string[] {
  const url = props.url;
  if (typeof url !== "string") return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  if (parsed.protocol === "https:") return [];
  if (config.allowedHttpHosts.map((h) => h.toLowerCase()).includes(parsed.hostname.toLowerCase())) return [];
  return [
    `Endpoint URL ${url} is not https: Wacht would send payloads, signatures and headers in the clear. ` +
      "Use an https URL, or list the host in allowedHttpHosts.",
  ];
}

export interface HeaderValuesSecretConfig {
  /** Header names (case-insensitive) whose values may come from elsewhere than stack config. */
  exemptHeaders: string[];
}

/**
 * header-values-secret: every header value must come from the stack's configuration (where
 * `pulumi config set --secret` keeps it encrypted), never from the program's source. A policy cannot see
 * whether the program's value was a Pulumi secret (see docs/policy.md): the policy SDK unwraps secrets
 * before rules run, and WebhookEndpoint wraps every header value as a secret before the engine sees it.
 * What the pack does see is the stack's configuration (`configValues`, decrypted), so the rule checks
 * where each value comes from.
 */
export function headerValuesSecret(
  props: Props,
  config: HeaderValuesSecretConfig,
  configValues: ReadonlySet<string>,
): string[] {
  const headers = props.headers;
  if (headers === null || typeof headers !== "object") return [];
  const exempt = new Set(config.exemptHeaders.map((h) => h.toLowerCase()));
  const literal = Object.entries(headers as Record<string, unknown>)
    .filter(([name, value]) => typeof value === "string" && !exempt.has(name.toLowerCase()))
    .filter(([, value]) => !configValues.has(value as string))
    .map(([name]) => name)
    .sort();
  if (literal.length === 0) return [];
  return [
    `Header ${literal.map((n) => `'${n}'`).join(", ")} ${literal.length === 1 ? "has a value" : "have values"} that ` +
      "no stack config key holds: a value written in the program's source is a secret kept in plain text. " +
      "Read it with config.requireSecret(...) from a key set with `pulumi config set --secret`, or list the " +
      "header in exemptHeaders when it comes from another resource's secret output.",
  ];
}

export interface RotationAgeConfig {
  /** Largest age of a signing secret, in days. */
  maxAgeDays: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * rotation-age: an app's signing secret must be younger than `maxAgeDays`, counted from the last
 * rotation the provider saw (`secretRotatedAt`) or else from the app's creation (`createdAt`), at the time
 * the policy runs. Apps not created yet have neither and are skipped.
 */
export function rotationAge(props: Props, config: RotationAgeConfig, now: number): string[] {
  const rotated = typeof props.secretRotatedAt === "string" ? props.secretRotatedAt : undefined;
  const created = typeof props.createdAt === "string" ? props.createdAt : undefined;
  const since = rotated ?? created;
  if (since === undefined || Number.isNaN(Date.parse(since))) return [];
  const age = (now - Date.parse(since)) / DAY_MS;
  if (age <= config.maxAgeDays) return [];
  const slug = typeof props.slug === "string" ? ` of app '${props.slug}'` : "";
  return [
    `The signing secret${slug} is ${Math.floor(age)} days old (${rotated ? "last rotated" : "created"} ${since}; ` +
      `limit ${config.maxAgeDays} days). Rotate it in place by changing the app's rotationTrigger.`,
  ];
}

export interface RetryBoundsConfig {
  minRetries: number;
  maxRetries: number;
  minTimeoutSeconds: number;
  maxTimeoutSeconds: number;
}

/** retry-bounds: maxRetries and timeoutSeconds (defaults 32 and 30) within the configured bounds. */
export function retryBounds(props: Props, config: RetryBoundsConfig): string[] {
  const failures: string[] = [];
  const retries = typeof props.maxRetries === "number" ? props.maxRetries : 32;
  const timeout = typeof props.timeoutSeconds === "number" ? props.timeoutSeconds : 30;
  if (retries < config.minRetries || retries > config.maxRetries) {
    failures.push(`maxRetries ${retries} is outside the allowed ${config.minRetries}–${config.maxRetries}.`);
  }
  if (timeout < config.minTimeoutSeconds || timeout > config.maxTimeoutSeconds) {
    failures.push(
      `timeoutSeconds ${timeout} is outside the allowed ${config.minTimeoutSeconds}–${config.maxTimeoutSeconds}.`,
    );
  }
  return failures;
}

export interface FailureNotificationsConfig {
  /** Fewest failure e-mails an app must have. */
  minEmails: number;
}

/** failure-notifications: an app names at least `minEmails` addresses Wacht e-mails when it disables an endpoint. */
export function failureNotifications(props: Props, config: FailureNotificationsConfig): string[] {
  const emails = Array.isArray(props.failureNotificationEmails) ? props.failureNotificationEmails : [];
  if (emails.length >= config.minEmails) return [];
  return [
    `The app has ${emails.length} failure notification e-mail${emails.length === 1 ? "" : "s"} (at least ` +
      `${config.minEmails} required): Wacht disables an endpoint after repeated failed deliveries and tells only ` +
      "these addresses. Set failureNotificationEmails.",
  ];
}

/** The event names an endpoint's props subscribe to, trimmed. */
function subscribedEvents(props: Props): string[] | undefined {
  if (Array.isArray(props.events)) return props.events.map((e) => String(e).trim());
  if (Array.isArray(props.subscriptions)) {
    return props.subscriptions.map((s) => String((s as { event?: unknown }).event ?? "").trim());
  }
  return undefined;
}

export interface ExplicitEventsConfig {
  /** Catalogs with fewer events than this are exempt (subscribing to their only event is explicit). */
  minCatalogEvents: number;
}

/**
 * explicit-events: an endpoint names the events it handles. Subscribing to every active event of the
 * app's catalog (typically `events: catalog.events.apply(...)`) is reported: each new event of the catalog
 * would reach the receiver at the next deploy, unasked. `catalogEvents` are the active events of the
 * app's catalog when the stack declares that catalog; otherwise the rule does not apply.
 */
export function explicitEvents(
  props: Props,
  catalogEvents: string[] | undefined,
  config: ExplicitEventsConfig,
): string[] {
  const events = subscribedEvents(props);
  if (events === undefined || events.length === 0) {
    return ["The endpoint names no event: give events or subscriptions."];
  }
  if (catalogEvents === undefined || catalogEvents.length < config.minCatalogEvents) return [];
  const chosen = new Set(events);
  if (!catalogEvents.every((name) => chosen.has(name))) return [];
  return [
    `The endpoint subscribes to all ${catalogEvents.length} events of its app's catalog: name only the events ` +
      "its receiver handles, so that events added to the catalog are not delivered to it unasked.",
  ];
}

/** An endpoint in the stack, for unique-endpoint-urls. */
export interface StackEndpoint {
  urn: string;
  name: string;
  /** The app's slug, or an identifier of the app resource when the slug is not known yet. */
  app: string | undefined;
  url: string | undefined;
}

/**
 * unique-endpoint-urls: no two endpoints of an app at one URL. Wacht delivers each event to both, and
 * neither adoption nor the settling of a lost create can tell them apart by URL. Returns the messages
 * per endpoint URN.
 */
export function uniqueEndpointUrls(endpoints: StackEndpoint[]): Array<{ urn: string; message: string }> {
  const groups = new Map<string, StackEndpoint[]>();
  for (const endpoint of endpoints) {
    if (endpoint.app === undefined || endpoint.url === undefined) continue;
    const key = `${endpoint.app}\u0000${endpoint.url}`;
    groups.set(key, [...(groups.get(key) ?? []), endpoint]);
  }
  const violations: Array<{ urn: string; message: string }> = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const names = group
      .map((e) => `'${e.name}'`)
      .sort()
      .join(", ");
    for (const endpoint of group) {
      violations.push({
        urn: endpoint.urn,
        message:
          `Endpoints ${names} of app '${endpoint.app}' share the URL ${endpoint.url}: Wacht delivers every ` +
          "event to each of them. Keep one endpoint per URL (merge their subscriptions), or give each its own path.",
      });
    }
  }
  return violations;
}
