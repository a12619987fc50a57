#!/usr/bin/env node
// The fault matrix of issue 8: the real `pulumi` CLI deploys 1 catalog, 3 apps and 30 endpoints from a
// project folder against the emulator while it injects API faults, or while `pulumi up` is interrupted,
// and the figures say what is left: first-`up` successes, reruns to converge, duplicates, orphans, lost
// objects, and whether `pulumi preview --expect-no-changes` is clean at the end. A benchmark that prints
// figures, not a test: nothing here passes or fails.
//
//   npm run chaos -- [--runs N] [--cells 500,lost,all,sigkill] [--rates 0.2,0.4] [--max-reruns N]
//                    [--seed N] [--all-slugs] [--exclusive kill|on|off] [--package <dir>] [--json <file>]
//                    [--kill-at <creates>] [--keep]
//
// Cells: the fault kinds 500, 502, 503, 429 (Retry-After: 1), reset (connection reset before the request
// is applied), lost (request committed, answer lost), slow (1.5 s latency, then served) and all (the six
// failing kinds together), each at every rate of --rates, on every API call (`**`); and sigint / sigkill,
// which interrupt a fault-free `pulumi up` after a random number of create requests (0–34) plus 0–300 ms,
// then run the recovery recipe of docs/interrupted-deploys.md. A cell can also be named with its rate:
// `all@0.4`. SIGINT goes to `pulumi` alone (Ctrl-C, a CI cancel); SIGKILL to `pulumi` and every process
// under it (a CI time limit kills the job's whole tree): the language host and providers die with it.
// sigkill-rerun recovers without the doc: `pulumi cancel --yes`, then `pulumi up` again.
//
// --exclusive: where the program declares a WebhookAppEndpoints per app (kill cells by default, every cell,
// or none); --all-slugs gives the app "users" a slug too (builds without auto-naming); --max-reruns: how
// many times a failed `up` is run again (same faults) before the run counts as not converged; --kill-at
// pins the kill point; --keep leaves the project folders in the temporary directory.
//
// The package under test is compiled from provider/ into a temporary folder at the start (or given with
// --package: a folder holding package.json and dist/), so a rebuild of dist/ during the run changes nothing.
// Runs go one after another (2 cores): every run gets a fresh project folder and file backend, and the
// one emulator is reset. Defaults (--runs 2, every cell, rates 0.2 and 0.4) take about 15 minutes.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { snapshotPackage } from "./chaos/package.mjs";
import { descendants, exportState, makeProject, processesIn, removeProject, sh } from "./chaos/project.mjs";
import { readRecipe } from "./chaos/recipe.mjs";
import { chaosSpec, liveObjects, stateObjects, tally } from "./chaos/spec.mjs";
import { ensurePulumi, spawnEmulator } from "./stack.mjs";

/** One emulator fault per kind; `rate` is added per cell. */
const KINDS = {
  500: { status: 500 },
  502: { status: 502 },
  503: { status: 503 },
  429: { status: 429, retryAfter: 1 },
  reset: { reset: true },
  lost: { lostResponse: true },
  slow: { latencyMs: 1500 },
};
const ALL = ["500", "502", "503", "429", "reset", "lost"];
const KILLS = { sigint: "SIGINT", sigkill: "SIGKILL", "sigkill-rerun": "SIGKILL" };
/** What a user who never read the doc does after a kill: remove the lock, run `up` again. */
const NAIVE_RECOVERY = ["pulumi cancel --yes", "pulumi up --yes --skip-preview"];

function parseArgs(argv) {
  const args = {
    runs: 2,
    cells: [...Object.keys(KINDS), "all", ...Object.keys(KILLS)],
    rates: [0.2, 0.4],
    maxReruns: 5,
    seed: Date.now() % 1_000_000,
    allSlugs: false,
    exclusive: "kill",
    json: undefined,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i];
    switch (argv[i]) {
      case "--runs":
        args.runs = Number(next());
        break;
      case "--cells":
        args.cells = next().split(",");
        break;
      case "--rates":
        args.rates = next().split(",").map(Number);
        break;
      case "--max-reruns":
        args.maxReruns = Number(next());
        break;
      case "--seed":
        args.seed = Number(next());
        break;
      case "--all-slugs":
        args.allSlugs = true;
        break;
      case "--exclusive":
        args.exclusive = next();
        break;
      case "--json":
        args.json = path.resolve(next());
        break;
      case "--package":
        args.package = path.resolve(next());
        break;
      case "--kill-at":
        args.killAt = Number(next());
        break;
      case "--keep":
        args.keep = true;
        break;
      default:
        throw new Error(`unknown flag ${argv[i]} (see the comment at the top of scripts/chaos.mjs)`);
    }
  }
  return args;
}

/** mulberry32: the kill points repeat for a given --seed (the emulator's fault dice do not). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cells as `{ name, kinds, rate }` or `{ name, signal }`. */
function expandCells(names, rates) {
  const cells = [];
  for (const name of names) {
    const [kind, rate] = name.split("@");
    if (KILLS[kind]) cells.push({ name: kind, signal: KILLS[kind], naive: kind === "sigkill-rerun" });
    else if (kind === "all" || KINDS[kind]) {
      for (const r of rate !== undefined ? [Number(rate)] : rates) {
        cells.push({
          name: `${kind}@${Math.round(r * 100)}%`,
          kinds: kind === "all" ? ALL : [kind],
          rate: r,
        });
      }
    } else throw new Error(`unknown cell ${name}`);
  }
  return cells;
}

/**
 * The emulator fires the first matching fault, so k kinds sharing a total rate p get conditional rates:
 * the i-th (0-based) fires with p/k / (1 - i·p/k), and each kind then hits p/k of all calls.
 */
function faultBodies(kinds, rate) {
  const share = rate / kinds.length;
  return kinds.map((kind, i) => ({ path: "**", ...KINDS[kind], rate: share / (1 - i * share) }));
}

async function emulatorCall(emulator, method, route, body) {
  const response = await fetch(`${emulator.url}${route}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The engine's error lines of one command, ids and numbers blanked so that equal causes group. */
function errorLines(output) {
  return [
    ...new Set(
      output
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => /^error: /.test(line) && !/^error: update failed$/.test(line))
        .map((line) => line.replace(/\d{6,}/g, "<id>").replace(/\b(users|billing|orders)-\d+\b/g, "$1-<n>")),
    ),
  ];
}

const CREATE = /^POST \/webhooks\/(event-catalogs|apps|apps\/[^/]+\/endpoints)$/;

/** Interrupts `pulumi up` after `k` create requests plus a delay; resolves to whether it did. */
async function interrupt(emulator, child, finished, signal, k, delayMs) {
  const started = Date.now();
  while (!finished()) {
    const { requests } = await emulatorCall(emulator, "GET", "/_emulator/requests");
    const creates = requests.filter((r) => CREATE.test(`${r.method} ${r.path}`)).length;
    if (creates >= k && (k > 0 || Date.now() - started > 1500)) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (finished()) return false;
      // Pulumi starts each plugin in a process group of its own: a kill of the whole job (a CI time
      // limit) is a kill of every descendant, collected before any of them dies.
      const pids = signal === "SIGKILL" ? [child.pid, ...descendants(child.pid)] : [child.pid];
      let hit = false;
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
          hit ||= pid === child.pid;
        } catch {
          // exited meanwhile
        }
      }
      return hit;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** What an interrupted `up` left in the file backend: lock files, pending operations, empty metadata. */
function leftBehind(project) {
  const meta = path.join(project.dir, ".state/backend/.pulumi");
  const files = fs.readdirSync(meta, { recursive: true }).map((f) => path.join(meta, f));
  const checkpoint = path.join(meta, "stacks/wacht-chaos/chaos.json");
  let pending = [];
  try {
    const latest = JSON.parse(fs.readFileSync(checkpoint, "utf8")).checkpoint.latest;
    pending = (latest?.pending_operations ?? []).map((op) => op.type);
  } catch {
    pending = ["unreadable"];
  }
  return {
    locks: files.filter((f) => f.includes(`${path.sep}locks${path.sep}`) && f.endsWith(".json")).length,
    pendingCount: pending.length,
    pending: [...new Set(pending)].map((t) => `${pending.filter((p) => p === t).length} ${t}`).join(", "),
    emptyAttrs: files.filter((f) => f.endsWith(".attrs") && fs.statSync(f).size === 0).length,
  };
}

/** A `pulumi up` line, rerun while it fails (up to maxReruns): [first result, reruns, last result]. */
async function upUntilOk(project, line, maxReruns, errors) {
  const first = await sh(project, line);
  for (const e of errorLines(first.output)) errors.set(e, (errors.get(e) ?? 0) + 1);
  let last = first;
  let reruns = 0;
  while (last.code !== 0 && reruns < maxReruns) {
    reruns++;
    last = await sh(project, line);
    for (const e of errorLines(last.output))
      errors.set(`(rerun) ${e}`, (errors.get(`(rerun) ${e}`) ?? 0) + 1);
  }
  return { first, reruns, last };
}

async function runOnce(cell, context, rng) {
  const { emulator, bin, args, errors, exclusiveAvailable, pkg } = context;
  const exclusive =
    exclusiveAvailable &&
    (args.exclusive === "on" || (args.exclusive === "kill" && cell.signal !== undefined));
  const spec = chaosSpec({ exclusive, allSlugs: args.allSlugs });
  await emulatorCall(emulator, "POST", "/_emulator/reset");
  const project = makeProject(spec, { bin, pkg, apiUrl: emulator.url, apiKey: emulator.apiKey });
  const started = Date.now();
  const result = { cell: cell.name, dir: project.dir, exclusive };
  try {
    const init = await sh(project, "pulumi stack init chaos");
    if (init.code !== 0) throw new Error(`pulumi stack init failed:\n${init.output}`);
    const up = "pulumi up --yes --skip-preview";

    if (cell.signal === undefined) {
      for (const body of faultBodies(cell.kinds, cell.rate))
        await emulatorCall(emulator, "POST", "/_emulator/faults", body);
      const { first, reruns, last } = await upUntilOk(project, up, args.maxReruns, errors);
      Object.assign(result, { firstOk: first.code === 0, reruns, converged: last.code === 0 });
      if (last.code !== 0) result.lastOutput = last.output.split("\n").slice(-60).join("\n");
      await emulatorCall(emulator, "DELETE", "/_emulator/faults");
    } else {
      const k = args.killAt ?? Math.floor(rng() * 35);
      const delayMs = Math.floor(rng() * 300);
      let child;
      let done = false;
      const running = sh(project, up, {
        onStart: (c) => {
          child = c;
        },
      }).then((r) => {
        done = true;
        return r;
      });
      const interrupted = await interrupt(emulator, child, () => done, cell.signal, k, delayMs);
      const killed = await running;
      Object.assign(result, {
        killPoint: `${k} creates + ${delayMs} ms`,
        interrupted,
        killedCode: killed.code,
        left: leftBehind(project),
      });
      // Processes the provider started outside the group (none expected) would still be writing.
      await new Promise((r) => setTimeout(r, 500));
      // The recipe runs as the doc prints it: the lines between two `pulumi up` lines as one script (so
      // shell variables carry over, as in a terminal, but under `set -e`), each `up` line rerun while it fails.
      const steps = [];
      let reruns = 0;
      let converged = true;
      const segments = [];
      for (const line of cell.naive ? NAIVE_RECOVERY : readRecipe()) {
        if (/\bpulumi up\b/.test(line)) segments.push({ up: line });
        else if (segments.at(-1)?.lines) segments.at(-1).lines.push(line);
        else segments.push({ lines: [line] });
      }
      for (const segment of segments) {
        if (!converged) break;
        if (segment.up) {
          const { first, reruns: n, last } = await upUntilOk(project, segment.up, args.maxReruns, errors);
          steps.push(`up ${first.code}${n ? ` +${n} reruns → ${last.code}` : ""}`);
          reruns += n;
          converged = last.code === 0;
          if (!converged) result.lastOutput = last.output.split("\n").slice(-60).join("\n");
        } else {
          // `--expect-no-changes` is measured below for every cell.
          const lines = segment.lines.filter((line) => !/--expect-no-changes/.test(line));
          if (lines.length === 0) continue;
          const run = await sh(project, `set -e\n${lines.join("\n")}`);
          steps.push(
            `${lines.map((l) => l.split(" ").slice(0, 2).join(" ")).join("; ")} → ${run.code}${run.stdout.includes(".attrs") ? " (repaired an empty .attrs)" : ""}`,
          );
          if (run.code !== 0) {
            converged = false;
            for (const e of errorLines(run.output)) errors.set(e, (errors.get(e) ?? 0) + 1);
          }
        }
      }
      Object.assign(result, { reruns, converged, steps });
    }

    const live = await liveObjects(emulator.url, emulator.apiKey);
    let deployment;
    try {
      deployment = await exportState(project);
    } catch (error) {
      result.stateError = String(error.message).split("\n").slice(0, 3).join(" ");
    }
    Object.assign(result, tally(spec, live, stateObjects(deployment)));
    const preview = await sh(project, "pulumi preview --expect-no-changes");
    result.previewClean = preview.code === 0;
    if (!result.previewClean) {
      for (const e of errorLines(preview.output))
        errors.set(`(preview) ${e}`, (errors.get(`(preview) ${e}`) ?? 0) + 1);
    }
  } catch (error) {
    result.failure = String(error?.message ?? error).slice(0, 400);
  } finally {
    result.seconds = Math.round((Date.now() - started) / 1000);
    // Anything still running in the folder outlived its `pulumi` (it would keep calling the API).
    const stray = processesIn(project);
    if (stray.length > 0) result.strayProcesses = stray.length;
    for (const pid of stray) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    if (!args.keep) removeProject(project);
  }
  return result;
}

function summarise(cell, results) {
  const n = results.length;
  const sum = (key) => results.reduce((s, r) => s + (r[key] ?? 0), 0);
  const withAny = (key) => results.filter((r) => (r[key] ?? 0) > 0).length;
  const count = (key) => `${sum(key)} (${withAny(key)}/${n})`;
  const reruns = results.map((r) => r.reruns ?? 0);
  return {
    cell: cell.name,
    runs: String(n),
    "first up ok":
      cell.signal === undefined
        ? `${results.filter((r) => r.firstOk).length}/${n}`
        : `killed ${results.filter((r) => r.interrupted).length}/${n}`,
    "reruns mean/max": `${(reruns.reduce((a, b) => a + b, 0) / Math.max(1, n)).toFixed(1)}/${Math.max(0, ...reruns)}`,
    converged: `${results.filter((r) => r.converged).length}/${n}`,
    duplicates: count("duplicates"),
    orphans: count("orphans"),
    "lost live": count("lostLive"),
    "lost state": count("lostState"),
    "pending ops": count("pending"),
    "preview clean": `${results.filter((r) => r.previewClean).length}/${n}`,
    "kill left lock/pending/empty attrs":
      cell.signal === undefined
        ? "—"
        : `${results.filter((r) => r.left?.locks > 0).length}/${n}, ${results.reduce((t, r) => t + (r.left?.pendingCount ?? 0), 0)}, ${results.filter((r) => r.left?.emptyAttrs > 0).length}/${n}`,
    "script errors": String(results.filter((r) => r.failure).length),
    "s/run": String(Math.round(sum("seconds") / Math.max(1, n))),
  };
}

function table(rows) {
  const keys = Object.keys(rows[0]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(keys),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map((r) => line(keys.map((k) => r[k]))),
  ].join("\n");
}

const args = parseArgs(process.argv.slice(2));
const cells = expandCells(args.cells, args.rates);
const bin = ensurePulumi();
if (!fs.existsSync(path.join(bin, "pulumi-language-nodejs"))) {
  throw new Error(
    `no pulumi-language-nodejs in ${bin}: run scripts/ensure-pulumi.sh (or the language host build)`,
  );
}
const pkg = args.package ?? snapshotPackage();
const exclusiveAvailable =
  typeof createRequire(import.meta.url)(path.join(pkg, "dist/index.js")).WebhookAppEndpoints === "function";
const emulator = await spawnEmulator(["--port", "0", "--db", ":memory:", "--time-scale", "0.001"]);
const rng = random(args.seed);
const errors = new Map();
const context = { emulator, bin, args, errors, exclusiveAvailable, pkg };
console.log(
  `chaos: ${cells.length} cells × ${args.runs} runs, seed ${args.seed}, program 1 catalog + 3 apps + 30 endpoints` +
    `${args.allSlugs ? " (all apps with a slug)" : ' (app "users" without a slug)'}, ` +
    `WebhookAppEndpoints ${exclusiveAvailable ? `in ${args.exclusive === "kill" ? "kill cells" : args.exclusive === "on" ? "every cell" : "no cell"}` : "not available"}, ` +
    `max ${args.maxReruns} reruns, package ${pkg}, pulumi ${bin}`,
);
const summaries = [];
const raw = [];
const began = Date.now();
try {
  for (const cell of cells) {
    const results = [];
    errors.clear();
    for (let run = 1; run <= args.runs; run++) {
      const result = await runOnce(cell, context, rng);
      results.push(result);
      raw.push(result);
      const { dir: _dir, cell: _cell, lastOutput: _output, ...shown } = result;
      console.log(`  ${cell.name} run ${run}: ${JSON.stringify(shown)}`);
    }
    summaries.push(summarise(cell, results));
    if (errors.size > 0) {
      console.log(`  ${cell.name} errors (count of runs):`);
      for (const [text, times] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
        console.log(`    ${times}× ${text.slice(0, 300)}`);
      }
    }
  }
} finally {
  await emulator.stop();
  if (args.package === undefined) fs.rmSync(pkg, { recursive: true, force: true });
}
console.log(`\n${table(summaries)}\n`);
console.log(
  "duplicates: live copies beyond one per declared object; orphans: live objects no resource in the state holds;\n" +
    "lost live: declared objects with no live copy; lost state: declared resources absent from the state, holding a\n" +
    "missing id or an id another resource holds; pending ops: operations left in the checkpoint. `n (r/N)`: total over\n" +
    `the runs (runs with any). ${Math.round((Date.now() - began) / 60_000)} min in all.`,
);
if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ args, summaries, runs: raw }, null, 2)}\n`);
