import * as pulumi from "@pulumi/pulumi";
import { WebhookApp } from "../app/resource";
import { thinProviders } from "../loader";
import { computedOutputs, withOutputDefaults } from "../property";
import { skipPromiseTraces } from "../traces";
import {
  endpointSchema,
  endpointSecretOutputs,
  type RateLimit,
  type Subscription,
  type Verification,
  type WebhookEndpointArgs,
} from "./schema";

/** Header values become secrets one by one, so plans show header names but never values. */
function secretHeaderValues(headers: WebhookEndpointArgs["headers"]): WebhookEndpointArgs["headers"] {
  if (headers === undefined || pulumi.Output.isInstance(headers) || headers instanceof Promise) {
    return headers === undefined ? undefined : pulumi.secret(headers);
  }
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, pulumi.secret(value)]));
}

/**
 * A Wacht webhook endpoint: a receiver URL subscribed to events of an app.
 *
 * Its Pulumi id is `<appSlug>/<endpointId>`. Only an `app` change replaces it; everything else is a
 * PATCH of the changed fields. Header values are secrets.
 *
 * @example
 * new wacht.WebhookEndpoint("primary", {
 *   app,
 *   url: "https://example.com/webhooks/wacht",
 *   subscriptions: [{ event: "invoice.paid", filter: { amount: { $gte: 100 } } }],
 * });
 */
export class WebhookEndpoint extends pulumi.dynamic.Resource {
  /** The app slug. */
  declare readonly app: pulumi.Output<string>;
  /** Wacht's endpoint id (a 64-bit integer as a string). */
  declare readonly endpointId: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly events: pulumi.Output<string[] | undefined>;
  declare readonly subscriptions: pulumi.Output<Subscription[] | undefined>;
  /** Secret. */
  declare readonly headers: pulumi.Output<Record<string, string>>;
  /** The header names, not secret. */
  declare readonly headerNames: pulumi.Output<string[]>;
  declare readonly maxRetries: pulumi.Output<number>;
  declare readonly timeoutSeconds: pulumi.Output<number>;
  declare readonly rateLimit: pulumi.Output<RateLimit | null>;
  declare readonly active: pulumi.Output<boolean>;
  /** Whether Wacht delivers to the endpoint now. */
  declare readonly isActive: pulumi.Output<boolean>;
  declare readonly failureCount: pulumi.Output<number>;
  /** True when the endpoint was disabled outside Pulumi (by Wacht after failures or a 410, or by hand). */
  declare readonly autoDisabled: pulumi.Output<boolean>;
  /** The outcome of the last `verify` test delivery. */
  declare readonly lastVerification: pulumi.Output<Verification | undefined>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: WebhookEndpointArgs, opts?: pulumi.CustomResourceOptions) {
    const app = args.app instanceof WebhookApp ? args.app : undefined;
    const restoreTraces = skipPromiseTraces();
    try {
      super(
        thinProviders.endpoint,
        name,
        {
          pulumiName: name,
          ...args,
          app: app ? app.slug : args.app,
          // An app given as the resource lets check validate against its catalog (provider/catalogs.ts);
          // given by slug, the endpoint gets only the checks that need no catalog.
          ...(app?.catalogEvents ? { catalogChecks: true } : {}),
          headers: secretHeaderValues(args.headers),
          ...computedOutputs(endpointSchema),
        },
        pulumi.mergeOptions({ additionalSecretOutputs: endpointSecretOutputs }, opts),
        "wacht",
        "WebhookEndpoint",
      );
    } finally {
      restoreTraces();
    }
    withOutputDefaults(this, endpointSchema);
  }
}
