// Preloaded into every node process of a benchmark run with BENCH_CPU_PROF (through NODE_OPTIONS); it
// acts only in Pulumi's dynamic-provider host. The engine ends that process with SIGKILL, so V8's
// --cpu-prof never writes its profile: this writes one every 500 ms instead, as
// $BENCH_PROVIDER_PROF_DIR/<pid>-<n>.cpuprofile (read them with scripts/bench/profile-summary.mjs).
const script = process.argv[1] ?? "";
const dir = process.env.BENCH_PROVIDER_PROF_DIR;
if (dir && /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(script)) {
  const fs = require("node:fs");
  const inspector = require("node:inspector");
  fs.mkdirSync(dir, { recursive: true });
  const session = new inspector.Session();
  session.connect();
  let chunk = 0;
  session.post("Profiler.enable", () =>
    session.post("Profiler.setSamplingInterval", { interval: 200 }, () => session.post("Profiler.start")),
  );
  setInterval(() => {
    session.post("Profiler.stop", (error, result) => {
      if (!error) {
        const name = `${process.pid}-${String(chunk++).padStart(4, "0")}.cpuprofile`;
        fs.writeFileSync(`${dir}/${name}`, JSON.stringify(result.profile));
      }
      session.post("Profiler.start");
    });
  }, 500).unref();
}
