/**
 * One HTTP exchange with Wacht over `node:http` and `node:https`, handed to the SDK as its `fetch`
 * (through client.ts's adapter). Node's global `fetch` (undici) spends about 1.4 ms of CPU per request
 * more than this (190 ms against 40 ms for the 111 calls `pulumi up` makes for 100 endpoints), which was
 * a third of what the provider process costs above the floor; see docs/scaling.md. Answers come back as
 * real `Response` objects, so the SDK reads them as it reads fetch's.
 */
import http from "node:http";
import https from "node:https";

// Kept-alive connections, as fetch keeps them: one TLS handshake per connection, not per request.
const agents: Record<string, http.Agent> = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** Statuses whose answer has no body: `new Response(body)` refuses a body for them. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Sends one request and resolves to its answer, body read in full. Rejects as fetch does: with
 * `init.signal`'s reason when the caller aborts, with a `TimeoutError` when no complete answer came
 * within `timeoutMs`, and with Node's network error (its `code`, e.g. `ECONNRESET`) otherwise. Bodies
 * other than text or bytes (the SDK could send form data) go through the global `fetch`.
 */
export function send(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  const body = init.body ?? undefined;
  if (body !== undefined && typeof body !== "string" && !ArrayBuffer.isView(body)) {
    const signals = [AbortSignal.timeout(timeoutMs), ...(init.signal ? [init.signal] : [])];
    return fetch(url, { ...init, signal: AbortSignal.any(signals) });
  }
  const signal = init.signal ?? undefined;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const transport = url.protocol === "https:" ? https : http;
    const agent = agents[url.protocol];
    const request = transport.request(url, { method: init.method ?? "GET", headers, agent });
    let done = false;
    const finish = (error: unknown, response?: Response) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve(response as Response);
      else {
        reject(error);
        request.destroy();
      }
    };
    const onAbort = () => finish(signal?.reason);
    const timer = setTimeout(
      () => finish(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error) => finish(error));
    request.on("response", (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", (error) => finish(error));
      // A connection closed before the last byte leaves a body cut short: a network error, not an answer.
      incoming.on("close", () => {
        if (!incoming.complete)
          finish(Object.assign(new Error("connection closed mid-answer"), { code: "ECONNRESET" }));
      });
      incoming.on("end", () => {
        const status = incoming.statusCode ?? 0;
        const answerHeaders = new Headers();
        for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
          answerHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
        }
        try {
          const content = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
          finish(
            undefined,
            new Response(content, {
              status,
              statusText: incoming.statusMessage ?? "",
              headers: answerHeaders,
            }),
          );
        } catch (error) {
          finish(error);
        }
      });
    });
    request.end(body);
  });
}
