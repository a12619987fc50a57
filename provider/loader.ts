/**
 * The serialized provider: a loader of the installed package, nothing else.
 *
 * Pulumi stores the provider object's code in every resource's state (`__provider`, in both inputs and
 * outputs) and runs that copy for refresh and delete. Keeping it to "require the installed
 * implementation and call it" means no client, no credentials and no implementation code is ever
 * captured, state stays small, and fixes in a newer pulumi-wacht reach resources created by an older one.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The resource kinds, keys of runtime.ts's exports. */
export type Kind = "catalog" | "app" | "endpoint" | "appEndpoints";

/**
 * Providers whose methods require `pulumi-wacht/runtime` (resolved from the Pulumi project's
 * `node_modules`, as the dynamic-provider host does) and delegate to the implementation of their kind.
 *
 * Every serialized function costs about 240 bytes of wrapper in each copy, so the seven methods share
 * four functions: those taking an id first (diff, update, read, delete) each get their own, and the
 * others join one of them; runtime.ts's `entries` tells them apart by their first argument
 * (dispatch.ts). They are spelled out per kind because capturing the kind would add a closure wrapper to
 * each function. Version 0.1.0 stored one function per method (`….endpoint.check(...a)`); runtime.ts
 * keeps those names for state written by it.
 */
export const thinProviders: Record<Kind, pulumi.dynamic.ResourceProvider> = {
  catalog: thin(
    (...a) => require("pulumi-wacht/runtime").catalog.plan(...a),
    (...a) => require("pulumi-wacht/runtime").catalog.write(...a),
    (...a) => require("pulumi-wacht/runtime").catalog.read(...a),
    (...a) => require("pulumi-wacht/runtime").catalog.delete(...a),
  ),
  app: thin(
    (...a) => require("pulumi-wacht/runtime").app.plan(...a),
    (...a) => require("pulumi-wacht/runtime").app.write(...a),
    (...a) => require("pulumi-wacht/runtime").app.read(...a),
    (...a) => require("pulumi-wacht/runtime").app.delete(...a),
  ),
  endpoint: thin(
    (...a) => require("pulumi-wacht/runtime").endpoint.plan(...a),
    (...a) => require("pulumi-wacht/runtime").endpoint.write(...a),
    (...a) => require("pulumi-wacht/runtime").endpoint.read(...a),
    (...a) => require("pulumi-wacht/runtime").endpoint.delete(...a),
  ),
  appEndpoints: thin(
    (...a) => require("pulumi-wacht/runtime").appEndpoints.plan(...a),
    (...a) => require("pulumi-wacht/runtime").appEndpoints.write(...a),
    (...a) => require("pulumi-wacht/runtime").appEndpoints.read(...a),
    (...a) => require("pulumi-wacht/runtime").appEndpoints.delete(...a),
  ),
};

// biome-ignore lint/suspicious/noExplicitAny: the host calls each method with its own arguments.
type Method = (...a: any[]) => Promise<any>;

/** The provider object: configure, check and diff go to `plan`; create and update to `write`. */
function thin(plan: Method, write: Method, read: Method, del: Method): pulumi.dynamic.ResourceProvider {
  return { configure: plan, check: plan, diff: plan, create: write, update: write, read, delete: del };
}
