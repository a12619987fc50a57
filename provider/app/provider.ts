/** WebhookApp lifecycle: check · diff · create · read · update · delete. */
import { type WebhooksApi, webhooks } from "../client";
import { apiStatus, isAmbiguous, type Operation, toProviderError } from "../errors";
import { configure, diffByTable, type Implementation, warn } from "../lifecycle";
import {
  type CheckFailure,
  isUnknown,
  normalizeAppSlug,
  validateAppSlug,
  validateEmails,
  validateOptionalType,
} from "../validate";
import {
  type ApiApp,
  type AppInputs,
  type AppOutputs,
  appProperties,
  fromApi,
  inputsFromOutputs,
} from "./schema";

const RESOURCE = "WebhookApp";

function fail(inputs: Pick<AppInputs, "pulumiName">, operation: Operation, error: unknown, hint?: string) {
  return toProviderError(RESOURCE, inputs.pulumiName, operation, error, hint);
}

/** The PATCH body that moves `live` to `desired`: only changed fields, since Wacht's PATCH is COALESCE. */
function patchFor(live: Omit<AppInputs, "pulumiName" | "adopt">, desired: AppInputs) {
  const body: Record<string, unknown> = {};
  if (live.name !== desired.name) body.name = desired.name;
  if ((live.description ?? "") !== desired.description) body.description = desired.description;
  if (desired.eventCatalog !== undefined && live.eventCatalog !== desired.eventCatalog) {
    body.event_catalog_slug = desired.eventCatalog;
  }
  const emails = (list: string[]) => JSON.stringify([...list].map((e) => e.toLowerCase()).sort());
  if (emails(live.failureNotificationEmails) !== emails(desired.failureNotificationEmails)) {
    body.failure_notification_emails = desired.failureNotificationEmails;
  }
  if (live.active !== desired.active) body.is_active = desired.active;
  return body;
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

/** The WebhookApp implementation the thin loader calls. */
export const appImplementation: Implementation<AppInputs, AppOutputs> = {
  configure,

  async check(olds, news) {
    const failures: CheckFailure[] = [];
    if (!isUnknown(news.name) && typeof news.name !== "string") {
      failures.push({
        property: "name",
        reason: `name is required and must be a string (got ${JSON.stringify(news.name)})`,
      });
    }
    if (news.slug !== undefined && !isUnknown(news.slug))
      failures.push(...validateAppSlug("slug", news.slug));
    failures.push(...validateOptionalType("description", news.description, "string"));
    failures.push(...validateOptionalType("eventCatalog", news.eventCatalog, "string"));
    failures.push(...validateEmails("failureNotificationEmails", news.failureNotificationEmails));
    failures.push(...validateOptionalType("active", news.active, "boolean"));
    failures.push(...validateOptionalType("adopt", news.adopt, "boolean"));
    const trigger = news.rotationTrigger;
    if (
      trigger !== undefined &&
      trigger !== null &&
      !isUnknown(trigger) &&
      !["string", "number"].includes(typeof trigger)
    ) {
      failures.push({
        property: "rotationTrigger",
        reason: `rotationTrigger must be a string or a number (got ${JSON.stringify(trigger)})`,
      });
    }
    if (olds?.eventCatalog !== undefined && (news.eventCatalog === undefined || news.eventCatalog === null)) {
      failures.push({
        property: "eventCatalog",
        reason:
          `eventCatalog cannot be removed: Wacht cannot unset an app's event catalog (currently '${olds.eventCatalog}'). ` +
          "Keep it, point it at another catalog, or give the app a new slug to replace it.",
      });
    }
    if (news.adopt === true && (news.slug === undefined || news.slug === null)) {
      failures.push({ property: "adopt", reason: "adopt needs slug: an app is adopted by its slug" });
    }
    const inputs: AppInputs = {
      pulumiName: String(news.pulumiName ?? ""),
      name: news.name as string,
      description: (news.description as string | undefined) ?? "",
      failureNotificationEmails: (news.failureNotificationEmails as string[] | undefined) ?? [],
      active: (news.active as boolean | undefined) ?? true,
      adopt: (news.adopt as boolean | undefined) ?? false,
    };
    if (typeof news.slug === "string")
      inputs.slug = isUnknown(news.slug) ? news.slug : normalizeAppSlug(news.slug);
    if (typeof news.eventCatalog === "string") inputs.eventCatalog = news.eventCatalog;
    if (trigger !== undefined && trigger !== null) inputs.rotationTrigger = String(trigger);
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    // An omitted slug means "whatever Wacht generated". A trigger set for the first time or removed is
    // still a change (state records it); whether an update rotates is decided in update.
    return diffByTable(appProperties, { ...olds }, { ...news, slug: news.slug ?? olds.slug });
  },

  async create(inputs) {
    const api = await webhooks();
    const started = Date.now();
    let live: ApiApp;
    try {
      live = (await api.createWebhookApp({
        name: inputs.name,
        ...(inputs.slug !== undefined ? { app_slug: inputs.slug } : {}),
        ...(inputs.description !== "" ? { description: inputs.description } : {}),
        failure_notification_emails: inputs.failureNotificationEmails,
        ...(inputs.eventCatalog !== undefined ? { event_catalog_slug: inputs.eventCatalog } : {}),
      })) as ApiApp;
    } catch (error) {
      const conflict = apiStatus(error) === 409;
      if (inputs.slug === undefined || (!conflict && !isAmbiguous(error)))
        throw fail(inputs, "create", error);
      let existing: ApiApp;
      try {
        existing = await getApp(api, inputs.slug);
      } catch (lookup) {
        throw fail(inputs, "create", apiStatus(lookup) === 404 ? error : lookup);
      }
      // A create whose answer was lost shows up as an app created just now: it is ours.
      const ours = !conflict && Date.parse(existing.created_at) >= started - 60_000;
      if (!ours && !inputs.adopt) {
        throw fail(
          inputs,
          "create",
          error,
          `App '${inputs.slug}' already exists in Wacht. To manage it with Pulumi without rotating its secret, set adopt: true on this resource.`,
        );
      }
      live = existing;
    }
    try {
      live = await converge(api, live, inputs);
    } catch (error) {
      throw fail(inputs, "create", error);
    }
    return { id: live.app_slug, outs: fromApi(live, inputs, {}) };
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
    } catch (error) {
      if (apiStatus(error) === 404) return;
      throw fail(props, "delete", error);
    }
  },
};
