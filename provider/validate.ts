/**
 * Pure validators and normalisers for the resources' `check`.
 *
 * They run at `pulumi preview`, before any API call, and reject what Wacht's server would reject
 * (docs/wacht-api.md §3.1, §3.3, §4.2), so that a program learns of every bad property at once.
 * Where Wacht has an error message, the reason reuses its wording; messages speak Wacht's API field
 * names (`max_retries`, `duration_ms`…) while `property` carries the program's own property path.
 *
 * Conventions shared by every validator:
 * - the first argument is the dotted property path that failures are reported at;
 * - the result lists every failure found (empty when the value is fine);
 * - a value equal to Pulumi's preview sentinel ({@link UNKNOWN}) is skipped, wherever it sits.
 *
 * @packageDocumentation
 */

/** One invalid property, in the shape of Pulumi's `dynamic.CheckFailure`. */
export interface CheckFailure {
  /** Dotted path of the offending property, e.g. `subscriptions[1].filter.$or[0].amount`. */
  property: string;
  /** What rule was broken and by which value. */
  reason: string;
}

/** The string Pulumi passes to dynamic providers in place of a value not known until `up`. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` is Pulumi's preview sentinel ({@link UNKNOWN}); validators skip such values. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

function failure(property: string, reason: string): CheckFailure {
  return { property, reason };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

/** A short, JSON-like rendering of a bad value for messages. */
function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The JSON type of a value, for messages that must not echo the value itself. */
function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------------
// App slugs

/**
 * Normalises an app slug exactly as Wacht does on create: trim; ASCII letters and digits lowercased;
 * every other character (including `-`, `_`, spaces and non-ASCII) becomes `_`, runs collapsed to one;
 * leading and trailing `_` stripped. `"Billing-Webhooks"` → `"billing_webhooks"`, `"--"` → `""`.
 */
export function normalizeAppSlug(raw: string): string {
  let slug = "";
  // JS and Rust disagree on what whitespace `trim` removes, but that cannot matter: any edge character
  // becomes "_" and is stripped anyway. Iterating by code point mirrors Rust's `chars()`.
  for (const ch of raw.trim()) {
    if (/^[A-Za-z0-9]$/.test(ch)) slug += ch.toLowerCase();
    else if (!slug.endsWith("_")) slug += "_";
  }
  return slug.replace(/^_+|_+$/g, "");
}

/**
 * Checks a client-supplied app slug. Wacht answers 400 when normalisation leaves nothing.
 * `undefined`/`null` mean "not set" (Wacht then generates `slug_<id>`) and pass.
 */
export function validateAppSlug(path: string, raw: unknown): CheckFailure[] {
  if (raw === undefined || raw === null || isUnknown(raw)) return [];
  if (typeof raw !== "string") return [failure(path, `app_slug must be a string (got ${show(raw)})`)];
  const slug = normalizeAppSlug(raw);
  if (slug === "") {
    return [failure(path, `app_slug must contain at least one alphanumeric character (got ${show(raw)})`)];
  }
  // Wacht keeps app slugs in a varchar(255) column; a longer one fails there with a 500.
  if (slug.length > 255) {
    return [
      failure(path, `app_slug must be at most 255 characters after normalisation (got ${slug.length})`),
    ];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------
// Endpoint URLs

/** Options of {@link validateWebhookUrl}. */
export interface UrlPolicy {
  /**
   * Skip the localhost, private/reserved IP and metadata-host rules (stack config
   * `wacht:allowPrivateUrls`, for the local emulator). Scheme and credential rules still apply.
   */
  allowPrivateUrls: boolean;
}

const DANGEROUS_HOST_PARTS = ["metadata.google.internal", "169.254.169.254", "metadata", "instance-data"];

/**
 * Checks an endpoint URL with Wacht's rules, in Wacht's order, returning at most one failure:
 * parseable → scheme http/https → no credentials → not localhost → not a private or reserved IP
 * literal → host contains no metadata-service name. Reasons are Wacht's messages, e.g.
 * `Invalid webhook URL: Localhost URLs are not allowed: localhost`.
 *
 * Like Wacht, no DNS lookup is made, `http:` is allowed, `http://127.1/` is rejected (the parser
 * normalises it to `127.0.0.1`), `http://localhost./` passes and `mymetadata.example.com` is rejected.
 * Unlike Wacht, bracketed IPv6 literals (`http://[::1]/`) are checked too.
 */
export function validateWebhookUrl(path: string, url: unknown, policy: UrlPolicy): CheckFailure[] {
  if (isUnknown(url)) return [];
  if (typeof url !== "string")
    return [failure(path, `Invalid webhook URL: expected a string (got ${show(url)})`)];
  const reason = webhookUrlProblem(url, policy.allowPrivateUrls);
  return reason === undefined ? [] : [failure(path, `Invalid webhook URL${reason}`)];
}

function webhookUrlProblem(url: string, allowPrivateUrls: boolean): string | undefined {
  // Wacht parses with the Rust `url` crate; Node's WHATWG parser implements the same standard, so
  // both accept, reject and normalise the same strings (lowercased host, `127.1` → `127.0.0.1`,
  // `0` → `0.0.0.0`, IDN → punycode, empty `user:@` dropped).
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Wacht says only "Invalid webhook URL"; the value is added with any userinfo masked, since an
    // unparseable URL may still carry a password.
    return ` (got ${show(url.replace(/\/\/[^/?#]*@/, "//***@"))})`;
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https") {
    return `: Invalid URL scheme: ${scheme}. Only http and https are allowed`;
  }
  // Wacht's next rule, "URL must have a host", cannot fire: neither parser accepts an http(s) URL
  // without a host, and every other scheme already failed above.
  if (parsed.username !== "" || parsed.password !== "") return ": URLs with credentials are not allowed";
  if (allowPrivateUrls) return undefined;

  const host = parsed.hostname;
  // Wacht compares the host string, in which IPv6 keeps its brackets: "[::]" matches, "::1" never
  // does, and a trailing dot ("localhost.") slips through. Reproduced as is.
  if (host === "localhost" || host.endsWith(".localhost") || host === "0.0.0.0" || host === "[::]") {
    return `: Localhost URLs are not allowed: ${host}`;
  }
  const ipv4 = parseIpv4(host);
  if (ipv4 !== undefined && isReservedIpv4(ipv4)) {
    return `: Private or reserved IP addresses are not allowed: ${host}`;
  }
  // Deliberately stricter than Wacht: its IP check parses the bracketed host string, fails, and so
  // accepts every IPv6 literal. Wacht would store `http://[::1]/` or `http://[fd00::1]/`, but such an
  // address can never receive a delivery from Wacht's network, so the program is wrong either way.
  if (host.startsWith("[") && host.endsWith("]")) {
    const ip = host.slice(1, -1);
    if (isReservedIpv6(parseIpv6(ip))) return `: Private or reserved IP addresses are not allowed: ${ip}`;
  }
  if (DANGEROUS_HOST_PARTS.some((part) => host.includes(part))) {
    return `: Potentially dangerous hostname detected: ${host}`;
  }
  return undefined;
}

function parseIpv4(host: string): number[] | undefined {
  // The WHATWG parser turns every IPv4 host form (`127.1`, `0x7f000001`…) into a dotted quad, and a
  // host ending in a number that is not a valid IPv4 address fails to parse, so a quad test suffices.
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host.split(".").map(Number) : undefined;
}

/** Rust's `Ipv4Addr` predicates Wacht combines; CGNAT, 0/8 and 240/4 are not among them. */
function isReservedIpv4([a, b, c, d]: number[]): boolean {
  const isPrivate = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  const isLoopback = a === 127;
  const isLinkLocal = a === 169 && b === 254;
  const isBroadcast = a === 255 && b === 255 && c === 255 && d === 255;
  const isDocumentation =
    (a === 192 && b === 0 && c === 2) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113);
  const isUnspecified = a === 0 && b === 0 && c === 0 && d === 0;
  const isMulticast = a >= 224 && a <= 239;
  return (
    isPrivate || isLoopback || isLinkLocal || isBroadcast || isDocumentation || isUnspecified || isMulticast
  );
}

/** Eight 16-bit groups of an IPv6 address already canonicalised by the WHATWG parser. */
function parseIpv6(text: string): number[] {
  const [head = "", tail] = text.split("::");
  const front = head === "" ? [] : head.split(":");
  const back = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = new Array<string>(8 - front.length - back.length).fill("0");
  return [...front, ...zeros, ...back].map((group) => Number.parseInt(group, 16));
}

function isReservedIpv6(groups: number[]): boolean {
  const [g0 = 0, , , , , g5 = 0, g6 = 0, g7 = 0] = groups;
  const firstFiveZero = groups.slice(0, 5).every((group) => group === 0);
  if (firstFiveZero && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return true; // :: and ::1
  // IPv4-mapped (::ffff:a.b.c.d) reaches the IPv4 host, so it gets the IPv4 rules.
  if (firstFiveZero && g5 === 0xffff) return isReservedIpv4([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]);
  const isMulticast = (g0 & 0xff00) === 0xff00;
  const isLinkLocal = (g0 & 0xffc0) === 0xfe80;
  const isUniqueLocal = (g0 & 0xfe00) === 0xfc00;
  return isMulticast || isLinkLocal || isUniqueLocal;
}

// ---------------------------------------------------------------------------------------------------
// Event names

/** Checks one subscribed event name: a string that is not empty after trimming, as Wacht requires. */
export function validateEventName(path: string, name: unknown): CheckFailure[] {
  if (isUnknown(name)) return [];
  if (typeof name !== "string") return [failure(path, `event name must be a string (got ${show(name)})`)];
  if (name.trim() === "") return [failure(path, `Subscription event_name is required (got ${show(name)})`)];
  return [];
}

/**
 * Checks a list of subscribed event names: at least one, each valid, no name twice. A duplicate is
 * reported once per name, at its first repeat; names are compared trimmed, as Wacht looks them up.
 */
export function validateEventNames(path: string, names: unknown): CheckFailure[] {
  if (isUnknown(names)) return [];
  if (!Array.isArray(names)) return [failure(path, `expected a list of event names (got ${show(names)})`)];
  if (names.length === 0) return [failure(path, "At least one subscription is required (got [])")];
  const failures: CheckFailure[] = [];
  const firstIndex = new Map<string, number>();
  const reported = new Set<string>();
  names.forEach((name: unknown, index) => {
    const at = `${path}[${index}]`;
    const problems = validateEventName(at, name);
    failures.push(...problems);
    if (problems.length > 0 || typeof name !== "string" || isUnknown(name)) return;
    const key = name.trim();
    const first = firstIndex.get(key);
    if (first === undefined) {
      firstIndex.set(key, index);
    } else if (!reported.has(key)) {
      reported.add(key);
      failures.push(
        failure(
          at,
          `duplicate event name ${show(key)} (first at ${path}[${first}]): Wacht allows one subscription per event`,
        ),
      );
    }
  });
  return failures;
}

// ---------------------------------------------------------------------------------------------------
// Filter rules

const FILTER_OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$contains", "$exists"];

/**
 * Checks a subscription's filter rules with Wacht's grammar (§4.2) and reports every failure with
 * its path, e.g. `subscriptions[0].filter.$or[1].amount`.
 *
 * - `rules` `null`/`undefined` means "no filter" and passes; otherwise it must be a JSON object.
 * - `$and`/`$or` take a non-empty array of rule objects, checked recursively.
 * - Any other key is a field path. With a non-null `schema` it must be one of the schema's property
 *   paths: every key of `properties`, dot-joined with its parents, recursing into each property's own
 *   `properties` (so `customer` and `customer.id` both count; `items`, `$ref` and combinators are not
 *   followed). A schema without `properties` allows no field. `schema: null` allows any field;
 *   `schema: undefined` (not known at preview) skips this rule. Pass the parsed schema object.
 * - A field whose value is an object uses operators only: `$eq $ne $gt $gte $lt $lte $in $nin
 *   $contains $exists`; `$in`/`$nin` take an array, `$exists` a boolean. Any other value means equality.
 */
export function validateFilterRules(path: string, rules: unknown, schema: unknown): CheckFailure[] {
  if (rules === null || rules === undefined || isUnknown(rules)) return [];
  const fields =
    schema === undefined || schema === null || isUnknown(schema) ? undefined : schemaFieldPaths(schema);
  const failures: CheckFailure[] = [];
  checkRuleObject(path, rules, fields, failures);
  return failures;
}

function schemaFieldPaths(schema: unknown): string[] {
  const paths: string[] = [];
  const collect = (node: unknown, prefix: string): void => {
    if (!isObject(node) || !isObject(node.properties)) return;
    for (const [name, child] of Object.entries(node.properties)) {
      const fieldPath = prefix === "" ? name : `${prefix}.${name}`;
      paths.push(fieldPath);
      collect(child, fieldPath);
    }
  };
  collect(schema, "");
  return paths;
}

function checkRuleObject(
  path: string,
  rules: unknown,
  fields: string[] | undefined,
  out: CheckFailure[],
): void {
  if (isUnknown(rules)) return;
  if (!isObject(rules)) {
    out.push(failure(path, `Filter rules must be a JSON object (got ${show(rules)})`));
    return;
  }
  for (const [key, value] of Object.entries(rules)) {
    const at = `${path}.${key}`;
    if (key === "$and" || key === "$or") {
      if (isUnknown(value)) continue;
      if (!Array.isArray(value)) {
        out.push(failure(at, `Logical operator '${key}' expects an array (got ${show(value)})`));
      } else if (value.length === 0) {
        out.push(failure(at, `Logical operator '${key}' cannot be empty (got [])`));
      } else {
        value.forEach((element: unknown, index) => {
          checkRuleObject(`${at}[${index}]`, element, fields, out);
        });
      }
      continue;
    }
    // Wacht treats every other key, even an unknown `$not`, as a field path.
    if (fields !== undefined && !fields.includes(key)) {
      const known =
        fields.length === 0
          ? "the event schema defines no properties, so no field can be filtered"
          : `the event schema defines: ${fields.join(", ")}`;
      out.push(failure(at, `Unknown filter field '${key}' (${known})`));
    }
    if (!isObject(value)) continue;
    for (const [operator, operand] of Object.entries(value)) {
      const operatorAt = `${at}.${operator}`;
      if (!FILTER_OPERATORS.includes(operator)) {
        out.push(
          failure(
            operatorAt,
            `Unsupported filter operator '${operator}' (supported: ${FILTER_OPERATORS.join(" ")})`,
          ),
        );
        continue;
      }
      // An operand known only once the deployment runs is Wacht's to check then.
      if (isUnknown(operand)) continue;
      if ((operator === "$in" || operator === "$nin") && !Array.isArray(operand)) {
        out.push(
          failure(operatorAt, `Filter operator '${operator}' expects an array (got ${show(operand)})`),
        );
      } else if (operator === "$exists" && typeof operand !== "boolean") {
        out.push(failure(operatorAt, `Filter operator '$exists' expects a boolean (got ${show(operand)})`));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Endpoint numbers

/**
 * Checks `max_retries` (really the total number of delivery attempts): an integer from 1 to 32, with
 * Wacht's messages. `undefined`/`null` mean "not set" (Wacht's default, 32) and pass.
 */
export function validateMaxRetries(path: string, n: unknown): CheckFailure[] {
  if (n === undefined || n === null || isUnknown(n)) return [];
  if (!isInteger(n)) return [failure(path, `max_retries must be an integer (got ${show(n)})`)];
  if (n < 1) return [failure(path, `max_retries must be at least 1 (got ${n})`)];
  if (n > 32) return [failure(path, `max_retries cannot exceed 32 (7-day retry window limit) (got ${n})`)];
  return [];
}

/**
 * Checks `timeout_seconds`: an integer from 1 to 300. Wacht validates nothing here, so this range is
 * the provider's own, and the messages say why. `undefined`/`null` mean "not set" (Wacht's default, 30).
 */
export function validateTimeoutSeconds(path: string, n: unknown): CheckFailure[] {
  if (n === undefined || n === null || isUnknown(n)) return [];
  if (!isInteger(n)) return [failure(path, `timeout_seconds must be an integer (got ${show(n)})`)];
  if (n < 1) {
    return [
      failure(
        path,
        `timeout_seconds must be at least 1: Wacht accepts less, but every delivery would fail (got ${n})`,
      ),
    ];
  }
  if (n > 300) {
    return [
      failure(
        path,
        `timeout_seconds cannot exceed 300: Wacht accepts more, but no sane receiver takes over 5 minutes to answer (got ${n})`,
      ),
    ];
  }
  return [];
}

const MAX_DURATION_MS = 86_400_000;
const MAX_I32 = 2_147_483_647;

/**
 * Checks a rate limit `{ durationMs, maxRequests }`: both required positive integers, `durationMs` at
 * most 24 h, `maxRequests` within Wacht's 32-bit column. Wacht stores any numbers verbatim; a zero or
 * negative limit would hold every delivery back forever. Failures are reported at
 * `<path>.durationMs` / `<path>.maxRequests`. `undefined`/`null` mean "no rate limit" and pass.
 */
export function validateRateLimit(path: string, rateLimit: unknown): CheckFailure[] {
  if (rateLimit === undefined || rateLimit === null || isUnknown(rateLimit)) return [];
  if (!isObject(rateLimit)) {
    return [
      failure(
        path,
        `rate_limit_config must be an object with durationMs and maxRequests (got ${show(rateLimit)})`,
      ),
    ];
  }
  return [
    ...checkPositiveInteger(
      `${path}.durationMs`,
      "duration_ms",
      rateLimit.durationMs,
      MAX_DURATION_MS,
      " (24 hours)",
    ),
    ...checkPositiveInteger(`${path}.maxRequests`, "max_requests", rateLimit.maxRequests, MAX_I32, ""),
  ];
}

function checkPositiveInteger(
  path: string,
  field: string,
  n: unknown,
  max: number,
  maxNote: string,
): CheckFailure[] {
  if (isUnknown(n)) return [];
  if (n === undefined || n === null) return [failure(path, `${field} is required`)];
  if (!isInteger(n) || n < 1) return [failure(path, `${field} must be a positive integer (got ${show(n)})`)];
  if (n > max) return [failure(path, `${field} cannot exceed ${max}${maxNote} (got ${n})`)];
  return [];
}

// ---------------------------------------------------------------------------------------------------
// Headers

const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SIGNATURE_HEADERS = ["webhook-id", "webhook-timestamp", "webhook-signature"];
const TRANSPORT_HEADERS = [
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "transfer-encoding",
  "connection",
];

/** RFC 7230 field-content allows tabs but no other control character (CR and LF would inject headers). */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/**
 * Checks custom endpoint headers: names are RFC 7230 tokens, not reserved, and unique ignoring case;
 * values are strings without CR, LF or other control characters. Reasons name headers, never their
 * values, which are often credentials. `undefined`/`null` mean "no headers" and pass.
 */
export function validateHeaders(path: string, headers: unknown): CheckFailure[] {
  if (headers === undefined || headers === null || isUnknown(headers)) return [];
  if (!isObject(headers)) {
    return [
      failure(path, `headers must be an object mapping header names to string values (got ${kind(headers)})`),
    ];
  }
  const failures: CheckFailure[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const at = `${path}.${name}`;
    const lower = name.toLowerCase();
    if (!HTTP_TOKEN.test(name)) {
      failures.push(
        failure(
          at,
          `header name ${show(name)} is not a valid HTTP token (RFC 7230: letters, digits and !#$%&'*+-.^_\`|~)`,
        ),
      );
    }
    // Wacht adds endpoint headers after its own, into the same map, so they override its signature.
    if (SIGNATURE_HEADERS.includes(lower)) {
      failures.push(
        failure(
          at,
          `header ${show(name)} is reserved: it would override Wacht's signature and break verification`,
        ),
      );
    } else if (TRANSPORT_HEADERS.includes(lower)) {
      failures.push(
        failure(
          at,
          `header ${show(name)} is reserved: Wacht sets it on every delivery, overriding it breaks the request`,
        ),
      );
    }
    const previous = seen.get(lower);
    if (previous === undefined) {
      seen.set(lower, name);
    } else {
      failures.push(
        failure(at, `header ${show(name)} duplicates ${show(previous)}: header names are case-insensitive`),
      );
    }
    if (isUnknown(value)) continue;
    if (typeof value !== "string") {
      failures.push(
        failure(
          at,
          `header ${show(name)} must have a string value (got ${kind(value)}): Wacht drops other values`,
        ),
      );
    } else if (hasControlCharacter(value)) {
      failures.push(
        failure(at, `header ${show(name)} value must not contain CR, LF or other control characters`),
      );
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------------
// E-mail addresses

/**
 * Pragmatic e-mail syntax check (Wacht checks none): no whitespace, exactly one `@`, a non-empty
 * local part, a domain with a dot and no empty label.
 */
export function validateEmail(path: string, email: unknown): CheckFailure[] {
  if (isUnknown(email)) return [];
  if (typeof email !== "string")
    return [failure(path, `e-mail address must be a string (got ${show(email)})`)];
  const problem = emailProblem(email);
  return problem === undefined ? [] : [failure(path, `invalid e-mail address ${show(email)}: ${problem}`)];
}

function emailProblem(email: string): string | undefined {
  if (/\s/.test(email)) return "it contains whitespace";
  const parts = email.split("@");
  if (parts.length !== 2) return "it must contain exactly one @";
  const [local = "", domain = ""] = parts;
  if (local === "") return "nothing before the @";
  if (!domain.includes(".")) return "the domain has no dot";
  if (domain.split(".").includes("")) return "the domain has an empty label";
  return undefined;
}

/**
 * Checks a list of e-mail addresses: each valid, none repeated (compared case-insensitively; a
 * repeated address is reported once, at its first repeat). `undefined`/`null` mean "none" and pass.
 */
export function validateEmails(path: string, emails: unknown): CheckFailure[] {
  if (emails === undefined || emails === null || isUnknown(emails)) return [];
  if (!Array.isArray(emails))
    return [failure(path, `expected a list of e-mail addresses (got ${show(emails)})`)];
  const failures: CheckFailure[] = [];
  const firstIndex = new Map<string, number>();
  const reported = new Set<string>();
  emails.forEach((email: unknown, index) => {
    const at = `${path}[${index}]`;
    failures.push(...validateEmail(at, email));
    if (typeof email !== "string" || isUnknown(email)) return;
    const key = email.toLowerCase();
    const first = firstIndex.get(key);
    if (first === undefined) {
      firstIndex.set(key, index);
    } else if (!reported.has(key)) {
      reported.add(key);
      failures.push(failure(at, `duplicate e-mail address ${show(email)} (first at ${path}[${first}])`));
    }
  });
  return failures;
}

/** True for a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An optional property of a JSON type: absent, null and not-yet-known values pass. */
export function validateOptionalType(
  path: string,
  value: unknown,
  type: "string" | "boolean" | "number",
): CheckFailure[] {
  if (value === undefined || value === null || isUnknown(value) || typeof value === type) return [];
  return [{ property: path, reason: `${path} must be a ${type} (got ${JSON.stringify(value)})` }];
}

/** A required non-empty string (a not-yet-known value passes). */
export function validateRequiredString(path: string, value: unknown): CheckFailure[] {
  if (isUnknown(value) || (typeof value === "string" && value.trim() !== "")) return [];
  return [{ property: path, reason: `${path} is required and must be a non-empty string` }];
}

/** Wacht's request body limit (axum's default, not raised on the webhook routes): beyond it, 413. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Checks that the JSON body a create would send fits Wacht's limit. The failure names the largest
 * property, the one to shrink. Skipped while any value is not known yet.
 */
export function validateBodySize(body: Record<string, unknown>): CheckFailure[] {
  if (Object.values(body).some((v) => JSON.stringify(v ?? null).includes(UNKNOWN))) return [];
  const total = Buffer.byteLength(JSON.stringify(body));
  if (total <= MAX_BODY_BYTES) return [];
  const sizes = Object.entries(body).map(
    ([key, v]) => [key, Buffer.byteLength(JSON.stringify(v ?? null))] as const,
  );
  const [largest, size] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
  return [
    failure(
      largest,
      `${largest} is ${size} bytes: the request would be ${total} bytes, and Wacht accepts at most ${MAX_BODY_BYTES} (2 MiB)`,
    ),
  ];
}
