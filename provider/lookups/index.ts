/**
 * Data lookups, as Pulumi providers offer them: each `getX(args)` returns a Promise of plain values and
 * each `getXOutput(args)` takes Inputs and returns an Output. They run in the program (dynamic providers
 * have no invoke), read Wacht through the provider's one client with the `wacht:` stack config (else the
 * WACHT_* variables), and keep the API key where it is: it is read when the lookup runs and never put in
 * a result, in state or in an output.
 */
import * as pulumi from "@pulumi/pulumi";
import { webhooks } from "../client";
import { setStackConfig, settings } from "../config";
import { apiStatus, toProviderError, WachtProviderError } from "../errors";
import { type LiveApp, type LiveEndpoint, listEndpoints, readApp, readCatalog } from "./live";

/** Arguments of {@link getWebhookApp}. */
export interface GetWebhookAppArgs {
  /** The app's slug, as Wacht stores it (`billing_eu`). */
  slug: string;
}

/** A Wacht webhook app, as {@link getWebhookApp} reads it. */
export interface GetWebhookAppResult {
  slug: string;
  name: string;
  description: string;
  /** The slug of the app's event catalog, if it has one. */
  eventCatalog?: string;
  failureNotificationEmails: string[];
  active: boolean;
  /** The current signing secret (`whsec_…`): a secret in {@link getWebhookAppOutput}'s result. */
  signingSecret: string;
  createdAt: string;
  updatedAt: string;
}

/** Arguments of {@link getWebhookEventCatalog}. */
export interface GetWebhookEventCatalogArgs {
  /** The catalog's slug. */
  slug: string;
}

/** One active event of a catalog. */
export interface CatalogEvent {
  name: string;
  description: string;
  group?: string;
  schema?: Record<string, unknown>;
  examplePayload?: unknown;
}

/** A Wacht event catalog, as {@link getWebhookEventCatalog} reads it. */
export interface GetWebhookEventCatalogResult {
  slug: string;
  name: string;
  description: string;
  /** The active events, in the order Wacht keeps them. */
  events: CatalogEvent[];
  /** Names of the archived events (Wacht keeps them; they cannot be subscribed to). */
  archivedEvents: string[];
  createdAt: string;
  updatedAt: string;
}

/** Arguments of {@link getWebhookEndpoints}. */
export interface GetWebhookEndpointsArgs {
  /** The app's slug. */
  app: string;
  /** Only the endpoints Wacht delivers to now. Default `false`: inactive endpoints are listed too. */
  activeOnly?: boolean;
}

/** One endpoint of an app. Header values are not returned (only their names). */
export interface WebhookEndpointInfo {
  /** Wacht's endpoint id (a 64-bit integer as a string). */
  endpointId: string;
  url: string;
  description: string;
  /** The subscribed event names, sorted. */
  events: string[];
  /** The subscriptions with their filters (`{}` for none). */
  subscriptions: Array<{ event: string; filter: Record<string, unknown> }>;
  headerNames: string[];
  maxRetries: number;
  timeoutSeconds: number;
  rateLimit?: { durationMs: number; maxRequests: number };
  isActive: boolean;
  failureCount: number;
  createdAt: string;
  updatedAt: string;
}

/** The endpoints of an app, as {@link getWebhookEndpoints} reads them. */
export interface GetWebhookEndpointsResult {
  app: string;
  /** Oldest first (by Wacht's id, which grows with time). */
  endpoints: WebhookEndpointInfo[];
}

/** Arguments of {@link getWebhookAppStats}. */
export interface GetWebhookAppStatsArgs {
  /** The app's slug. */
  app: string;
  /**
   * Start of the analytics window (RFC 3339). Give both `startDate` and `endDate`, or neither for
   * Wacht's default of the last 30 days.
   */
  startDate?: string;
  /** End of the analytics window (RFC 3339). */
  endDate?: string;
  /** Restrict the analytics to one endpoint (its `endpointId`). */
  endpointId?: string;
}

/** Delivery statistics of an app, from Wacht's stats and analytics routes. */
export interface GetWebhookAppStatsResult {
  app: string;
  /** Deliveries of the last 30 days (stats route). */
  totalDeliveries: number;
  /** Percentage of successful deliveries in the last 30 days, 0–100 (stats route). */
  successRate: number;
  activeEndpoints: number;
  failedDeliveries24h: number;
  /** The analytics of the window (default the last 30 days). */
  analytics: {
    totalEvents: number;
    totalDeliveries: number;
    successfulDeliveries: number;
    failedDeliveries: number;
    filteredDeliveries: number;
    /** 0–100. */
    successRate: number;
    avgResponseTimeMs?: number;
    p50ResponseTimeMs?: number;
    p95ResponseTimeMs?: number;
    p99ResponseTimeMs?: number;
    topEvents: Array<{ event: string; count: number }>;
    endpoints: Array<{
      endpointId: string;
      url: string;
      totalAttempts: number;
      successfulAttempts: number;
      failedAttempts: number;
      avgResponseTimeMs?: number;
      successRate: number;
    }>;
    failureReasons: Array<{ reason: string; count: number }>;
  };
}

/**
 * The webhooks API with the program's `wacht:` config. The lookups run in the program, where the stack
 * config is Pulumi's runtime config; `runtime.getConfig` reads a secret key without the warning
 * `Config.get` prints for one.
 */
async function api() {
  setStackConfig({ get: (key) => pulumi.runtime.getConfig(key) });
  return webhooks(settings());
}

/** A lookup's failure, naming the lookup, its argument and what Wacht said; 404 gets a hint. */
function lookupError(lookup: string, name: string, subject: string, error: unknown): WachtProviderError {
  const hint =
    apiStatus(error) === 404
      ? `Wacht has no ${subject}. A lookup reads what exists when the program runs (also at preview): ` +
        "create it first, or use the outputs of the resource that creates it in this program."
      : undefined;
  const failure = toProviderError(lookup, name, "read", error, hint);
  // The program fails with this error: its message says everything, and a stack trace through Pulumi's
  // Output internals is noise that the CLI also takes long to source-map (a minute on a busy machine).
  failure.stack = `${failure.name}: ${failure.message}`;
  return failure;
}

function toAppResult(app: LiveApp): GetWebhookAppResult {
  const { eventCatalog, ...rest } = app;
  return { ...rest, ...(eventCatalog !== null ? { eventCatalog } : {}) };
}

function toEndpointInfo(endpoint: LiveEndpoint): WebhookEndpointInfo {
  const info: WebhookEndpointInfo = {
    endpointId: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.subscriptions.map((s) => s.event).sort(),
    subscriptions: endpoint.subscriptions,
    headerNames: Object.keys(endpoint.headers).sort(),
    maxRetries: endpoint.maxRetries,
    timeoutSeconds: endpoint.timeoutSeconds,
    isActive: endpoint.active,
    failureCount: endpoint.failureCount,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
  if (endpoint.rateLimit) info.rateLimit = endpoint.rateLimit;
  return info;
}

/** Drops `null` numbers Wacht reports for empty windows, so results hold only defined values. */
const optionalNumber = (value: number | null | undefined) =>
  value === null || value === undefined ? undefined : value;

/**
 * Reads a webhook app by slug. The signing secret comes back as a plain string: prefer
 * {@link getWebhookAppOutput}, whose result is a secret.
 *
 * @example
 * const billing = await wacht.getWebhookApp({ slug: "billing" });
 */
export async function getWebhookApp(args: GetWebhookAppArgs): Promise<GetWebhookAppResult> {
  try {
    return toAppResult(await readApp(await api(), args.slug));
  } catch (error) {
    throw lookupError("getWebhookApp", args.slug, `app '${args.slug}'`, error);
  }
}

/**
 * {@link getWebhookApp} with Inputs. The result carries the signing secret, so the whole Output is a
 * secret, as the Output forms of Pulumi's own lookups are when a result holds one; use
 * `pulumi.unsecret(app.name)` for a plain field.
 *
 * @example
 * const billing = wacht.getWebhookAppOutput({ slug: "billing" });
 * export const billingSecret = billing.signingSecret; // a secret output
 */
export function getWebhookAppOutput(args: {
  slug: pulumi.Input<string>;
}): pulumi.Output<GetWebhookAppResult> {
  return pulumi.secret(pulumi.output(args).apply((a) => getWebhookApp(a)));
}

/**
 * Reads an event catalog by slug: its active events with their definitions, and the names of the
 * archived ones.
 *
 * @example
 * const events = (await wacht.getWebhookEventCatalog({ slug: "billing-events" })).events.map((e) => e.name);
 */
export async function getWebhookEventCatalog(
  args: GetWebhookEventCatalogArgs,
): Promise<GetWebhookEventCatalogResult> {
  try {
    const catalog = await readCatalog(await api(), args.slug);
    return {
      slug: catalog.slug,
      name: catalog.name,
      description: catalog.description,
      events: catalog.events
        .filter((e) => !e.archived)
        .map((e) => ({
          name: e.name,
          description: e.description,
          ...(e.group !== null ? { group: e.group } : {}),
          ...(e.schema !== null ? { schema: e.schema } : {}),
          ...(e.examplePayload !== null ? { examplePayload: e.examplePayload } : {}),
        })),
      archivedEvents: catalog.events.filter((e) => e.archived).map((e) => e.name),
      createdAt: catalog.createdAt,
      updatedAt: catalog.updatedAt,
    };
  } catch (error) {
    throw lookupError("getWebhookEventCatalog", args.slug, `event catalog '${args.slug}'`, error);
  }
}

/** {@link getWebhookEventCatalog} with Inputs. */
export function getWebhookEventCatalogOutput(args: {
  slug: pulumi.Input<string>;
}): pulumi.Output<GetWebhookEventCatalogResult> {
  return pulumi.output(args).apply((a) => getWebhookEventCatalog(a));
}

/**
 * Lists the endpoints of an app (inactive ones too unless `activeOnly`). Header values are never
 * returned, only their names. An unknown app is an error (Wacht itself would list nothing).
 *
 * @example
 * const { endpoints } = await wacht.getWebhookEndpoints({ app: "billing" });
 * const urls = endpoints.map((e) => e.url);
 */
export async function getWebhookEndpoints(args: GetWebhookEndpointsArgs): Promise<GetWebhookEndpointsResult> {
  try {
    const client = await api();
    // Wacht answers an empty list for an unknown app: the app is read first for a clear error.
    await readApp(client, args.app);
    const endpoints = (await listEndpoints(client, args.app))
      .filter((e) => !args.activeOnly || e.active)
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
    return { app: args.app, endpoints: endpoints.map(toEndpointInfo) };
  } catch (error) {
    throw lookupError("getWebhookEndpoints", args.app, `app '${args.app}'`, error);
  }
}

/** {@link getWebhookEndpoints} with Inputs. */
export function getWebhookEndpointsOutput(args: {
  app: pulumi.Input<string>;
  activeOnly?: pulumi.Input<boolean>;
}): pulumi.Output<GetWebhookEndpointsResult> {
  return pulumi.output(args).apply((a) => getWebhookEndpoints(a));
}

interface ApiStats {
  total_deliveries: number;
  success_rate: number;
  active_endpoints: number;
  failed_deliveries_24h: number;
}

interface ApiAnalytics {
  total_events: number;
  total_deliveries: number;
  successful_deliveries: number;
  failed_deliveries: number;
  filtered_deliveries: number;
  avg_response_time_ms?: number | null;
  p50_response_time_ms?: number | null;
  p95_response_time_ms?: number | null;
  p99_response_time_ms?: number | null;
  success_rate: number;
  top_events: Array<{ event_name: string; count: number }>;
  endpoint_performance: Array<{
    endpoint_id: string | number;
    endpoint_url: string;
    total_attempts: number;
    successful_attempts: number;
    failed_attempts: number;
    avg_response_time_ms?: number | null;
    success_rate: number;
  }>;
  failure_reasons: Array<{ reason: string; count: number }>;
}

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Reads an app's delivery statistics (Wacht's stats route, last 30 days) and analytics (for a window,
 * default the last 30 days). Wacht reports zeros for an unknown app; the lookup reads the app first
 * and fails instead.
 *
 * @example
 * const stats = await wacht.getWebhookAppStats({ app: "billing" });
 * if (stats.successRate < 95) pulumi.log.warn(`billing delivers only ${stats.successRate}%`);
 */
export async function getWebhookAppStats(args: GetWebhookAppStatsArgs): Promise<GetWebhookAppStatsResult> {
  if ((args.startDate === undefined) !== (args.endDate === undefined)) {
    throw new WachtProviderError(
      "getWebhookAppStats: give both startDate and endDate, or neither (Wacht applies a window only when both are set).",
    );
  }
  try {
    const client = await api();
    await readApp(client, args.app);
    const stats = (await client.getWebhookStats(args.app)) as ApiStats;
    const analytics = (await client.getWebhookAnalytics(
      args.app,
      defined({
        start_date: args.startDate,
        end_date: args.endDate,
        endpoint_id: args.endpointId,
      }) as never,
    )) as ApiAnalytics;
    return {
      app: args.app,
      totalDeliveries: stats.total_deliveries,
      successRate: stats.success_rate,
      activeEndpoints: stats.active_endpoints,
      failedDeliveries24h: stats.failed_deliveries_24h,
      analytics: defined({
        totalEvents: analytics.total_events,
        totalDeliveries: analytics.total_deliveries,
        successfulDeliveries: analytics.successful_deliveries,
        failedDeliveries: analytics.failed_deliveries,
        filteredDeliveries: analytics.filtered_deliveries,
        successRate: analytics.success_rate,
        avgResponseTimeMs: optionalNumber(analytics.avg_response_time_ms),
        p50ResponseTimeMs: optionalNumber(analytics.p50_response_time_ms),
        p95ResponseTimeMs: optionalNumber(analytics.p95_response_time_ms),
        p99ResponseTimeMs: optionalNumber(analytics.p99_response_time_ms),
        topEvents: analytics.top_events.map((e) => ({ event: e.event_name, count: e.count })),
        endpoints: analytics.endpoint_performance.map((e) =>
          defined({
            endpointId: String(e.endpoint_id),
            url: e.endpoint_url,
            totalAttempts: e.total_attempts,
            successfulAttempts: e.successful_attempts,
            failedAttempts: e.failed_attempts,
            avgResponseTimeMs: optionalNumber(e.avg_response_time_ms),
            successRate: e.success_rate,
          }),
        ),
        failureReasons: analytics.failure_reasons.map((r) => ({ reason: r.reason, count: r.count })),
      }),
    };
  } catch (error) {
    throw lookupError("getWebhookAppStats", args.app, `app '${args.app}'`, error);
  }
}

/** {@link getWebhookAppStats} with Inputs. */
export function getWebhookAppStatsOutput(args: {
  app: pulumi.Input<string>;
  startDate?: pulumi.Input<string>;
  endDate?: pulumi.Input<string>;
  endpointId?: pulumi.Input<string>;
}): pulumi.Output<GetWebhookAppStatsResult> {
  return pulumi.output(args).apply((a) => getWebhookAppStats(a));
}
