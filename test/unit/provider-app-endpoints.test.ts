// WebhookAppEndpoints check, diff and the state it derives from a listing: pure, no API call.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type AppEndpointsInputs,
  type AppEndpointsOutputs,
  toOutputs,
} from "../../provider/app-endpoints/schema";
import { appEndpoints } from "../../provider/runtime";

const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function inputs(overrides: Partial<AppEndpointsInputs> = {}): AppEndpointsInputs {
  return {
    pulumiName: "billing-endpoints",
    app: "billing",
    endpoints: ["7001", "7002"],
    unmanaged: "delete",
    ...overrides,
  };
}

function state(overrides: Partial<AppEndpointsOutputs> = {}): AppEndpointsOutputs {
  return { ...inputs(), endpointIds: ["7001", "7002"], unmanagedEndpoints: [], ...overrides };
}

describe("WebhookAppEndpoints check", () => {
  it("stores no mode when unmanaged is omitted or the default, delete", async () => {
    const news = { pulumiName: "billing-endpoints", app: "billing", endpoints: ["7001", "7002"] };
    expect(await appEndpoints.check(undefined, news)).toStrictEqual({ inputs: news, failures: [] });
    expect(await appEndpoints.check(undefined, { ...news, unmanaged: "delete" })).toStrictEqual({
      inputs: news,
      failures: [],
    });
  });

  it("accepts an empty list: an app that may have no endpoint", async () => {
    const result = await appEndpoints.check(undefined, {
      pulumiName: "billing-endpoints",
      app: "billing",
      endpoints: [],
      unmanaged: "deactivate",
    });
    expect(result).toStrictEqual({
      inputs: inputs({ endpoints: [], unmanaged: "deactivate" }),
      failures: [],
    });
  });

  it("reports every bad property at once by dotted path", async () => {
    const result = await appEndpoints.check(undefined, {
      pulumiName: "billing-endpoints",
      app: "--",
      // The last entry is not matched against an app that is itself invalid.
      endpoints: ["7001", 7002, "ep-1", "7001", "", "0", "12345678901234567890", "billing/7009"],
      unmanaged: "remove",
    });
    expect(result.failures).toStrictEqual([
      { property: "app", reason: 'app_slug must contain at least one alphanumeric character (got "--")' },
      {
        property: "endpoints[1]",
        reason:
          "endpoints[1] must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got 7002)",
      },
      {
        property: "endpoints[2]",
        reason:
          'endpoints[2] must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got "ep-1")',
      },
      { property: "endpoints[3]", reason: 'duplicate endpoint id "7001" (first at endpoints[0])' },
      {
        property: "endpoints[4]",
        reason: 'endpoints[4] must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got "")',
      },
      {
        property: "endpoints[5]",
        reason: 'endpoints[5] must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got "0")',
      },
      {
        property: "endpoints[6]",
        reason:
          'endpoints[6] must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got "12345678901234567890")',
      },
      { property: "unmanaged", reason: 'unmanaged must be "delete" or "deactivate" (got "remove")' },
    ]);
  });

  it("reduces a WebhookEndpoint, which arrives as its Pulumi id <app>/<endpointId>, to the endpoint id", async () => {
    expect(
      await appEndpoints.check(undefined, {
        pulumiName: "billing-endpoints",
        app: "billing",
        endpoints: ["billing/7001", "7002"],
      }),
    ).toStrictEqual({
      inputs: { pulumiName: "billing-endpoints", app: "billing", endpoints: ["7001", "7002"] },
      failures: [],
    });
  });

  it("rejects an endpoint of another app, and the same endpoint given twice in either form", async () => {
    const result = await appEndpoints.check(undefined, {
      pulumiName: "billing-endpoints",
      app: "billing",
      endpoints: ["payments/7001", "billing/7002", "7002", "billing/x"],
    });
    expect(result.failures).toStrictEqual([
      {
        property: "endpoints[0]",
        reason: "endpoints[0] is endpoint 7001 of app 'payments', not of app 'billing'",
      },
      { property: "endpoints[2]", reason: 'duplicate endpoint id "7002" (first at endpoints[1])' },
      {
        property: "endpoints[3]",
        reason:
          'endpoints[3] must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got "billing/x")',
      },
    ]);
  });

  it("names missing required properties and returns inputs without undefined values", async () => {
    const result = await appEndpoints.check(undefined, { pulumiName: "billing-endpoints" });
    expect(result).toStrictEqual({
      inputs: { pulumiName: "billing-endpoints" },
      failures: [
        { property: "app", reason: "app is required: a WebhookApp or an app slug" },
        {
          property: "endpoints",
          reason:
            "endpoints is required: the complete list of the app's endpoints (WebhookEndpoint resources or " +
            "endpoint ids), [] for an app with none",
        },
      ],
    });
    expect(Object.values(result.inputs ?? {})).not.toContain(undefined);
  });

  it.each([
    [
      "a string",
      "7001",
      'endpoints must be a list of WebhookEndpoint resources or endpoint ids (got "7001")',
    ],
    [
      "an object",
      { id: "7001" },
      'endpoints must be a list of WebhookEndpoint resources or endpoint ids (got {"id":"7001"})',
    ],
  ])("rejects endpoints given as %s", async (_what, endpoints, reason) => {
    const result = await appEndpoints.check(undefined, { pulumiName: "x", app: "billing", endpoints });
    expect(result.failures).toStrictEqual([{ property: "endpoints", reason }]);
  });

  it("skips values not known at preview, in the list and as the whole list", async () => {
    const some = await appEndpoints.check(undefined, {
      pulumiName: "billing-endpoints",
      app: U,
      endpoints: [U, "payments/7002", U],
      unmanaged: U,
    });
    expect(some).toStrictEqual({
      inputs: { pulumiName: "billing-endpoints", app: U, endpoints: [U, "7002", U], unmanaged: U },
      failures: [],
    });
    const all = await appEndpoints.check(undefined, {
      pulumiName: "billing-endpoints",
      app: "billing",
      endpoints: U,
    });
    expect(all.failures).toStrictEqual([]);
  });
});

describe("WebhookAppEndpoints diff", () => {
  it("sees no change for the same set in another order", async () => {
    expect(
      await appEndpoints.diff("billing", state(), inputs({ endpoints: ["7002", "7001"] })),
    ).toStrictEqual({
      changes: false,
      replaces: [],
      stables: ["app", "endpoints", "unmanaged"],
      deleteBeforeReplace: false,
    });
  });

  it("updates in place when an endpoint joins or leaves the set", async () => {
    expect(
      await appEndpoints.diff("billing", state(), inputs({ endpoints: ["7001", "7003"] })),
    ).toStrictEqual({
      changes: true,
      replaces: [],
      stables: ["app", "unmanaged"],
      deleteBeforeReplace: false,
    });
  });

  it("shows an unmanaged endpoint found by refresh as a change of endpoints", async () => {
    const refreshed = state({
      endpoints: ["7001", "7002", "9001"],
      unmanagedEndpoints: [{ id: "9001", url: "https://dashboard.example.com/hook", isActive: true }],
    });
    expect(await appEndpoints.diff("billing", refreshed, inputs())).toStrictEqual({
      changes: true,
      replaces: [],
      stables: ["app", "unmanaged"],
      deleteBeforeReplace: false,
    });
  });

  it("treats an endpoint id not known at preview as a change", async () => {
    expect((await appEndpoints.diff("billing", state(), inputs({ endpoints: ["7001", U] }))).changes).toBe(
      true,
    );
  });

  it("updates in place when the mode changes and replaces when the app does", async () => {
    expect(await appEndpoints.diff("billing", state(), inputs({ unmanaged: "deactivate" }))).toStrictEqual({
      changes: true,
      replaces: [],
      stables: ["app", "endpoints"],
      deleteBeforeReplace: false,
    });
    expect(await appEndpoints.diff("billing", state(), inputs({ app: "payments" }))).toStrictEqual({
      changes: true,
      replaces: ["app"],
      stables: ["endpoints", "unmanaged"],
      deleteBeforeReplace: false,
    });
  });
});

describe("WebhookAppEndpoints state", () => {
  const orphan = (id: string, isActive: boolean) => ({ id, url: `https://dash.example.com/${id}`, isActive });

  it("lists, in delete mode, every unmanaged endpoint after the declared ones, by id", () => {
    expect(
      toOutputs(inputs(), ["7002", "7001"], [orphan("10000", true), orphan("9999", false)]),
    ).toStrictEqual({
      ...inputs(),
      endpoints: ["7002", "7001", "9999", "10000"],
      endpointIds: ["7002", "7001"],
      unmanagedEndpoints: [orphan("9999", false), orphan("10000", true)],
    });
  });

  it("leaves, in deactivate mode, inactive unmanaged endpoints out of the set: they are no drift", () => {
    expect(
      toOutputs(inputs({ unmanaged: "deactivate" }), ["7001"], [orphan("9001", false), orphan("9002", true)]),
    ).toStrictEqual({
      ...inputs({ unmanaged: "deactivate" }),
      endpoints: ["7001", "9002"],
      endpointIds: ["7001"],
      unmanagedEndpoints: [orphan("9001", false), orphan("9002", true)],
    });
  });
});

describe("WebhookAppEndpoints delete", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("returns without calling Wacht: no endpoint is deleted with the declaration", async () => {
    // Nothing listens on port 9: any call would fail.
    vi.stubEnv("WACHT_API_URL", "http://127.0.0.1:9");
    vi.stubEnv("WACHT_API_KEY", "sk_unit");
    await expect(appEndpoints.delete("billing", state())).resolves.toBeUndefined();
  });
});
