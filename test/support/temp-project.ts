/**
 * A throwaway TypeScript Pulumi project folder (Pulumi.yaml, package.json, tsconfig.json, index.ts) whose
 * node_modules is the repository's, so `pulumi-wacht` resolves to this checkout's build (node_modules/
 * pulumi-wacht links to the root) and `node_modules/pulumi-wacht/policy` is the policy pack in the
 * repository: the folder runs the plain CLI commands without an `npm install`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectFolder, ROOT } from "./pulumi";

export interface TempProject {
  dir: string;
  folder: ReturnType<typeof projectFolder>;
  /** Replaces index.ts. */
  program(source: string): void;
  /** Removes the folder and its backend. */
  cleanup(): void;
}

export function tempProject(name: string, bin: string, source: string): TempProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\n`);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, main: "index.ts" }));
  fs.copyFileSync(path.join(ROOT, "examples/quickstart/tsconfig.json"), path.join(dir, "tsconfig.json"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const program = (text: string) => fs.writeFileSync(path.join(dir, "index.ts"), text);
  program(source);
  const folder = projectFolder(dir, { bin, env: {} });
  return {
    dir,
    folder,
    program,
    cleanup: () => {
      folder.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A caller of the emulator's API with its key, answering parsed JSON (throws on a non-2xx status). */
export function apiCaller(url: string, apiKey: string) {
  return async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
}
