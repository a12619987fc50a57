/**
 * The pulumi-wacht policy pack: the rules of rules.ts as CrossGuard policies, each with an enforcement
 * level and parameters that `--policy-pack-config <file.json>` can change. The pack folder `policy/`
 * (PulumiPolicy.yaml, package.json, index.js) calls {@link createPolicyPack}; constructing the pack starts
 * its gRPC server, so nothing here runs on import.
 */

import {
  type EnforcementLevel,
  PolicyPack,
  type PolicyResource,
  type ReportViolation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import {
  type ExplicitEventsConfig,
  explicitEvents,
  type FailureNotificationsConfig,
  failureNotifications,
  type HeaderValuesSecretConfig,
  type HttpsOnlyConfig,
  headerValuesSecret,
  httpsOnly,
  type Props,
  type RetryBoundsConfig,
  type RotationAgeConfig,
  retryBounds,
  rotationAge,
  type StackEndpoint,
  TYPES,
  uniqueEndpointUrls,
} from "./rules";

/** The pack's name, as `pulumi preview` prints it. */
export const PACK_NAME = "pulumi-wacht";

/** Each rule's default enforcement level and parameters (docs/policy.md lists them). */
export const DEFAULTS = {
  "https-only": { enforcementLevel: "mandatory", allowedHttpHosts: [] as string[] },
  "header-values-secret": { enforcementLevel: "mandatory", exemptHeaders: [] as string[] },
  "rotation-age": { enforcementLevel: "advisory", maxAgeDays: 90 },
  "retry-bounds": {
    enforcementLevel: "advisory",
    minRetries: 3,
    maxRetries: 32,
    minTimeoutSeconds: 5,
    maxTimeoutSeconds: 60,
  },
  "failure-notifications": { enforcementLevel: "advisory", minEmails: 1 },
  "unique-endpoint-urls": { enforcementLevel: "mandatory" },
  "explicit-events": { enforcementLevel: "advisory", minCatalogEvents: 2 },
} as const;

type RuleName = keyof typeof DEFAULTS;

const stringList = { type: "array", items: { type: "string" } } as const;
const count = (minimum: number) => ({ type: "integer", minimum }) as const;

/** The JSON schemas of the rules' parameters, with their defaults. */
const SCHEMAS: Record<RuleName, Record<string, Record<string, unknown>>> = {
  "https-only": { allowedHttpHosts: { ...stringList, default: [] } },
  "header-values-secret": { exemptHeaders: { ...stringList, default: [] } },
  "rotation-age": { maxAgeDays: { type: "number", minimum: 0, default: 90 } },
  "retry-bounds": {
    minRetries: { ...count(1), default: 3 },
    maxRetries: { ...count(1), default: 32 },
    minTimeoutSeconds: { ...count(1), default: 5 },
    maxTimeoutSeconds: { ...count(1), default: 60 },
  },
  "failure-notifications": { minEmails: { ...count(0), default: 1 } },
  "unique-endpoint-urls": {},
  "explicit-events": { minCatalogEvents: { ...count(1), default: 2 } },
};

/** A rule's config: its defaults, overridden by what the pack config sets. */
function configOf<T>(rule: RuleName, args: { getConfig<C extends object>(): C }): T {
  return { ...DEFAULTS[rule], ...args.getConfig<object>() } as T;
}

/**
 * A property value, or undefined when it is not known yet: the policy SDK throws when a rule reads an
 * unknown value, which would skip the rule for the whole stack.
 */
function known(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The stack's config values, decrypted (Pulumi hands packs the stack config without saying which keys are secret). */
function configValues(): Set<string> {
  return new Set(Object.values(pulumi.runtime.allConfig()));
}

function resourcePolicy(
  name: RuleName,
  description: string,
  type: string,
  rule: (props: Props, args: ResourceValidationArgs) => string[],
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: DEFAULTS[name].enforcementLevel as EnforcementLevel,
    configSchema: { properties: SCHEMAS[name] as never },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (args.type !== type) return;
      for (const message of rule(args.props, args)) report(message);
    },
  };
}

function appsIn(resources: PolicyResource[]): PolicyResource[] {
  return resources.filter((r) => r.type === TYPES.app);
}

/** The endpoints of the stack with their app: the slug when known, else the app resource they depend on. */
function stackEndpoints(resources: PolicyResource[]): StackEndpoint[] {
  return resources
    .filter((r) => r.type === TYPES.endpoint)
    .map((r) => {
      const app = known(() => r.props.app);
      const url = known(() => r.props.url);
      const dependency = known(() => r.propertyDependencies?.app?.[0]?.urn);
      return {
        urn: r.urn,
        name: r.name,
        app: typeof app === "string" ? app : typeof dependency === "string" ? dependency : undefined,
        url: typeof url === "string" ? url : undefined,
      };
    });
}

/**
 * The active event names of the catalog of the app with this slug, when the stack declares both (the
 * endpoint's own inputs carry no copy of the catalog).
 */
function catalogEventsOf(resources: PolicyResource[], appSlug: unknown): string[] | undefined {
  if (typeof appSlug !== "string") return undefined;
  const app = appsIn(resources).find((r) => known(() => r.props.slug) === appSlug);
  const catalogSlug = app ? known(() => app.props.eventCatalog) : undefined;
  if (typeof catalogSlug !== "string") return undefined;
  const catalog = resources.find(
    (r) => r.type === TYPES.catalog && known(() => r.props.slug) === catalogSlug,
  );
  const events = catalog ? known(() => catalog.props.events) : undefined;
  if (!Array.isArray(events)) return undefined;
  return events.map((e) => String((e as { name?: unknown }).name ?? ""));
}

/** The policies, in the order docs/policy.md lists them. */
export function policies(
  now: () => number = Date.now,
): Array<ResourceValidationPolicy | StackValidationPolicy> {
  const stackPolicy = (
    name: RuleName,
    description: string,
    validate: (resources: PolicyResource[], config: never, report: ReportViolation) => void,
  ): StackValidationPolicy => ({
    name,
    description,
    enforcementLevel: DEFAULTS[name].enforcementLevel as EnforcementLevel,
    configSchema: { properties: SCHEMAS[name] as never },
    validateStack: (args, report) => validate(args.resources, configOf<never>(name, args), report),
  });
  return [
    resourcePolicy("https-only", "Webhook endpoint URLs use https.", TYPES.endpoint, (props, args) =>
      httpsOnly(props, configOf<HttpsOnlyConfig>("https-only", args)),
    ),
    resourcePolicy(
      "header-values-secret",
      "Webhook endpoint header values come from stack config (secret), not from the program's source.",
      TYPES.endpoint,
      (props, args) =>
        headerValuesSecret(
          props,
          configOf<HeaderValuesSecretConfig>("header-values-secret", args),
          configValues(),
        ),
    ),
    stackPolicy(
      "rotation-age",
      "Webhook app signing secrets are rotated at least every maxAgeDays days.",
      (resources, config: RotationAgeConfig, report) => {
        for (const app of appsIn(resources)) {
          const props: Props = {
            slug: known(() => app.props.slug),
            secretRotatedAt: known(() => app.props.secretRotatedAt),
            createdAt: known(() => app.props.createdAt),
          };
          for (const message of rotationAge(props, config, now())) report(message, app.urn);
        }
      },
    ),
    resourcePolicy(
      "retry-bounds",
      "Webhook endpoint maxRetries and timeoutSeconds stay within bounds.",
      TYPES.endpoint,
      (props, args) => retryBounds(props, configOf<RetryBoundsConfig>("retry-bounds", args)),
    ),
    resourcePolicy(
      "failure-notifications",
      "Webhook apps name at least one failure notification e-mail.",
      TYPES.app,
      (props, args) =>
        failureNotifications(props, configOf<FailureNotificationsConfig>("failure-notifications", args)),
    ),
    stackPolicy(
      "unique-endpoint-urls",
      "No two webhook endpoints of one app share a URL.",
      (resources, _config, report) => {
        for (const { urn, message } of uniqueEndpointUrls(stackEndpoints(resources))) report(message, urn);
      },
    ),
    stackPolicy(
      "explicit-events",
      "Webhook endpoints name the events they handle rather than every event of the catalog.",
      (resources, config: ExplicitEventsConfig, report) => {
        for (const endpoint of resources.filter((r) => r.type === TYPES.endpoint)) {
          const props: Props = {
            events: known(() => endpoint.props.events),
            subscriptions: known(() => endpoint.props.subscriptions),
          };
          const events = catalogEventsOf(
            resources,
            known(() => endpoint.props.app),
          );
          for (const message of explicitEvents(props, events, config)) report(message, endpoint.urn);
        }
      },
    ),
  ];
}

/** Starts the pack (called by policy/index.js). */
export function createPolicyPack(): PolicyPack {
  return new PolicyPack(PACK_NAME, {
    description: "Guardrails for Wacht webhooks managed with pulumi-wacht.",
    policies: policies(),
  });
}
