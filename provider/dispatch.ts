/**
 * The entry points the serialized providers (loader.ts) call. Four functions serve the host's seven
 * methods, told apart by their first argument, which the host's calls fix: `configure(request)`,
 * `check(olds, news)`, `diff(id, olds, news)`, `create(inputs)`, `update(id, olds, news)`,
 * `read(id, props)`, `delete(id, props)`. Only diff, update, read and delete start with the id (a
 * string), so each function holds at most one of them and extra arguments from a later host can never
 * send a call to the wrong method.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Implementation } from "./lifecycle";

/** An implementation with the loader's entry points added; the method names stay for 0.1.0's loader. */
export type Entries<I, O> = Implementation<I, O> & {
  /** configure, check or diff. */
  plan(...args: unknown[]): Promise<unknown>;
  /** create or update. */
  write(...args: unknown[]): Promise<unknown>;
};

/** True for the host's `configure` request: JSON inputs never hold a function. */
function isConfigureRequest(value: unknown): value is pulumi.dynamic.ConfigureRequest {
  const config = (value as { config?: { get?: unknown } } | undefined)?.config;
  return typeof config?.get === "function";
}

/** The implementation with `plan` and `write` added. */
export function entries<I, O>(implementation: Implementation<I, O>): Entries<I, O> {
  return {
    ...implementation,
    plan(...args) {
      if (typeof args[0] === "string") return implementation.diff(args[0], args[1] as O, args[2] as I);
      if (isConfigureRequest(args[0])) return implementation.configure(args[0]);
      return implementation.check(args[0] as Partial<I> | undefined, args[1] as Record<string, unknown>);
    },
    write(...args) {
      if (typeof args[0] === "string") return implementation.update(args[0], args[1] as O, args[2] as I);
      return implementation.create(args[0] as I);
    },
  };
}
