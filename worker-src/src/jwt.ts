import { base64UrlDecode } from "./base64url";

/** Allowed difference between our clock and the issuer's, for exp and nbf. */
export const CLOCK_SKEW_SECONDS = 30;

export interface JwtOptions {
  hs256Secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  now?: number;
  /** Fetches the JWKS; its answer may be anything (it is checked). */
  fetchJwks?: (url: string) => Promise<unknown>;
}

export interface JsonWebKeySet {
  keys: (JsonWebKey & { kid?: string; alg?: string })[];
}

export const JWT_REFUSAL_REASONS = ["malformed", "unsupported-alg", "bad-signature", "expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "no-key", "keys-unavailable"] as const;

export type JwtRefusal = (typeof JWT_REFUSAL_REASONS)[number];

export type JwtResult = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: JwtRefusal };

const decoder = new TextDecoder();

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A segment's JSON, or undefined when it is not base64url, not UTF-8 JSON, or not a JSON object. */
function jsonObject(segment: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(base64UrlDecode(segment)));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a compact JWS: HS256 with the shared secret, or RS256/ES256 with a key from the JWKS. Never throws:
 * any input, and any JWKS answer, ends in a result.
 */
export async function verifyJwt(token: string, options: JwtOptions): Promise<JwtResult> {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const header = jsonObject(parts[0]!);
  const claims = jsonObject(parts[1]!);
  let signature: Uint8Array;
  try {
    signature = base64UrlDecode(parts[2]!);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!header || !claims) return { ok: false, reason: "malformed" };
  const { alg, kid } = header;
  if (kid !== undefined && typeof kid !== "string") return { ok: false, reason: "malformed" };
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);

  let valid: boolean;
  if (alg === "HS256" && options.hs256Secret) {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(options.hs256Secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    valid = await crypto.subtle.verify("HMAC", key, signature, signed);
  } else if ((alg === "RS256" || alg === "ES256") && options.jwksUrl) {
    const key = await jwksKey(options, alg, kid);
    if (key === "unavailable") return { ok: false, reason: "keys-unavailable" };
    if (!key) return { ok: false, reason: "no-key" };
    try {
      valid = alg === "RS256"
        ? await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed)
        : await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signed);
    } catch {
      valid = false;
    }
  } else {
    return { ok: false, reason: "unsupported-alg" };
  }
  if (!valid) return { ok: false, reason: "bad-signature" };

  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_SKEW_SECONDS < now) return { ok: false, reason: "expired" };
  if (typeof claims.nbf === "number" && claims.nbf - CLOCK_SKEW_SECONDS > now) return { ok: false, reason: "not-yet-valid" };
  if (options.issuer && claims.iss !== options.issuer) return { ok: false, reason: "wrong-issuer" };
  if (options.audience) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(options.audience)) return { ok: false, reason: "wrong-audience" };
  }
  return { ok: true, claims };
}

const JWKS_TTL_MS = 10 * 60 * 1000;
/** An unknown kid refetches the JWKS at most this often, so random kids cannot make every request a fetch. */
const JWKS_REFETCH_MIN_MS = 60 * 1000;
const jwksCache = new Map<string, { fetched: number; keys: Jwk[] }>();

type Jwk = JsonWebKey & { kid?: unknown; alg?: unknown };

/** The JWKS's keys, or undefined when the answer is not a JWKS (an object whose `keys` is an array). */
function keysOf(answer: unknown): Jwk[] | undefined {
  if (!isObject(answer) || !Array.isArray(answer.keys)) return undefined;
  return answer.keys.filter(isObject) as unknown as Jwk[];
}

/**
 * The verification key for `alg`/`kid` from the JWKS (cached, refetched on an unknown kid); null when the
 * JWKS has no usable key for it, "unavailable" when the JWKS cannot be fetched or is not a JWKS.
 */
async function jwksKey(options: JwtOptions, alg: "RS256" | "ES256", kid: string | undefined): Promise<CryptoKey | null | "unavailable"> {
  const url = options.jwksUrl!;
  let cached = jwksCache.get(url);
  const stale = !cached || Date.now() - cached.fetched > JWKS_TTL_MS;
  const unknownKid = cached && kid !== undefined && !cached.keys.some((k) => k.kid === kid) && Date.now() - cached.fetched > JWKS_REFETCH_MIN_MS;
  if (stale || unknownKid) {
    let keys: Jwk[] | undefined;
    try {
      keys = keysOf(await (options.fetchJwks ?? defaultFetchJwks)(url));
    } catch {
      keys = undefined;
    }
    if (!keys) return cached && !stale ? null : "unavailable";
    cached = { fetched: Date.now(), keys };
    jwksCache.set(url, cached);
  }
  const jwk = cached!.keys.find((k) => (kid === undefined || k.kid === kid) && (k.alg === undefined || k.alg === alg));
  if (!jwk) return null;
  const algorithm = alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
  try {
    const { kid: _kid, alg: _alg, ...material } = jwk;
    return await crypto.subtle.importKey("jwk", material as JsonWebKey, algorithm, false, ["verify"]);
  } catch {
    return null;
  }
}

async function defaultFetchJwks(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`JWKS ${response.status}`);
  return await response.json();
}
