import { beforeEach, describe, expect, it } from "vitest";
import {
  ambiguousMatchError,
  baseline,
  claim,
  claimedByOthers,
  identify,
  release,
  resetIdentification,
  serialized,
} from "../../provider/identify";

interface Obj {
  id: string;
  url: string;
}

const all: Obj[] = [
  { id: "1", url: "https://a.example.com" },
  { id: "2", url: "https://a.example.com" },
  { id: "3", url: "https://b.example.com" },
];
const byUrl = (url: string) => (o: Obj) => o.url === url;
const idOf = (o: Obj) => o.id;

beforeEach(() => resetIdentification());

describe("identify", () => {
  it("never takes an object that existed before the create began", () => {
    expect(identify(all, idOf, byUrl("https://b.example.com"), new Set(["3"]), new Set())).toStrictEqual({
      outcome: "none",
    });
  });

  it("never takes an object another resource holds", () => {
    expect(identify(all, idOf, byUrl("https://b.example.com"), new Set(), new Set(["3"]))).toStrictEqual({
      outcome: "none",
    });
  });

  it("takes the one new, unheld object that carries what was asked for", () => {
    expect(identify(all, idOf, byUrl("https://a.example.com"), new Set(["1"]), new Set())).toStrictEqual({
      outcome: "one",
      object: { id: "2", url: "https://a.example.com" },
    });
  });

  it("reports two candidates instead of choosing, listing them", () => {
    expect(identify(all, idOf, byUrl("https://a.example.com"), new Set(), new Set())).toStrictEqual({
      outcome: "several",
      ids: ["1", "2"],
    });
    expect(ambiguousMatchError("endpoints of app 'billing'", ["1", "2"]).message).toBe(
      "the create's answer was lost and 2 endpoints of app 'billing' match it: 1, 2. The provider takes none of " +
        "them rather than guess. Delete the extra ones (or all of them) and run again.",
    );
  });
});

describe("claims", () => {
  const a = { name: "a", token: "t-a" };
  const b = { name: "b", token: "t-b" };

  it("gives an object to one holder and names it to the next", () => {
    expect(claim("endpoint", "7", a)).toBeUndefined();
    expect(claim("endpoint", "7", a)).toBeUndefined();
    expect(claim("endpoint", "7", b)).toStrictEqual(a);
    expect([...claimedByOthers("endpoint", b)]).toStrictEqual(["7"]);
    expect([...claimedByOthers("endpoint", a)]).toStrictEqual([]);
  });

  it("frees an object when it is deleted", () => {
    claim("app", "billing", a);
    release("app", "billing");
    expect(claim("app", "billing", b)).toBeUndefined();
  });

  it("keeps kinds apart", () => {
    claim("app", "x", a);
    expect(claim("catalog", "x", b)).toBeUndefined();
  });
});

describe("baseline", () => {
  it("reads once per scope and shares the result", async () => {
    let reads = 0;
    const read = async () => {
      reads += 1;
      return ["1", "2"];
    };
    const [first, second] = await Promise.all([baseline("app-a", read), baseline("app-a", read)]);
    expect([...first]).toStrictEqual(["1", "2"]);
    expect(second).toBe(first);
    expect(reads).toBe(1);
  });

  it("reads again after a failed read", async () => {
    await expect(baseline("app-b", async () => Promise.reject(new Error("503")))).rejects.toThrow("503");
    expect([...(await baseline("app-b", async () => ["9"]))]).toStrictEqual(["9"]);
  });
});

describe("serialized", () => {
  it("runs work with one key one at a time, in order, even after a failure", async () => {
    const order: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        order.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      serialized("k", step("one", 30, true)),
      serialized("k", step("two", 1)),
      serialized("other", step("three", 1)),
    ]);
    expect(results.map((r) => r.status)).toStrictEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(order).toStrictEqual(["start one", "start three", "end three", "end one", "start two", "end two"]);
  });
});
