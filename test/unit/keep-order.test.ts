import { describe, expect, it } from "vitest";
import { keepOrder, serializable } from "../../provider/lifecycle";

const id = (s: string) => s;

describe("keepOrder", () => {
  it.each([
    ["keeps the previous order of an unchanged set", ["b", "a", "c"], ["a", "b", "c"], ["b", "a", "c"]],
    [
      "puts new items after the known ones, in Wacht's order",
      ["b", "a"],
      ["a", "b", "d", "c"],
      ["b", "a", "d", "c"],
    ],
    ["drops items Wacht no longer has", ["c", "b", "a"], ["a", "c"], ["c", "a"]],
    ["takes Wacht's order when nothing was known", undefined, ["b", "a"], ["b", "a"]],
  ])("%s", (_name, previous, live, expected) => {
    expect(keepOrder(previous, live, id)).toStrictEqual(expected);
  });

  it("compares by key, returning Wacht's items", () => {
    expect(keepOrder(["B@x.io", "a@x.io"], ["a@x.io", "b@x.io"], (e) => e.toLowerCase())).toStrictEqual([
      "b@x.io",
      "a@x.io",
    ]);
  });
});

describe("serializable", () => {
  it("drops undefined object values and turns undefined array entries into null, at any depth", () => {
    expect(serializable({ a: undefined, b: 1, c: { d: undefined, e: [undefined, 2] } })).toStrictEqual({
      b: 1,
      c: { e: [null, 2] },
    });
  });
});
