import { base64UrlDecode } from "./base64url";

/** Allowed difference between our clock and the issuer's, for exp and nbf. */
export const CLOCK_SKEW_SECONDS = 30;

export interface JwtOptions {
  hs256Secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  now?: number;
  fetchJwks?: (url: string) => Promise<JsonWebKeySet>;
}

export interface JsonWebKeySet {
  keys: (JsonWebKey & { kid?: string; alg?: string })[];
}

export type JwtResult =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; reason: "malformed" | "unsupported-alg" | "bad-signature" | "expired" | "not-yet-valid" | "wrong-issuer" | "wrong-audience" | "no-key" };

const decoder = new TextDecoder();

/** Verifies a compact JWS: HS256 with the shared secret, or RS256/ES256 with a key from the JWKS. */
export async function verifyJwt(token: string, options: JwtOptions): Promise<JwtResult> {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  let header: { alg?: string; kid?: string };
  let claims: Record<string, unknown>;
  let signature: Uint8Array;
  try {
    header = JSON.parse(decoder.decode(base64UrlDecode(parts[0]!)));
    claims = JSON.parse(decoder.decode(base64UrlDecode(parts[1]!)));
    signature = base64UrlDecode(parts[2]!);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims !== "object" || claims === null) return { ok: false, reason: "malformed" };
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);

  let valid: boolean;
  if (header.alg === "HS256" && options.hs256Secret) {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(options.hs256Secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    valid = await crypto.subtle.verify("HMAC", key, signature, signed);
  } else if ((header.alg === "RS256" || header.alg === "ES256") && options.jwksUrl) {
    const key = await jwksKey(options, header.alg, header.kid);
    if (!key) return { ok: false, reason: "no-key" };
    valid = header.alg === "RS256"
      ? await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, signed)
      : await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signed);
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
const jwksCache = new Map<string, { fetched: number; keys: JsonWebKeySet }>();

async function jwksKey(options: JwtOptions, alg: "RS256" | "ES256", kid: string | undefined): Promise<CryptoKey | null> {
  const url = options.jwksUrl!;
  let cached = jwksCache.get(url);
  const stale = !cached || Date.now() - cached.fetched > JWKS_TTL_MS;
  const unknownKid = cached && kid !== undefined && !cached.keys.keys.some((k) => k.kid === kid);
  if (stale || unknownKid) {
    const keys = await (options.fetchJwks ?? defaultFetchJwks)(url);
    cached = { fetched: Date.now(), keys };
    jwksCache.set(url, cached);
  }
  const jwk = cached!.keys.keys.find((k) => (kid === undefined || k.kid === kid) && (k.alg === undefined || k.alg === alg));
  if (!jwk) return null;
  const algorithm = alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
  return crypto.subtle.importKey("jwk", jwk, algorithm, false, ["verify"]);
}

async function defaultFetchJwks(url: string): Promise<JsonWebKeySet> {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`JWKS ${response.status}`);
  return (await response.json()) as JsonWebKeySet;
}
