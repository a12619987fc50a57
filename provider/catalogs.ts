/**
 * The catalogs the apps of this deployment declare, by app slug, for their endpoints' checks.
 *
 * A WebhookApp given its catalog as a resource hands the catalog's declared events to its own check
 * (`catalogEvents`), once per app, and its endpoints' checks look them up here by app slug. Sending the
 * catalog with every endpoint instead costs each endpoint's registration a serialized copy of the whole
 * catalog, and the program a registered property (issue 10). The engine checks an app before any endpoint
 * of it: an endpoint's `app` is the app's slug output, which resolves only once the app is registered.
 * One dynamic-provider process serves the whole deployment, so the map is per deployment; an app the
 * engine does not check (a `--target` run that leaves it out) has no entry, and its endpoints get the
 * checks that need no catalog.
 */
import type { EventDefinition } from "./catalog/schema";
import { containsUnknown } from "./lifecycle";
import { isUnknown, normalizeAppSlug } from "./validate";

const CATALOGS = new Map<string, EventDefinition[]>();

/** Records (or, when unknown or absent, forgets) the catalog events an app's check received. */
export function rememberCatalog(appSlug: unknown, events: unknown): void {
  if (typeof appSlug !== "string" || isUnknown(appSlug)) return;
  if (Array.isArray(events) && !containsUnknown(events)) {
    CATALOGS.set(normalizeAppSlug(appSlug), events as EventDefinition[]);
  } else CATALOGS.delete(normalizeAppSlug(appSlug));
}

/** The catalog events of the app with this slug, when its check has seen them and they are known. */
export function catalogOfApp(appSlug: unknown): EventDefinition[] | undefined {
  return typeof appSlug === "string" && !isUnknown(appSlug)
    ? CATALOGS.get(normalizeAppSlug(appSlug))
    : undefined;
}

/** Forgets every catalog (tests that stand in for separate deployments). */
export function forgetCatalogs(): void {
  CATALOGS.clear();
}
