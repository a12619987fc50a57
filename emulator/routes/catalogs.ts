import type { Context, Route } from "../context";
import { badRequest, CATALOG_NOT_FOUND, eventExists, eventMissing, notFound } from "../errors";
import { nowMicros } from "../ids";
import { type CatalogRow, catalogJson, toJsonb } from "../store";
import {
  decodeObject,
  type EventDefinition,
  optBool,
  optString,
  optValue,
  reqArray,
  reqBool,
  reqString,
} from "../validation";
import { requireCatalog } from "./shared";

/** `WebhookEventDefinition`: `name` and `description` required; the rest optional (spec §2). */
function decodeEvent(value: unknown): EventDefinition {
  const o = decodeObject(value);
  return {
    name: reqString(o, "name"),
    description: reqString(o, "description"),
    group: optString(o, "group") ?? null,
    schema: optValue(o, "schema") ?? null,
    example_payload: optValue(o, "example_payload") ?? null,
    is_archived: optBool(o, "is_archived") ?? false,
  };
}

function listCatalogs(ctx: Context): unknown {
  // Not paginated: limit/offset are ignored and not echoed (spec §1.6).
  const rows = ctx.store.all<CatalogRow>(
    "SELECT * FROM webhook_event_catalogs WHERE deployment_id = ? ORDER BY name ASC, slug ASC",
    ctx.deploymentId,
  );
  return { data: rows.map(catalogJson), has_more: false };
}

function getCatalog(ctx: Context): unknown {
  return catalogJson(requireCatalog(ctx, ctx.params.slug!));
}

function createCatalog(ctx: Context): unknown {
  const body = decodeObject(ctx.json());
  const slug = reqString(body, "slug");
  const name = reqString(body, "name");
  const description = optString(body, "description") ?? null;
  const events = reqArray(body, "events", decodeEvent);
  const now = nowMicros();
  ctx.store.run(
    `INSERT INTO webhook_event_catalogs (deployment_id, slug, name, description, events, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ctx.deploymentId,
    slug,
    name,
    description,
    toJsonb(events),
    now,
    now,
  );
  return catalogJson(requireCatalog(ctx, slug));
}

function updateCatalog(ctx: Context): unknown {
  const slug = ctx.params.slug!;
  const body = decodeObject(ctx.json());
  const name = optString(body, "name") ?? null;
  const description = optString(body, "description") ?? null;
  const changed = ctx.store.run(
    `UPDATE webhook_event_catalogs SET name = COALESCE(?, name), description = COALESCE(?, description),
     updated_at = ? WHERE deployment_id = ? AND slug = ?`,
    name,
    description,
    nowMicros(),
    ctx.deploymentId,
    slug,
  );
  if (changed === 0) throw notFound(CATALOG_NOT_FOUND);
  return catalogJson(requireCatalog(ctx, slug));
}

function saveEvents(ctx: Context, slug: string, events: EventDefinition[]): void {
  ctx.store.run(
    "UPDATE webhook_event_catalogs SET events = ?, updated_at = ? WHERE deployment_id = ? AND slug = ?",
    toJsonb(events),
    nowMicros(),
    ctx.deploymentId,
    slug,
  );
}

function appendEvents(ctx: Context): unknown {
  const slug = ctx.params.slug!;
  const body = decodeObject(ctx.json());
  const added = reqArray(body, "events", decodeEvent);
  return ctx.store.tx(() => {
    const events = JSON.parse(requireCatalog(ctx, slug).events) as EventDefinition[];
    for (const event of added) {
      if (events.some((e) => e.name === event.name)) throw badRequest(eventExists(event.name));
      events.push(event);
    }
    saveEvents(ctx, slug, events);
    return catalogJson(requireCatalog(ctx, slug));
  });
}

function archiveEvent(ctx: Context): unknown {
  const slug = ctx.params.slug!;
  const body = decodeObject(ctx.json());
  const eventName = reqString(body, "event_name");
  const archived = reqBool(body, "is_archived");
  return ctx.store.tx(() => {
    const events = JSON.parse(requireCatalog(ctx, slug).events) as EventDefinition[];
    const event = events.find((e) => e.name === eventName);
    if (!event) throw notFound(eventMissing(eventName));
    event.is_archived = archived;
    saveEvents(ctx, slug, events);
    return catalogJson(requireCatalog(ctx, slug));
  });
}

/** Spec §3.2. */
export const catalogRoutes: Route[] = [
  { method: "GET", path: "/webhooks/event-catalogs", handler: listCatalogs },
  { method: "POST", path: "/webhooks/event-catalogs", handler: createCatalog },
  { method: "GET", path: "/webhooks/event-catalogs/:slug", handler: getCatalog },
  { method: "PUT", path: "/webhooks/event-catalogs/:slug", handler: updateCatalog },
  { method: "POST", path: "/webhooks/event-catalogs/:slug/append-events", handler: appendEvents },
  { method: "POST", path: "/webhooks/event-catalogs/:slug/archive-event", handler: archiveEvent },
];
