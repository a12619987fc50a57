/**
 * The one place that builds Wacht error bodies, and every message text the emulator sends.
 * Wacht's body is `{"errors":[{"message","code"}]}` with `code` equal to the HTTP status; there is no
 * top-level `message` (spec §1.4).
 */

/** Messages of Wacht's `normalize_error_responses` layer, used for extractor rejections (spec §1.4). */
export const BAD_REQUEST = "Bad request";
export const UNAUTHORIZED = "Unauthorized";
export const FORBIDDEN = "Forbidden";
export const NOT_FOUND = "Not found";
export const METHOD_NOT_ALLOWED = "Method not allowed";
export const INVALID_PAYLOAD = "Invalid request payload";
export const RATE_LIMITED = "Rate limit exceeded";
export const SOMETHING_WENT_WRONG = "Something went wrong";
export const REQUEST_FAILED = "Request failed";

/** Authentication middleware (spec §1.2). */
export const BEARER_REQUIRED = "Authorization header must be Bearer token";
export const AUTHENTICATION_FAILED = "Authentication failed";

/** Database error mapping (spec §1.4). */
export const RESOURCE_EXISTS = "Resource already exists";
export const RELATED_NOT_FOUND = "Related resource not found";

/** Handler messages (spec §3, §4). */
export const APP_NOT_FOUND = "Webhook app not found";
export const CATALOG_NOT_FOUND = "Event catalog not found";
export const NO_CATALOG_ASSIGNED = "No catalog assigned to this app";
export const ENDPOINT_NOT_FOUND = "Webhook endpoint not found";
export const SLUG_NEEDS_ALNUM = "app_slug must contain at least one alphanumeric character";
export const MAX_RETRIES_TOO_LOW = "max_retries must be at least 1";
export const MAX_RETRIES_TOO_HIGH = "max_retries cannot exceed 32 (7-day retry window limit)";
export const SUBSCRIPTION_REQUIRED = "At least one subscription is required";
export const SUBSCRIPTION_EVENT_REQUIRED = "Subscription event_name is required";
export const INVALID_WEBHOOK_URL = "Invalid webhook URL";
export const INVALID_DELIVERY_ID = "Invalid delivery ID";
export const PENDING_DELIVERY_NOT_FOUND = "Pending delivery not found";
export const REPLAY_TOO_MANY_IDS = "Maximum 500 delivery IDs are allowed per replay";
export const REPLAY_END_BEFORE_START = "end_date must be greater than or equal to start_date";
export const REPLAY_RANGE_TOO_LONG = "Replay range cannot exceed 48 hours";
export const REPLAY_INVALID_STATUS = "invalid status";
export const REPLAY_INVALID_ENDPOINT = "invalid endpoint_id";
export const REPLAY_TOO_MANY_TASKS = "Maximum 3 replay jobs can run at once for this app";
export const REPLAY_TASK_NOT_FOUND = "Replay task not found";
export const REPLAY_QUEUED = "Webhook deliveries queued for replay";
export const REPLAY_ALREADY_QUEUED = "Replay already queued for this idempotency key";
export const REPLAY_CANCEL_REQUESTED = "Replay task cancellation requested";
export const TEST_INITIATED = "Test webhook initiated. Check delivery history for results.";

export const unknownEvent = (event: string, app: string) => `Unknown event '${event}' for app '${app}'`;
export const archivedEvent = (event: string) => `Event '${event}' is archived and cannot be subscribed`;
export const eventExists = (name: string) => `Event with name '${name}' already exists in the catalog`;
export const eventMissing = (name: string) => `Event with name '${name}' not found in the catalog`;
export const endpointReactivated = (url: string) => `Endpoint ${url} reactivated successfully`;
export const invalidUrl = (reason: string) => `${INVALID_WEBHOOK_URL}: ${reason}`;
export const URL_NEEDS_HOST = "URL must have a host";
export const URL_HAS_CREDENTIALS = "URLs with credentials are not allowed";
export const badScheme = (scheme: string) => `Invalid URL scheme: ${scheme}. Only http and https are allowed`;
export const localhostUrl = (host: string) => `Localhost URLs are not allowed: ${host}`;
export const privateIpUrl = (host: string) => `Private or reserved IP addresses are not allowed: ${host}`;
export const dangerousHost = (host: string) => `Potentially dangerous hostname detected: ${host}`;
export const unsupportedOperator = (op: string, at: string) => `Unsupported filter operator '${op}' at ${at}`;
export const operatorNeedsArray = (op: string, at: string) => `Operator '${op}' expects an array at ${at}`;
export const existsNeedsBoolean = (at: string) => `Operator '$exists' expects a boolean at ${at}`;
export const rulesNotObject = (at: string) => `Filter rules must be a JSON object for ${at}`;
export const logicalNeedsArray = (op: string, at: string) =>
  `Logical operator '${op}' expects an array at ${at}`;
export const logicalEmpty = (op: string, at: string) => `Logical operator '${op}' cannot be empty at ${at}`;
export const unknownFilterField = (field: string, at: string) => `Unknown filter field '${field}' at ${at}`;

/** Emulator-only messages (`/_emulator/faults`). */
export const FAULT_NOT_OBJECT = "Fault must be a JSON object";
export const FAULT_NEEDS_PATH = "Fault needs a 'path' glob";
export const invalidFaultField = (field: string) => `Invalid fault field '${field}'`;
export const rateLimitedRetry = (seconds: number) => `Rate limit exceeded. Retry after ${seconds} seconds`;

/** The JSON body of every error response. */
export interface ErrorBody {
  errors: { message: string; code: number }[];
}

/** Builds Wacht's error body for `status`. */
export function apiError(status: number, message: string): ErrorBody {
  return { errors: [{ message, code: status }] };
}

/** Thrown anywhere in the request pipeline; the server turns it into `apiError(status, message)`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Shorthands for the errors raised most often. */
export const badRequest = (message = BAD_REQUEST) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const invalidPayload = () => new ApiError(422, INVALID_PAYLOAD);
export const internalError = () => new ApiError(500, SOMETHING_WENT_WRONG);
