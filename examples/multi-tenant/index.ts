// Provisioning webhooks on behalf of customers: one shared event catalog, and per customer (tenant) an
// app with its own signing secret and one endpoint at the customer's URL. The tenant list is stack
// config (`tenants`; two demo customers by default), so onboarding a customer is a config change and a
// `pulumi up`.
import * as pulumi from "@pulumi/pulumi";
import * as wacht from "pulumi-wacht";

/** One customer, as listed in the stack config key `tenants`. */
interface Tenant {
  /** Stable identifier; becomes the app slug `tenant_<id>`. Changing it replaces the tenant's app. */
  id: string;
  /** Display name of the customer's app. */
  name: string;
  /** Where the customer receives webhooks. */
  webhookUrl: string;
  /** Event names from the shared catalog the customer subscribes to. */
  events: string[];
}

// Two demo customers unless the stack config lists the real ones.
const demoTenants: Tenant[] = [
  { id: "acme", name: "Acme", webhookUrl: "https://acme.example.com/hooks", events: ["order.created"] },
  { id: "globex", name: "Globex", webhookUrl: "https://globex.example.com/hooks", events: ["invoice.paid"] },
];

const config = new pulumi.Config();
const tenants = config.getObject<Tenant[]>("tenants") ?? demoTenants;

const catalog = new wacht.WebhookEventCatalog("platform-events", {
  slug: "platform-events",
  name: "Platform events",
  description: "Events every customer can subscribe to",
  events: [
    { name: "order.created", description: "An order was placed", group: "orders" },
    { name: "order.shipped", description: "An order left the warehouse", group: "orders" },
    { name: "invoice.paid", description: "An invoice was paid", group: "billing" },
  ],
});

const apps: Record<string, wacht.WebhookApp> = {};
for (const tenant of tenants) {
  const app = new wacht.WebhookApp(`tenant-${tenant.id}`, {
    name: tenant.name,
    slug: `tenant_${tenant.id}`,
    description: `Webhooks of ${tenant.name}`,
    eventCatalog: catalog,
  });
  // Given the app resource (not its slug), the endpoint's events are checked against the catalog at
  // preview: a typo in the config fails before any API call.
  new wacht.WebhookEndpoint(`tenant-${tenant.id}-primary`, {
    app,
    url: tenant.webhookUrl,
    events: tenant.events,
  });
  apps[tenant.id] = app;
}

const ids = Object.keys(apps);

/** Tenant id → app slug. */
export const appSlugs = pulumi
  .all(ids.map((id) => apps[id]!.slug))
  .apply((slugs) => Object.fromEntries(ids.map((id, i) => [id, slugs[i]])));

/** Tenant id → signing secret, to hand to each customer. One secret output for the whole map. */
export const signingSecrets = pulumi.secret(
  pulumi
    .all(ids.map((id) => apps[id]!.signingSecret))
    .apply((secrets) => Object.fromEntries(ids.map((id, i) => [id, secrets[i]]))),
);
