// The benchmark's Pulumi program (scripts/bench.mjs copies it into each project folder as index.js):
// 1 event catalog, 10 apps on it and `bench:endpoints` endpoints spread over the apps. With
// `bench:variant` "wacht" it uses pulumi-wacht; with "noop" the same shape and the same declared inputs go
// to a dynamic provider that stores its inputs and calls nothing: the engine's floor. Changing
// `bench:tag` changes every resource's description, so `up` then updates all of them in place.

const pulumi = require("@pulumi/pulumi");

const config = new pulumi.Config("bench");
const variant = config.require("variant");
const endpoints = config.requireNumber("endpoints");
const prefix = config.require("prefix");
const tag = config.require("tag");
const APPS = 10;

const events = [
  {
    name: "invoice.paid",
    description: "An invoice was paid",
    group: "invoices",
    schema: {
      type: "object",
      properties: {
        invoice_id: { type: "string" },
        amount: { type: "number" },
        currency: { type: "string" },
      },
    },
  },
  { name: "invoice.overdue", description: "An invoice is past due", group: "invoices" },
  { name: "invoice.voided", description: "An invoice was voided", group: "invoices" },
  {
    name: "subscription.cancelled",
    description: "A subscription was cancelled",
    schema: { type: "object", properties: { plan: { type: "string" } } },
  },
  { name: "customer.created", description: "A customer signed up" },
];

const catalogArgs = {
  slug: `${prefix}-events`,
  name: "Bench events",
  description: `Catalog (${tag})`,
  events,
};
const appArgs = (a) => ({ name: `App ${a}`, slug: `${prefix}-app-${a}`, description: `App ${a} (${tag})` });
const endpointArgs = (i) => ({
  url: `https://hooks.example.com/${prefix}/${i}`,
  description: `Receiver ${i} (${tag})`,
  subscriptions: [{ event: "invoice.paid", filter: { amount: { $gte: 100 } } }, { event: "invoice.overdue" }],
});

if (variant === "wacht") {
  const wacht = require("pulumi-wacht");
  const catalog = new wacht.WebhookEventCatalog("events", catalogArgs);
  const apps = Array.from(
    { length: APPS },
    (_, a) => new wacht.WebhookApp(`app-${a}`, { ...appArgs(a), eventCatalog: catalog }),
  );
  for (let i = 0; i < endpoints; i++) {
    new wacht.WebhookEndpoint(`endpoint-${i}`, { app: apps[i % APPS], ...endpointArgs(i) });
  }
} else {
  // "noop+outputs" (--floor-outputs): the same no-op, but each resource also registers and returns the
  // outputs pulumi-wacht documents (its computed properties and the resource name it keeps for
  // messages), with values of the same kind: what any provider with that surface pays before any work.
  const withOutputs = variant === "noop-outputs";
  // The names the resource classes register; the values come from the provider in
  // scripts/bench/noop-outputs.js, installed as a package so that state holds it as one `require`, as it
  // holds pulumi-wacht's: this variant has the thinner serialized provider of the two floors.
  const documented = {
    WebhookEventCatalog: ["archivedEvents", "createdAt", "updatedAt"],
    WebhookApp: ["signingSecret", "previousSigningSecret", "secretRotatedAt", "createdAt", "updatedAt"],
    WebhookEndpoint: [
      ...["endpointId", "headerNames", "isActive", "failureCount", "autoDisabled", "lastVerification"],
      ...["createdAt", "updatedAt"],
    ],
  };
  const noop = {
    async create(inputs) {
      return { id: inputs.slug ?? require("node:crypto").randomUUID(), outs: inputs };
    },
    async update(_id, _olds, news) {
      return { outs: news };
    },
    async delete() {},
  };
  class Noop extends pulumi.dynamic.Resource {
    constructor(type, name, props) {
      const outputs = withOutputs
        ? {
            pulumiName: name,
            ...Object.fromEntries(documented[type].map((key) => [key, undefined])),
          }
        : {};
      const secrets =
        withOutputs && type === "WebhookApp" ? { additionalSecretOutputs: ["signingSecret"] } : undefined;
      super(
        withOutputs ? require("bench-noop-outputs") : noop,
        name,
        { ...props, ...outputs },
        secrets,
        "bench",
        type,
      );
    }
  }
  const catalog = new Noop("WebhookEventCatalog", "events", catalogArgs);
  const apps = Array.from(
    { length: APPS },
    (_, a) => new Noop("WebhookApp", `app-${a}`, { ...appArgs(a), eventCatalog: catalog.slug }),
  );
  for (let i = 0; i < endpoints; i++) {
    new Noop("WebhookEndpoint", `endpoint-${i}`, { app: apps[i % APPS].slug, ...endpointArgs(i) });
  }
}
