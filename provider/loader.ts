/**
 * The serialized providers: loaders of the installed package, nothing else.
 *
 * Pulumi stores the provider object's code in every resource's state (`__provider`, in both inputs and
 * outputs) and runs that copy for refresh and delete. Keeping it to "require the installed
 * implementation and call it" means no client, no credentials and no implementation code is ever
 * captured, state stays small, and fixes in a newer pulumi-wacht reach resources created by an older one.
 *
 * Each kind's provider is the whole export of its own module (`loaders/<kind>.ts`). Pulumi's closure
 * serializer writes a captured value that is the export of a module under `node_modules` as a `require`
 * of that module, so for an installed package `__provider` is about 290 bytes. Where the package is not
 * under `node_modules` (a symlink from `npm link`, a workspace or a `file:` dependency resolves to its
 * real folder) the serializer copies the provider's functions instead, about 1.3 KB: the seven methods
 * share four functions there, since each costs about 240 bytes of wrapper; those taking an id first
 * (diff, update, read, delete) each get their own and the others join one of them, told apart by their
 * first argument (dispatch.ts). Version 0.1.0 stored one function per method
 * (`….endpoint.check(...a)`); runtime.ts keeps those names for state written by it.
 */
import type * as pulumi from "@pulumi/pulumi";

import app = require("./loaders/app");
import appEndpoints = require("./loaders/app-endpoints");
import catalog = require("./loaders/catalog");
import endpoint = require("./loaders/endpoint");

/** The resource kinds, keys of runtime.ts's exports. */
export type Kind = "catalog" | "app" | "endpoint" | "appEndpoints";

/** Each kind's serialized provider. */
export const thinProviders: Record<Kind, pulumi.dynamic.ResourceProvider> = {
  catalog,
  app,
  endpoint,
  appEndpoints,
};
