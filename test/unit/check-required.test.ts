// A missing or mistyped required property is named by check, before any API call, with inputs the
// dynamic-provider host can serialise (a protobuf Struct cannot hold undefined).
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import { app, catalog, endpoint } from "../../provider/runtime";

/** What the host does with check's inputs: throws "Unexpected struct type." on undefined. */
function hostSerialises(inputs: unknown): boolean {
  Struct.fromJavaScript(inputs as Record<string, never>);
  return true;
}

describe("check with required properties missing", () => {
  it("names a missing endpoint url", async () => {
    const result = await endpoint.check({}, { pulumiName: "ep", app: "billing", events: ["a.b"] });
    expect(result.failures).toStrictEqual([
      { property: "url", reason: "url is required: the receiver's http or https URL" },
    ]);
    expect(hostSerialises(result.inputs)).toBe(true);
  });

  it("names a mistyped endpoint url", async () => {
    const result = await endpoint.check({}, { pulumiName: "ep", app: "billing", url: 5, events: ["a.b"] });
    expect(result.failures).toStrictEqual([
      { property: "url", reason: "Invalid webhook URL: expected a string (got 5)" },
    ]);
  });

  it("names a missing app name", async () => {
    const result = await app.check({}, { pulumiName: "billing", slug: "billing" });
    expect(result.failures).toStrictEqual([
      { property: "name", reason: "name is required and must be a string (got undefined)" },
    ]);
    expect(hostSerialises(result.inputs)).toBe(true);
  });

  it("names a catalog's missing slug, name and events at once", async () => {
    const result = await catalog.check({}, { pulumiName: "events" });
    expect(result.failures).toStrictEqual([
      { property: "slug", reason: "slug is required and must be a non-empty string" },
      { property: "name", reason: "name is required and must be a non-empty string" },
      { property: "events", reason: "events must be a list of event definitions" },
    ]);
    expect(hostSerialises(result.inputs)).toBe(true);
  });

  it("names an event's missing description", async () => {
    const result = await catalog.check(
      {},
      { pulumiName: "events", slug: "ev", name: "Events", events: [{ name: "a.b" }] },
    );
    expect(result.failures).toStrictEqual([
      {
        property: "events[0].description",
        reason: "events[0].description is required and must be a non-empty string",
      },
    ]);
    expect(hostSerialises(result.inputs)).toBe(true);
  });
});

describe("check with Wacht's size limits", () => {
  it("rejects an endpoint URL that would push the request past Wacht's 2 MiB body limit", async () => {
    const url = `https://hooks.example.com/${"a".repeat(2 * 1024 * 1024)}`;
    const result = await endpoint.check({}, { pulumiName: "ep", app: "billing", url, events: ["a.b"] });
    expect(result.failures).toStrictEqual([
      {
        property: "url",
        reason:
          "url is 2097180 bytes: the request would be 2097299 bytes, and Wacht accepts at most 2097152 (2 MiB)",
      },
    ]);
  });

  it("accepts a long URL that fits the body limit", async () => {
    const url = `https://hooks.example.com/${"a".repeat(100_000)}`;
    const result = await endpoint.check({}, { pulumiName: "ep", app: "billing", url, events: ["a.b"] });
    expect(result.failures).toStrictEqual([]);
  });

  it("rejects catalog events whose definitions exceed the body limit, naming events", async () => {
    const schema = { type: "object", description: "x".repeat(2 * 1024 * 1024) };
    const result = await catalog.check(
      {},
      {
        pulumiName: "events",
        slug: "ev",
        name: "Events",
        events: [{ name: "a.b", description: "AB", schema }],
      },
    );
    expect((result.failures ?? []).map((f) => f.property)).toStrictEqual(["events"]);
    expect(result.failures?.[0]?.reason).toMatch(
      /^events is \d+ bytes: the request would be \d+ bytes, and Wacht accepts at most 2097152 \(2 MiB\)$/,
    );
  });
});
