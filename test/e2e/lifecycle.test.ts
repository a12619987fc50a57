import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { clearJournal, journal, steps, testStack } from "../support/pulumi";

const catalog = {
  name: "events",
  args: {
    slug: "e2e-events",
    name: "E2E events",
    events: [
      {
        name: "invoice.paid",
        description: "An invoice was paid",
        schema: { type: "object", properties: { amount: { type: "number" }, currency: { type: "string" } } },
      },
      { name: "invoice.overdue", description: "An invoice is overdue" },
    ],
  },
};

function spec(
  changes: { appName?: string; slug?: string; description?: string; headers?: Record<string, string> } = {},
) {
  return {
    catalogs: [catalog],
    apps: [
      {
        name: "billing",
        catalog: "events",
        args: {
          name: changes.appName ?? "Billing",
          slug: changes.slug ?? "Billing-E2E",
          failureNotificationEmails: ["ops@example.com"],
        },
      },
    ],
    endpoints: [
      {
        name: "primary",
        app: "billing",
        args: {
          url: "https://hooks.example.com/primary",
          description: changes.description ?? "Primary receiver",
          subscriptions: [{ event: "invoice.paid", filter: { amount: { $gte: 100 }, currency: "EUR" } }],
          headers: changes.headers ?? { "X-Token": "first-token" },
        },
      },
      {
        name: "secondary",
        app: "billing",
        args: { url: "https://hooks.example.com/secondary", events: ["invoice.overdue", "invoice.paid"] },
      },
    ],
  };
}

interface ApiApp {
  app_slug: string;
  name: string;
}
interface ApiEndpoint {
  id: string;
  url: string;
  description: string | null;
  headers: Record<string, string>;
}

describe("a webhook program through pulumi up, preview and destroy", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${emulator.url}${path}`, {
      headers: { authorization: `Bearer ${emulator.apiKey}` },
    });
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    stack = testStack({
      program: ".build/test/e2e/programs/webhooks.js",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    stack.cleanup();
    await emulator.close();
  });

  let firstEndpointIds: Record<string, string>;

  it("creates the catalog, the app with its normalised slug, and both endpoints", async () => {
    const up = await stack.up({ "e2e:spec": spec() });
    expect(up.error).toBeUndefined();
    expect(up.summary).toStrictEqual({ create: 5 });
    expect(up.outputs.appSlugs).toStrictEqual({ billing: "billing_e2e" });
    expect(up.outputs.secrets).toBe("[secret]");
    firstEndpointIds = up.outputs.endpointIds as Record<string, string>;
    const listed = await api<{ data: ApiEndpoint[] }>("/webhooks/apps/billing_e2e/endpoints");
    expect(listed.data.map((e) => e.url).sort()).toStrictEqual([
      "https://hooks.example.com/primary",
      "https://hooks.example.com/secondary",
    ]);
  });

  it("previews the same program with no changes and no API call", async () => {
    await clearJournal(emulator.url);
    const preview = await stack.preview({ "e2e:spec": spec() }, ["--expect-no-changes"]);
    expect(preview.error).toBeUndefined();
    expect(preview.summary).toStrictEqual({ same: 5 });
    expect(await journal(emulator.url)).toStrictEqual([]);
  });

  it("updates the app name, an endpoint description and its headers in place without replacing anything", async () => {
    const changed = spec({
      appName: "Billing (renamed)",
      description: "Primary, renamed",
      headers: { "X-Token": "second-token" },
    });
    const up = await stack.up({ "e2e:spec": changed });
    expect(up.error).toBeUndefined();
    expect(up.summary).toStrictEqual({ same: 3, update: 2 });
    expect(steps(up).filter(([, op]) => op !== "same")).toStrictEqual([
      ["billing", "update"],
      ["primary", "update"],
    ]);
    expect(up.outputs.endpointIds).toStrictEqual(firstEndpointIds);
    expect((await api<ApiApp>("/webhooks/apps/billing_e2e")).name).toBe("Billing (renamed)");
    const primary = (await api<{ data: ApiEndpoint[] }>("/webhooks/apps/billing_e2e/endpoints")).data.find(
      (e) => e.id === firstEndpointIds.primary,
    );
    expect(primary?.description).toBe("Primary, renamed");
    expect(primary?.headers).toStrictEqual({ "X-Token": "second-token" });
  });

  it("sees no change in reordered events or a header name in another case", async () => {
    const reordered = spec({
      appName: "Billing (renamed)",
      description: "Primary, renamed",
      headers: { "x-token": "second-token" },
    });
    reordered.catalogs[0] = {
      ...catalog,
      args: { ...catalog.args, events: [...catalog.args.events].reverse() },
    };
    reordered.endpoints[1]!.args.events = ["invoice.paid", "invoice.overdue"];
    const preview = await stack.preview({ "e2e:spec": reordered }, ["--expect-no-changes"]);
    expect(preview.error).toBeUndefined();
    expect(preview.summary).toStrictEqual({ same: 5 });
  });

  it("replaces the app and its endpoints when the slug changes", async () => {
    const up = await stack.up({
      "e2e:spec": spec({
        appName: "Billing (renamed)",
        description: "Primary, renamed",
        slug: "billing-e2e-v2",
        headers: { "X-Token": "second-token" },
      }),
    });
    expect(up.error).toBeUndefined();
    expect(up.summary).toStrictEqual({ replace: 3, same: 2 });
    expect(up.outputs.appSlugs).toStrictEqual({ billing: "billing_e2e_v2" });
    const apps = await api<{ data: ApiApp[] }>("/webhooks/apps");
    expect(apps.data.map((a) => a.app_slug)).toStrictEqual(["billing_e2e_v2"]);
    const ids = up.outputs.endpointIds as Record<string, string>;
    expect(ids.primary).not.toBe(firstEndpointIds.primary);
  });

  it("replaces the app on up --replace by deleting it first, so its kept slug does not collide", async () => {
    const before = (await api<{ data: ApiEndpoint[] }>("/webhooks/apps/billing_e2e_v2/endpoints")).data.map(
      (e) => e.id,
    );
    const up = await stack.up(
      {
        "e2e:spec": spec({
          appName: "Billing (renamed)",
          description: "Primary, renamed",
          slug: "billing-e2e-v2",
          headers: { "X-Token": "second-token" },
        }),
      },
      ["--replace", "urn:pulumi:e2e::wacht-e2e::pulumi-nodejs:dynamic/wacht:WebhookApp::billing"],
    );
    expect(up.error).toBeUndefined();
    // Endpoints are deleted and recreated in parallel: compare the steps as a sorted list.
    expect(
      steps(up)
        .filter(([, op]) => op !== "same")
        .map((step) => step.join(" "))
        .sort(),
    ).toStrictEqual([
      "billing create-replacement",
      "billing delete-replaced",
      "billing replace",
      "primary create-replacement",
      "primary delete-replaced",
      "primary replace",
      "secondary create-replacement",
      "secondary delete-replaced",
      "secondary replace",
    ]);
    // The app went first (delete-before-replace), so no 409 was possible.
    const order = steps(up).map((step) => step.join(" "));
    expect(order.indexOf("billing delete-replaced")).toBeLessThan(
      order.indexOf("billing create-replacement"),
    );
    const after = (await api<{ data: ApiEndpoint[] }>("/webhooks/apps/billing_e2e_v2/endpoints")).data.map(
      (e) => e.id,
    );
    expect(after).toHaveLength(2);
    expect(after.filter((id) => before.includes(id))).toStrictEqual([]);
    const clean = await stack.preview(
      {
        "e2e:spec": spec({
          appName: "Billing (renamed)",
          description: "Primary, renamed",
          slug: "billing-e2e-v2",
          headers: { "X-Token": "second-token" },
        }),
      },
      ["--refresh", "--expect-no-changes"],
    );
    expect(clean.error).toBeUndefined();
  });

  it("destroys everything: no app or endpoint is left, and the catalog's events are archived", async () => {
    const destroy = await stack.destroy({ "e2e:spec": spec() });
    expect(destroy.error).toBeUndefined();
    expect(destroy.summary).toStrictEqual({ delete: 5 });
    expect((await api<{ data: ApiApp[] }>("/webhooks/apps?include_inactive=true")).data).toStrictEqual([]);
    expect(
      (await api<{ data: ApiEndpoint[] }>("/webhooks/apps/billing_e2e_v2/endpoints?include_inactive=true"))
        .data,
    ).toStrictEqual([]);
    const kept = await api<{ events: Array<{ name: string; is_archived: boolean }> }>(
      "/webhooks/event-catalogs/e2e-events",
    );
    expect(kept.events.map((e) => [e.name, e.is_archived])).toStrictEqual([
      ["invoice.paid", true],
      ["invoice.overdue", true],
    ]);
    expect(destroy.stdout).toContain(
      "Wacht cannot delete event catalogs, so catalog 'e2e-events' was kept with all its events archived.",
    );
  });
});

describe("a program with bad properties", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    stack = testStack({
      program: ".build/test/e2e/programs/webhooks.js",
      stack: "bad",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    stack.cleanup();
    await emulator.close();
  });

  it.each([
    {
      resource: "an app",
      app: { slug: "--", failureNotificationEmails: ["not-an-email"] },
      endpoint: { url: "https://hooks.example.com/ok", events: ["invoice.paid"] },
      expected: [
        "pulumi-nodejs:dynamic/wacht:WebhookApp resource 'billing': property slug value {--} has a problem: app_slug must contain at least one alphanumeric character (got \"--\")",
        "pulumi-nodejs:dynamic/wacht:WebhookApp resource 'billing': property failureNotificationEmails[0] value {<nil>} has a problem: invalid e-mail address \"not-an-email\": it must contain exactly one @",
      ],
    },
    {
      resource: "an endpoint",
      app: { slug: "billing" },
      endpoint: {
        url: "http://localhost:8080/hook",
        events: ["invoice.paid", "invoice.refunded"],
        headers: { "webhook-signature": "forged" },
        maxRetries: 99,
      },
      expected: [
        "pulumi-nodejs:dynamic/wacht:WebhookEndpoint resource 'primary': property url value {http://localhost:8080/hook} has a problem: Invalid webhook URL: Localhost URLs are not allowed: localhost",
        "pulumi-nodejs:dynamic/wacht:WebhookEndpoint resource 'primary': property events[1] value {<nil>} has a problem: Unknown event 'invoice.refunded' for app 'billing': it is not an active event of the app's catalog (known: invoice.overdue, invoice.paid)",
        "pulumi-nodejs:dynamic/wacht:WebhookEndpoint resource 'primary': property headers.webhook-signature value {<nil>} has a problem: header \"webhook-signature\" is reserved: it would override Wacht's signature and break verification",
        "pulumi-nodejs:dynamic/wacht:WebhookEndpoint resource 'primary': property maxRetries value {99} has a problem: max_retries cannot exceed 32 (7-day retry window limit) (got 99)",
      ],
    },
  ])(
    "fails at preview naming every bad property of $resource, with no API call",
    async ({ app, endpoint, expected }) => {
      const bad = {
        catalogs: [catalog],
        apps: [{ name: "billing", catalog: "events", args: { name: "Billing", ...app } }],
        endpoints: [{ name: "primary", app: "billing", args: endpoint }],
      };
      const preview = await stack.preview({ "e2e:spec": bad });
      expect(preview.ok).toBe(false);
      const diagnostics = preview.events.filter((e) => e.phase === "diagnostic").map((e) => e.message);
      expect(diagnostics).toStrictEqual(expected);
      expect(await journal(emulator.url)).toStrictEqual([]);
    },
  );
});
