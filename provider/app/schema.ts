/**
 * WebhookApp: argument, input and output types, the property table, normalisation, and the mapping to
 * and from Wacht's snake_case JSON (the only place that knows it).
 */

import { createHash, randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { canonicalJson } from "../canonical-json";
import type { WebhookEventCatalog } from "../catalog/resource";
import { changedProperties, keepOrder } from "../lifecycle";
import {
  apiBody,
  descriptionProperty,
  diffTable,
  inputsFromState,
  type Schema,
  secretOutputs,
} from "../property";
import { normalizeAppSlug, validateAppSlug, validateEmails, validateOptionalType } from "../validate";

/** Arguments of {@link WebhookApp}. */
export interface WebhookAppArgs {
  /** Display name. Updates in place. */
  name: pulumi.Input<string>;
  /**
   * The app's slug, normalised exactly as Wacht does (`"Payments-Int"` becomes `payments_int`, with a
   * warning). Default: auto-named from the resource name plus a random suffix (`billing_k3j9x0q` for a
   * resource named "billing"), chosen once before the create, so that a create whose answer was lost is
   * found again by its slug. Changing it replaces the app (and issues a new signing secret, as any new app
   * gets).
   */
  slug?: pulumi.Input<string>;
  /** Description. Default `""`. Updates in place. */
  description?: pulumi.Input<string>;
  /**
   * The event catalog the app's endpoints subscribe from: a {@link WebhookEventCatalog} (its events then
   * reach the app's endpoints, whose event names are checked at preview) or a catalog slug. Updates in
   * place. Once set it cannot be removed (Wacht cannot unset it), only changed. An app without a catalog
   * can have no endpoint.
   */
  eventCatalog?: pulumi.Input<string> | WebhookEventCatalog;
  /** Addresses Wacht e-mails when an endpoint is disabled. Default `[]`. Updates in place; order is ignored. */
  failureNotificationEmails?: pulumi.Input<pulumi.Input<string>[]>;
  /** Whether the app accepts triggers. Default `true`. Updates in place. */
  active?: pulumi.Input<boolean>;
  /**
   * Any value (a date, a counter, the output of a time-rotation resource): when it changes, `pulumi up`
   * rotates the signing secret in place. The first value set on an existing app does not rotate.
   */
  rotationTrigger?: pulumi.Input<string | number>;
  /**
   * Take over an existing app with this slug instead of failing with 409, without rotating its secret,
   * then converge it to this program. Requires `slug`. Default `false`.
   */
  adopt?: pulumi.Input<boolean>;
}

/** Checked inputs. */
export interface AppInputs {
  pulumiName: string;
  name: string;
  slug?: string;
  description: string;
  /** The catalog slug. */
  eventCatalog?: string;
  failureNotificationEmails: string[];
  active: boolean;
  rotationTrigger?: string;
  /** Only matters on create; never stored in outputs. */
  adopt?: boolean;
}

/**
 * State: what Wacht stored, plus `pulumiName` (read and delete get only the outputs, and their messages
 * name the resource) and `rotationTrigger` (its last value decides whether a new one rotates).
 */
export interface AppOutputs extends Omit<AppInputs, "adopt"> {
  /** The canonical slug (also the Pulumi id). */
  slug: string;
  /** The current signing secret (`whsec_…`). Secret. */
  signingSecret: string;
  /** The secret replaced by the last rotation, for receivers that accept both during a cut-over. Secret. */
  previousSigningSecret?: string;
  /** When the provider last saw the secret change (RFC 3339). */
  secretRotatedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** Wacht's app JSON. */
export interface ApiApp {
  app_slug: string;
  name: string;
  description?: string | null;
  signing_secret: string;
  failure_notification_emails?: string[] | null;
  event_catalog_slug?: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

const sortedEmails = (value: unknown): unknown =>
  Array.isArray(value) ? [...(value as string[])].map((e) => e.toLowerCase()).sort() : value;

const nameReason = (value: unknown) => `name is required and must be a string (got ${JSON.stringify(value)})`;

/**
 * Every property of WebhookApp, declared once: README's table, check's defaults and validators, diff,
 * the create and PATCH bodies and read's rebuilt inputs follow from it. Only the slug is identity.
 */
export const appSchema: Schema = {
  name: {
    doc: "Display name.",
    type: "`string`, required",
    wire: "name",
    change: "update",
    whenMissing: (news) => nameReason(news.name),
    validate: (path, value) =>
      typeof value === "string" ? [] : [{ property: path, reason: nameReason(value) }],
  },
  slug: {
    doc: "The canonical slug (also the Pulumi id); auto-named when omitted.",
    type: "`string`",
    wire: "app_slug",
    sent: "create",
    defaultText: "auto-named (`<name>_<7 chars>`)",
    change: "replace",
    validate: validateAppSlug,
  },
  description: descriptionProperty,
  eventCatalog: {
    doc: "The slug of the catalog the app's endpoints subscribe from.",
    type: "`WebhookEventCatalog` or catalog slug",
    wire: "event_catalog_slug",
    defaultText: "none",
    change: "update",
    validate: (path, value) => validateOptionalType(path, value, "string"),
    cannotRemove: (old) =>
      `eventCatalog cannot be removed: Wacht cannot unset an app's event catalog (currently '${old}'). ` +
      "Keep it, point it at another catalog, or give the app a new slug to replace it.",
  },
  failureNotificationEmails: {
    doc: "Addresses Wacht e-mails when an endpoint is disabled.",
    type: "`string[]`",
    wire: "failure_notification_emails",
    default: [],
    change: "update",
    note: "order and case ignored",
    normalize: sortedEmails,
    validate: validateEmails,
  },
  active: {
    doc: "Whether the app accepts triggers (Wacht's live value after a read).",
    type: "`boolean`",
    wire: "is_active",
    sent: "update",
    default: true,
    change: "update",
    normalize: (v) => v ?? true,
    validate: (path, value) => validateOptionalType(path, value, "boolean"),
  },
  adopt: {
    doc: "Take over an existing app with this slug instead of failing.",
    type: "`boolean` (needs `slug`)",
    default: false,
    change: "create",
    validate: (path, value, news) => [
      ...validateOptionalType(path, value, "boolean"),
      ...(value === true && (news.slug === undefined || news.slug === null)
        ? [{ property: path, reason: "adopt needs slug: an app is adopted by its slug" }]
        : []),
    ],
  },
  rotationTrigger: {
    doc: "Any value; when it changes, the signing secret rotates in place.",
    type: "`string | number`",
    defaultText: "none",
    change: "rotate",
    validate: (path, value) =>
      ["string", "number"].includes(typeof value)
        ? []
        : [{ property: path, reason: `${path} must be a string or a number (got ${JSON.stringify(value)})` }],
  },
  signingSecret: { doc: "The current signing secret (`whsec_…`).", computed: true, secret: true },
  previousSigningSecret: { doc: "The secret the last rotation replaced.", computed: true, secret: true },
  secretRotatedAt: { doc: "When the provider last saw the secret change.", computed: true },
  createdAt: { doc: "Wacht's creation time.", computed: true },
  updatedAt: { doc: "Wacht's last update time.", computed: true },
};

/** What diff compares, and how. */
export const appProperties = diffTable(appSchema);

/** Outputs that are secrets in state and in the program. */
export const appSecretOutputs = secretOutputs(appSchema);

/** The create request's body. */
export function createBody(inputs: AppInputs): Record<string, unknown> {
  return apiBody(appSchema, { ...inputs }, Object.keys(appSchema), "create");
}

/** The PATCH body that moves `live` to `desired`: only the changed fields (Wacht keeps the others). */
export function patchFor(live: Omit<AppInputs, "pulumiName">, desired: AppInputs): Record<string, unknown> {
  return apiBody(
    appSchema,
    { ...desired },
    changedProperties(appProperties, { ...live }, { ...desired }),
    "update",
  );
}

/** State from Wacht's app and the inputs Wacht does not know of. */
export function fromApi(
  app: ApiApp,
  kept: Pick<AppInputs, "pulumiName" | "rotationTrigger"> & {
    /** The e-mails as the program (or state) orders them; Wacht's order is used for the rest. */
    failureNotificationEmails?: string[];
  },
  secretHistory: Pick<AppOutputs, "previousSigningSecret" | "secretRotatedAt">,
): AppOutputs {
  const outputs: AppOutputs = {
    pulumiName: kept.pulumiName,
    name: app.name,
    slug: app.app_slug,
    description: app.description ?? "",
    failureNotificationEmails: keepOrder(
      kept.failureNotificationEmails,
      app.failure_notification_emails ?? [],
      (e) => e.toLowerCase(),
    ),
    active: app.is_active,
    signingSecret: app.signing_secret,
    createdAt: app.created_at,
    updatedAt: app.updated_at,
  };
  if (app.event_catalog_slug !== null && app.event_catalog_slug !== undefined) {
    outputs.eventCatalog = app.event_catalog_slug;
  }
  if (kept.rotationTrigger !== undefined) outputs.rotationTrigger = kept.rotationTrigger;
  if (secretHistory.previousSigningSecret !== undefined) {
    outputs.previousSigningSecret = secretHistory.previousSigningSecret;
  }
  if (secretHistory.secretRotatedAt !== undefined) outputs.secretRotatedAt = secretHistory.secretRotatedAt;
  return outputs;
}

/** The inputs a program declaring the live app would have (what refresh reports as drift). */
export function inputsFromOutputs(outputs: AppOutputs): AppInputs {
  return inputsFromState<AppInputs>(appSchema, { ...outputs });
}

/** Wacht keeps slugs in a `varchar(255)` column: longer ones fail there with a 500. */
export const MAX_SLUG_LENGTH = 255;

/**
 * The slug of a new app that declares none, the Pulumi way (auto-naming): the resource name and a
 * seven-character suffix, normalised as Wacht would (`"Billing-EU"` → `billing_eu_k3j9x0q`). The suffix
 * is derived from the project, stack and resource name (`seed`), not drawn at random: a deploy killed
 * after Wacht made the app names it the same on the next run, so the recovery finds that app instead of
 * leaving it behind; two stacks never share it. Without a seed (older programs) it is random.
 */
export function autoSlug(pulumiName: string, seed?: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes =
    seed === undefined ? randomBytes(7) : createHash("sha256").update(`${seed}\u0000${pulumiName}`).digest();
  let suffix = "";
  for (let i = 0; i < 7; i++) suffix += alphabet[(bytes[i] ?? 0) % alphabet.length];
  const base = normalizeAppSlug(pulumiName).slice(0, MAX_SLUG_LENGTH - suffix.length - 1);
  return base === "" ? suffix : `${base}_${suffix}`;
}

/**
 * True when the live app carries what `inputs` ask for at create (name, description, failure e-mails,
 * catalog): how a create whose answer was lost recognises the app it made.
 */
export function matchesInputs(app: ApiApp, inputs: AppInputs): boolean {
  return (
    app.name === inputs.name &&
    (app.description ?? "") === inputs.description &&
    canonicalJson(sortedEmails(app.failure_notification_emails ?? [])) ===
      canonicalJson(sortedEmails(inputs.failureNotificationEmails)) &&
    (app.event_catalog_slug ?? undefined) === inputs.eventCatalog
  );
}
