import { base64UrlEncode } from "./base64url";

export const RELAY_TOKEN_HEADER = "X-Voice-Edge-Auth";

/** Lifetime of a relay token; the relay refuses tokens more than 60 s ahead. */
export const RELAY_TOKEN_SECONDS = 30;

/** The longest `sub` a v2 token carries, in UTF-8 bytes (the relay refuses longer). */
export const MAX_SUB_BYTES = 256;

/** Who the Worker says is calling: the user's `sub` and the client IP Cloudflare gave it (null when none). */
export interface Caller {
  sub: string;
  clientIp: string | null;
}

const SESSION_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const utf8 = new TextEncoder();

async function sign(signingKey: string, payload: string): Promise<string> {
  if (!signingKey) throw new Error("the relay signing key is empty (WebCrypto refuses an empty HMAC key)");
  const key = await crypto.subtle.importKey("raw", utf8.encode(signingKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `${payload}.${base64UrlEncode(await crypto.subtle.sign("HMAC", key, utf8.encode(payload)))}`;
}

/**
 * The v1 Worker-to-relay token: `v1.<exp>.<session>.<sig>`, sig = base64url without padding of HMAC-SHA256(UTF-8
 * bytes of the signing key, "v1.<exp>.<session>"). The Worker mints v2; v1 stays for the shared test vector and
 * the rollout window (docs/architecture.md).
 */
export async function mintRelayToken(signingKey: string, exp: number, session: string): Promise<string> {
  if (!SESSION_PATTERN.test(session)) throw new Error("session id must be [A-Za-z0-9_-]{1,64}");
  return await sign(signingKey, `v1.${exp}.${session}`);
}

/**
 * The v2 token (docs/architecture.md "Worker to relay"): `v2.<exp>.<session>.<sub>.<ip>.<sig>` where sub is the
 * base64url of the user's `sub` in UTF-8 (1 to 256 bytes), ip the base64url of the client IP text (empty when
 * none), and sig the base64url of HMAC-SHA256(key, everything before the last dot). A `sub` holding a lone
 * surrogate is signed as TextEncoder writes it (U+FFFD).
 */
export async function mintRelayTokenV2(signingKey: string, exp: number, session: string, caller: Caller): Promise<string> {
  if (!SESSION_PATTERN.test(session)) throw new Error("session id must be [A-Za-z0-9_-]{1,64}");
  if (!Number.isSafeInteger(exp) || exp < 0) throw new Error("exp must be a non-negative whole number of seconds");
  const sub = utf8.encode(caller.sub);
  if (sub.byteLength === 0 || sub.byteLength > MAX_SUB_BYTES) throw new Error(`sub must be 1 to ${MAX_SUB_BYTES} UTF-8 bytes`);
  if (caller.clientIp !== null && !isIpAddress(caller.clientIp)) throw new Error("clientIp must be an IPv4 or IPv6 address");
  return await sign(signingKey, `v2.${exp}.${session}.${base64UrlEncode(sub)}.${base64UrlEncode(utf8.encode(caller.clientIp ?? ""))}`);
}

/**
 * The token for one call's relay dial: v2 (the relay passes the user and the client IP on to the backend and
 * limits calls per user), valid {@link RELAY_TOKEN_SECONDS} from `nowMs`.
 */
export async function mintCallToken({ signingKey, session, caller, nowMs = Date.now() }: { signingKey: string; session: string; caller: Caller; nowMs?: number }): Promise<string> {
  return await mintRelayTokenV2(signingKey, Math.floor(nowMs / 1000) + RELAY_TOKEN_SECONDS, session, caller);
}

/** The user's `sub` claim when a v2 token can carry it (a string of 1 to 256 UTF-8 bytes), else null. */
export function usableSub(claims: Record<string, unknown>): string | null {
  const sub = claims.sub;
  if (typeof sub !== "string") return null;
  const bytes = utf8.encode(sub).byteLength;
  return bytes > 0 && bytes <= MAX_SUB_BYTES ? sub : null;
}

/**
 * The client IP Cloudflare's edge saw (`CF-Connecting-IP`, which the edge sets itself:
 * https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip), or null when the
 * header is absent (local workerd) or not an address.
 */
export function clientIpOf(request: Request): string | null {
  const ip = request.headers.get("CF-Connecting-IP")?.trim() ?? "";
  return isIpAddress(ip) ? ip : null;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** An IPv4 dotted quad or an IPv6 address in text (RFC 4291 §2.2, no zone), at most 45 characters. */
export function isIpAddress(text: string): boolean {
  if (text.length === 0 || text.length > 45) return false;
  if (IPV4.test(text)) return true;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const parts = halves.flatMap(groups);
  let count = parts.length;
  const last = parts[parts.length - 1];
  if (last !== undefined && last.includes(".")) {
    // An embedded IPv4 address takes the last 32 bits.
    if (!IPV4.test(last)) return false;
    parts.pop();
    count += 1;
  }
  if (!parts.every((p) => HEX_GROUP.test(p))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}
