import * as pulumi from "@pulumi/pulumi";
import { WebhookApp } from "../app/resource";
import { WebhookEndpoint } from "../endpoint/resource";
import { thinProviders } from "../loader";
import { computedOutputs, withOutputDefaults } from "../property";
import { skipPromiseTraces } from "../traces";
import {
  appEndpointsSchema,
  type UnmanagedAction,
  type UnmanagedEndpoint,
  type WebhookAppEndpointsArgs,
} from "./schema";

/**
 * Endpoint resources become their Pulumi ids (`<appSlug>/<endpointId>`, which check reduces to the
 * endpoint id), which also makes this resource wait for them. Not `endpointId`: at preview an output of
 * a resource being updated is not known, so every endpoint update would show this set as changed; the
 * id is known unless the endpoint is replaced, when the set really changes.
 */
function endpointIdsOf(
  endpoints: WebhookAppEndpointsArgs["endpoints"],
): pulumi.Input<pulumi.Input<string>[]> {
  if (!Array.isArray(endpoints)) return endpoints;
  return endpoints.map((e) => (e instanceof WebhookEndpoint ? e.id : e));
}

/**
 * The complete set of endpoints of one Wacht app (orphan control, after Terraform's `*_exclusive`
 * resources).
 *
 * A refresh lists the app's live endpoints and reports any that `endpoints` does not declare (made in
 * the dashboard, or left behind by an interrupted deploy) as drift of `endpoints`; `up` then deletes
 * them, or with `unmanaged: "deactivate"` sets them inactive. Declared endpoints are never touched (an
 * endpoint deleted by hand is its own resource's business), and deleting this resource deletes no
 * endpoint. Its Pulumi id is the app slug; declare one per app.
 *
 * @example
 * new wacht.WebhookAppEndpoints("billing-endpoints", { app, endpoints: [ledger, audit], unmanaged: "delete" });
 */
export class WebhookAppEndpoints extends pulumi.dynamic.Resource {
  /** The app slug. */
  declare readonly app: pulumi.Output<string>;
  /** The declared endpoint ids, in the program's order. */
  declare readonly endpointIds: pulumi.Output<string[]>;
  declare readonly unmanaged: pulumi.Output<UnmanagedAction>;
  /**
   * The undeclared endpoints in the app after the last refresh or `up`, by id: after an `up`, none in
   * delete mode and the deactivated ones in deactivate mode.
   */
  declare readonly unmanagedEndpoints: pulumi.Output<UnmanagedEndpoint[]>;

  constructor(name: string, args: WebhookAppEndpointsArgs, opts?: pulumi.CustomResourceOptions) {
    const restoreTraces = skipPromiseTraces();
    try {
      super(
        thinProviders.appEndpoints,
        name,
        {
          pulumiName: name,
          app: args.app instanceof WebhookApp ? args.app.slug : args.app,
          endpoints: endpointIdsOf(args.endpoints),
          unmanaged: args.unmanaged,
          ...computedOutputs(appEndpointsSchema),
        },
        opts,
        "wacht",
        "WebhookAppEndpoints",
      );
    } finally {
      restoreTraces();
    }
    withOutputDefaults(this, appEndpointsSchema);
  }
}
