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
