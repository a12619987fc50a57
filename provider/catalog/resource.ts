import * as pulumi from "@pulumi/pulumi";
import { thinProviders } from "../loader";
import { withOutputDefaults } from "../property";
import { skipPromiseTraces } from "../traces";
import { catalogSchema, type EventDefinition, normalizeEvent, type WebhookEventCatalogArgs } from "./schema";

/** The events each catalog object of this program declares (see `declaredEvents`). */
const DECLARED = new WeakMap<WebhookEventCatalog, pulumi.Output<EventDefinition[]>>();

/**
 * The events the program declares for the catalog: what it will hold once the deployment has run, which
 * is what endpoints of its apps are checked against at preview. Unlike the catalog's `events` output this
 * carries no dependency on the catalog resource, so endpoints store no reference to it (their app already
 * orders them after it) — each stored value is copied into every checkpoint the engine writes.
 */
export function declaredEvents(catalog: WebhookEventCatalog): pulumi.Output<EventDefinition[]> | undefined {
  return DECLARED.get(catalog);
}

/**
 * A Wacht event catalog: the event types that apps built on it offer to their endpoints.
 *
 * Wacht cannot delete catalogs or remove events: a removed event is archived, and destroying the
 * resource archives every event and leaves the catalog in Wacht (declaring it again takes it back).
 * Changing `slug` replaces the catalog.
 *
 * @example
 * const catalog = new wacht.WebhookEventCatalog("billing", {
 *   slug: "billing-events",
 *   name: "Billing events",
 *   events: [{ name: "invoice.paid", description: "An invoice was paid" }],
 * });
 */
export class WebhookEventCatalog extends pulumi.dynamic.Resource {
  /** The catalog's slug (also its Pulumi id). */
  declare readonly slug: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** The catalog's active events, as Wacht stores them. */
  declare readonly events: pulumi.Output<EventDefinition[]>;
  /** Names of the catalog's archived events. */
  declare readonly archivedEvents: pulumi.Output<string[]>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: WebhookEventCatalogArgs, opts?: pulumi.CustomResourceOptions) {
    const restoreTraces = skipPromiseTraces();
    try {
      super(
        thinProviders.catalog,
        name,
        { pulumiName: name, ...args, archivedEvents: undefined, createdAt: undefined, updatedAt: undefined },
        // A forced replacement keeps the slug: deleting first archives the events, and the create then
        // takes the emptied catalog back instead of failing with 409.
        pulumi.mergeOptions({ deleteBeforeReplace: true }, opts),
        "wacht",
        "WebhookEventCatalog",
      );
    } finally {
      restoreTraces();
    }
    withOutputDefaults(this, catalogSchema);
    DECLARED.set(
      this,
      pulumi
        .output(args.events)
        .apply((events) => (Array.isArray(events) ? events.map(normalizeEvent) : events)),
    );
  }
}
