// The package under test, compiled once into a folder of its own: the shared dist/ may be rebuilt by
// anyone during a long run, and a half-written dist/ would count as a fault of the provider.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Compiles `provider/` of `source` (the repository, or e.g. a `git archive` of an older commit) into a
 * temporary package folder (package.json + dist/, dependencies from the repository's node_modules).
 * @returns {string} the package folder
 */
export function snapshotPackage(source = root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wacht-chaos-package-"));
  execFileSync(
    process.execPath,
    [
      path.join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      path.join(source, "tsconfig.build.json"),
      "--outDir",
      path.join(dir, "dist"),
    ],
    { stdio: "inherit" },
  );
  fs.copyFileSync(path.join(source, "package.json"), path.join(dir, "package.json"));
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * A node_modules folder for a project: every package of the repository's node_modules, with
 * `pulumi-wacht` resolving to `pkg`.
 */
export function linkModules(projectDir, pkg) {
  const modules = path.join(projectDir, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
    if (entry === "pulumi-wacht") continue;
    fs.symlinkSync(path.join(root, "node_modules", entry), path.join(modules, entry));
  }
  fs.symlinkSync(pkg, path.join(modules, "pulumi-wacht"), "dir");
}
