#!/usr/bin/env node
/**
 * `pulumi-wacht`, the package's command:
 *
 *   pulumi-wacht import --out <dir> [--app <slug>]… [--project <name>] [--package <spec>] [--force]
 *
 * reads a live Wacht (WACHT_API_URL, WACHT_API_KEY) and writes a Pulumi TypeScript project that adopts it.
 */
import fs from "node:fs";
import path from "node:path";
import { webhooks } from "../client";
import { settings } from "../config";
import { apiStatus, toProviderError } from "../errors";
import { type LiveApp, listApps, listCatalogs, listEndpoints } from "../lookups/live";
import { type Estate, generateProject, plural, shellQuote } from "./generate";

const USAGE = `Usage: pulumi-wacht import --out <dir> [--app <slug>]... [options]

Reads the apps, their event catalogs and endpoints (inactive ones too) from a live Wacht and writes a
TypeScript Pulumi project in <dir> that adopts them: its first \`pulumi up\` changes nothing in Wacht.

  --out <dir>        the project folder to write (new, or empty unless --force)
  --app <slug>       import only this app and its catalog (repeatable); default every app and catalog
  --project <name>   the Pulumi project name (default: the folder's name)
  --package <spec>   how the project depends on pulumi-wacht (default ^<this version>), e.g. file:../pulumi-wacht-0.1.0.tgz
  --force            write into a folder that is not empty

Environment: WACHT_API_URL (default https://api.wacht.dev), WACHT_API_KEY (required).
Header values are never written to files: the command prints the \`pulumi config set --secret\` lines
that give them to the project.`;

/** Parsed command line of `import`. */
interface ImportOptions {
  out: string;
  apps: string[];
  project?: string;
  packageSpec?: string;
  force: boolean;
}

class UsageError extends Error {}

function parse(args: string[]): ImportOptions {
  const options: ImportOptions = { out: "", apps: [], force: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === "--out") options.out = value();
    else if (flag === "--app") options.apps.push(value());
    else if (flag === "--project") options.project = value();
    else if (flag === "--package") options.packageSpec = value();
    else if (flag === "--force") options.force = true;
    else throw new UsageError(`unknown argument ${flag}`);
  }
  if (options.out === "") throw new UsageError("--out <dir> is required");
  return options;
}

/** The project name Pulumi accepts, from the folder's name. */
function projectName(dir: string): string {
  const name = path
    .basename(path.resolve(dir))
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^[-.]+/, "");
  return name === "" ? "wacht-estate" : name;
}

function ownPackage(): { version: string; devDependencies?: Record<string, string> } {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
}

/** Reads the estate: every app (or the chosen ones), their catalogs, and their endpoints. */
async function readEstate(chosen: string[]): Promise<Estate> {
  const current = settings();
  const api = await webhooks(current);
  let apps: LiveApp[];
  try {
    apps = await listApps(api);
  } catch (error) {
    throw toProviderError("pulumi-wacht import", undefined, "read", error);
  }
  if (chosen.length > 0) {
    const missing = chosen.filter((slug) => !apps.some((a) => a.slug === slug));
    if (missing.length > 0) {
      const known = apps.map((a) => a.slug).sort();
      throw new Error(
        `Wacht at ${current.apiUrl} has no app ${missing.map((s) => `'${s}'`).join(", ")} ` +
          `(apps: ${known.join(", ") || "none"})`,
      );
    }
    apps = apps.filter((a) => chosen.includes(a.slug));
  }
  const catalogs = await listCatalogs(api);
  const wanted =
    chosen.length === 0 ? catalogs : catalogs.filter((c) => apps.some((a) => a.eventCatalog === c.slug));
  const withEndpoints: Estate["apps"] = [];
  for (const app of apps) {
    try {
      withEndpoints.push({ app, endpoints: await listEndpoints(api, app.slug) });
    } catch (error) {
      if (apiStatus(error) === 404) continue;
      throw toProviderError("pulumi-wacht import", app.slug, "read", error);
    }
  }
  return { catalogs: wanted, apps: withEndpoints };
}

async function runImport(options: ImportOptions): Promise<void> {
  const out = path.resolve(options.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !options.force) {
    throw new UsageError(`${options.out} is not empty (use --force to write into it)`);
  }
  const estate = await readEstate(options.apps);
  const own = ownPackage();
  const project = generateProject(estate, {
    project: options.project ?? projectName(out),
    packageSpec: options.packageSpec ?? `^${own.version}`,
    pulumiSpec: own.devDependencies?.["@pulumi/pulumi"] ?? "^3.216.0",
  });
  fs.mkdirSync(out, { recursive: true });
  for (const [file, content] of Object.entries(project.files))
    fs.writeFileSync(path.join(out, file), content);

  const endpoints = estate.apps.reduce((n, a) => n + a.endpoints.length, 0);
  const lines = [
    `Wrote ${options.out}: ${plural(estate.catalogs.length, "event catalog")}, ${plural(estate.apps.length, "app")}, ` +
      `${plural(endpoints, "endpoint")} ` +
      `(${Object.keys(project.files).join(", ")}).`,
    "",
    `Next, in ${options.out}:`,
    "",
    "  npm install",
    "  pulumi stack init dev",
    `  pulumi config set wacht:apiUrl ${shellQuote(settings().apiUrl)}`,
    '  pulumi config set --secret wacht:apiKey "$WACHT_API_KEY"',
    ...project.secrets.map(
      (s) =>
        `  pulumi config set --secret ${s.key} ${s.value.startsWith("-") ? "-- " : ""}${shellQuote(s.value)}`,
    ),
    "  pulumi up                            # adopts everything: no change in Wacht",
    "  pulumi preview --expect-no-changes",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  for (const note of project.notes) process.stderr.write(`note: ${note}\n`);
}

/** Runs the command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  try {
    if (command !== "import") throw new UsageError(`unknown command ${command}`);
    await runImport(parse(rest));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`pulumi-wacht: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`pulumi-wacht: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
