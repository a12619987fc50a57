// The SDK's promise traces go unformatted while this package's resources register (provider/traces.ts);
// every other trace is formatted by the program's own function.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SKIPPED_TRACE, skipPromiseTraces } from "../../provider/traces";

const root = resolve(__dirname, "../..");

// Named as the SDK's function is: the name is what tells its traces apart.
function debuggablePromise(): string | undefined {
  return new Error("promise").stack;
}

function programCode(): string | undefined {
  return new Error("program").stack;
}

describe("skipPromiseTraces", () => {
  const saved = Error.prepareStackTrace;
  const programFormat = (error: Error) => `formatted: ${error.message}`;

  beforeEach(() => {
    Error.prepareStackTrace = programFormat;
  });

  afterEach(() => {
    Error.prepareStackTrace = saved;
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  });

  it("leaves traces taken in debuggablePromise unformatted until stopped, and formats the others as the program does", () => {
    const stop = skipPromiseTraces();
    const during = [debuggablePromise(), programCode()];
    stop();
    expect([...during, debuggablePromise(), programCode()]).toStrictEqual([
      SKIPPED_TRACE,
      "formatted: program",
      "formatted: promise",
      "formatted: program",
    ]);
    expect(Error.prepareStackTrace).toBe(programFormat);
  });

  it("formats every trace while PULUMI_DEBUG_PROMISE_LEAKS is set, since the SDK then prints them", () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    const stop = skipPromiseTraces();
    expect([debuggablePromise(), Error.prepareStackTrace]).toStrictEqual([
      "formatted: promise",
      programFormat,
    ]);
    stop();
  });

  it("leaves V8's own formatting in place when the program installs none", () => {
    // Node's default; the type says the function is always there.
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    const stop = skipPromiseTraces();
    expect(Error.prepareStackTrace).toBe(undefined);
    expect(debuggablePromise()?.split("\n").slice(0, 2).join("|")).toMatch(
      /^Error: promise\| {4}at debuggablePromise \(.*promise-traces\.test\.ts:\d+:\d+\)$/,
    );
    stop();
  });
});

describe("registering this package's resources", () => {
  const run = (env: Record<string, string>) =>
    JSON.parse(
      execFileSync(process.execPath, [resolve(root, "test/support/promise-traces.cjs")], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, ...env },
      }),
    );

  it("formats no promise trace, but the SDK's source positions and the program's errors as the program does", () => {
    expect(run({})).toStrictEqual({
      // One source position per resource that registered (the third threw in its transformation).
      formattedBy: { callsites: 3, "wacht.WebhookEndpoint.transformations": 1 },
      restored: true,
      thrown: "formatted by the program: the program's transformation failed",
    });
  });

  it("formats every promise trace when PULUMI_DEBUG_PROMISE_LEAKS is set", () => {
    const seen = run({ PULUMI_DEBUG_PROMISE_LEAKS: "1" });
    expect(seen.formattedBy.debuggablePromise).toBe(154);
    expect(seen.restored).toBe(true);
  });
});
