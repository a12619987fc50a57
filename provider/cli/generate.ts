/**
 * The program generator's pure half: a live Wacht estate in, the files of a TypeScript Pulumi project
 * out, whose resources adopt what exists (`adopt: true`) and declare it exactly as Wacht holds it, so
 * that the first `pulumi up` makes no write call and `pulumi preview --expect-no-changes` passes after it.
 * Header values never reach a file: the program reads each from secret stack config, and the caller
 * prints the `pulumi config set --secret` lines.
 */
import type { LiveApp, LiveCatalog, LiveEndpoint } from "../lookups/live";

/** What was read from Wacht. */
export interface Estate {
  catalogs: LiveCatalog[];
  apps: Array<{ app: LiveApp; endpoints: LiveEndpoint[] }>;
}

export interface GenerateOptions {
  /** The Pulumi project name. */
  project: string;
  /** The dependency spec of `pulumi-wacht` in the generated package.json (`^0.1.0`, `file:…tgz`). */
  packageSpec: string;
  /** The dependency spec of `@pulumi/pulumi`. */
  pulumiSpec: string;
}

/** One secret config value the program reads: printed as a `pulumi config set --secret` line. */
export interface SecretSetting {
  key: string;
  value: string;
}

export interface GeneratedProject {
  /** File name → content. */
  files: Record<string, string>;
  secrets: SecretSetting[];
  /** What the reader should know (things declared differently, or left out). */
  notes: string[];
}

/** A piece of TypeScript written as is by {@link literal}. */
class Code {
  constructor(readonly text: string) {}
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A value as a TypeScript literal, on one line when it fits in 100 columns after `offset` characters
 * already on the line, else one entry per line.
 */
function literal(value: unknown, indent = "", offset = indent.length): string {
  if (value instanceof Code) return value.text;
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  const inner = `${indent}  `;
  const entries = Array.isArray(value)
    ? value.map((v) => literal(v, inner))
    : Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        const key = `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: `;
        return `${key}${literal(v, inner, inner.length + key.length)}`;
      });
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{ ", " }"];
  if (entries.length === 0) return Array.isArray(value) ? "[]" : "{}";
  const oneLine = `${open}${entries.join(", ")}${close}`;
  if (oneLine.length + offset <= 100 && !oneLine.includes("\n")) return oneLine;
  return `${open.trim()}\n${entries.map((e) => `${inner}${e},`).join("\n")}\n${indent}${close.trim()}`;
}

/** `<start><args literal>);` with the literal laid out after what precedes it on the line. */
function statement(start: string, args: unknown): string {
  return `${start}${literal(args, "", start.length + 2)});`;
}

/** "1 app", "3 apps". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A resource name part from a slug or URL: lowercase letters, digits and single dashes. */
function kebab(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** A camelCase identifier from a slug (`billing-events` → `billingEvents`). */
function camel(text: string): string {
  const words = kebab(text).split("-").filter(Boolean);
  const joined = words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join("");
  return /^[a-z_$]/.test(joined) ? joined : `_${joined}`;
}

/** Hands out names once: a second `billing-ledger` becomes `billing-ledger-2`. */
function uniqueNames() {
  const used = new Set<string>();
  return (wanted: string) => {
    let name = wanted;
    for (let n = 2; used.has(name); n++) name = `${wanted}-${n}`;
    used.add(name);
    return name;
  };
}

/** `https://ledger.example.com/webhooks/wacht` → `ledger-example-com-webhooks-wacht` (at most 60 chars). */
function urlPart(url: string): string {
  try {
    const parsed = new URL(url);
    return kebab(`${parsed.hostname}${parsed.pathname}`).slice(0, 60).replace(/-+$/, "");
  } catch {
    return kebab(url).slice(0, 60).replace(/-+$/, "");
  }
}

/** True when two endpoints declare the same thing: what adoption compares when several share a URL. */
function sameDeclaration(a: LiveEndpoint, b: LiveEndpoint): boolean {
  const declared = (e: LiveEndpoint) =>
    JSON.stringify([
      e.url,
      e.description,
      [...e.subscriptions].sort((x, y) => x.event.localeCompare(y.event)),
      Object.entries(e.headers).sort(([x], [y]) => x.localeCompare(y)),
      e.maxRetries,
      e.timeoutSeconds,
      e.rateLimit,
    ]);
  return declared(a) === declared(b);
}

const byId = (a: LiveEndpoint, b: LiveEndpoint) => {
  const [x, y] = [BigInt(a.id), BigInt(b.id)];
  return x < y ? -1 : x > y ? 1 : 0;
};

function catalogBlock(catalog: LiveCatalog, variable: string): string {
  const active = catalog.events.filter((e) => !e.archived);
  const archived = catalog.events.filter((e) => e.archived).map((e) => e.name);
  const events = active.map((e) => ({
    name: e.name,
    description: e.description,
    ...(e.group !== null ? { group: e.group } : {}),
    ...(e.schema !== null ? { schema: e.schema } : {}),
    ...(e.examplePayload !== null ? { examplePayload: e.examplePayload } : {}),
  }));
  const args: Record<string, unknown> = {
    slug: catalog.slug,
    name: catalog.name,
    ...(catalog.description !== "" ? { description: catalog.description } : {}),
    events,
    adopt: true,
  };
  const comment =
    archived.length > 0
      ? `// Archived in Wacht, so not declared (declaring one would unarchive it): ${archived.join(", ")}.\n`
      : "";
  return `${comment}${statement(`const ${variable} = new wacht.WebhookEventCatalog(${JSON.stringify(catalog.slug)}, `, args)}\n`;
}

/** Generates the project for an estate. */
export function generateProject(estate: Estate, options: GenerateOptions): GeneratedProject {
  const notes: string[] = [];
  const secrets: SecretSetting[] = [];
  const variables = uniqueNames();
  const resourceNames = uniqueNames();
  const configKeys = uniqueNames();

  const catalogs = [...estate.catalogs].sort((a, b) => a.slug.localeCompare(b.slug));
  const catalogVariable = new Map<string, string>();
  const blocks: string[] = [];
  if (catalogs.length > 0) {
    const parts = catalogs.map((catalog) => {
      const variable = variables(`${camel(catalog.slug)}Catalog`);
      catalogVariable.set(catalog.slug, variable);
      resourceNames(catalog.slug);
      return catalogBlock(catalog, variable);
    });
    blocks.push(`// ── Event catalogs ──\n\n${parts.join("\n")}`);
  }

  const apps = [...estate.apps].sort((a, b) => a.app.slug.localeCompare(b.app.slug));
  let endpointCount = 0;
  for (const { app, endpoints } of apps) {
    const appVariable = variables(`${camel(app.slug)}App`);
    const catalogRef = app.eventCatalog === null ? undefined : catalogVariable.get(app.eventCatalog);
    const activeEvents = new Set(
      catalogs
        .find((c) => c.slug === app.eventCatalog)
        ?.events.filter((e) => !e.archived)
        .map((e) => e.name) ?? [],
    );
    const appArgs: Record<string, unknown> = {
      name: app.name,
      slug: app.slug,
      ...(app.description !== "" ? { description: app.description } : {}),
      ...(app.eventCatalog !== null
        ? { eventCatalog: catalogRef ? new Code(catalogRef) : app.eventCatalog }
        : {}),
      ...(app.failureNotificationEmails.length > 0
        ? { failureNotificationEmails: app.failureNotificationEmails }
        : {}),
      ...(app.active ? {} : { active: false }),
      adopt: true,
    };
    const lines = [
      `// ── App ${JSON.stringify(app.slug)}: ${app.name} (${plural(endpoints.length, "endpoint")}) ──\n`,
      `${statement(`const ${appVariable} = new wacht.WebhookApp(${JSON.stringify(resourceNames(app.slug))}, `, appArgs)}\n`,
    ];
    for (const endpoint of [...endpoints].sort(byId)) {
      endpointCount++;
      const name = resourceNames(`${kebab(app.slug)}-${urlPart(endpoint.url)}`);
      const headers: Record<string, unknown> = {};
      for (const [header, value] of Object.entries(endpoint.headers)) {
        const key = configKeys(`${name}-${kebab(header)}`);
        headers[header] = new Code(`config.requireSecret(${JSON.stringify(key)})`);
        secrets.push({ key, value });
      }
      if (endpoint.ignoredHeaders.length > 0) {
        notes.push(
          `Endpoint ${endpoint.id} (${name}) has non-string header values, which Wacht never sends; ` +
            `left out: ${endpoint.ignoredHeaders.join(", ")}. Adopting it keeps them; a later change of its headers drops them.`,
        );
      }
      if (endpoint.timeoutSeconds < 1 || endpoint.timeoutSeconds > 300) {
        notes.push(
          `Endpoint ${endpoint.id} (${name}) has timeoutSeconds ${endpoint.timeoutSeconds}, outside the 1–300 the ` +
            "provider accepts: its preview fails until the value is changed in index.ts (the first up then updates it).",
        );
      }
      const twin = endpoints.find((other) => other.id !== endpoint.id && sameDeclaration(other, endpoint));
      if (twin && byId(endpoint, twin) < 0) {
        notes.push(
          `Endpoints ${endpoint.id} and ${twin.id} of app '${app.slug}' are identical (URL ${endpoint.url}): adoption ` +
            "cannot tell them apart and fails for them. Delete one in Wacht before the first up.",
        );
      }
      const plain = endpoint.subscriptions.every((s) => Object.keys(s.filter).length === 0);
      // An app given as the resource hands its catalog's active events to check, which would refuse a
      // subscription to an archived event that Wacht still holds: such an endpoint names the app by slug.
      const stale = endpoint.subscriptions
        .map((s) => s.event.trim())
        .filter((event) => catalogRef !== undefined && !activeEvents.has(event));
      const args: Record<string, unknown> = {
        app: new Code(stale.length > 0 ? `${appVariable}.slug` : appVariable),
        url: endpoint.url,
        ...(endpoint.description !== "" ? { description: endpoint.description } : {}),
        ...(plain
          ? { events: endpoint.subscriptions.map((s) => s.event) }
          : {
              subscriptions: endpoint.subscriptions.map((s) =>
                Object.keys(s.filter).length === 0
                  ? { event: s.event }
                  : { event: s.event, filter: s.filter },
              ),
            }),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(endpoint.maxRetries !== 32 ? { maxRetries: endpoint.maxRetries } : {}),
        ...(endpoint.timeoutSeconds !== 30 ? { timeoutSeconds: endpoint.timeoutSeconds } : {}),
        ...(endpoint.rateLimit ? { rateLimit: endpoint.rateLimit } : {}),
        ...(endpoint.active ? {} : { active: false }),
        adopt: true,
      };
      const comment =
        stale.length > 0
          ? `// Subscribed to ${stale.map((e) => `'${e}'`).join(", ")}, no longer an active event of the catalog:\n` +
            "// the app is named by slug, so that check accepts the subscription Wacht holds.\n"
          : "";
      lines.push(`${comment}${statement(`new wacht.WebhookEndpoint(${JSON.stringify(name)}, `, args)}\n`);
    }
    blocks.push(lines.join("\n"));
  }

  const header = [
    "// Generated by `pulumi-wacht import` from a live Wacht. Every resource adopts the object that exists",
    "// (adopt: true) and declares it as Wacht holds it: the first `pulumi up` takes it over with no change.",
    ...(secrets.length > 0 ? ['import * as pulumi from "@pulumi/pulumi";'] : []),
    'import * as wacht from "pulumi-wacht";',
    "",
    ...(secrets.length > 0
      ? [
          "// Header values are read from secret stack config (`pulumi config set --secret <key> <value>`).",
          "const config = new pulumi.Config();",
          "",
        ]
      : []),
  ].join("\n");
  const index = `${header}\n${blocks.join("\n")}`;

  const summary = `${plural(catalogs.length, "event catalog")}, ${plural(apps.length, "app")}, ${plural(endpointCount, "endpoint")}`;
  const files: Record<string, string> = {
    "Pulumi.yaml": `name: ${options.project}\ndescription: Wacht webhooks imported by pulumi-wacht (${summary})\nruntime: nodejs\n`,
    "package.json": `${JSON.stringify(
      {
        name: options.project,
        private: true,
        main: "index.ts",
        dependencies: { "@pulumi/pulumi": options.pulumiSpec, "pulumi-wacht": options.packageSpec },
        devDependencies: { "@types/node": "^22.0.0", typescript: "^5.9.3" },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          target: "ES2022",
          module: "commonjs",
          moduleResolution: "node",
          outDir: "bin",
          skipLibCheck: true,
          noImplicitReturns: true,
          forceConsistentCasingInFileNames: true,
          types: ["node"],
        },
        files: ["index.ts"],
      },
      null,
      2,
    )}\n`,
    "index.ts": index,
    "README.md": readme(options.project, summary, apps, secrets, notes),
  };
  return { files, secrets, notes };
}

function readme(
  project: string,
  summary: string,
  apps: Estate["apps"],
  secrets: SecretSetting[],
  notes: string[],
): string {
  const appLines = apps.map(
    ({ app, endpoints }) =>
      `- \`${app.slug}\` (${app.name}${app.active ? "" : ", inactive"}): ${plural(endpoints.length, "endpoint")}` +
      `${endpoints.some((e) => !e.active) ? ` (${endpoints.filter((e) => !e.active).length} inactive)` : ""}`,
  );
  const keyLines = secrets.map((s) => `- \`${s.key}\``);
  return [
    `# ${project}`,
    "",
    `Wacht webhooks brought under Pulumi by \`pulumi-wacht import\`: ${summary}.`,
    "",
    ...appLines,
    "",
    "Every resource in `index.ts` carries `adopt: true`: the first `pulumi up` takes over the objects that",
    "exist, as they are, without any change in Wacht (no secret is rotated, nothing is recreated).",
    "",
    "## Run it",
    "",
    "```sh",
    "npm install",
    "pulumi stack init dev",
    "pulumi config set wacht:apiUrl https://api.wacht.dev",
    'pulumi config set --secret wacht:apiKey "$WACHT_API_KEY"',
    "# then the `pulumi config set --secret …` lines `pulumi-wacht import` printed (header values)",
    "pulumi up                            # adopts everything: no change in Wacht",
    "pulumi preview --expect-no-changes   # the program and Wacht agree",
    "```",
    "",
    ...(secrets.length > 0
      ? [
          "## Secret configuration",
          "",
          "Header values are not written to any file. The program reads each from secret stack config:",
          "",
          ...keyLines,
          "",
        ]
      : []),
    ...(notes.length > 0 ? ["## Notes", "", ...notes.map((n) => `- ${n}`), ""] : []),
  ].join("\n");
}

/** A value quoted for a POSIX shell. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
