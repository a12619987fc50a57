// The emulator started exactly as the task states:
// `npm run emulator -- --port <n> --api-key <key> --db :memory: --allow-private-urls --time-scale 0.001`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorProcess, freePort, spawnEmulator } from "../../support/emulator-process";
import { apiError, newApiKey, rawRequest, SECRET, sdkClient } from "./harness";

describe("npm run emulator", () => {
  let port: number;
  const apiKey = newApiKey();
  let running: EmulatorProcess | undefined;

  beforeAll(async () => {
    port = await freePort();
    running = await spawnEmulator([
      "--port",
      String(port),
      "--api-key",
      apiKey,
      "--db",
      ":memory:",
      "--allow-private-urls",
      "--time-scale",
      "0.001",
    ]);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it("prints its URL and key when ready", () => {
    const lines = running?.stdout().split("\n") ?? [];
    expect(lines).toContain(`Wacht emulator listening on http://127.0.0.1:${port}`);
    expect(lines).toContain(`API key: ${apiKey}`);
    expect(running?.url).toBe(`http://127.0.0.1:${port}`);
    expect(running?.apiKey).toBe(apiKey);
  });

  it("answers the health route without a key", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/_emulator/health`);
    expect(response.status).toBe(200);
  });

  it("serves the API to the given key through the real SDK and refuses another key", async () => {
    const client = await sdkClient(`http://127.0.0.1:${port}`, apiKey);
    const app = await client.webhooks.createWebhookApp({ app_slug: "Cli-App", name: "CLI" });
    expect(app).toMatchObject({ app_slug: "cli_app", signing_secret: expect.stringMatching(SECRET) });
    expect(await rawRequest(`http://127.0.0.1:${port}`, newApiKey(), "GET", "/webhooks/apps")).toStrictEqual({
      status: 401,
      body: apiError(401, "Authentication failed"),
    });
  });

  it("accepts a loopback endpoint URL because of --allow-private-urls", async () => {
    await rawRequest(`http://127.0.0.1:${port}`, apiKey, "POST", "/webhooks/event-catalogs", {
      slug: "cli",
      name: "CLI",
      events: [{ name: "a.b", description: "A" }],
    });
    await rawRequest(`http://127.0.0.1:${port}`, apiKey, "PATCH", "/webhooks/apps/cli_app", {
      event_catalog_slug: "cli",
    });
    const created = await rawRequest(
      `http://127.0.0.1:${port}`,
      apiKey,
      "POST",
      "/webhooks/apps/cli_app/endpoints",
      {
        app_slug: "cli_app",
        url: "http://127.0.0.1:9/hook",
        subscriptions: [{ event_name: "a.b" }],
      },
    );
    expect(created.status).toBe(200);
  });

  it("stops on SIGTERM and frees its port", async () => {
    const result = await running?.stop();
    running = undefined;
    // npm and its child both get the signal; which of 0, 143 or "SIGTERM" npm reports is a race
    expect(result?.code === 0 || result?.code === 143 || result?.signal === "SIGTERM").toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/_emulator/health`)).rejects.toThrow();
  });
});

describe("npm run emulator without --api-key", () => {
  it("generates a key, prints it, and keeps it for the next start on the same database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wacht-emulator-cli-"));
    try {
      const db = join(dir, "emulator.sqlite");
      const keys: string[] = [];
      for (let run = 0; run < 2; run++) {
        const port = await freePort();
        const started = await spawnEmulator(["--port", String(port), "--db", db]);
        try {
          keys.push(started.apiKey);
          const response = await rawRequest(started.url, started.apiKey, "GET", "/webhooks/apps");
          expect(response.status).toBe(200);
        } finally {
          await started.stop();
        }
      }
      expect(keys[0]).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
      expect(keys[1]).toBe(keys[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
