// `pulumi-wacht import` round trip: an estate made through @wacht/backend (3 apps, 2 catalogs, 21
// endpoints with filters, headers, rate limits, an inactive endpoint and app, archived events) becomes a
// project folder that type-checks after `npm install` of the packed package; with the config lines the
// command printed, its `pulumi up` adopts everything with no write call to Wacht, `pulumi preview
// --expect-no-changes` passes, and no header value is in any generated file. The installed package's
// policy pack runs on that project.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WachtClient } from "@wacht/backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { clearJournal, journal, projectFolder, pulumiBin, ROOT, resourceSummary } from "../support/pulumi";

/** Every header value the estate holds: none may appear in a generated file. */
const HEADER_VALUES: string[] = [];

async function seed(client: WachtClient): Promise<void> {
  const webhooks = client.webhooks;
  await webhooks.createWebhookEventCatalog({
    slug: "billing-events",
    name: "Billing events",
    description: "Invoices and payments",
    events: [
      {
        name: "invoice.paid",
        description: "An invoice was paid",
        group: "invoices",
        schema: { type: "object", properties: { amount: { type: "number" }, currency: { type: "string" } } },
        example_payload: { amount: 120, currency: "EUR" },
      },
      { name: "invoice.overdue", description: "An invoice is past due" },
      { name: "invoice.voided", description: "An invoice was voided" },
    ],
  } as never);
  await webhooks.createWebhookEventCatalog({
    slug: "user-events",
    name: "User events",
    events: [
      { name: "user.created", description: "A user signed up" },
      {
        name: "user.deleted",
        description: "A user was deleted",
        schema: { type: "object", properties: { plan: { type: "string" } } },
      },
      { name: "user.suspended", description: "A user was suspended" },
    ],
  } as never);
  await webhooks.createWebhookApp({
    app_slug: "billing",
    name: "Billing",
    description: "Invoices for the ledger",
    event_catalog_slug: "billing-events",
    failure_notification_emails: ["ops@example.com", "Billing@Example.com"],
  } as never);
  await webhooks.createWebhookApp({
    app_slug: "users",
    name: "Users",
    event_catalog_slug: "user-events",
  } as never);
  await webhooks.createWebhookApp({
    app_slug: "legacy",
    name: "Legacy billing",
    event_catalog_slug: "billing-events",
  } as never);

  const endpoint = async (app: string, n: number, extra: Record<string, unknown>) => {
    const headers = (extra.headers as Record<string, string> | undefined) ?? {};
    HEADER_VALUES.push(...Object.values(headers));
    return (await webhooks.createWebhookEndpoint(app, {
      url: `https://${app}-${n}.example.com/webhooks`,
      ...extra,
    } as never)) as { id: string };
  };
  const paid = [{ event_name: "invoice.paid" }];
  // billing: 10 endpoints
  await endpoint("billing", 1, { subscriptions: paid, headers: { "X-Token": "tok-billing-1" } });
  await endpoint("billing", 2, {
    subscriptions: [
      { event_name: "invoice.paid", filter_rules: { amount: { $gte: 100 }, currency: "EUR" } },
      { event_name: "invoice.overdue" },
    ],
    headers: { "X-Token": "tok-billing-2", "X-Tenant": "acme-2" },
  });
  await endpoint("billing", 3, {
    subscriptions: paid,
    rate_limit_config: { duration_ms: 60_000, max_requests: 100 },
  });
  await endpoint("billing", 4, { subscriptions: paid, max_retries: 5, timeout_seconds: 10 });
  const inactive = await endpoint("billing", 5, { subscriptions: paid, description: "Paused receiver" });
  await webhooks.updateWebhookEndpoint("billing", inactive.id, { is_active: false } as never);
  // Subscribed to invoice.voided, archived below.
  await endpoint("billing", 6, { subscriptions: [{ event_name: "invoice.voided" }, ...paid] });
  for (const n of [7, 8]) {
    await endpoint("billing", n, {
      subscriptions: [
        { event_name: "invoice.paid", filter_rules: { $or: [{ amount: { $lt: 10 } }, { currency: "USD" }] } },
      ],
    });
  }
  // Two endpoints at one URL, told apart by their description.
  for (const description of ["Primary ledger", "Shadow ledger"]) {
    HEADER_VALUES.push(`tok-${description.split(" ")[0]!.toLowerCase()}`);
    await webhooks.createWebhookEndpoint("billing", {
      url: "https://ledger.example.com/webhooks",
      description,
      subscriptions: paid,
      headers: { Authorization: `tok-${description.split(" ")[0]!.toLowerCase()}` },
    } as never);
  }
  // users: 8 endpoints
  for (let n = 1; n <= 8; n++) {
    await endpoint("users", n, {
      subscriptions:
        n % 2 === 0
          ? [{ event_name: "user.deleted", filter_rules: { plan: { $in: ["pro", "team"] } } }]
          : [{ event_name: "user.created" }, { event_name: "user.suspended" }],
      ...(n === 3 ? { headers: { "X-Signature-Key": "tok-users-3" } } : {}),
      ...(n === 4 ? { rate_limit_config: { duration_ms: 1000, max_requests: 5 } } : {}),
    });
  }
  // legacy: 3 endpoints, and the app is inactive
  for (let n = 1; n <= 3; n++) await endpoint("legacy", n, { subscriptions: paid, max_retries: 10 });
  await webhooks.updateWebhookApp("legacy", { is_active: false } as never);
  await webhooks.archiveWebhookEventInCatalog("billing-events", {
    event_name: "invoice.voided",
    is_archived: true,
  });
  await webhooks.archiveWebhookEventInCatalog("user-events", {
    event_name: "user.suspended",
    is_archived: true,
  });
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("pulumi-wacht import: a live estate becomes a project that adopts it with no write call", () => {
  let emulator: RunningEmulator;
  let packDir: string;
  let outDir: string;
  let tarball: string;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    await seed(new WachtClient({ apiKey: emulator.apiKey, baseUrl: emulator.url }));
    packDir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-pack-"));
    execFileSync("npm", ["pack", "--silent", "--pack-destination", packDir], { cwd: ROOT, stdio: "ignore" });
    tarball = path.join(packDir, fs.readdirSync(packDir).find((f) => f.endsWith(".tgz")) ?? "");
    outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wacht-import-")), "estate");
  });

  afterAll(async () => {
    await emulator?.close();
    for (const dir of [packDir, outDir && path.dirname(outDir)]) {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("imports only the chosen apps and their catalogs, and names an app Wacht does not have", async () => {
    const cli = (...args: string[]) =>
      run(process.execPath, [path.join(ROOT, "dist/cli/main.js"), "import", ...args], ROOT, {
        WACHT_API_URL: emulator.url,
        WACHT_API_KEY: emulator.apiKey,
      });
    const dir = path.join(path.dirname(outDir), "users-only");
    const chosen = await cli("--out", dir, "--app", "users");
    expect({ code: chosen.code, first: chosen.stdout.split("\n")[0] }).toStrictEqual({
      code: 0,
      first: `Wrote ${dir}: 1 event catalog, 1 app, 8 endpoints (Pulumi.yaml, package.json, tsconfig.json, index.ts, README.md).`,
    });
    const program = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    expect(
      [...program.matchAll(/new wacht\.(\w+)\("([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`).slice(0, 3),
    ).toStrictEqual([
      "WebhookEventCatalog user-events",
      "WebhookApp users",
      "WebhookEndpoint users-users-1-example-com-webhooks",
    ]);

    const again = await cli("--out", dir, "--app", "users");
    expect({ code: again.code, stderr: again.stderr.split("\n")[0] }).toStrictEqual({
      code: 2,
      stderr: `pulumi-wacht: ${dir} is not empty (use --force to write into it)`,
    });
    const missing = await cli("--out", path.join(path.dirname(outDir), "none"), "--app", "payments");
    expect({ code: missing.code, stderr: missing.stderr }).toStrictEqual({
      code: 1,
      stderr: `pulumi-wacht: Wacht at ${emulator.url} has no app 'payments' (apps: billing, legacy, users)\n`,
    });
  });

  it("round-trips: type-checks, adopts with 0 writes, then previews no changes; no secret in any file", async () => {
    const bin = pulumiBin();
    const imported = await run(
      process.execPath,
      [path.join(ROOT, "dist/cli/main.js"), "import", "--out", outDir, "--package", `file:${tarball}`],
      ROOT,
      { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    );
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const printed = imported.stdout.split("\n");
    expect(printed[0]).toBe(
      `Wrote ${outDir}: 2 event catalogs, 3 apps, 21 endpoints (Pulumi.yaml, package.json, tsconfig.json, index.ts, README.md).`,
    );
    expect(fs.readdirSync(outDir).sort()).toStrictEqual([
      "Pulumi.yaml",
      "README.md",
      "index.ts",
      "package.json",
      "tsconfig.json",
    ]);
    const secretLines = printed
      .map((l) => l.trim())
      .filter((l) => l.startsWith("pulumi config set --secret ") && !l.includes("wacht:apiKey"));
    expect(secretLines.map((l) => l.split(" ").pop()).sort()).toStrictEqual([...HEADER_VALUES].sort());
    for (const file of fs.readdirSync(outDir)) {
      const text = fs.readFileSync(path.join(outDir, file), "utf8");
      for (const value of HEADER_VALUES) expect(text, `${file} holds ${value}`).not.toContain(value);
      expect(text).not.toContain(emulator.apiKey);
    }

    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], outDir);
    expect(install.code, install.stderr).toBe(0);
    const typecheck = await run("npx", ["tsc", "--noEmit", "-p", "."], outDir);
    expect(typecheck.stdout + typecheck.stderr).toBe("");
    const help = await run("npx", ["pulumi-wacht", "--help"], outDir);
    expect(help.stdout.split("\n")[0]).toBe(
      "Usage: pulumi-wacht import --out <dir> [--app <slug>]... [options]",
    );

    const folder = projectFolder(outDir, { bin, env: {} });
    try {
      const setup = printed
        .map((l) => l.trim())
        .filter((l) => l.startsWith("pulumi stack init") || l.startsWith("pulumi config set"))
        .map((l) => l.replace('"$WACHT_API_KEY"', emulator.apiKey));
      for (const command of setup) expect((await folder.run(command)).code, command).toBe(0);

      await clearJournal(emulator.url);
      const up = await folder.run("pulumi up");
      expect({ code: up.code, resources: resourceSummary(up.stdout) }, up.stdout + up.stderr).toStrictEqual({
        code: 0,
        resources: ["+ 27 created"],
      });
      const calls = await journal(emulator.url);
      expect(calls.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.path}`)).toStrictEqual([]);

      const preview = await folder.run("pulumi preview --expect-no-changes");
      expect({ code: preview.code, resources: resourceSummary(preview.stdout) }).toStrictEqual({
        code: 0,
        resources: ["27 unchanged"],
      });

      // The installed package's policy pack, every rule advisory: what the estate breaks is reported.
      const policyConfig = path.join(outDir, "..", "policy-config.json");
      fs.writeFileSync(policyConfig, JSON.stringify({ all: "advisory" }));
      await clearJournal(emulator.url);
      const policy = await folder.run(
        `pulumi preview --policy-pack node_modules/pulumi-wacht/policy --policy-pack-config ${policyConfig}`,
      );
      const reported = [
        ...policy.stdout.matchAll(/^\s+- \[(\w+)\]\s+(\S+)\s+\(pulumi-nodejs:dynamic\/wacht:\w+: (.+)\)$/gm),
      ].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
      expect({
        code: policy.code,
        reported: reported.sort(),
        calls: (await journal(emulator.url)).length,
      }).toStrictEqual({
        code: 0,
        reported: [
          "advisory explicit-events billing-billing-2-example-com-webhooks",
          "advisory failure-notifications legacy",
          "advisory failure-notifications users",
          "advisory unique-endpoint-urls billing-ledger-example-com-webhooks",
          "advisory unique-endpoint-urls billing-ledger-example-com-webhooks-2",
        ],
        calls: 0,
      });
    } finally {
      folder.cleanup();
    }
  });
});
