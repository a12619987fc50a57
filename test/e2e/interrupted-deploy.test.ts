// A `pulumi up` killed mid-way (SIGKILL of `pulumi` and every process under it, as a CI time limit kills
// a job), then the recovery recipe of docs/interrupted-deploys.md, read from the doc and run as printed.
// The emulator commits some creates at once and holds their answers back, so the kill always finds
// objects that exist in Wacht while the checkpoint only has them as pending creates.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { pulumiBin, ROOT } from "../support/pulumi";

const DOC = path.join(ROOT, "docs/interrupted-deploys.md");
const MARKER = "<!-- recipe: interrupted-deploy -->";
const ENDPOINT_TYPE = "pulumi-nodejs:dynamic/wacht:WebhookEndpoint";
const APP_TYPE = "pulumi-nodejs:dynamic/wacht:WebhookApp";

/** The fenced block that follows the recipe marker in the doc, verbatim. */
function recipe(): string {
  const text = fs.readFileSync(DOC, "utf8");
  const match = new RegExp(`${MARKER}\\n\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(text);
  if (!match?.[1]) throw new Error(`${DOC} has no sh block after ${MARKER}`);
  return match[1];
}

const EVENTS = [
  { name: "user.created", description: "A user signed up" },
  { name: "invoice.paid", description: "An invoice was paid" },
];

/** Two apps (one auto-named) of six endpoints each; the last two of an app share a URL. */
const spec = {
  exclusive: true,
  catalog: { name: "events", args: { slug: "kill-events", name: "Kill events", events: EVENTS } },
  apps: [
    { name: "users", args: { name: "Users" } },
    { name: "billing", args: { name: "Billing", slug: "kill_billing" } },
  ],
  endpoints: ["users", "billing"].flatMap((app) =>
    [0, 1, 2, 3, 4, 5].map((i) => ({
      name: `${app}-${i}`,
      app,
      args: {
        url: `https://hooks.example.com/${app}/${Math.min(i, 4)}`,
        description: `${app} receiver ${i}`,
        events: i === 5 ? ["invoice.paid", "user.created"] : ["user.created"],
      },
    })),
  ),
};

/** What the program declares, as [app name, url, description, events] rows. */
const declaredEndpoints = spec.endpoints
  .map((e) => [
    e.app === "users" ? "Users" : "Billing",
    e.args.url,
    e.args.description,
    e.args.events.join(","),
  ])
  .sort();

interface LiveEndpoint {
  id: string;
  url: string;
  description: string;
  subscriptions: Array<{ event_name: string }>;
}

describe("a pulumi up killed with SIGKILL mid-way", () => {
  let emulator: RunningEmulator;
  let bin: string;
  let dir: string;
  let env: Record<string, string>;

  const api = async <T>(route: string): Promise<T> =>
    (await (
      await fetch(`${emulator.url}${route}`, { headers: { authorization: `Bearer ${emulator.apiKey}` } })
    ).json()) as T;
  const fault = (body: Record<string, unknown>) =>
    fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  async function live() {
    const apps = (await api<{ data: Array<{ app_slug: string; name: string }> }>("/webhooks/apps?limit=100"))
      .data;
    const endpoints: Array<LiveEndpoint & { app: string }> = [];
    for (const app of apps) {
      const page = await api<{ data: LiveEndpoint[] }>(
        `/webhooks/apps/${app.app_slug}/endpoints?include_inactive=true&limit=100`,
      );
      endpoints.push(...page.data.map((e) => ({ ...e, app: app.name })));
    }
    return { apps, endpoints };
  }

  /** Runs a bash script in the project folder; asynchronous, so that the in-process emulator can answer. */
  function sh(script: string): Promise<{ status: number | null; output: string }> {
    return new Promise((resolve) => {
      execFile("bash", ["-e", "-c", script], { cwd: dir, env, maxBuffer: 1 << 26 }, (error, stdout, stderr) =>
        resolve({
          status: error ? (typeof error.code === "number" ? error.code : null) : 0,
          output: stdout + stderr,
        }),
      );
    });
  }

  const backend = () => path.join(dir, ".backend");
  const checkpointFile = () => path.join(backend(), ".pulumi/stacks/wacht-chaos/kill.json");
  function checkpoint() {
    const latest = JSON.parse(fs.readFileSync(checkpointFile(), "utf8")).checkpoint.latest as {
      resources?: Array<{ type: string; id: string; urn: string }>;
      pending_operations?: Array<{ type: string; resource: { type: string; urn: string } }>;
    } | null;
    return { resources: latest?.resources ?? [], pending: latest?.pending_operations ?? [] };
  }

  /** `pulumi` and every process under it, collected from /proc before any of them dies. */
  function tree(pid: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // exited meanwhile
      }
    }
    const all = [pid];
    for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!) ?? []));
    return all;
  }

  /** Starts `pulumi up`, waits until `ready()` holds, then kills the whole process tree. */
  async function killUpWhen(ready: () => Promise<boolean>) {
    const child = spawn(path.join(bin, "pulumi"), ["up", "--yes", "--skip-preview"], {
      cwd: dir,
      env,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error("the deploy never reached the kill point");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const pid of tree(child.pid!)) process.kill(pid, "SIGKILL");
    expect(await exited).toBeNull();
  }

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    bin = pulumiBin();
  });

  beforeEach(async () => {
    await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-kill-"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: wacht-chaos\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "wacht-kill", "private": true }\n');
    fs.copyFileSync(path.join(ROOT, "scripts/chaos/program.cjs"), path.join(dir, "index.js"));
    fs.writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
    fs.mkdirSync(backend());
    env = {
      ...(process.env as Record<string, string>),
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(ROOT, ".tools", "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${backend()}`,
      PULUMI_CONFIG_PASSPHRASE: "",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      WACHT_API_URL: emulator.url,
      WACHT_API_KEY: emulator.apiKey,
    };
    for (const key of Object.keys(env)) {
      if (key.startsWith("VITEST") || key.startsWith("npm_") || key === "NODE_OPTIONS") delete env[key];
    }
    delete env.WACHT_ADOPT_EXISTING;
    expect((await sh("pulumi stack init kill")).status).toBe(0);
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it("leaves a lock and pending creates; the documented recipe adopts what they made: each object once, none orphaned, a clean preview", async () => {
    // The first four endpoint creates are committed at once and never answered before the kill. (A create
    // that shares its URL with one of them waits for it: the provider sends those one at a time.)
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", responseDelayMs: 60_000, times: 4 });
    let previous = "";
    await killUpWhen(async () => {
      // The kill comes once everything else has settled: four endpoints live but unrecorded, no change
      // for a second.
      if (!fs.existsSync(checkpointFile())) return false;
      const recorded = checkpoint().resources.filter((r) => r.type === ENDPOINT_TYPE).length;
      const now = `${recorded}/${(await live()).endpoints.length}`;
      const settled = now === previous && now === `${recorded}/${recorded + 4}`;
      previous = now;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 900));
      return settled;
    });
    await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });

    const left = checkpoint();
    const pending = left.pending.map((op) => [op.type, op.resource.type]);
    expect(pending.length).toBeGreaterThanOrEqual(4);
    expect(new Set(pending.map((p) => p.join(" ")))).toStrictEqual(new Set([`creating ${ENDPOINT_TYPE}`]));
    const locks = fs.readdirSync(path.join(backend(), ".pulumi/locks/organization/wacht-chaos/kill"));
    expect(locks.filter((f) => f.endsWith(".json"))).toHaveLength(1);
    const before = (await live()).endpoints.map((e) => e.id).sort();

    const run = await sh(recipe());
    expect(run.status, run.output).toBe(0);

    const after = await live();
    expect(
      after.endpoints
        .map((e) => [e.app, e.url, e.description, e.subscriptions.map((s) => s.event_name).join(",")])
        .sort(),
    ).toStrictEqual(declaredEndpoints);
    // Adopted, not made again: every endpoint that existed right after the kill is still there.
    const afterIds = after.endpoints.map((e) => e.id).sort();
    expect(afterIds.filter((id) => before.includes(id))).toStrictEqual(before);
    expect(after.apps.map((a) => a.name).sort()).toStrictEqual(["Billing", "Users"]);

    const state = checkpoint();
    expect(state.pending).toStrictEqual([]);
    expect(
      state.resources
        .filter((r) => r.type === ENDPOINT_TYPE)
        .map((r) => r.id.split("/").pop())
        .sort(),
    ).toStrictEqual(afterIds);
    expect(
      state.resources
        .filter((r) => r.type === APP_TYPE)
        .map((r) => r.id)
        .sort(),
    ).toStrictEqual(after.apps.map((a) => a.app_slug).sort());
    expect(fs.readdirSync(path.join(backend(), ".pulumi/locks/organization/wacht-chaos/kill"))).toStrictEqual(
      [],
    );

    const clean = await sh("pulumi preview --refresh --expect-no-changes");
    expect(clean.status, clean.output).toBe(0);
  });

  it("recovers an auto-named app whose create was committed but never answered: one app, not two", async () => {
    // Both app creates are committed at once and never answered before the kill.
    await fault({ method: "POST", path: "/webhooks/apps", responseDelayMs: 60_000, times: 2 });
    const pendingApps = () => checkpoint().pending.filter((op) => op.resource.type === APP_TYPE).length;
    // Both creates pending in the checkpoint and both apps made in Wacht (the checkpoint is written first).
    await killUpWhen(
      async () => fs.existsSync(checkpointFile()) && pendingApps() === 2 && (await live()).apps.length === 2,
    );
    await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });
    expect((await live()).apps).toHaveLength(2);
    expect(checkpoint().pending.map((op) => [op.type, op.resource.type])).toStrictEqual([
      ["creating", APP_TYPE],
      ["creating", APP_TYPE],
    ]);
    const appsBefore = (await live()).apps.map((a) => a.app_slug).sort();

    const run = await sh(recipe());
    expect(run.status, run.output).toBe(0);

    const after = await live();
    expect(after.apps.map((a) => a.app_slug).sort()).toStrictEqual(appsBefore);
    expect(
      after.endpoints
        .map((e) => [e.app, e.url, e.description, e.subscriptions.map((s) => s.event_name).join(",")])
        .sort(),
    ).toStrictEqual(declaredEndpoints);
    const state = checkpoint();
    expect(
      state.resources
        .filter((r) => r.type === APP_TYPE)
        .map((r) => r.id)
        .sort(),
    ).toStrictEqual(appsBefore);
    expect(
      state.resources
        .filter((r) => r.type === ENDPOINT_TYPE)
        .map((r) => r.id.split("/").pop())
        .sort(),
    ).toStrictEqual(after.endpoints.map((e) => e.id).sort());
  });
  it("reads a checkpoint again whose metadata file a kill left empty, then recovers with the recipe", async () => {
    const up = await sh("pulumi up --yes --skip-preview");
    expect(up.status, up.output).toBe(0);
    // What a kill while Pulumi saves the checkpoint leaves: the metadata file truncated, the data intact.
    fs.writeFileSync(`${checkpointFile()}.attrs`, "");
    const broken = await sh("pulumi cancel --yes");
    expect([broken.status, broken.output.trim()]).toStrictEqual([1, "error: failed to load checkpoint: EOF"]);

    const run = await sh(recipe());
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`${checkpointFile()}.attrs\n`);
    const after = await live();
    expect(
      after.endpoints
        .map((e) => [e.app, e.url, e.description, e.subscriptions.map((s) => s.event_name).join(",")])
        .sort(),
    ).toStrictEqual(declaredEndpoints);
  });
  it("recovers two endpoints that share a URL when only the first was made before the kill: each keeps its own", async () => {
    const shared = {
      exclusive: true,
      catalog: spec.catalog,
      apps: [{ name: "billing", args: { name: "Billing", slug: "kill_billing" } }],
      endpoints: [
        {
          name: "ledger",
          app: "billing",
          args: { url: "https://hooks.example.com/shared", description: "ledger", events: ["invoice.paid"] },
        },
        {
          name: "audit",
          app: "billing",
          args: { url: "https://hooks.example.com/shared", description: "audit", events: ["user.created"] },
        },
      ],
    };
    fs.writeFileSync(path.join(dir, "spec.json"), JSON.stringify(shared));
    // The provider sends creates at one URL one at a time: the first is served, the second waits a minute
    // before it is handled, so the kill finds it pending and never made.
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", latencyMs: 0, times: 1 });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", latencyMs: 60_000, times: 1 });
    await killUpWhen(async () => {
      if (!fs.existsSync(checkpointFile())) return false;
      const { resources, pending } = checkpoint();
      return resources.some((r) => r.type === ENDPOINT_TYPE) && pending.length === 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });
    const made = (await live()).endpoints;
    expect(made.map((e) => e.description)).toHaveLength(1);

    const run = await sh(recipe());
    expect(run.status, run.output).toBe(0);
    const after = await live();
    expect(
      after.endpoints.map((e) => [e.description, e.subscriptions.map((s) => s.event_name)]).sort(),
    ).toStrictEqual([
      ["audit", ["user.created"]],
      ["ledger", ["invoice.paid"]],
    ]);
    // The endpoint made before the kill still belongs to the resource that made it.
    expect(after.endpoints.find((e) => e.id === made[0]!.id)?.description).toBe(made[0]!.description);
  });
});
