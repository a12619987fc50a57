/**
 * The read-only view of a live Wacht that the lookups (`getWebhookApp` …) and the program generator
 * (`pulumi-wacht import`) share: Wacht's snake_case JSON read through the one client, returned in the
 * provider's camelCase shapes. Nothing here writes.
 */
import type { ApiApp } from "../app/schema";
import { type ApiCatalog, eventFromApi } from "../catalog/schema";
import type { WebhooksApi } from "../client";
import { listAllEndpoints } from "../endpoint/listing";
import { type ApiEndpoint, rateLimitFromApi, subscriptionsFromApi } from "../endpoint/schema";

/** One event of a catalog, as Wacht stores it. */
export interface LiveEvent {
  name: string;
  description: string;
  group: string | null;
  schema: Record<string, unknown> | null;
  examplePayload: unknown;
  archived: boolean;
}

/** A live event catalog. */
export interface LiveCatalog {
  slug: string;
  name: string;
  description: string;
  /** Every event, archived ones included, in Wacht's (append) order. */
  events: LiveEvent[];
  createdAt: string;
  updatedAt: string;
}

/** A live webhook app. */
export interface LiveApp {
  slug: string;
  name: string;
  description: string;
  eventCatalog: string | null;
  failureNotificationEmails: string[];
  active: boolean;
  /** The current signing secret (`whsec_…`). */
  signingSecret: string;
  createdAt: string;
  updatedAt: string;
}

/** One subscription of a live endpoint; `filter` is `{}` when it has none (what Wacht stores). */
export interface LiveSubscription {
  event: string;
  filter: Record<string, unknown>;
}

/** A live endpoint. `headers` holds the values: callers decide who may see them. */
export interface LiveEndpoint {
  id: string;
  app: string;
  url: string;
  description: string;
  subscriptions: LiveSubscription[];
  /** String-valued headers (Wacht sends only those). */
  headers: Record<string, string>;
  /** Header names whose stored value is not a string (Wacht accepts any JSON and never sends them). */
  ignoredHeaders: string[];
  maxRetries: number;
  timeoutSeconds: number;
  rateLimit: { durationMs: number; maxRequests: number } | null;
  active: boolean;
  failureCount: number;
  createdAt: string;
  updatedAt: string;
}

function appFromApi(app: ApiApp): LiveApp {
  return {
    slug: app.app_slug,
    name: app.name,
    description: app.description ?? "",
    eventCatalog: app.event_catalog_slug ?? null,
    failureNotificationEmails: app.failure_notification_emails ?? [],
    active: app.is_active,
    signingSecret: app.signing_secret,
    createdAt: app.created_at,
    updatedAt: app.updated_at,
  };
}

function catalogFromApi(catalog: ApiCatalog): LiveCatalog {
  return {
    slug: catalog.slug,
    name: catalog.name,
    description: catalog.description ?? "",
    events: catalog.events.map((e) => ({ ...eventFromApi(e), archived: e.is_archived === true })),
    createdAt: catalog.created_at,
    updatedAt: catalog.updated_at,
  };
}

function endpointFromApi(endpoint: ApiEndpoint): LiveEndpoint {
  const raw =
    endpoint.headers !== null && typeof endpoint.headers === "object" && !Array.isArray(endpoint.headers)
      ? (endpoint.headers as Record<string, unknown>)
      : {};
  const headers: Record<string, string> = {};
  const ignoredHeaders: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "string") headers[name] = value;
    else ignoredHeaders.push(name);
  }
  return {
    id: String(endpoint.id),
    app: endpoint.app_slug,
    url: endpoint.url,
    description: endpoint.description ?? "",
    subscriptions: subscriptionsFromApi(endpoint).map((s) => ({ event: s.event, filter: s.filter ?? {} })),
    headers,
    ignoredHeaders,
    maxRetries: endpoint.max_retries,
    timeoutSeconds: endpoint.timeout_seconds,
    rateLimit: rateLimitFromApi(endpoint.rate_limit_config),
    active: endpoint.is_active,
    failureCount: endpoint.failure_count,
    createdAt: endpoint.created_at,
    updatedAt: endpoint.updated_at,
  };
}

/** The app with this slug (404 when Wacht has none). */
export async function readApp(api: WebhooksApi, slug: string): Promise<LiveApp> {
  return appFromApi((await api.getWebhookApp(slug)) as ApiApp);
}

/** The catalog with this slug (404 when Wacht has none). */
export async function readCatalog(api: WebhooksApi, slug: string): Promise<LiveCatalog> {
  return catalogFromApi((await api.getWebhookEventCatalog(slug)) as ApiCatalog);
}

const PAGE_SIZE = 100;

/** Every app of the deployment, inactive ones included, in Wacht's order. */
export async function listApps(api: WebhooksApi): Promise<LiveApp[]> {
  const all: LiveApp[] = [];
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = (await api.listWebhookApps({ limit: PAGE_SIZE, offset, include_inactive: true })) as {
      data: ApiApp[];
      has_more?: boolean;
    };
    all.push(...page.data.map(appFromApi));
    if (!page.has_more || page.data.length === 0) return all;
  }
}

/** Every catalog of the deployment (Wacht returns them all at once, ordered by name). */
export async function listCatalogs(api: WebhooksApi): Promise<LiveCatalog[]> {
  // The client's methods pass the client as their last argument: with no options given it would land in
  // the options' place, and the call would go to the SDK's unconfigured default client.
  const page = (await api.listWebhookEventCatalogs({})) as { data: ApiCatalog[] };
  return page.data.map(catalogFromApi);
}

/** Every endpoint of the app, inactive ones included, read fresh. */
export async function listEndpoints(api: WebhooksApi, app: string): Promise<LiveEndpoint[]> {
  return (await listAllEndpoints(api, app, { fresh: true })).map(endpointFromApi);
}
