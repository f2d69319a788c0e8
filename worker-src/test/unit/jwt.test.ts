import { describe, expect, it } from "vitest";
import { base64UrlEncode } from "../../src/base64url";
import { verifyJwt } from "../../src/jwt";
import { hs256, now } from "./support";

const secret = "jwt-secret";

describe("JWT verification", () => {
  it("accepts a valid HS256 token and checks iss and aud", async () => {
    const token = await hs256({ sub: "u1", exp: now() + 60, iss: "idp", aud: ["voice"] }, secret);
    expect(await verifyJwt(token, { hs256Secret: secret, issuer: "idp", audience: "voice" })).toMatchObject({ ok: true });
    expect(await verifyJwt(token, { hs256Secret: secret, issuer: "other" })).toEqual({ ok: false, reason: "wrong-issuer" });
    expect(await verifyJwt(token, { hs256Secret: secret, audience: "other" })).toEqual({ ok: false, reason: "wrong-audience" });
  });

  it("refuses expired tokens beyond the clock skew, and tokens not yet valid", async () => {
    expect(await verifyJwt(await hs256({ exp: now() - 10 }, secret), { hs256Secret: secret })).toMatchObject({ ok: true });
    expect(await verifyJwt(await hs256({ exp: now() - 120 }, secret), { hs256Secret: secret })).toEqual({ ok: false, reason: "expired" });
    expect(await verifyJwt(await hs256({ sub: "no-exp" }, secret), { hs256Secret: secret })).toEqual({ ok: false, reason: "expired" });
    expect(await verifyJwt(await hs256({ exp: now() + 600, nbf: now() + 300 }, secret), { hs256Secret: secret })).toEqual({ ok: false, reason: "not-yet-valid" });
  });

  it("refuses a wrong secret, a tampered payload, alg none and garbage", async () => {
    const token = await hs256({ exp: now() + 60, sub: "alice" }, secret);
    expect(await verifyJwt(token, { hs256Secret: "other" })).toEqual({ ok: false, reason: "bad-signature" });
    const [h, , s] = token.split(".");
    const forged = `${h}.${base64UrlEncode(new TextEncoder().encode(JSON.stringify({ exp: now() + 60, sub: "mallory" })))}.${s}`;
    expect(await verifyJwt(forged, { hs256Secret: secret })).toEqual({ ok: false, reason: "bad-signature" });
    const none = await hs256({ exp: now() + 60 }, secret, { alg: "none" });
    expect(await verifyJwt(none, { hs256Secret: secret })).toEqual({ ok: false, reason: "unsupported-alg" });
    expect(await verifyJwt("not-a-jwt", { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyJwt("a.b.c", { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
  });

  it("verifies ES256 tokens with a key from the JWKS, cached", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const enc = (o: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(o)));
    const input = `${enc({ alg: "ES256", kid: "k1" })}.${enc({ exp: now() + 60 })}`;
    const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new TextEncoder().encode(input));
    const token = `${input}.${base64UrlEncode(sig)}`;
    let fetches = 0;
    const fetchJwks = async () => {
      fetches++;
      return { keys: [{ ...jwk, kid: "k1", alg: "ES256" }] };
    };
    const options = { jwksUrl: "https://idp.example.com/jwks-es", fetchJwks };
    expect(await verifyJwt(token, options)).toMatchObject({ ok: true });
    expect(await verifyJwt(token, options)).toMatchObject({ ok: true });
    expect(fetches).toBe(1);
  });
});

const enc = (o: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(o)));

/** A key pair for ES256 or RS256 (RSASSA-PKCS1-v1_5 with the given modulus) and its public JWK. */
async function keyPair(alg: "ES256" | "RS256", modulusLength = 2048): Promise<{ privateKey: CryptoKey; jwk: JsonWebKey }> {
  const params = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, jwk: (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey };
}

async function signWith(privateKey: CryptoKey, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const input = `${enc(header)}.${enc(claims)}`;
  const algorithm = header.alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : "RSASSA-PKCS1-v1_5";
  return `${input}.${base64UrlEncode(await crypto.subtle.sign(algorithm, privateKey, new TextEncoder().encode(input)))}`;
}

describe("JWT verification with jose: the JWKS and the checks jose adds", () => {
  it("verifies RS256 with a 2048-bit JWKS key; a 1024-bit RSA key is no-key (jose's minimum, RFC 7518 §3.3)", async () => {
    const strong = await keyPair("RS256", 2048);
    const token = await signWith(strong.privateKey, { alg: "RS256", kid: "r1" }, { sub: "u", exp: now() + 60 });
    const jwks = { keys: [{ ...strong.jwk, kid: "r1" }] };
    expect(await verifyJwt(token, { jwksUrl: "https://idp.example.com/jwks-rsa", fetchJwks: async () => jwks })).toMatchObject({ ok: true });
    const weak = await keyPair("RS256", 1024);
    const weakToken = await signWith(weak.privateKey, { alg: "RS256", kid: "r1" }, { sub: "u", exp: now() + 60 });
    const weakJwks = { keys: [{ ...weak.jwk, kid: "r1" }] };
    expect(await verifyJwt(weakToken, { jwksUrl: "https://idp.example.com/jwks-rsa-weak", fetchJwks: async () => weakJwks })).toEqual({ ok: false, reason: "no-key" });
  });

  it("tries every JWKS key that fits a token without kid, so a key rotation with two keys verifies either", async () => {
    const [old, current] = [await keyPair("ES256"), await keyPair("ES256")];
    const jwks = { keys: [old.jwk, current.jwk] };
    const options = { jwksUrl: "https://idp.example.com/jwks-two", fetchJwks: async () => jwks };
    expect(await verifyJwt(await signWith(current.privateKey, { alg: "ES256" }, { sub: "u", exp: now() + 60 }), options)).toMatchObject({ ok: true });
    expect(await verifyJwt(await signWith(old.privateKey, { alg: "ES256" }, { sub: "u", exp: now() + 60 }), options)).toMatchObject({ ok: true });
    const stranger = await keyPair("ES256");
    expect(await verifyJwt(await signWith(stranger.privateKey, { alg: "ES256" }, { sub: "u", exp: now() + 60 }), options)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("uses no JWKS key marked for encryption (use: enc) or without verify in key_ops", async () => {
    const pair = await keyPair("ES256");
    const token = await signWith(pair.privateKey, { alg: "ES256" }, { sub: "u", exp: now() + 60 });
    expect(await verifyJwt(token, { jwksUrl: "https://idp.example.com/jwks-enc", fetchJwks: async () => ({ keys: [{ ...pair.jwk, use: "enc" }] }) })).toEqual({ ok: false, reason: "no-key" });
    expect(await verifyJwt(token, { jwksUrl: "https://idp.example.com/jwks-ops", fetchJwks: async () => ({ keys: [{ ...pair.jwk, key_ops: ["encrypt"] }] }) })).toEqual({ ok: false, reason: "no-key" });
  });

  it("an unknown kid does not refetch the JWKS within the cooldown (random kids cannot make every request a fetch)", async () => {
    const pair = await keyPair("ES256");
    let fetches = 0;
    const options = { jwksUrl: "https://idp.example.com/jwks-cooldown", fetchJwks: async () => (fetches++, { keys: [{ ...pair.jwk, kid: "k1" }] }) };
    expect(await verifyJwt(await signWith(pair.privateKey, { alg: "ES256", kid: "k1" }, { sub: "u", exp: now() + 60 }), options)).toMatchObject({ ok: true });
    for (const kid of ["x1", "x2", "x3"]) {
      expect(await verifyJwt(await signWith(pair.privateKey, { alg: "ES256", kid }, { sub: "u", exp: now() + 60 }), options)).toEqual({ ok: false, reason: "no-key" });
    }
    expect(fetches).toBe(1);
  });

  it("algorithm allow-list: HS256 without AUTH_JWT_SECRET, and RS256/ES256 without AUTH_JWKS_URL, are unsupported-alg", async () => {
    const hs = await hs256({ sub: "u", exp: now() + 60 }, secret);
    expect(await verifyJwt(hs, { jwksUrl: "https://idp.example.com/jwks-none", fetchJwks: async () => ({ keys: [] }) })).toEqual({ ok: false, reason: "unsupported-alg" });
    const pair = await keyPair("ES256");
    expect(await verifyJwt(await signWith(pair.privateKey, { alg: "ES256" }, { exp: now() + 60 }), { hs256Secret: secret })).toEqual({ ok: false, reason: "unsupported-alg" });
    for (const alg of ["HS384", "RS512", "PS256", "EdDSA", "", 7]) {
      expect(await verifyJwt(await hs256({ exp: now() + 60 }, secret, { alg }), { hs256Secret: secret, jwksUrl: "https://idp.example.com/jwks-none" })).toEqual({ ok: false, reason: "unsupported-alg" });
    }
    expect(await verifyJwt(await hs256({ exp: now() + 60 }, secret, { typ: "JWT" }), { hs256Secret: secret })).toEqual({ ok: false, reason: "unsupported-alg" });
  });

  it("a crit header naming an extension nobody implements is refused as malformed (RFC 7515 §4.1.11)", async () => {
    const token = await hs256({ sub: "u", exp: now() + 60, "urn:x": 1 }, secret, { alg: "HS256", crit: ["urn:x"], "urn:x": 1 });
    expect(await verifyJwt(token, { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
  });

  it("exp is expired from exactly 30 s after it (RFC 7519 §4.1.4: on or after), nbf valid up to 30 s early", async () => {
    const t = 1_800_000_000;
    expect(await verifyJwt(await hs256({ exp: t - 29 }, secret), { hs256Secret: secret, now: t })).toMatchObject({ ok: true });
    expect(await verifyJwt(await hs256({ exp: t - 30 }, secret), { hs256Secret: secret, now: t })).toEqual({ ok: false, reason: "expired" });
    expect(await verifyJwt(await hs256({ exp: t + 60, nbf: t + 30 }, secret), { hs256Secret: secret, now: t })).toMatchObject({ ok: true });
    expect(await verifyJwt(await hs256({ exp: t + 60, nbf: t + 31 }, secret), { hs256Secret: secret, now: t })).toEqual({ ok: false, reason: "not-yet-valid" });
  });

  it("exp, nbf or iat of the wrong type: exp is expired as before, nbf and iat malformed", async () => {
    expect(await verifyJwt(await hs256({ exp: "soon" }, secret), { hs256Secret: secret })).toEqual({ ok: false, reason: "expired" });
    expect(await verifyJwt(await hs256({ exp: now() + 60, nbf: "now" }, secret), { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyJwt(await hs256({ exp: now() + 60, iat: "now" }, secret), { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("JWT verification: inputs the property tests found", () => {
  it('header segment "bnVsbA" (the JSON null) is malformed instead of a TypeError', async () => {
    expect(await verifyJwt("bnVsbA.e30.", { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
  });

  it("header and claims that are JSON arrays, numbers or strings are malformed", async () => {
    const enc = (o: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(o)));
    for (const shape of [[], [{ alg: "HS256" }], 1, "HS256", true]) {
      expect(await verifyJwt(`${enc(shape)}.${enc({ exp: now() + 60 })}.`, { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
      expect(await verifyJwt(`${enc({ alg: "HS256" })}.${enc(shape)}.`, { hs256Secret: secret })).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("a JWKS that fails, or answers something that is not a JWKS, gives keys-unavailable instead of throwing", async () => {
    const enc = (o: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(o)));
    const token = `${enc({ alg: "RS256", kid: "k" })}.${enc({ exp: now() + 60 })}.AAAA`;
    const failing = { jwksUrl: "https://idp.example.com/jwks-down", fetchJwks: async () => { throw new Error("JWKS 500"); } };
    expect(await verifyJwt(token, failing)).toEqual({ ok: false, reason: "keys-unavailable" });
    const notJwks = { jwksUrl: "https://idp.example.com/jwks-null", fetchJwks: async () => ({ keys: null }) };
    expect(await verifyJwt(token, notJwks)).toEqual({ ok: false, reason: "keys-unavailable" });
  });

  it('an RS256 token against a JWKS key of kty "oct" or "EC" is no-key instead of an importKey error', async () => {
    const enc = (o: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(o)));
    const token = `${enc({ alg: "RS256" })}.${enc({ exp: now() + 60 })}.AAAA`;
    const options = { jwksUrl: "https://idp.example.com/jwks-oct", fetchJwks: async () => ({ keys: [{ kty: "oct", k: "AAAA" }] }) };
    expect(await verifyJwt(token, options)).toEqual({ ok: false, reason: "no-key" });
  });

  it("a kid that is not a string (a number, an object) is malformed", async () => {
    const enc = (o: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(o)));
    const token = `${enc({ alg: "ES256", kid: { x: 1 } })}.${enc({ exp: now() + 60 })}.AAAA`;
    expect(await verifyJwt(token, { jwksUrl: "https://idp.example.com/jwks-kid", fetchJwks: async () => ({ keys: [] }) })).toEqual({ ok: false, reason: "malformed" });
  });
});
