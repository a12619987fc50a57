/** One spelling of a JSON value, for comparing values that may differ in key order. */

/**
 * JSON with object keys sorted recursively (array order kept), for comparing filter rules and
 * schemas without formatting or key-order drift. `undefined` renders as `null`; object members whose
 * value is `undefined` are dropped, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
