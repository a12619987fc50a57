// A Pulumi project folder as a user has one (Pulumi.yaml, index.js, node_modules) on its own file
// backend, and the real `pulumi` CLI run in it.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { offlineEnv } from "../stack.mjs";
import { linkModules } from "./package.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Creates a project folder holding the chaos program and `spec`, with `pulumi-wacht` resolving to the
 * package folder `pkg` (see package.mjs), and its own file backend in `.state/`.
 * @returns {{ dir: string, env: Record<string, string> }}
 */
export function makeProject(spec, { bin, apiUrl, apiKey, pkg, prefix = "wacht-chaos-" }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  linkModules(dir, pkg);
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    "name: wacht-chaos\nruntime: nodejs\ndescription: 1 catalog, 3 apps, 30 endpoints under API faults\n",
  );
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "wacht-chaos", private: true, main: "index.js", dependencies: { "@pulumi/pulumi": "^3", "pulumi-wacht": "*" } }, null, 2)}\n`,
  );
  fs.copyFileSync(path.join(root, "scripts/chaos/program.cjs"), path.join(dir, "index.js"));
  fs.writeFileSync(path.join(dir, "spec.json"), `${JSON.stringify(spec, null, 2)}\n`);
  const env = {
    ...process.env,
    ...offlineEnv(bin, path.join(dir, ".state")),
    WACHT_API_URL: apiUrl,
    WACHT_API_KEY: apiKey,
  };
  // A run's own folder must not pick up a developer's adopt switch.
  delete env.WACHT_ADOPT_EXISTING;
  return { dir, env };
}

/**
 * Runs a shell command line in the project folder (its own process group, so that a kill reaches the
 * language host and provider processes too). `onStart(child)` sees the child before it ends.
 * @returns {Promise<{ code: number | null, signal: string | null, output: string, stdout: string, ms: number }>}
 */
export function sh(project, line, { onStart, timeoutMs = 15 * 60_000 } = {}) {
  const started = Date.now();
  const child = spawn("bash", ["-c", line], {
    cwd: project.dir,
    env: project.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }, timeoutMs);
  onStart?.(child);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, stdout, ms: Date.now() - started });
    });
  });
}

/** Pids of every process whose parent chain leads to `pid` (from /proc), `pid` excluded. */
export function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Pids of processes still running in the project folder (e.g. provider plugins that outlived a kill). */
export function processesIn(project) {
  const pids = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === project.dir || cwd === `${project.dir} (deleted)`) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** `pulumi stack export` of the project's stack, parsed (the deployment part). */
export async function exportState(project) {
  const run = await sh(project, "pulumi stack export");
  if (run.code !== 0) throw new Error(`pulumi stack export failed:\n${run.output}`);
  return JSON.parse(run.stdout).deployment;
}

/** Deletes the project folder. */
export function removeProject(project) {
  fs.rmSync(project.dir, { recursive: true, force: true });
}
