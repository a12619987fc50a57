// WebhookApp against the in-process emulator: lifecycle, rotation, secrets rotated outside, adoption,
// retries and error reports.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppInputs, AppOutputs } from "../../../provider/app/schema";
import {
  app,
  calls,
  catalog,
  endpoint,
  type ProviderBed,
  RFC3339,
  rejection,
  SECRET,
  startBed,
  unique,
} from "./harness";

let bed: ProviderBed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

/** `create`, with the outputs Pulumi's type leaves optional asserted present. */
async function create(inputs: AppInputs): Promise<{ id: string; outs: AppOutputs }> {
  const result = await app.create(inputs);
  if (result.outs === undefined) throw new Error("create returned no outputs");
  return { id: result.id, outs: result.outs };
}

async function checked(news: Record<string, unknown>, olds?: AppInputs): Promise<AppInputs> {
  const result = await app.check(olds, { pulumiName: "billing", ...news });
  expect(result.failures).toStrictEqual([]);
  return result.inputs!;
}

interface LiveApp {
  app_slug: string;
  name: string;
  description: string | null;
  signing_secret: string;
  failure_notification_emails: string[] | null;
  event_catalog_slug: string | null;
  is_active: boolean;
}

async function live(slug: string): Promise<LiveApp> {
  const response = await bed.api("GET", `/webhooks/apps/${slug}`);
  expect(response.status).toBe(200);
  return response.body as LiveApp;
}

/** A catalog and an app with one endpoint, made through the API as a user would in the dashboard. */
async function seed(slug: string): Promise<void> {
  await bed.api("POST", "/webhooks/event-catalogs", {
    slug: `${slug}-events`,
    name: "Events",
    events: [{ name: "invoice.paid", description: "An invoice was paid" }],
  });
  const made = await bed.api("POST", "/webhooks/apps", {
    app_slug: slug,
    name: "Theirs",
    event_catalog_slug: `${slug}-events`,
  });
  expect(made.status).toBe(200);
}

describe("WebhookApp lifecycle", () => {
  const raw = unique("Payments-Int");
  const slug = raw.toLowerCase().replace(/-/g, "_");
  let inputs: AppInputs;
  let state: AppOutputs;

  it("1. creates the app under the slug Wacht normalises to", async () => {
    inputs = await checked({ name: "Payments", slug: raw, failureNotificationEmails: ["ops@example.com"] });
    expect(inputs.slug).toBe(slug);
    const result = await create(inputs);
    expect(result).toStrictEqual({
      id: slug,
      outs: {
        pulumiName: "billing",
        name: "Payments",
        slug,
        failureNotificationEmails: ["ops@example.com"],
        signingSecret: expect.stringMatching(SECRET),
        createdAt: expect.stringMatching(RFC3339),
        updatedAt: expect.stringMatching(RFC3339),
      },
    });
    state = result.outs;
    expect((await live(slug)).signing_secret).toBe(state.signingSecret);
  });

  it("2. finds no change for the same inputs", async () => {
    const again = await checked({
      name: "Payments",
      slug: raw,
      failureNotificationEmails: ["OPS@example.com"],
    });
    expect(await app.diff(slug, state, again)).toMatchObject({ changes: false, replaces: [] });
  });

  it("3. updates name, description, e-mails and active in place, keeping the secret", async () => {
    const news = await checked(
      {
        name: "Payments v2",
        slug: raw,
        description: "Payment events",
        failureNotificationEmails: ["ops@example.com", "oncall@example.com"],
        active: false,
      },
      inputs,
    );
    expect(await app.diff(slug, state, news)).toMatchObject({ changes: true, replaces: [] });
    const result = await app.update(slug, state, news);
    expect(result.outs).toMatchObject({
      slug,
      name: "Payments v2",
      description: "Payment events",
      failureNotificationEmails: ["ops@example.com", "oncall@example.com"],
      active: false,
      signingSecret: state.signingSecret,
    });
    const now = await live(slug);
    expect({
      name: now.name,
      description: now.description,
      emails: now.failure_notification_emails,
      active: now.is_active,
    }).toStrictEqual({
      name: "Payments v2",
      description: "Payment events",
      emails: ["ops@example.com", "oncall@example.com"],
      active: false,
    });
    state = result.outs!;
    inputs = news;
    expect(await app.diff(slug, state, inputs)).toMatchObject({ changes: false });
  });

  it("4. replaces the app when the slug changes", async () => {
    const news = await checked({ ...inputs, slug: `${slug}_v2` }, inputs);
    expect(await app.diff(slug, state, news)).toMatchObject({ changes: true, replaces: ["slug"] });
  });

  it("5. sees a name changed outside Pulumi and reports it as drift", async () => {
    expect((await bed.api("PATCH", `/webhooks/apps/${slug}`, { name: "Edited" })).status).toBe(200);
    const result = await app.read(slug, state);
    expect(result.id).toBe(slug);
    expect(result.props?.name).toBe("Edited");
    expect(result.inputs).toStrictEqual({
      pulumiName: "billing",
      name: "Edited",
      slug,
      description: "Payment events",
      failureNotificationEmails: ["ops@example.com", "oncall@example.com"],
      active: false,
    });
    expect(await app.diff(slug, result.props!, inputs)).toMatchObject({ changes: true, replaces: [] });
    const repaired = await app.update(slug, result.props!, inputs);
    expect((await live(slug)).name).toBe("Payments v2");
    const clean = await app.read(slug, repaired.outs!);
    expect(await app.diff(slug, clean.props!, inputs)).toMatchObject({ changes: false });
    state = repaired.outs!;
  });

  it("6. deletes the app", async () => {
    await app.delete(slug, state);
    expect((await bed.api("GET", `/webhooks/apps/${slug}`)).status).toBe(404);
  });

  it("7. reads the deleted app as gone (no id)", async () => {
    expect(await app.read(slug, state)).toStrictEqual({});
  });
});

describe("WebhookApp rotation", () => {
  it("rotates through rotationTrigger, keeps the old secret as previous, and leaves endpoints untouched", async () => {
    const slug = unique("rotating");
    await seed(slug);
    const hook = await bed.api("POST", `/webhooks/apps/${slug}/endpoints`, {
      app_slug: slug,
      url: "https://hooks.example.com/rotating",
      subscriptions: [{ event_name: "invoice.paid" }],
    });
    expect(hook.status).toBe(200);
    const endpointsBefore = (await bed.api("GET", `/webhooks/apps/${slug}/endpoints`)).body;

    const first = await checked({ name: "Theirs", slug, eventCatalog: `${slug}-events`, adopt: true });
    const made = await create(first);
    const original = made.outs.signingSecret;

    // A first trigger value is recorded without rotating and without any call to Wacht.
    const triggered = await checked({ ...first, rotationTrigger: "2025-01-01" }, first);
    expect(await app.diff(slug, made.outs, triggered)).toMatchObject({ changes: true, replaces: [] });
    await bed.clearJournal();
    const recorded = await app.update(slug, made.outs, triggered);
    expect(recorded.outs?.signingSecret).toBe(original);
    expect(recorded.outs?.rotationTrigger).toBe("2025-01-01");
    expect(recorded.outs?.previousSigningSecret).toBeUndefined();
    expect(calls(await bed.journal()).filter((c) => c.includes("rotate-secret"))).toStrictEqual([]);
    expect(await app.diff(slug, recorded.outs!, triggered)).toMatchObject({ changes: false });

    // A changed trigger rotates once, in place.
    const next = await checked({ ...triggered, rotationTrigger: "2025-02-01" }, triggered);
    expect(await app.diff(slug, recorded.outs!, next)).toMatchObject({ changes: true, replaces: [] });
    await bed.clearJournal();
    const rotated = await app.update(slug, recorded.outs!, next);
    expect(calls(await bed.journal())).toStrictEqual([`POST /webhooks/apps/${slug}/rotate-secret 200`]);
    const newSecret = (await live(slug)).signing_secret;
    expect(newSecret).not.toBe(original);
    expect(rotated.outs).toMatchObject({
      slug,
      signingSecret: newSecret,
      previousSigningSecret: original,
      secretRotatedAt: expect.stringMatching(RFC3339),
      rotationTrigger: "2025-02-01",
    });
    expect((await bed.api("GET", `/webhooks/apps/${slug}/endpoints`)).body).toStrictEqual(endpointsBefore);
    expect(await app.diff(slug, rotated.outs!, next)).toMatchObject({ changes: false });
  });

  it("notices a secret rotated outside Pulumi: state takes the new one, with no drift", async () => {
    const slug = unique("rotated_outside");
    const inputs = await checked({ name: "Outside", slug });
    const made = await create(inputs);
    const rotated = await bed.api("POST", `/webhooks/apps/${slug}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const fresh = (rotated.body as LiveApp).signing_secret;
    expect(fresh).not.toBe(made.outs.signingSecret);

    const result = await app.read(slug, made.outs);
    expect(result.props).toMatchObject({
      signingSecret: fresh,
      previousSigningSecret: made.outs.signingSecret,
      secretRotatedAt: expect.stringMatching(RFC3339),
    });
    expect(await app.diff(slug, result.props!, inputs)).toMatchObject({ changes: false });
  });
});

describe("WebhookApp adoption", () => {
  it("refuses to take over an existing app without adopt, saying how to adopt it", async () => {
    const slug = unique("taken");
    await seed(slug);
    const inputs = await checked({ name: "Ours", slug });
    expect(await rejection(create(inputs))).toBe(
      `WebhookApp "billing" create failed: App '${slug}' already exists in Wacht.\n` +
        "To manage it with Pulumi without rotating its secret, set adopt: true on this resource.",
    );
    expect((await live(slug)).name).toBe("Theirs");
  });

  it("adopts an existing app with adopt: true without rotating its secret, then converges it", async () => {
    const slug = unique("adopted");
    await seed(slug);
    const secret = (await live(slug)).signing_secret;
    const inputs = await checked({ name: "Ours", slug, eventCatalog: `${slug}-events`, adopt: true });
    const result = await create(inputs);
    expect(result.id).toBe(slug);
    expect(result.outs).toMatchObject({
      name: "Ours",
      signingSecret: secret,
      eventCatalog: `${slug}-events`,
    });
    expect(result.outs.previousSigningSecret).toBeUndefined();
    expect(await live(slug)).toMatchObject({ name: "Ours", signing_secret: secret });
    expect(await app.diff(slug, result.outs, inputs)).toMatchObject({ changes: false });
  });
});

describe("WebhookApp API calls", () => {
  it("makes no API call for check and diff", async () => {
    const slug = unique("quiet");
    const inputs = await checked({ name: "Quiet", slug });
    const made = await create(inputs);
    await bed.clearJournal();
    const news = await checked({ name: "Quieter", slug, rotationTrigger: 1 }, inputs);
    await app.diff(slug, made.outs, news);
    await catalog.check(undefined, {
      pulumiName: "c",
      slug: "c",
      name: "C",
      events: [{ name: "a", description: "A" }],
    });
    await endpoint.check(undefined, {
      pulumiName: "e",
      app: slug,
      url: "https://hooks.example.com/quiet",
      events: ["a"],
    });
    expect(await bed.journal()).toStrictEqual([]);
  });

  it("retries a 503 twice and succeeds", async () => {
    const slug = unique("flaky");
    const made = await create(await checked({ name: "Flaky", slug }));
    await bed.fault({ method: "GET", path: `/webhooks/apps/${slug}`, status: 503, times: 2 });
    await bed.clearJournal();
    const result = await app.read(slug, made.outs);
    expect(result.id).toBe(slug);
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${slug} 503`,
      `GET /webhooks/apps/${slug} 503`,
      `GET /webhooks/apps/${slug} 200`,
    ]);
  });

  it("waits for Retry-After on a 429 and succeeds", async () => {
    const slug = unique("limited");
    const inputs = await checked({ name: "Limited", slug });
    const made = await create(inputs);
    await bed.fault({ method: "PATCH", path: `/webhooks/apps/${slug}`, status: 429, retryAfter: 1 });
    await bed.clearJournal();
    const started = Date.now();
    const result = await app.update(slug, made.outs, await checked({ name: "Limited v2", slug }, inputs));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.outs?.name).toBe("Limited v2");
    expect(calls(await bed.journal())).toStrictEqual([
      `PATCH /webhooks/apps/${slug} 429`,
      `PATCH /webhooks/apps/${slug} 200`,
    ]);
  });

  it("reports an API error with resource, operation, status, Wacht's message and the request", async () => {
    const slug = unique("gone");
    const inputs = await checked({ name: "Gone", slug });
    const made = await create(inputs);
    await bed.api("DELETE", `/webhooks/apps/${slug}`);
    expect(await rejection(app.update(slug, made.outs, await checked({ name: "Back", slug }, inputs)))).toBe(
      `WebhookApp "billing" update failed: 404 Webhook app not found (PATCH /webhooks/apps/${slug})`,
    );
  });
});

describe("WebhookApp lost responses", () => {
  it("reconciles a create whose response was lost, keeping the one app Wacht made", async () => {
    const slug = unique("lost");
    await bed.fault({ method: "POST", path: "/webhooks/apps", lostResponse: true });
    const result = await create(await checked({ name: "Lost", slug }));
    expect(result.id).toBe(slug);
    expect(result.outs.signingSecret).toBe((await live(slug)).signing_secret);
  });
});
