// The recovery recipe of docs/interrupted-deploys.md, read from the doc itself so that the benchmark and
// the e2e test run exactly the commands a reader copies.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The marker line that precedes the recipe's fenced `sh` block in the doc. */
export const RECIPE_MARKER = "<!-- recipe: interrupted-deploy -->";

/** The recipe's command lines, without comments and blank lines, in order. */
export function readRecipe(doc = path.join(root, "docs/interrupted-deploys.md")) {
  const lines = fs.readFileSync(doc, "utf8").split("\n");
  const marker = lines.indexOf(RECIPE_MARKER);
  if (marker === -1) throw new Error(`${doc} has no line ${RECIPE_MARKER}`);
  const open = lines.findIndex((line, i) => i > marker && line.startsWith("```"));
  const close = lines.findIndex((line, i) => i > open && line.startsWith("```"));
  if (open === -1 || close === -1) throw new Error(`${doc}: no fenced block after ${RECIPE_MARKER}`);
  return lines
    .slice(open + 1, close)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}
