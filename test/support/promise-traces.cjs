// Prints, as JSON, which stack traces the program's `Error.prepareStackTrace` formatted while resources
// built from the compiled `dist/` registered under Pulumi's mocks (provider/traces.ts): counted by the
// function that took each trace. Run in a plain `node` process, like class-outputs.cjs, because vitest
// installs its own stack formatting and rewrites the modules it loads.
const pulumi = require("@pulumi/pulumi");

const formattedBy = {};
const programFormat = (error, sites) => {
  const taker = sites[0]?.getFunctionName() ?? "(anonymous)";
  formattedBy[taker] = (formattedBy[taker] ?? 0) + 1;
  return `formatted by the program: ${error.message}`;
};
Error.prepareStackTrace = programFormat;

pulumi.runtime.setMocks(
  { newResource: (args) => ({ id: "billing/42", state: args.inputs }), call: () => ({}) },
  "project",
  "stack",
  false,
);

const wacht = require("../../dist");

const catalog = new wacht.WebhookEventCatalog("events", {
  slug: "billing-events",
  name: "Billing",
  events: [],
});
const app = new wacht.WebhookApp("billing", { name: "Billing", slug: "billing", eventCatalog: catalog });
new wacht.WebhookEndpoint("primary", { app, url: "https://hooks.example.com/wacht", events: [] });
let thrown;
try {
  new wacht.WebhookEndpoint(
    "transformed",
    { app: "billing", url: "https://hooks.example.com/other" },
    {
      transformations: [
        () => {
          throw new Error("the program's transformation failed");
        },
      ],
    },
  );
} catch (error) {
  thrown = error.stack;
}
console.log(
  JSON.stringify({
    formattedBy,
    restored: Error.prepareStackTrace === programFormat,
    thrown,
  }),
);
