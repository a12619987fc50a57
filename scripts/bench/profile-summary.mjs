#!/usr/bin/env node
// Self time summed over every V8 CPU profile in a folder (whole profiles from --cpu-prof and the
// provider host's 500 ms pieces alike), by file or by function, largest first:
//
//   node scripts/bench/profile-summary.mjs <dir> [--by file|function] [--top 30]
//
// "(idle)" is time the process waited; "(profiler)" is what taking the pieces cost.
import fs from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  console.error("usage: profile-summary.mjs <dir> [--by file|function] [--top N]");
  process.exit(2);
}
const option = (flag, fallback) => {
  const at = args.indexOf(flag);
  return at === -1 ? fallback : args[at + 1];
};
const by = option("--by", "file");
const top = Number(option("--top", "30"));

const short = (url) => url.replace(/.*node_modules\//, "").replace(/^file:\/\//, "");
const totals = new Map();
let all = 0;
for (const file of fs.readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const name = frame.functionName === "dispatch" && frame.url === "" ? "(profiler)" : frame.functionName;
    const where = short(frame.url) || name;
    const key = by === "function" ? `${name || "(anonymous)"} ${where}:${frame.lineNumber + 1}` : where;
    const micros = profile.timeDeltas[i] ?? 0;
    totals.set(key, (totals.get(key) ?? 0) + micros);
    all += micros;
  });
}
console.log(`${(all / 1000).toFixed(0)} ms sampled in ${dir}`);
for (const [key, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(micros / 1000).toFixed(0).padStart(8)} ms  ${key}`);
}
