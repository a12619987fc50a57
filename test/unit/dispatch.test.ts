import { describe, expect, it } from "vitest";
import { entries } from "../../provider/dispatch";
import type { Implementation } from "../../provider/lifecycle";

/** An implementation that answers with the method called and its arguments. */
const recorder = Object.fromEntries(
  ["configure", "check", "diff", "create", "read", "update", "delete"].map((method) => [
    method,
    async (...args: unknown[]) => ({ method, args }),
  ]),
) as unknown as Implementation<unknown, unknown>;
const entry = entries(recorder);
const request = { config: { get: (_key: string) => undefined, require: (_key: string) => "" } };

describe("the loader's entry points", () => {
  it.each([
    ["configure(request)", "plan", [request], "configure"],
    ["check(olds, news)", "plan", [{}, { url: "u" }], "check"],
    ["check(olds, news) of inputs with a config property", "plan", [{}, { config: { get: "x" } }], "check"],
    ["diff(id, olds, news)", "plan", ["billing/1", {}, {}], "diff"],
    ["create(inputs)", "write", [{ url: "u" }], "create"],
    ["update(id, olds, news)", "write", ["billing/1", {}, {}], "update"],
  ] as const)("route %s to that method", async (_call, via, args, method) => {
    expect(await entry[via](...args)).toStrictEqual({ method, args: [...args] });
  });

  it("keep read and delete, and every method 0.1.0's loader calls by name", () => {
    expect(Object.keys(entry).sort()).toStrictEqual([
      "check",
      "configure",
      "create",
      "delete",
      "diff",
      "plan",
      "read",
      "update",
      "write",
    ]);
  });

  it("never send a call with an extra trailing argument to another method", async () => {
    expect(await entry.plan("billing/1", {}, {}, "extra")).toMatchObject({ method: "diff" });
    expect(await entry.write("billing/1", {}, {}, "extra")).toMatchObject({ method: "update" });
    expect(await entry.plan({}, {}, "extra")).toMatchObject({ method: "check" });
  });
});
