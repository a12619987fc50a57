/**
 * Drives the real Pulumi CLI for the e2e tests: every operation runs `node scripts/stack.mjs` in a child
 * process (closure serialization must see natively loaded code, which vitest's transform is not).
 */
import { execFile } from "node:child_process";
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
