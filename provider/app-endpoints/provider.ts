/** WebhookAppEndpoints lifecycle: check · diff · create · read · update · delete. */
import type { ApiApp } from "../app/schema";
import { type WebhooksApi, webhooks } from "../client";
import { forgetListing, listAllEndpoints } from "../endpoint/listing";
import type { ApiEndpoint } from "../endpoint/schema";
import { apiStatus, type Operation, toProviderError } from "../errors";
import { configure, diffByTable } from "../lifecycle";
import { withDefault, withDefaults } from "../property";
import { type CheckFailure, isUnknown, validateAppSlug } from "../validate";
import { warn } from "../warn";
import {
  type AppEndpointsInputs,
  type AppEndpointsOutputs,
  appEndpointsProperties,
  appEndpointsSchema,
  compareIds,
  inputsFromOutputs,
  needsAction,
  toOutputs,
  UNMANAGED_ACTIONS,
  type UnmanagedAction,
  type UnmanagedEndpoint,
  unmanagedFromApi,
} from "./schema";

const RESOURCE = "WebhookAppEndpoints";

/** Wacht endpoint ids are positive 64-bit integers, written as strings. */
const ENDPOINT_ID = /^[1-9][0-9]{0,18}$/;

const APP_NOT_FOUND_HINT =
  "Give `app` as the WebhookApp resource rather than its slug when the program creates the app, so that " +
  "this resource waits for it.";

function fail(
  inputs: Pick<AppEndpointsInputs, "pulumiName">,
  operation: Operation,
  error: unknown,
  hint?: string,
) {
  return toProviderError(RESOURCE, inputs.pulumiName, operation, error, hint);
}

/**
 * An entry of `endpoints` as the endpoint id alone: a WebhookEndpoint arrives as its Pulumi id,
 * `<appSlug>/<endpointId>` (see resource.ts).
 */
function splitEntry(entry: unknown): { app?: string; id: unknown } {
  if (typeof entry !== "string" || isUnknown(entry)) return { id: entry };
  const slash = entry.lastIndexOf("/");
  return slash === -1 ? { id: entry } : { app: entry.slice(0, slash), id: entry.slice(slash + 1) };
}

/** The declared endpoint ids, entries given as Pulumi ids reduced to the endpoint id. */
function endpointIds(value: unknown): unknown {
  return Array.isArray(value)
    ? value.map((entry) => (entry === undefined ? null : splitEntry(entry).id))
    : value;
}

function checkEndpoints(value: unknown, app: unknown): CheckFailure[] {
  if (isUnknown(value)) return [];
  if (value === undefined || value === null) {
    return [
      {
        property: "endpoints",
        reason:
          "endpoints is required: the complete list of the app's endpoints (WebhookEndpoint resources or " +
          "endpoint ids), [] for an app with none",
      },
    ];
  }
  if (!Array.isArray(value)) {
    return [
      {
        property: "endpoints",
        reason: `endpoints must be a list of WebhookEndpoint resources or endpoint ids (got ${JSON.stringify(value)})`,
      },
    ];
  }
  const failures: CheckFailure[] = [];
  const first = new Map<string, number>();
  value.forEach((entry, index) => {
    const path = `endpoints[${index}]`;
    if (isUnknown(entry)) return;
    const { app: owner, id } = splitEntry(entry);
    if (typeof id !== "string" || !ENDPOINT_ID.test(id)) {
      failures.push({
        property: path,
        reason: `${path} must be a WebhookEndpoint or a Wacht endpoint id, a string of digits (got ${JSON.stringify(entry) ?? "undefined"})`,
      });
      return;
    }
    if (owner !== undefined && typeof app === "string" && !isUnknown(app) && owner !== app) {
      failures.push({
        property: path,
        reason: `${path} is endpoint ${id} of app '${owner}', not of app '${app}'`,
      });
    }
    const seen = first.get(id);
    if (seen === undefined) first.set(id, index);
    else
      failures.push({
        property: path,
        reason: `duplicate endpoint id "${id}" (first at endpoints[${seen}])`,
      });
  });
  return failures;
}

/** The app, or a 404 error when Wacht does not have it. */
async function getApp(api: WebhooksApi, slug: string): Promise<ApiApp> {
  return (await api.getWebhookApp(slug)) as ApiApp;
}

/**
 * Every endpoint of the app, inactive ones included, listed now. Endpoint reads of one process share
 * list pages for 30 s; an endpoint made since those pages were fetched would be missed, so this starts
 * a listing of its own (which later reads then share).
 */
async function liveEndpoints(api: WebhooksApi, app: string): Promise<ApiEndpoint[]> {
  forgetListing(app);
  const all = await listAllEndpoints(api, app);
  // Offset paging over a newest-first list shifts by one when an endpoint is created meanwhile, so an
  // endpoint can appear on two pages.
  return [...new Map(all.map((e) => [String(e.id), e])).values()];
}

/** Deletes or deactivates one unmanaged endpoint; returns what is left of it (nothing once deleted). */
async function act(
  api: WebhooksApi,
  app: string,
  endpoint: UnmanagedEndpoint,
  mode: UnmanagedAction,
): Promise<UnmanagedEndpoint | undefined> {
  forgetListing(app);
  try {
    if (mode === "delete") {
      await api.deleteWebhookEndpoint(app, endpoint.id);
      return undefined;
    }
    return unmanagedFromApi(
      (await api.updateWebhookEndpoint(app, endpoint.id, { is_active: false })) as ApiEndpoint,
    );
  } catch (error) {
    // Gone already (deleted by hand meanwhile): the goal is met.
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Which resource holds each app to its set in this provider process (one per deployment). Two would
 * delete each other's endpoints, each seeing the other's as unmanaged.
 */
const governors = new Map<string, string>();

function claim(slug: string, pulumiName: string): void {
  const holder = governors.get(slug) ?? pulumiName;
  if (holder !== pulumiName) {
    throw new Error(
      `app '${slug}' is already governed by ${RESOURCE} "${holder}": each would delete the other's endpoints. ` +
        "Declare all of the app's endpoints in one WebhookAppEndpoints.",
    );
  }
  governors.set(slug, pulumiName);
}

const describeEndpoints = (list: UnmanagedEndpoint[]) => list.map((e) => `${e.id} (${e.url})`).join(", ");

/**
 * Holds the app to the declared set: every live endpoint that is neither declared nor `spared` is
 * deleted or deactivated. Returns the state.
 */
async function enforce(
  inputs: AppEndpointsInputs,
  operation: Operation,
  spared: ReadonlySet<string>,
): Promise<{ id: string; outs: AppEndpointsOutputs }> {
  const api = await webhooks();
  let slug: string;
  try {
    slug = (await getApp(api, inputs.app)).app_slug;
  } catch (error) {
    throw fail(inputs, operation, error, apiStatus(error) === 404 ? APP_NOT_FOUND_HINT : undefined);
  }
  const declared = new Set(inputs.endpoints);
  let unmanaged: UnmanagedEndpoint[];
  try {
    claim(slug, inputs.pulumiName);
    unmanaged = (await liveEndpoints(api, slug))
      .filter((e) => !declared.has(String(e.id)) && !spared.has(String(e.id)))
      .map(unmanagedFromApi)
      .sort((a, b) => compareIds(a.id, b.id));
  } catch (error) {
    throw fail(inputs, operation, error);
  }
  const todo = unmanaged.filter((e) => needsAction(e, inputs.unmanaged));
  const results = await Promise.allSettled(todo.map((e) => act(api, slug, e, inputs.unmanaged)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  const done = todo.filter((_, i) => results[i]?.status === "fulfilled");
  if (done.length > 0) {
    const verb = inputs.unmanaged === "delete" ? "deleted" : "deactivated";
    await warn(
      `${RESOURCE} "${inputs.pulumiName}": ${verb} ${done.length} endpoint${done.length === 1 ? "" : "s"} of ` +
        `app '${slug}' that the program does not declare: ${describeEndpoints(done)}`,
    );
  }
  if (failed) throw fail(inputs, operation, failed.reason);
  const after = new Map(unmanaged.map((e) => [e.id, e] as const));
  todo.forEach((e, i) => {
    const result = results[i] as PromiseFulfilledResult<UnmanagedEndpoint | undefined>;
    if (result.value === undefined) after.delete(e.id);
    else after.set(e.id, result.value);
  });
  return { id: slug, outs: toOutputs({ ...inputs, app: slug }, inputs.endpoints, [...after.values()]) };
}

/** The WebhookAppEndpoints implementation the thin loader calls. */
export const appEndpointsImplementation = withDefaults<AppEndpointsInputs, AppEndpointsOutputs>(
  appEndpointsSchema,
  {
    configure,

    async check(_olds, news) {
      const failures: CheckFailure[] = [];
      if (!isUnknown(news.app) && (typeof news.app !== "string" || news.app.trim() === "")) {
        failures.push({ property: "app", reason: "app is required: a WebhookApp or an app slug" });
      } else {
        failures.push(...validateAppSlug("app", news.app));
      }
      // Entries are matched against the app only when it is a valid slug: one bad value, one failure.
      failures.push(...checkEndpoints(news.endpoints, failures.length === 0 ? news.app : undefined));
      const mode = withDefault(appEndpointsSchema, "unmanaged", news.unmanaged);
      if (!isUnknown(mode) && !UNMANAGED_ACTIONS.includes(mode as UnmanagedAction)) {
        failures.push({
          property: "unmanaged",
          reason: `unmanaged must be "delete" or "deactivate" (got ${JSON.stringify(mode)})`,
        });
      }
      // The dynamic-provider host cannot serialise `undefined`: a missing property stays missing.
      const inputs = {
        pulumiName: String(news.pulumiName ?? ""),
        ...(news.app !== undefined ? { app: news.app } : {}),
        ...(news.endpoints !== undefined ? { endpoints: endpointIds(news.endpoints) } : {}),
        unmanaged: mode,
      } as AppEndpointsInputs;
      return { inputs, failures };
    },

    async diff(_id, olds, news) {
      return diffByTable(appEndpointsProperties, { ...olds }, { ...news });
    },

    async create(inputs) {
      return enforce(inputs, "create", new Set());
    },

    async read(id, props) {
      const api = await webhooks();
      let live: ApiEndpoint[];
      try {
        await getApp(api, id);
        live = await liveEndpoints(api, id);
      } catch (error) {
        if (apiStatus(error) === 404) return {};
        throw fail(props, "read", error);
      }
      const declared = new Set(props.endpointIds);
      const unmanaged = live.filter((e) => !declared.has(String(e.id))).map(unmanagedFromApi);
      const outs = toOutputs(props, props.endpointIds, unmanaged);
      return { id, props: outs, inputs: inputsFromOutputs(outs) };
    },

    async update(_id, olds, news) {
      // Endpoints declared before and not now are on their way out through their own resources (removed
      // from the program, or replaced create-before-delete, whose old copy the engine deletes after this
      // update): they are Pulumi's, not unmanaged. A later refresh reports any that survive.
      const declaredNow = new Set(news.endpoints);
      const spared = new Set(olds.endpointIds.filter((id) => !declaredNow.has(id)));
      const { outs } = await enforce(news, "update", spared);
      return { outs };
    },

    async delete() {
      // Deleting the declaration deletes no endpoint: the declared ones belong to their own resources and
      // the unmanaged ones are simply no longer governed.
    },
  },
);
