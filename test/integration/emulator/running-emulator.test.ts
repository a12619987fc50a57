// The in-process handle wacht-emulator gives its users' tests: the request journal, faults and reset,
// without going through the /_emulator HTTP routes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
});

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emulator.apiKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("RunningEmulator", () => {
  it("journals API requests oldest first and forgets them on clearRequests", async () => {
    emulator.clearRequests();
    await call("POST", "/webhooks/apps", { name: "A", app_slug: "journal_a" });
    await call("GET", "/webhooks/apps/journal_a");
    await call("GET", "/webhooks/apps/missing");
    expect(emulator.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toStrictEqual([
      "POST /webhooks/apps 200",
      "GET /webhooks/apps/journal_a 200",
      "GET /webhooks/apps/missing 404",
    ]);
    emulator.clearRequests();
    expect(emulator.requests()).toStrictEqual([]);
  });

  it("injects a fault that fires the given number of times, and clears faults", async () => {
    const id = emulator.fault({ method: "GET", path: "/webhooks/apps/*", status: 503, times: 1 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call("GET", "/webhooks/apps/journal_a")).status).toBe(503);
    expect((await call("GET", "/webhooks/apps/journal_a")).status).toBe(200);
    emulator.fault({ method: "GET", path: "/webhooks/apps/*", status: 500, rate: 1 });
    expect((await call("GET", "/webhooks/apps/journal_a")).status).toBe(500);
    emulator.clearFaults();
    expect((await call("GET", "/webhooks/apps/journal_a")).status).toBe(200);
  });

  it("rejects a fault without a path, saying so", () => {
    expect(() => emulator.fault({ path: "" })).toThrow("Fault needs a 'path' glob");
  });

  it("wipes every app on reset", async () => {
    emulator.reset();
    expect((await call("GET", "/webhooks/apps/journal_a")).status).toBe(404);
  });
});
