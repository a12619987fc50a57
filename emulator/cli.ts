#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmulator } from "./index";
import { generateApiKey } from "./signing";

const USAGE = `Usage: npm run emulator -- [--port <n>] [--host <h>] [--api-key <key>] [--db <path|:memory:>]
                             [--allow-private-urls] [--time-scale <f>] [--deployment-id <id>]
Defaults: port 4817 on 127.0.0.1, db .wacht-emulator/emulator.db, a generated key kept in
.wacht-emulator/api-key.`;

const DEFAULT_PORT = 4817;
const STATE_DIR = ".wacht-emulator";

interface CliOptions {
  port: number;
  host: string;
  apiKey: string | undefined;
  db: string;
  allowPrivateUrls: boolean;
  timeScale: number;
  deploymentId: string | undefined;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): CliOptions {
  const opts: CliOptions = {
    port: DEFAULT_PORT,
    host: "127.0.0.1",
    apiKey: undefined,
    db: path.join(STATE_DIR, "emulator.db"),
    allowPrivateUrls: false,
    timeScale: 1,
    deploymentId: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) fail(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--port": {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) fail("--port must be an integer 0-65535");
        opts.port = port;
        break;
      }
      case "--host":
        opts.host = value();
        break;
      case "--api-key":
        opts.apiKey = value();
        break;
      case "--db":
        opts.db = value();
        break;
      case "--allow-private-urls":
        opts.allowPrivateUrls = true;
        break;
      case "--time-scale": {
        const scale = Number(value());
        if (!Number.isFinite(scale) || scale < 0) fail("--time-scale must be a number ≥ 0");
        opts.timeScale = scale;
        break;
      }
      case "--deployment-id":
        opts.deploymentId = value();
        break;
      case "--help":
      case "-h":
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        fail(`Unknown argument: ${arg}`);
    }
  }
  return opts;
}

/** An explicit key wins; otherwise the key kept in .wacht-emulator/api-key, created on first start. */
function resolveApiKey(explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  const file = path.join(STATE_DIR, "api-key");
  if (existsSync(file)) {
    const kept = readFileSync(file, "utf8").trim();
    if (kept !== "") return kept;
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const key = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.db !== ":memory:") mkdirSync(path.dirname(path.resolve(opts.db)), { recursive: true });
  const emulator = await startEmulator({
    port: opts.port,
    host: opts.host,
    apiKey: resolveApiKey(opts.apiKey),
    db: opts.db,
    allowPrivateUrls: opts.allowPrivateUrls,
    timeScale: opts.timeScale,
    ...(opts.deploymentId === undefined ? {} : { deploymentId: opts.deploymentId }),
  });
  process.stdout.write(`Wacht emulator listening on ${emulator.url}\nAPI key: ${emulator.apiKey}\n`);
  process.stdout.write(
    `Database: ${opts.db}${opts.allowPrivateUrls ? "\nPrivate endpoint URLs: allowed" : ""}` +
      `${opts.timeScale !== 1 ? `\nTime scale: ${opts.timeScale}` : ""}\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`wacht emulator: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`wacht emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
