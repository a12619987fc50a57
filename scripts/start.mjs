#!/usr/bin/env node
// `npm start`: the quick start. Starts the emulator on its persistent local database (unless
// WACHT_API_URL points at a real Wacht), ensures the Pulumi CLI, runs `pulumi up --yes`
// on the root project with a local file backend and stack `dev`, prints the outputs (secrets masked),
// then `pulumi preview --expect-no-changes`. A second run changes nothing.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run, spawnEmulator } from "./stack.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.WACHT_EMULATOR_PORT ?? "4817";

const external = process.env.WACHT_API_URL;
const emulator = external ? undefined : await spawnEmulator(["--port", port, "--allow-private-urls"]);
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
