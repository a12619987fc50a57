// WebhookAppEndpoints against the in-process emulator: enforcing the declared set, refresh, deactivate
// mode, endpoints on their way out, fresh paged listings and error reports.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppEndpointsInputs, AppEndpointsOutputs } from "../../../provider/app-endpoints/schema";
import { webhooks } from "../../../provider/client";
import { findEndpoint } from "../../../provider/endpoint/listing";
import { appEndpoints } from "../../../provider/runtime";
import { calls, type ProviderBed, rejection, startBed, unique } from "./harness";

let bed: ProviderBed;

beforeAll(async () => {
  bed = await startBed();
});

afterAll(async () => {
  await bed?.close();
});

/** A catalog and an app using it, made through the API; returns the app slug. */
async function seedApp(prefix: string): Promise<string> {
  const slug = unique(prefix);
  const catalog = await bed.api("POST", "/webhooks/event-catalogs", {
    slug: `${slug}-events`,
    name: "Events",
    events: [{ name: "invoice.paid", description: "An invoice was paid" }],
  });
  expect(catalog.status).toBe(200);
  const app = await bed.api("POST", "/webhooks/apps", {
    app_slug: slug,
    name: slug,
    event_catalog_slug: `${slug}-events`,
  });
  expect(app.status).toBe(200);
  return slug;
}

/** An endpoint made through the API, as the dashboard would; returns its id. */
async function rawEndpoint(app: string, url: string): Promise<string> {
  const response = await bed.api("POST", `/webhooks/apps/${app}/endpoints`, {
    app_slug: app,
    url,
    subscriptions: [{ event_name: "invoice.paid" }],
  });
  expect(response.status).toBe(200);
  return String((response.body as { id: string }).id);
}

/** The app's endpoints as `id active` lines, by id. */
async function live(app: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 100) {
    const response = await bed.api(
      "GET",
      `/webhooks/apps/${app}/endpoints?include_inactive=true&limit=100&offset=${offset}`,
    );
    const page = response.body as { data: Array<{ id: string; is_active: boolean }>; has_more: boolean };
    ids.push(...page.data.map((e) => `${e.id} ${e.is_active ? "active" : "inactive"}`));
    if (!page.has_more) break;
  }
  return ids.sort((a, b) => a.length - b.length || a.localeCompare(b));
}

async function checked(news: Record<string, unknown>): Promise<AppEndpointsInputs> {
  const result = await appEndpoints.check(undefined, { pulumiName: "billing-endpoints", ...news });
  expect(result.failures).toStrictEqual([]);
  return result.inputs!;
}

async function create(inputs: AppEndpointsInputs): Promise<{ id: string; outs: AppEndpointsOutputs }> {
  const result = await appEndpoints.create(inputs);
  if (result.outs === undefined) throw new Error("create returned no outputs");
  return { id: result.id, outs: result.outs };
}

async function update(id: string, olds: AppEndpointsOutputs, news: AppEndpointsInputs) {
  const result = await appEndpoints.update(id, olds, news);
  if (result.outs === undefined) throw new Error("update returned no outputs");
  return result.outs;
}

const listPage = (app: string, offset: number) =>
  `GET /webhooks/apps/${app}/endpoints?limit=100&offset=${offset}&include_inactive=true 200`;

/** Journal lines with the query, where the listing's paging shows. */
async function requests(): Promise<string[]> {
  return (await bed.journal()).map((e) => `${e.method} ${e.path}${e.query ? `?${e.query}` : ""} ${e.status}`);
}

describe("WebhookAppEndpoints in delete mode", () => {
  let app: string;
  let ledger: string;
  let audit: string;
  let inputs: AppEndpointsInputs;
  let state: AppEndpointsOutputs;

  beforeAll(async () => {
    app = await seedApp("billing");
    ledger = await rawEndpoint(app, "https://ledger.example.com/hook");
    audit = await rawEndpoint(app, "https://audit.example.com/hook");
  });

  it("1. deletes, on create, the live endpoints the program does not declare, and only them", async () => {
    const stray = await rawEndpoint(app, "https://stray.example.com/hook");
    inputs = await checked({ app, endpoints: [audit, ledger] });
    await bed.clearJournal();
    const result = await create(inputs);
    expect(result).toStrictEqual({
      id: app,
      outs: {
        pulumiName: "billing-endpoints",
        app,
        endpoints: [audit, ledger],
        endpointIds: [audit, ledger],
        unmanagedEndpoints: [],
      },
    });
    expect(await requests()).toStrictEqual([
      `GET /webhooks/apps/${app} 200`,
      listPage(app, 0),
      `DELETE /webhooks/apps/${app}/endpoints/${stray} 200`,
    ]);
    expect(await live(app)).toStrictEqual([`${ledger} active`, `${audit} active`]);
    state = result.outs;
  });

  it("2. reads the same state back when nothing changed, and finds no diff", async () => {
    const read = await appEndpoints.read(app, state);
    expect(read).toStrictEqual({ id: app, props: state, inputs });
    expect(await appEndpoints.diff(app, state, inputs)).toMatchObject({ changes: false });
  });

  it("3. shows an endpoint made in the dashboard as drift of endpoints, inactive or not", async () => {
    const dashboard = await rawEndpoint(app, "https://dashboard.example.com/hook");
    expect(
      (await bed.api("PATCH", `/webhooks/apps/${app}/endpoints/${dashboard}`, { is_active: false })).status,
    ).toBe(200);
    const read = await appEndpoints.read(app, state);
    const props = {
      ...state,
      endpoints: [audit, ledger, dashboard],
      unmanagedEndpoints: [{ id: dashboard, url: "https://dashboard.example.com/hook", isActive: false }],
    };
    expect(read).toStrictEqual({
      id: app,
      props,
      inputs: {
        pulumiName: "billing-endpoints",
        app,
        endpoints: [audit, ledger, dashboard],
      },
    });
    expect(await appEndpoints.diff(app, props, inputs)).toStrictEqual({
      changes: true,
      replaces: [],
      stables: ["app", "unmanaged"],
      deleteBeforeReplace: false,
    });
    state = props;
  });

  it("4. deletes it on update, and a read afterwards is clean", async () => {
    const dashboard = state.unmanagedEndpoints[0]!.id;
    await bed.clearJournal();
    const outs = await update(app, state, inputs);
    expect(outs).toStrictEqual({ ...state, endpoints: [audit, ledger], unmanagedEndpoints: [] });
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${app} 200`,
      `GET /webhooks/apps/${app}/endpoints 200`,
      `DELETE /webhooks/apps/${app}/endpoints/${dashboard} 200`,
    ]);
    state = outs;
    expect(await appEndpoints.read(app, state)).toStrictEqual({ id: app, props: state, inputs });
  });

  it("5. leaves a declared endpoint deleted out of band to its own resource: no drift, no call", async () => {
    expect((await bed.api("DELETE", `/webhooks/apps/${app}/endpoints/${audit}`)).status).toBe(200);
    const read = await appEndpoints.read(app, state);
    expect(read).toStrictEqual({ id: app, props: state, inputs });
    await bed.clearJournal();
    expect(await update(app, state, inputs)).toStrictEqual(state);
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${app} 200`,
      `GET /webhooks/apps/${app}/endpoints 200`,
    ]);
  });

  it("6. spares endpoints declared before and not now: their resources delete them (replacement, removal)", async () => {
    // `ledger` is replaced create-before-delete: the new copy is declared, and the engine deletes the
    // old one after this update.
    const replacement = await rawEndpoint(app, "https://ledger.example.com/hook");
    const news = await checked({ app, endpoints: [audit, replacement] });
    await bed.clearJournal();
    const outs = await update(app, state, news);
    expect(outs).toStrictEqual({
      ...state,
      endpoints: [audit, replacement],
      endpointIds: [audit, replacement],
      unmanagedEndpoints: [],
    });
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${app} 200`,
      `GET /webhooks/apps/${app}/endpoints 200`,
    ]);
    expect(await live(app)).toStrictEqual([`${ledger} active`, `${replacement} active`]);
    // Had the engine not deleted it, the next refresh reports it.
    const read = await appEndpoints.read(app, outs);
    expect(read.props?.endpoints).toStrictEqual([audit, replacement, ledger]);
    state = outs;
    inputs = news;
  });

  it("7. deletes no endpoint and calls nothing when the resource is deleted", async () => {
    const before = await live(app);
    await bed.clearJournal();
    await appEndpoints.delete(app, state);
    expect(await bed.journal()).toStrictEqual([]);
    expect(await live(app)).toStrictEqual(before);
  });

  it("8. reads nothing once the app is gone, so that the state drops the resource", async () => {
    expect((await bed.api("DELETE", `/webhooks/apps/${app}`)).status).toBe(200);
    expect(await appEndpoints.read(app, state)).toStrictEqual({});
  });
});

describe("WebhookAppEndpoints in deactivate mode", () => {
  let app: string;
  let declared: string;
  let active: string;
  let inactive: string;
  let state: AppEndpointsOutputs;
  let inputs: AppEndpointsInputs;

  beforeAll(async () => {
    app = await seedApp("audit");
    declared = await rawEndpoint(app, "https://declared.example.com/hook");
    active = await rawEndpoint(app, "https://active.example.com/hook");
    inactive = await rawEndpoint(app, "https://inactive.example.com/hook");
    await bed.api("PATCH", `/webhooks/apps/${app}/endpoints/${inactive}`, { is_active: false });
  });

  it("sets only the active unmanaged endpoints inactive, deleting none", async () => {
    inputs = await checked({ app, endpoints: [declared], unmanaged: "deactivate" });
    await bed.clearJournal();
    const result = await create(inputs);
    expect(result.outs).toStrictEqual({
      pulumiName: "billing-endpoints",
      app,
      endpoints: [declared],
      unmanaged: "deactivate",
      endpointIds: [declared],
      unmanagedEndpoints: [
        { id: active, url: "https://active.example.com/hook", isActive: false },
        { id: inactive, url: "https://inactive.example.com/hook", isActive: false },
      ],
    });
    expect(calls(await bed.journal())).toStrictEqual([
      `GET /webhooks/apps/${app} 200`,
      `GET /webhooks/apps/${app}/endpoints 200`,
      `PATCH /webhooks/apps/${app}/endpoints/${active} 200`,
    ]);
    expect(await live(app)).toStrictEqual([
      `${declared} active`,
      `${active} inactive`,
      `${inactive} inactive`,
    ]);
    state = result.outs;
  });

  it("reads inactive unmanaged endpoints as no drift, and an endpoint turned back on as drift", async () => {
    expect(await appEndpoints.read(app, state)).toStrictEqual({ id: app, props: state, inputs });
    await bed.api("PATCH", `/webhooks/apps/${app}/endpoints/${active}`, { is_active: true });
    const read = await appEndpoints.read(app, state);
    expect(read.inputs?.endpoints).toStrictEqual([declared, active]);
    expect((await appEndpoints.diff(app, read.props!, inputs)).changes).toBe(true);
  });

  it("deletes the deactivated endpoints once the mode becomes delete", async () => {
    const news = await checked({ app, endpoints: [declared], unmanaged: "delete" });
    expect(await appEndpoints.diff(app, state, news)).toMatchObject({ changes: true, replaces: [] });
    const outs = await update(app, state, news);
    expect(outs.unmanagedEndpoints).toStrictEqual([]);
    expect(await live(app)).toStrictEqual([`${declared} active`]);
  });
});

describe("WebhookAppEndpoints listings", () => {
  it("reads the live endpoints afresh, not through the pages endpoint reads cached a moment ago", async () => {
    const app = await seedApp("fresh");
    const declared = await rawEndpoint(app, "https://declared.example.com/hook");
    const inputs = await checked({ app, endpoints: [declared] });
    const { outs } = await create(inputs);
    // An endpoint read caches the app's first page for 30 s ...
    expect((await findEndpoint(await webhooks(), app, declared))?.id).toBe(declared);
    // ... then an endpoint appears in the dashboard.
    const late = await rawEndpoint(app, "https://late.example.com/hook");
    const read = await appEndpoints.read(app, outs);
    expect(read.props?.unmanagedEndpoints).toStrictEqual([
      { id: late, url: "https://late.example.com/hook", isActive: true },
    ]);
  });

  it("pages through an app with more than 100 endpoints, 100 at a time, inactive ones included", async () => {
    const app = await seedApp("many");
    const ids: string[] = [];
    for (let i = 0; i < 103; i++) ids.push(await rawEndpoint(app, `https://hooks.example.com/${i}`));
    // The oldest (on the second page, the list being newest first) and the newest are unmanaged; one
    // declared endpoint is inactive.
    const [oldest, ...rest] = ids;
    const newest = rest.pop()!;
    await bed.api("PATCH", `/webhooks/apps/${app}/endpoints/${rest[50]}`, { is_active: false });
    const inputs = await checked({ app, endpoints: rest });
    await bed.clearJournal();
    const { outs } = await create(inputs);
    expect(outs.endpointIds).toStrictEqual(rest);
    const journal = await requests();
    expect(journal.slice(0, 3)).toStrictEqual([
      `GET /webhooks/apps/${app} 200`,
      listPage(app, 0),
      listPage(app, 100),
    ]);
    expect(journal.slice(3).sort()).toStrictEqual(
      [
        `DELETE /webhooks/apps/${app}/endpoints/${oldest} 200`,
        `DELETE /webhooks/apps/${app}/endpoints/${newest} 200`,
      ].sort(),
    );
    expect((await live(app)).length).toBe(101);
  });
});

describe("WebhookAppEndpoints errors", () => {
  it("names the resource, the operation, Wacht's answer and the request when the app does not exist", async () => {
    const app = unique("missing");
    const inputs = await checked({ app, endpoints: [] });
    expect(await rejection(appEndpoints.create(inputs))).toBe(
      `WebhookAppEndpoints "billing-endpoints" create failed: 404 Webhook app not found (GET /webhooks/apps/${app})\n` +
        "Give `app` as the WebhookApp resource rather than its slug when the program creates the app, so that " +
        "this resource waits for it.",
    );
  });

  it("refuses a second resource holding the same app to a set, before any change", async () => {
    const app = await seedApp("twice");
    const declared = await rawEndpoint(app, "https://declared.example.com/hook");
    await create(await checked({ app, endpoints: [declared] }));
    const other = await rawEndpoint(app, "https://other.example.com/hook");
    await bed.clearJournal();
    const second = await appEndpoints.check(undefined, {
      pulumiName: "more-endpoints",
      app,
      endpoints: [other],
    });
    expect(await rejection(appEndpoints.create(second.inputs!))).toBe(
      `WebhookAppEndpoints "more-endpoints" create failed: app '${app}' is already governed by ` +
        `WebhookAppEndpoints "billing-endpoints": each would delete the other's endpoints. ` +
        "Declare all of the app's endpoints in one WebhookAppEndpoints.",
    );
    expect(calls(await bed.journal())).toStrictEqual([`GET /webhooks/apps/${app} 200`]);
    expect(await live(app)).toStrictEqual([`${declared} active`, `${other} active`]);
  });

  it("reports the delete that kept failing, after deleting the other unmanaged endpoint", async () => {
    const app = await seedApp("faulty");
    const declared = await rawEndpoint(app, "https://declared.example.com/hook");
    const { outs } = await create(await checked({ app, endpoints: [declared] }));
    const stray = await rawEndpoint(app, "https://stray.example.com/hook");
    const stuck = await rawEndpoint(app, "https://stuck.example.com/hook");
    await bed.fault({
      method: "DELETE",
      path: `/webhooks/apps/${app}/endpoints/${stuck}`,
      status: 503,
      retryAfter: 0,
      times: 6,
    });
    await bed.clearJournal();
    expect(
      await rejection(appEndpoints.update(app, outs, await checked({ app, endpoints: [declared] }))),
    ).toBe(
      `WebhookAppEndpoints "billing-endpoints" update failed: 503 Something went wrong (DELETE /webhooks/apps/${app}/endpoints/${stuck})`,
    );
    expect(calls(await bed.journal()).filter((line) => line.startsWith("DELETE"))).toStrictEqual([
      `DELETE /webhooks/apps/${app}/endpoints/${stray} 200`,
      ...Array(6).fill(`DELETE /webhooks/apps/${app}/endpoints/${stuck} 503`),
    ]);
    expect(await live(app)).toStrictEqual([`${declared} active`, `${stuck} active`]);
  });
});
