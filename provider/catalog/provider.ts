/** WebhookEventCatalog lifecycle: check · diff · create · read · update · delete. */
import { randomUUID } from "node:crypto";
import { type WebhooksApi, webhooks } from "../client";
import { settings } from "../config";
import { apiStatus, isAmbiguous, type Operation, toProviderError, WachtProviderError } from "../errors";
import { createOnceBySlug, type Holder, holdInState, release } from "../identify";
import { configure, containsUnknown, diffByTable, partiallyCreated, serializable } from "../lifecycle";
import { completed, propertyFailures, withDefaults } from "../property";
import { isUnknown, validateBodySize } from "../validate";
import { warn } from "../warn";
import {
  type ApiCatalog,
  type CatalogInputs,
  type CatalogOutputs,
  catalogProperties,
  catalogSchema,
  createBody,
  type EventDefinition,
  eventFromApi,
  eventKey,
  eventToApi,
  fromApi,
  inputsFromOutputs,
  matchesInputs,
  normalizeEvent,
} from "./schema";

const RESOURCE = "WebhookEventCatalog";
/** The claims kind of catalogs (identify.ts). */
const CLAIMS = "catalog";

function fail(inputs: Pick<CatalogInputs, "pulumiName">, operation: Operation, error: unknown) {
  return toProviderError(RESOURCE, inputs.pulumiName, operation, error);
}

async function getCatalog(api: WebhooksApi, slug: string): Promise<ApiCatalog> {
  return (await api.getWebhookEventCatalog(slug)) as ApiCatalog;
}

/** The live catalog, or undefined when Wacht has none with this slug. */
async function findCatalog(api: WebhooksApi, slug: string): Promise<ApiCatalog | undefined> {
  try {
    return await getCatalog(api, slug);
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Makes the live catalog's name, description and events match `desired`: appends new events,
 * unarchives re-added ones, archives removed ones. A definition that differs from the live one is an
 * error, since Wacht cannot edit events (check catches this earlier when it knows the old inputs).
 */
async function converge(live: ApiCatalog, desired: CatalogInputs): Promise<ApiCatalog> {
  // Appending and archiving are POSTs the client does not repeat when their answer is lost; the plan is
  // recomputed from the live catalog instead, which makes a second pass safe.
  for (let attempt = 1; ; attempt++) {
    try {
      return await convergeOnce(live, desired);
    } catch (error) {
      if (!isAmbiguous(error) || attempt >= 3) throw error;
      live = await getCatalog(await webhooks(), desired.slug);
    }
  }
}

async function convergeOnce(live: ApiCatalog, desired: CatalogInputs): Promise<ApiCatalog> {
  const api = await webhooks();
  let current = live;
  if (current.name !== desired.name || (current.description ?? "") !== desired.description) {
    current = (await api.updateWebhookEventCatalog(desired.slug, {
      name: desired.name,
      description: desired.description,
    })) as ApiCatalog;
  }
  const liveByName = new Map(current.events.map((e) => [e.name, e]));
  const conflicts = desired.events.filter((e) => {
    const existing = liveByName.get(e.name);
    return existing !== undefined && eventKey(eventFromApi(existing)) !== eventKey(e);
  });
  if (conflicts.length > 0) {
    throw new WachtProviderError(
      `Wacht already has event(s) ${conflicts.map((e) => `'${e.name}'`).join(", ")} in catalog '${desired.slug}' ` +
        "with a different definition, and cannot edit events. Declare them as Wacht has them, or use new event names.",
    );
  }
  const toAppend = desired.events.filter((e) => !liveByName.has(e.name));
  if (toAppend.length > 0) {
    current = (await api.appendWebhookEventCatalogEvents(desired.slug, {
      events: toAppend.map(eventToApi) as never,
    })) as ApiCatalog;
  }
  const wanted = new Set(desired.events.map((e) => e.name));
  for (const event of current.events.filter((e) => e.is_archived && wanted.has(e.name))) {
    current = (await api.archiveWebhookEventInCatalog(desired.slug, {
      event_name: event.name,
      is_archived: false,
    })) as ApiCatalog;
  }
  for (const event of current.events.filter((e) => !e.is_archived && !wanted.has(e.name))) {
    current = (await api.archiveWebhookEventInCatalog(desired.slug, {
      event_name: event.name,
      is_archived: true,
    })) as ApiCatalog;
  }
  return current;
}

/** The WebhookEventCatalog implementation the thin loader calls. */
export const catalogImplementation = withDefaults<CatalogInputs, CatalogOutputs>(catalogSchema, {
  configure,

  async check(olds, news) {
    const failures = propertyFailures(catalogSchema, olds, news, isUnknown);
    const inputs: CatalogInputs = {
      pulumiName: String(news.pulumiName ?? ""),
      slug: news.slug as string,
      name: news.name as string,
      description: news.description as string,
      events: Array.isArray(news.events)
        ? news.events.map(normalizeEvent)
        : (news.events as EventDefinition[]),
      adopt: news.adopt as boolean | undefined,
    };
    if (failures.length === 0 && !containsUnknown(inputs)) {
      failures.push(...validateBodySize(createBody(completed(catalogSchema, inputs))));
    }
    return { inputs: serializable(inputs), failures };
  },

  async diff(id, olds, news) {
    holdInState(CLAIMS, id, olds.pulumiName ?? "");
    return diffByTable(catalogProperties, { ...olds }, { ...news });
  },

  async create(inputs) {
    const api = await webhooks();
    const holder: Holder = { name: inputs.pulumiName, token: randomUUID() };
    let made: ApiCatalog | undefined;
    try {
      made = await createOnceBySlug({
        kind: CLAIMS,
        label: `Catalog '${inputs.slug}'`,
        slug: inputs.slug,
        holder,
        find: () => findCatalog(api, inputs.slug),
        create: async () => (await api.createWebhookEventCatalog(createBody(inputs) as never)) as ApiCatalog,
        matches: (catalog) => matchesInputs(catalog, inputs),
        // Wacht cannot delete catalogs: destroying one archives its events, so a catalog whose events
        // are all archived is what an earlier delete (or replacement) left behind, and is taken back.
        mayTakeExisting: (existing) =>
          existing.events.every((e) => e.is_archived) || inputs.adopt || settings().adoptExisting,
        adoptHint: "To manage it with Pulumi, set adopt: true on this resource.",
        compared: "name, description or events",
      });
      const converged = await converge(made, inputs);
      return { id: converged.slug, outs: fromApi(converged, inputs) };
    } catch (error) {
      const failure = fail(inputs, "create", error);
      throw made ? partiallyCreated(failure, made.slug, fromApi(made, inputs), inputs) : failure;
    }
  },

  async read(id, props) {
    try {
      const live = await getCatalog(await webhooks(), id);
      const outs = fromApi(live, {
        pulumiName: props.pulumiName ?? "",
        ...(Array.isArray(props.events) ? { events: props.events } : {}),
      });
      return { id, props: outs, inputs: inputsFromOutputs(outs) };
    } catch (error) {
      if (apiStatus(error) === 404) return {};
      throw fail(props, "read", error);
    }
  },

  async update(id, _olds, news) {
    try {
      const live = await converge(await getCatalog(await webhooks(), id), news);
      return { outs: fromApi(live, news) };
    } catch (error) {
      throw fail(news, "update", error);
    }
  },

  async delete(id, props) {
    try {
      const live = await getCatalog(await webhooks(), id);
      await converge(live, {
        ...inputsFromOutputs(props),
        name: live.name,
        description: live.description ?? "",
        events: [],
      });
      release(CLAIMS, id);
    } catch (error) {
      if (apiStatus(error) === 404) return;
      throw fail(props, "delete", error);
    }
    await warn(
      `WebhookEventCatalog "${props.pulumiName}": Wacht cannot delete event catalogs, so catalog '${id}' was kept ` +
        "with all its events archived. Declaring it again takes it back.",
    );
  },
});
