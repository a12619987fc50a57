import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpoint, type ProviderBed, startBed, unique } from "./harness";

describe("WebhookEndpoint verify", () => {
  let bed: ProviderBed;
  let receiver: http.Server;
  let receiverUrl: string;
  let app: string;

  beforeAll(async () => {
    bed = await startBed({ allowPrivateUrls: true });
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(req.url === "/broken" ? 400 : 204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const catalogSlug = unique("verify-events");
    await bed.api("POST", "/webhooks/event-catalogs", {
      slug: catalogSlug,
      name: "Verify",
      events: [{ name: "order.created", description: "An order" }],
    });
    app = unique("verify_app");
    await bed.api("POST", "/webhooks/apps", {
      app_slug: app,
      name: "Verify",
      event_catalog_slug: catalogSlug,
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await bed.close();
  });

  async function createWith(path: string) {
    const checked = await endpoint.check(undefined, {
      pulumiName: "verified",
      app,
      url: `${receiverUrl}${path}`,
      events: ["order.created"],
      verify: true,
    });
    expect(checked.failures).toStrictEqual([]);
    return endpoint.create(checked.inputs as never);
  }

  it("records a successful test delivery in lastVerification after create", async () => {
    const created = await createWith("/ok");
    expect(created.outs?.lastVerification).toStrictEqual({
      status: "success",
      httpStatusCode: 204,
      deliveryId: expect.stringMatching(/^\d+$/),
      at: expect.any(String),
    });
  });

  it("records a failed test delivery without failing the deploy", async () => {
    const created = await createWith("/broken");
    expect(created.outs?.lastVerification).toStrictEqual({
      status: "permanently_failed",
      httpStatusCode: 400,
      deliveryId: expect.stringMatching(/^\d+$/),
      at: expect.any(String),
    });
  });
});
