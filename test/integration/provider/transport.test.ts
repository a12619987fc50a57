// The HTTP exchange (provider/transport.ts) against a local server that misbehaves on request: answers,
// empty answers, connections closed before or during an answer, silence, aborts, kept-alive connections.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../../provider/transport";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];
let connections = 0;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      const route = request.url ?? "";
      if (route === "/json") {
        response.writeHead(201, "Created", { "content-type": "application/json", "x-request-id": "r-1" });
        response.end(JSON.stringify({ id: 7, name: "Zoë" }));
      } else if (route === "/empty") {
        response.writeHead(204).end();
      } else if (route === "/hang-up") {
        request.socket.destroy();
      } else if (route === "/cut") {
        response.writeHead(200, { "content-type": "application/json", "content-length": "100" });
        response.write('{"id":');
        setTimeout(() => request.socket.destroy(), 20);
      } else if (route === "/silent") {
        // never answers
      } else {
        response.writeHead(200, { "content-type": "text/plain" }).end(body);
      }
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: { name?: string; code?: string; message?: string }) => ({
      name: error.name,
      code: error.code,
      message: error.message,
    }),
  );

describe("send", () => {
  it("sends the method, headers and body and answers with a Response carrying status, headers and body", async () => {
    const headers = new Headers({ "Content-Type": "application/json", Authorization: "Bearer k" });
    const response = await send(new URL(`${base}/json`), { method: "POST", headers, body: '{"a":1}' }, 5_000);
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/json", body: '{"a":1}' });
    expect(seen.at(-1)?.headers).toMatchObject({
      "content-type": "application/json",
      authorization: "Bearer k",
      "content-length": "7",
    });
    expect([response.status, response.statusText, response.ok]).toStrictEqual([201, "Created", true]);
    expect(response.headers.get("x-request-id")).toBe("r-1");
    expect(await response.json()).toStrictEqual({ id: 7, name: "Zoë" });
  });

  it("answers a 204 with an empty body", async () => {
    const response = await send(new URL(`${base}/empty`), { method: "DELETE" }, 5_000);
    expect([response.status, await response.text()]).toStrictEqual([204, ""]);
  });

  it("rejects with ECONNRESET when the connection closes before an answer", async () => {
    expect(
      await failure(send(new URL(`${base}/hang-up`), { method: "POST", body: "{}" }, 5_000)),
    ).toStrictEqual({
      name: "Error",
      code: "ECONNRESET",
      message: "socket hang up",
    });
  });

  it("rejects with ECONNRESET when the connection closes in the middle of an answer", async () => {
    expect(await failure(send(new URL(`${base}/cut`), { method: "GET" }, 5_000))).toStrictEqual({
      name: "Error",
      code: "ECONNRESET",
      message: "aborted",
    });
  });

  it("rejects with a TimeoutError when no answer comes within the timeout", async () => {
    expect(await failure(send(new URL(`${base}/silent`), { method: "GET" }, 150))).toStrictEqual({
      name: "TimeoutError",
      code: DOMException.TIMEOUT_ERR,
      message: "The operation was aborted due to timeout",
    });
  });

  it("rejects with the caller's reason when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = send(new URL(`${base}/silent`), { method: "GET", signal: controller.signal }, 5_000);
    controller.abort(new Error("stopped by the caller"));
    expect(await failure(pending)).toStrictEqual({
      name: "Error",
      code: undefined,
      message: "stopped by the caller",
    });
  });

  it("rejects with the caller's reason, sending nothing, when the caller aborted before", async () => {
    const before = seen.length;
    const signal = AbortSignal.abort(new Error("aborted before"));
    expect(
      await failure(send(new URL(`${base}/json`), { method: "POST", body: "{}", signal }, 5_000)),
    ).toStrictEqual({
      name: "Error",
      code: undefined,
      message: "aborted before",
    });
    expect(seen.length).toBe(before);
  });

  it("sends requests in sequence over one kept-alive connection", async () => {
    await send(new URL(`${base}/json`), { method: "GET" }, 5_000);
    const before = connections;
    for (let i = 0; i < 5; i++) await (await send(new URL(`${base}/json`), { method: "GET" }, 5_000)).json();
    expect(connections).toBe(before);
  });

  it("sends a body other than text or bytes through fetch", async () => {
    const response = await send(
      new URL(`${base}/echo`),
      { method: "POST", body: new URLSearchParams({ a: "1", b: "two" }) },
      5_000,
    );
    expect(await response.text()).toBe("a=1&b=two");
    expect(seen.at(-1)?.headers["content-type"]).toBe("application/x-www-form-urlencoded;charset=UTF-8");
  });
});
