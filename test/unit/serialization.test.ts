// The serialized provider (`__provider` in every resource's state) must be a thin loader of the
// installed package: no client, no credentials, no implementation code, at most 1,500 bytes per copy
// (state holds two copies per resource).
// Serialization runs in a plain `node` child process on the compiled `dist/` (built by `npm run build`),
// because vitest rewrites the modules it loads and would change what gets captured.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const script = resolve(root, "test/support/serialize-provider.cjs");
const FAKE_API_KEY = "sk_FAKE_serialization_probe_key_7c1e9a";

let serialized: Record<string, string>;

beforeAll(() => {
  if (!existsSync(resolve(root, "dist/loader.js"))) {
    throw new Error("dist/loader.js is missing: run `npm run build` first (npm test does)");
  }
  const stdout = execFileSync(process.execPath, [script, FAKE_API_KEY], { cwd: root, encoding: "utf8" });
  serialized = JSON.parse(stdout) as Record<string, string>;
});

describe("the serialized provider", () => {
  it("is produced for exactly the four resource kinds", () => {
    expect(Object.keys(serialized).sort()).toStrictEqual(["app", "appEndpoints", "catalog", "endpoint"]);
  });

  describe.each(["catalog", "app", "endpoint", "appEndpoints"])("of %s", (kind) => {
    const text = () => serialized[kind]!;

    it("takes at most 1,500 bytes of state", () => {
      expect(Buffer.byteLength(text(), "utf8")).toBeLessThanOrEqual(1500);
    });

    it.each([
      ["configure", "plan"],
      ["check", "plan"],
      ["diff", "plan"],
      ["create", "write"],
      ["update", "write"],
      ["read", "read"],
      ["delete", "delete"],
    ])("delegates %s to the installed implementation of its own kind (%s)", (method, entry) => {
      const functionName = new RegExp(`[{ ]${method}: (__f\\d+)`).exec(text())?.[1];
      const body = new RegExp(`function ${functionName}\\(\\) \\{[\\s\\S]*?\\n\\}`).exec(text())?.[0];
      expect(body).toContain(`return (...a) => require("pulumi-wacht/runtime").${kind}.${entry}(...a);`);
    });

    it.each([
      ["the API key", FAKE_API_KEY],
      ["the API key's prefix", "sk_FAKE"],
      ["a fetch adapter", "fetch"],
      ["the SDK client", "WachtClient"],
      ["the SDK module", "@wacht/backend"],
      ["signing code or secrets", "signing"],
    ])("contains no %s", (_what, needle) => {
      expect(text()).not.toContain(needle);
    });
  });
});
