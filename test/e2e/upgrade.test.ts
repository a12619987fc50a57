// Resources created by 0.1.0 keep working: the state 0.1.0 wrote (test/fixtures/state-0.1.0, made by
// its make.mjs with that version) is imported with `pulumi stack import` next to the Wacht data it
// describes, then previewed, refreshed, updated and destroyed by this version.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { projectFolder, pulumiBin, ROOT, resourceSummary } from "../support/pulumi";

const FIXTURE = path.join(ROOT, "test/fixtures/state-0.1.0");
/** The key make.mjs started the emulator with (the API key is in no state, only the emulator checks it). */
const FIXTURE_API_KEY = `sk_fixture_${"0".repeat(40)}`;

let emulator: RunningEmulator;
let folder: ReturnType<typeof projectFolder>;
let work = "";

/** The state's resources of our types, by name. */
async function exported(): Promise<
  Record<string, { inputs: Record<string, unknown>; outputs: Record<string, unknown> }>
> {
  const result = await folder.run("pulumi stack export");
  const resources = (
    JSON.parse(result.stdout) as {
      deployment: {
        resources: Array<{
          urn: string;
          type: string;
          inputs: Record<string, unknown>;
          outputs: Record<string, unknown>;
        }>;
      };
    }
  ).deployment.resources;
  return Object.fromEntries(
    resources
      .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/wacht:"))
      .map((r) => [r.urn.split("::").pop() ?? "", { inputs: r.inputs, outputs: r.outputs }]),
  );
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-upgrade-"));
  const db = new Database(path.join(work, "emulator.db"));
  db.exec(fs.readFileSync(path.join(FIXTURE, "emulator.sql"), "utf8"));
  db.close();
  emulator = await startEmulator({ port: 0, db: path.join(work, "emulator.db"), apiKey: FIXTURE_API_KEY });

  const dir = path.join(work, "project");
  fs.mkdirSync(dir);
  for (const file of ["index.js", "Pulumi.yaml", "package.json", "Pulumi.upgrade.yaml", "state.json"]) {
    fs.copyFileSync(path.join(FIXTURE, file), path.join(dir, file));
  }
  // The dynamic-provider host resolves pulumi-wacht from the project: this repository's build.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  folder = projectFolder(dir, {
    bin: pulumiBin(),
    env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: FIXTURE_API_KEY },
  });
  for (const command of ["pulumi stack init upgrade", "pulumi stack import --file state.json"]) {
    const result = await folder.run(command);
    expect(result.code, `${command}\n${result.stdout}\n${result.stderr}`).toBe(0);
  }
});

afterAll(async () => {
  folder?.cleanup();
  await emulator?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("a stack written by 0.1.0, run by this version", () => {
  it("previews no change right after the import, before any refresh", async () => {
    const result = await folder.run("pulumi preview --expect-no-changes");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(resourceSummary(result.stdout)).toStrictEqual(["8 unchanged"]);
  });

  it("refreshes every resource from Wacht, and then Wacht and the program agree", async () => {
    const refresh = await folder.run("pulumi refresh --yes");
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    const ledger = (await exported()).ledger;
    // The refreshed state is this version's: no catalog copy, no outputs that only echo inputs, no
    // outputs equal to their defaults (active, 30 s timeout).
    expect(Object.keys(ledger?.outputs ?? {}).sort()).toStrictEqual([
      "__provider",
      "app",
      "autoDisabled",
      "createdAt",
      "description",
      "endpointId",
      "failureCount",
      "headerNames",
      "headers",
      "isActive",
      "maxRetries",
      "pulumiName",
      "rateLimit",
      "subscriptions",
      "updatedAt",
      "url",
    ]);
    // Inputs as this version's check stores them: what differs from the defaults (the fixture's endpoint
    // sets a description, headers, maxRetries and a rate limit), nothing that only steers create.
    expect(Object.keys(ledger?.inputs ?? {}).sort()).toStrictEqual([
      "__provider",
      "app",
      "description",
      "headers",
      "maxRetries",
      "pulumiName",
      "rateLimit",
      "subscriptions",
      "url",
    ]);
    const preview = await folder.run("pulumi preview --refresh --expect-no-changes");
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(resourceSummary(preview.stdout)).toStrictEqual(["8 unchanged"]);
  });

  it("updates an endpoint in place, and only that endpoint", async () => {
    expect(
      (await folder.run("pulumi config set fixture:endpointDescription Books-every-paid-invoice")).code,
    ).toBe(0);
    const up = await folder.run("pulumi up --yes");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(resourceSummary(up.stdout)).toStrictEqual(["~ 1 updated", "7 unchanged"]);
    const endpointId = (await exported()).ledger?.outputs.endpointId;
    const response = await fetch(`${emulator.url}/webhooks/apps/upgrade_billing/endpoints`, {
      headers: { authorization: `Bearer ${FIXTURE_API_KEY}` },
    });
    const listing = await response.text();
    const live = (JSON.parse(listing) as { data: Array<{ id: string; description: string }> }).data.find(
      (e) => String(e.id) === endpointId,
    );
    expect(live?.description, listing).toBe("Books-every-paid-invoice");
    const again = await folder.run("pulumi preview --expect-no-changes");
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it("destroys what 0.1.0 created", async () => {
    const destroy = await folder.run("pulumi destroy --yes");
    expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);
    expect(resourceSummary(destroy.stdout)).toStrictEqual(["- 8 deleted"]);
  });
});
