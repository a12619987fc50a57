/**
 * Exactly-once creates. Wacht has no idempotency keys, so a create whose outcome is unknown (no answer,
 * a reset connection, a 500, a gateway timeout) is settled by reading the live objects and deciding which
 * one, if any, that create made. The rule, for every resource kind:
 *
 * - an object that existed before the create began is never taken (unless the program adopts);
 * - an object another resource of this deployment already holds is never taken;
 * - of the rest, only an object carrying everything the program asked for is taken;
 * - none: the create did not happen and is sent again; several: an error that lists them.
 *
 * One deployment runs every dynamic resource in one provider process, so the claims and baselines below,
 * kept per process, cover every resource of the deployment.
 */
import { WachtProviderError } from "./errors";

/** What {@link identify} decided. */
export type Identified<T> =
  | { outcome: "none" }
  | { outcome: "one"; object: T }
  | { outcome: "several"; ids: string[] };

/**
 * Which of the `live` objects a create made: not in `before` (it predates the create), not claimed by
 * another resource, and matching what the program asked for.
 */
export function identify<T>(
  live: readonly T[],
  idOf: (object: T) => string,
  matches: (object: T) => boolean,
  before: ReadonlySet<string>,
  claimed: ReadonlySet<string>,
): Identified<T> {
  const candidates = live.filter((o) => !before.has(idOf(o)) && !claimed.has(idOf(o)) && matches(o));
  if (candidates.length === 0) return { outcome: "none" };
  if (candidates.length === 1) return { outcome: "one", object: candidates[0]! };
  return { outcome: "several", ids: candidates.map(idOf) };
}

/** The error for two or more objects that a create could have made. */
export function ambiguousMatchError(what: string, ids: string[]): WachtProviderError {
  return new WachtProviderError(
    `the create's answer was lost and ${ids.length} ${what} match it: ${ids.join(", ")}. ` +
      "The provider takes none of them rather than guess. Delete the extra ones (or all of them) and run again.",
  );
}

/** A resource making a create: its name for messages, and a token unique to this create. */
export interface Holder {
  name: string;
  token: string;
}

/** Object ids held by resources of this process, per kind (endpoint ids, app slugs, catalog slugs). */
const claims = new Map<string, Map<string, Holder>>();

/**
 * Records that `holder` holds the object. Returns the other holder when one already does, so that two
 * resources never end up holding one Wacht object. (Names alone are not unique: resources under two
 * components may share one, hence the token.)
 */
export function claim(kind: string, id: string, holder: Holder): Holder | undefined {
  let held = claims.get(kind);
  if (!held) {
    held = new Map();
    claims.set(kind, held);
  }
  const current = held.get(id);
  if (current !== undefined && current.token !== holder.token) return current;
  held.set(id, holder);
  return undefined;
}

/**
 * Records that a resource already in state holds the object (seen in diff, read or update): a create of
 * another resource in the same deployment, adopting or settling, must not take it. The engine diffs the
 * resources a program registers before it creates those registered after them.
 */
export function holdInState(kind: string, id: string, name: string): void {
  claim(kind, id, { name, token: `state\u0000${kind}\u0000${id}` });
}

/** Forgets a claim: the object was deleted. */
export function release(kind: string, id: string): void {
  claims.get(kind)?.delete(id);
}

/** The ids of `kind` that resources of this process hold, other than `holder`. */
export function claimedByOthers(kind: string, holder: Holder): Set<string> {
  return new Set(
    [...(claims.get(kind) ?? new Map<string, Holder>())]
      .filter(([, h]) => h.token !== holder.token)
      .map(([id]) => id),
  );
}

/** The error for an object another resource of this deployment already holds. */
export function heldError(what: string, other: Holder): WachtProviderError {
  return new WachtProviderError(
    `${what} is already held by resource "${other.name}" of this deployment; two resources cannot manage one Wacht object.`,
  );
}

const baselines = new Map<string, Promise<ReadonlySet<string>>>();

/**
 * The ids that existed before the first create of this process in `scope` (e.g. the endpoints of one
 * app), read fresh once and shared by every later create there. Creates of this process that succeed
 * are claimed, so the baseline never needs refreshing: an unclaimed object outside it was made since.
 */
export function baseline(scope: string, read: () => Promise<string[]>): Promise<ReadonlySet<string>> {
  let pending = baselines.get(scope);
  if (!pending) {
    pending = read().then((ids) => new Set(ids));
    baselines.set(scope, pending);
    // A failed read is not kept: the next create reads again.
    pending.catch(() => {
      if (baselines.get(scope) === pending) baselines.delete(scope);
    });
  }
  return pending;
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `work` after every earlier call with the same key has finished. Creates that could make
 * indistinguishable objects (same app and URL, same slug) run one at a time, so each one's outcome is
 * settled before the next one looks.
 */
export function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

/** Creates sent for one resource before giving up: the first one and two after unknown outcomes. */
export const MAX_CREATE_ATTEMPTS = 3;

/** Forgets every claim, baseline and queue (tests). */
export function resetIdentification(): void {
  claims.clear();
  baselines.clear();
  queues.clear();
}
