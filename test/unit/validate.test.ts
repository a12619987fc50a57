import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../provider/canonical-json";
import {
  type CheckFailure,
  isUnknown,
  normalizeAppSlug,
  UNKNOWN,
  validateAppSlug,
  validateEmail,
  validateEmails,
  validateEventName,
  validateEventNames,
  validateFilterRules,
  validateHeaders,
  validateMaxRetries,
  validateRateLimit,
  validateTimeoutSeconds,
  validateWebhookUrl,
} from "../../provider/validate";

const strict = { allowPrivateUrls: false };
const permissive = { allowPrivateUrls: true };

function urlFailure(reason: string): CheckFailure[] {
  return [{ property: "url", reason: `Invalid webhook URL${reason}` }];
}

describe("isUnknown", () => {
  it.each([
    ["Pulumi's preview sentinel", UNKNOWN, true],
    ["an ordinary string", "invoice.paid", false],
    ["undefined", undefined, false],
    ["null", null, false],
  ])("tells %s apart", (_label, value, expected) => {
    expect(isUnknown(value)).toBe(expected);
  });

  it("uses the sentinel Pulumi's dynamic providers receive in preview", () => {
    expect(UNKNOWN).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
  });
});

describe("normalizeAppSlug", () => {
  it.each([
    ["Billing-Webhooks", "billing_webhooks"],
    ["  wh_42 ", "wh_42"],
    ["__a--b__", "a_b"],
    ["--", ""],
    ["payments-int", "payments_int"],
    ["Ünïcode Straße 9", "n_code_stra_e_9"],
    ["a \t b", "a_b"],
    ["ABC123", "abc123"],
    ["", ""],
  ])("normalises %j to %j exactly as Wacht does", (raw, expected) => {
    expect(normalizeAppSlug(raw)).toBe(expected);
  });
});

describe("validateAppSlug", () => {
  it.each([
    ["--", `app_slug must contain at least one alphanumeric character (got "--")`],
    ["   ", `app_slug must contain at least one alphanumeric character (got "   ")`],
    ["ßüé", `app_slug must contain at least one alphanumeric character (got "ßüé")`],
    [42, "app_slug must be a string (got 42)"],
  ])("rejects %j with a reason naming the value", (raw, reason) => {
    expect(validateAppSlug("slug", raw)).toStrictEqual([{ property: "slug", reason }]);
  });

  it.each([["Billing-Webhooks"], ["wh_42"], ["x"], [undefined], [null], [UNKNOWN]])(
    "accepts %j, which Wacht would store or generate a slug for",
    (raw) => {
      expect(validateAppSlug("slug", raw)).toStrictEqual([]);
    },
  );
});

describe("validateWebhookUrl", () => {
  it.each([
    ["an https URL", "https://example.com/hook"],
    ["a plain http URL, which Wacht allows", "http://example.com/hook"],
    ["a URL with port, query and fragment", "https://hooks.example.com:8443/a/b?x=1#f"],
    ["a trailing-dot localhost, which Wacht's string comparison misses", "http://localhost./"],
    ["a public IPv4 literal", "http://8.8.8.8/"],
    ["a CGNAT address, which Rust's reserved predicates do not cover", "http://100.64.0.1/"],
    ["an address in 240/4 other than broadcast", "http://240.0.0.1/"],
    ["172.32.0.1, just outside 172.16/12", "http://172.32.0.1/"],
    ["a public IPv6 literal", "http://[2606:4700::1111]/"],
    ["an IPv4-mapped public address", "http://[::ffff:8.8.8.8]/"],
    ["an empty user and password, which the parser drops", "http://:@example.com/"],
    ["a host merely containing an IP-like label", "http://10.0.0.1.nip.io/"],
    ["the preview sentinel", UNKNOWN],
  ])("accepts %s", (_label, url) => {
    expect(validateWebhookUrl("url", url, strict)).toStrictEqual([]);
  });

  it.each([
    ["an unparseable string", "not a url", ` (got "not a url")`],
    ["an empty string", "", ` (got "")`],
    ["a relative path", "/hook", ` (got "/hook")`],
    [
      "an unparseable URL, masking its credentials",
      "https://u:p ss@ex ample.com",
      ` (got "https://***@ex ample.com")`,
    ],
    ["an ftp URL", "ftp://example.com/", ": Invalid URL scheme: ftp. Only http and https are allowed"],
    [
      "a mailto URL",
      "mailto:ops@example.com",
      ": Invalid URL scheme: mailto. Only http and https are allowed",
    ],
    [
      "a javascript URL",
      "javascript:alert(1)",
      ": Invalid URL scheme: javascript. Only http and https are allowed",
    ],
    ["a user and password", "https://user:secret@example.com/", ": URLs with credentials are not allowed"],
    ["a user without password", "https://user@example.com/", ": URLs with credentials are not allowed"],
    ["localhost", "http://localhost:3000/hook", ": Localhost URLs are not allowed: localhost"],
    [
      "upper-case localhost, lowercased by the parser",
      "http://LocalHost/",
      ": Localhost URLs are not allowed: localhost",
    ],
    ["a .localhost subdomain", "http://api.localhost/", ": Localhost URLs are not allowed: api.localhost"],
    ["0.0.0.0", "http://0.0.0.0/", ": Localhost URLs are not allowed: 0.0.0.0"],
    ["0, which the parser expands to 0.0.0.0", "http://0/", ": Localhost URLs are not allowed: 0.0.0.0"],
    ["the bracketed unspecified IPv6 address", "http://[::]/", ": Localhost URLs are not allowed: [::]"],
    [
      "127.1, normalised to 127.0.0.1",
      "http://127.1/",
      ": Private or reserved IP addresses are not allowed: 127.0.0.1",
    ],
    ["a hex loopback", "http://0x7f000001/", ": Private or reserved IP addresses are not allowed: 127.0.0.1"],
    [
      "a loopback IPv4",
      "http://127.0.0.1:8080/",
      ": Private or reserved IP addresses are not allowed: 127.0.0.1",
    ],
    ["10/8", "http://10.1.2.3/", ": Private or reserved IP addresses are not allowed: 10.1.2.3"],
    [
      "172.16/12",
      "http://172.31.255.255/",
      ": Private or reserved IP addresses are not allowed: 172.31.255.255",
    ],
    ["192.168/16", "http://192.168.1.1/", ": Private or reserved IP addresses are not allowed: 192.168.1.1"],
    [
      "link-local",
      "http://169.254.10.1/",
      ": Private or reserved IP addresses are not allowed: 169.254.10.1",
    ],
    [
      "the metadata IP as a link-local address",
      "http://169.254.169.254/",
      ": Private or reserved IP addresses are not allowed: 169.254.169.254",
    ],
    [
      "broadcast",
      "http://255.255.255.255/",
      ": Private or reserved IP addresses are not allowed: 255.255.255.255",
    ],
    ["TEST-NET-1", "http://192.0.2.7/", ": Private or reserved IP addresses are not allowed: 192.0.2.7"],
    [
      "TEST-NET-2",
      "http://198.51.100.7/",
      ": Private or reserved IP addresses are not allowed: 198.51.100.7",
    ],
    ["TEST-NET-3", "http://203.0.113.7/", ": Private or reserved IP addresses are not allowed: 203.0.113.7"],
    ["multicast", "http://224.0.0.1/", ": Private or reserved IP addresses are not allowed: 224.0.0.1"],
    [
      "the top of multicast",
      "http://239.255.255.255/",
      ": Private or reserved IP addresses are not allowed: 239.255.255.255",
    ],
    [
      "IPv6 loopback, which Wacht would miss",
      "http://[::1]/",
      ": Private or reserved IP addresses are not allowed: ::1",
    ],
    [
      "IPv6 unique-local",
      "http://[fd12:3456::1]/",
      ": Private or reserved IP addresses are not allowed: fd12:3456::1",
    ],
    ["IPv6 link-local", "http://[fe80::1]/", ": Private or reserved IP addresses are not allowed: fe80::1"],
    ["IPv6 multicast", "http://[ff02::1]/", ": Private or reserved IP addresses are not allowed: ff02::1"],
    [
      "IPv4-mapped loopback",
      "http://[::ffff:127.0.0.1]/",
      ": Private or reserved IP addresses are not allowed: ::ffff:7f00:1",
    ],
    [
      "metadata.google.internal",
      "http://metadata.google.internal/",
      ": Potentially dangerous hostname detected: metadata.google.internal",
    ],
    [
      "a host containing metadata",
      "https://mymetadata.example.com/",
      ": Potentially dangerous hostname detected: mymetadata.example.com",
    ],
    [
      "a host containing instance-data",
      "http://instance-data.ec2.internal/",
      ": Potentially dangerous hostname detected: instance-data.ec2.internal",
    ],
    [
      "a host containing the metadata IP",
      "http://169.254.169.254.nip.io/",
      ": Potentially dangerous hostname detected: 169.254.169.254.nip.io",
    ],
  ])("rejects %s with Wacht's message", (_label, url, reason) => {
    expect(validateWebhookUrl("url", url, strict)).toStrictEqual(urlFailure(reason));
  });

  it("reports a non-string URL", () => {
    expect(validateWebhookUrl("url", 42, strict)).toStrictEqual(urlFailure(": expected a string (got 42)"));
  });

  it("reports only the first broken rule, in Wacht's order (scheme before credentials before host)", () => {
    expect(validateWebhookUrl("url", "ftp://u:p@localhost/", strict)).toStrictEqual(
      urlFailure(": Invalid URL scheme: ftp. Only http and https are allowed"),
    );
    expect(validateWebhookUrl("url", "http://u:p@localhost/", strict)).toStrictEqual(
      urlFailure(": URLs with credentials are not allowed"),
    );
  });

  it.each([
    ["http://localhost:3000/hook"],
    ["http://127.0.0.1:4000/"],
    ["http://[::1]:4000/"],
    ["http://10.0.0.5/"],
    ["http://metadata.local/"],
  ])("accepts the private URL %s when allowPrivateUrls is true", (url) => {
    expect(validateWebhookUrl("url", url, permissive)).toStrictEqual([]);
  });

  it.each([
    ["ftp://localhost/", ": Invalid URL scheme: ftp. Only http and https are allowed"],
    ["http://user:pw@localhost/", ": URLs with credentials are not allowed"],
    ["not a url", ` (got "not a url")`],
  ])("still rejects %s when allowPrivateUrls is true", (url, reason) => {
    expect(validateWebhookUrl("url", url, permissive)).toStrictEqual(urlFailure(reason));
  });

  it("reports at the property path it is given", () => {
    expect(validateWebhookUrl("endpoints[2].url", "http://localhost/", strict)).toStrictEqual([
      {
        property: "endpoints[2].url",
        reason: "Invalid webhook URL: Localhost URLs are not allowed: localhost",
      },
    ]);
  });
});

describe("validateEventName", () => {
  it.each([
    ["", `Subscription event_name is required (got "")`],
    ["   ", `Subscription event_name is required (got "   ")`],
    [7, "event name must be a string (got 7)"],
    [undefined, "event name must be a string (got undefined)"],
  ])("rejects %j", (name, reason) => {
    expect(validateEventName("subscriptions[0].event", name)).toStrictEqual([
      { property: "subscriptions[0].event", reason },
    ]);
  });

  it.each([["invoice.paid"], [" invoice.paid "], [UNKNOWN]])("accepts %j", (name) => {
    expect(validateEventName("events[0]", name)).toStrictEqual([]);
  });
});

describe("validateEventNames", () => {
  it("accepts distinct names", () => {
    expect(validateEventNames("events", ["invoice.paid", "invoice.failed"])).toStrictEqual([]);
  });

  it("rejects an empty list with Wacht's message", () => {
    expect(validateEventNames("events", [])).toStrictEqual([
      { property: "events", reason: "At least one subscription is required (got [])" },
    ]);
  });

  it("rejects a value that is not a list", () => {
    expect(validateEventNames("events", "invoice.paid")).toStrictEqual([
      { property: "events", reason: `expected a list of event names (got "invoice.paid")` },
    ]);
  });

  it("reports every bad name and each duplicate once, at its first repeat", () => {
    expect(
      validateEventNames("events", ["a.b", "", "a.b", "c.d", "a.b", " c.d", 3, UNKNOWN, UNKNOWN]),
    ).toStrictEqual([
      { property: "events[1]", reason: `Subscription event_name is required (got "")` },
      {
        property: "events[2]",
        reason: `duplicate event name "a.b" (first at events[0]): Wacht allows one subscription per event`,
      },
      {
        property: "events[5]",
        reason: `duplicate event name "c.d" (first at events[3]): Wacht allows one subscription per event`,
      },
      { property: "events[6]", reason: "event name must be a string (got 3)" },
    ]);
  });

  it("skips a list that is unknown at preview", () => {
    expect(validateEventNames("events", UNKNOWN)).toStrictEqual([]);
  });
});

const invoiceSchema = {
  type: "object",
  properties: {
    amount: { type: "number" },
    currency: { type: "string" },
    customer: { type: "object", properties: { id: { type: "string" }, tier: { type: "string" } } },
    lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } } },
  },
};
const invoiceFields = "amount, currency, customer, customer.id, customer.tier, lines";

describe("validateFilterRules", () => {
  it.each([
    ["no filter (undefined)", undefined],
    ["no filter (null)", null],
    ["an empty object", {}],
    ["an equality on a top-level field", { currency: "EUR" }],
    ["an equality on a nested field path", { "customer.id": "cus_1" }],
    ["an intermediate object path", { customer: { $exists: true } }],
    [
      "every operator",
      {
        amount: {
          $eq: 1,
          $ne: 2,
          $gt: 3,
          $gte: 4,
          $lt: 5,
          $lte: 6,
          $in: [1],
          $nin: [2],
          $contains: 7,
          $exists: true,
        },
      },
    ],
    [
      "nested $and/$or",
      { $or: [{ amount: { $gt: 100 } }, { $and: [{ currency: "EUR" }, { "customer.tier": "gold" }] }] },
    ],
    ["an array value as equality", { lines: [1, 2] }],
    ["a null value as equality", { currency: null }],
    ["an unknown rules object", UNKNOWN],
    ["an unknown operand", { amount: { $in: UNKNOWN } }],
  ])("accepts %s against the event schema", (_label, rules) => {
    expect(validateFilterRules("subscriptions[0].filter", rules, invoiceSchema)).toStrictEqual([]);
  });

  it.each([
    ["an array", [1], "Filter rules must be a JSON object (got [1])"],
    ["a string", "amount > 5", `Filter rules must be a JSON object (got "amount > 5")`],
    ["a number", 5, "Filter rules must be a JSON object (got 5)"],
  ])("rejects %s as the whole filter", (_label, rules, reason) => {
    expect(validateFilterRules("subscriptions[0].filter", rules, null)).toStrictEqual([
      { property: "subscriptions[0].filter", reason },
    ]);
  });

  it("reports every grammar failure at once, each at its own path", () => {
    const rules = {
      $and: [],
      $or: [{ amount: { $gt: 1 } }, 5, { amount: { $regex: "^1" } }],
      currency: { $in: "EUR", $nin: ["USD"], $exists: "yes" },
      "customer.id": { $and: [{}] },
    };
    expect(validateFilterRules("subscriptions[0].filter", rules, null)).toStrictEqual([
      {
        property: "subscriptions[0].filter.$and",
        reason: "Logical operator '$and' cannot be empty (got [])",
      },
      { property: "subscriptions[0].filter.$or[1]", reason: "Filter rules must be a JSON object (got 5)" },
      {
        property: "subscriptions[0].filter.$or[2].amount.$regex",
        reason:
          "Unsupported filter operator '$regex' (supported: $eq $ne $gt $gte $lt $lte $in $nin $contains $exists)",
      },
      {
        property: "subscriptions[0].filter.currency.$in",
        reason: `Filter operator '$in' expects an array (got "EUR")`,
      },
      {
        property: "subscriptions[0].filter.currency.$exists",
        reason: `Filter operator '$exists' expects a boolean (got "yes")`,
      },
      {
        property: "subscriptions[0].filter.customer.id.$and",
        reason:
          "Unsupported filter operator '$and' (supported: $eq $ne $gt $gte $lt $lte $in $nin $contains $exists)",
      },
    ]);
  });

  it("rejects $or that is not an array", () => {
    expect(validateFilterRules("f", { $or: { amount: 1 } }, null)).toStrictEqual([
      { property: "f.$or", reason: `Logical operator '$or' expects an array (got {"amount":1})` },
    ]);
  });

  it("rejects fields the event schema does not define, listing the ones it does", () => {
    const rules = {
      amout: 5,
      $or: [{ "customer.name": "x" }, { "lines.sku": "a" }],
      "customer.tier": "gold",
    };
    expect(validateFilterRules("subscriptions[1].filter", rules, invoiceSchema)).toStrictEqual([
      {
        property: "subscriptions[1].filter.amout",
        reason: `Unknown filter field 'amout' (the event schema defines: ${invoiceFields})`,
      },
      {
        property: "subscriptions[1].filter.$or[0].customer.name",
        reason: `Unknown filter field 'customer.name' (the event schema defines: ${invoiceFields})`,
      },
      {
        property: "subscriptions[1].filter.$or[1].lines.sku",
        reason: `Unknown filter field 'lines.sku' (the event schema defines: ${invoiceFields})`,
      },
    ]);
  });

  it("treats an unknown $-key as a field path, as Wacht does", () => {
    expect(validateFilterRules("f", { $not: { amount: 1 } }, invoiceSchema)).toStrictEqual([
      {
        property: "f.$not",
        reason: `Unknown filter field '$not' (the event schema defines: ${invoiceFields})`,
      },
      {
        property: "f.$not.amount",
        reason:
          "Unsupported filter operator 'amount' (supported: $eq $ne $gt $gte $lt $lte $in $nin $contains $exists)",
      },
    ]);
  });

  it("reports both an unknown field and its bad operator", () => {
    expect(validateFilterRules("f", { amt: { $in: 1 } }, invoiceSchema)).toStrictEqual([
      {
        property: "f.amt",
        reason: `Unknown filter field 'amt' (the event schema defines: ${invoiceFields})`,
      },
      { property: "f.amt.$in", reason: "Filter operator '$in' expects an array (got 1)" },
    ]);
  });

  it.each([
    ["a schema without properties", { type: "object" }],
    ["a non-object schema", true],
  ])("allows no field with %s", (_label, schema) => {
    expect(validateFilterRules("f", { amount: 1 }, schema)).toStrictEqual([
      {
        property: "f.amount",
        reason:
          "Unknown filter field 'amount' (the event schema defines no properties, so no field can be filtered)",
      },
    ]);
  });

  it.each([
    ["a null schema (any field allowed)", null],
    ["an undefined schema (unknown at preview)", undefined],
    ["an unknown schema", UNKNOWN],
  ])("skips the field check with %s but still checks the grammar", (_label, schema) => {
    expect(validateFilterRules("f", { anything: 1, other: { $bad: 1 } }, schema)).toStrictEqual([
      {
        property: "f.other.$bad",
        reason:
          "Unsupported filter operator '$bad' (supported: $eq $ne $gt $gte $lt $lte $in $nin $contains $exists)",
      },
    ]);
  });
});

describe("canonicalJson", () => {
  it.each([
    [
      "sorts keys recursively",
      { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } },
      `{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}`,
    ],
    ["keeps array order", [3, 1, 2], "[3,1,2]"],
    ["drops undefined members", { a: undefined, b: 1 }, `{"b":1}`],
    ["renders undefined as null", undefined, "null"],
    ["renders scalars as JSON", "x", `"x"`],
  ])("%s", (_label, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it("gives the same text for filters that differ only in key order", () => {
    expect(canonicalJson({ $or: [{ a: 1, b: 2 }], c: { $gt: 1, $lt: 5 } })).toBe(
      canonicalJson({ c: { $lt: 5, $gt: 1 }, $or: [{ b: 2, a: 1 }] }),
    );
  });

  it("keeps a __proto__ key as data", () => {
    expect(canonicalJson(JSON.parse(`{"__proto__":{"x":1},"a":2}`))).toBe(`{"__proto__":{"x":1},"a":2}`);
  });
});

describe("validateMaxRetries", () => {
  it.each([[1], [16], [32], [undefined], [null], [UNKNOWN]])("accepts %j", (n) => {
    expect(validateMaxRetries("maxRetries", n)).toStrictEqual([]);
  });

  it.each([
    [0, "max_retries must be at least 1 (got 0)"],
    [-3, "max_retries must be at least 1 (got -3)"],
    [33, "max_retries cannot exceed 32 (7-day retry window limit) (got 33)"],
    [1.5, "max_retries must be an integer (got 1.5)"],
    [Number.NaN, "max_retries must be an integer (got NaN)"],
    ["5", `max_retries must be an integer (got "5")`],
  ])("rejects %j with Wacht's message and the value", (n, reason) => {
    expect(validateMaxRetries("maxRetries", n)).toStrictEqual([{ property: "maxRetries", reason }]);
  });
});

describe("validateTimeoutSeconds", () => {
  it.each([[1], [30], [300], [undefined], [null], [UNKNOWN]])("accepts %j", (n) => {
    expect(validateTimeoutSeconds("timeoutSeconds", n)).toStrictEqual([]);
  });

  it.each([
    [0, "timeout_seconds must be at least 1: Wacht accepts less, but every delivery would fail (got 0)"],
    [-1, "timeout_seconds must be at least 1: Wacht accepts less, but every delivery would fail (got -1)"],
    [
      301,
      "timeout_seconds cannot exceed 300: Wacht accepts more, but no sane receiver takes over 5 minutes to answer (got 301)",
    ],
    [2.5, "timeout_seconds must be an integer (got 2.5)"],
  ])("rejects %j, explaining why although Wacht would accept it", (n, reason) => {
    expect(validateTimeoutSeconds("timeoutSeconds", n)).toStrictEqual([
      { property: "timeoutSeconds", reason },
    ]);
  });
});

describe("validateRateLimit", () => {
  it.each([
    ["a typical limit", { durationMs: 60_000, maxRequests: 100 }],
    ["a one-day window", { durationMs: 86_400_000, maxRequests: 1 }],
    ["no rate limit (undefined)", undefined],
    ["no rate limit (null)", null],
    ["unknown at preview", UNKNOWN],
    ["unknown members", { durationMs: UNKNOWN, maxRequests: UNKNOWN }],
  ])("accepts %s", (_label, rateLimit) => {
    expect(validateRateLimit("rateLimit", rateLimit)).toStrictEqual([]);
  });

  it.each([
    [
      "zero values",
      { durationMs: 0, maxRequests: 0 },
      [
        { property: "rateLimit.durationMs", reason: "duration_ms must be a positive integer (got 0)" },
        { property: "rateLimit.maxRequests", reason: "max_requests must be a positive integer (got 0)" },
      ],
    ],
    [
      "missing members",
      {},
      [
        { property: "rateLimit.durationMs", reason: "duration_ms is required" },
        { property: "rateLimit.maxRequests", reason: "max_requests is required" },
      ],
    ],
    [
      "a window over a day and a count over Wacht's 32-bit column",
      { durationMs: 86_400_001, maxRequests: 2_147_483_648 },
      [
        {
          property: "rateLimit.durationMs",
          reason: "duration_ms cannot exceed 86400000 (24 hours) (got 86400001)",
        },
        {
          property: "rateLimit.maxRequests",
          reason: "max_requests cannot exceed 2147483647 (got 2147483648)",
        },
      ],
    ],
    [
      "fractional and string values",
      { durationMs: 1.5, maxRequests: "10" },
      [
        { property: "rateLimit.durationMs", reason: "duration_ms must be a positive integer (got 1.5)" },
        { property: "rateLimit.maxRequests", reason: `max_requests must be a positive integer (got "10")` },
      ],
    ],
    [
      "a non-object",
      60,
      [
        {
          property: "rateLimit",
          reason: "rate_limit_config must be an object with durationMs and maxRequests (got 60)",
        },
      ],
    ],
  ])("rejects %s", (_label, rateLimit, failures) => {
    expect(validateRateLimit("rateLimit", rateLimit)).toStrictEqual(failures);
  });
});

describe("validateHeaders", () => {
  it.each([
    ["no headers (undefined)", undefined],
    ["an empty object", {}],
    [
      "token names with string values",
      { "X-Api-Key": "k", "x-trace_id.v2": "a b\tc", "!#$%&'*+-.^_`|~": "v" },
    ],
    ["an unknown value", { "X-Api-Key": UNKNOWN }],
    ["unknown headers", UNKNOWN],
  ])("accepts %s", (_label, headers) => {
    expect(validateHeaders("headers", headers)).toStrictEqual([]);
  });

  it.each([["webhook-id"], ["Webhook-Timestamp"], ["WEBHOOK-SIGNATURE"]])(
    "rejects %s, which would override Wacht's signature headers",
    (name) => {
      expect(validateHeaders("headers", { [name]: "x" })).toStrictEqual([
        {
          property: `headers.${name}`,
          reason: `header "${name}" is reserved: it would override Wacht's signature and break verification`,
        },
      ]);
    },
  );

  it.each([
    ["Content-Type"],
    ["content-length"],
    ["Host"],
    ["User-Agent"],
    ["Transfer-Encoding"],
    ["Connection"],
  ])("rejects the transport header %s", (name) => {
    expect(validateHeaders("headers", { [name]: "x" })).toStrictEqual([
      {
        property: `headers.${name}`,
        reason: `header "${name}" is reserved: Wacht sets it on every delivery, overriding it breaks the request`,
      },
    ]);
  });

  it.each([["X Api Key"], ["X-Api:Key"], [""], ["Café"], ["X(1)"]])(
    "rejects the non-token name %j",
    (name) => {
      expect(validateHeaders("headers", { [name]: "x" })).toStrictEqual([
        {
          property: `headers.${name}`,
          reason: `header name ${JSON.stringify(name)} is not a valid HTTP token (RFC 7230: letters, digits and !#$%&'*+-.^_\`|~)`,
        },
      ]);
    },
  );

  it.each([
    ["a CR LF injection", "secret\r\nX-Evil: 1"],
    ["a bare LF", "secret\n"],
    ["a NUL", "sec\u0000ret"],
    ["a DEL", "sec\u007fret"],
  ])("rejects a value with %s without echoing the value", (_label, value) => {
    expect(validateHeaders("headers", { Authorization: value })).toStrictEqual([
      {
        property: "headers.Authorization",
        reason: `header "Authorization" value must not contain CR, LF or other control characters`,
      },
    ]);
  });

  it.each([
    ["a number", 5, "a number"],
    ["an object", { token: "s3cret" }, "an object"],
    ["null", null, "null"],
  ])("rejects %s as a value, naming only its type", (_label, value, kind) => {
    expect(validateHeaders("headers", { "X-Token": value })).toStrictEqual([
      {
        property: "headers.X-Token",
        reason: `header "X-Token" must have a string value (got ${kind}): Wacht drops other values`,
      },
    ]);
  });

  it("rejects names that differ only in case", () => {
    expect(
      validateHeaders("headers", { "X-Api-Key": "a", "x-api-key": "b", "X-API-KEY": "c" }),
    ).toStrictEqual([
      {
        property: "headers.x-api-key",
        reason: `header "x-api-key" duplicates "X-Api-Key": header names are case-insensitive`,
      },
      {
        property: "headers.X-API-KEY",
        reason: `header "X-API-KEY" duplicates "X-Api-Key": header names are case-insensitive`,
      },
    ]);
  });

  it("rejects headers that are not an object without echoing them", () => {
    expect(validateHeaders("headers", "Authorization: Bearer s3cret")).toStrictEqual([
      {
        property: "headers",
        reason: "headers must be an object mapping header names to string values (got a string)",
      },
    ]);
  });

  it("reports every failure of every header, never a value", () => {
    const failures = validateHeaders("headers", { Host: "h\r\n", "Bad Name": "s3cret", "X-Ok": "fine" });
    expect(failures).toStrictEqual([
      {
        property: "headers.Host",
        reason: `header "Host" is reserved: Wacht sets it on every delivery, overriding it breaks the request`,
      },
      {
        property: "headers.Host",
        reason: `header "Host" value must not contain CR, LF or other control characters`,
      },
      {
        property: "headers.Bad Name",
        reason: `header name "Bad Name" is not a valid HTTP token (RFC 7230: letters, digits and !#$%&'*+-.^_\`|~)`,
      },
    ]);
    expect(JSON.stringify(failures)).not.toContain("s3cret");
  });
});

describe("validateEmail", () => {
  it.each([["ops@example.com"], ["first.last+tag@mail.example.co.uk"], [UNKNOWN]])("accepts %j", (email) => {
    expect(validateEmail("email", email)).toStrictEqual([]);
  });

  it.each([
    ["ops@example", `invalid e-mail address "ops@example": the domain has no dot`],
    ["ops.example.com", `invalid e-mail address "ops.example.com": it must contain exactly one @`],
    ["a@b@example.com", `invalid e-mail address "a@b@example.com": it must contain exactly one @`],
    ["@example.com", `invalid e-mail address "@example.com": nothing before the @`],
    ["ops @example.com", `invalid e-mail address "ops @example.com": it contains whitespace`],
    [" ops@example.com", `invalid e-mail address " ops@example.com": it contains whitespace`],
    ["ops@example..com", `invalid e-mail address "ops@example..com": the domain has an empty label`],
    ["ops@.example.com", `invalid e-mail address "ops@.example.com": the domain has an empty label`],
    ["ops@example.com.", `invalid e-mail address "ops@example.com.": the domain has an empty label`],
    ["", `invalid e-mail address "": it must contain exactly one @`],
    [42, "e-mail address must be a string (got 42)"],
  ])("rejects %j", (email, reason) => {
    expect(validateEmail("email", email)).toStrictEqual([{ property: "email", reason }]);
  });
});

describe("validateEmails", () => {
  it.each([
    ["distinct addresses", ["a@example.com", "b@example.com"]],
    ["an empty list", []],
    ["undefined", undefined],
    ["null", null],
  ])("accepts %s", (_label, emails) => {
    expect(validateEmails("failureNotificationEmails", emails)).toStrictEqual([]);
  });

  it("reports bad addresses and case-insensitive duplicates once each", () => {
    expect(
      validateEmails("failureNotificationEmails", [
        "Ops@Example.com",
        "bad",
        "ops@example.com",
        "OPS@EXAMPLE.COM",
      ]),
    ).toStrictEqual([
      {
        property: "failureNotificationEmails[1]",
        reason: `invalid e-mail address "bad": it must contain exactly one @`,
      },
      {
        property: "failureNotificationEmails[2]",
        reason: `duplicate e-mail address "ops@example.com" (first at failureNotificationEmails[0])`,
      },
    ]);
  });

  it("rejects a value that is not a list", () => {
    expect(validateEmails("failureNotificationEmails", "ops@example.com")).toStrictEqual([
      {
        property: "failureNotificationEmails",
        reason: `expected a list of e-mail addresses (got "ops@example.com")`,
      },
    ]);
  });
});
