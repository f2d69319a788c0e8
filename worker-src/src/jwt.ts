import { base64url, createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";

/**
 * The user's JWT, verified with jose (pinned in package.json): HS256 with the shared secret, RS256/ES256 with a
 * key from the JWKS (jose's remote JWKS: cached, refetched on an unknown key after a cooldown). This file only
 * decides which algorithm and key a token may use and turns jose's errors into the Worker's refusal reasons
 * (README "The user's token").
 */

/** Allowed difference between our clock and the issuer's, for exp and nbf. */
export const CLOCK_SKEW_SECONDS = 30;

export interface JwtOptions {
  hs256Secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch (tests); the clock otherwise. */
  now?: number;
  /** Fetches the JWKS; its answer may be anything (it is checked). A stand-in for tests; fetch otherwise. */
  fetchJwks?: (url: string) => Promise<unknown>;
}

export const JWT_REFUSAL_REASONS = ["malformed", "unsupported-alg", "bad-signature", "expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "no-key", "keys-unavailable"] as const;

export type JwtRefusal = (typeof JWT_REFUSAL_REASONS)[number];

/**
 * A refusal for an error jose threw that this file does not know (a jose upgrade, a bug): logged, never one of
 * the documented reasons, so that the property tests catch it.
 */
export const UNEXPECTED_REFUSAL = "verifier-error";

export type JwtResult = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: JwtRefusal | typeof UNEXPECTED_REFUSAL };

/** How long a fetched JWKS is used (jose `cacheMaxAge`). */
const JWKS_TTL_MS = 10 * 60 * 1000;
/** An unknown kid refetches the JWKS at most this often (jose `cooldownDuration`), so random kids cannot make every request a fetch. */
const JWKS_REFETCH_MIN_MS = 60 * 1000;
const JWKS_FETCH_TIMEOUT_MS = 3000;
/**
 * jose's own minimum (RFC 7518 §3.3; jose 6.2.17 dist/webapi/lib/jws_verify.js:62 throws a TypeError after the
 * key is chosen), checked here so that a weak JWKS key is `no-key` like any other unusable key.
 */
const MIN_RSA_BITS = 2048;

const utf8 = new TextEncoder();

/** The JWKS could not be fetched, or its answer is not a JWKS. */
class KeysUnavailable extends Error {}
/** The JWKS has no key this token can be verified with. */
class NoUsableKey extends Error {}

/** The algorithm a token names may be used only when its key is configured. */
function allowedAlgorithm(alg: unknown, options: JwtOptions): "HS256" | "RS256" | "ES256" | null {
  if (alg === "HS256" && options.hs256Secret) return "HS256";
  if ((alg === "RS256" || alg === "ES256") && options.jwksUrl) return alg;
  return null;
}

/**
 * The checks that need no key, in the order the Worker has always made them: three base64url segments whose
 * header and claims are JSON objects (UTF-8, RFC 7519 §7.2), a string `kid` if any, no `crit`, then an
 * algorithm whose key is configured. jose makes the same checks again while verifying; making them first keeps
 * a malformed token from costing a JWKS fetch and keeps its reason `malformed` whatever its signature.
 */
function precheck(token: string, options: JwtOptions): { alg: "HS256" | "RS256" | "ES256" } | { refusal: JwtRefusal } {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
    decodeJwt(token);
    base64url.decode(token.split(".")[2]!);
  } catch {
    return { refusal: "malformed" };
  }
  if (header.kid !== undefined && typeof header.kid !== "string") return { refusal: "malformed" };
  // `crit` names extensions the token needs understood (RFC 7515 §4.1.11); this Worker implements none. Refused
  // here rather than by jose: jose's refusal rejects a promise before anything awaits it, which the unit tests
  // in workerd (vitest-pool-workers) report as an unhandled rejection although verifyJwt catches it (wrangler
  // dev's log shows nothing; test/e2e/proxy.test.mjs sends such a token).
  if (header.crit !== undefined) return { refusal: "malformed" };
  const alg = allowedAlgorithm(header.alg, options);
  return alg ? { alg } : { refusal: "unsupported-alg" };
}

/**
 * Verifies a compact JWS: HS256 with the shared secret, or RS256/ES256 with a key from the JWKS; `exp` required,
 * `exp`/`nbf` with {@link CLOCK_SKEW_SECONDS} of skew, `iss`/`aud` when configured. Never throws: any input, and
 * any JWKS answer, ends in a result.
 */
export async function verifyJwt(token: string, options: JwtOptions): Promise<JwtResult> {
  const checked = precheck(token, options);
  if ("refusal" in checked) return { ok: false, reason: checked.refusal };
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [checked.alg],
    requiredClaims: ["exp"],
    clockTolerance: CLOCK_SKEW_SECONDS,
    // An empty binding means the check is off, as it always has been (jose would require an empty iss).
    issuer: options.issuer || undefined,
    audience: options.audience || undefined,
    currentDate: options.now === undefined ? undefined : new Date(options.now * 1000),
  };
  try {
    if (checked.alg === "HS256") return accepted(await jwtVerify(token, utf8.encode(options.hs256Secret!), verifyOptions));
    const jwks = remoteJwks(options);
    if (!jwks) return { ok: false, reason: "keys-unavailable" };
    return accepted(await jwtVerify(token, jwksKey(jwks), verifyOptions));
  } catch (error) {
    if (error instanceof errors.JWKSMultipleMatchingKeys) return await verifyWithEach(token, error, verifyOptions);
    return { ok: false, reason: refusalFor(error) };
  }
}

function accepted(verified: { payload: JWTPayload }): JwtResult {
  return { ok: true, claims: verified.payload as Record<string, unknown> };
}

/**
 * Several JWKS keys fit the token (no `kid`, or a shared one): each is tried in the JWKS's order, the way jose's
 * documentation for `createRemoteJWKSet` shows (its JWKSMultipleMatchingKeys error is an async iterator of the
 * imported keys, jose 6.2.17 dist/webapi/jwks/local.js:44).
 */
async function verifyWithEach(token: string, candidates: errors.JWKSMultipleMatchingKeys, verifyOptions: JWTVerifyOptions): Promise<JwtResult> {
  let reason: JwtResult = { ok: false, reason: "no-key" };
  for await (const key of candidates) {
    if (isWeakRsa(key)) continue;
    try {
      return accepted(await jwtVerify(token, key, verifyOptions));
    } catch (error) {
      reason = { ok: false, reason: refusalFor(error) };
      if (reason.reason !== "bad-signature") return reason;
    }
  }
  return reason;
}

/** jose's error, as the Worker's refusal reason. */
function refusalFor(error: unknown): JwtRefusal | typeof UNEXPECTED_REFUSAL {
  if (error instanceof KeysUnavailable) return "keys-unavailable";
  if (error instanceof NoUsableKey) return "no-key";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad-signature";
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    // "exp" missing or not a number has always been `expired`; the other claims jose checks by type (nbf, iat)
    // are malformed when they are not numbers.
    if (error.claim === "exp") return "expired";
    if (error.claim === "iss") return "wrong-issuer";
    if (error.claim === "aud") return "wrong-audience";
    if (error.claim === "nbf" && error.reason === "check_failed") return "not-yet-valid";
    return "malformed";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "unsupported-alg";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) return "malformed";
  console.error(JSON.stringify({ event: "jwt-verifier-error", error: error instanceof Error ? `${error.name}: ${error.message}` : typeof error }));
  return UNEXPECTED_REFUSAL;
}

type RemoteJwks = ReturnType<typeof createRemoteJWKSet>;

/**
 * One remote JWKS per URL (and per stand-in fetcher in tests), kept for the isolate's life like any module
 * state. jose drops a fetch another request started when it runs in Workers (dist/webapi/jwks/remote.js:53),
 * since a request may not wait on another request's I/O.
 */
const jwksSets = new Map<string, { fetcher: JwtOptions["fetchJwks"]; set: RemoteJwks }>();

function remoteJwks(options: JwtOptions): RemoteJwks | null {
  const url = options.jwksUrl!;
  const cached = jwksSets.get(url);
  if (cached && cached.fetcher === options.fetchJwks) return cached.set;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const set = createRemoteJWKSet(parsed, {
    cacheMaxAge: JWKS_TTL_MS,
    cooldownDuration: JWKS_REFETCH_MIN_MS,
    timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
    [customFetch]: jwksFetch(options.fetchJwks),
  });
  jwksSets.set(url, { fetcher: options.fetchJwks, set });
  return set;
}

/** The JWKS as jose fetches it (its headers, timeout and `redirect: manual`), with every failure one error. */
function jwksFetch(standIn: JwtOptions["fetchJwks"]): (url: string, init: RequestInit) => Promise<Response> {
  return async (url, init) => {
    let answer: unknown;
    try {
      answer = standIn ? await standIn(url) : await fetchJson(url, init);
    } catch {
      throw new KeysUnavailable();
    }
    if (!isJwkSet(answer)) throw new KeysUnavailable();
    return Response.json(answer);
  };
}

async function fetchJson(url: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(url, init);
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`JWKS ${response.status}`);
  }
  return await response.json();
}

/** What jose accepts as a JWKS (jose 6.2.17 dist/webapi/lib/validate.js:14 `isJwkSet`): an object whose `keys` is an array of objects. */
function isJwkSet(value: unknown): boolean {
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  return isObject(value) && Array.isArray((value as { keys?: unknown }).keys) && ((value as { keys: unknown[] }).keys).every(isObject);
}

function isWeakRsa(key: CryptoKey | Uint8Array): boolean {
  if (key instanceof Uint8Array) return false;
  const modulusLength = (key.algorithm as { modulusLength?: number }).modulusLength;
  return modulusLength !== undefined && modulusLength < MIN_RSA_BITS;
}

/**
 * The key resolver handed to jose: the remote JWKS's key for the token, with its failures sorted. A JWKS that
 * cannot be refetched while the keys fetched before are still fresh (an unknown `kid` after the cooldown) is
 * `no-key`, as before: the keys in hand were usable, they just hold none for this token.
 */
function jwksKey(jwks: RemoteJwks) {
  return async (header: Parameters<RemoteJwks>[0], token: Parameters<RemoteJwks>[1]): Promise<CryptoKey> => {
    let key: CryptoKey;
    try {
      key = await jwks(header, token);
    } catch (error) {
      if (error instanceof KeysUnavailable) throw jwks.fresh ? new NoUsableKey() : error;
      if (error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      // No matching key, or one that does not import (wrong kty, bad material, a private key).
      throw new NoUsableKey();
    }
    if (isWeakRsa(key)) throw new NoUsableKey();
    return key;
  };
}
