/**
 * WebhookEndpoint: argument, input and output types, the property table, normalisation, and the
 * mapping to and from Wacht's snake_case JSON (the only place that knows it).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { WebhookApp } from "../app/resource";
import { canonicalJson } from "../canonical-json";
import type { PropertySpec } from "../lifecycle";

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

/** Property semantics: the app is the endpoint's identity; everything else is a PATCH. */
export const endpointProperties: Record<string, PropertySpec> = {
  app: { replaces: true },
  url: {},
  description: { normalize: (v) => v ?? "" },
  subscriptions: { normalize: subscriptionSet },
  headers: { normalize: headerMap },
  maxRetries: { normalize: (v) => v ?? DEFAULT_MAX_RETRIES },
  timeoutSeconds: { normalize: (v) => v ?? DEFAULT_TIMEOUT_SECONDS },
  rateLimit: {},
  active: { normalize: (v) => v ?? true },
};

/** Outputs that are secrets in state and in the program. */
export const endpointSecretOutputs = ["headers"];

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

/** The create request's body, as the SDK sends it (it adds `app_slug`). */
export function createBody(inputs: EndpointInputs) {
  return {
    app_slug: inputs.app,
    url: inputs.url,
    ...(inputs.description !== "" ? { description: inputs.description } : {}),
    headers: inputs.headers,
    subscriptions: subscriptionsToApi(subscriptionsOf(inputs)),
    max_retries: inputs.maxRetries,
    timeout_seconds: inputs.timeoutSeconds,
    ...(inputs.rateLimit !== null ? { rate_limit_config: rateLimitToApi(inputs.rateLimit) } : {}),
  };
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
    rateLimit: endpoint.rate_limit_config
      ? {
          durationMs: endpoint.rate_limit_config.duration_ms,
          maxRequests: endpoint.rate_limit_config.max_requests,
        }
      : null,
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
  const inputs: EndpointInputs = {
    pulumiName: outputs.pulumiName,
    app: outputs.app,
    url: outputs.url,
    description: outputs.description,
    headers: outputs.headers,
    maxRetries: outputs.maxRetries,
    timeoutSeconds: outputs.timeoutSeconds,
    rateLimit: outputs.rateLimit,
    active: outputs.active,
  };
  if (outputs.events !== undefined) inputs.events = outputs.events;
  if (outputs.subscriptions !== undefined) inputs.subscriptions = outputs.subscriptions;
  return inputs;
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
