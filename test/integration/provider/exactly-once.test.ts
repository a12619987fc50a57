// Exactly-once creates against the in-process emulator's faults: every create whose outcome is unknown
// ends with one Wacht object per resource, never two, never one shared, never one that predates it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppInputs } from "../../../provider/app/schema";
import { RETRY_POLICY } from "../../../provider/client";
import { createBody, type EndpointInputs, endpointSchema } from "../../../provider/endpoint/schema";
import { LOOK_POLICY, resetIdentification } from "../../../provider/identify";
import { completed } from "../../../provider/property";
import { app, calls, endpoint, type ProviderBed, rejection, startBed, unique } from "./harness";

let bed: ProviderBed;

beforeAll(async () => {
  bed = await startBed();
});

afterEach(() => {
  delete process.env.WACHT_ADOPT_EXISTING;
});

afterAll(async () => {
  await bed?.close();
});

async function seedApp(prefix: string): Promise<string> {
  const slug = unique(prefix);
  const events = [
    { name: "invoice.paid", description: "An invoice was paid" },
    { name: "user.created", description: "A user signed up" },
  ];
  expect(
    (await bed.api("POST", "/webhooks/event-catalogs", { slug: `${slug}-ev`, name: "E", events })).status,
  ).toBe(200);
  expect(
    (
      await bed.api("POST", "/webhooks/apps", {
        app_slug: slug,
        name: slug,
        event_catalog_slug: `${slug}-ev`,
      })
    ).status,
  ).toBe(200);
  return slug;
}

async function endpointInputs(name: string, news: Record<string, unknown>): Promise<EndpointInputs> {
  const result = await endpoint.check({}, { pulumiName: name, ...news });
  expect(result.failures).toStrictEqual([]);
  return result.inputs!;
}

async function appInputs(name: string, news: Record<string, unknown>): Promise<AppInputs> {
  const result = await app.check({}, { pulumiName: name, ...news });
  expect(result.failures).toStrictEqual([]);
  return result.inputs!;
}

interface Listed {
  id: string;
  url: string;
  subscriptions: Array<{ event_name: string }>;
}

async function listed(slug: string): Promise<Listed[]> {
  const response = await bed.api("GET", `/webhooks/apps/${slug}/endpoints?include_inactive=true&limit=100`);
  return (response.body as { data: Listed[] }).data;
}

async function rawEndpoint(slug: string, url: string, events: string[]): Promise<string> {
  const response = await bed.api("POST", `/webhooks/apps/${slug}/endpoints`, {
    app_slug: slug,
    url,
    subscriptions: events.map((event_name) => ({ event_name })),
  });
  expect(response.status).toBe(200);
  return String((response.body as { id: string }).id);
}

const endpointsPath = (slug: string) => `/webhooks/apps/${slug}/endpoints`;

/**
 * An app holding one endpoint ("first", so that the app's baseline, read once per process, is read before
 * any look fails), whose next endpoint create is committed with its answer lost and whose next
 * `failedLooks` listings are answered 500.
 */
async function appWithLostCreate(prefix: string, failedLooks: number): Promise<string> {
  const slug = await seedApp(prefix);
  await endpoint.create(
    await endpointInputs("first", {
      app: slug,
      url: "https://hooks.example.com/first",
      events: ["invoice.paid"],
    }),
  );
  await bed.fault({ method: "POST", path: endpointsPath(slug), lostResponse: true, times: 1 });
  await bed.fault({ method: "GET", path: endpointsPath(slug), status: 500, times: failedLooks });
  return slug;
}

/** Runs `work` with the client's and the look's pauses cut to a few milliseconds. */
async function quickly<T>(work: () => Promise<T>): Promise<T> {
  const saved = { base: RETRY_POLICY.baseDelayMs, pause: LOOK_POLICY.pauseMs };
  RETRY_POLICY.baseDelayMs = 1;
  LOOK_POLICY.pauseMs = 5;
  try {
    return await work();
  } finally {
    RETRY_POLICY.baseDelayMs = saved.base;
    LOOK_POLICY.pauseMs = saved.pause;
  }
}

describe("WebhookEndpoint creates under faults", () => {
  it("creates a second endpoint at a URL another resource holds after a 500, each resource holding its own", async () => {
    const slug = await seedApp("sharedurl");
    const first = await endpoint.create(
      await endpointInputs("first", {
        app: slug,
        url: "https://hooks.example.com/same",
        events: ["invoice.paid"],
      }),
    );
    await bed.fault({ method: "POST", path: endpointsPath(slug), status: 500, times: 1 });
    await bed.clearJournal();
    const second = await endpoint.create(
      await endpointInputs("second", {
        app: slug,
        url: "https://hooks.example.com/same",
        events: ["invoice.paid"],
      }),
    );
    expect(second.id).not.toBe(first.id);
    expect(calls(await bed.journal())).toStrictEqual([
      `POST ${endpointsPath(slug)} 500`,
      `GET ${endpointsPath(slug)} 200`,
      `POST ${endpointsPath(slug)} 200`,
    ]);
    expect((await listed(slug)).map((e) => e.id).sort()).toStrictEqual(
      [first.outs?.endpointId, second.outs?.endpointId].sort(),
    );
  });

  it("settles two lost answers at one URL, one of them slow, into exactly the two declared endpoints", async () => {
    const slug = await seedApp("twolost");
    await bed.fault({
      method: "POST",
      path: endpointsPath(slug),
      lostResponse: true,
      latencyMs: 1_500,
      times: 1,
    });
    await bed.fault({ method: "POST", path: endpointsPath(slug), lostResponse: true, times: 1 });
    const url = "https://hooks.example.com/both";
    const [paid, users] = await Promise.all([
      endpoint.create(await endpointInputs("paid", { app: slug, url, events: ["invoice.paid"] })),
      endpoint.create(await endpointInputs("users", { app: slug, url, events: ["user.created"] })),
    ]);
    const live = await listed(slug);
    expect(live.length).toBe(2);
    const byId = new Map(live.map((e) => [String(e.id), e.subscriptions.map((s) => s.event_name)]));
    expect(byId.get(paid.outs?.endpointId ?? "")).toStrictEqual(["invoice.paid"]);
    expect(byId.get(users.outs?.endpointId ?? "")).toStrictEqual(["user.created"]);
  });

  it("settles lost answers of endpoints at different URLs created at once", async () => {
    const slug = await seedApp("manylost");
    await bed.fault({ method: "POST", path: endpointsPath(slug), lostResponse: true, times: 3 });
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) =>
        endpoint.create(
          await endpointInputs(`ep-${i}`, {
            app: slug,
            url: `https://hooks.example.com/n${i}`,
            events: ["invoice.paid"],
          }),
        ),
      ),
    );
    const live = await listed(slug);
    expect(live.map((e) => e.url).sort()).toStrictEqual(
      Array.from({ length: 6 }, (_, i) => `https://hooks.example.com/n${i}`).sort(),
    );
    expect(new Set(results.map((r) => r.outs?.endpointId)).size).toBe(6);
  });

  it("never takes an identical endpoint that existed before the create began", async () => {
    const slug = await seedApp("predates");
    const theirs = await rawEndpoint(slug, "https://hooks.example.com/twin", ["invoice.paid"]);
    await bed.fault({ method: "POST", path: endpointsPath(slug), status: 500, times: 1 });
    const ours = await endpoint.create(
      await endpointInputs("twin", {
        app: slug,
        url: "https://hooks.example.com/twin",
        events: ["invoice.paid"],
      }),
    );
    expect(ours.outs?.endpointId).not.toBe(theirs);
    expect((await listed(slug)).length).toBe(2);
  });

  it("sends the create again when the lost attempt made nothing, and gives up after three attempts", async () => {
    const slug = await seedApp("givesup");
    await bed.fault({ method: "POST", path: endpointsPath(slug), reset: true, times: 3 });
    await bed.clearJournal();
    const inputs = await endpointInputs("flaky", {
      app: slug,
      url: "https://hooks.example.com/f",
      events: ["invoice.paid"],
    });
    expect(await rejection(endpoint.create(inputs))).toBe(
      `WebhookEndpoint "flaky" create failed: network error: ECONNRESET (POST ${endpointsPath(slug)})`,
    );
    expect(calls(await bed.journal())).toStrictEqual([
      `GET ${endpointsPath(slug)} 200`,
      `POST ${endpointsPath(slug)} 0`,
      `GET ${endpointsPath(slug)} 200`,
      `POST ${endpointsPath(slug)} 0`,
      `GET ${endpointsPath(slug)} 200`,
      `POST ${endpointsPath(slug)} 0`,
      `GET ${endpointsPath(slug)} 200`,
    ]);
    expect(await listed(slug)).toStrictEqual([]);
  });

  it("takes the endpoint of a create whose answer came after the attempt timeout, without sending it again", async () => {
    const slug = await seedApp("cutoff");
    await bed.fault({ method: "POST", path: endpointsPath(slug), responseDelayMs: 2_000, times: 1 });
    await bed.clearJournal();
    const timeout = RETRY_POLICY.attemptTimeoutMs;
    RETRY_POLICY.attemptTimeoutMs = 300;
    try {
      const result = await endpoint.create(
        await endpointInputs("cutoff", {
          app: slug,
          url: "https://hooks.example.com/cutoff",
          events: ["invoice.paid"],
        }),
      );
      expect((await listed(slug)).map((e) => String(e.id))).toStrictEqual([result.outs?.endpointId]);
    } finally {
      RETRY_POLICY.attemptTimeoutMs = timeout;
    }
    // Baseline, the look that finds the create, this test's listing; the create itself is journaled when
    // its late answer leaves, after these.
    expect(calls(await bed.journal())).toStrictEqual([
      `GET ${endpointsPath(slug)} 200`,
      `GET ${endpointsPath(slug)} 200`,
      `GET ${endpointsPath(slug)} 200`,
    ]);
  });

  it("keeps looking for what a lost create made past the client's retries, and takes the endpoint", async () => {
    const slug = await appWithLostCreate("looklong", 8);
    await bed.clearJournal();
    const result = await quickly(async () =>
      endpoint.create(
        await endpointInputs("looklong", {
          app: slug,
          url: "https://hooks.example.com/looklong",
          events: ["invoice.paid"],
        }),
      ),
    );
    expect(calls(await bed.journal())).toStrictEqual([
      `POST ${endpointsPath(slug)} 0`,
      ...Array(8).fill(`GET ${endpointsPath(slug)} 500`),
      `GET ${endpointsPath(slug)} 200`,
    ]);
    const live = await listed(slug);
    expect(Object.fromEntries(live.map((e) => [e.url, String(e.id)]))).toStrictEqual({
      "https://hooks.example.com/first": expect.any(String),
      "https://hooks.example.com/looklong": result.outs?.endpointId,
    });
  });

  it("fails a create whose look keeps failing, saying the endpoint may exist, and a run that adopts takes it back", async () => {
    const slug = await appWithLostCreate("lookfails", 24);
    const inputs = await endpointInputs("lookfails", {
      app: slug,
      url: "https://hooks.example.com/lookfails",
      events: ["invoice.paid"],
    });
    expect(await quickly(() => rejection(endpoint.create(inputs)))).toBe(
      `WebhookEndpoint "lookfails" create failed: its outcome is unknown, and looking for what it made failed ` +
        `(500 Something went wrong, GET ${endpointsPath(slug)}).\n` +
        "An endpoint at https://hooks.example.com/lookfails may exist in Wacht. Run `WACHT_ADOPT_EXISTING=true " +
        "pulumi up` once: it takes back what it finds instead of creating a second one.",
    );
    process.env.WACHT_ADOPT_EXISTING = "true";
    const retaken = await endpoint.create(inputs);
    const live = await listed(slug);
    expect(Object.fromEntries(live.map((e) => [e.url, String(e.id)]))).toStrictEqual({
      "https://hooks.example.com/first": expect.any(String),
      "https://hooks.example.com/lookfails": retaken.outs?.endpointId,
    });
  });

  it("does not repeat a create answered 502 blindly: it looks first, then creates again", async () => {
    const slug = await seedApp("gatewaypost");
    await bed.fault({ method: "POST", path: endpointsPath(slug), status: 502, times: 1 });
    await bed.clearJournal();
    const result = await endpoint.create(
      await endpointInputs("gwpost", {
        app: slug,
        url: "https://hooks.example.com/gwpost",
        events: ["invoice.paid"],
      }),
    );
    expect(calls(await bed.journal())).toStrictEqual([
      `GET ${endpointsPath(slug)} 200`,
      `POST ${endpointsPath(slug)} 502`,
      `GET ${endpointsPath(slug)} 200`,
      `POST ${endpointsPath(slug)} 200`,
    ]);
    expect((await listed(slug)).map((e) => String(e.id))).toStrictEqual([result.outs?.endpointId]);
  });

  it("settles a lost answer when its first look is answered 502: the look is retried and the endpoint taken", async () => {
    const slug = await seedApp("gateway");
    await bed.fault({ method: "POST", path: endpointsPath(slug), lostResponse: true, times: 1 });
    await bed.fault({ method: "GET", path: endpointsPath(slug), status: 502, times: 1 });
    const result = await endpoint.create(
      await endpointInputs("gw", {
        app: slug,
        url: "https://hooks.example.com/gw",
        events: ["invoice.paid"],
      }),
    );
    expect((await listed(slug)).map((e) => String(e.id))).toStrictEqual([result.outs?.endpointId]);
  });

  it("adopts by app and URL on every create while WACHT_ADOPT_EXISTING is true, without a duplicate", async () => {
    const slug = await seedApp("adoptexisting");
    const left = await rawEndpoint(slug, "https://hooks.example.com/left", ["invoice.paid"]);
    process.env.WACHT_ADOPT_EXISTING = "true";
    await bed.clearJournal();
    const result = await endpoint.create(
      await endpointInputs("left", {
        app: slug,
        url: "https://hooks.example.com/left",
        events: ["invoice.paid"],
      }),
    );
    expect(result.outs?.endpointId).toBe(left);
    expect(calls(await bed.journal())).toStrictEqual([`GET ${endpointsPath(slug)} 200`]);
  });

  it("never lets two resources adopt one endpoint", async () => {
    const slug = await seedApp("adopttwice");
    await rawEndpoint(slug, "https://hooks.example.com/one", ["invoice.paid"]);
    const url = "https://hooks.example.com/one";
    const first = await endpoint.create(
      await endpointInputs("a", { app: slug, url, events: ["invoice.paid"], adopt: true }),
    );
    const second = await endpoint.create(
      await endpointInputs("b", { app: slug, url, events: ["invoice.paid"], adopt: true }),
    );
    expect(second.outs?.endpointId).not.toBe(first.outs?.endpointId);
    expect((await listed(slug)).length).toBe(2);
  });
});

describe("objects held by resources already in state", () => {
  it("never lets an adopting create take an endpoint a resource in state holds (seen in its diff)", async () => {
    const slug = await seedApp("instate");
    const url = "https://hooks.example.com/kept";
    const keptInputs = await endpointInputs("kept", { app: slug, url, events: ["invoice.paid"] });
    const kept = await endpoint.create(keptInputs);
    resetIdentification();
    // A new deployment: the kept endpoint is only diffed, the other one adopts at the same URL.
    await endpoint.diff(kept.id, kept.outs!, keptInputs);
    const other = await endpoint.create(
      await endpointInputs("other", { app: slug, url, events: ["invoice.paid"], adopt: true }),
    );
    expect(other.outs?.endpointId).not.toBe(kept.outs?.endpointId);
    expect((await listed(slug)).length).toBe(2);
  });

  it("takes in recovery only the endpoint the program declares exactly, not another at its URL", async () => {
    const slug = await seedApp("exactonly");
    const url = "https://hooks.example.com/exact";
    const theirs = await rawEndpoint(slug, url, ["invoice.paid"]);
    process.env.WACHT_ADOPT_EXISTING = "true";
    const ours = await endpoint.create(
      await endpointInputs("ours", { app: slug, url, events: ["user.created"] }),
    );
    expect(ours.outs?.endpointId).not.toBe(theirs);
    expect((await listed(slug)).length).toBe(2);
  });
});

describe("WebhookApp creates under faults", () => {
  it("recovers an auto-named app whose create answer was lost, by its slug, with one app in Wacht", async () => {
    const inputs = await appInputs("users", { name: "Users" });
    const slug = inputs.slug ?? "";
    expect(slug).toMatch(/^users_[a-z0-9]{7}$/);
    await bed.fault({ method: "POST", path: "/webhooks/apps", lostResponse: true, times: 1 });
    await bed.clearJournal();
    const result = await app.create(inputs);
    expect(result.id).toBe(slug);
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${slug} 404`,
      "POST /webhooks/apps 0",
      `GET /webhooks/apps/${slug} 200`,
    ]);
    const all = (await bed.api("GET", "/webhooks/apps?limit=1000")).body as { data: Array<{ name: string }> };
    expect(all.data.filter((a) => a.name === "Users").length).toBe(1);
  });

  it("sends the app create again after a 502 that made nothing", async () => {
    const inputs = await appInputs("gw", { name: "Gateway", slug: unique("gw") });
    await bed.fault({ method: "POST", path: "/webhooks/apps", status: 502, times: 1 });
    await bed.clearJournal();
    const result = await app.create(inputs);
    expect(result.id).toBe(inputs.slug);
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${inputs.slug} 404`,
      "POST /webhooks/apps 502",
      `GET /webhooks/apps/${inputs.slug} 404`,
      "POST /webhooks/apps 200",
    ]);
  });

  it("never lets two resources of one deployment hold one app, even when both adopt it", async () => {
    const slug = unique("held");
    await app.create(await appInputs("first", { name: "One", slug }));
    expect(await rejection(app.create(await appInputs("second", { name: "One", slug, adopt: true })))).toBe(
      `WebhookApp "second" create failed: App '${slug}' is already held by resource "first" of this deployment; ` +
        "two resources cannot manage one Wacht object.",
    );
  });

  it("adopts an app that exists while WACHT_ADOPT_EXISTING is true, leaving its secret", async () => {
    const slug = unique("leftapp");
    const made = await bed.api("POST", "/webhooks/apps", { app_slug: slug, name: "Left" });
    process.env.WACHT_ADOPT_EXISTING = "true";
    resetIdentification();
    const result = await app.create(await appInputs("left", { name: "Left", slug }));
    expect(result.outs?.signingSecret).toBe((made.body as { signing_secret: string }).signing_secret);
  });
});

describe("Wacht's body limit", () => {
  it("puts check's limit exactly where Wacht answers 413", async () => {
    const slug = await seedApp("bodylimit");
    const base = { app: slug, events: ["invoice.paid"] };
    const sized = async (extra: number) => {
      const probe = await endpoint.check(
        {},
        { pulumiName: "big", ...base, url: "https://hooks.example.com/" },
      );
      // The body create sends: the checked inputs with the defaults filled in (state keeps none).
      const overhead = Buffer.byteLength(
        JSON.stringify(createBody(completed(endpointSchema, probe.inputs!))),
      );
      return `https://hooks.example.com/${"a".repeat(2 * 1024 * 1024 - overhead + extra)}`;
    };
    const fits = await endpointInputs("big", { ...base, url: await sized(0) });
    const made = await endpoint.create(fits);
    expect(made.outs?.url.length).toBe(fits.url.length);

    const over = await endpoint.check({}, { pulumiName: "big", ...base, url: await sized(1) });
    expect(over.failures?.map((f) => f.property)).toStrictEqual(["url"]);
    const { app_slug: _slug, ...body } = createBody(
      completed(endpointSchema, { ...fits, url: await sized(1) }),
    );
    const raw = await bed.api("POST", endpointsPath(slug), { app_slug: slug, ...body });
    expect(raw.status).toBe(413);
  });
});

describe("a create that fails after its object was made", () => {
  it("reports the app as created with an error, carrying its id and state, so the engine keeps it", async () => {
    const inputs = await appInputs("paused", { name: "Paused", slug: unique("paused"), active: false });
    await bed.fault({ method: "PATCH", path: `/webhooks/apps/${inputs.slug}`, status: 503, times: 6 });
    const error = (await app
      .create({ ...inputs, __provider: "loader" } as typeof inputs)
      .catch((e) => e)) as {
      message: string;
      id?: string;
      properties?: Record<string, unknown>;
    };
    expect(error.message).toBe(
      `WebhookApp "paused" create failed: 503 Something went wrong (PATCH /webhooks/apps/${inputs.slug})`,
    );
    expect(error.id).toBe(inputs.slug);
    // The state records the app as Wacht holds it, active: state leaves the default out (withDefaults), so
    // the next diff sees `active` true against the program's false and deactivates it.
    expect(error.properties).toMatchObject({ slug: inputs.slug, __provider: "loader" });
    expect(error.properties).not.toHaveProperty("active");
  });

  it("reports the endpoint as created with an error when its deactivation fails", async () => {
    const slug = await seedApp("deactivate");
    const inputs = await endpointInputs("off", {
      app: slug,
      url: "https://hooks.example.com/off",
      events: ["invoice.paid"],
      active: false,
    });
    await bed.fault({ method: "PATCH", path: `${endpointsPath(slug)}/*`, status: 503, times: 6 });
    const error = (await endpoint.create(inputs).catch((e) => e)) as {
      id?: string;
      properties?: Record<string, unknown>;
    };
    const [only] = await listed(slug);
    expect(error.id).toBe(`${slug}/${only?.id}`);
    // Active in Wacht, which state says by leaving the default out (withDefaults).
    expect(error.properties).not.toHaveProperty("active");
    expect(error.properties).toMatchObject({ endpointId: String(only?.id), isActive: true });
  });
});
