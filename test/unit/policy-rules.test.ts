import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  explicitEvents,
  failureNotifications,
  headerValuesSecret,
  httpsOnly,
  retryBounds,
  rotationAge,
  uniqueEndpointUrls,
} from "../../provider/policy/rules";

const retryDefaults = { minRetries: 3, maxRetries: 32, minTimeoutSeconds: 5, maxTimeoutSeconds: 60 };

describe("policy rules", () => {
  it.each([
    ["https://a.example.com/hook", [], []],
    ["http://intranet.local/hook", ["INTRANET.local"], []],
    [
      "http://a.example.com/hook",
      [],
      [
        "Endpoint URL http://a.example.com/hook is not https: Wacht would send payloads, signatures and headers " +
          "in the clear. Use an https URL, or list the host in allowedHttpHosts.",
      ],
    ],
  ])("https-only: %s with allowed http hosts %j", (url, allowedHttpHosts, expected) => {
    expect(httpsOnly({ url }, { allowedHttpHosts })).toStrictEqual(expected);
  });

  it("header-values-secret reports headers whose value no config key holds, by name only, exempt ones aside", () => {
    const props = {
      headers: { "X-B": "literal-b", "X-A": "literal-a", "X-C": "from-config", "X-D": "other" },
    };
    expect(headerValuesSecret(props, { exemptHeaders: ["x-d"] }, new Set(["from-config"]))).toStrictEqual([
      "Header 'X-A', 'X-B' have values that no stack config key holds: a value written in the program's source " +
        "is a secret kept in plain text. Read it with config.requireSecret(...) from a key set with " +
        "`pulumi config set --secret`, or list the header in exemptHeaders when it comes from another " +
        "resource's secret output.",
    ]);
    expect(
      headerValuesSecret(
        { headers: { "X-C": "from-config" } },
        { exemptHeaders: [] },
        new Set(["from-config"]),
      ),
    ).toStrictEqual([]);
  });

  it.each([
    [{ slug: "billing", createdAt: "2026-01-01T00:00:00Z" }, 90, []],
    [
      { slug: "billing", createdAt: "2025-01-01T00:00:00Z" },
      90,
      [
        "The signing secret of app 'billing' is 396 days old (created 2025-01-01T00:00:00Z; limit 90 days). " +
          "Rotate it in place by changing the app's rotationTrigger.",
      ],
    ],
    [
      { slug: "billing", createdAt: "2025-01-01T00:00:00Z", secretRotatedAt: "2026-01-10T00:00:00Z" },
      7,
      [
        "The signing secret of app 'billing' is 22 days old (last rotated 2026-01-10T00:00:00Z; limit 7 days). " +
          "Rotate it in place by changing the app's rotationTrigger.",
      ],
    ],
    [{ slug: "new" }, 0, []],
  ])("rotation-age: %j with maxAgeDays %d on 2026-02-01", (props, maxAgeDays, expected) => {
    expect(rotationAge(props, { maxAgeDays }, Date.parse("2026-02-01T00:00:00Z"))).toStrictEqual(expected);
  });

  it.each([
    [{}, []],
    [{ maxRetries: 3, timeoutSeconds: 60 }, []],
    [
      { maxRetries: 1, timeoutSeconds: 300 },
      ["maxRetries 1 is outside the allowed 3–32.", "timeoutSeconds 300 is outside the allowed 5–60."],
    ],
  ])("retry-bounds: %j", (props, expected) => {
    expect(retryBounds(props, retryDefaults)).toStrictEqual(expected);
  });

  it("failure-notifications counts the app's e-mails against minEmails", () => {
    expect(
      failureNotifications({ failureNotificationEmails: ["ops@example.com"] }, { minEmails: 1 }),
    ).toStrictEqual([]);
    expect(
      failureNotifications({ failureNotificationEmails: ["ops@example.com"] }, { minEmails: 2 }),
    ).toStrictEqual([
      "The app has 1 failure notification e-mail (at least 2 required): Wacht disables an endpoint after repeated " +
        "failed deliveries and tells only these addresses. Set failureNotificationEmails.",
    ]);
  });

  it.each([
    [{ events: ["a", "b"] }, ["a", "b", "c"], []],
    [{ subscriptions: [{ event: "a" }] }, ["a"], []],
    [
      { subscriptions: [{ event: "b" }, { event: " a " }] },
      ["a", "b"],
      [
        "The endpoint subscribes to all 2 events of its app's catalog: name only the events its receiver handles, " +
          "so that events added to the catalog are not delivered to it unasked.",
      ],
    ],
    [{ events: ["a", "b"] }, undefined, []],
    [{ events: [] }, undefined, ["The endpoint names no event: give events or subscriptions."]],
  ])("explicit-events: %j against catalog %j", (props, catalog, expected) => {
    expect(explicitEvents(props, catalog, { minCatalogEvents: 2 })).toStrictEqual(expected);
  });

  it("unique-endpoint-urls reports each endpoint of an app that shares its URL, and no other", () => {
    const endpoint = (name: string, app: string | undefined, url: string) => ({
      urn: `urn:${name}`,
      name,
      app,
      url,
    });
    expect(
      uniqueEndpointUrls([
        endpoint("a", "billing", "https://x.example.com"),
        endpoint("b", "billing", "https://x.example.com"),
        endpoint("c", "users", "https://x.example.com"),
        endpoint("d", undefined, "https://x.example.com"),
      ]),
    ).toStrictEqual(
      ["urn:a", "urn:b"].map((urn) => ({
        urn,
        message:
          "Endpoints 'a', 'b' of app 'billing' share the URL https://x.example.com: Wacht delivers every event to " +
          "each of them. Keep one endpoint per URL (merge their subscriptions), or give each its own path.",
      })),
    );
  });
});

describe("the policy pack folder", () => {
  it("carries the package's version, which the policy SDK reads from the pack's package.json", () => {
    const read = (file: string) =>
      JSON.parse(readFileSync(join(__dirname, "../..", file), "utf8")) as { version: string };
    expect(read("policy/package.json").version).toBe(read("package.json").version);
  });
});
