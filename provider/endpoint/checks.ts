/**
 * WebhookEndpoint's subscription checks that need the app's catalog: event names against its active
 * events and filter fields against each event's schema, at preview, with no API call. The app's check
 * received the catalog the program declares (catalogs.ts); nothing of it is in the endpoint's state.
 */
import type { EventDefinition } from "../catalog/schema";
import { catalogOfApp } from "../catalogs";
import {
  type CheckFailure,
  isRecord,
  isUnknown,
  validateEventName,
  validateEventNames,
  validateFilterRules,
} from "../validate";

/**
 * The catalog of the endpoint's app, when the program gave the app as a WebhookApp resource (the class
 * then sets `catalogChecks`) whose catalog it declares and knows. An endpoint given its app by slug gets
 * no catalog checks, as documented: `pulumi-wacht import` relies on that for endpoints that keep a
 * subscription to an event archived since (Wacht keeps such subscriptions but refuses new ones).
 */
export function catalogOf(news: Record<string, unknown>): EventDefinition[] | undefined {
  return news.catalogChecks === true ? catalogOfApp(news.app) : undefined;
}

/** Failures of `events`: the names, then those not in the catalog. */
export function checkEvents(path: string, events: unknown, news: Record<string, unknown>): CheckFailure[] {
  const failures = validateEventNames(path, events);
  const catalog = catalogOf(news);
  if (catalog && Array.isArray(events)) {
    checkAgainstCatalog(
      failures,
      events.map((name, i) => ({ path: `${path}[${i}]`, name })),
      catalog,
      news.app,
    );
  }
  return failures;
}

/** Checks event names against the app's catalog when the program declared it (known at preview). */
function checkAgainstCatalog(
  failures: CheckFailure[],
  names: Array<{ path: string; name: unknown }>,
  catalog: EventDefinition[],
  app: unknown,
) {
  const known = new Set(catalog.map((e) => e.name));
  for (const { path, name } of names) {
    if (typeof name !== "string" || isUnknown(name) || name.trim() === "" || known.has(name.trim())) continue;
    const appName = typeof app === "string" && !isUnknown(app) ? `'${app}'` : "this app";
    failures.push({
      property: path,
      reason:
        `Unknown event '${name.trim()}' for app ${appName}: it is not an active event of the app's catalog ` +
        `(known: ${[...known].sort().join(", ") || "none"})`,
    });
  }
}

/** Failures of `subscriptions`: each entry, its filter against the event's schema, duplicates, the catalog. */
export function checkSubscriptions(
  raw: unknown,
  catalog: EventDefinition[] | undefined,
  app: unknown,
): CheckFailure[] {
  if (!Array.isArray(raw)) {
    return [{ property: "subscriptions", reason: "subscriptions must be a list of { event, filter? }" }];
  }
  const failures: CheckFailure[] = [];
  const entries = raw.map((s) => (isRecord(s) ? s : {}));
  entries.forEach((entry, i) => {
    failures.push(...validateEventName(`subscriptions[${i}].event`, entry.event));
    if (entry.filter === undefined || entry.filter === null) return;
    // The schema is known only when the catalog is; null means "any field", undefined "not known yet".
    const definition = catalog?.find((e) => e.name === String(entry.event).trim());
    const schema = catalog === undefined || definition === undefined ? undefined : definition.schema;
    failures.push(...validateFilterRules(`subscriptions[${i}].filter`, entry.filter, schema));
  });
  if (entries.length === 0) {
    failures.push({ property: "subscriptions", reason: "At least one subscription is required" });
  } else {
    const names = entries.map((e) => e.event);
    failures.push(...validateEventNames("subscriptions", names).filter((f) => f.reason.includes("uplicate")));
  }
  if (catalog) {
    checkAgainstCatalog(
      failures,
      entries.map((e, i) => ({ path: `subscriptions[${i}].event`, name: e.event })),
      catalog,
      app,
    );
  }
  return failures;
}
