// README's property tables are the declarations in each resource's schema.ts, rendered: a property
// added, removed or changed in one place and not the other fails here.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appSchema } from "../../provider/app/schema";
import { appEndpointsSchema } from "../../provider/app-endpoints/schema";
import { catalogSchema } from "../../provider/catalog/schema";
import { endpointSchema } from "../../provider/endpoint/schema";
import { readmeRows, type Schema } from "../../provider/property";

const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");

/** The rows of the first table under `### <heading>`, each a list of trimmed cells. */
function tableUnder(heading: string): string[][] {
  const start = readme.indexOf(`\n### ${heading}\n`);
  if (start < 0) throw new Error(`README has no "### ${heading}"`);
  const lines = readme.slice(start).split("\n");
  const first = lines.findIndex((line) => line.startsWith("| Property"));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    // Cells split on pipes that are not escaped (`string \| number`).
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll("\\|", "|")),
    );
  }
  return rows;
}

describe.each([
  ["WebhookEventCatalog", catalogSchema],
  ["WebhookApp", appSchema],
  ["WebhookEndpoint", endpointSchema],
  ["WebhookAppEndpoints", appEndpointsSchema],
] as Array<[string, Schema]>)("README's %s table", (heading, schema) => {
  it("lists exactly the declared properties, in order, with their type, default, change and secrecy", () => {
    expect(tableUnder(heading)).toStrictEqual(readmeRows(schema));
  });
});
