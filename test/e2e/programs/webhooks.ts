// The e2e tests' program: declares whatever the stack config `e2e:spec` describes, so each test step
// changes the program by changing config, exactly as a user edits and re-runs theirs.
import * as pulumi from "@pulumi/pulumi";
import * as wacht from "pulumi-wacht";

interface Spec {
  catalogs?: Array<{ name: string; args: wacht.WebhookEventCatalogArgs }>;
  apps?: Array<{
    name: string;
    catalog?: string;
    args: Omit<wacht.WebhookAppArgs, "eventCatalog"> & { eventCatalog?: string };
  }>;
  endpoints?: Array<{ name: string; app: string; args: Omit<wacht.WebhookEndpointArgs, "app"> }>;
  /** WebhookAppEndpoints: `endpoints` names endpoints of this spec, or gives Wacht endpoint ids. */
  exclusive?: Array<{ name: string; app: string; endpoints: string[]; unmanaged?: wacht.UnmanagedAction }>;
}

const spec = new pulumi.Config("e2e").requireObject<Spec>("spec");

const catalogs = new Map<string, wacht.WebhookEventCatalog>();
for (const { name, args } of spec.catalogs ?? [])
  catalogs.set(name, new wacht.WebhookEventCatalog(name, args));

const apps = new Map<string, wacht.WebhookApp>();
for (const { name, catalog, args } of spec.apps ?? []) {
  const eventCatalog = catalog !== undefined ? catalogs.get(catalog) : args.eventCatalog;
  apps.set(
    name,
    new wacht.WebhookApp(name, { ...args, ...(eventCatalog !== undefined ? { eventCatalog } : {}) }),
  );
}

// A header value "$config:<key>" comes from the secret stack config `e2e:<key>`, as a real program's would.
const config = new pulumi.Config("e2e");
function headersOf(headers: Record<string, unknown> | undefined) {
  if (headers === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [
      key,
      typeof value === "string" && value.startsWith("$config:")
        ? config.requireSecret(value.slice(8))
        : String(value),
    ]),
  );
}

const endpoints = new Map<string, wacht.WebhookEndpoint>();
for (const { name, app, args } of spec.endpoints ?? []) {
  const headers = headersOf(args.headers as Record<string, unknown> | undefined);
  endpoints.set(
    name,
    new wacht.WebhookEndpoint(name, {
      ...args,
      ...(headers ? { headers } : {}),
      app: apps.get(app) ?? app,
    }),
  );
}

const exclusive = new Map<string, wacht.WebhookAppEndpoints>();
for (const { name, app, endpoints: declared, unmanaged } of spec.exclusive ?? []) {
  exclusive.set(
    name,
    new wacht.WebhookAppEndpoints(name, {
      app: apps.get(app) ?? app,
      endpoints: declared.map((e) => endpoints.get(e) ?? e),
      ...(unmanaged ? { unmanaged } : {}),
    }),
  );
}

export const appSlugs = Object.fromEntries([...apps].map(([name, app]) => [name, app.slug]));
// Nested secrets do not make a stack output secret as a whole: wrap the maps.
export const secrets = pulumi.secret(
  Object.fromEntries([...apps].map(([name, app]) => [name, app.signingSecret])),
);
export const previousSecrets = pulumi.secret(
  Object.fromEntries([...apps].map(([name, app]) => [name, app.previousSigningSecret])),
);
export const endpointIds = Object.fromEntries([...endpoints].map(([name, e]) => [name, e.endpointId]));
export const endpointActive = Object.fromEntries([...endpoints].map(([name, e]) => [name, e.isActive]));
export const unmanagedEndpoints = Object.fromEntries(
  [...exclusive].map(([name, e]) => [name, e.unmanagedEndpoints]),
);
