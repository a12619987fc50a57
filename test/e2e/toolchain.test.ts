import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { journal, testStack } from "../support/pulumi";

describe("the real Pulumi CLI built here", () => {
  let emulator: RunningEmulator;
  let stack: ReturnType<typeof testStack>;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
    stack = testStack({
      program: ".build/test/e2e/programs/tiny.js",
      project: "wacht-tiny",
      env: { WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey },
    });
  });

  afterAll(async () => {
    stack.cleanup();
    await emulator.close();
  });

  it("creates, previews without changes and destroys a program whose provider calls @wacht/backend", async () => {
    const up = await stack.up({});
    expect(up.error).toBeUndefined();
    expect(up.summary).toStrictEqual({ create: 2 });
    expect(up.outputs).toStrictEqual({ slug: "tiny_app", secret: "[secret]" });

    const preview = await stack.preview({});
    expect(preview.error).toBeUndefined();
    expect(preview.summary).toStrictEqual({ same: 2 });

    const destroy = await stack.destroy({});
    expect(destroy.error).toBeUndefined();
    expect(destroy.summary).toStrictEqual({ delete: 2 });

    expect((await journal(emulator.url)).map((r) => `${r.method} ${r.path} ${r.status}`)).toStrictEqual([
      "POST /webhooks/apps 200",
      "DELETE /webhooks/apps/tiny_app 200",
    ]);
  });
});
