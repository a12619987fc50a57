/**
 * Pulumi resources for Wacht webhooks.
 *
 * ```ts
 * import * as wacht from "pulumi-wacht";
 * ```
 *
 * Configuration: `wacht:apiUrl` and `wacht:apiKey` (secret) in the stack config, else the
 * `WACHT_API_URL` and `WACHT_API_KEY` environment variables; `wacht:allowPrivateUrls` lets endpoints
 * use loopback and private hosts (for local emulators).
 */
export { WebhookApp } from "./app/resource";
export type { WebhookAppArgs } from "./app/schema";
export { WebhookAppEndpoints } from "./app-endpoints/resource";
export type { UnmanagedAction, UnmanagedEndpoint, WebhookAppEndpointsArgs } from "./app-endpoints/schema";
export { WebhookEventCatalog } from "./catalog/resource";
export type { EventDefinition, EventDefinitionArgs, WebhookEventCatalogArgs } from "./catalog/schema";
export { WebhookEndpoint } from "./endpoint/resource";
export type {
  RateLimit,
  RateLimitArgs,
  Subscription,
  SubscriptionArgs,
  Verification,
  WebhookEndpointArgs,
} from "./endpoint/schema";
export { WachtProviderError } from "./errors";
export * from "./lookups/index";
