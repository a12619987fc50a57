// The serialized provider (`__provider` in every resource's state) must be a thin loader of the
// installed package: no client, no credentials, no implementation code, at most 1,500 bytes per copy
// (state holds two copies per resource) where the package is linked, and one `require` of its loader
// module where it is installed under node_modules, as users have it.
// Serialization runs in a plain `node` child process on the compiled `dist/` (built by `npm run build`),
// because vitest rewrites the modules it loads and would change what gets captured.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const script = resolve(root, "test/support/serialize-provider.cjs");
const FAKE_API_KEY = "sk_FAKE_serialization_probe_key_7c1e9a";

let serialized: Record<string, string>;
let installed: Record<string, string>;
let project: string;

beforeAll(() => {
  if (!existsSync(resolve(root, "dist/loader.js"))) {
    throw new Error("dist/loader.js is missing: run `npm run build` first (npm test does)");
  }
  const stdout = execFileSync(process.execPath, [script, FAKE_API_KEY], { cwd: root, encoding: "utf8" });
  serialized = JSON.parse(stdout) as Record<string, string>;

  // A project with the package installed as npm installs it: a real folder under node_modules.
  project = mkdtempSync(join(tmpdir(), "wacht-serialize-"));
  const installedDir = join(project, "node_modules", "pulumi-wacht");
  mkdirSync(installedDir, { recursive: true });
  cpSync(resolve(root, "package.json"), join(installedDir, "package.json"));
  cpSync(resolve(root, "dist"), join(installedDir, "dist"), { recursive: true });
  for (const scope of ["@pulumi", "@wacht"]) {
    symlinkSync(resolve(root, "node_modules", scope), join(project, "node_modules", scope), "dir");
  }
  const installedOut = execFileSync(process.execPath, [script, FAKE_API_KEY, installedDir], {
    cwd: project,
    encoding: "utf8",
  });
  installed = JSON.parse(installedOut) as Record<string, string>;
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("the serialized provider of an installed package", () => {
  it.each([
    ["catalog", "catalog"],
    ["app", "app"],
    ["endpoint", "endpoint"],
    ["appEndpoints", "app-endpoints"],
  ])("of %s is one require of its loader module", (kind, file) => {
    expect(installed[kind]).toBe(
      [
        "exports.handler = __f0;",
        `const provider = require("pulumi-wacht/dist/loaders/${file}.js");`,
        "",
        "function __f0() {",
        "  return (function() {",
        "    with({ this: undefined, arguments: undefined }) {",
        "",
        "return () => provider;",
        "",
        "    }",
        "  }).apply(undefined, undefined).apply(this, arguments);",
        "}",
        "",
      ].join("\n"),
    );
  });

  it.each([
    ["catalog", "catalog"],
    ["app", "app"],
    ["endpoint", "endpoint"],
    ["appEndpoints", "app-endpoints"],
  ])("of %s requires a module the package exports, whose methods call its own kind", (kind, file) => {
    const methods = execFileSync(
      process.execPath,
      [
        "-e",
        `const p = require("pulumi-wacht/dist/loaders/${file}.js");` +
          "console.log(JSON.stringify(Object.entries(p).map(([k, f]) => [k, String(f)])))",
      ],
      { cwd: project, encoding: "utf8" },
    );
    const entry = { configure: "plan", check: "plan", diff: "plan", create: "write", update: "write" };
    expect(JSON.parse(methods)).toStrictEqual(
      ["configure", "check", "diff", "create", "update", "read", "delete"].map((method) => [
        method,
        `(...a) => require("pulumi-wacht/runtime").${kind}.${entry[method as keyof typeof entry] ?? method}(...a)`,
      ]),
    );
  });
});

describe("the serialized provider of a linked package", () => {
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
