// The chaos benchmark's Pulumi program, copied as index.js into each run's project folder next to the
// spec.json that scripts/chaos/spec.mjs wrote. Plain CommonJS, so the folder needs no build step.
"use strict";
const wacht = require("pulumi-wacht");
const spec = require("./spec.json");

const catalog = new wacht.WebhookEventCatalog(spec.catalog.name, spec.catalog.args);
const apps = new Map(
  spec.apps.map((app) => [app.name, new wacht.WebhookApp(app.name, { ...app.args, eventCatalog: catalog })]),
);
const endpoints = new Map(
  spec.endpoints.map((e) => [e.name, new wacht.WebhookEndpoint(e.name, { ...e.args, app: apps.get(e.app) })]),
);
if (spec.exclusive) {
  for (const app of spec.apps) {
    new wacht.WebhookAppEndpoints(`${app.name}-endpoints`, {
      app: apps.get(app.name),
      endpoints: spec.endpoints.filter((e) => e.app === app.name).map((e) => endpoints.get(e.name)),
    });
  }
}

exports.appSlugs = Object.fromEntries([...apps].map(([name, app]) => [name, app.slug]));
exports.endpointIds = Object.fromEntries([...endpoints].map(([name, e]) => [name, e.endpointId]));
