import { createHmac, randomBytes } from "node:crypto";

/** `whsec_` + standard base64 (padded) of 32 random bytes: 50 characters (spec §3.1). */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** A backend API key in Wacht's format: `sk_` + base64url (no padding) of 32 random bytes (spec §1.2). */
export function generateApiKey(): string {
  return `sk_${randomBytes(32).toString("base64url")}`;
}

/**
 * Standard Webhooks `v1,<base64 HMAC-SHA256>` over `"<id>.<timestamp>.<body>"`, keyed with the
 * base64-decoded secret after `whsec_` (spec §4.8). Wacht sends exactly one signature.
 */
export function signPayload(secret: string, webhookId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  const mac = createHmac("sha256", key).update(`${webhookId}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}
