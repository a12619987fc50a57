// The users' workflow: Pulumi project folders (Pulumi.yaml + index.ts) run with the plain CLI commands,
// exactly as README.md and the examples' READMEs print them. The commands are read from the markdown, so
// the docs cannot drift from what works; only the Wacht URL, the key, the stack name and the tarball's
// path are put in.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { projectFolder, pulumiBin, ROOT, resourceSummary, warnings } from "../support/pulumi";

/** The part of a markdown text from the heading `title` to the next heading of the same or a higher level. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n${title}\n`);
  if (start < 0) throw new Error(`no heading "${title}"`);
  const level = title.indexOf(" ");
  const rest = markdown.slice(start + title.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level}} `, "m"));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The fenced blocks of one language in a markdown text. */
function blocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, "gm"))].map(
    (m) => m[1] ?? "",
  );
}

/** The `pulumi …` and `npm install …` lines of a markdown text's sh blocks, comments dropped, in order. */
function commandsOf(markdown: string): string[] {
  return blocks(markdown, "sh")
    .flatMap((block) => block.split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => /^(pulumi |npm install\b)/.test(line) && !line.includes("&&"));
}

const LIFECYCLE = [
  "pulumi up",
  "pulumi preview --expect-no-changes",
  "pulumi preview --refresh --expect-no-changes",
  "pulumi refresh",
  "pulumi destroy",
];

/** What each command prints in its `Resources:` block when all goes well, for `n` resources. */
function expectedSummary(command: string, n: number): string[] {
  if (command === "pulumi up") return [`+ ${n} created`];
  if (command === "pulumi destroy") return [`- ${n} deleted`];
  if (command.startsWith("pulumi preview") || command === "pulumi refresh") return [`${n} unchanged`];
  return [];
}

interface Project {
  name: string;
  /** The project folder, made by `prepare` when it is not in the repository. */
  dir: () => string;
  /** The commands to run, read from the docs. */
  commands: () => string[];
  prepare?: () => void;
  /** Resources in the stack, the stack resource included. */
  resources: number;
  upWarnings: string[];
  outputs: Record<string, unknown>;
}

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const exampleCommands = (name: string) =>
  commandsOf(section(fs.readFileSync(path.join(ROOT, "examples", name, "README.md"), "utf8"), "## Run it"));
const quickstartOutputs = {
  alertsEndpointId: expect.stringMatching(/^\d+$/),
  appSlug: "payments_int",
  catalogEvents: ["invoice.paid", "invoice.overdue", "subscription.cancelled"],
  ledgerEndpointId: expect.stringMatching(/^\d+$/),
  signingSecret: "[secret]",
};
const slugWarning =
  'Wacht normalises app slug "payments-int" to "payments_int"; the app\'s slug and id are "payments_int".';

let snippetDir = "";
let packDir = "";

const projects: Project[] = [
  {
    name: "examples/quickstart",
    dir: () => path.join(ROOT, "examples/quickstart"),
    commands: () => exampleCommands("quickstart"),
    resources: 5,
    upWarnings: [slugWarning],
    outputs: quickstartOutputs,
  },
  {
    name: "examples/multi-tenant",
    dir: () => path.join(ROOT, "examples/multi-tenant"),
    commands: () => exampleCommands("multi-tenant"),
    resources: 6,
    upWarnings: [],
    outputs: { appSlugs: { acme: "tenant_acme", globex: "tenant_globex" }, signingSecrets: "[secret]" },
  },
  {
    // `npm start` runs this folder; here with the quick start's own commands (its packages are the
    // repository's, so no `npm install`).
    name: "the repository root",
    dir: () => ROOT,
    commands: () => exampleCommands("quickstart").filter((c) => !c.startsWith("npm ")),
    resources: 5,
    upWarnings: [slugWarning],
    outputs: quickstartOutputs,
  },
  {
    // A new TypeScript project as `pulumi new typescript` makes it, with README.md's snippet as its
    // program and the package installed from `npm pack` as README.md says.
    name: "README.md's snippet",
    dir: () => snippetDir,
    commands: () => commandsOf(section(readme, "## Use it in your project")),
    prepare: () => {
      packDir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-pack-"));
      execFileSync("npm", ["pack", "--silent", "--pack-destination", packDir], {
        cwd: ROOT,
        stdio: "ignore",
      });
      snippetDir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-readme-"));
      const [snippet] = blocks(section(readme, "## Use it in your project"), "ts");
      fs.writeFileSync(path.join(snippetDir, "index.ts"), snippet ?? "");
      fs.writeFileSync(path.join(snippetDir, "Pulumi.yaml"), "name: wacht-readme\nruntime: nodejs\n");
      fs.writeFileSync(
        path.join(snippetDir, "package.json"),
        JSON.stringify({
          name: "wacht-readme",
          main: "index.ts",
          devDependencies: { "@types/node": "^22.0.0", typescript: "^5.9.3" },
          dependencies: { "@pulumi/pulumi": "^3.270.0" },
        }),
      );
      fs.copyFileSync(
        path.join(ROOT, "examples/quickstart/tsconfig.json"),
        path.join(snippetDir, "tsconfig.json"),
      );
    },
    resources: 4,
    upWarnings: [],
    outputs: { signingSecret: "[secret]" },
  },
];

describe("project folders run with the commands the docs print", () => {
  let bin: string;

  beforeAll(() => {
    bin = pulumiBin();
  });

  afterAll(() => {
    if (snippetDir) fs.rmSync(snippetDir, { recursive: true, force: true });
    if (packDir) fs.rmSync(packDir, { recursive: true, force: true });
  });

  it("runs the root project's program, which is examples/quickstart's", () => {
    const root = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
    const example = fs.readFileSync(path.join(ROOT, "examples/quickstart/index.ts"), "utf8");
    expect(root.slice(root.indexOf("\n\n") + 2)).toBe(example);
  });

  it.each(projects)(
    "$name: up, preview and refresh without changes, destroy",
    async ({ dir, commands, prepare, resources, upWarnings, outputs }) => {
      prepare?.();
      const listed = commands();
      // The docs show the whole lifecycle.
      expect(listed.filter((c) => !/^pulumi (config|stack) |^npm /.test(c))).toStrictEqual(LIFECYCLE);

      const emulator: RunningEmulator = await startEmulator({ port: 0, db: ":memory:" });
      const folder = projectFolder(dir(), { bin, env: {} });
      const stackConfig = path.join(dir(), "Pulumi.e2e.yaml");
      try {
        if (!listed.some((c) => c.startsWith("pulumi stack init"))) listed.unshift("pulumi stack init dev");
        const transcript: Array<{
          command: string;
          code: number | null;
          resources: string[];
          output?: string;
        }> = [];
        const expected: typeof transcript = [];
        let upOutput = "";
        let upOutputs: Record<string, unknown> = {};
        for (const line of listed) {
          const command = line
            .replace("pulumi stack init dev", "pulumi stack init e2e")
            .replace("https://api.wacht.dev", emulator.url)
            .replace("sk_...", emulator.apiKey)
            .replace(/\/path\/to\/pulumi-wacht\//, `${packDir}/`);
          const result = await folder.run(command);
          const output = `${result.stdout}\n${result.stderr}`;
          transcript.push({
            command: line,
            code: result.code,
            resources: resourceSummary(result.stdout),
            ...(result.code === 0 ? {} : { output }),
          });
          expected.push({ command: line, code: 0, resources: expectedSummary(line, resources) });
          if (line === "pulumi up") {
            upOutput = output;
            upOutputs = await folder.outputs();
          }
        }
        expect(transcript).toStrictEqual(expected);
        expect(warnings(upOutput)).toStrictEqual(upWarnings);
        expect(upOutputs).toStrictEqual(outputs);
      } finally {
        await folder.run("pulumi stack rm e2e --yes --force");
        fs.rmSync(stackConfig, { force: true });
        folder.cleanup();
        await emulator.close();
      }
    },
  );
});
