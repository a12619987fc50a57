// Starts the emulator exactly as users do (`npm run emulator -- …`) in its own process group, waits for
// its banner, and stops it with SIGTERM. For tests of the CLI itself; other tests use startEmulator().
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export interface EmulatorProcess {
  /** Base URL parsed from the banner line. */
  url: string;
  /** Key parsed from the banner line. */
  apiKey: string;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM to the process group and resolves with the exit code and signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `npm run emulator -- <args>` and resolves once it has printed both
 * `Wacht emulator listening on <url>` and `API key: <key>`; rejects if it exits first or takes
 * longer than `timeoutMs`.
 */
export function spawnEmulator(args: string[], timeoutMs = 30_000): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn("npm", ["run", "emulator", "--", ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const stop = async () => {
    if (child.pid !== undefined && groupAlive(child.pid)) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      if (child.pid !== undefined && groupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
    }, 10_000);
    const result = await exited;
    // npm may exit before the emulator it started: wait until the whole group is gone
    while (child.pid !== undefined && groupAlive(child.pid)) {
      await new Promise((wake) => setTimeout(wake, 20));
    }
    clearTimeout(timer);
    return result;
  };

  return new Promise((done, fail) => {
    const deadline = setTimeout(() => {
      void stop();
      fail(new Error(`emulator did not start within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, timeoutMs);
    const check = () => {
      const url = /^Wacht emulator listening on (\S+)$/m.exec(out)?.[1];
      const apiKey = /^API key: (\S+)$/m.exec(out)?.[1];
      if (url && apiKey) {
        clearTimeout(deadline);
        child.stdout?.off("data", check);
        done({ url, apiKey, stdout: () => out, stderr: () => err, stop });
      }
    };
    child.stdout?.on("data", check);
    void exited.then(({ code, signal }) => {
      clearTimeout(deadline);
      fail(new Error(`emulator exited early (${code ?? signal})\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
}
