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
import { apiStatus, isAmbiguous, requestInfo, WachtProviderError } from "./errors";

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

/** How the look after a create whose outcome is unknown retries. Exported for tests; not configurable. */
export const LOOK_POLICY = {
  /** Rounds of the look; each round is the client's own retries (`RETRY_POLICY` in client.ts). */
  rounds: 4,
  /** The pause before round n + 1 is n times this. */
  pauseMs: 2_000,
};

/**
 * Reads what a create whose outcome is unknown may have made. That read alone decides between taking
 * an object and sending the create again, and giving up on it leaves an object the next run cannot tell
 * from someone else's. So it is retried beyond the client's own retries while its failures are
 * transient (no answer, 429, 5xx; a few minutes at most), and when it still fails the error says that
 * `what` may exist and how to take it back.
 */
export async function lookAfterUnknownOutcome<T>(what: string, read: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await read();
    } catch (error) {
      const status = apiStatus(error);
      const transient = status === undefined || status === 429 || status >= 500;
      if (transient && round < LOOK_POLICY.rounds) {
        await new Promise((resolve) => setTimeout(resolve, LOOK_POLICY.pauseMs * round));
        continue;
      }
      const request = requestInfo(error);
      const answer = `${status === undefined ? "" : `${status} `}${error instanceof Error ? error.message : error}`;
      const where = request ? `, ${request.method} ${request.path}` : "";
      throw new WachtProviderError(
        `its outcome is unknown, and looking for what it made failed (${answer}${where}).\n` +
          `${what} may exist in Wacht. Run \`WACHT_ADOPT_EXISTING=true pulumi up\` once: it takes back what ` +
          "it finds instead of creating a second one.",
      );
    }
  }
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

/** How {@link createOnceBySlug} finds, makes and recognises one kind of object keyed by a unique slug. */
export interface SlugKeyed<T> {
  /** The claims kind ("app", "catalog"). */
  kind: string;
  /** The object in messages: `App 'billing'`. */
  label: string;
  slug: string;
  holder: Holder;
  /** The live object, or undefined when Wacht has none with the slug. */
  find(): Promise<T | undefined>;
  create(): Promise<T>;
  /** True when the object carries what the program asked for at create. */
  matches(object: T): boolean;
  /** Whether an object that existed before the create began may be taken (adoption, a catalog tombstone). */
  mayTakeExisting(existing: T): boolean;
  /** The line that says how to take an existing object over. */
  adoptHint: string;
  /** What `matches` compares, for the error about an object someone else made meanwhile. */
  compared: string;
}

/**
 * Creates an object keyed by a unique slug (apps, catalogs) exactly once. A look before the create tells
 * whether the object predates it (then taken only when `mayTakeExisting`); after a create whose outcome
 * is unknown, or a 409 for an object that did not exist a moment earlier, it is read back and taken when
 * it carries what was asked for.
 */
export function createOnceBySlug<T>(spec: SlugKeyed<T>): Promise<T> {
  const take = (object: T) => {
    const other = claim(spec.kind, spec.slug, spec.holder);
    if (other) throw heldError(spec.label, other);
    return object;
  };
  return serialized(`${spec.kind}\u0000${spec.slug}`, async () => {
    const existing = await spec.find();
    if (existing) {
      if (spec.mayTakeExisting(existing)) return take(existing);
      throw new WachtProviderError(`${spec.label} already exists in Wacht.\n${spec.adoptHint}`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return take(await spec.create());
      } catch (error) {
        if (apiStatus(error) !== 409 && !isAmbiguous(error)) throw error;
        // It did not exist when this create began: if it exists now with what was asked for, this
        // create (an attempt whose answer was lost) made it.
        const found = await lookAfterUnknownOutcome(spec.label, () => spec.find());
        if (found && spec.matches(found)) return take(found);
        if (found) {
          throw new WachtProviderError(
            `${spec.label} was created by someone else while this create ran (its ${spec.compared} differ ` +
              "from the program's). Set adopt: true to take it over, or choose another slug.",
          );
        }
        if (apiStatus(error) === 409 || attempt >= MAX_CREATE_ATTEMPTS) throw error;
      }
    }
  });
}

/** Creates sent for one resource before giving up: the first one and two after unknown outcomes. */
export const MAX_CREATE_ATTEMPTS = 3;

/** Forgets every claim, baseline and queue (tests). */
export function resetIdentification(): void {
  claims.clear();
  baselines.clear();
  queues.clear();
}
