import { randomInt } from "node:crypto";

/**
 * Sonyflake-like 64-bit ids (spec §1.5): `elapsed_10ms << 24 | sequence << 16 | machine`, counted from
 * 2025-01-01T00:00:00Z, with a random 16-bit machine id per process. They exceed 2^53, so they are
 * BigInts in code and decimal strings in JSON.
 */
const EPOCH_MS = Date.UTC(2025, 0, 1);
const machineId = BigInt(randomInt(0, 0x10000));
let lastTick = 0n;
let sequence = 0n;

/** Returns a new id; strictly increasing within this process. */
export function nextId(): bigint {
  let tick = BigInt(Math.floor((Date.now() - EPOCH_MS) / 10));
  if (tick <= lastTick) {
    tick = lastTick;
    sequence += 1n;
    if (sequence > 0xffn) {
      // Sonyflake sleeps until the next tick; borrowing it keeps ids unique without blocking.
      tick += 1n;
      sequence = 0n;
    }
  } else {
    sequence = 0n;
  }
  lastTick = tick;
  return (tick << 24n) | (sequence << 16n) | machineId;
}

let lastMicros = 0;

/** Current time in microseconds since the Unix epoch (Postgres keeps microseconds). */
export function nowMicros(): number {
  let micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return micros;
}

/**
 * RFC 3339 in UTC with `Z`, as chrono serialises `DateTime<Utc>`: no fraction when it is zero,
 * otherwise 3 or 6 digits, whichever shows every non-zero digit.
 */
export function formatTimestamp(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = micros - whole * 1_000_000;
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  if (fraction === 0) return `${base}Z`;
  if (fraction % 1000 === 0) return `${base}.${String(fraction / 1000).padStart(3, "0")}Z`;
  return `${base}.${String(fraction).padStart(6, "0")}Z`;
}

/** Formats a nullable microsecond timestamp. */
export function formatNullable(micros: number | null): string | null {
  return micros === null ? null : formatTimestamp(micros);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 date-time as chrono does for `DateTime<Utc>`; undefined when it is not one. */
export function parseTimestamp(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, date, time, fraction = "", offset] = match;
  const ms = Date.parse(`${date}T${time}${fraction.slice(0, 4)}${offset === "z" ? "Z" : offset}`);
  if (Number.isNaN(ms)) return undefined;
  const extraMicros = Number((fraction.slice(4, 7) || "0").padEnd(3, "0"));
  return ms * 1000 + extraMicros;
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** Parses a decimal i64 as Rust's `str::parse::<i64>` does (optional sign, digits only). */
export function parseI64(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < I64_MIN || value > I64_MAX ? undefined : value;
}
