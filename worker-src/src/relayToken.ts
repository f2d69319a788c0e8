import { base64UrlEncode } from "./base64url";

export const RELAY_TOKEN_HEADER = "X-Voice-Edge-Auth";

/** Lifetime of a relay token; the relay refuses tokens more than 60 s ahead. */
export const RELAY_TOKEN_SECONDS = 30;

/**
 * The Worker-to-relay token (DESIGN.md): `v1.<exp>.<session>.<sig>`, sig = base64url without padding of
 * HMAC-SHA256(UTF-8 bytes of the signing key, "v1.<exp>.<session>").
 */
export async function mintRelayToken(signingKey: string, exp: number, session: string): Promise<string> {
  if (!signingKey) throw new Error("the relay signing key is empty (WebCrypto refuses an empty HMAC key)");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(session)) throw new Error("session id must be [A-Za-z0-9_-]{1,64}");
  const payload = `v1.${exp}.${session}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(signingKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload));
  return `${payload}.${base64UrlEncode(sig)}`;
}
