// The chaos benchmark's program as data (1 catalog, 3 apps, 30 endpoints), and the count of what the
// emulator and the Pulumi state hold against it: duplicates, orphans, lost objects.

const EVENTS = [
  { name: "user.created", description: "A user signed up" },
  { name: "user.deleted", description: "A user was deleted" },
  { name: "invoice.paid", description: "An invoice was paid" },
  { name: "order.shipped", description: "An order left the warehouse" },
];

/**
 * The declared objects. "users" has no slug (the provider names it), the others have one. In each app the
 * last two endpoints share a URL and differ in events and description, the hardest case for telling
 * endpoints apart after a lost answer.
 * `allSlugs` gives "users" a slug too.
 * @param {{ exclusive?: boolean, allSlugs?: boolean, endpointsPerApp?: number }} [options]
 */
export function chaosSpec({ exclusive = false, allSlugs = false, endpointsPerApp = 10 } = {}) {
  const catalog = {
    name: "events",
    args: { slug: "chaos-events", name: "Chaos events", events: EVENTS },
  };
  const apps = [
    { name: "users", args: { name: "Users", ...(allSlugs ? { slug: "chaos_users" } : {}) } },
    { name: "billing", args: { name: "Billing", slug: "chaos_billing" } },
    { name: "orders", args: { name: "Orders", slug: "chaos_orders" } },
  ];
  const endpoints = [];
  for (const app of apps) {
    for (let i = 0; i < endpointsPerApp; i++) {
      const shared = i === endpointsPerApp - 1 && i > 0;
      const n = shared ? i - 1 : i;
      endpoints.push({
        name: `${app.name}-${i}`,
        app: app.name,
        args: {
          url: `https://hooks.example.com/${app.name}/${n}`,
          description: `${app.args.name} receiver ${i}`,
          events: [EVENTS[i % EVENTS.length].name, ...(shared ? [EVENTS[(i + 1) % EVENTS.length].name] : [])],
        },
      });
    }
  }
  return { exclusive, catalog, apps, endpoints };
}

/** Wacht's app slug normalisation (spec §3.1). */
export function normalizeSlug(slug) {
  return slug
    .trim()
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toLowerCase()
    .replace(/^_+|_+$/g, "");
}

const appKey = (app) =>
  app.args.slug !== undefined ? `slug:${normalizeSlug(app.args.slug)}` : `name:${app.args.name}`;
const endpointKey = (app, url, description, events) =>
  JSON.stringify([app, url, description, [...events].sort()]);

/** Reads every catalog, app (inactive too) and endpoint from the emulator. */
export async function liveObjects(url, apiKey) {
  const get = async (path) => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const catalogs = (await get("/webhooks/event-catalogs")).data;
  const apps = (await get("/webhooks/apps?include_inactive=true&limit=10000")).data;
  const endpoints = [];
  for (const app of apps) {
    const page = await get(
      `/webhooks/apps/${encodeURIComponent(app.app_slug)}/endpoints?include_inactive=true&limit=10000`,
    );
    for (const endpoint of page.data) endpoints.push({ ...endpoint, app_slug: app.app_slug });
  }
  return { catalogs, apps, endpoints };
}

/** The Wacht objects the resources of an exported Pulumi deployment hold, by kind. */
export function stateObjects(deployment) {
  const held = { catalog: [], app: [], endpoint: [] };
  const kinds = {
    "pulumi-nodejs:dynamic/wacht:WebhookEventCatalog": "catalog",
    "pulumi-nodejs:dynamic/wacht:WebhookApp": "app",
    "pulumi-nodejs:dynamic/wacht:WebhookEndpoint": "endpoint",
  };
  for (const resource of deployment?.resources ?? []) {
    const kind = kinds[resource.type];
    if (!kind || resource.delete) continue;
    // An endpoint's Pulumi id is `<app slug>/<endpoint id>`.
    const id = kind === "endpoint" ? String(resource.id).split("/").pop() : resource.id;
    held[kind].push({ name: resource.urn.split("::").pop(), id });
  }
  const pending = (deployment?.pending_operations ?? []).map(
    (op) => `${op.type} ${op.resource.urn.split("::").pop()}`,
  );
  return { held, pending };
}

/**
 * Counts, against the spec:
 * - duplicates: live copies beyond the first of each declared object (matched by catalog slug, app slug or,
 *   for an app without one, its name; endpoints by app, URL, description and events);
 * - orphans: live objects that no resource in the Pulumi state holds (duplicates left unheld count here too);
 * - lostLive: declared objects with no live copy;
 * - lostState: declared resources missing from the state, holding an id that does not exist, or holding
 *   the same id as another resource.
 */
export function tally(spec, live, state) {
  const declaredApps = new Map(spec.apps.map((app) => [app.name, appKey(app)]));
  const liveAppKey = (app) => {
    for (const declared of spec.apps) {
      if (declared.args.slug !== undefined && normalizeSlug(declared.args.slug) === app.app_slug)
        return appKey(declared);
    }
    const byName = spec.apps.find(
      (declared) => declared.args.slug === undefined && declared.args.name === app.name,
    );
    return byName ? appKey(byName) : `other:${app.app_slug}`;
  };
  const appKeyBySlug = new Map(live.apps.map((app) => [app.app_slug, liveAppKey(app)]));

  const copies = new Map();
  const count = (key) => copies.set(key, (copies.get(key) ?? 0) + 1);
  for (const catalog of live.catalogs) count(`catalog:${catalog.slug}`);
  for (const app of live.apps) count(`app:${appKeyBySlug.get(app.app_slug)}`);
  for (const endpoint of live.endpoints) {
    const events = (endpoint.subscriptions ?? []).map((s) => s.event_name);
    count(
      `endpoint:${endpointKey(appKeyBySlug.get(endpoint.app_slug), endpoint.url, endpoint.description ?? "", events)}`,
    );
  }
  const declaredKeys = [
    `catalog:${spec.catalog.args.slug}`,
    ...spec.apps.map((app) => `app:${appKey(app)}`),
    ...spec.endpoints.map(
      (e) =>
        `endpoint:${endpointKey(declaredApps.get(e.app), e.args.url, e.args.description ?? "", e.args.events)}`,
    ),
  ];
  let duplicates = 0;
  let lostLive = 0;
  for (const key of declaredKeys) {
    const n = copies.get(key) ?? 0;
    if (n === 0) lostLive++;
    duplicates += Math.max(0, n - 1);
  }

  const liveIds = {
    catalog: new Set(live.catalogs.map((c) => c.slug)),
    app: new Set(live.apps.map((a) => a.app_slug)),
    endpoint: new Set(live.endpoints.map((e) => String(e.id))),
  };
  let orphans = 0;
  let lostState = 0;
  const declaredNames = {
    catalog: [spec.catalog.name],
    app: spec.apps.map((a) => a.name),
    endpoint: spec.endpoints.map((e) => e.name),
  };
  for (const kind of ["catalog", "app", "endpoint"]) {
    const held = state.held[kind];
    const heldIds = new Set(held.map((r) => String(r.id)));
    for (const id of liveIds[kind]) if (!heldIds.has(id)) orphans++;
    const holders = new Map();
    for (const r of held) holders.set(String(r.id), (holders.get(String(r.id)) ?? 0) + 1);
    for (const name of declaredNames[kind]) {
      const r = held.find((h) => h.name === name);
      if (!r || !liveIds[kind].has(String(r.id)) || holders.get(String(r.id)) > 1) lostState++;
    }
  }
  return { duplicates, orphans, lostLive, lostState, pending: state.pending.length };
}
