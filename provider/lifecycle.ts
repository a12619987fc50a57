/**
 * What the resource implementations share: the implementation contract the thin loader calls, the
 * property-table diff, and the preview sentinel. Warnings: warn.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { canonicalJson } from "./canonical-json";
import { setStackConfig } from "./config";
import { isUnknown } from "./validate";

/** The methods runtime.ts exposes per kind; every result is explicit and complete. */
export interface Implementation<I, O> {
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
  check(olds: Partial<I> | undefined, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  read(id: string, props: O): Promise<ReadResult<I, O>>;
  update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(id: string, props: O): Promise<void>;
}

/** What read returns: no id when the object is gone; `inputs` rebuilt from the live object (drift). */
export interface ReadResult<I, O> {
  id?: string;
  props?: O;
  inputs?: I;
}

/** Hands the stack config (secrets decrypted) to config.ts; called once per provider process. */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  setStackConfig(req.config);
}

/**
 * One property's lifecycle semantics, declared once in each schema.ts: whether a change replaces the
 * resource, and how values are normalised before comparing (so that equivalent spellings never diff).
 */
export interface PropertySpec {
  /** A change replaces the resource instead of updating it in place. */
  replaces?: boolean;
  /** Maps a stored or desired value to the form that is compared. Defaults to the value itself. */
  normalize?: (value: unknown) => unknown;
}

/**
 * The value without `undefined` anywhere: object keys holding it are dropped, array entries become
 * `null`. The dynamic-provider host turns check's inputs into a protobuf Struct, which cannot hold
 * `undefined` ("Unexpected struct type"), and that error would hide check's own failures.
 */
export function serializable<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : serializable(v))) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, serializable(v)]),
    ) as T;
  }
  return value;
}

/**
 * The live items of a set-like property in the order the program (or state) had them: items known
 * before keep their place, new ones follow in Wacht's order. Wacht returns subscriptions sorted and
 * catalog events in append order; without this a refresh of an unchanged set shows a reordering diff.
 */
export function keepOrder<T>(
  previous: readonly T[] | undefined,
  live: readonly T[],
  key: (item: T) => string,
): T[] {
  if (!previous) return [...live];
  const rank = new Map(previous.map((item, index) => [key(item), index]));
  const known = live.filter((item) => rank.has(key(item)));
  known.sort((a, b) => (rank.get(key(a)) ?? 0) - (rank.get(key(b)) ?? 0));
  return [...known, ...live.filter((item) => !rank.has(key(item)))];
}

/**
 * A create that failed after its object was made in Wacht (a follow-up PATCH, an archive, a verification
 * failed). The dynamic-provider host reports an error carrying `id` and `properties` as a resource created
 * with an initialisation error: the engine keeps it in state and the next `up` finishes the job, instead
 * of forgetting an object that exists (which the next `up` would make a second time).
 */
export function partiallyCreated<E extends Error>(error: E, id: string, outs: object, inputs: object): E {
  const provider = (inputs as { __provider?: unknown }).__provider;
  return Object.assign(error, {
    id,
    properties: serializable({ ...outs, ...(provider === undefined ? {} : { __provider: provider }) }),
  });
}

/** True when the value or anything inside it is Pulumi's not-yet-known preview sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** The properties whose normalised values differ (an unknown new value counts as different). */
export function changedProperties(
  table: Record<string, PropertySpec>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): string[] {
  return Object.entries(table)
    .filter(([key, spec]) => {
      if (containsUnknown(news[key])) return true;
      const normalize = spec.normalize ?? ((v: unknown) => v);
      return canonicalJson(normalize(olds[key]) ?? null) !== canonicalJson(normalize(news[key]) ?? null);
    })
    .map(([key]) => key);
}

/** The complete diff result the table implies: `changes` is never undefined. */
export function diffByTable(
  table: Record<string, PropertySpec>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): pulumi.dynamic.DiffResult {
  const changed = changedProperties(table, olds, news);
  const replaces = changed.filter((key) => table[key]?.replaces);
  return {
    changes: changed.length > 0,
    replaces,
    stables: Object.keys(table).filter((key) => !changed.includes(key)),
    deleteBeforeReplace: false,
  };
}
