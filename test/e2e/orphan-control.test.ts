// Orphan control through the real CLI: WebhookAppEndpoints reports endpoints made outside the program as
// drift, `up` deletes them (or deactivates them), declared endpoints are never touched, and deleting the
// resource deletes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { clearJournal, journal, type StackResult, steps, testStack } from "../support/pulumi";

const APP = "orphans";

function spec(exclusive: { unmanaged?: "delete" | "deactivate" } | null = {}) {
  return {
    catalogs: [
      {
        name: "events",
        args: {
          slug: "orphan-events",
          name: "Orphan events",
          events: [{ name: "invoice.paid", description: "An invoice was paid" }],
        },
      },
    ],
    apps: [{ name: "billing", catalog: "events", args: { name: "Billing", slug: APP } }],
    endpoints: [
      {
        name: "ledger",
        app: "billing",
        args: { url: "https://ledger.example.com/hook", events: ["invoice.paid"] },
      },
      {
        name: "audit",
        app: "billing",
        args: { url: "https://audit.example.com/hook", events: ["invoice.paid"] },
      },
    ],
    ...(exclusive === null
      ? {}
      : {
          exclusive: [
            { name: "billing-endpoints", app: "billing", endpoints: ["ledger", "audit"], ...exclusive },
          ],
        }),
  };
}

/** Wacht ids are 64-bit integers as strings: shorter is smaller. */
const byId = (a: string, b: string) =>
  a.split(" ")[0]!.length - b.split(" ")[0]!.length || a.localeCompare(b);

/** Steps that change something, as `[name, op]`. */
const changes = (result: StackResult) => steps(result).filter(([, op]) => op !== "same" && op !== "refresh");

/** Updates planned, with the inputs that differ. */
const updates = (result: StackResult) =>
  result.events.filter((e) => e.phase === "pre" && e.op === "update").map((e) => [e.name, e.changedInputs]);

const warnings = (result: StackResult) =>
  result.events.filter((e) => e.phase === "diagnostic" && e.severity === "warning").map((e) => e.message);

describe("orphan control with WebhookAppEndpoints through the real CLI", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;
  let api: (method: string, path: string, body?: unknown) => Promise<unknown>;
  let ids: Record<string, string>;

  /** Writes the emulator received since the journal was last cleared: "METHOD path status". */
  const writes = async () =>
    (await journal(emulator.url))
      .filter((r) => r.method !== "GET")
      .map((r) => `${r.method} ${r.path} ${r.status}`);

  /** The app's endpoints as "id url active|inactive", by id. */
  const live = async () => {
    const page = (await api("GET", `/webhooks/apps/${APP}/endpoints?include_inactive=true&limit=100`)) as {
      data: Array<{ id: string; url: string; is_active: boolean }>;
    };
    return page.data.map((e) => `${e.id} ${e.url} ${e.is_active ? "active" : "inactive"}`).sort(byId);
  };

  /** An endpoint made in the dashboard, i.e. straight through the API. */
  const dashboardEndpoint = async (url: string) =>
    String(
      (
        (await api("POST", `/webhooks/apps/${APP}/endpoints`, {
          app_slug: APP,
          url,
          subscriptions: [{ event_name: "invoice.paid" }],
        })) as { id: string }
      ).id,
    );

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:", allowPrivateUrls: true, timeScale: 0.001 });
    api = async (method, path, body) => {
      const response = await fetch(`${emulator.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response.json();
    };
    stack = testStack({
      program: ".build/test/e2e/programs/webhooks.js",
      stack: "orphans",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    await stack.destroy({ "e2e:spec": spec() });
    stack.cleanup();
    await emulator.close();
  });

  it("previews the resource with endpoint ids not known yet, creates it after its endpoints, and is clean", async () => {
    const preview = await stack.preview({ "e2e:spec": spec() });
    expect(preview.error).toBeUndefined();
    // The endpoints are created in parallel; the resource that declares them waits for both.
    const planned = changes(preview).map(([name, op]) => `${op} ${name}`);
    expect([...planned].sort()).toStrictEqual([
      "create audit",
      "create billing",
      "create billing-endpoints",
      "create events",
      "create ledger",
    ]);
    expect(planned.at(-1)).toBe("create billing-endpoints");

    const up = await stack.up({ "e2e:spec": spec() });
    expect(up.error).toBeUndefined();
    expect(up.summary).toStrictEqual({ create: 6 });
    ids = up.outputs.endpointIds as Record<string, string>;
    expect(up.outputs.unmanagedEndpoints).toStrictEqual({ "billing-endpoints": [] });

    const clean = await stack.preview({ "e2e:spec": spec() }, ["--refresh", "--expect-no-changes"]);
    expect(clean.error).toBeUndefined();
  });

  it("previews an endpoint updated in place as that update alone: the declared set stays known", async () => {
    const edited = spec();
    edited.endpoints[0]!.args = { ...edited.endpoints[0]!.args, description: "Ledger" } as never;
    const preview = await stack.preview({ "e2e:spec": edited });
    expect(preview.error).toBeUndefined();
    expect(changes(preview)).toStrictEqual([["ledger", "update"]]);
  });

  it("fails at preview naming every bad property, with no API call", async () => {
    const bad = spec();
    bad.exclusive = [
      {
        name: "billing-endpoints",
        app: "--",
        endpoints: ["ledger", "abc", "ledger"],
        unmanaged: "remove",
      } as never,
    ];
    await clearJournal(emulator.url);
    const preview = await stack.preview({ "e2e:spec": bad });
    expect(preview.ok).toBe(false);
    const prefix = "pulumi-nodejs:dynamic/wacht:WebhookAppEndpoints resource 'billing-endpoints': property";
    expect(preview.events.filter((e) => e.severity === "error").map((e) => e.message)).toStrictEqual([
      `${prefix} app value {--} has a problem: app_slug must contain at least one alphanumeric character (got "--")`,
      `${prefix} endpoints[1] value {<nil>} has a problem: endpoints[1] must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got "abc")`,
      `${prefix} endpoints[2] value {<nil>} has a problem: duplicate endpoint id "${ids.ledger}" (first at endpoints[0])`,
      `${prefix} unmanaged value {remove} has a problem: unmanaged must be "delete" or "deactivate" (got "remove")`,
    ]);
    expect(await journal(emulator.url)).toStrictEqual([]);
  });

  it("shows an endpoint made in the dashboard as drift, deletes it on up --refresh, and is clean again", async () => {
    const dashboard = await dashboardEndpoint("https://dashboard.example.com/hook");

    const drift = await stack.preview({ "e2e:spec": spec() }, ["--refresh", "--expect-no-changes"]);
    expect(drift.ok).toBe(false);
    expect(drift.exitCode).toBe(7);
    expect(updates(drift)).toStrictEqual([["billing-endpoints", ["endpoints"]]]);

    await clearJournal(emulator.url);
    const repair = await stack.up({ "e2e:spec": spec() }, ["--refresh"]);
    expect(repair.error).toBeUndefined();
    expect(changes(repair)).toStrictEqual([["billing-endpoints", "update"]]);
    expect(await writes()).toStrictEqual([`DELETE /webhooks/apps/${APP}/endpoints/${dashboard} 200`]);
    expect(warnings(repair)).toStrictEqual([
      `WebhookAppEndpoints "billing-endpoints": deleted 1 endpoint of app '${APP}' that the program does not ` +
        `declare: ${dashboard} (https://dashboard.example.com/hook)`,
    ]);
    expect(repair.outputs.unmanagedEndpoints).toStrictEqual({ "billing-endpoints": [] });
    expect(await live()).toStrictEqual(
      [
        `${ids.ledger} https://ledger.example.com/hook active`,
        `${ids.audit} https://audit.example.com/hook active`,
      ].sort(byId),
    );

    const clean = await stack.preview({ "e2e:spec": spec() }, ["--refresh", "--expect-no-changes"]);
    expect(clean.error).toBeUndefined();
  });

  it("in deactivate mode, sets a dashboard endpoint inactive after a refresh and a plain up, then shows no drift", async () => {
    const mode = await stack.up({ "e2e:spec": spec({ unmanaged: "deactivate" }) });
    expect(mode.error).toBeUndefined();
    expect(changes(mode)).toStrictEqual([["billing-endpoints", "update"]]);

    const dashboard = await dashboardEndpoint("https://dashboard.example.com/second");
    const refresh = await stack.refresh({ "e2e:spec": spec({ unmanaged: "deactivate" }) });
    expect(refresh.error).toBeUndefined();
    const drift = await stack.preview({ "e2e:spec": spec({ unmanaged: "deactivate" }) }, [
      "--expect-no-changes",
    ]);
    expect(drift.exitCode).toBe(7);
    expect(updates(drift)).toStrictEqual([["billing-endpoints", ["endpoints"]]]);

    await clearJournal(emulator.url);
    const up = await stack.up({ "e2e:spec": spec({ unmanaged: "deactivate" }) });
    expect(up.error).toBeUndefined();
    expect(changes(up)).toStrictEqual([["billing-endpoints", "update"]]);
    expect(await writes()).toStrictEqual([`PATCH /webhooks/apps/${APP}/endpoints/${dashboard} 200`]);
    expect(up.outputs.unmanagedEndpoints).toStrictEqual({
      "billing-endpoints": [{ id: dashboard, url: "https://dashboard.example.com/second", isActive: false }],
    });
    expect(await live()).toStrictEqual(
      [
        `${ids.ledger} https://ledger.example.com/hook active`,
        `${ids.audit} https://audit.example.com/hook active`,
        `${dashboard} https://dashboard.example.com/second inactive`,
      ].sort(byId),
    );

    const clean = await stack.preview({ "e2e:spec": spec({ unmanaged: "deactivate" }) }, [
      "--refresh",
      "--expect-no-changes",
    ]);
    expect(clean.error).toBeUndefined();
  });

  it("lets a declared endpoint be replaced create-before-delete in the same up: the engine deletes the old copy once", async () => {
    const urn = "urn:pulumi:orphans::wacht-e2e::pulumi-nodejs:dynamic/wacht:WebhookEndpoint::ledger";
    await clearJournal(emulator.url);
    const up = await stack.up({ "e2e:spec": spec({ unmanaged: "deactivate" }) }, ["--replace", urn]);
    expect(up.error).toBeUndefined();
    expect(changes(up)).toStrictEqual([
      ["ledger", "create-replacement"],
      ["ledger", "replace"],
      ["billing-endpoints", "update"],
      ["ledger", "delete-replaced"],
    ]);
    const ledger = (up.outputs.endpointIds as Record<string, string>).ledger;
    expect(await writes()).toStrictEqual([
      `POST /webhooks/apps/${APP}/endpoints 200`,
      `DELETE /webhooks/apps/${APP}/endpoints/${ids.ledger} 200`,
    ]);
    ids = { ...ids, ledger: ledger! };

    const clean = await stack.preview({ "e2e:spec": spec({ unmanaged: "deactivate" }) }, [
      "--refresh",
      "--expect-no-changes",
    ]);
    expect(clean.error).toBeUndefined();
  });

  it("deletes no endpoint when the WebhookAppEndpoints resource is deleted, and calls nothing", async () => {
    const before = await live();
    await clearJournal(emulator.url);
    const up = await stack.up({ "e2e:spec": spec(null) });
    expect(up.error).toBeUndefined();
    expect(changes(up)).toStrictEqual([["billing-endpoints", "delete"]]);
    expect(await journal(emulator.url)).toStrictEqual([]);
    expect(await live()).toStrictEqual(before);
    expect(before).toHaveLength(3);
  });
});
