import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { testStack } from "../support/pulumi";

describe("the examples run against the emulator", () => {
  let emulator: RunningEmulator;
  const env = () => ({ WACHT_API_URL: emulator.url, WACHT_API_KEY: emulator.apiKey });

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, db: ":memory:" });
  });

  afterAll(async () => {
    await emulator.close();
  });

  it.each([
    {
      example: "quickstart (the root project)",
      program: ".build/index.js",
      project: "wacht-quickstart",
      config: {},
      outputs: { appSlug: "payments_int", signingSecret: "[secret]" },
      resources: 5,
    },
    {
      example: "multi-tenant",
      program: ".build/examples/multi-tenant/index.js",
      project: "wacht-multi-tenant",
      config: {
        tenants: [
          {
            id: "acme",
            name: "Acme",
            webhookUrl: "https://acme.example.com/hooks",
            events: ["order.created"],
          },
          {
            id: "globex",
            name: "Globex",
            webhookUrl: "https://globex.example.com/hooks",
            events: ["invoice.paid"],
          },
        ],
      },
      outputs: { appSlugs: { acme: "tenant_acme", globex: "tenant_globex" }, signingSecrets: "[secret]" },
      resources: 6,
    },
  ])(
    "deploys $example, then previews no change and destroys it",
    async ({ program, project, config, outputs, resources }) => {
      const stack = testStack({ program, project, stack: "example", env: env() });
      try {
        const up = await stack.up(config);
        expect(up.error).toBeUndefined();
        expect(up.summary).toStrictEqual({ create: resources });
        expect(up.outputs).toMatchObject(outputs);
        const preview = await stack.preview(config, ["--refresh", "--expect-no-changes"]);
        expect(preview.error).toBeUndefined();
        const destroy = await stack.destroy(config);
        expect(destroy.summary).toStrictEqual({ delete: resources });
      } finally {
        stack.cleanup();
      }
    },
  );
});
