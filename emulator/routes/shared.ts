import type { Context } from "../context";
import { APP_NOT_FOUND, CATALOG_NOT_FOUND, ENDPOINT_NOT_FOUND, internalError, notFound } from "../errors";
import { type AppRow, type CatalogRow, ENDPOINT_COLUMNS, type EndpointRow } from "../store";
import type { EventDefinition } from "../validation";

/** The app `slug` of the caller's deployment, or 404 "Webhook app not found". */
export function requireApp(ctx: Context, slug: string): AppRow {
  const app = ctx.store.get<AppRow>(
    "SELECT * FROM webhook_apps WHERE deployment_id = ? AND app_slug = ?",
    ctx.deploymentId,
    slug,
  );
  if (!app) throw notFound(APP_NOT_FOUND);
  return app;
}

/** The catalog `slug`, or 404 "Event catalog not found". */
export function requireCatalog(ctx: Context, slug: string): CatalogRow {
  const catalog = ctx.store.get<CatalogRow>(
    "SELECT * FROM webhook_event_catalogs WHERE deployment_id = ? AND slug = ?",
    ctx.deploymentId,
    slug,
  );
  if (!catalog) throw notFound(CATALOG_NOT_FOUND);
  return catalog;
}

/** The events of an app's catalog (spec §4.2 step 2): none without a catalog, 404 when it dangles. */
export function appEvents(ctx: Context, appSlug: string): EventDefinition[] {
  const app = requireApp(ctx, appSlug);
  if (app.event_catalog_slug === null) return [];
  return JSON.parse(requireCatalog(ctx, app.event_catalog_slug).events) as EventDefinition[];
}

/** An endpoint of the deployment by id (any app), if it exists. */
export function findEndpoint(ctx: Context, id: bigint): EndpointRow | undefined {
  return ctx.store.get<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE deployment_id = ? AND id = ?`,
    ctx.deploymentId,
    id,
  );
}

/** Wacht's ownership check: the endpoint must belong to `{app_slug}` (spec §3.3). */
export function requireOwnedEndpoint(ctx: Context, appSlug: string, id: bigint): EndpointRow {
  const endpoint = findEndpoint(ctx, id);
  if (!endpoint || endpoint.app_slug !== appSlug) throw notFound(ENDPOINT_NOT_FOUND);
  return endpoint;
}

/**
 * `paginate_results` (spec §1.6): fetch `limit + 1` rows. Postgres rejects a negative OFFSET or a LIMIT
 * below -1 (limit ≤ -2) with an error that Wacht maps to 500; SQLite would not, so check here.
 */
export function pageWindow(limit: number, offset: number): { fetch: number; offset: number } {
  if (offset < 0 || limit + 1 < 0) throw internalError();
  return { fetch: limit + 1, offset };
}

/** Builds `{"data","has_more","limit","offset"}` from the `limit + 1` rows. */
export function paginated<T>(rows: T[], limit: number, offset: number): Record<string, unknown> {
  // Rust truncates to `limit as usize`; -1 wraps to a huge number, i.e. no truncation.
  const data = limit < 0 ? rows : rows.slice(0, limit);
  return { data, has_more: rows.length > limit, limit, offset };
}
