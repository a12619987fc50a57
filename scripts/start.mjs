#!/usr/bin/env node
// `npm start`: the quick start. Starts the emulator on its persistent local database (unless
// WACHT_API_URL points at a real Wacht), ensures the Pulumi CLI, then in the root project folder runs
// `pulumi up --yes` on the stack `dev` with a local file backend (.pulumi-state/), prints the outputs
// (secrets masked) and runs `pulumi preview --expect-no-changes`. A second run changes nothing.
// Where no Node.js language host can be had, the same program runs as an Automation API inline program
// (.build/index.js, compiled by `npm run build`).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePulumi, ensureSelfLink, hasLanguageHost, offlineEnv, run, spawnEmulator } from "./stack.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.WACHT_EMULATOR_PORT ?? "4817";
const stackName = "dev";

/** Runs `pulumi <args>` in the root folder; resolves to its exit code and, when `capture`, its stdout. */
function pulumi(bin, env, args, { capture = false } = {}) {
  if (!capture) console.log(`\n$ pulumi ${args.join(" ")}`);
  const child = spawn(path.join(bin, "pulumi"), args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"],
  });
  let stdout = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout }));
  });
}

async function inProjectFolder(bin, wachtEnv) {
  // The dynamic-provider host resolves pulumi-wacht from the project's node_modules: here, the repository.
  ensureSelfLink(root);
  const env = { ...offlineEnv(bin, path.join(root, ".pulumi-state")), ...wachtEnv };
  const select = await pulumi(bin, env, ["stack", "select", stackName, "--create"], { capture: true });
  if (select.code !== 0)
    throw new Error(`pulumi stack select ${stackName} --create exited with ${select.code}`);

  const up = await pulumi(bin, env, ["up", "--yes"]);
  if (up.code !== 0) throw new Error(`pulumi up exited with ${up.code}`);
  const outputs = await pulumi(bin, env, ["stack", "output", "--json"], { capture: true });
  if (outputs.code !== 0) throw new Error(`pulumi stack output exited with ${outputs.code}`);
  printOutputs(JSON.parse(outputs.stdout));

  console.log("\nChecking that a second run would change nothing:");
  const preview = await pulumi(bin, env, ["preview", "--expect-no-changes"]);
  if (preview.code !== 0) throw new Error(`pulumi preview --expect-no-changes exited with ${preview.code}`);
}

async function inline(wachtEnv) {
  const common = { program: path.join(root, ".build/index.js"), stack: stackName, dir: root, config: {} };
  const up = await run({ ...common, env: wachtEnv, op: "up" });
  if (!up.ok) throw new Error(up.error);
  printOutputs(up.outputs);
  console.log("\nChecking that a second run would change nothing: pulumi preview --expect-no-changes");
  const preview = await run({ ...common, env: wachtEnv, op: "preview", expectNoChanges: true });
  if (!preview.ok) throw new Error(preview.error);
}

/** `pulumi stack output --json` already prints secrets as "[secret]". */
function printOutputs(outputs) {
  console.log("\nOutputs (secrets masked):");
  for (const [key, value] of Object.entries(outputs)) console.log(`  ${key}: ${JSON.stringify(value)}`);
}

const external = process.env.WACHT_API_URL;
const emulator = external ? undefined : await spawnEmulator(["--port", port, "--allow-private-urls"]);
if (emulator) console.log(`Wacht emulator: ${emulator.url} (data in .wacht-emulator/)`);
const wachtEnv = emulator
  ? { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey, WACHT_ALLOW_PRIVATE_URLS: "true" }
  : {};

let code = 0;
try {
  const bin = ensurePulumi();
  if (hasLanguageHost(bin)) {
    await inProjectFolder(bin, wachtEnv);
  } else {
    console.log("Running the quick start as an Automation API inline program (no language host).");
    await inline(wachtEnv);
  }
  console.log("No changes: the stack matches the program.");
} catch (error) {
  console.error(`\nnpm start failed: ${error.message}`);
  code = 1;
} finally {
  await emulator?.stop();
}
process.exit(code);
