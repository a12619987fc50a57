#!/usr/bin/env node
// `npm start`: the quick start. Starts the emulator on its persistent local database (unless
// wacht:apiUrl / WACHT_API_URL point at a real Wacht), ensures the Pulumi CLI, runs `pulumi up --yes`
// on the root project with a local file backend and stack `dev`, prints the outputs (secrets masked),
// then `pulumi preview --expect-no-changes`. A second run changes nothing.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./stack.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.WACHT_EMULATOR_PORT ?? "4817";

/** Starts `npm run emulator` and resolves to { url, apiKey, stop } once it prints its address and key. */
function startEmulator() {
  const child = spawn(
    process.execPath,
    [
      path.join(root, "node_modules/tsx/dist/cli.mjs"),
      path.join(root, "emulator/cli.ts"),
      "--port",
      port,
      "--allow-private-urls",
    ],
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
        resolve({
          url,
          apiKey,
          stop: () =>
            new Promise((done) => {
              child.once("exit", done);
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}

const external = process.env.WACHT_API_URL;
const emulator = external ? undefined : await startEmulator();
if (emulator) console.log(`Wacht emulator: ${emulator.url} (data in .wacht-emulator/)`);
const env = emulator
  ? { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey, WACHT_ALLOW_PRIVATE_URLS: "true" }
  : {};
const common = { program: path.join(root, ".build/index.js"), stack: "dev", dir: root, config: {}, env };

let code = 0;
try {
  const up = await run({ ...common, op: "up" });
  if (!up.ok) throw new Error(up.error);
  console.log("\nOutputs (secrets masked):");
  for (const [key, value] of Object.entries(up.outputs)) console.log(`  ${key}: ${JSON.stringify(value)}`);
  console.log("\nChecking that a second run would change nothing: pulumi preview --expect-no-changes");
  const preview = await run({ ...common, op: "preview", expectNoChanges: true });
  if (!preview.ok) throw new Error(preview.error);
  console.log("No changes: the stack matches the program.");
} catch (error) {
  console.error(`\nnpm start failed: ${error.message}`);
  code = 1;
} finally {
  await emulator?.stop();
}
process.exit(code);
