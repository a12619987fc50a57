/** WebhookEndpoint lifecycle: check · diff · create · read · update · delete. */
import { randomUUID } from "node:crypto";
import { type WebhooksApi, webhooks } from "../client";
import { settings } from "../config";
import {
  apiStatus,
  isAmbiguous,
  type Operation,
  timedOut,
  toProviderError,
  WachtProviderError,
} from "../errors";
import {
  ambiguousMatchError,
  baseline,
  claim,
  claimedByOthers,
  type Holder,
  holdInState,
  type Identified,
  identify,
  lookAfterUnknownOutcome,
  MAX_CREATE_ATTEMPTS,
  release,
  serialized,
} from "../identify";
import {
  changedProperties,
  configure,
  containsUnknown,
  diffByTable,
  keepOrder,
  partiallyCreated,
  serializable,
} from "../lifecycle";
import { completed, declared, propertyFailures, withDefaults } from "../property";
import { isRecord, isUnknown, validateBodySize } from "../validate";
import { warn } from "../warn";
import { findEndpoint, forgetListing, listAllEndpoints } from "./listing";
import {
  type ApiEndpoint,
  comparable,
  createBody,
  type EndpointInputs,
  type EndpointOutputs,
  endpointProperties,
  endpointSchema,
  fromApi,
  inputsFromOutputs,
  matchesInputs,
  patchBody,
  type Subscription,
  subscriptionsFromApi,
  subscriptionsOf,
  type Verification,
} from "./schema";

const RESOURCE = "WebhookEndpoint";
/** The claims kind of endpoints (identify.ts). */
const CLAIMS = "endpoint";

function fail(inputs: Pick<EndpointInputs, "pulumiName">, operation: Operation, error: unknown) {
  return toProviderError(RESOURCE, inputs.pulumiName, operation, error);
}

/** The pulumi id: Wacht has no route to get one endpoint, so the app is part of the id. */
const endpointPulumiId = (app: string, endpointId: string) => `${app}/${endpointId}`;

function parseId(id: string): { app: string; endpointId: string } {
  const slash = id.lastIndexOf("/");
  return { app: id.slice(0, slash), endpointId: id.slice(slash + 1) };
}

function normalizeSubscriptions(raw: unknown): Subscription[] | undefined {
  if (!Array.isArray(raw)) return raw as undefined;
  return raw.map((s) => {
    const entry = isRecord(s) ? s : {};
    const event =
      typeof entry.event === "string" && !isUnknown(entry.event) ? entry.event.trim() : entry.event;
    return { event: event as string, filter: (entry.filter as Record<string, unknown> | undefined) ?? null };
  });
}

/**
 * The PATCH body that moves `live` to `desired`: only the changed fields, since Wacht's PATCH keeps
 * what it is not sent. `active` is left alone for an endpoint Wacht disabled (see diff).
 */
function patchFor(
  live: EndpointInputs,
  desired: EndpointInputs,
  honourActive: boolean,
): Record<string, unknown> {
  const changed = changedProperties(endpointProperties, comparable(live), comparable(desired));
  return patchBody(desired, honourActive ? changed : changed.filter((key) => key !== "active"));
}

async function applyPatch(
  api: WebhooksApi,
  app: string,
  endpointId: string,
  body: Record<string, unknown>,
): Promise<ApiEndpoint | undefined> {
  if (Object.keys(body).length === 0) return undefined;
  forgetListing(app);
  return (await api.updateWebhookEndpoint(app, endpointId, body)) as ApiEndpoint;
}

const VERIFY_TIMEOUT_MS = 30_000;

/** Sends a test delivery and waits for its outcome in the delivery history. */
async function verify(
  api: WebhooksApi,
  app: string,
  endpointId: string,
  pulumiName: string,
): Promise<Verification> {
  const started = Date.now();
  await api.testWebhookEndpoint(app, endpointId, { event_name: "test.webhook" } as never);
  for (let delay = 200; ; delay = Math.min(delay * 2, 3_000)) {
    const page = (await api.listWebhookDeliveries(app, {
      event_name: "test.webhook",
      limit: 20,
    } as never)) as {
      data: Array<{
        delivery_id: string;
        endpoint_id: string;
        status: string;
        http_status_code: number | null;
        timestamp: string;
      }>;
    };
    const mine = page.data.find(
      (d) => String(d.endpoint_id) === endpointId && Date.parse(d.timestamp) >= started - 2_000,
    );
    if (mine && mine.status !== "pending") {
      const result = {
        status: mine.status,
        httpStatusCode: mine.http_status_code,
        deliveryId: String(mine.delivery_id),
        at: mine.timestamp,
      };
      if (mine.status !== "success") {
        await warn(
          `WebhookEndpoint "${pulumiName}": the verification delivery ${result.deliveryId} ended ${mine.status}` +
            (mine.http_status_code ? ` (HTTP ${mine.http_status_code})` : ""),
        );
      }
      return result;
    }
    if (Date.now() - started > VERIFY_TIMEOUT_MS) {
      await warn(
        `WebhookEndpoint "${pulumiName}": no result for the verification delivery within ${VERIFY_TIMEOUT_MS / 1000} s`,
      );
      return {
        status: "pending",
        httpStatusCode: null,
        deliveryId: mine ? String(mine.delivery_id) : "",
        at: new Date().toISOString(),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * The existing endpoint to adopt: the one of the app at this URL that no other resource of the
 * deployment holds; when several share the URL, the one that also carries every declared field.
 * Undefined when there is none (the endpoint is then created).
 */
async function adoptable(
  api: WebhooksApi,
  inputs: EndpointInputs,
  holder: Holder,
  exactOnly: boolean,
): Promise<ApiEndpoint | undefined> {
  const held = claimedByOthers(CLAIMS, holder);
  let matches = (await listAllEndpoints(api, inputs.app, { fresh: true })).filter(
    (e) => e.url === inputs.url && !held.has(String(e.id)),
  );
  // The recovery after an interrupted deploy takes only what that deploy made: the program's endpoint
  // exactly, never another endpoint at the URL that it would then rewrite.
  if (exactOnly) matches = matches.filter((e) => matchesInputs(e, inputs));
  if (matches.length > 1) {
    const exact = matches.filter((e) => matchesInputs(e, inputs));
    if (exact.length > 0) matches = exact;
  }
  if (matches.length > 1) {
    throw new WachtProviderError(
      `${matches.length} endpoints of app '${inputs.app}' have URL ${inputs.url}: ${matches.map((e) => e.id).join(", ")}. ` +
        "Adoption needs exactly one: delete the extra ones, or give this endpoint a distinct URL.",
    );
  }
  const found = matches[0];
  if (found) claim(CLAIMS, String(found.id), holder);
  return found;
}

/**
 * Creates the endpoint once, whatever the network does. After a create whose outcome is unknown the
 * app's endpoints are read fresh and the one this create made is taken (identify.ts); when there is
 * none the create is sent again.
 */
async function createExactlyOnce(
  api: WebhooksApi,
  inputs: EndpointInputs,
  holder: Holder,
): Promise<ApiEndpoint> {
  const before = await baseline(`endpoints\u0000${inputs.app}`, async () =>
    (await listAllEndpoints(api, inputs.app, { fresh: true })).map((e) => String(e.id)),
  );
  for (let attempt = 1; ; attempt++) {
    forgetListing(inputs.app);
    try {
      const { app_slug: _app, ...body } = createBody(inputs);
      const live = (await api.createWebhookEndpoint(inputs.app, body as never)) as ApiEndpoint;
      claim(CLAIMS, String(live.id), holder);
      return live;
    } catch (error) {
      if (!isAmbiguous(error)) throw error;
      const settled = await settle(api, inputs, holder, before, timedOut(error));
      if (settled.outcome === "one") {
        claim(CLAIMS, String(settled.object.id), holder);
        return settled.object;
      }
      if (settled.outcome === "several")
        throw ambiguousMatchError(`endpoints of app '${inputs.app}'`, settled.ids);
      if (attempt >= MAX_CREATE_ATTEMPTS) throw error;
    }
  }
}

/** How long a create abandoned for slowness may still take to land (Wacht's writes are one transaction). */
const LATE_LANDING_MS = 3_000;

async function settle(
  api: WebhooksApi,
  inputs: EndpointInputs,
  holder: Holder,
  before: ReadonlySet<string>,
  late: boolean,
): Promise<Identified<ApiEndpoint>> {
  const look = async () =>
    identify(
      await lookAfterUnknownOutcome(`An endpoint at ${inputs.url}`, () =>
        listAllEndpoints(api, inputs.app, { fresh: true }),
      ),
      (e) => String(e.id),
      (e) => matchesInputs(e, inputs),
      before,
      claimedByOthers(CLAIMS, holder),
    );
  const found = await look();
  if (found.outcome !== "none" || !late) return found;
  // An attempt cut off by the client's timeout may still be running in Wacht: look once more later.
  await new Promise((resolve) => setTimeout(resolve, LATE_LANDING_MS));
  return look();
}

/** The WebhookEndpoint implementation the thin loader calls. */
export const endpointImplementation = withDefaults<EndpointInputs, EndpointOutputs>(endpointSchema, {
  configure,

  async check(olds, news) {
    const failures = propertyFailures(endpointSchema, olds, news, isUnknown);
    const hasEvents = news.events !== undefined && news.events !== null;
    const hasSubscriptions = news.subscriptions !== undefined && news.subscriptions !== null;
    const inputs = { pulumiName: String(news.pulumiName ?? "") } as EndpointInputs;
    for (const key of declared(endpointSchema)) {
      if (key !== "events" && key !== "subscriptions") Object.assign(inputs, { [key]: news[key] });
    }
    if (hasEvents) {
      inputs.events = Array.isArray(news.events)
        ? news.events.map((e) => (typeof e === "string" && !isUnknown(e) ? e.trim() : e))
        : (news.events as string[]);
    } else if (hasSubscriptions) {
      inputs.subscriptions = normalizeSubscriptions(news.subscriptions);
    }
    if (failures.length === 0 && !containsUnknown(inputs)) {
      failures.push(...validateBodySize(createBody(completed(endpointSchema, inputs))));
    }
    return { inputs: serializable(inputs), failures };
  },

  async diff(id, olds, news) {
    holdInState(CLAIMS, parseId(id).endpointId, olds.pulumiName);
    const live = comparable(olds);
    const desired = comparable(news);
    // State keeps the program's wish (`active`) for an endpoint disabled outside Pulumi (see read); it
    // is really off, and stays off unless the program opts into reactivation.
    if (olds.autoDisabled) {
      live.active = false;
      if (!news.reactivate) desired.active = false;
    }
    return diffByTable(endpointProperties, live, desired);
  },

  async create(inputs) {
    const api = await webhooks();
    const holder: Holder = { name: inputs.pulumiName, token: randomUUID() };
    const adopting = inputs.adopt || settings().adoptExisting;
    // Creates that could make indistinguishable endpoints (one app, one URL) settle one at a time.
    let made: { id: string; outs: EndpointOutputs } | undefined;
    return serialized(`endpoint\u0000${inputs.app}\u0000${inputs.url}`, async () => {
      try {
        const adopted = adopting ? await adoptable(api, inputs, holder, !inputs.adopt) : undefined;
        if (adopted === undefined) {
          let live = await createExactlyOnce(api, inputs, holder);
          const id = endpointPulumiId(live.app_slug, String(live.id));
          made = {
            id,
            outs: fromApi(live, inputs, { subscriptions: subscriptionsOf(inputs), autoDisabled: false }),
          };
          if (!inputs.active)
            live = (await applyPatch(api, inputs.app, live.id, { is_active: false })) ?? live;
          const outs = fromApi(live, inputs, { subscriptions: subscriptionsOf(inputs), autoDisabled: false });
          made = { id, outs };
          if (inputs.verify)
            outs.lastVerification = await verify(api, inputs.app, outs.endpointId, inputs.pulumiName);
          return { id, outs };
        }
        // Adopted: converge the existing endpoint to the program with one PATCH.
        const current = fromApi(adopted, inputs, {
          subscriptions: subscriptionsFromApi(adopted),
          autoDisabled: false,
        });
        const id = endpointPulumiId(inputs.app, current.endpointId);
        made = { id, outs: current };
        const patched = await applyPatch(
          api,
          inputs.app,
          current.endpointId,
          patchFor(current, inputs, true),
        );
        const outs = fromApi(patched ?? adopted, inputs, {
          subscriptions: patched ? subscriptionsOf(inputs) : subscriptionsFromApi(adopted),
          autoDisabled: false,
        });
        return { id, outs };
      } catch (error) {
        const failure = fail(inputs, adopting ? "adopt" : "create", error);
        throw made ? partiallyCreated(failure, made.id, made.outs, inputs) : failure;
      }
    });
  },

  async read(id, props) {
    const { app, endpointId } = parseId(id);
    let live: ApiEndpoint | undefined;
    try {
      live = await findEndpoint(await webhooks(), app, endpointId);
    } catch (error) {
      throw fail(props, "read", error);
    }
    if (live === undefined) return {};
    // Off in Wacht while the program wants it on, now or already at the last read.
    const disabledOutside = !live.is_active && (props.active !== false || props.autoDisabled === true);
    if (disabledOutside && !props.autoDisabled) {
      await warn(
        `WebhookEndpoint "${props.pulumiName}": endpoint ${endpointId} of app '${app}' was disabled outside Pulumi ` +
          "(by Wacht after failed deliveries, or by hand). Set reactivate: true to turn it back on at the next deploy.",
      );
    }
    const outs = fromApi(live, inputsFromOutputs(props), {
      subscriptions: keepOrder(subscriptionsOf(props), subscriptionsFromApi(live), (s) => s.event.trim()),
      autoDisabled: disabledOutside,
      ...(props.lastVerification ? { lastVerification: props.lastVerification } : {}),
    });
    // The program asks for an active endpoint; one Wacht disabled keeps that desire on record so that
    // refresh shows no drift (it is reported instead), unless reactivate is set.
    if (disabledOutside) outs.active = true;
    return { id, props: outs, inputs: inputsFromOutputs(outs) };
  },

  async update(id, olds, news) {
    const { endpointId } = parseId(id);
    const api = await webhooks();
    try {
      const reactivating = olds.autoDisabled && news.reactivate && news.active;
      const live = await applyPatch(api, olds.app, endpointId, patchFor(olds, news, !olds.autoDisabled));
      let current = live;
      if (reactivating) {
        forgetListing(olds.app);
        // The reactivate route also clears Wacht's failure counter, which a PATCH of is_active does not.
        await api.reactivateWebhookEndpoint(endpointId);
        current = await findEndpoint(api, olds.app, endpointId);
      }
      const base = current ?? (await findEndpoint(api, olds.app, endpointId));
      if (!base)
        throw new WachtProviderError(`endpoint ${endpointId} of app '${olds.app}' no longer exists in Wacht`);
      const outs = fromApi(base, news, {
        subscriptions: subscriptionsOf(news),
        autoDisabled: olds.autoDisabled && !reactivating && !base.is_active,
        ...(olds.lastVerification ? { lastVerification: olds.lastVerification } : {}),
      });
      if (outs.autoDisabled) outs.active = news.active;
      if (news.verify) outs.lastVerification = await verify(api, olds.app, endpointId, news.pulumiName);
      return { outs };
    } catch (error) {
      throw fail(news, "update", error);
    }
  },

  async delete(id, props) {
    const { app, endpointId } = parseId(id);
    try {
      forgetListing(app);
      await (await webhooks()).deleteWebhookEndpoint(app, endpointId);
      release(CLAIMS, endpointId);
    } catch (error) {
      if (apiStatus(error) === 404) return;
      throw fail(props, "delete", error);
    }
  },
});
