#!/usr/bin/env node
// Runs a Pulumi program through the real CLI with the Automation API (an inline program, which needs no
// language host), offline, on a local file backend. Used by the e2e tests that need variant programs,
// which run it as a child process so that closure serialization sees natively loaded code (vitest
// rewrites the modules it loads), and by `npm start` where no language host can be had. Project
// folders run with the plain `pulumi` commands instead (scripts/start.mjs, test/e2e/project-folders).
//
//   node scripts/stack.mjs link   (makes node_modules/pulumi-wacht a link to the repository)
//   node scripts/stack.mjs <up|preview|refresh|destroy|outputs> --program <compiled .js> --stack <name>
//     [--dir <work dir>] [--project <name>] [--config-json <{"key":{"value":"…","secret":true}}>]
//     [--env-json <{"NAME":"value"}>] [--refresh] [--expect-no-changes] [--replace <urn>]
//     [--show-secrets] [--result <file>]
//
// Prints the engine's output and, last, one line `RESULT <json>`: { ok, op, summary, outputs, events,
// error }. Outputs that are secrets print as "[secret]" unless --show-secrets is given.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));

let ensured;

/** Runs scripts/ensure-pulumi.sh (once per process) and returns the bin folder it prints last. */
export function ensurePulumi() {
  if (ensured) return ensured;
  const run = spawnSync("bash", [path.join(root, "scripts/ensure-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.status !== 0) throw new Error(`scripts/ensure-pulumi.sh failed with exit code ${run.status}`);
  ensured = run.stdout.trim().split("\n").pop();
  return ensured;
}

/** Whether the Node.js language host sits beside `pulumi` in `bin`, so project folders can run. */
export function hasLanguageHost(bin) {
  return fs.existsSync(path.join(bin, "pulumi-language-nodejs"));
}

/**
 * The dynamic-provider host resolves `pulumi-wacht` from the project's node_modules. In this repository
 * the package is the project itself, so node_modules/pulumi-wacht links back to the root.
 */
export function ensureSelfLink(dir = root) {
  const link = path.join(dir, "node_modules", "pulumi-wacht");
  if (fs.existsSync(path.join(link, "package.json"))) return;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { force: true, recursive: true });
  fs.symlinkSync(root, link, "dir");
}

/** Environment that keeps the CLI offline and local. */
export function offlineEnv(bin, stateDir) {
  fs.mkdirSync(path.join(stateDir, "backend"), { recursive: true });
  fs.mkdirSync(path.join(root, ".tools", "pulumi-home"), { recursive: true });
  return {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: path.join(root, ".tools", "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${path.join(stateDir, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
}

/**
 * Starts the emulator CLI (`emulator/cli.ts` through tsx) with `args` and resolves to
 * { url, apiKey, stop } once it prints its address and key.
 */
export function spawnEmulator(args) {
  const child = spawn(
    process.execPath,
    [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "emulator/cli.ts"), ...args],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`the emulator did not start within 30 s:\n${seen}`)),
      30_000,
    );
    child.on("exit", (code) => reject(new Error(`the emulator exited with code ${code}:\n${seen}`)));
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const url = /listening on (\S+)/.exec(seen)?.[1];
      const apiKey = /API key: (\S+)/.exec(seen)?.[1];
      if (url && apiKey) {
        clearTimeout(timer);
        child.stdout.removeAllListeners("data");
        child.stdout.resume();
        const stop = () =>
          new Promise((done) => {
            child.once("exit", done);
            child.kill("SIGTERM");
          });
        resolve({ url, apiKey, stop });
      }
    });
  });
}

function parseArgs(argv) {
  const [op, ...rest] = argv;
  const args = { op, config: {}, env: {} };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const next = () => rest[++i];
    switch (flag) {
      case "--program":
        args.program = path.resolve(next());
        break;
      case "--stack":
        args.stack = next();
        break;
      case "--dir":
        args.dir = path.resolve(next());
        break;
      case "--project":
        args.project = next();
        break;
      case "--state":
        args.state = path.resolve(next());
        break;
      case "--config-json":
        args.config = JSON.parse(next());
        break;
      case "--env-json":
        args.env = JSON.parse(next());
        break;
      case "--refresh":
        args.refresh = true;
        break;
      case "--expect-no-changes":
        args.expectNoChanges = true;
        break;
      case "--replace":
        args.replace = [...(args.replace ?? []), next()];
        break;
      case "--show-secrets":
        args.showSecrets = true;
        break;
      case "--result":
        args.result = path.resolve(next());
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  return args;
}

/** A step of the plan, as the e2e tests assert it. */
function stepOf(event) {
  const pre = event.resourcePreEvent ?? event.resOutputsEvent;
  if (!pre?.metadata) return undefined;
  const { op, urn, diffs, type, old, new: next } = pre.metadata;
  // Dynamic providers report no detailed diff: the inputs the engine compares are the evidence.
  const before = old?.inputs ?? {};
  const after = next?.inputs ?? {};
  const changedInputs = old
    ? [...new Set([...Object.keys(before), ...Object.keys(after)])]
        .filter((key) => key !== "__provider" && JSON.stringify(before[key]) !== JSON.stringify(after[key]))
        .sort()
    : [];
  return {
    phase: event.resourcePreEvent ? "pre" : "outputs",
    op,
    type,
    name: urn.split("::").pop(),
    diffs: diffs ?? [],
    changedInputs,
  };
}

export async function run(args) {
  const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
  const bin = ensurePulumi();
  const dir = args.dir ?? root;
  const state = args.state ?? path.join(root, ".pulumi-state");
  ensureSelfLink(root);
  const envVars = { ...offlineEnv(bin, state), ...args.env };
  Object.assign(process.env, envVars);
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
  const program = async () => {
    // Each run declares the resources anew: forget the program's own modules (not packages or dist/,
    // whose classes must stay the ones already loaded).
    for (const file of Object.keys(require.cache)) {
      if (!file.includes(`${path.sep}node_modules${path.sep}`) && !file.startsWith(path.join(root, "dist"))) {
        delete require.cache[file];
      }
    }
    const loaded = require(args.program);
    return typeof loaded.default === "function" ? await loaded.default() : { ...loaded };
  };
  const projectName = args.project ?? "wacht-quickstart";
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: args.stack, projectName, program },
    {
      workDir: dir,
      pulumiCommand,
      envVars,
      // A project folder's own Pulumi.yaml is kept as written (the Automation API would rewrite it);
      // the backend comes from PULUMI_BACKEND_URL either way.
      ...(fs.existsSync(path.join(dir, "Pulumi.yaml"))
        ? {}
        : { projectSettings: { name: projectName, runtime: "nodejs" } }),
    },
  );
  if (Object.keys(args.config).length > 0) await stack.setAllConfig(args.config);

  const events = [];
  const common = {
    onOutput: (text) => process.stdout.write(text),
    onEvent: (event) => {
      const step = stepOf(event);
      if (step) events.push(step);
      if (event.diagnosticEvent && ["warning", "error"].includes(event.diagnosticEvent.severity)) {
        events.push({
          phase: "diagnostic",
          severity: event.diagnosticEvent.severity,
          message: event.diagnosticEvent.message.trim(),
        });
      }
    },
    color: "never",
  };
  const result = { op: args.op, ok: true, summary: undefined, outputs: undefined, events, error: undefined };
  try {
    if (args.op === "up") {
      const up = await stack.up({
        ...common,
        refresh: args.refresh,
        replace: args.replace,
        expectNoChanges: args.expectNoChanges,
      });
      result.summary = up.summary.resourceChanges ?? {};
    } else if (args.op === "preview") {
      const preview = await stack.preview({
        ...common,
        refresh: args.refresh,
        replace: args.replace,
        expectNoChanges: args.expectNoChanges,
        diff: true,
      });
      result.summary = preview.changeSummary ?? {};
    } else if (args.op === "refresh") {
      const refresh = await stack.refresh({ ...common, expectNoChanges: args.expectNoChanges });
      result.summary = refresh.summary.resourceChanges ?? {};
    } else if (args.op === "destroy") {
      const destroy = await stack.destroy(common);
      result.summary = destroy.summary.resourceChanges ?? {};
    } else if (args.op !== "outputs") {
      throw new Error(`unknown operation ${args.op}`);
    }
    const outputs = await stack.outputs();
    result.outputs = Object.fromEntries(
      Object.entries(outputs).map(([k, v]) => [k, v.secret && !args.showSecrets ? "[secret]" : v.value]),
    );
  } catch (error) {
    result.ok = false;
    result.error = String(error?.message ?? error);
    // The Automation API reports its own code; the CLI's exit code (7 for --expect-no-changes) is in the text.
    const exit = /exit code (\d+)/.exec(String(error?.message ?? ""));
    result.exitCode = exit ? Number(exit[1]) : error?.commandResult?.code;
  }
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `link` (npm's prepare): node_modules/pulumi-wacht -> the repository, for the root project folder.
  if (process.argv[2] === "link") {
    ensureSelfLink(root);
    process.exit(0);
  }
  const args = parseArgs(process.argv.slice(2));
  const result = await run(args);
  const line = JSON.stringify(result);
  if (args.result) fs.writeFileSync(args.result, line);
  process.stdout.write(`\nRESULT ${line}\n`);
  process.exit(result.ok ? 0 : 1);
}
