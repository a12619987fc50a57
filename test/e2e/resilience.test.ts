import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { journal, testStack } from "../support/pulumi";

describe("an up through rate limits, outages and lost answers", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;
  const fault = (body: Record<string, unknown>) =>
    fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    stack = testStack({
      program: ".build/test/e2e/programs/webhooks.js",
      stack: "faults",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    stack.cleanup();
    await emulator.close();
  });

  it("completes, creating each object exactly once", async () => {
    await fault({ method: "POST", path: "/webhooks/event-catalogs", status: 429, retryAfter: 1, times: 1 });
    await fault({ method: "POST", path: "/webhooks/apps", status: 503, times: 2 });
    await fault({ method: "POST", path: "/webhooks/apps/*/endpoints", lostResponse: true, times: 1 });
    const spec = {
      catalogs: [
        {
          name: "events",
          args: { slug: "fault-events", name: "F", events: [{ name: "a.b", description: "AB" }] },
        },
      ],
      apps: [{ name: "app", catalog: "events", args: { name: "App", slug: "fault-app" } }],
      endpoints: [
        { name: "hook", app: "app", args: { url: "https://hooks.example.com/f", events: ["a.b"] } },
      ],
    };
    const up = await stack.up({ "e2e:spec": spec });
    expect(up.error).toBeUndefined();
    expect(up.summary).toStrictEqual({ create: 4 });

    const requests = (await journal(emulator.url)).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(requests.filter((r) => r.startsWith("POST"))).toStrictEqual([
      "POST /webhooks/event-catalogs 429",
      "POST /webhooks/event-catalogs 200",
      "POST /webhooks/apps 503",
      "POST /webhooks/apps 503",
      "POST /webhooks/apps 200",
      "POST /webhooks/apps/fault_app/endpoints 0",
    ]);
    const endpoints = (await (
      await fetch(`${emulator.url}/webhooks/apps/fault_app/endpoints`, {
        headers: { authorization: `Bearer ${emulator.apiKey}` },
      })
    ).json()) as { data: Array<{ id: string }> };
    expect(endpoints.data.map((e) => e.id)).toStrictEqual([
      (up.outputs.endpointIds as Record<string, string>).hook,
    ]);

    const clean = await stack.preview({ "e2e:spec": spec }, ["--refresh", "--expect-no-changes"]);
    expect(clean.error).toBeUndefined();
  });
});
