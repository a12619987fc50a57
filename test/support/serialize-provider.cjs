// Serializes each resource kind's thin provider exactly as `pulumi.dynamic.Resource` does and prints
// `{ kind: text }` as JSON (usage: node serialize-provider.cjs <fake key> [package folder]). It runs in
// a plain `node` process because vitest rewrites the modules it loads, which changes what closure
// serialization captures. The fake API key is everywhere a real one
// could come from (environment, stack config, the loaded implementation's configure), so a serialized
// provider that captured settings would show it.
"use strict";

const FAKE_API_KEY = process.argv[2] || "sk_fake_serialization_key_0123456789";

process.env.WACHT_API_KEY = FAKE_API_KEY;
process.env.WACHT_API_URL = "http://127.0.0.1:9";
process.env.PULUMI_CONFIG = JSON.stringify({
  "wacht:apiKey": FAKE_API_KEY,
  "wacht:apiUrl": "http://127.0.0.1:9",
});

// The package folder to load: the repository itself (default), or an installed copy under some
// project's node_modules (the process then runs in that project's folder, as Pulumi's does).
const path = require("node:path");
const packageDir = path.resolve(process.argv[3] || path.join(__dirname, "../.."));
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [packageDir] }));
const runtime = require(path.join(packageDir, "dist/runtime.js"));
const { thinProviders } = require(path.join(packageDir, "dist/loader.js"));

async function main() {
  const config = { get: (key) => (key === "wacht:apiKey" ? FAKE_API_KEY : undefined) };
  const out = {};
  for (const kind of Object.keys(thinProviders)) {
    await runtime[kind].configure({ config });
    const provider = thinProviders[kind];
    // Exactly what pulumi.dynamic.Resource does (dynamic/index.js, serializeFunctionMaybeSecret).
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    out[kind] = serialized.text;
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
