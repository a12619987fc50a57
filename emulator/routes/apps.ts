import { type Context, queryBool, queryI32, queryString, type Route } from "../context";
import {
  APP_NOT_FOUND,
  badRequest,
  internalError,
  NO_CATALOG_ASSIGNED,
  notFound,
  SLUG_NEEDS_ALNUM,
} from "../errors";
import { formatTimestamp, nextId, nowMicros } from "../ids";
import { generateSigningSecret } from "../signing";
import { type AppRow, appJson, catalogJson } from "../store";
import {
  decodeObject,
  type EventDefinition,
  normalizeSlug,
  optBool,
  optString,
  optStringArray,
  reqString,
} from "../validation";
import { pageWindow, paginated, requireApp, requireCatalog } from "./shared";

const MAX_SLUG_LENGTH = 255;

function listApps(ctx: Context): unknown {
  const limit = queryI32(ctx.query, "limit") ?? 50;
  const offset = queryI32(ctx.query, "offset") ?? 0;
  const includeInactive = queryBool(ctx.query, "include_inactive") ?? false;
  const search = queryString(ctx.query, "search") ?? null;
  const window = pageWindow(limit, offset);
  const rows = ctx.store.all<AppRow>(
    `SELECT * FROM webhook_apps WHERE deployment_id = ? AND (? = 1 OR is_active = 1)
     AND (? IS NULL OR app_slug = ?) ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
    ctx.deploymentId,
    includeInactive ? 1 : 0,
    search,
    search,
    window.fetch,
    window.offset,
  );
  return paginated(rows.map(appJson), limit, offset);
}

function createApp(ctx: Context): unknown {
  const body = decodeObject(ctx.json());
  const name = reqString(body, "name");
  const rawSlug = optString(body, "app_slug");
  const description = optString(body, "description") ?? null;
  const emails = optStringArray(body, "failure_notification_emails") ?? [];
  const catalogSlug = optString(body, "event_catalog_slug") ?? null;

  let slug: string;
  if (rawSlug === undefined) {
    // Generated slugs are not normalised (spec §3.1).
    slug = `slug_${nextId()}`;
  } else {
    slug = normalizeSlug(rawSlug);
    if (slug === "") throw badRequest(SLUG_NEEDS_ALNUM);
    // The column is VARCHAR(255) in Wacht's last published schema; overflow is a DB error → 500 [inferred].
    if (slug.length > MAX_SLUG_LENGTH) throw internalError();
  }
  const now = nowMicros();
  ctx.store.run(
    `INSERT INTO webhook_apps (deployment_id, app_slug, name, description, signing_secret,
     failure_notification_emails, event_catalog_slug, is_active, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
    ctx.deploymentId,
    slug,
    name,
    description,
    generateSigningSecret(),
    JSON.stringify(emails),
    catalogSlug,
    now,
    now,
  );
  return appJson(requireApp(ctx, slug));
}

function getApp(ctx: Context): unknown {
  return appJson(requireApp(ctx, ctx.params.app_slug!));
}

function updateApp(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const body = decodeObject(ctx.json());
  const name = optString(body, "name") ?? null;
  const description = optString(body, "description") ?? null;
  const isActive = optBool(body, "is_active");
  const emails = optStringArray(body, "failure_notification_emails");
  const catalogSlug = optString(body, "event_catalog_slug") ?? null;
  // COALESCE: absent or null keeps the stored value (spec §3.1, §4.1).
  const changed = ctx.store.run(
    `UPDATE webhook_apps SET name = COALESCE(?, name), description = COALESCE(?, description),
     is_active = COALESCE(?, is_active), failure_notification_emails = COALESCE(?, failure_notification_emails),
     event_catalog_slug = COALESCE(?, event_catalog_slug), updated_at = ?
     WHERE deployment_id = ? AND app_slug = ?`,
    name,
    description,
    isActive === undefined ? null : isActive ? 1 : 0,
    emails === undefined ? null : JSON.stringify(emails),
    catalogSlug,
    nowMicros(),
    ctx.deploymentId,
    slug,
  );
  if (changed === 0) throw notFound(APP_NOT_FOUND);
  return appJson(requireApp(ctx, slug));
}

function deleteApp(ctx: Context): unknown {
  const changed = ctx.store.run(
    "DELETE FROM webhook_apps WHERE deployment_id = ? AND app_slug = ?",
    ctx.deploymentId,
    ctx.params.app_slug!,
  );
  if (changed === 0) throw notFound(APP_NOT_FOUND);
  return {};
}

function rotateSecret(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const changed = ctx.store.run(
    "UPDATE webhook_apps SET signing_secret = ?, updated_at = ? WHERE deployment_id = ? AND app_slug = ?",
    generateSigningSecret(),
    nowMicros(),
    ctx.deploymentId,
    slug,
  );
  if (changed === 0) throw notFound(APP_NOT_FOUND);
  return appJson(requireApp(ctx, slug));
}

function listEvents(ctx: Context): unknown {
  const slug = ctx.params.app_slug!;
  const app = requireApp(ctx, slug);
  if (app.event_catalog_slug === null) return { events: [] };
  const events = JSON.parse(requireCatalog(ctx, app.event_catalog_slug).events) as EventDefinition[];
  const createdAt = formatTimestamp(nowMicros());
  return {
    events: events.map((e) => ({
      deployment_id: ctx.deploymentId,
      app_slug: slug,
      event_name: e.name,
      description: e.description,
      schema: e.schema ?? null,
      created_at: createdAt,
    })),
  };
}

function getAppCatalog(ctx: Context): unknown {
  const app = requireApp(ctx, ctx.params.app_slug!);
  if (app.event_catalog_slug === null) throw notFound(NO_CATALOG_ASSIGNED);
  return catalogJson(requireCatalog(ctx, app.event_catalog_slug));
}

/** Spec §3.1. */
export const appRoutes: Route[] = [
  { method: "GET", path: "/webhooks/apps", handler: listApps },
  { method: "POST", path: "/webhooks/apps", handler: createApp },
  { method: "GET", path: "/webhooks/apps/:app_slug", handler: getApp },
  { method: "PATCH", path: "/webhooks/apps/:app_slug", handler: updateApp },
  { method: "DELETE", path: "/webhooks/apps/:app_slug", handler: deleteApp },
  { method: "POST", path: "/webhooks/apps/:app_slug/rotate-secret", handler: rotateSecret },
  { method: "GET", path: "/webhooks/apps/:app_slug/events", handler: listEvents },
  { method: "GET", path: "/webhooks/apps/:app_slug/catalog", handler: getAppCatalog },
];
