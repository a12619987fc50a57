#!/usr/bin/env bash
# Drift check for pipelines: refreshes the stack from the live objects and fails when the program and the
# real world disagree (edited in the Wacht dashboard, deleted by hand, a secret rotated outside Pulumi).
#
#   scripts/drift-check.sh [--stack <name>] [other `pulumi preview` flags, e.g. --cwd <project dir>]
#
# Runs `pulumi preview --refresh --expect-no-changes --json` (PULUMI selects the binary, default `pulumi`).
# Exit 0: no drift. Exit 7 (Pulumi's "changes were proposed"): drift; the resources that would change are
# printed, and the full JSON plan is kept in $DRIFT_JSON when that is set. Any other exit code: the
# preview itself failed (credentials, network, a program error); its diagnostics are printed.
# Needs node on PATH (any Pulumi Node.js project has it) to read the JSON plan.
set -euo pipefail

pulumi_bin="${PULUMI:-pulumi}"
plan="$(mktemp)"
trap 'rm -f "$plan"' EXIT

set +e
"$pulumi_bin" preview --refresh --expect-no-changes --json --non-interactive "$@" >"$plan"
code=$?
set -e

if [[ -n "${DRIFT_JSON:-}" ]]; then cp "$plan" "$DRIFT_JSON"; fi

# Prints any warnings in the plan (a secret rotated outside Pulumi or an endpoint Wacht disabled show in
# the refreshed outputs, without a diff) and, on drift, each step that is not "same" or "refresh", with the inputs that differ. Dynamic providers give no
# detailed diff, so inputs are compared here: live (oldState, after refresh) against the program
# (newState), with lists compared as sets, as the Wacht provider does.
node - "$plan" "$code" <<'NODE'
const fs = require("node:fs");
const [file, code] = process.argv.slice(2);
let plan;
try {
  plan = JSON.parse(fs.readFileSync(file, "utf8"));
} catch {
  console.error(`drift-check: pulumi exited with code ${code} and printed no JSON plan`);
  process.exit(0);
}
const canonical = (v) =>
  Array.isArray(v)
    ? JSON.stringify(v.map(canonical).sort())
    : v !== null && typeof v === "object"
      ? JSON.stringify(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
      : JSON.stringify(v);
const changed = (plan.steps ?? []).filter((s) => !["same", "refresh", "read"].includes(s.op));
for (const diagnostic of plan.diagnostics ?? []) {
  if (code !== "0" || /error|warning/.test(`${diagnostic.severity} ${diagnostic.message}`)) {
    console.error(`  [${diagnostic.severity}] ${diagnostic.message.trim()}`);
  }
}
if (code === "0") {
  console.log("drift-check: no drift");
  process.exit(0);
}
if (code !== "7") {
  console.error(`drift-check: pulumi preview failed with exit code ${code}`);
  process.exit(0);
}
console.log(`drift-check: drift in ${changed.length} resource(s)`);
for (const step of changed) {
  const name = step.urn.split("::").pop();
  const type = step.urn.split("::").slice(-2, -1)[0];
  const before = step.oldState?.inputs ?? {};
  const after = step.newState?.inputs ?? {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => k !== "__provider" && canonical(before[k]) !== canonical(after[k]))
    .sort();
  const detail = step.detailedDiff ? Object.keys(step.detailedDiff) : keys;
  console.log(`  ${step.op} ${type} ${name}${detail.length ? `: ${detail.join(", ")}` : ""}`);
}
NODE
exit "$code"
