/**
 * The serialized provider: a loader of the installed package, nothing else.
 *
 * Pulumi stores the provider object's code in every resource's state (`__provider`) and runs that copy
 * for refresh and delete. Keeping it to "require the installed implementation and call it" means no
 * client, no credentials and no implementation code is ever captured, state stays small, and fixes in a
 * newer pulumi-wacht reach resources created by an older one.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The resource kinds, keys of runtime.ts's exports. */
export type Kind = "catalog" | "app" | "endpoint" | "appEndpoints";

/**
 * Providers whose every method requires `pulumi-wacht/runtime` (resolved from the Pulumi project's
 * `node_modules`, as the dynamic-provider host does) and delegates to the implementation of its kind.
 *
 * They are spelled out per kind on purpose: a method that captures nothing serializes to about 250
 * bytes, while sharing a helper or capturing the kind adds a closure wrapper to each, which pushes a
 * provider past 2 KB of state per resource.
 */
export const thinProviders: Record<Kind, pulumi.dynamic.ResourceProvider> = {
  catalog: {
    configure: (...a) => require("pulumi-wacht/runtime").catalog.configure(...a),
    check: (...a) => require("pulumi-wacht/runtime").catalog.check(...a),
    diff: (...a) => require("pulumi-wacht/runtime").catalog.diff(...a),
    create: (...a) => require("pulumi-wacht/runtime").catalog.create(...a),
    read: (...a) => require("pulumi-wacht/runtime").catalog.read(...a),
    update: (...a) => require("pulumi-wacht/runtime").catalog.update(...a),
    delete: (...a) => require("pulumi-wacht/runtime").catalog.delete(...a),
  },
  app: {
    configure: (...a) => require("pulumi-wacht/runtime").app.configure(...a),
    check: (...a) => require("pulumi-wacht/runtime").app.check(...a),
    diff: (...a) => require("pulumi-wacht/runtime").app.diff(...a),
    create: (...a) => require("pulumi-wacht/runtime").app.create(...a),
    read: (...a) => require("pulumi-wacht/runtime").app.read(...a),
    update: (...a) => require("pulumi-wacht/runtime").app.update(...a),
    delete: (...a) => require("pulumi-wacht/runtime").app.delete(...a),
  },
  endpoint: {
    configure: (...a) => require("pulumi-wacht/runtime").endpoint.configure(...a),
    check: (...a) => require("pulumi-wacht/runtime").endpoint.check(...a),
    diff: (...a) => require("pulumi-wacht/runtime").endpoint.diff(...a),
    create: (...a) => require("pulumi-wacht/runtime").endpoint.create(...a),
    read: (...a) => require("pulumi-wacht/runtime").endpoint.read(...a),
    update: (...a) => require("pulumi-wacht/runtime").endpoint.update(...a),
    delete: (...a) => require("pulumi-wacht/runtime").endpoint.delete(...a),
  },
  appEndpoints: {
    configure: (...a) => require("pulumi-wacht/runtime").appEndpoints.configure(...a),
    check: (...a) => require("pulumi-wacht/runtime").appEndpoints.check(...a),
    diff: (...a) => require("pulumi-wacht/runtime").appEndpoints.diff(...a),
    create: (...a) => require("pulumi-wacht/runtime").appEndpoints.create(...a),
    read: (...a) => require("pulumi-wacht/runtime").appEndpoints.read(...a),
    update: (...a) => require("pulumi-wacht/runtime").appEndpoints.update(...a),
    delete: (...a) => require("pulumi-wacht/runtime").appEndpoints.delete(...a),
  },
};
