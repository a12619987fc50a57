/**
 * The provider's one error type and the single place where API and transport failures become it.
 *
 * `@wacht/backend` replaces Wacht's own message with "An error occurred"; the client's fetch adapter
 * (client.ts) puts `errors[0].message`, the method and the path back, and {@link toProviderError} turns
 * them into a message that says which resource, which operation, what status and what Wacht said.
 */

/** The lifecycle operations whose failures the provider reports. */
export type Operation = "create" | "read" | "update" | "delete" | "adopt";

/** Where a failed request went: filled in by the client's fetch adapter. */
export interface RequestInfo {
  method: string;
  path: string;
  /** True when the request may have been applied although no answer came back (a lost response). */
  ambiguous?: boolean;
  /** True when the attempt was abandoned for taking too long: the server may still be applying it. */
  timedOut?: boolean;
}

/** Every error the provider throws. Its message is complete: what, where, why, and a hint when one helps. */
export class WachtProviderError extends Error {
  constructor(
    message: string,
    /** HTTP status from Wacht, or undefined for transport failures and local errors. */
    readonly status?: number,
    /** Wacht's own message (`errors[0].message`), or the transport's. */
    readonly apiMessage?: string,
    readonly request?: RequestInfo,
  ) {
    super(message);
    this.name = "WachtProviderError";
  }
}

/** The fields the SDK's `WachtError` carries once the fetch adapter has filled them in. */
interface SdkErrorShape {
  message?: unknown;
  statusCode?: unknown;
  details?: unknown;
}

/** Status and request of an error thrown through the SDK, or undefined when it is not an API error. */
export function apiStatus(error: unknown): number | undefined {
  if (error instanceof WachtProviderError) return error.status;
  const status = (error as SdkErrorShape | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** True when a failed request may still have been applied (no response came back). */
export function isAmbiguous(error: unknown): boolean {
  return requestInfo(error)?.ambiguous === true;
}

/** True when the request was abandoned for taking too long (it may still land after the failure). */
export function timedOut(error: unknown): boolean {
  return requestInfo(error)?.timedOut === true;
}

/** The request a failed API call made, when the error carries it. */
export function requestInfo(error: unknown): RequestInfo | undefined {
  if (error instanceof WachtProviderError) return error.request;
  const details = (error as SdkErrorShape | undefined)?.details as Partial<RequestInfo> | undefined;
  if (details && typeof details.method === "string" && typeof details.path === "string") {
    return details as RequestInfo;
  }
  return undefined;
}

const hints: Record<number, string> = {
  401: "Check wacht:apiKey (or WACHT_API_KEY): Wacht did not accept the key.",
  403: "The API key is not allowed to manage webhooks in this deployment.",
  429: "Wacht kept rate-limiting after the provider's retries; run again later or lower parallelism (pulumi up --parallel).",
};

/**
 * Translates any failure of an API call into a {@link WachtProviderError} that names the resource
 * (`WebhookEndpoint "primary"`), the operation, the HTTP status and Wacht's message, e.g.
 * `WebhookEndpoint "primary" create failed: 400 Unknown event 'x' for app 'billing' (POST /webhooks/apps/billing/endpoints)`.
 */
export function toProviderError(
  resource: string,
  name: string | undefined,
  operation: Operation,
  error: unknown,
  hint?: string,
): WachtProviderError {
  if (error instanceof WachtProviderError && error.message.startsWith(`${resource} `)) return error;
  const status = apiStatus(error);
  const request = requestInfo(error);
  const apiMessage = error instanceof Error ? error.message : String(error);
  const subject = name ? `${resource} "${name}"` : resource;
  const where = request ? ` (${request.method} ${request.path})` : "";
  const what = status === undefined ? apiMessage : `${status} ${apiMessage}`;
  const extra = hint ?? (status === undefined ? undefined : hints[status]);
  const message = `${subject} ${operation} failed: ${what}${where}${extra ? `\n${extra}` : ""}`;
  return new WachtProviderError(message, status, apiMessage, request);
}
