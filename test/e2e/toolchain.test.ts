import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import {
  journal,
  projectFolder,
  pulumiBin,
  ROOT,
  resourceSummary,
  testStack,
  warnings,
} from "../support/pulumi";

describe("the real Pulumi CLI built here", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    stack = testStack({
      program: ".build/test/e2e/programs/tiny.js",
      project: "wacht-tiny",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    stack.cleanup();
    await emulator.close();
  });

  it("creates, previews without changes and destroys a program whose provider calls @wacht/backend", async () => {
    const up = await stack.up({});
    expect(up.error).toBeUndefined();
    expect(up.summary).toStrictEqual({ create: 2 });
    expect(up.outputs).toStrictEqual({ slug: "tiny_app", secret: "[secret]" });

    const preview = await stack.preview({});
    expect(preview.error).toBeUndefined();
    expect(preview.summary).toStrictEqual({ same: 2 });

    const destroy = await stack.destroy({});
    expect(destroy.error).toBeUndefined();
    expect(destroy.summary).toStrictEqual({ delete: 2 });

    expect((await journal(emulator.url)).map((r) => `${r.method} ${r.path} ${r.status}`)).toStrictEqual([
      // An explicit slug is looked up first: what exists before the create is never taken for its result.
      "GET /webhooks/apps/tiny_app 404",
      "POST /webhooks/apps 200",
      "DELETE /webhooks/apps/tiny_app 200",
    ]);
  });
});

/**
 * A standard Pulumi install, simulated: `pulumi` and its plugins in one folder, as Pulumi's releases
 * ship them. Hard links (copies across file systems) keep each binary's own folder its folder, where
 * the CLI looks for plugins.
 */
function standardInstall(from: string, plugins: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-pulumi-install-"));
  for (const name of ["pulumi", ...plugins]) {
    const source = fs.realpathSync(path.join(from, name));
    try {
      fs.linkSync(source, path.join(dir, name));
    } catch {
      fs.copyFileSync(source, path.join(dir, name));
      fs.chmodSync(path.join(dir, name), 0o755);
    }
  }
  return dir;
}

/** scripts/ensure-pulumi.sh with `dir` first on PATH. */
function ensurePulumiWith(dir: string) {
  const run = spawnSync("bash", [path.join(ROOT, "scripts/ensure-pulumi.sh")], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}` },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("a standard Pulumi install on PATH", () => {
  let built: string;
  const folders: string[] = [];

  beforeAll(() => {
    built = pulumiBin();
  });

  afterAll(() => {
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is used as it is: its folder is printed, nothing is added to it, and pulumi up warns about nothing", async () => {
    const install = standardInstall(built, ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]);
    folders.push(install);
    const version = execFileSync(path.join(install, "pulumi"), ["version"], { encoding: "utf8" }).trim();

    expect(ensurePulumiWith(install)).toStrictEqual({
      code: 0,
      stdout: `${install}\n`,
      stderr: `ensure-pulumi: using ${install}/pulumi (${version})\n`,
    });
    expect(fs.readdirSync(install).sort()).toStrictEqual([
      "pulumi",
      "pulumi-language-nodejs",
      "pulumi-resource-pulumi-nodejs",
    ]);

    // A JavaScript project folder using the package by name; its node_modules are the repository's.
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-tiny-"));
    folders.push(project);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: wacht-tiny\nruntime: nodejs\n");
    fs.writeFileSync(path.join(project, "package.json"), '{ "name": "wacht-tiny", "main": "index.js" }\n');
    fs.writeFileSync(
      path.join(project, "index.js"),
      'const wacht = require("pulumi-wacht");\nexports.slug = new wacht.WebhookApp("tiny", { name: "Tiny", slug: "tiny" }).slug;\n',
    );
    const emulator = await startEmulator({ port: 0, db: ":memory:" });
    const folder = projectFolder(project, {
      bin: install,
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
    try {
      expect((await folder.run("pulumi stack init e2e")).code).toBe(0);
      const up = await folder.run("pulumi up");
      expect([up.code, resourceSummary(up.stdout), warnings(`${up.stdout}\n${up.stderr}`)]).toStrictEqual([
        0,
        ["+ 2 created"],
        [],
      ]);
      expect(await folder.outputs()).toStrictEqual({ slug: "tiny" });
      const destroy = await folder.run("pulumi destroy");
      expect([destroy.code, resourceSummary(destroy.stdout)]).toStrictEqual([0, ["- 2 deleted"]]);
    } finally {
      folder.cleanup();
      await emulator.close();
    }
  });

  it("without the language host beside it, is used all the same and says so in one line", () => {
    const install = standardInstall(built, ["pulumi-resource-pulumi-nodejs"]);
    folders.push(install);
    const version = execFileSync(path.join(install, "pulumi"), ["version"], { encoding: "utf8" }).trim();

    expect(ensurePulumiWith(install)).toStrictEqual({
      code: 0,
      stdout: `${install}\n`,
      stderr:
        `ensure-pulumi: using ${install}/pulumi (${version})\n` +
        `ensure-pulumi: no Node.js language host (${install} has no pulumi-language-nodejs): ` +
        "`pulumi up` in a project folder will not run; inline programs (npm start, scripts/stack.mjs) still do\n",
    });
  });
});
