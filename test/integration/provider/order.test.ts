// Refresh keeps the program's order of set-like properties when the set is unchanged, so that
// `pulumi refresh` never shows a reordering as a change (Wacht sorts subscriptions and appends events).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app, catalog, endpoint, type ProviderBed, startBed, unique } from "./harness";

let bed: ProviderBed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

const events = [
  { name: "user.created", description: "A user signed up" },
  { name: "invoice.paid", description: "An invoice was paid" },
  { name: "order.created", description: "An order was placed" },
];

async function checkedCatalog(slug: string, names: string[]) {
  const result = await catalog.check(
    {},
    {
      pulumiName: "events",
      slug,
      name: "Events",
      events: names.map((n) => events.find((e) => e.name === n)),
    },
  );
  expect(result.failures).toStrictEqual([]);
  return result.inputs!;
}

describe("order of set-like properties", () => {
  it("keeps an endpoint's events and subscriptions in program order on read", async () => {
    const slug = unique("order");
    await catalog.create(
      await checkedCatalog(
        `${slug}-ev`,
        events.map((e) => e.name),
      ),
    );
    const madeApp = await app.create(
      (await app.check({}, { pulumiName: "a", name: "A", slug, eventCatalog: `${slug}-ev` })).inputs!,
    );
    expect(madeApp.id).toBe(slug);

    const byEvents = (
      await endpoint.check(
        {},
        {
          pulumiName: "e1",
          app: slug,
          url: "https://hooks.example.com/e1",
          events: ["user.created", "invoice.paid"],
        },
      )
    ).inputs!;
    const made = await endpoint.create(byEvents);
    const read = await endpoint.read(made.id, made.outs!);
    expect(read.props?.events).toStrictEqual(["user.created", "invoice.paid"]);
    expect(read.inputs?.events).toStrictEqual(["user.created", "invoice.paid"]);

    const bySubs = (
      await endpoint.check(
        {},
        {
          pulumiName: "e2",
          app: slug,
          url: "https://hooks.example.com/e2",
          subscriptions: [{ event: "user.created", filter: { plan: "pro" } }, { event: "invoice.paid" }],
        },
      )
    ).inputs!;
    const made2 = await endpoint.create(bySubs);
    const read2 = await endpoint.read(made2.id, made2.outs!);
    expect(read2.props?.subscriptions).toStrictEqual([
      { event: "user.created", filter: { plan: "pro" } },
      { event: "invoice.paid", filter: {} },
    ]);
  });

  it("keeps an app's failure e-mails in program order on read", async () => {
    const slug = unique("emails");
    const inputs = (
      await app.check(
        {},
        {
          pulumiName: "a",
          name: "A",
          slug,
          failureNotificationEmails: ["zed@example.com", "amy@example.com"],
        },
      )
    ).inputs!;
    const made = await app.create(inputs);
    const read = await app.read(made.id, made.outs!);
    expect(read.props?.failureNotificationEmails).toStrictEqual(["zed@example.com", "amy@example.com"]);
  });

  it("keeps a catalog's events in program order after an update that appends one and on read", async () => {
    const slug = unique("catorder");
    const first = await checkedCatalog(slug, ["user.created", "order.created"]);
    const made = await catalog.create(first);
    const second = await checkedCatalog(slug, ["user.created", "invoice.paid", "order.created"]);
    const updated = await catalog.update(slug, made.outs!, second);
    const names = ["user.created", "invoice.paid", "order.created"];
    expect(updated.outs?.events.map((e) => e.name)).toStrictEqual(names);
    const read = await catalog.read(slug, updated.outs!);
    expect(read.props?.events.map((e) => e.name)).toStrictEqual(names);
  });
});
