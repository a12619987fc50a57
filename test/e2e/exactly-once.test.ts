// Exactly once through the real CLI: every scenario of issue 8's "Why" that lost or duplicated objects
// before, against the emulator's faults, with the counts read from the emulator itself.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { clearJournal, journal, testStack } from "../support/pulumi";

const catalog = {
  name: "events",
  args: {
    slug: "once-events",
    name: "Events",
    events: [
      { name: "invoice.paid", description: "An invoice was paid" },
      { name: "user.created", description: "A user signed up" },
    ],
  },
};

interface Listed {
  id: string;
  url: string;
  subscriptions: Array<{ event_name: string }>;
}

describe("exactly-once creates through pulumi up", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;
  const get = async <T>(path: string): Promise<T> =>
    (await (
      await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${emulator.apiKey}` } })
    ).json()) as T;
  const fault = async (body: Record<string, unknown>) => {
    const response = await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  };
  const endpointsOf = async (slug: string) =>
    (await get<{ data: Listed[] }>(`/webhooks/apps/${slug}/endpoints?include_inactive=true&limit=100`)).data;
  const apps = async () =>
    (
      await get<{ data: Array<{ app_slug: string; name: string }> }>(
        "/webhooks/apps?limit=100&include_inactive=true",
      )
    ).data;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
  });

  beforeEach(async () => {
    stack?.cleanup();
    await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
    stack = testStack({
      program: ".build/test/e2e/programs/webhooks.js",
      stack: "once",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    stack?.cleanup();
    await emulator.close();
  });

  it("recovers an auto-named app whose create answer was lost: one app, and a clean preview", async () => {
    await fault({ method: "POST", path: "/webhooks/apps", lostResponse: true, times: 1 });
    const spec = {
      catalogs: [catalog],
      apps: [{ name: "users", catalog: "events", args: { name: "Users" } }],
    };
    const up = await stack.up({ "e2e:spec": spec });
    expect(up.error, up.stdout).toBeUndefined();
    expect(up.summary).toStrictEqual({ create: 3 });
    const slug = (up.outputs.appSlugs as Record<string, string>).users ?? "";
    expect(slug).toMatch(/^users_[a-z0-9]{7}$/);
    expect((await apps()).map((a) => a.app_slug)).toStrictEqual([slug]);
    const again = await stack.up({ "e2e:spec": spec });
    expect(again.summary).toStrictEqual({ same: 3 });
    expect((await apps()).length).toBe(1);
  });

  it("makes the two declared endpoints when both answers are lost and one is slow, at one URL", async () => {
    const url = "https://hooks.example.com/shared";
    await fault({
      method: "POST",
      path: "/webhooks/apps/*/endpoints",
      lostResponse: true,
      latencyMs: 2_000,
      times: 1,
    });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", lostResponse: true, times: 1 });
    const spec = {
      catalogs: [catalog],
      apps: [{ name: "app", catalog: "events", args: { name: "App", slug: "once_app" } }],
      endpoints: [
        { name: "paid", app: "app", args: { url, events: ["invoice.paid"] } },
        { name: "users", app: "app", args: { url, events: ["user.created"] } },
      ],
    };
    const up = await stack.up({ "e2e:spec": spec });
    expect(up.error, up.stdout).toBeUndefined();
    const ids = up.outputs.endpointIds as Record<string, string>;
    const live = await endpointsOf("once_app");
    expect(live.length).toBe(2);
    const events = new Map(live.map((e) => [String(e.id), e.subscriptions.map((s) => s.event_name)]));
    expect(events.get(ids.paid ?? "")).toStrictEqual(["invoice.paid"]);
    expect(events.get(ids.users ?? "")).toStrictEqual(["user.created"]);
    const clean = await stack.preview({ "e2e:spec": spec }, ["--refresh", "--expect-no-changes"]);
    expect(clean.error).toBeUndefined();
  });

  it("gives an endpoint whose create got a 500 its own object, not the one another endpoint at its URL holds", async () => {
    const url = "https://hooks.example.com/same";
    const first = {
      catalogs: [catalog],
      apps: [{ name: "app", catalog: "events", args: { name: "App", slug: "once_app" } }],
      endpoints: [{ name: "a", app: "app", args: { url, events: ["invoice.paid"] } }],
    };
    expect((await stack.up({ "e2e:spec": first })).error).toBeUndefined();
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", status: 500, times: 1 });
    const second = {
      ...first,
      endpoints: [...first.endpoints, { name: "b", app: "app", args: { url, events: ["invoice.paid"] } }],
    };
    const up = await stack.up({ "e2e:spec": second });
    expect(up.error, up.stdout).toBeUndefined();
    const ids = up.outputs.endpointIds as Record<string, string>;
    expect(ids.a).not.toBe(ids.b);
    expect((await endpointsOf("once_app")).map((e) => String(e.id)).sort()).toStrictEqual(
      [ids.a, ids.b].sort(),
    );
  });

  it("keeps an app whose follow-up PATCH failed in state, and finishes it with an update, not a second app", async () => {
    const spec = { apps: [{ name: "paused", args: { name: "Paused", slug: "once_paused", active: false } }] };
    await fault({ method: "PATCH", path: "/webhooks/apps/once_paused", status: 503, times: 6 });
    const first = await stack.up({ "e2e:spec": spec });
    expect(first.ok).toBe(false);
    const second = await stack.up({ "e2e:spec": spec });
    expect(second.error, second.stdout).toBeUndefined();
    expect(second.summary).toStrictEqual({ same: 1, update: 1 });
    const live = await get<{ app_slug: string; is_active: boolean }>("/webhooks/apps/once_paused");
    expect(live.is_active).toBe(false);
    expect((await apps()).length).toBe(1);
  });

  it("completes a first up through every fault kind, creating each object once", async () => {
    const endpoints = Array.from({ length: 8 }, (_, i) => ({
      name: `ep-${i}`,
      app: i % 2 === 0 ? "billing" : "users",
      args: { url: `https://hooks.example.com/e${i}`, events: ["invoice.paid"] },
    }));
    const spec = {
      catalogs: [catalog],
      apps: [
        { name: "billing", catalog: "events", args: { name: "Billing", slug: "once_billing" } },
        { name: "users", catalog: "events", args: { name: "Users" } },
      ],
      endpoints,
    };
    await fault({ method: "POST", path: "/webhooks/event-catalogs", status: 502, times: 1 });
    await fault({ method: "POST", path: "/webhooks/apps", lostResponse: true, times: 1 });
    await fault({ method: "POST", path: "/webhooks/apps", reset: true, times: 1 });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", status: 500, times: 2 });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", status: 429, retryAfter: 1, times: 1 });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", status: 503, times: 1 });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", lostResponse: true, times: 2 });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", reset: true, times: 1 });
    await fault({ method: "GET", path: "/webhooks/apps/*/endpoints", status: 502, times: 2 });
    const up = await stack.up({ "e2e:spec": spec });
    expect(up.error, up.stdout).toBeUndefined();
    expect(up.summary).toStrictEqual({ create: 12 });
    const slugs = up.outputs.appSlugs as Record<string, string>;
    expect((await apps()).map((a) => a.app_slug).sort()).toStrictEqual([slugs.billing, slugs.users].sort());
    const live = [...(await endpointsOf(slugs.billing ?? "")), ...(await endpointsOf(slugs.users ?? ""))];
    expect(live.map((e) => e.url).sort()).toStrictEqual(endpoints.map((e) => e.args.url).sort());
    const clean = await stack.preview({ "e2e:spec": spec }, ["--refresh", "--expect-no-changes"]);
    expect(clean.error).toBeUndefined();
  });
});

describe("bad input fails preview by name, with no API call", () => {
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

  const errorsOf = async (spec: Record<string, unknown>) => {
    await clearJournal(emulator.url);
    const preview = await stack.preview({ "e2e:spec": spec });
    expect(preview.ok).toBe(false);
    expect(await journal(emulator.url)).toStrictEqual([]);
    return preview.events
      .filter((e) => e.phase === "diagnostic" && e.severity === "error")
      .map((e) => e.message ?? "");
  };

  it("names a catalog's missing name and an event's missing description", async () => {
    const spec = { catalogs: [{ name: "events", args: { slug: "bad-events", events: [{ name: "a.b" }] } }] };
    expect(await errorsOf(spec)).toStrictEqual([
      "pulumi-nodejs:dynamic/wacht:WebhookEventCatalog resource 'events': property name value {<nil>} has a problem: " +
        "name is required and must be a non-empty string",
      "pulumi-nodejs:dynamic/wacht:WebhookEventCatalog resource 'events': property events[0].description value {<nil>} " +
        "has a problem: events[0].description is required and must be a non-empty string",
    ]);
  });

  it("names an app's missing name", async () => {
    expect(await errorsOf({ apps: [{ name: "app", args: { slug: "bad_app" } }] })).toStrictEqual([
      "pulumi-nodejs:dynamic/wacht:WebhookApp resource 'app': property name value {<nil>} has a problem: " +
        "name is required and must be a string (got undefined)",
    ]);
  });

  it("names an endpoint's missing url", async () => {
    expect(
      await errorsOf({ endpoints: [{ name: "hook", app: "some_app", args: { events: ["a.b"] } }] }),
    ).toStrictEqual([
      "pulumi-nodejs:dynamic/wacht:WebhookEndpoint resource 'hook': property url value {<nil>} has a problem: " +
        "url is required: the receiver's http or https URL",
    ]);
  });
});
