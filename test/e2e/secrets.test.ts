import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { ROOT, testStack } from "../support/pulumi";

interface StateResource {
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

function stateOf(dir: string, project: string, stack: string) {
  const file = path.join(dir, ".state", "backend", ".pulumi", "stacks", project, `${stack}.json`);
  const text = fs.readFileSync(file, "utf8");
  const resources = (JSON.parse(text) as { checkpoint: { latest: { resources: StateResource[] } } })
    .checkpoint.latest.resources;
  return { text, resources: resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/wacht:")) };
}

const SECRET_MARKER = "4dabf18193072939515e22adb298388d";

describe("secrets and the serialized provider in real state", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;
  const headerValue = "receiver-token-that-must-not-leak";
  const spec = {
    catalogs: [
      {
        name: "events",
        args: { slug: "secret-events", name: "E", events: [{ name: "a.b", description: "AB" }] },
      },
    ],
    apps: [{ name: "app", catalog: "events", args: { name: "App", slug: "secret-app" } }],
    endpoints: [
      {
        name: "hook",
        app: "app",
        args: {
          url: "https://hooks.example.com/x",
          events: ["a.b"],
          headers: { "X-Token": "$config:receiverToken" },
        },
      },
    ],
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    stack = testStack({
      program: ".build/test/e2e/programs/webhooks.js",
      stack: "secrets",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    stack.cleanup();
    await emulator.close();
  });

  it("keeps the API key, signing secret and header values out of state and output, with a provider under 2 KB", async () => {
    const up = await stack.up({ "e2e:spec": spec, "e2e:receiverToken": headerValue });
    expect(up.error).toBeUndefined();
    const live = (await (
      await fetch(`${emulator.url}/webhooks/apps/secret_app`, {
        headers: { authorization: `Bearer ${emulator.apiKey}` },
      })
    ).json()) as { signing_secret: string };

    const { text, resources } = stateOf(stack.dir, "wacht-e2e", "secrets");
    for (const leak of [emulator.apiKey, live.signing_secret, headerValue]) {
      expect(text).not.toContain(leak);
      expect(up.stdout).not.toContain(leak);
    }
    expect(
      resources.map((r) => [r.type.split(":").pop(), (r.inputs.__provider as string).length <= 2048]),
    ).toStrictEqual([
      ["WebhookEventCatalog", true],
      ["WebhookApp", true],
      ["WebhookEndpoint", true],
    ]);
    for (const r of resources) expect(r.inputs.__provider).toContain('require("pulumi-wacht/runtime")');
    const app = resources.find((r) => r.type.endsWith("WebhookApp"))!;
    expect(Object.keys(app.outputs.signingSecret as object)).toStrictEqual([SECRET_MARKER, "ciphertext"]);
    const hook = resources.find((r) => r.type.endsWith("WebhookEndpoint"))!;
    expect(Object.keys(hook.outputs.headers as object)).toStrictEqual([SECRET_MARKER, "ciphertext"]);
    // Header names stay readable in the inputs (and so in plans); each value is a secret.
    expect(Object.keys(hook.inputs.headers as object)).toStrictEqual(["X-Token"]);
    expect(Object.keys((hook.inputs.headers as Record<string, object>)["X-Token"]!)).toStrictEqual([
      SECRET_MARKER,
      "ciphertext",
    ]);
    expect(hook.outputs.headerNames).toStrictEqual(["X-Token"]);
  });
});

describe("the package as npm packs it", () => {
  let emulator: RunningEmulator;
  let project: string;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    // A user's project: the packed tarball unpacked in node_modules, next to its peer @pulumi/pulumi.
    project = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-packed-"));
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", project], { cwd: ROOT })
      .toString()
      .trim()
      .split("\n")
      .pop()!;
    const installed = path.join(project, "node_modules", "pulumi-wacht");
    fs.mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["xzf", path.join(project, tarball), "-C", installed, "--strip-components=1"]);
    for (const dependency of ["@pulumi", "@wacht", "@grpc", "google-protobuf", "@noble", "jose"]) {
      fs.symlinkSync(
        path.join(ROOT, "node_modules", dependency),
        path.join(project, "node_modules", dependency),
      );
    }
    fs.writeFileSync(
      path.join(project, "index.js"),
      'const wacht = require("pulumi-wacht");\nexports.slug = new wacht.WebhookApp("packed", { name: "Packed", slug: "packed" }).slug;\n',
    );
  });

  afterAll(async () => {
    fs.rmSync(project, { recursive: true, force: true });
    await emulator.close();
  });

  it("installs from its tarball and runs a program that loads it by name", async () => {
    expect(fs.readdirSync(path.join(project, "node_modules", "pulumi-wacht")).sort()).toStrictEqual([
      "CHANGELOG.md",
      "README.md",
      "dist",
      "package.json",
      "policy",
    ]);
    // Asynchronously: the emulator serves from this very process.
    const { stdout: result } = await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, "scripts/stack.mjs"),
        "up",
        "--program",
        path.join(project, "index.js"),
        "--stack",
        "packed",
        "--project",
        "wacht-packed",
        "--dir",
        project,
        "--state",
        path.join(project, ".state"),
        "--env-json",
        JSON.stringify({ WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey }),
      ],
      { cwd: project, maxBuffer: 16 * 1024 * 1024 },
    );
    const line = result.split("\n").find((l) => l.startsWith("RESULT "))!;
    expect(JSON.parse(line.slice("RESULT ".length))).toMatchObject({
      ok: true,
      summary: { create: 2 },
      outputs: { slug: "packed" },
    });
  });
});
