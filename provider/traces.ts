/**
 * Pulumi's Node SDK takes a stack trace for each of the four promises behind every registered output
 * (`debuggablePromise`), and formats it at once with the program's `Error.prepareStackTrace`: in a Pulumi
 * program that is ts-node's source-map support, which maps every frame through source maps. The SDK
 * reads those traces only to print leaked promises when `PULUMI_DEBUG_PROMISE_LEAKS` is set. For an
 * endpoint, which registers 16 properties, that formatting was the largest cost pulumi-wacht added to a
 * program: about 0.5 s of CPU per 100 endpoints (docs/scaling.md).
 *
 * While one of this package's resources registers, {@link skipPromiseTraces} lets traces taken in
 * `debuggablePromise` go unformatted; every other trace (an error thrown by the program's
 * transformations, the SDK's source positions) is formatted by the program's own function, as before.
 */

/** What such a promise carries instead of its trace. */
export const SKIPPED_TRACE = "(not captured: run with PULUMI_DEBUG_PROMISE_LEAKS=1 to capture it)";

const noop = () => {};

/**
 * Starts skipping the formatting of the SDK's promise traces and returns the function that stops it
 * (call it in a `finally`). Does nothing when `PULUMI_DEBUG_PROMISE_LEAKS` is set, when those traces
 * are read, or when the program formats traces with V8's own function, which costs little.
 */
export function skipPromiseTraces(): () => void {
  // Undefined in a plain Node process, although its type says otherwise.
  const format: typeof Error.prepareStackTrace | undefined = Error.prepareStackTrace;
  if (format === undefined || process.env.PULUMI_DEBUG_PROMISE_LEAKS) return noop;
  Error.prepareStackTrace = (error, sites) =>
    sites[0]?.getFunctionName() === "debuggablePromise" ? SKIPPED_TRACE : format(error, sites);
  return () => {
    Error.prepareStackTrace = format;
  };
}
