/**
 * WebhookEventCatalog's serialized provider (see loader.ts). It is the module's whole export, so that
 * Pulumi stores an installed package's copy as one `require("pulumi-wacht/dist/loaders/catalog.js")`:
 * the path is kept.
 */
import type * as pulumi from "@pulumi/pulumi";

type Method = (...a: unknown[]) => Promise<never>;
const plan: Method = (...a) => require("pulumi-wacht/runtime").catalog.plan(...a);
const write: Method = (...a) => require("pulumi-wacht/runtime").catalog.write(...a);
const read: Method = (...a) => require("pulumi-wacht/runtime").catalog.read(...a);
const del: Method = (...a) => require("pulumi-wacht/runtime").catalog.delete(...a);

const provider: pulumi.dynamic.ResourceProvider = {
  configure: plan,
  check: plan,
  diff: plan,
  create: write,
  update: write,
  read,
  delete: del,
};
export = provider;
