// The program's view of outputs that state leaves out because they equal their defaults
// (`withDefaults` and `withOutputDefaults` in provider/property.ts). The resources are built from the
// compiled `dist/` under Pulumi's mocks in a plain `node` process (test/support/class-outputs.cjs).
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");

describe("outputs in the program", () => {
  it("read a property that state leaves out as its default, and the others as state holds them", () => {
    const stdout = execFileSync(process.execPath, [resolve(root, "test/support/class-outputs.cjs")], {
      cwd: root,
      encoding: "utf8",
    });
    expect(JSON.parse(stdout)).toStrictEqual({
      catalogDescription: "",
      appDescription: "",
      appActive: true,
      endpointMaxRetries: 32,
      endpointTimeoutSeconds: 30,
      endpointHeaders: {},
      endpointUrl: "https://hooks.example.com/wacht",
      endpointId: "42",
      // Only what the program registers is an output: a rate limit it leaves out is not one.
      endpointRateLimit: "(not registered)",
    });
  });
});
