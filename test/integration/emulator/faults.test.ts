// The emulator-only routes: health, the request journal and fault injection (task "What to build").
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiError, caught, type Emulator, launch } from "./harness";

interface JournalEntry {
  method: string;
  path: string;
  status: number;
  at: unknown;
}

let emulator: Emulator;

beforeAll(async () => {
  emulator = await launch();
});

afterAll(async () => {
  await emulator?.close();
});

async function journal(): Promise<JournalEntry[]> {
  const response = await fetch(`${emulator.url}/_emulator/requests`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { requests: JournalEntry[] };
  return body.requests.filter((entry) => !entry.path.startsWith("/_emulator"));
}

async function inject(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  expect(response.status).toBe(200);
}

async function resetEmulator(): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
  expect(response.status).toBe(200);
}

async function freshApp(slug: string): Promise<void> {
  const response = await emulator.api("POST", "/webhooks/apps", { app_slug: slug, name: "Before" });
  expect(response.status).toBe(200);
}

async function nameOf(slug: string): Promise<unknown> {
  return ((await emulator.api("GET", `/webhooks/apps/${slug}`)).body as { name?: unknown }).name;
}

beforeEach(async () => {
  await resetEmulator();
});

describe("emulator routes", () => {
  it("answers health with 200 and no key", async () => {
    expect((await fetch(`${emulator.url}/_emulator/health`)).status).toBe(200);
  });

  it("journals API requests oldest first with their status", async () => {
    await freshApp("journaled");
    await emulator.api("GET", "/webhooks/apps/journaled");
    await emulator.api("GET", "/webhooks/apps/missing");
    await emulator.api("PATCH", "/webhooks/apps/journaled", { name: "After" });
    await emulator.api("DELETE", "/webhooks/apps/journaled");
    const entries = await journal();
    expect(entries.slice(-5).map(({ method, path, status }) => ({ method, path, status }))).toStrictEqual([
      { method: "POST", path: "/webhooks/apps", status: 200 },
      { method: "GET", path: "/webhooks/apps/journaled", status: 200 },
      { method: "GET", path: "/webhooks/apps/missing", status: 404 },
      { method: "PATCH", path: "/webhooks/apps/journaled", status: 200 },
      { method: "DELETE", path: "/webhooks/apps/journaled", status: 200 },
    ]);
  });

  it("journals exactly method, path, status and time for each request, and not its own routes", async () => {
    await emulator.api("GET", "/webhooks/apps");
    await fetch(`${emulator.url}/_emulator/health`);
    const response = await fetch(`${emulator.url}/_emulator/requests`);
    const { requests } = (await response.json()) as { requests: JournalEntry[] };
    for (const entry of requests)
      expect(Object.keys(entry).sort()).toStrictEqual(["at", "method", "path", "status"]);
    expect(requests.filter((entry) => entry.path.startsWith("/_emulator"))).toStrictEqual([]);
    expect(requests.at(-1)).toMatchObject({ method: "GET", path: "/webhooks/apps", status: 200 });
  });

  it("journals rejected requests too", async () => {
    await fetch(`${emulator.url}/webhooks/apps`);
    const entries = await journal();
    expect(entries.at(-1)).toMatchObject({ method: "GET", path: "/webhooks/apps", status: 401 });
  });
});

describe("fault injection", () => {
  it.each([
    [500, "Something went wrong"],
    [502, "Something went wrong"],
    [503, "Something went wrong"],
  ])("answers an injected %i with the error body and does not apply the change", async (status, message) => {
    const slug = `faulted_${status}`;
    await freshApp(slug);
    await inject({ method: "PATCH", path: `/webhooks/apps/${slug}`, status, times: 1 });
    expect(await emulator.api("PATCH", `/webhooks/apps/${slug}`, { name: "After" })).toStrictEqual({
      status,
      body: apiError(status, message),
    });
    expect(await nameOf(slug)).toBe("Before");
    expect((await journal()).at(-2)).toMatchObject({
      method: "PATCH",
      path: `/webhooks/apps/${slug}`,
      status,
    });
    // the fault was for one request only
    expect((await emulator.api("PATCH", `/webhooks/apps/${slug}`, { name: "After" })).status).toBe(200);
    expect(await nameOf(slug)).toBe("After");
  });

  it("answers an injected 429 with Retry-After", async () => {
    await freshApp("limited");
    await inject({ method: "GET", path: "/webhooks/apps/limited", status: 429, retryAfter: 7 });
    const response = await fetch(`${emulator.url}/webhooks/apps/limited`, {
      headers: { authorization: `Bearer ${emulator.apiKey}` },
    });
    expect([response.status, response.headers.get("retry-after"), await response.json()]).toStrictEqual([
      429,
      "7",
      // an injected 429 stands for the gateway's rate limit, whose message names the delay (spec §1.2)
      apiError(429, "Rate limit exceeded. Retry after 7 seconds"),
    ]);
  });

  // the SDK's ServerError always reports statusCode 500, whatever the 5xx was
  it("surfaces an injected 503 through the SDK as a ServerError", async () => {
    await freshApp("sdk_faulted");
    await inject({ method: "PATCH", path: "/webhooks/apps/sdk_faulted", status: 503 });
    expect(
      await caught(emulator.client.webhooks.updateWebhookApp("sdk_faulted", { name: "After" })),
    ).toStrictEqual({
      name: "ServerError",
      message: "An error occurred",
      statusCode: 500,
    });
    expect(await nameOf("sdk_faulted")).toBe("Before");
  });

  it("applies a change whose response is lost, while the client sees a connection error", async () => {
    await freshApp("lost");
    await inject({ method: "PATCH", path: "/webhooks/apps/lost", lostResponse: true });
    const error = await caught(emulator.client.webhooks.updateWebhookApp("lost", { name: "After" }));
    expect(error).toMatchObject({ name: "WachtError", statusCode: undefined });
    expect(await nameOf("lost")).toBe("After");
    const entries = await journal();
    expect(entries.slice(-2).map(({ method, path }) => ({ method, path }))).toStrictEqual([
      { method: "PATCH", path: "/webhooks/apps/lost" },
      { method: "GET", path: "/webhooks/apps/lost" },
    ]);
  });

  it("resets the connection before applying the change", async () => {
    await freshApp("reset");
    await inject({ method: "PATCH", path: "/webhooks/apps/reset", reset: true });
    await expect(emulator.api("PATCH", "/webhooks/apps/reset", { name: "After" })).rejects.toThrow();
    expect(await nameOf("reset")).toBe("Before");
  });

  it("creates nothing when a create's connection is reset, and everything when its response is lost", async () => {
    await inject({ method: "POST", path: "/webhooks/apps", reset: true });
    await expect(emulator.api("POST", "/webhooks/apps", { app_slug: "never", name: "N" })).rejects.toThrow();
    expect((await emulator.api("GET", "/webhooks/apps/never")).status).toBe(404);
    await inject({ method: "POST", path: "/webhooks/apps", lostResponse: true });
    await expect(emulator.api("POST", "/webhooks/apps", { app_slug: "orphan", name: "O" })).rejects.toThrow();
    expect((await emulator.api("GET", "/webhooks/apps/orphan")).status).toBe(200);
  });

  it("adds latency and then serves the request normally", async () => {
    await freshApp("slow");
    await inject({ method: "GET", path: "/webhooks/apps/slow", latencyMs: 300 });
    const started = Date.now();
    const response = await emulator.api("GET", "/webhooks/apps/slow");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.status).toBe(200);
  });

  it("commits a change at once and answers it only after responseDelayMs", async () => {
    await freshApp("late");
    await inject({ method: "PATCH", path: "/webhooks/apps/late", responseDelayMs: 600 });
    const started = Date.now();
    const pending = emulator.api("PATCH", "/webhooks/apps/late", { name: "After" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // the GET is not matched by the fault: the change is visible while its answer is still on its way
    expect(await nameOf("late")).toBe("After");
    const response = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    expect([response.status, (response.body as { name?: unknown }).name]).toStrictEqual([200, "After"]);
  });

  it("delays, then loses, the answer of a committed change with responseDelayMs and lostResponse", async () => {
    await freshApp("late_lost");
    await inject({
      method: "PATCH",
      path: "/webhooks/apps/late_lost",
      responseDelayMs: 300,
      lostResponse: true,
    });
    const started = Date.now();
    await expect(emulator.api("PATCH", "/webhooks/apps/late_lost", { name: "After" })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await nameOf("late_lost")).toBe("After");
  });

  it("rejects a negative responseDelayMs", async () => {
    const response = await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/webhooks/apps", responseDelayMs: -1 }),
    });
    expect([response.status, await response.json()]).toStrictEqual([
      400,
      apiError(400, "Invalid fault field 'responseDelayMs'"),
    ]);
  });

  it("fires for the next N matching requests only", async () => {
    await freshApp("counted");
    await inject({ method: "GET", path: "/webhooks/apps/counted", status: 500, times: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await emulator.api("GET", "/webhooks/apps/counted")).status);
    expect(statuses).toStrictEqual([500, 500, 200, 200]);
  });

  it("fires on every match at rate 1 until reset", async () => {
    await freshApp("always");
    await inject({ method: "GET", path: "/webhooks/apps/always", status: 502, rate: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await emulator.api("GET", "/webhooks/apps/always")).status);
    expect(statuses).toStrictEqual([502, 502, 502]);
    await resetEmulator();
    // whether reset also wipes the data is not specified; either way the fault is gone
    expect((await emulator.api("GET", "/webhooks/apps/always")).status).toBeOneOf([200, 404]);
  });

  it("matches only the given method and path", async () => {
    await freshApp("target");
    await freshApp("bystander");
    await inject({ method: "PATCH", path: "/webhooks/apps/target", status: 503 });
    expect((await emulator.api("GET", "/webhooks/apps/target")).status).toBe(200);
    expect((await emulator.api("PATCH", "/webhooks/apps/bystander", { name: "X" })).status).toBe(200);
    expect((await emulator.api("PATCH", "/webhooks/apps/target", { name: "X" })).status).toBe(503);
  });

  it("matches a path glob with * within one segment", async () => {
    await freshApp("globbed");
    await inject({ method: "GET", path: "/webhooks/apps/*", status: 500, times: 1 });
    expect((await emulator.api("GET", "/webhooks/apps/globbed/endpoints")).status).toBe(200);
    expect((await emulator.api("GET", "/webhooks/apps/globbed")).status).toBe(500);
  });
});
