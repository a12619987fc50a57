// Prints, as JSON, the outputs the program sees of resources built from the compiled `dist/` under Pulumi's
// mocks, when the engine returns state that leaves out every value equal to its default (as the
// provider's `withDefaults` stores it). Run in a plain `node` process, like serialize-provider.cjs,
// because vitest rewrites the modules it loads and Pulumi serializes each resource's provider.
const pulumi = require("@pulumi/pulumi");

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const { inputs } = args;
      // What create stored for each: the program's values and Wacht's computed ones, no defaults.
      const state = args.type.endsWith("WebhookEndpoint")
        ? {
            pulumiName: inputs.pulumiName,
            app: inputs.app,
            url: inputs.url,
            endpointId: "42",
            isActive: true,
          }
        : args.type.endsWith("WebhookApp")
          ? { pulumiName: inputs.pulumiName, name: inputs.name, slug: "billing", signingSecret: "whsec_x" }
          : { pulumiName: inputs.pulumiName, slug: inputs.slug, name: inputs.name, events: [] };
      return { id: state.slug ?? "billing/42", state };
    },
    call: () => ({}),
  },
  "project",
  "stack",
  false,
);

const wacht = require("../../dist");

const value = (output) =>
  new Promise((resolve) => output.apply((v) => resolve(v === undefined ? "(undefined)" : v)));

(async () => {
  const catalog = new wacht.WebhookEventCatalog("events", {
    slug: "billing-events",
    name: "Billing",
    description: "",
    events: [],
  });
  const app = new wacht.WebhookApp("billing", {
    name: "Billing",
    slug: "billing",
    description: "",
    active: true,
  });
  const endpoint = new wacht.WebhookEndpoint("primary", {
    app: "billing",
    url: "https://hooks.example.com/wacht",
    maxRetries: 32,
    timeoutSeconds: 30,
  });
  console.log(
    JSON.stringify({
      catalogDescription: await value(catalog.description),
      appDescription: await value(app.description),
      appActive: await value(app.active),
      endpointMaxRetries: await value(endpoint.maxRetries),
      endpointTimeoutSeconds: await value(endpoint.timeoutSeconds),
      endpointHeaders: await value(endpoint.headers),
      endpointUrl: await value(endpoint.url),
      endpointId: await value(endpoint.endpointId),
      endpointRateLimit: endpoint.rateLimit === undefined ? "(not registered)" : "registered",
    }),
  );
})();
