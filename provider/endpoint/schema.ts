/**
 * WebhookEndpoint: argument, input and output types, the property table, normalisation, and the
 * mapping to and from Wacht's snake_case JSON (the only place that knows it).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { WebhookApp } from "../app/resource";
import { canonicalJson } from "../canonical-json";
import { settings } from "../config";
import {
  apiBody,
  descriptionProperty,
  diffTable,
  inputsFromState,
  type Schema,
  secretOutputs,
} from "../property";
import {
  validateHeaders,
  validateMaxRetries,
  validateOptionalType,
  validateRateLimit,
  validateTimeoutSeconds,
  validateWebhookUrl,
} from "../validate";
import { catalogOf, checkEvents, checkSubscriptions } from "./checks";

/** A subscription to one event, optionally filtered with Wacht's filter rules. */
export interface SubscriptionArgs {
  /** Event name from the app's catalog. */
  event: pulumi.Input<string>;
  /**
   * Wacht filter rules, e.g. `{ amount: { $gte: 100 } }` or `{ $or: [...] }`. Fields are checked against
   * the event's schema. Compared as canonical JSON, so key order never produces a diff.
   */
  filter?: pulumi.Input<Record<string, unknown>>;
}

/** Per-endpoint delivery rate limit. */
export interface RateLimitArgs {
  /** Window length in milliseconds. */
  durationMs: pulumi.Input<number>;
  /** Deliveries allowed per window. */
  maxRequests: pulumi.Input<number>;
}

/** Arguments of {@link WebhookEndpoint}. Give exactly one of `events` and `subscriptions`. */
export interface WebhookEndpointArgs {
  /**
   * The app: a {@link WebhookApp} (its catalog's events then let `check` validate event names and
   * filters at preview) or an app slug. Changing it replaces the endpoint.
   */
  app: pulumi.Input<string> | WebhookApp;
  /** Receiver URL (http or https). Private and loopback hosts are rejected, as Wacht does, unless `wacht:allowPrivateUrls` is true. Updates in place. */
  url: pulumi.Input<string>;
  /** Description. Default `""`. Updates in place. */
  description?: pulumi.Input<string>;
  /** Event names to receive (order is ignored). Updates in place. */
  events?: pulumi.Input<pulumi.Input<string>[]>;
  /** Subscriptions with filter rules (order is ignored). Updates in place. */
  subscriptions?: pulumi.Input<pulumi.Input<SubscriptionArgs>[]>;
  /**
   * Extra request headers Wacht sends with each delivery. Values are Pulumi secrets: plan output shows
   * header names only. Names compare case-insensitively. Default `{}`. Updates in place.
   */
  headers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Total delivery attempts, 1–32. Default 32 (about 6.8 days of retries). Updates in place. */
  maxRetries?: pulumi.Input<number>;
  /** Per-attempt timeout in seconds, 1–300. Default 30. Updates in place. */
  timeoutSeconds?: pulumi.Input<number>;
  /** Delivery rate limit. Default none. Once set it cannot be removed (Wacht cannot unset it), only changed. */
  rateLimit?: pulumi.Input<RateLimitArgs>;
  /** Whether the endpoint receives deliveries. Default `true`. Updates in place. */
  active?: pulumi.Input<boolean>;
  /**
   * Take over the existing endpoint of this app with the same URL instead of creating one (an error
   * lists the candidates when several match), then converge it to this program. Default `false`.
   */
  adopt?: pulumi.Input<boolean>;
  /**
   * Reactivate on deploy an endpoint that Wacht disabled (after repeated failures or a 410). Default
   * `false`: a disabled endpoint is reported (`isActive` false, a warning) but left disabled.
   */
  reactivate?: pulumi.Input<boolean>;
  /**
   * Send a `test.webhook` delivery after create and update, wait for its result (up to 30 s) and report it
   * in `lastVerification` (a warning when it fails). Default `false`.
   */
  verify?: pulumi.Input<boolean>;
}

/** A subscription as the provider keeps it. */
export interface Subscription {
  event: string;
  filter: Record<string, unknown> | null;
}

/** A rate limit as the provider keeps it. */
export interface RateLimit {
  durationMs: number;
  maxRequests: number;
}

/**
 * Checked inputs. The catalog events a program hands over with a {@link WebhookApp} are not among them:
 * `check` reads them from the program's values and keeps them out of state.
 */
export interface EndpointInputs {
  /** The resource's name in the program, for messages and as the holder of claims (identify.ts). */
  pulumiName: string;
  app: string;
  url: string;
  description: string;
  events?: string[];
  subscriptions?: Subscription[];
  headers: Record<string, string>;
  maxRetries: number;
  timeoutSeconds: number;
  rateLimit: RateLimit | null;
  active: boolean;
  /** Only matters on create. */
  adopt?: boolean;
  /** Read from the program at each deploy; never stored in outputs. */
  reactivate?: boolean;
  /** Read from the program at each deploy; never stored in outputs. */
  verify?: boolean;
}

/** The outcome of the last `verify` test delivery. */
export interface Verification {
  status: string;
  httpStatusCode: number | null;
  deliveryId: string;
  at: string;
}

/**
 * State: what Wacht stored, plus `pulumiName` (read and delete get only the outputs, and their messages
 * name the resource). The flags that only steer create and update (`adopt`, `reactivate`, `verify`) are
 * not echoed.
 */
export interface EndpointOutputs extends Omit<EndpointInputs, "adopt" | "reactivate" | "verify"> {
  /** Wacht's endpoint id (a 64-bit integer as a string). */
  endpointId: string;
  /** Header names (the values are secret). */
  headerNames: string[];
  /** Whether Wacht is delivering to the endpoint now. */
  isActive: boolean;
  failureCount: number;
  /** True when the endpoint was disabled outside Pulumi (by Wacht after failures or a 410, or by hand). */
  autoDisabled: boolean;
  lastVerification?: Verification;
  createdAt: string;
  updatedAt: string;
}

/** Wacht's endpoint JSON (list responses add `subscriptions`). */
export interface ApiEndpoint {
  id: string;
  app_slug: string;
  url: string;
  description?: string | null;
  headers?: Record<string, unknown> | null;
  is_active: boolean;
  max_retries: number;
  timeout_seconds: number;
  failure_count: number;
  auto_disabled: boolean;
  rate_limit_config?: { duration_ms: number; max_requests: number } | null;
  created_at: string;
  updated_at: string;
  subscriptions?: Array<{ event_name: string; filter_rules?: Record<string, unknown> | null }>;
}

export const DEFAULT_MAX_RETRIES = 32;
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** The subscriptions an endpoint's inputs or state declare, whichever shape they use. */
export function subscriptionsOf(value: Pick<EndpointInputs, "events" | "subscriptions">): Subscription[] {
  if (value.subscriptions) return value.subscriptions;
  return (value.events ?? []).map((event) => ({ event, filter: null }));
}

/** Subscriptions as a set keyed by event; a missing filter equals `{}`, which is what Wacht stores. */
function subscriptionSet(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return Object.fromEntries((value as Subscription[]).map((s) => [s.event, s.filter ?? {}]));
}

/** Header names compare case-insensitively. */
function headerMap(value: unknown): unknown {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
}

const APP_REQUIRED = "app is required: a WebhookApp or an app slug";

/**
 * Every property of WebhookEndpoint, declared once: README's table, check's defaults and validators,
 * diff, the create and PATCH bodies and read's rebuilt inputs follow from it. The app is the endpoint's
 * identity; everything else is a PATCH of the changed fields (Wacht's PATCH keeps what it is not sent).
 */
export const endpointSchema: Schema = {
  app: {
    doc: "The app's slug (a WebhookApp gives its own).",
    type: "`WebhookApp` or app slug, required",
    wire: "app_slug",
    sent: "create",
    change: "replace",
    whenMissing: () => APP_REQUIRED,
    validate: (path, value) =>
      typeof value !== "string" || value.trim() === "" ? [{ property: path, reason: APP_REQUIRED }] : [],
  },
  url: {
    doc: "The receiver's http or https URL.",
    type: "`string`, required",
    wire: "url",
    change: "update",
    whenMissing: () => "url is required: the receiver's http or https URL",
    validate: (path, value) =>
      validateWebhookUrl(path, value, { allowPrivateUrls: settings().allowPrivateUrls }),
  },
  description: descriptionProperty,
  events: {
    doc: "Event names to receive (sent as subscriptions without filters).",
    type: "`string[]`",
    change: "update",
    note: "order ignored",
    comparedAs: "subscriptions",
    validate: checkEvents,
    whenMissing: (news) =>
      news.subscriptions === undefined || news.subscriptions === null
        ? "events or subscriptions is required: Wacht needs at least one subscription"
        : undefined,
  },
  subscriptions: {
    doc: "Subscriptions with Wacht filter rules.",
    type: "`{ event, filter? }[]`",
    wire: "subscriptions",
    toApi: (v) => subscriptionsToApi(v as Subscription[]),
    change: "update",
    note: "order ignored",
    normalize: subscriptionSet,
    validate: (path, value, news) => [
      ...(news.events !== undefined && news.events !== null
        ? [{ property: path, reason: "give either events or subscriptions, not both" }]
        : []),
      ...checkSubscriptions(value, catalogOf(news), news.app),
    ],
  },
  headers: {
    doc: "Extra request headers of each delivery; each value is a secret.",
    type: "`Record<string, string>`",
    wire: "headers",
    default: {},
    change: "update",
    note: "names case-insensitive",
    normalize: headerMap,
    secret: "values",
    validate: validateHeaders,
  },
  maxRetries: {
    doc: "Total delivery attempts.",
    type: "`number`, 1–32 (total delivery attempts)",
    wire: "max_retries",
    default: DEFAULT_MAX_RETRIES,
    change: "update",
    normalize: (v) => v ?? DEFAULT_MAX_RETRIES,
    validate: validateMaxRetries,
  },
  timeoutSeconds: {
    doc: "Per-attempt timeout in seconds.",
    type: "`number`, 1–300",
    wire: "timeout_seconds",
    default: DEFAULT_TIMEOUT_SECONDS,
    change: "update",
    normalize: (v) => v ?? DEFAULT_TIMEOUT_SECONDS,
    validate: validateTimeoutSeconds,
  },
  rateLimit: {
    doc: "Delivery rate limit.",
    type: "`{ durationMs, maxRequests }`",
    wire: "rate_limit_config",
    toApi: (v) => rateLimitToApi(v as RateLimit | null) ?? undefined,
    default: null,
    defaultText: "none",
    createOmitsDefault: true,
    change: "update",
    validate: validateRateLimit,
    cannotRemove: () =>
      "rateLimit cannot be removed: Wacht cannot unset an endpoint's rate limit once set. Keep it, change it " +
      "(a large maxRequests effectively lifts it), or replace the endpoint.",
  },
  active: {
    doc: "Whether the endpoint receives deliveries (the program's wish; `isActive` is Wacht's).",
    type: "`boolean`",
    wire: "is_active",
    sent: "update",
    default: true,
    change: "update",
    normalize: (v) => v ?? true,
    validate: (path, value) => validateOptionalType(path, value, "boolean"),
  },
  adopt: {
    doc: "Take over the app's existing endpoint with this URL instead of creating one.",
    type: "`boolean`",
    default: false,
    change: "create",
    validate: (path, value) => validateOptionalType(path, value, "boolean"),
  },
  reactivate: {
    doc: "Turn an endpoint Wacht disabled back on at the next deploy.",
    type: "`boolean`",
    default: false,
    change: "create",
    validate: (path, value) => validateOptionalType(path, value, "boolean"),
  },
  verify: {
    doc: "Send a test delivery after create and update and report it in `lastVerification`.",
    type: "`boolean`",
    default: false,
    change: "create",
    validate: (path, value) => validateOptionalType(path, value, "boolean"),
  },
  endpointId: { doc: "Wacht's endpoint id (a 64-bit integer as a string).", computed: true },
  headerNames: { doc: "The header names (plain).", computed: true },
  isActive: { doc: "Whether Wacht delivers to the endpoint now.", computed: true },
  failureCount: { doc: "Wacht's count of failed deliveries in a row.", computed: true },
  autoDisabled: { doc: "True when the endpoint was disabled outside Pulumi.", computed: true },
  lastVerification: { doc: "The outcome of the last `verify` test delivery.", computed: true },
  createdAt: { doc: "Wacht's creation time.", computed: true },
  updatedAt: { doc: "Wacht's last update time.", computed: true },
};

/** What diff compares, and how. */
export const endpointProperties = diffTable(endpointSchema);

/** Outputs that are secrets in state and in the program. */
export const endpointSecretOutputs = secretOutputs(endpointSchema);

/** The values compared by diff: both subscription shapes become `subscriptions`. */
export function comparable(value: EndpointInputs): Record<string, unknown> {
  return { ...value, events: undefined, subscriptions: subscriptionsOf(value) };
}

export function subscriptionsToApi(subscriptions: Subscription[]) {
  return subscriptions.map((s) => ({
    event_name: s.event,
    ...(s.filter !== null ? { filter_rules: s.filter } : {}),
  }));
}

/** The create request's body (the SDK puts `app_slug` in the path). */
export function createBody(inputs: EndpointInputs): Record<string, unknown> {
  return apiBody(endpointSchema, comparable(inputs), Object.keys(endpointSchema), "create");
}

/** The PATCH body that sets the given properties to their `desired` values. */
export function patchBody(desired: EndpointInputs, keys: readonly string[]): Record<string, unknown> {
  return apiBody(endpointSchema, comparable(desired), keys, "update");
}

/** A rate limit from Wacht's JSON (`null` when none is set). */
export function rateLimitFromApi(config: ApiEndpoint["rate_limit_config"]): RateLimit | null {
  return config ? { durationMs: config.duration_ms, maxRequests: config.max_requests } : null;
}

export function rateLimitToApi(rateLimit: RateLimit | null) {
  return rateLimit === null
    ? null
    : { duration_ms: rateLimit.durationMs, max_requests: rateLimit.maxRequests };
}

/**
 * State from Wacht's endpoint. Subscriptions come from a list response (create and update responses have
 * none: the ones just sent are used then), in the shape the program uses (`events` or `subscriptions`).
 */
export function fromApi(
  endpoint: ApiEndpoint,
  kept: Pick<EndpointInputs, "pulumiName" | "events">,
  extra: { subscriptions: Subscription[]; autoDisabled: boolean; lastVerification?: Verification },
): EndpointOutputs {
  const headers = Object.fromEntries(
    Object.entries(endpoint.headers ?? {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
  const plain = extra.subscriptions.every((s) => s.filter === null || Object.keys(s.filter).length === 0);
  const outputs: EndpointOutputs = {
    pulumiName: kept.pulumiName,
    app: endpoint.app_slug,
    url: endpoint.url,
    description: endpoint.description ?? "",
    headers,
    headerNames: Object.keys(headers).sort(),
    maxRetries: endpoint.max_retries,
    timeoutSeconds: endpoint.timeout_seconds,
    rateLimit: rateLimitFromApi(endpoint.rate_limit_config),
    active: endpoint.is_active,
    endpointId: String(endpoint.id),
    isActive: endpoint.is_active,
    failureCount: endpoint.failure_count,
    autoDisabled: endpoint.auto_disabled || extra.autoDisabled,
    createdAt: endpoint.created_at,
    updatedAt: endpoint.updated_at,
  };
  // Wacht stores a missing filter as {}: state says so too, whatever the program wrote, so that the
  // outputs of an update and of a later read are identical.
  if (kept.events !== undefined && plain) outputs.events = extra.subscriptions.map((s) => s.event);
  else outputs.subscriptions = extra.subscriptions.map((s) => ({ event: s.event, filter: s.filter ?? {} }));
  if (extra.lastVerification) outputs.lastVerification = extra.lastVerification;
  return outputs;
}

/** Subscriptions from a list response, keeping filters as Wacht stored them (`{}` for none). */
export function subscriptionsFromApi(endpoint: ApiEndpoint): Subscription[] {
  return (endpoint.subscriptions ?? []).map((s) => ({ event: s.event_name, filter: s.filter_rules ?? {} }));
}

/** The inputs a program declaring the live endpoint would have (what refresh reports as drift). */
export function inputsFromOutputs(outputs: EndpointOutputs): EndpointInputs {
  return inputsFromState<EndpointInputs>(endpointSchema, { ...outputs });
}

/**
 * True when the live endpoint (a list response) carries everything `inputs` ask for at create: URL,
 * description, headers, subscriptions with their filters, retries, timeout and rate limit. How a create
 * whose answer was lost recognises its own endpoint among others at the same URL.
 */
export function matchesInputs(endpoint: ApiEndpoint, inputs: EndpointInputs): boolean {
  const asSet = (subscriptions: Subscription[]) =>
    canonicalJson(Object.fromEntries(subscriptions.map((s) => [s.event.trim(), s.filter ?? {}])));
  return (
    endpoint.url === inputs.url &&
    (endpoint.description ?? "") === inputs.description &&
    canonicalJson(endpoint.headers ?? {}) === canonicalJson(inputs.headers) &&
    endpoint.max_retries === inputs.maxRetries &&
    endpoint.timeout_seconds === inputs.timeoutSeconds &&
    canonicalJson(endpoint.rate_limit_config ?? null) === canonicalJson(rateLimitToApi(inputs.rateLimit)) &&
    asSet(subscriptionsFromApi(endpoint)) === asSet(subscriptionsOf(inputs))
  );
}
