/**
 * WebhookAppEndpoints: argument, input and output types, the property table, and the mapping from
 * Wacht's endpoint JSON (the only place here that knows its snake_case).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { WebhookApp } from "../app/resource";
import type { WebhookEndpoint } from "../endpoint/resource";
import type { ApiEndpoint } from "../endpoint/schema";
import { diffTable, inputsFromState, type Schema } from "../property";

/** What happens to live endpoints of the app that the resource does not declare. */
export type UnmanagedAction = "delete" | "deactivate";

/** The values `unmanaged` accepts, the default first. */
export const UNMANAGED_ACTIONS: readonly UnmanagedAction[] = ["delete", "deactivate"];

/** Arguments of {@link WebhookAppEndpoints}. */
export interface WebhookAppEndpointsArgs {
  /**
   * The app whose endpoints this resource governs: a {@link WebhookApp} or an app slug. Declare one
   * WebhookAppEndpoints per app. Changing it replaces the resource (no endpoint is touched by that).
   */
  app: pulumi.Input<string> | WebhookApp;
  /**
   * The complete set of endpoints the app may have: {@link WebhookEndpoint} resources (their
   * `endpointId`s are used, so this resource runs after their creates) or Wacht endpoint ids. Order is
   * ignored. Every other live endpoint of the app is unmanaged: a refresh reports it as drift and `up`
   * deletes or deactivates it (see `unmanaged`). `[]` declares an app with no endpoint. Updates in place.
   */
  endpoints: pulumi.Input<pulumi.Input<string>[]> | Array<pulumi.Input<string> | WebhookEndpoint>;
  /**
   * What `up` does to unmanaged endpoints: `"delete"` (default) deletes them; `"deactivate"` only sets
   * them inactive (`is_active: false`), and an inactive unmanaged endpoint is then no drift. Updates in
   * place.
   */
  unmanaged?: pulumi.Input<UnmanagedAction>;
}

/** A live endpoint of the app that the resource does not declare. */
export interface UnmanagedEndpoint {
  /** Wacht's endpoint id. */
  id: string;
  url: string;
  /** Whether Wacht delivers to it. */
  isActive: boolean;
}

/** Checked inputs. */
export interface AppEndpointsInputs {
  pulumiName: string;
  /** The app slug. */
  app: string;
  /**
   * In the program: the declared endpoint ids. In state after a refresh: the declared ids plus the
   * unmanaged endpoints the next `up` acts on, which is how the refresh shows them as drift.
   */
  endpoints: string[];
  unmanaged: UnmanagedAction;
}

/** State. */
export interface AppEndpointsOutputs extends AppEndpointsInputs {
  /** The declared endpoint ids, in the program's order. */
  endpointIds: string[];
  /**
   * The unmanaged endpoints in the app after the last read or `up`, by id: after an `up`, none in
   * delete mode and the deactivated ones in deactivate mode.
   */
  unmanagedEndpoints: UnmanagedEndpoint[];
}

/** The ids as a set: order never produces a diff. */
function idSet(value: unknown): unknown {
  return Array.isArray(value) ? [...new Set(value.map(String))].sort() : value;
}

/**
 * Every property of WebhookAppEndpoints, declared once: README's table, diff, read's rebuilt inputs and
 * the resource class's outputs follow from it (check validates `endpoints` against `app`, together).
 * The app is the identity; the set and the action update in place.
 */
export const appEndpointsSchema: Schema = {
  app: {
    doc: "The slug of the app whose endpoints this resource governs.",
    type: "`WebhookApp` or app slug, required",
    change: "replace",
  },
  endpoints: {
    doc: "The ids of the app's complete set of endpoints.",
    type: "`(WebhookEndpoint | string)[]`, required (`[]` allowed)",
    change: "update",
    normalize: idSet,
  },
  unmanaged: {
    doc: "What `up` does to live endpoints the set does not declare.",
    type: '`"delete" | "deactivate"`',
    default: "delete",
    change: "update",
    normalize: (v) => v ?? "delete",
  },
  endpointIds: { doc: "The declared endpoint ids, in the program's order.", computed: true },
  unmanagedEndpoints: { doc: "The unmanaged endpoints after the last read or `up`.", computed: true },
};

/** What diff compares, and how. */
export const appEndpointsProperties = diffTable(appEndpointsSchema);

/** Compares two Wacht ids (64-bit integers as strings) numerically. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** An unmanaged endpoint as state records it. */
export function unmanagedFromApi(endpoint: ApiEndpoint): UnmanagedEndpoint {
  return { id: String(endpoint.id), url: endpoint.url, isActive: endpoint.is_active };
}

/** Whether `up` acts on an unmanaged endpoint in this mode: an inactive one is left alone when deactivating. */
export function needsAction(endpoint: UnmanagedEndpoint, mode: UnmanagedAction): boolean {
  return mode === "delete" || endpoint.isActive;
}

/**
 * State from the declared set and the unmanaged endpoints seen. `endpoints` lists the declared ids and
 * then those unmanaged endpoints that the next `up` still has to act on: after an `up` there are none,
 * after a refresh they are the drift.
 */
export function toOutputs(
  inputs: Pick<AppEndpointsInputs, "pulumiName" | "app" | "unmanaged">,
  declared: string[],
  unmanaged: UnmanagedEndpoint[],
): AppEndpointsOutputs {
  const sorted = [...unmanaged].sort((a, b) => compareIds(a.id, b.id));
  const pending = sorted.filter((e) => needsAction(e, inputs.unmanaged)).map((e) => e.id);
  return {
    pulumiName: inputs.pulumiName,
    app: inputs.app,
    endpoints: [...declared, ...pending],
    unmanaged: inputs.unmanaged,
    endpointIds: [...declared],
    unmanagedEndpoints: sorted,
  };
}

/** The inputs a program declaring the live app's endpoints would have (what refresh reports as drift). */
export function inputsFromOutputs(outputs: AppEndpointsOutputs): AppEndpointsInputs {
  return inputsFromState<AppEndpointsInputs>(appEndpointsSchema, { ...outputs });
}
