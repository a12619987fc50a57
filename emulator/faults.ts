import { randomUUID } from "node:crypto";
import { badRequest, FAULT_NEEDS_PATH, FAULT_NOT_OBJECT, invalidFaultField } from "./errors";
import { decodeObject, isObject } from "./validation";

/** An injected failure for API requests matching `method` and the `path` glob. */
export interface Fault {
  id: string;
  method: string | undefined;
  path: string;
  matcher: RegExp;
  status: number | undefined;
  retryAfter: number | undefined;
  latencyMs: number | undefined;
  /** Apply and commit the request at once, answer only this many ms later (a slow answer). */
  responseDelayMs: number | undefined;
  reset: boolean;
  lostResponse: boolean;
  remaining: number | undefined;
  rate: number | undefined;
}

/**
 * A fault to inject, as `POST /_emulator/faults` takes it and {@link RunningEmulator.fault} passes it on.
 * `path` is a glob (`*` within a segment, `**` across); without `rate` it fires `times` times (default 1).
 */
export interface FaultSpec {
  /** HTTP method to match; default every method. */
  method?: string;
  path: string;
  /** Answer with this status instead of handling the request. */
  status?: 429 | 500 | 502 | 503;
  /** `Retry-After` seconds sent with `status`. */
  retryAfter?: number;
  /** Wait this long before handling the request. */
  latencyMs?: number;
  /** Apply and commit the request at once, answer only this many ms later. */
  responseDelayMs?: number;
  /** Drop the connection without handling the request. */
  reset?: boolean;
  /** Handle and commit the request, then drop the connection: the answer is lost. */
  lostResponse?: boolean;
  /** How many requests it fires for (ignored with `rate`). */
  times?: number;
  /** Fire for this share of matching requests (0–1), without end. */
  rate?: number;
}

/** `*` matches within one path segment, `**` across segments. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (ch === "*") {
      source += "[^/]*";
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

const FAULT_STATUSES = [429, 500, 502, 503];

function optNumber(o: Record<string, unknown>, key: string, ok: (n: number) => boolean): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !ok(v)) throw badRequest(invalidFaultField(key));
  return v;
}

/** The registry behind `/_emulator/faults`. */
export class Faults {
  private faults: Fault[] = [];

  /** Validates and registers a fault from a request body; returns its id. */
  add(body: unknown): string {
    if (!isObject(body)) throw badRequest(FAULT_NOT_OBJECT);
    const o = decodeObject(body);
    if (typeof o.path !== "string" || o.path === "") throw badRequest(FAULT_NEEDS_PATH);
    if (o.method !== undefined && typeof o.method !== "string") throw badRequest(invalidFaultField("method"));
    const status = optNumber(o, "status", (n) => FAULT_STATUSES.includes(n));
    const rate = optNumber(o, "rate", (n) => n >= 0 && n <= 1);
    const times = optNumber(o, "times", (n) => Number.isInteger(n) && n >= 1);
    const fault: Fault = {
      id: randomUUID(),
      method: typeof o.method === "string" && o.method !== "*" ? o.method.toUpperCase() : undefined,
      path: o.path,
      matcher: globToRegExp(o.path),
      status,
      retryAfter: optNumber(o, "retryAfter", (n) => n >= 0),
      latencyMs: optNumber(o, "latencyMs", (n) => n >= 0),
      responseDelayMs: optNumber(o, "responseDelayMs", (n) => n >= 0),
      reset: o.reset === true,
      lostResponse: o.lostResponse === true,
      remaining: rate === undefined ? (times ?? 1) : undefined,
      rate,
    };
    this.faults.push(fault);
    return fault.id;
  }

  /** The first fault that fires for this request, consuming one of its `times`. */
  take(method: string, path: string): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.method !== undefined && fault.method !== method) continue;
      if (!fault.matcher.test(path)) continue;
      if (fault.rate !== undefined) {
        if (Math.random() < fault.rate) return fault;
        continue;
      }
      fault.remaining = (fault.remaining ?? 1) - 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return fault;
    }
    return undefined;
  }

  clear(): void {
    this.faults = [];
  }
}
