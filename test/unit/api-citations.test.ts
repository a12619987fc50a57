// Code cites Wacht's behaviour as "spec §N.N": every such citation in emulator/ and provider/ must name a
// section of docs/wacht-api.md, the description of the API kept in this repository.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const doc = fs.readFileSync(path.join(root, "docs/wacht-api.md"), "utf8");

/** The section numbers of docs/wacht-api.md: `## 3. Routes` gives "3", `### 3.3 Endpoints` "3.3". */
const sections = new Set([...doc.matchAll(/^#{2,4} (\d+(?:\.\d+)?)[. ]/gm)].map((m) => m[1]));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|md)$/.test(entry.name) ? [relative] : [];
  });
}

/** Every `§N.N` (ranges `§3.4–3.6` give both ends) with the file and line that cites it. */
const citations = ["emulator", "provider"].flatMap(sourceFiles).flatMap((file) =>
  fs
    .readFileSync(path.join(root, file), "utf8")
    .split("\n")
    .flatMap((line, i) =>
      [...line.matchAll(/§(\d+(?:\.\d+)?)(?:[–-](\d+(?:\.\d+)?))?/g)].flatMap((m) =>
        [m[1], m[2]]
          .filter((s): s is string => s !== undefined)
          .map((section) => ({ at: `${file}:${i + 1}`, section })),
      ),
    ),
);

describe("citations of docs/wacht-api.md", () => {
  it("are found in emulator/ and provider/", () => {
    expect(citations.length).toBeGreaterThan(40);
  });

  it("each name a section that exists", () => {
    expect(citations.filter((c) => !sections.has(c.section))).toStrictEqual([]);
  });
});
