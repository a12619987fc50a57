/**
 * Throughput benchmark (not a test): starts the emulator CLI in its own process on :memory:, then sends a
 * GET/PATCH mix over keep-alive loopback connections and prints requests per second and the emulator's
 * resident memory every 10,000 requests.
 *
 *   npx tsx emulator/bench.ts [--requests 100000] [--concurrency 32]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const TOTAL = arg("--requests", 100_000);
const CONCURRENCY = arg("--concurrency", 32);
const API_KEY = "sk_bench_0000000000000000000000000000000000000000";

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function main(): Promise<void> {
  const cli = path.join(__dirname, "cli.ts");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", cli, "--port", "0", "--db", ":memory:", "--api-key", API_KEY],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", () => reject(new Error("emulator exited")));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const request = (method: string, p: string, body?: unknown) =>
    new Promise<number>((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        `${url}${p}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${API_KEY}`,
            ...(text === undefined ? {} : { "content-type": "application/json" }),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(text);
    });

  await request("POST", "/webhooks/apps", { name: "Bench", app_slug: "bench" });
  const ops: [string, string, unknown?][] = [
    ["GET", "/webhooks/apps/bench"],
    ["GET", "/webhooks/apps"],
    ["GET", "/webhooks/apps/bench/endpoints"],
    ["PATCH", "/webhooks/apps/bench", { description: "bench" }],
  ];
  let sent = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  let windowStart = started;
  console.log(`emulator pid ${child.pid}, rss ${rssMb(child.pid!)} MB before load`);
  const workerLoop = async () => {
    while (sent < TOTAL) {
      const [method, p, body] = ops[sent++ % ops.length]!;
      const status = await request(method, p, body);
      if (status !== 200) errors++;
      done++;
      if (done % 10_000 === 0) {
        const now = performance.now();
        console.log(
          `${done} requests: ${Math.round(10_000 / ((now - windowStart) / 1000))} req/s, rss ${rssMb(child.pid!)} MB`,
        );
        windowStart = now;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, workerLoop));
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `total ${done} requests in ${seconds.toFixed(1)} s: ${Math.round(done / seconds)} req/s, ${errors} non-200`,
  );
  agent.destroy();
  child.kill("SIGTERM");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
