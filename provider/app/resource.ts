import * as pulumi from "@pulumi/pulumi";
import { declaredEvents, WebhookEventCatalog } from "../catalog/resource";
import type { EventDefinition } from "../catalog/schema";
import { thinProviders } from "../loader";
import { computedOutputs, withOutputDefaults } from "../property";
import { skipPromiseTraces } from "../traces";
import { normalizeAppSlug } from "../validate";
import { appSchema, appSecretOutputs, type WebhookAppArgs } from "./schema";

/**
 * A Wacht webhook app: the signing secret, the event catalog and the endpoints of one consumer.
 *
 * Only a slug change replaces the app; everything else, including secret rotation through
 * `rotationTrigger`, updates in place. `signingSecret` and `previousSigningSecret` are Pulumi secrets.
 *
 * @example
 * const app = new wacht.WebhookApp("billing", { name: "Billing", slug: "billing", eventCatalog: catalog });
 * export const secret = app.signingSecret; // a secret output
 */
export class WebhookApp extends pulumi.dynamic.Resource {
  /** The canonical slug Wacht stored (also the Pulumi id). */
  declare readonly slug: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** The catalog slug, if any. */
  declare readonly eventCatalog: pulumi.Output<string | undefined>;
  declare readonly failureNotificationEmails: pulumi.Output<string[]>;
  declare readonly active: pulumi.Output<boolean>;
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;
  /** The current signing secret (`whsec_…`). Secret. */
  declare readonly signingSecret: pulumi.Output<string>;
  /** The secret replaced by the last rotation; accept both during a cut-over. Secret. */
  declare readonly previousSigningSecret: pulumi.Output<string | undefined>;
  /** When the secret last changed, as seen by the provider (RFC 3339). */
  declare readonly secretRotatedAt: pulumi.Output<string | undefined>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  /**
   * The events the program declares for the catalog given as a {@link WebhookEventCatalog}, against which
   * the checks of this app's endpoints validate event names and filters at preview, with no API call.
   * Undefined for a catalog given by slug. The catalog's live events are its `events` output.
   */
  readonly catalogEvents: pulumi.Output<EventDefinition[]> | undefined;

  constructor(name: string, args: WebhookAppArgs, opts?: pulumi.CustomResourceOptions) {
    const catalog = args.eventCatalog instanceof WebhookEventCatalog ? args.eventCatalog : undefined;
    const catalogEvents = catalog ? declaredEvents(catalog) : undefined;
    const restoreTraces = skipPromiseTraces();
    try {
      super(
        thinProviders.app,
        name,
        {
          pulumiName: name,
          ...args,
          // Declared even when omitted: the auto-named slug is an output the program can use.
          slug: args.slug,
          // What makes an auto-named slug this stack's own (check uses it once and does not keep it).
          ...(args.slug === undefined ? { autoNameSeed: `${pulumi.getProject()}/${pulumi.getStack()}` } : {}),
          eventCatalog: catalog ? catalog.slug : args.eventCatalog,
          // For the checks of this app's endpoints (provider/catalogs.ts); check does not keep it.
          catalogEvents,
          ...computedOutputs(appSchema),
        },
        // A forced replacement (`pulumi up --replace`) keeps the slug, which Wacht holds unique: the old
        // app must go first or the create fails with 409. The option wins over the provider's diff.
        pulumi.mergeOptions({ deleteBeforeReplace: true, additionalSecretOutputs: appSecretOutputs }, opts),
        "wacht",
        "WebhookApp",
      );
    } finally {
      restoreTraces();
    }
    // Registering the input above also made `catalogEvents` an output, which state does not hold.
    this.catalogEvents = catalogEvents;
    withOutputDefaults(this, appSchema);
    if (args.slug !== undefined) {
      pulumi.output(args.slug).apply((slug) => {
        const canonical = typeof slug === "string" ? normalizeAppSlug(slug) : slug;
        if (typeof slug === "string" && canonical !== "" && canonical !== slug) {
          pulumi.log.warn(
            `Wacht normalises app slug "${slug}" to "${canonical}"; the app's slug and id are "${canonical}".`,
            this,
          );
        }
      });
    }
  }
}
