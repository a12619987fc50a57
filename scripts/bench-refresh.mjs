#!/usr/bin/env node
// Measures the API calls a stack of one app with N endpoints costs, from the emulator's request journal:
// `pulumi up` (create), `pulumi preview` with no changes, and `pulumi refresh`, for N = 10, 100 and 500
// (or the sizes given as arguments). Prints one row per N. Run `npm run build` first.
//
//   node scripts/bench-refresh.mjs [N ...]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run, spawnEmulator } from "./stack.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sizes = process.argv.slice(2).map(Number);
const ns = sizes.length > 0 ? sizes : [10, 100, 500];

const emulator = await spawnEmulator([
  "--port",
  "0",
  "--db",
  ":memory:",
  "--api-key",
  `sk_bench_${"x".repeat(43)}`,
]);
const journal = async () => (await (await fetch(`${emulator.url}/_emulator/requests`)).json()).requests;
const clear = () => fetch(`${emulator.url}/_emulator/requests`, { method: "DELETE" });

function spec(n) {
  return {
    catalogs: [
      {
        name: "events",
        args: { slug: "bench-events", name: "Bench", events: [{ name: "tick", description: "A tick" }] },
      },
    ],
    apps: [{ name: "bench", catalog: "events", args: { name: "Bench", slug: "bench" } }],
    endpoints: Array.from({ length: n }, (_, i) => ({
      name: `endpoint-${i}`,
      app: "bench",
      args: { url: `https://hooks.example.com/${i}`, events: ["tick"] },
    })),
  };
}

const rows = [];
try {
  for (const n of ns) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-bench-"));
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    const common = {
      program: path.join(root, ".build/test/e2e/programs/webhooks.js"),
      stack: `bench${n}`,
      project: "wacht-bench",
      dir,
      state: path.join(dir, ".state"),
      config: { "e2e:spec": { value: JSON.stringify(spec(n)) } },
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    };
    const measure = async (op, extra = {}) => {
      await clear();
      const started = Date.now();
      const result = await run({ ...common, op, ...extra });
      if (!result.ok) throw new Error(`${op} with N=${n} failed: ${result.error}`);
      const requests = await journal();
      const lists = requests.filter(
        (r) => r.method === "GET" && r.path === "/webhooks/apps/bench/endpoints",
      ).length;
      return { calls: requests.length, lists, seconds: (Date.now() - started) / 1000 };
    };
    const up = await measure("up");
    const preview = await measure("preview", { expectNoChanges: true });
    const refresh = await measure("refresh");
    const destroy = await measure("destroy");
    rows.push({ n, up, preview, refresh, destroy, bound: Math.ceil(n / 100) + 1 });
    fs.rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await emulator.stop();
}

console.log("\nAPI calls per operation (emulator request journal), one app with N endpoints:");
console.log(
  "N     up calls  up s   preview calls  refresh calls  refresh list calls  bound ceil(N/100)+1  refresh s  destroy calls",
);
for (const r of rows) {
  console.log(
    [
      String(r.n).padEnd(5),
      String(r.up.calls).padStart(8),
      r.up.seconds.toFixed(1).padStart(6),
      String(r.preview.calls).padStart(14),
      String(r.refresh.calls).padStart(14),
      String(r.refresh.lists).padStart(19),
      String(r.bound).padStart(20),
      r.refresh.seconds.toFixed(1).padStart(10),
      String(r.destroy.calls).padStart(14),
    ].join(" "),
  );
}
