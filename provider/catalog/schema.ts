/**
 * WebhookEventCatalog: argument, input and output types, the property table, normalisation, and the
 * mapping to and from Wacht's snake_case JSON (the only place that knows it).
 */
import type * as pulumi from "@pulumi/pulumi";
import { canonicalJson } from "../canonical-json";
import { keepOrder } from "../lifecycle";
import { apiBody, descriptionProperty, diffTable, inputsFromState, type Schema } from "../property";
import {
  type CheckFailure,
  isRecord,
  isUnknown,
  validateOptionalType,
  validateRequiredString,
} from "../validate";

/** One event type a catalog offers. Wacht cannot edit or delete an event once created. */
export interface EventDefinitionArgs {
  /** Event name, e.g. `invoice.paid`. Unique within the catalog. */
  name: pulumi.Input<string>;
  /** What the event means. Required by Wacht. Cannot change once created (add a new event instead). */
  description: pulumi.Input<string>;
  /** Optional grouping label for dashboards. Cannot change once created. */
  group?: pulumi.Input<string>;
  /**
   * JSON Schema of the event's payload. Endpoint filter fields are checked against its `properties`.
   * Cannot change once created.
   */
  schema?: pulumi.Input<Record<string, unknown>>;
  /** An example payload, shown in Wacht's dashboard. Cannot change once created. */
  examplePayload?: pulumi.Input<unknown>;
}

/** Arguments of {@link WebhookEventCatalog}. */
export interface WebhookEventCatalogArgs {
  /** The catalog's unique slug, used as is (Wacht does not normalise catalog slugs). Changing it replaces the catalog. */
  slug: pulumi.Input<string>;
  /** Display name. Updates in place. */
  name: pulumi.Input<string>;
  /** Description. Default `""`. Updates in place. */
  description?: pulumi.Input<string>;
  /**
   * The events the catalog offers. An added event is appended, a removed one is archived (Wacht keeps
   * it, and it can no longer be subscribed to), a re-added one is unarchived.
   */
  events: pulumi.Input<pulumi.Input<EventDefinitionArgs>[]>;
  /**
   * Take over an existing catalog with this slug instead of failing with 409, then converge it to this
   * program. Default `false`.
   */
  adopt?: pulumi.Input<boolean>;
}

/** An event definition as the provider keeps it. */
export interface EventDefinition {
  name: string;
  description: string;
  group: string | null;
  schema: Record<string, unknown> | null;
  examplePayload: unknown;
}

/** Checked inputs. */
export interface CatalogInputs {
  pulumiName: string;
  slug: string;
  name: string;
  description: string;
  events: EventDefinition[];
  /** Only matters on create; never stored in outputs. */
  adopt?: boolean;
}

/** State: the inputs as Wacht stored them, plus what Wacht adds. */
export interface CatalogOutputs extends Omit<CatalogInputs, "adopt"> {
  /** Names of the catalog's archived events. */
  archivedEvents: string[];
  createdAt: string;
  updatedAt: string;
}

/** Wacht's event definition JSON. */
export interface ApiEventDefinition {
  name: string;
  description: string;
  group?: string | null;
  schema?: Record<string, unknown> | null;
  example_payload?: unknown;
  is_archived?: boolean;
}

/** Wacht's catalog JSON. */
export interface ApiCatalog {
  slug: string;
  name: string;
  description?: string | null;
  events: ApiEventDefinition[];
  created_at: string;
  updated_at: string;
}

/** The canonical form of an event definition, for comparing definitions. */
export function eventKey(event: EventDefinition): string {
  return canonicalJson({
    description: event.description,
    group: event.group ?? null,
    schema: event.schema ?? null,
    examplePayload: event.examplePayload ?? null,
  });
}

/** Events as a set keyed by name: order never produces a diff. */
function eventsByName(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return Object.fromEntries((value as EventDefinition[]).map((event) => [event.name, eventKey(event)]));
}

/** An event definition as the program gave it, with absent optional fields as null. */
export function normalizeEvent(raw: unknown): EventDefinition {
  const event = isRecord(raw) ? raw : {};
  return {
    name: event.name as string,
    description: event.description as string,
    group: (event.group as string | undefined) ?? null,
    schema: (event.schema as Record<string, unknown> | undefined) ?? null,
    examplePayload: event.examplePayload ?? null,
  };
}

/**
 * Failures of `events`: each definition's fields, unique names, and no change to an existing event
 * (Wacht cannot edit one).
 */
function checkEvents(
  failures: CheckFailure[],
  raw: unknown,
  olds: Partial<CatalogInputs> | undefined,
  slug: unknown,
) {
  if (isUnknown(raw)) return;
  if (!Array.isArray(raw)) {
    failures.push({ property: "events", reason: "events must be a list of event definitions" });
    return;
  }
  const previous = new Map<string, EventDefinition>(
    olds?.slug === slug && Array.isArray(olds?.events) ? olds.events.map((e) => [e.name, e]) : [],
  );
  raw.forEach((event, i) => {
    const path = `events[${i}]`;
    if (isUnknown(event)) return;
    if (!isRecord(event)) {
      failures.push({ property: path, reason: `${path} must be an object with a name and a description` });
      return;
    }
    failures.push(...validateRequiredString(`${path}.name`, event.name));
    failures.push(...validateRequiredString(`${path}.description`, event.description));
    failures.push(...validateOptionalType(`${path}.group`, event.group, "string"));
    if (
      event.schema !== undefined &&
      event.schema !== null &&
      !isUnknown(event.schema) &&
      !isRecord(event.schema)
    ) {
      failures.push({ property: `${path}.schema`, reason: `${path}.schema must be a JSON Schema object` });
    }
    const before = typeof event.name === "string" ? previous.get(event.name) : undefined;
    if (
      before &&
      !Object.values(event).some(isUnknown) &&
      eventKey(before) !== eventKey(normalizeEvent(event))
    ) {
      failures.push({
        property: path,
        reason:
          `event '${event.name}' cannot be changed: Wacht cannot edit an event once created (its description, ` +
          "group, schema and example payload are fixed). Restore its previous definition, or declare the new " +
          "definition under a new event name (the removed one is archived).",
      });
    }
  });
  const firstAt = new Map<string, number>();
  raw.forEach((event, i) => {
    if (!isRecord(event) || typeof event.name !== "string" || isUnknown(event.name) || event.name === "")
      return;
    const first = firstAt.get(event.name);
    if (first === undefined) firstAt.set(event.name, i);
    else {
      failures.push({
        property: `events[${i}]`,
        reason: `duplicate event name "${event.name}" (first at events[${first}]): a catalog's event names are unique`,
      });
    }
  });
}

const EVENTS_REQUIRED = "events must be a list of event definitions";

/**
 * Every property of WebhookEventCatalog, declared once: README's table, check's defaults and validators,
 * diff and read's rebuilt inputs follow from it. The slug is the catalog's identity; everything else
 * updates in place (events by append, archive and unarchive).
 */
export const catalogSchema: Schema = {
  slug: {
    doc: "The catalog's unique slug, used as is.",
    type: "`string`, required",
    wire: "slug",
    change: "replace",
    whenMissing: () => "slug is required and must be a non-empty string",
    validate: validateRequiredString,
  },
  name: {
    doc: "Display name.",
    type: "`string`, required",
    wire: "name",
    change: "update",
    whenMissing: () => "name is required and must be a non-empty string",
    validate: validateRequiredString,
  },
  description: descriptionProperty,
  events: {
    doc: "The events the catalog offers.",
    type: "`EventDefinition[]`, required",
    wire: "events",
    toApi: (value) => (value as EventDefinition[]).map(eventToApi),
    change: "update",
    note: "append / archive / unarchive",
    normalize: eventsByName,
    whenMissing: () => EVENTS_REQUIRED,
    validate: (_path, value, news, olds) => {
      const failures: CheckFailure[] = [];
      checkEvents(failures, value, olds as Partial<CatalogInputs> | undefined, news.slug);
      return failures;
    },
  },
  adopt: {
    doc: "Take over an existing catalog with this slug instead of failing.",
    type: "`boolean`",
    default: false,
    change: "create",
    validate: (path, value) => validateOptionalType(path, value, "boolean"),
  },
  archivedEvents: { doc: "Names of the catalog's archived events.", computed: true },
  createdAt: { doc: "Wacht's creation time.", computed: true },
  updatedAt: { doc: "Wacht's last update time.", computed: true },
};

/** What diff compares, and how. */
export const catalogProperties = diffTable(catalogSchema);

/** The create request's body. */
export function createBody(inputs: CatalogInputs): Record<string, unknown> {
  return apiBody(catalogSchema, { ...inputs }, Object.keys(catalogSchema), "create");
}

export function eventToApi(event: EventDefinition): ApiEventDefinition {
  return {
    name: event.name,
    description: event.description,
    ...(event.group !== null ? { group: event.group } : {}),
    ...(event.schema !== null ? { schema: event.schema } : {}),
    ...(event.examplePayload !== null && event.examplePayload !== undefined
      ? { example_payload: event.examplePayload }
      : {}),
  };
}

export function eventFromApi(event: ApiEventDefinition): EventDefinition {
  return {
    name: event.name,
    description: event.description,
    group: event.group ?? null,
    schema: event.schema ?? null,
    examplePayload: event.example_payload ?? null,
  };
}

/** State from Wacht's catalog, keeping the resource's name (read and delete get only the outputs). */
export function fromApi(
  catalog: ApiCatalog,
  kept: Pick<CatalogInputs, "pulumiName"> & {
    /** The events as the program (or state) orders them; Wacht's order is used for the rest. */
    events?: EventDefinition[];
  },
): CatalogOutputs {
  return {
    pulumiName: kept.pulumiName,
    slug: catalog.slug,
    name: catalog.name,
    description: catalog.description ?? "",
    events: keepOrder(
      kept.events,
      catalog.events.filter((e) => !e.is_archived).map(eventFromApi),
      (e) => e.name,
    ),
    archivedEvents: catalog.events.filter((e) => e.is_archived).map((e) => e.name),
    createdAt: catalog.created_at,
    updatedAt: catalog.updated_at,
  };
}

/** The inputs a program declaring the live catalog would have (what refresh reports as drift). */
export function inputsFromOutputs(outputs: CatalogOutputs): CatalogInputs {
  return inputsFromState<CatalogInputs>(catalogSchema, { ...outputs });
}

/**
 * True when the live catalog carries what `inputs` ask for at create (name, description, the events
 * with their definitions): how a create whose answer was lost recognises the catalog it made.
 */
export function matchesInputs(catalog: ApiCatalog, inputs: CatalogInputs): boolean {
  const keys = (events: EventDefinition[]) =>
    canonicalJson(Object.fromEntries(events.map((e) => [e.name, eventKey(e)])));
  return (
    catalog.name === inputs.name &&
    (catalog.description ?? "") === inputs.description &&
    keys(catalog.events.map(eventFromApi)) === keys(inputs.events)
  );
}
