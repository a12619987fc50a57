/** WebhookApp lifecycle: check · diff · create · read · update · delete. */
import { randomUUID } from "node:crypto";
import { rememberCatalog } from "../catalogs";
import { type WebhooksApi, webhooks } from "../client";
import { settings } from "../config";
import { apiStatus, isAmbiguous, type Operation, toProviderError } from "../errors";
import { createOnceBySlug, type Holder, holdInState, release } from "../identify";
import { configure, diffByTable, partiallyCreated, serializable } from "../lifecycle";
import { propertyFailures, withDefaults } from "../property";
import { isUnknown, normalizeAppSlug } from "../validate";
import { warn } from "../warn";
import {
  type ApiApp,
  type AppInputs,
  type AppOutputs,
  appProperties,
  appSchema,
  autoSlug,
  createBody,
  fromApi,
  inputsFromOutputs,
  matchesInputs,
  patchFor,
} from "./schema";

const RESOURCE = "WebhookApp";
/** The claims kind of apps (identify.ts). */
const CLAIMS = "app";

function fail(inputs: Pick<AppInputs, "pulumiName">, operation: Operation, error: unknown) {
  return toProviderError(RESOURCE, inputs.pulumiName, operation, error);
}

async function getApp(api: WebhooksApi, slug: string): Promise<ApiApp> {
  return (await api.getWebhookApp(slug)) as ApiApp;
}

/** Applies `desired` to the live app with one PATCH when anything differs. */
async function converge(api: WebhooksApi, live: ApiApp, desired: AppInputs): Promise<ApiApp> {
  const current = fromApi(live, desired, {});
  const body = patchFor(current, desired);
  if (Object.keys(body).length === 0) return live;
  return (await api.updateWebhookApp(live.app_slug, body)) as ApiApp;
}

/**
 * Rotates the secret once. A rotation whose answer was lost may still have happened: the secret is
 * then looked up, and only rotated again if it is still the old one.
 */
async function rotate(api: WebhooksApi, slug: string, oldSecret: string): Promise<ApiApp> {
  try {
    return (await api.rotateWebhookSecret(slug)) as ApiApp;
  } catch (error) {
    if (!isAmbiguous(error)) throw error;
    const live = await getApp(api, slug);
    if (live.signing_secret !== oldSecret) return live;
    return (await api.rotateWebhookSecret(slug)) as ApiApp;
  }
}

/** The live app, or undefined when Wacht has none with this slug. */
async function findApp(api: WebhooksApi, slug: string): Promise<ApiApp | undefined> {
  try {
    return await getApp(api, slug);
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * An app of state written before auto-naming, replaced without a slug: Wacht names it, so a lost answer
 * cannot be told apart and the create is sent once.
 */
async function createUnnamed(api: WebhooksApi, inputs: AppInputs): Promise<ApiApp> {
  return (await api.createWebhookApp(createBody(inputs) as never)) as ApiApp;
}

/** Creates the app with this slug exactly once (identify.ts). */
function createNamed(api: WebhooksApi, inputs: AppInputs, holder: Holder): Promise<ApiApp> {
  const slug = inputs.slug as string;
  return createOnceBySlug({
    kind: CLAIMS,
    label: `App '${slug}'`,
    slug,
    holder,
    find: () => findApp(api, slug),
    create: async () => (await api.createWebhookApp(createBody(inputs) as never)) as ApiApp,
    matches: (app) => matchesInputs(app, inputs),
    mayTakeExisting: () => inputs.adopt || settings().adoptExisting,
    adoptHint: "To manage it with Pulumi without rotating its secret, set adopt: true on this resource.",
    compared: "name, description, e-mails or catalog",
  });
}

/** The WebhookApp implementation the thin loader calls. */
export const appImplementation = withDefaults<AppInputs, AppOutputs>(appSchema, {
  configure,

  async check(olds, news) {
    const failures = propertyFailures(appSchema, olds, news, isUnknown);
    const inputs = { pulumiName: String(news.pulumiName ?? "") } as AppInputs;
    for (const key of ["name", "description", "failureNotificationEmails", "active", "adopt"]) {
      Object.assign(inputs, { [key]: news[key] });
    }
    if (typeof news.slug === "string") {
      inputs.slug = isUnknown(news.slug) ? news.slug : normalizeAppSlug(news.slug);
    } else if (news.slug === undefined || news.slug === null) {
      // Auto-naming: a new app gets its slug here, once, so that its create can be recognised by it.
      // An existing app keeps the slug it has (apps created before auto-naming keep Wacht's `slug_<digits>`).
      if (olds === undefined || Object.keys(olds).length === 0) {
        const seed = typeof news.autoNameSeed === "string" ? news.autoNameSeed : undefined;
        inputs.slug = autoSlug(inputs.pulumiName, seed);
      } else if (typeof olds.slug === "string") inputs.slug = olds.slug;
    }
    if (typeof news.eventCatalog === "string") inputs.eventCatalog = news.eventCatalog;
    // For this app's endpoints' checks; not kept in state.
    rememberCatalog(inputs.slug, news.catalogEvents);
    const trigger = news.rotationTrigger;
    if (trigger !== undefined && trigger !== null) inputs.rotationTrigger = String(trigger);
    return { inputs: serializable(inputs), failures };
  },

  async diff(id, olds, news) {
    holdInState(CLAIMS, id, olds.pulumiName ?? "");
    // An omitted slug means "whatever Wacht generated". A trigger set for the first time or removed is
    // still a change (state records it); whether an update rotates is decided in update.
    return diffByTable(appProperties, { ...olds }, { ...news, slug: news.slug ?? olds.slug });
  },

  async create(inputs) {
    const api = await webhooks();
    const holder: Holder = { name: inputs.pulumiName, token: randomUUID() };
    let made: ApiApp | undefined;
    try {
      made =
        inputs.slug === undefined ? await createUnnamed(api, inputs) : await createNamed(api, inputs, holder);
      const live = await converge(api, made, inputs);
      return { id: live.app_slug, outs: fromApi(live, inputs, {}) };
    } catch (error) {
      const failure = fail(inputs, "create", error);
      throw made ? partiallyCreated(failure, made.app_slug, fromApi(made, inputs, {}), inputs) : failure;
    }
  },

  async read(id, props) {
    const api = await webhooks();
    let live: ApiApp;
    try {
      live = await getApp(api, id);
    } catch (error) {
      if (apiStatus(error) === 404) return {};
      throw fail(props, "read", error);
    }
    let history = {
      previousSigningSecret: props.previousSigningSecret,
      secretRotatedAt: props.secretRotatedAt,
    };
    if (props.signingSecret !== undefined && live.signing_secret !== props.signingSecret) {
      await warn(
        `WebhookApp "${props.pulumiName}": the signing secret of app '${id}' was rotated outside Pulumi; ` +
          "state now holds the new secret and previousSigningSecret the one it replaced.",
      );
      history = { previousSigningSecret: props.signingSecret, secretRotatedAt: live.updated_at };
    }
    const outs = fromApi(live, props, history);
    return { id, props: outs, inputs: inputsFromOutputs(outs) };
  },

  async update(id, olds, news) {
    const api = await webhooks();
    try {
      const body = patchFor(olds, news);
      // Setting a first rotation trigger changes nothing in Wacht: no call at all.
      let live: ApiApp | undefined =
        Object.keys(body).length > 0 ? ((await api.updateWebhookApp(id, body)) as ApiApp) : undefined;
      let history = {
        previousSigningSecret: olds.previousSigningSecret,
        secretRotatedAt: olds.secretRotatedAt,
      };
      const rotates =
        olds.rotationTrigger !== undefined &&
        news.rotationTrigger !== undefined &&
        olds.rotationTrigger !== news.rotationTrigger;
      if (rotates) {
        live = await rotate(api, id, olds.signingSecret);
        history = { previousSigningSecret: olds.signingSecret, secretRotatedAt: live.updated_at };
      }
      live ??= await getApp(api, id);
      return { outs: fromApi(live, news, history) };
    } catch (error) {
      throw fail(news, "update", error);
    }
  },

  async delete(id, props) {
    try {
      await (await webhooks()).deleteWebhookApp(id);
      release(CLAIMS, id);
    } catch (error) {
      if (apiStatus(error) === 404) return;
      throw fail(props, "delete", error);
    }
  },
});
