// The lookups (getWebhookApp, getWebhookEventCatalog, getWebhookEndpoints, getWebhookAppStats and their
// Output forms) in a project folder run with the plain CLI: a preview before the app exists fails with a
// clear error, then an up reads everything with GET calls only, the signing secret stays a secret and the
// API key never reaches state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { clearJournal, journal, pulumiBin, resourceSummary } from "../support/pulumi";
import { apiCaller, type TempProject, tempProject } from "../support/temp-project";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as wacht from "pulumi-wacht";

const config = new pulumi.Config();
const slug = config.require("app");

const app = wacht.getWebhookAppOutput({ slug });
const catalog = wacht.getWebhookEventCatalogOutput({ slug: config.require("catalog") });
const endpoints = wacht.getWebhookEndpointsOutput({ app: slug });
const stats = wacht.getWebhookAppStatsOutput({ app: slug });

export const appName = wacht.getWebhookApp({ slug }).then((a) => a.name);
export const signingSecret = app.signingSecret;
export const appInfo = pulumi.unsecret(app).apply((a) => ({
  slug: a.slug,
  eventCatalog: a.eventCatalog,
  failureNotificationEmails: a.failureNotificationEmails,
  active: a.active,
}));
export const catalogEvents = catalog.events.apply((events) => events.map((e) => e.name));
export const archivedEvents = catalog.archivedEvents;
export const endpointList = endpoints.endpoints.apply((list) =>
  list.map((e) => ({ url: e.url, events: e.events, headerNames: e.headerNames, isActive: e.isActive })),
);
export const activeOnly = wacht
  .getWebhookEndpointsOutput({ app: slug, activeOnly: true })
  .endpoints.apply((list) => list.map((e) => e.url));
export const activeEndpoints = stats.activeEndpoints;
export const totalDeliveries = stats.analytics.totalDeliveries;
`;

describe("lookups through the real CLI", () => {
  let emulator: RunningEmulator;
  let project: TempProject;
  let api: ReturnType<typeof apiCaller>;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    api = apiCaller(emulator.url, emulator.apiKey);
    project = tempProject("wacht-lookups", pulumiBin(), PROGRAM);
    for (const command of [
      "pulumi stack init e2e",
      `pulumi config set wacht:apiUrl ${emulator.url}`,
      `pulumi config set --secret wacht:apiKey ${emulator.apiKey}`,
      "pulumi config set app billing",
      "pulumi config set catalog billing-events",
    ]) {
      expect((await project.folder.run(command)).code).toBe(0);
    }
  });

  afterAll(async () => {
    project?.cleanup();
    await emulator?.close();
  });

  it("fails a preview before the app exists, naming the lookup, the app and what to do", async () => {
    const result = await project.folder.run("pulumi preview");
    expect(result.code).not.toBe(0);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).toContain(
      `getWebhookApp "billing" read failed: 404 Webhook app not found (GET /webhooks/apps/billing)`,
    );
    expect(output).toContain(
      "Wacht has no app 'billing'. A lookup reads what exists when the program runs (also at preview): " +
        "create it first, or use the outputs of the resource that creates it in this program.",
    );
  });

  it("reads the app, its catalog, endpoints and stats with GET calls only; the secret stays secret", async () => {
    await api("POST", "/webhooks/event-catalogs", {
      slug: "billing-events",
      name: "Billing events",
      events: [
        { name: "invoice.paid", description: "An invoice was paid" },
        { name: "invoice.voided", description: "An invoice was voided" },
      ],
    });
    await api("POST", "/webhooks/event-catalogs/billing-events/archive-event", {
      event_name: "invoice.voided",
      is_archived: true,
    });
    const app = (await api("POST", "/webhooks/apps", {
      app_slug: "billing",
      name: "Billing",
      event_catalog_slug: "billing-events",
      failure_notification_emails: ["ops@example.com"],
    })) as { signing_secret: string };
    const endpoint = (url: string, headers: Record<string, string> = {}) =>
      api("POST", "/webhooks/apps/billing/endpoints", {
        app_slug: "billing",
        url,
        headers,
        subscriptions: [{ event_name: "invoice.paid" }],
      }) as Promise<{ id: string }>;
    await endpoint("https://ledger.example.com/hook", { "X-Token": "t0ps3cret" });
    const old = await endpoint("https://old.example.com/hook");
    await api("PATCH", `/webhooks/apps/billing/endpoints/${old.id}`, { is_active: false });
    await clearJournal(emulator.url);

    const up = await project.folder.run("pulumi up");
    expect({ code: up.code, resources: resourceSummary(up.stdout) }).toStrictEqual({
      code: 0,
      resources: ["+ 1 created"],
    });
    expect(await project.folder.outputs()).toStrictEqual({
      activeEndpoints: 1,
      activeOnly: ["https://ledger.example.com/hook"],
      appInfo: {
        active: true,
        eventCatalog: "billing-events",
        failureNotificationEmails: ["ops@example.com"],
        slug: "billing",
      },
      appName: "Billing",
      archivedEvents: ["invoice.voided"],
      catalogEvents: ["invoice.paid"],
      endpointList: [
        {
          events: ["invoice.paid"],
          headerNames: ["X-Token"],
          isActive: true,
          url: "https://ledger.example.com/hook",
        },
        { events: ["invoice.paid"], headerNames: [], isActive: false, url: "https://old.example.com/hook" },
      ],
      signingSecret: "[secret]",
      totalDeliveries: 0,
    });
    const shown = await project.folder.run("pulumi stack output --show-secrets signingSecret");
    expect(shown.stdout.trim()).toBe(app.signing_secret);

    const calls = (await journal(emulator.url)).map((r) => r.method);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((m) => m !== "GET")).toStrictEqual([]);

    const state = await project.folder.run("pulumi stack export --show-secrets");
    expect(state.code).toBe(0);
    expect(state.stdout).not.toContain(emulator.apiKey);
    expect(state.stdout).not.toContain("t0ps3cret");
  });
});
