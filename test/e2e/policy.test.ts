// The policy pack through the real CLI, as users run it: `pulumi preview --policy-pack
// node_modules/pulumi-wacht/policy` (here the repository's pack, through the project's node_modules; the
// import round trip runs the pack from an installed `npm pack`). Every rule has a violating and a compliant
// case; mandatory violations fail the preview naming rule and resource with no API call, advisory ones
// warn, and the pack config changes levels and parameters.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { clearJournal, journal, pulumiBin, resourceSummary } from "../support/pulumi";
import { type TempProject, tempProject } from "../support/temp-project";

const PACK = "pulumi preview --policy-pack node_modules/pulumi-wacht/policy";

const CATALOG = `const catalog = new wacht.WebhookEventCatalog("events", {
  slug: "policy-events",
  name: "Policy events",
  events: [
    { name: "invoice.paid", description: "An invoice was paid" },
    { name: "invoice.overdue", description: "An invoice is past due" },
  ],
});
`;

/** Breaks https-only, header-values-secret, unique-endpoint-urls, retry-bounds and failure-notifications. */
const VIOLATING = `import * as pulumi from "@pulumi/pulumi";
import * as wacht from "pulumi-wacht";
const config = new pulumi.Config();
${CATALOG}
const app = new wacht.WebhookApp("billing", { name: "Billing", slug: "billing", eventCatalog: catalog });
new wacht.WebhookEndpoint("ledger", {
  app,
  url: "http://ledger.example.com/hook",
  events: ["invoice.paid"],
  headers: { "X-Token": "written-in-source", "X-Tenant": config.requireSecret("tenantToken") },
  maxRetries: 1,
});
new wacht.WebhookEndpoint("ledger-copy", { app, url: "http://ledger.example.com/hook", events: ["invoice.overdue"] });
`;

/** Complies with every rule; \`ledgerEvents\` lets a later preview subscribe ledger to the whole catalog. */
const compliant = (ledgerEvents: string[]) => `import * as pulumi from "@pulumi/pulumi";
import * as wacht from "pulumi-wacht";
const config = new pulumi.Config();
${CATALOG}
const app = new wacht.WebhookApp("billing", {
  name: "Billing",
  slug: "billing",
  eventCatalog: catalog,
  failureNotificationEmails: ["ops@example.com"],
});
new wacht.WebhookEndpoint("ledger", {
  app,
  url: "https://ledger.example.com/hook",
  events: ${JSON.stringify(ledgerEvents)},
  headers: { "X-Token": config.requireSecret("ledgerToken") },
  maxRetries: 5,
  timeoutSeconds: 10,
});
new wacht.WebhookEndpoint("audit", { app, url: "https://audit.example.com/hook", events: ["invoice.overdue"] });
`;

/** The violations a command printed under `Policies:`, as "level rule resource", sorted. */
function violations(stdout: string): string[] {
  return [
    ...stdout.matchAll(
      /^\s+- \[(mandatory|advisory)\]\s+(\S+)\s+\(pulumi-nodejs:dynamic\/wacht:\w+: (.+)\)$/gm,
    ),
  ]
    .map((m) => `${m[1]} ${m[2]} ${m[3]}`)
    .sort();
}

describe("the policy pack through the real CLI", () => {
  let emulator: RunningEmulator;
  let project: TempProject;

  const preview = async (config?: Record<string, unknown>) => {
    let command = PACK;
    if (config) {
      const file = path.join(project.dir, "policy-config.json");
      fs.writeFileSync(file, JSON.stringify(config));
      command += ` --policy-pack-config ${file}`;
    }
    await clearJournal(emulator.url);
    const result = await project.folder.run(command);
    return {
      code: result.code,
      violations: violations(result.stdout),
      calls: (await journal(emulator.url)).length,
      output: `${result.stdout}\n${result.stderr}`,
    };
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    project = tempProject("wacht-policy", pulumiBin(), VIOLATING);
    for (const command of [
      "pulumi stack init e2e",
      `pulumi config set wacht:apiUrl ${emulator.url}`,
      `pulumi config set --secret wacht:apiKey ${emulator.apiKey}`,
      "pulumi config set --secret tenantToken tenant-s3cret",
      "pulumi config set --secret ledgerToken ledger-s3cret",
    ]) {
      expect((await project.folder.run(command)).code).toBe(0);
    }
  });

  afterAll(async () => {
    project?.cleanup();
    await emulator?.close();
  });

  it("fails the preview on mandatory violations, naming rule and resource, with no API call; advisory ones warn", async () => {
    const result = await preview();
    expect({ code: result.code, calls: result.calls, violations: result.violations }).toStrictEqual({
      code: 1,
      calls: 0,
      violations: [
        "advisory failure-notifications billing",
        "advisory retry-bounds ledger",
        "mandatory header-values-secret ledger",
        "mandatory https-only ledger",
        "mandatory https-only ledger-copy",
        "mandatory unique-endpoint-urls ledger",
        "mandatory unique-endpoint-urls ledger-copy",
      ],
    });
    expect(result.output).toContain(
      "Header 'X-Token' has a value that no stack config key holds: a value written in the program's source " +
        "is a secret kept in plain text. Read it with config.requireSecret(...) from a key set with " +
        "`pulumi config set --secret`, or list the header in exemptHeaders when it comes from another " +
        "resource's secret output.",
    );
    expect(result.output).toContain(
      "Endpoints 'ledger', 'ledger-copy' of app 'billing' share the URL http://ledger.example.com/hook: Wacht " +
        "delivers every event to each of them. Keep one endpoint per URL (merge their subscriptions), or give " +
        "each its own path.",
    );
    expect(result.output).toContain("maxRetries 1 is outside the allowed 3–32.");
    expect(result.output).not.toContain("written-in-source");
  });

  it("lets a compliant program preview and deploy with no violation", async () => {
    project.program(compliant(["invoice.paid"]));
    const result = await preview();
    expect({ code: result.code, violations: result.violations }).toStrictEqual({ code: 0, violations: [] });
    const up = await project.folder.run("pulumi up --policy-pack node_modules/pulumi-wacht/policy");
    expect({
      code: up.code,
      resources: resourceSummary(up.stdout),
      violations: violations(up.stdout),
    }).toStrictEqual({
      code: 0,
      resources: ["+ 5 created"],
      violations: [],
    });
  });

  it("reports a secret older than maxAgeDays and a catch-all subscription: advisory by default, mandatory by config", async () => {
    project.program(compliant(["invoice.paid", "invoice.overdue"]));
    const advisory = await preview({ "rotation-age": { maxAgeDays: 0 } });
    expect({ code: advisory.code, calls: advisory.calls, violations: advisory.violations }).toStrictEqual({
      code: 0,
      calls: 0,
      violations: ["advisory explicit-events ledger", "advisory rotation-age billing"],
    });
    expect(advisory.output).toMatch(
      /The signing secret of app 'billing' is 0 days old \(created \d{4}-\d\d-\d\dT[\d:.]+Z?[^;]*; limit 0 days\)\. Rotate it in place by changing the app's rotationTrigger\./,
    );
    expect(advisory.output).toContain(
      "The endpoint subscribes to all 2 events of its app's catalog: name only the events its receiver " +
        "handles, so that events added to the catalog are not delivered to it unasked.",
    );

    const mandatory = await preview({
      "rotation-age": { enforcementLevel: "mandatory", maxAgeDays: 0 },
      "explicit-events": "mandatory",
    });
    expect({ code: mandatory.code, calls: mandatory.calls, violations: mandatory.violations }).toStrictEqual({
      code: 1,
      calls: 0,
      violations: ["mandatory explicit-events ledger", "mandatory rotation-age billing"],
    });
  });
});
