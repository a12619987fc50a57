/**
 * One declaration per property. Each resource's schema.ts declares its properties once, as data, and
 * everything else follows from that table: check's defaults, per-property validation and removal
 * rules, diff's replaces and normalisation, Wacht request bodies, read's rebuilt inputs, the resource
 * class's secret and computed outputs, and README's property tables (test/unit/readme-tables.test.ts).
 */
import { isDeepStrictEqual } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import type { Implementation, PropertySpec } from "./lifecycle";
import { type CheckFailure, validateOptionalType } from "./validate";

/**
 * What changing a property does: `replace` the resource, `update` it in place, `rotate` the app's
 * signing secret in place, or nothing (`create`: the property only steers create and is never diffed).
 */
export type Change = "replace" | "update" | "rotate" | "create";

/** One property of a resource. */
export interface Property {
  /** What it is, in one line. */
  doc: string;
  /** The type as README's table shows it (markdown). Outputs have none: they are not in the table. */
  type?: string;
  /** Wacht's JSON field. */
  wire?: string;
  /** Which requests carry it: both (the default when `wire` is set), only the create, only the PATCH. */
  sent?: "create" | "update";
  /** A create leaves the field out when the value is the default (Wacht stores the same then). */
  createOmitsDefault?: true;
  /** Wacht's JSON for the value; `undefined` leaves the field out. Default: the value itself. */
  toApi?: (value: unknown) => unknown;
  /** The value check fills in when the program omits the property. */
  default?: unknown;
  /** README's default column when there is no `default` value: "—" (required or none) unless given. */
  defaultText?: string;
  /** What a change does; outputs (computed properties) have none. */
  change?: Change;
  /** A few words README adds to the change ("order ignored"). */
  note?: string;
  /** Maps a stored or desired value to the form diff compares. Default: the value itself. */
  normalize?: (value: unknown) => unknown;
  /** A secret output; `values` when each value of the map is a secret of its own (plans show the keys). */
  secret?: true | "values";
  /** Set by the provider, never by the program. */
  computed?: true;
  /** Why the property cannot be removed once set (Wacht cannot unset it); the old value is given. */
  cannotRemove?: (old: unknown) => string;
  /**
   * Check failures of a value the program gave (never called with undefined, null or an unknown value);
   * `news` holds the program's other values and `olds` the previous inputs, for rules that involve them.
   */
  validate?: (
    path: string,
    value: unknown,
    news: Record<string, unknown>,
    olds: Record<string, unknown> | undefined,
  ) => CheckFailure[];
  /** Why the program must give the property after all, when it did not (required properties). */
  whenMissing?: (news: Record<string, unknown>) => string | undefined;
  /** Compared by diff as part of another property (endpoint `events` are subscriptions without filters). */
  comparedAs?: string;
}

/**
 * `description`, as Wacht keeps it on apps, catalogs and endpoints: stored as sent, `""` when omitted (a
 * create leaves it out then), and never null again once set, so an omitted one compares as `""`.
 */
export const descriptionProperty: Property = {
  doc: "Description.",
  type: "`string`",
  wire: "description",
  default: "",
  createOmitsDefault: true,
  change: "update",
  normalize: (v) => v ?? "",
  validate: (path, value) => validateOptionalType(path, value, "string"),
};

/** A resource's properties, by name. */
export type Schema = Record<string, Property>;

/** The properties the program can set (not computed). */
export function declared(schema: Schema): string[] {
  return Object.keys(schema).filter((key) => !schema[key]?.computed);
}

/** The properties diff compares, with their replace and normalisation rules. */
export function diffTable(schema: Schema): Record<string, PropertySpec> {
  const diffed = Object.entries(schema).filter(
    ([, p]) => p.change !== undefined && p.change !== "create" && p.comparedAs === undefined,
  );
  // Identity first: the properties that replace, then those that update in place.
  const ordered = [
    ...diffed.filter(([, p]) => p.change === "replace"),
    ...diffed.filter(([, p]) => p.change !== "replace"),
  ];
  return Object.fromEntries(
    ordered.map(([key, p]) => [key, { replaces: p.change === "replace", normalize: p.normalize }]),
  );
}

/** Outputs that are secrets in state and in the program. */
export function secretOutputs(schema: Schema): string[] {
  return Object.keys(schema).filter((key) => schema[key]?.secret);
}

/** The computed outputs, as the resource class declares them to Pulumi (each `undefined` until known). */
export function computedOutputs(schema: Schema): Record<string, undefined> {
  return Object.fromEntries(
    Object.keys(schema)
      .filter((key) => schema[key]?.computed)
      .map((key) => [key, undefined]),
  );
}

/**
 * The values without those that equal their property's default (or are null, which means "left out"):
 * the one form check stores and read rebuilds, so that a program spelling out `maxRetries: 32` and one
 * leaving it out store the same inputs, and a refresh of an unchanged object changes no stored input.
 * Every stored value is also copied into each checkpoint the engine writes (issue 10). The provider's
 * methods fill the defaults back in (`withDefaults`).
 */
function withoutDefaults<T>(schema: Schema, values: T): T {
  return Object.fromEntries(
    Object.entries(values as Record<string, unknown>).filter(([key, value]) => {
      const fallback = schema[key]?.default;
      return fallback === undefined || (value !== null && !isDeepStrictEqual(value, fallback));
    }),
  ) as T;
}

/**
 * The inputs with each default filled in where the program left the property out (check stores them
 * without, see `withoutDefaults`).
 */
export function completed<I>(schema: Schema, inputs: I): I {
  const complete: Record<string, unknown> = { ...(inputs as Record<string, unknown>) };
  for (const [key, property] of Object.entries(schema)) {
    if (property.default !== undefined && property.change !== "create") {
      complete[key] = withDefault(schema, key, complete[key]);
    }
  }
  return complete as I;
}

/**
 * The implementation as the host sees it, the one place where state's form and the methods' form meet.
 * Everything it hands to the engine leaves out what equals its default (`withoutDefaults`): check's and
 * read's inputs, and the outputs of create, read and update (`maxRetries: 32`, `headers: {}` …). Each
 * stored value is copied into every checkpoint the engine writes, whose cost follows the number of values
 * as well as their bytes (docs/scaling.md). Everything it hands to the implementation is `completed`:
 * the inputs of diff, create and update, and the state diff, read, update and delete receive, whichever
 * version wrote it. The resource classes read the defaults back into the program's outputs
 * (`withOutputDefaults`).
 */
export function withDefaults<I, O>(
  schema: Schema,
  implementation: Implementation<I, O>,
): Implementation<I, O> {
  const full = <T>(values: T): T => completed(schema, values);
  const lean = <T>(values: T): T => withoutDefaults(schema, values);
  const leanPartialState = (error: unknown): never => {
    // A create or update that failed half-way reports what it made (lifecycle.ts partiallyCreated).
    const partial = error as { properties?: unknown };
    if (partial?.properties !== null && typeof partial?.properties === "object")
      partial.properties = lean(partial.properties);
    throw error;
  };
  return {
    ...implementation,
    check: async (olds, news) => {
      const result = await implementation.check(olds, news);
      return result.inputs === undefined ? result : { ...result, inputs: lean(result.inputs) };
    },
    diff: (id, olds, news) => implementation.diff(id, full(olds), full(news)),
    create: async (inputs) => {
      const result = await implementation.create(full(inputs)).catch(leanPartialState);
      return { ...result, outs: lean(result.outs) };
    },
    read: async (id, props) => {
      const { props: outs, inputs, ...rest } = await implementation.read(id, full(props));
      return {
        ...rest,
        ...(outs === undefined ? {} : { props: lean(outs) }),
        ...(inputs === undefined ? {} : { inputs: lean(inputs) }),
      };
    },
    update: async (id, olds, news) => {
      const result = await implementation.update(id, full(olds), full(news)).catch(leanPartialState);
      return result.outs === undefined ? result : { ...result, outs: lean(result.outs) };
    },
    delete: (id, props) => implementation.delete(id, full(props)),
  };
}

/**
 * After `super(...)` in a resource class: each output the class registered (an `Output` on the resource)
 * whose property has a default resolves to the default when state leaves it out (`withDefaults`), so
 * `endpoint.maxRetries` is `32`, never `undefined`, whether the program spelled it out or not.
 */
export function withOutputDefaults(resource: object, schema: Schema): void {
  const outputs = resource as Record<string, unknown>;
  for (const [key, property] of Object.entries(schema)) {
    if (property.default === undefined || property.change === "create") continue;
    const output = outputs[key];
    if (pulumi.Output.isInstance(output)) outputs[key] = output.apply((v) => withDefault(schema, key, v));
  }
}

/** The value with its default when the program left it out. */
export function withDefault(schema: Schema, key: string, value: unknown): unknown {
  if (value !== undefined && value !== null) return value;
  const fallback = schema[key]?.default;
  // A fresh copy each time: inputs are mutated by nobody, but shared defaults would make that fragile.
  return fallback !== null && typeof fallback === "object" ? structuredClone(fallback) : fallback;
}

/**
 * Failures of every declared property, in declaration order: its validator when the program gave a
 * value, why it is required when it did not, and removals Wacht cannot carry out.
 */
export function propertyFailures(
  schema: Schema,
  olds: Record<string, unknown> | undefined,
  news: Record<string, unknown>,
  isUnknown: (value: unknown) => boolean,
): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const [key, property] of Object.entries(schema)) {
    const value = news[key];
    const given = value !== undefined && value !== null;
    if (given && !isUnknown(value) && property.validate)
      failures.push(...property.validate(key, value, news, olds));
    const missing = given ? undefined : property.whenMissing?.(news);
    if (missing) failures.push({ property: key, reason: missing });
    const old = olds?.[key];
    if (!given && property.cannotRemove && old !== undefined && old !== null) {
      failures.push({ property: key, reason: property.cannotRemove(old) });
    }
  }
  return failures;
}

/**
 * Wacht's request body for the given properties: each under its wire name, through its `toApi`. A create
 * body leaves out what only a PATCH sends and the defaults Wacht fills in itself; an update body what
 * only a create sends. Undefined values are left out.
 */
export function apiBody(
  schema: Schema,
  values: Record<string, unknown>,
  keys: readonly string[],
  request: "create" | "update",
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of keys) {
    const property = schema[key];
    if (!property?.wire || (property.sent !== undefined && property.sent !== request)) continue;
    const value = values[key];
    if (request === "create" && property.createOmitsDefault && value === property.default) continue;
    const wire = value === undefined ? undefined : property.toApi ? property.toApi(value) : value;
    if (wire !== undefined) body[property.wire] = wire;
  }
  return body;
}

/**
 * The inputs a program declaring the live object would have, from state: the declared properties that
 * are diffed (read hands them to the engine, which then shows drift), with the resource's name. The
 * properties that only steer create (`adopt` …) are left out, as for a program that does not set them;
 * `withDefaults` stores the result as check stores inputs, so a refresh of an object nobody changed
 * changes no stored input.
 */
export function inputsFromState<I>(schema: Schema, outputs: Record<string, unknown>): I {
  const inputs: Record<string, unknown> = { pulumiName: outputs.pulumiName };
  for (const key of declared(schema)) {
    const property = schema[key] as Property;
    if (property.change !== "create" && outputs[key] !== undefined) inputs[key] = outputs[key];
  }
  return inputs as I;
}

/** README's table rows for the program's properties: property, type, default, on change, secret. */
export function readmeRows(schema: Schema): string[][] {
  return declared(schema).map((key) => {
    const p = schema[key] as Property;
    const defaultText = p.defaultText ?? (p.default === undefined ? "—" : `\`${JSON.stringify(p.default)}\``);
    return [`\`${key}\``, p.type ?? "", defaultText, changeText(p), secretText(p)];
  });
}

function changeText(p: Property): string {
  switch (p.change) {
    case "replace":
      return "replaces";
    case "rotate":
      return "rotates the signing secret in place";
    case "update":
      return `updates in place${p.note ? ` (${p.note})` : ""}${p.cannotRemove ? "; cannot be removed once set" : ""}`;
    default:
      return "—";
  }
}

function secretText(p: Property): string {
  if (p.secret === "values") return "values: yes";
  return p.secret ? "yes" : "no";
}
