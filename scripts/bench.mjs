#!/usr/bin/env node
// `npm run bench`: what pulumi-wacht costs above the engine's floor. For each size N it runs the real
// CLI in project folders (`pulumi up`, an update of every resource, `pulumi destroy`) on 1 catalog,
// 10 apps and N endpoints (scripts/bench/program.js), once with pulumi-wacht against an in-memory
// emulator and once with a no-op dynamic provider holding the same declared inputs. Rounds interleave
// the variants operation by operation, so that load from elsewhere on the machine hits both alike; it
// prints medians, ratios to the floor, and the state each resource takes (read from the state file).
// A benchmark, not a test. Run `npm run build` first (`npm run bench` does).
//
//   node scripts/bench.mjs [--sizes 100,1000] [--rounds 3] [--builds label=<dir>,...]
//                          [--preview] [--skip-checkpoints] [--parallel P] [--json <file>]
//                          [--by-process] [--floor-outputs]
//
// --builds names the builds of pulumi-wacht to measure beside the floor (folders with package.json and
// dist/; default `wacht=.`, this repository): e.g. `--builds wacht=.,v0.1.0=/tmp/v010` with a
// `git worktree` of an older commit compares versions in the same run. --preview runs `up`
// and `destroy` with their preview, as `pulumi up` does by default (the default here is
// --skip-preview: the operation itself). --skip-checkpoints sets PULUMI_SKIP_CHECKPOINTS=true.
// --by-process adds CPU seconds per process (engine, language host, program, provider host, emulator),
// sampled from /proc every 50 ms. --floor-outputs adds a second floor, "noop+out": the no-op provider
// installed as a package (a `require` in state, like pulumi-wacht's loader) whose resources also register
// and return the outputs pulumi-wacht documents: what that surface costs before any check or API call.
// Profiles: BENCH_CPU_PROF=<dir> writes the V8 CPU profiles of the programs and the provider hosts there
// (<dir>/<variant>/program, <dir>/<variant>/provider-host; sum them with scripts/bench/profile-summary.mjs),
// BENCH_GO_PROF=<dir> the engine's (`pulumi --profiling`; read them with `go tool pprof`).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePulumi, hasLanguageHost, offlineEnv, spawnEmulator } from "./stack.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const options = {
    sizes: [100],
    rounds: 3,
    builds: [{ label: "wacht", dir: root }],
    preview: false,
    skipCheckpoints: false,
    parallel: undefined,
    json: undefined,
    byProcess: false,
    floorOutputs: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      return value;
    };
    if (flag === "--sizes") options.sizes = next().split(",").map(Number);
    else if (flag === "--rounds") options.rounds = Number(next());
    else if (flag === "--builds") {
      options.builds = next()
        .split(",")
        .map((build) => {
          const [label, dir] = build.split("=");
          if (!label || !dir || label === "noop") throw new Error(`--builds: label=dir, not ${build}`);
          return { label, dir: path.resolve(dir) };
        });
    } else if (flag === "--preview") options.preview = true;
    else if (flag === "--skip-checkpoints") options.skipCheckpoints = true;
    else if (flag === "--parallel") options.parallel = next();
    else if (flag === "--json") options.json = path.resolve(next());
    else if (flag === "--by-process") options.byProcess = true;
    else if (flag === "--floor-outputs") options.floorOutputs = true;
    else throw new Error(`unknown option ${flag}`);
  }
  if (options.sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--sizes: positive integers");
  if (!Number.isInteger(options.rounds) || options.rounds < 1)
    throw new Error("--rounds: a positive integer");
  return options;
}

const options = parseArgs(process.argv.slice(2));
const bin = ensurePulumi();
if (!hasLanguageHost(bin)) throw new Error(`no pulumi-language-nodejs beside ${bin}/pulumi`);

/** The variants: the floor and the builds of pulumi-wacht. */
const variants = [
  { label: "noop", program: "noop", dir: undefined },
  ...(options.floorOutputs ? [{ label: "noop+out", program: "noop-outputs", dir: undefined }] : []),
  ...options.builds.map(({ label, dir }) => ({ label, program: "wacht", dir })),
];

/** Pulumi.yaml's runtime: with BENCH_CPU_PROF, the program runs with V8's CPU profiler on. */
function runtime(variant) {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return "runtime: nodejs";
  const nodeargs = `--cpu-prof --cpu-prof-interval=200 --cpu-prof-dir=${path.resolve(dir, variant.label, "program")}`;
  return `runtime:\n  name: nodejs\n  options:\n    nodeargs: "${nodeargs}"`;
}

/** With BENCH_CPU_PROF, the dynamic-provider host writes V8 profiles too (scripts/bench/provider-profile.cjs). */
function providerProfiling(variant) {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return {};
  const hook = path.join(root, "scripts/bench/provider-profile.cjs");
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${hook}`.trim(),
    BENCH_PROVIDER_PROF_DIR: path.resolve(dir, variant.label, "provider-host"),
  };
}

/**
 * A project folder whose node_modules holds the repository's packages and a copy of the variant's build
 * as `pulumi-wacht` (the dynamic-provider host resolves `pulumi-wacht/runtime` from there).
 */
function projectFolder(variant, n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wacht-bench-${variant.label}-${n}-`));
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: wacht-bench\n${runtime(variant)}\nmain: index.js\ndescription: pulumi-wacht benchmark\n`,
  );
  fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "wacht-bench", "private": true }\n');
  fs.copyFileSync(path.join(root, "scripts/bench/program.js"), path.join(dir, "index.js"));
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
    if (entry === "pulumi-wacht" || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(root, "node_modules", entry), path.join(modules, entry), "dir");
  }
  if (variant.program === "noop-outputs") {
    const installed = path.join(modules, "bench-noop-outputs");
    fs.mkdirSync(installed);
    fs.writeFileSync(
      path.join(installed, "package.json"),
      '{ "name": "bench-noop-outputs", "main": "index.js" }\n',
    );
    fs.copyFileSync(path.join(root, "scripts/bench/noop-outputs.js"), path.join(installed, "index.js"));
  }
  if (variant.dir) {
    // Installed as npm installs a package (a real folder, not a symlink): Pulumi then stores the
    // serialized provider as a `require` of the package's loader module (provider/loader.ts).
    const installed = path.join(modules, "pulumi-wacht");
    fs.mkdirSync(installed);
    fs.copyFileSync(path.join(variant.dir, "package.json"), path.join(installed, "package.json"));
    fs.cpSync(path.join(variant.dir, "dist"), path.join(installed, "dist"), { recursive: true });
  }
  return dir;
}

/** What a process of the `pulumi` tree is, from its command line. */
function processKind(cmdline) {
  if (cmdline.includes("dynamic-provider")) return "provider host";
  if (cmdline.includes("pulumi-language-nodejs")) return "language host";
  if (/\bnode\b/.test(cmdline)) return "program";
  if (/\/pulumi\0/.test(cmdline)) return "engine";
  return undefined; // /usr/bin/time, the provider's shell wrapper
}

/** CPU seconds of one process from /proc (utime + stime), with its parent and command line. */
function procStat(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").pop().split(" ");
    return {
      ppid: Number(fields[1]),
      cpu: (Number(fields[11]) + Number(fields[12])) / 100,
      cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"),
    };
  } catch {
    return undefined;
  }
}

/**
 * With --by-process: samples the CPU of every descendant of `rootPid` every 50 ms until stopped, and
 * returns the CPU seconds per process kind (a process's last 50 ms may be missed).
 */
function sampleProcesses(rootPid) {
  const last = new Map(); // pid -> { kind, cpu }
  const tick = () => {
    const parents = new Map();
    const stats = new Map();
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = procStat(entry);
      if (!stat) continue;
      stats.set(Number(entry), stat);
      parents.set(Number(entry), stat.ppid);
    }
    for (const [pid, stat] of stats) {
      let ancestor = stat.ppid;
      while (ancestor > 1 && ancestor !== rootPid) ancestor = parents.get(ancestor) ?? 0;
      if (ancestor !== rootPid) continue;
      const kind = processKind(stat.cmdline);
      if (kind) last.set(pid, { kind, cpu: stat.cpu });
    }
  };
  const timer = setInterval(tick, 50);
  return () => {
    clearInterval(timer);
    const byKind = {};
    for (const { kind, cpu: seconds } of last.values()) byKind[kind] = (byKind[kind] ?? 0) + seconds;
    return byKind;
  };
}

/**
 * Runs `pulumi <args>` under /usr/bin/time and resolves to the CPU seconds (user + system) of the CLI and
 * every process it waited for: the engine, the language host and program, the provider host. With
 * `byProcess`, also samples them one by one (`sampled`, seconds per process kind).
 */
function pulumi(dir, env, args, byProcess = undefined) {
  const times = path.join(dir, ".cpu-time");
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "%U %S", "-o", times, path.join(bin, "pulumi"), ...args], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stopSampling = byProcess ? sampleProcesses(child.pid) : undefined;
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (stopSampling) Object.assign(byProcess, stopSampling());
      if (code !== 0) {
        reject(new Error(`pulumi ${args.join(" ")} in ${dir} exited with ${code}:\n${output.slice(-4000)}`));
        return;
      }
      const [user, system] = fs.readFileSync(times, "utf8").trim().split("\n").pop().split(" ").map(Number);
      resolve(user + system);
    });
  });
}

/** Writes the stack's config file, keeping the encryption salt `stack init` put there. */
function writeConfig(stack, values) {
  const file = path.join(stack.dir, "Pulumi.bench.yaml");
  const salt = fs.existsSync(file)
    ? /^encryptionsalt: .*$/m.exec(fs.readFileSync(file, "utf8"))?.[0]
    : undefined;
  const lines = Object.entries(values).map(
    ([key, value]) => `  bench:${key}: ${JSON.stringify(String(value))}`,
  );
  fs.writeFileSync(file, `${salt ? `${salt}\n` : ""}config:\n${lines.join("\n")}\n`);
}

/** Bytes and values per resource type in the stack's state file. */
function stateSizes(stack) {
  const file = path.join(stack.backend, ".pulumi", "stacks", "wacht-bench", "bench.json");
  const resources = JSON.parse(fs.readFileSync(file, "utf8")).checkpoint.latest?.resources ?? [];
  const leaves = (value) =>
    value !== null && typeof value === "object"
      ? Object.values(value).reduce((sum, v) => sum + leaves(v), 0)
      : 1;
  const byType = {};
  for (const resource of resources) {
    const type = resource.type.split(":").pop();
    if (!type.startsWith("Webhook")) continue;
    byType[type] ??= { count: 0, bytes: 0, values: 0, provider: 0 };
    const entry = byType[type];
    entry.count += 1;
    entry.bytes += Buffer.byteLength(JSON.stringify(resource));
    const { __provider: inProvider, ...inputs } = resource.inputs ?? {};
    const { __provider: outProvider, ...outputs } = resource.outputs ?? {};
    entry.values += leaves(inputs) + leaves(outputs);
    entry.provider +=
      Buffer.byteLength(JSON.stringify(inProvider ?? "")) +
      Buffer.byteLength(JSON.stringify(outProvider ?? ""));
  }
  return Object.fromEntries(
    Object.entries(byType).map(([type, e]) => [
      type,
      {
        count: e.count,
        bytes: Math.round(e.bytes / e.count),
        values: Math.round(e.values / e.count),
        provider: Math.round(e.provider / e.count),
      },
    ]),
  );
}

const API_KEY = `sk_bench_${"x".repeat(43)}`;
const emulator = await spawnEmulator(["--port", "0", "--db", ":memory:", "--api-key", API_KEY]);

/**
 * The emulator's processes: those whose command line carries this run's key (tsx runs the emulator in a
 * child process of its own, so there are two).
 */
const emulatorPids = fs
  .readdirSync("/proc")
  .filter((entry) => /^\d+$/.test(entry))
  .filter((pid) => {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      return cmdline.includes("emulator/cli.ts") && cmdline.includes(API_KEY);
    } catch {
      return false;
    }
  });

/** CPU seconds the emulator has used so far. */
function emulatorCpu() {
  return emulatorPids.reduce((sum, pid) => sum + (procStat(pid)?.cpu ?? 0), 0);
}
const timings = {}; // `${n}\u0000${op}\u0000${label}` -> seconds[]
const cpu = {}; // same keys -> CPU seconds[] of the pulumi process tree
const emulatorCpuSamples = {}; // same keys -> the emulator's CPU seconds[] (Wacht's side, not the user's)
const states = {}; // `${n}\u0000${label}` -> stateSizes
const processCpu = {}; // `${n}\u0000${op}\u0000${label}\u0000${kind}` -> CPU seconds[] (--by-process)
const record = (key, seconds) => {
  timings[key] ??= [];
  timings[key].push(seconds);
};

const stacks = [];
try {
  for (const n of options.sizes) {
    for (const variant of variants) {
      const dir = projectFolder(variant, n);
      const backend = path.join(dir, ".backend");
      const env = {
        ...process.env,
        ...offlineEnv(bin, backend),
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_SKIP_CONFIRMATIONS: "true",
        NO_COLOR: "1",
        WACHT_API_URL: emulator.url,
        WACHT_API_KEY: emulator.apiKey,
        ...(options.skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {}),
        ...providerProfiling(variant),
      };
      for (const key of Object.keys(env)) if (key.startsWith("npm_")) delete env[key];
      const stack = { variant, n, dir, backend, env };
      await pulumi(dir, env, ["stack", "init", "bench", "--non-interactive"]);
      stacks.push(stack);
    }
  }

  const flags = [
    "--yes",
    "--non-interactive",
    ...(options.preview ? [] : ["--skip-preview"]),
    ...(options.parallel ? ["--parallel", options.parallel] : []),
  ];
  const operations = [
    { op: "up", tag: "a", args: ["up", ...flags] },
    { op: "update", tag: "b", args: ["up", ...flags] },
    { op: "destroy", tag: "b", args: ["destroy", ...flags] },
  ];
  for (let round = 0; round < options.rounds; round++) {
    for (const n of options.sizes) {
      const ofSize = stacks.filter((s) => s.n === n);
      // Alternate who goes first, so that neither variant always follows the other's cleanup.
      const order = round % 2 === 0 ? ofSize : [...ofSize].reverse();
      for (const { op, tag, args } of operations) {
        for (const stack of order) {
          writeConfig(stack, {
            variant: stack.variant.program,
            endpoints: n,
            prefix: `b-${stack.variant.label}-${n}`.replace(/[^a-z0-9-]/g, "-"),
            tag,
          });
          const started = process.hrtime.bigint();
          const emulatorBefore = emulatorCpu();
          const sampled = options.byProcess ? {} : undefined;
          const cpuSeconds = await pulumi(
            stack.dir,
            stack.env,
            process.env.BENCH_GO_PROF
              ? [...args, "--profiling", `${process.env.BENCH_GO_PROF}/${stack.variant.label}-${op}`]
              : args,
            sampled,
          );
          const emulatorSeconds = emulatorCpu() - emulatorBefore;
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const key = `${n}\u0000${op}\u0000${stack.variant.label}`;
          record(key, seconds);
          cpu[key] ??= [];
          cpu[key].push(cpuSeconds);
          emulatorCpuSamples[key] ??= [];
          emulatorCpuSamples[key].push(emulatorSeconds);
          if (sampled) {
            sampled.emulator = emulatorSeconds;
            for (const [kind, seconds] of Object.entries(sampled)) {
              processCpu[`${key}\u0000${kind}`] ??= [];
              processCpu[`${key}\u0000${kind}`].push(seconds);
            }
          }
          if (op === "update") states[`${n}\u0000${stack.variant.label}`] = stateSizes(stack);
          process.stderr.write(
            `round ${round + 1}/${options.rounds} N=${n} ${op.padEnd(7)} ${stack.variant.label.padEnd(8)} ${seconds.toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s\n`,
          );
        }
      }
    }
  }
} finally {
  await emulator.stop();
  for (const stack of stacks) fs.rmSync(stack.dir, { recursive: true, force: true });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const labels = variants.map((v) => v.label);
const others = labels.filter((l) => l !== "noop");
console.log(
  `\npulumi-wacht against the engine floor (no-op dynamic provider, same inputs): 1 catalog, 10 apps, N endpoints; ` +
    `median of ${options.rounds} interleaved round(s), seconds${options.preview ? " (with preview)" : " (--skip-preview)"}` +
    `${options.skipCheckpoints ? ", PULUMI_SKIP_CHECKPOINTS=true" : ""}`,
);
console.log(
  [
    "N".padEnd(6),
    "op".padEnd(8),
    ...labels.map((l) => l.padStart(9)),
    ...others.map((l) => `${l}/noop`.padStart(12)),
  ].join(" "),
);
const results = [];
for (const n of options.sizes) {
  for (const op of ["up", "update", "destroy"]) {
    const m = Object.fromEntries(labels.map((l) => [l, median(timings[`${n}\u0000${op}\u0000${l}`])]));
    results.push({
      n,
      op,
      medians: m,
      samples: Object.fromEntries(labels.map((l) => [l, timings[`${n}\u0000${op}\u0000${l}`]])),
    });
    console.log(
      [
        String(n).padEnd(6),
        op.padEnd(8),
        ...labels.map((l) => m[l].toFixed(1).padStart(9)),
        ...others.map((l) => `${(m[l] / m.noop).toFixed(2)}×`.padStart(12)),
      ].join(" "),
    );
  }
}
console.log(
  "\nCPU seconds (user + system of the pulumi process tree: CLI, engine, program, provider host: what runs on the user's machine), median; " +
    "beside them the emulator's (Wacht's side of the API calls):",
);
for (const n of options.sizes) {
  for (const op of ["up", "update", "destroy"]) {
    const m = Object.fromEntries(labels.map((l) => [l, median(cpu[`${n}\u0000${op}\u0000${l}`])]));
    const entry = results.find((r) => r.n === n && r.op === op);
    entry.cpuMedians = m;
    entry.cpuSamples = Object.fromEntries(labels.map((l) => [l, cpu[`${n}\u0000${op}\u0000${l}`]]));
    console.log(
      [
        String(n).padEnd(6),
        op.padEnd(8),
        ...labels.map((l) => m[l].toFixed(1).padStart(9)),
        ...others.map((l) => `${(m[l] / m.noop).toFixed(2)}×`.padStart(12)),
        ...others.map((l) =>
          `emulator ${median(emulatorCpuSamples[`${n}\u0000${op}\u0000${l}`]).toFixed(2)}`.padStart(16),
        ),
      ].join(" "),
    );
  }
}
console.log(
  "\nState per resource after the update (bytes of the resource's JSON in the state file; values: leaves of inputs and outputs; provider: bytes of __provider, inputs and outputs together):",
);
console.log(
  [
    "N".padEnd(6),
    "variant".padEnd(9),
    "type".padEnd(22),
    "bytes".padStart(7),
    "values".padStart(7),
    "provider".padStart(9),
    "Δ bytes vs noop".padStart(16),
  ].join(" "),
);
for (const n of options.sizes) {
  for (const label of labels) {
    const sizes = states[`${n}\u0000${label}`] ?? {};
    for (const [type, s] of Object.entries(sizes)) {
      const floor = states[`${n}\u0000noop`]?.[type];
      console.log(
        [
          String(n).padEnd(6),
          label.padEnd(9),
          type.padEnd(22),
          String(s.bytes).padStart(7),
          String(s.values).padStart(7),
          String(s.provider).padStart(9),
          (floor ? `${s.bytes - floor.bytes >= 0 ? "+" : ""}${s.bytes - floor.bytes}` : "").padStart(16),
        ].join(" "),
      );
    }
  }
}
const byProcess = {};
if (options.byProcess) {
  const kinds = ["engine", "language host", "program", "provider host", "emulator"];
  console.log(
    "\nCPU seconds by process (median; sampled every 50 ms, so a process's last moments may be missed):",
  );
  console.log(
    ["N".padEnd(6), "op".padEnd(8), "variant".padEnd(9), ...kinds.map((k) => k.padStart(14))].join(" "),
  );
  for (const n of options.sizes) {
    for (const op of ["up", "update", "destroy"]) {
      for (const label of labels) {
        const row = {};
        for (const kind of kinds) {
          const values = processCpu[`${n}\u0000${op}\u0000${label}\u0000${kind}`];
          row[kind] = values ? median(values) : 0;
        }
        byProcess[`${n} ${op} ${label}`] = row;
        console.log(
          [
            String(n).padEnd(6),
            op.padEnd(8),
            label.padEnd(9),
            ...kinds.map((k) => row[k].toFixed(2).padStart(14)),
          ].join(" "),
        );
      }
    }
  }
}
if (options.json) {
  fs.writeFileSync(options.json, `${JSON.stringify({ options, results, states, byProcess }, null, 2)}\n`);
}
