// The test kit as a user gets it: from a fresh folder, the two packed packages (pulumi-wacht and
// wacht-emulator) are all it takes to run README.md's "Testing your own program" example against README's
// own snippet, with vitest and the real CLI. pulumi-wacht alone installs no native code.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pulumiBin, ROOT } from "../support/pulumi";

/** The part of README.md under `title` (a `## ` heading), up to the next heading of level 1 or 2. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n${title}\n`);
  if (start < 0) throw new Error(`no heading "${title}"`);
  const rest = markdown.slice(start + title.length + 2);
  const end = rest.search(/^#{1,2} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

function firstTsBlock(markdown: string): string {
  const match = /^```ts\n([\s\S]*?)^```$/m.exec(markdown);
  if (!match?.[1]) throw new Error("no ts block");
  return match[1];
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe("the test kit from two packed packages", () => {
  let work = "";
  let project = "";
  let bin = "";
  const tarballs = { provider: "", emulator: "" };

  beforeAll(async () => {
    bin = pulumiBin();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-test-kit-"));
    const packed = await run("npm", ["pack", "--silent", "--pack-destination", work], ROOT);
    expect(packed.code, packed.output).toBe(0);
    const packedEmulator = await run(
      "npm",
      ["pack", "-w", "emulator", "--silent", "--pack-destination", work],
      ROOT,
    );
    expect(packedEmulator.code, packedEmulator.output).toBe(0);
    tarballs.provider = path.join(work, "pulumi-wacht-0.1.0.tgz");
    tarballs.emulator = path.join(work, "wacht-emulator-0.1.0.tgz");

    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    project = path.join(work, "billing");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: billing\nruntime: nodejs\n");
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "billing", main: "index.ts" }),
    );
    fs.copyFileSync(
      path.join(ROOT, "examples/quickstart/tsconfig.json"),
      path.join(project, "tsconfig.json"),
    );
    fs.writeFileSync(
      path.join(project, "index.ts"),
      firstTsBlock(section(readme, "## Use it in your project")),
    );
    fs.writeFileSync(
      path.join(project, "webhooks.test.ts"),
      firstTsBlock(section(readme, "## Testing your own program")),
    );
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  // A project as `pulumi new typescript` makes it (its own TypeScript), plus the packed pulumi-wacht.
  it("installs pulumi-wacht without any native module", async () => {
    const install = await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        tarballs.provider,
        "@pulumi/pulumi@^3.270.0",
        "typescript@^5.9.3",
        "@types/node@^22",
      ],
      project,
    );
    expect(install.code, install.output).toBe(0);
    const native = (await run("find", ["node_modules", "-name", "*.node", "-path", "*/build/*"], project))
      .output;
    expect(native.trim()).toBe("");
    expect(fs.existsSync(path.join(project, "node_modules/better-sqlite3"))).toBe(false);
  });

  it("runs README's test of README's program with vitest against wacht-emulator", async () => {
    const install = await run(
      "npm",
      ["install", "--save-dev", "--no-audit", "--no-fund", tarballs.emulator, "vitest@^4.1.12"],
      project,
      // better-sqlite3 is built for the Node running the tests (CI runs them on two), with its own headers.
      { npm_config_nodedir: path.dirname(path.dirname(process.execPath)) },
    );
    expect(install.code, install.output).toBe(0);
    const home = path.join(work, "pulumi-home");
    fs.mkdirSync(home);
    const test = await run("npx", ["vitest", "run"], project, {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: home,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    });
    expect(test.code, test.output).toBe(0);
    expect(test.output).toContain("1 passed");
  });
});
