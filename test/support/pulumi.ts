/**
 * Drives the real Pulumi CLI for the e2e tests. `projectFolder` runs the plain `pulumi` commands in a
 * project folder, as users do. `testStack` runs variant programs inline: every operation runs
 * `node scripts/stack.mjs` in a child process (closure serialization must see natively loaded code,
 * which vitest's transform is not).
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");

/** A plan step or a diagnostic, as scripts/stack.mjs reports it. */
export interface StackEvent {
  phase: "pre" | "outputs" | "diagnostic";
  op?: string;
  type?: string;
  name?: string;
  diffs?: string[];
  /** Input keys whose old and new values differ (secret values compare as "[secret]"). */
  changedInputs?: string[];
  severity?: string;
  message?: string;
}

export interface StackResult {
  op: string;
  ok: boolean;
  summary: Record<string, number>;
  outputs: Record<string, unknown>;
  events: StackEvent[];
  error?: string;
  exitCode?: number;
  stdout: string;
}

export interface StackOptions {
  /** Compiled program, relative to the repository root. */
  program: string;
  stack?: string;
  project?: string;
  env: Record<string, string>;
}

/** A stack in a fresh temporary project folder and file backend. */
export function testStack(options: StackOptions) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-e2e-"));
  // The dynamic-provider host resolves @pulumi/pulumi and pulumi-wacht from the project folder.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const stack = options.stack ?? "e2e";
  const project = options.project ?? "wacht-e2e";

  function run(
    op: "up" | "preview" | "refresh" | "destroy" | "outputs",
    config: Record<string, unknown>,
    flags: string[] = [],
  ): Promise<StackResult> {
    const configJson = Object.fromEntries(
      Object.entries(config).map(([key, value]) => [
        key,
        // Keys named like credentials are secret config, as a user would set them.
        {
          value: typeof value === "string" ? value : JSON.stringify(value),
          secret: /(apiKey|Token)$/.test(key),
        },
      ]),
    );
    const args = [
      path.join(ROOT, "scripts/stack.mjs"),
      op,
      "--program",
      path.join(ROOT, options.program),
      "--stack",
      stack,
      "--project",
      project,
      "--dir",
      dir,
      "--state",
      path.join(dir, ".state"),
      "--config-json",
      JSON.stringify(configJson),
      "--env-json",
      JSON.stringify(options.env),
      ...flags,
    ];
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        args,
        { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
        (_error, stdout, stderr) => {
          const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
          if (!line) {
            resolve({
              op,
              ok: false,
              summary: {},
              outputs: {},
              events: [],
              error: `no result:\n${stdout}\n${stderr}`,
              stdout,
            });
            return;
          }
          resolve({
            ...(JSON.parse(line.slice("RESULT ".length)) as StackResult),
            stdout: `${stdout}\n${stderr}`,
          });
        },
      );
    });
  }

  return {
    dir,
    up: (config: Record<string, unknown>, flags?: string[]) => run("up", config, flags),
    preview: (config: Record<string, unknown>, flags?: string[]) => run("preview", config, flags),
    refresh: (config: Record<string, unknown>, flags?: string[]) => run("refresh", config, flags),
    destroy: (config: Record<string, unknown>) => run("destroy", config),
    /** Removes the temporary folder. */
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Steps of one kind for resources of our types: `[name, op]` pairs, in order. */
export function steps(result: StackResult, phase: "pre" | "outputs" = "pre"): Array<[string, string]> {
  return result.events
    .filter((e) => e.phase === phase && e.type?.startsWith("pulumi-nodejs:dynamic/wacht:"))
    .map((e) => [e.name ?? "", e.op ?? ""]);
}

/** The emulator's journal of API requests. */
export async function journal(url: string): Promise<Array<{ method: string; path: string; status: number }>> {
  const response = await fetch(`${url}/_emulator/requests`);
  return ((await response.json()) as { requests: Array<{ method: string; path: string; status: number }> })
    .requests;
}

export async function clearJournal(url: string): Promise<void> {
  await fetch(`${url}/_emulator/requests`, { method: "DELETE" });
}

/** One command run in a project folder. */
export interface CommandResult {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The bin folder scripts/ensure-pulumi.sh prints last (the CLI, its plugins, the language host). */
export function pulumiBin(env: Record<string, string> = {}): string {
  const out = execFileSync("bash", [path.join(ROOT, "scripts/ensure-pulumi.sh")], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return out.trim().split("\n").pop() ?? "";
}

/**
 * Splits a command line as the docs print it (`pulumi config set --secret wacht:apiKey sk_...`): words
 * separated by spaces, `# comments` dropped. The docs' commands use no quotes.
 */
export function words(line: string): string[] {
  return line
    .replace(/\s+#.*$/, "")
    .trim()
    .split(/\s+/);
}

/**
 * A Pulumi project folder driven with the commands a user types: `pulumi …` (the CLI from `bin`) and
 * `npm …`, on a fresh local file backend, offline. Confirmations are skipped through
 * PULUMI_SKIP_CONFIRMATIONS, Pulumi's stand-in for answering "yes" at the prompt, so `pulumi up` and
 * `pulumi destroy` run exactly as printed.
 */
export function projectFolder(dir: string, options: { bin: string; env: Record<string, string> }) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-backend-"));
  fs.mkdirSync(path.join(ROOT, ".tools", "pulumi-home"), { recursive: true });
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PATH: `${options.bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: path.join(ROOT, ".tools", "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
    ...options.env,
  };
  // The test runner's settings must not reach the project's npm and node (npm sets npm_* for the test
  // script, vitest sets VITEST*).
  for (const key of Object.keys(env)) {
    if (key.startsWith("VITEST") || key.startsWith("npm_") || key === "NODE_OPTIONS") delete env[key];
  }

  function run(command: string): Promise<CommandResult> {
    const [program, ...args] = words(command);
    const file = program === "pulumi" ? path.join(options.bin, "pulumi") : (program ?? "");
    return new Promise((resolve) => {
      execFile(file, args, { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ command, code, stdout, stderr });
      });
    });
  }

  return {
    dir,
    /** Runs one command line in the folder (never rejects: the result carries the exit code). */
    run,
    /** `pulumi stack output --json`: secrets print as "[secret]". */
    outputs: async () =>
      JSON.parse((await run("pulumi stack output --json")).stdout) as Record<string, unknown>,
    /** Removes the backend (the stack's state). */
    cleanup: () => fs.rmSync(state, { recursive: true, force: true }),
  };
}

/**
 * The last `Resources:` block of a Pulumi command's output (`up` prints the preview's first), one line
 * per kind, the stack resource included: `["+ 5 created"]`.
 */
export function resourceSummary(stdout: string): string[] {
  const block = [...stdout.matchAll(/^Resources:\n((?: {4}.*\n)+)/gm)].pop()?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Distinct `warning:` texts in a Pulumi command's output, in order. */
export function warnings(output: string): string[] {
  const found = [...output.matchAll(/warning: (.*)$/gm)].map((m) => (m[1] ?? "").trim());
  return [...new Set(found)];
}
