// The root project's program (Pulumi.yaml): the same as examples/quickstart/index.ts, kept identical by
// test/e2e/project-folders.test.ts. It lives here so that it resolves pulumi-wacht from this repository.

// The documentation's example made real: an event catalog, an app on it, and two endpoints.
import * as pulumi from "@pulumi/pulumi";
import * as wacht from "pulumi-wacht";

const config = new pulumi.Config("quickstart");
// Receivers of the demo. On the embedded emulator (`npm start`), private URLs are allowed.
const receiverBase = config.get("receiverBase") ?? "https://receiver.example.com";

const catalog = new wacht.WebhookEventCatalog("billing-events", {
  slug: "billing-events",
  name: "Billing events",
  description: "Events of the billing service",
  events: [
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
      examplePayload: { invoice_id: "inv_42", amount: 1999, currency: "EUR" },
    },
    { name: "invoice.overdue", description: "An invoice is past due", group: "invoices" },
    { name: "subscription.cancelled", description: "A subscription was cancelled" },
  ],
});

const app = new wacht.WebhookApp("billing", {
  name: "Billing",
  slug: "payments-int",
  description: "Webhooks of the billing service",
  eventCatalog: catalog,
  failureNotificationEmails: ["oncall@example.com"],
});

const ledger = new wacht.WebhookEndpoint("ledger", {
  app,
  url: `${receiverBase}/ledger`,
  description: "Books paid invoices",
  subscriptions: [{ event: "invoice.paid", filter: { amount: { $gte: 100 } } }],
  headers: { "X-Receiver-Token": config.getSecret("receiverToken") ?? "demo-token" },
  maxRetries: 8,
  timeoutSeconds: 15,
});

const alerts = new wacht.WebhookEndpoint("alerts", {
  app,
  url: `${receiverBase}/alerts`,
  events: ["invoice.overdue", "subscription.cancelled"],
  rateLimit: { durationMs: 60_000, maxRequests: 100 },
});

export const appSlug = app.slug;
export const signingSecret = app.signingSecret;
export const ledgerEndpointId = ledger.endpointId;
export const alertsEndpointId = alerts.endpointId;
export const catalogEvents = catalog.events.apply((events) => events.map((e) => e.name));
