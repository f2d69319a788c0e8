import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { JWT_REFUSAL_REASONS, verifyJwt, type JwtOptions } from "../../../src/jwt";
import { hs256, now } from "../support";
import { anyJson, jwtLike } from "./arbitraries";

const secret = "property-secret";

/** What a JWKS endpoint might answer: garbage of any shape, keys of the wrong type, or a failure. */
const jwksAnswer = fc.oneof(
  anyJson,
  fc.record({ keys: fc.oneof(anyJson, fc.array(fc.oneof(anyJson, fc.record({ kty: fc.constantFrom("RSA", "EC", "oct", "OKP"), kid: fc.oneof(fc.string({ maxLength: 4 }), anyJson), alg: fc.oneof(fc.constantFrom("RS256", "ES256"), anyJson), crv: fc.constantFrom("P-256", "P-384"), x: fc.string({ maxLength: 8 }), y: fc.string({ maxLength: 8 }), n: fc.string({ maxLength: 8 }), e: fc.constantFrom("AQAB", "") }, { requiredKeys: [] })), { maxLength: 3 })) }),
  fc.constant("throws" as const),
);

const options = fc.record({
  hs256Secret: fc.option(fc.constant(secret), { nil: undefined }),
  jwksUrl: fc.option(fc.constantFrom("https://idp.example/jwks-a", "https://idp.example/jwks-b"), { nil: undefined }),
  issuer: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
  audience: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
  jwks: jwksAnswer,
});

function withJwks(o: { hs256Secret?: string; jwksUrl?: string; issuer?: string; audience?: string; jwks: unknown }): JwtOptions {
  const { jwks, ...rest } = o;
  return {
    ...rest,
    fetchJwks: async () => {
      if (jwks === "throws") throw new Error("JWKS 500");
      return jwks as never;
    },
  };
}

describe("JWT verification on hostile input", () => {
  test.prop([jwtLike, options])("never throws; every refusal is one of the documented reasons", async (token, o) => {
    const result = await verifyJwt(token, withJwks(o));
    if (result.ok) {
      expect(typeof result.claims).toBe("object");
    } else {
      expect(JWT_REFUSAL_REASONS).toContain(result.reason);
    }
  });

  // The claims jose checks by type (exp, nbf, iat) or against options (iss, aud), and the header fields that
  // change how a token is read (alg, crit: RFC 7515 §4.1.11), are left to their own tests.
  test.prop([fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !["exp", "nbf", "iat", "iss", "aud", "__proto__"].includes(k)), anyJson, { maxKeys: 6 }), fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !["alg", "crit", "__proto__"].includes(k)), anyJson, { maxKeys: 4 })])(
    "a valid HS256 token passes whatever other claims and header fields it carries",
    async (extraClaims, extraHeader) => {
      const token = await hs256({ ...extraClaims, exp: now() + 60 }, secret, { ...extraHeader, alg: "HS256" });
      expect(await verifyJwt(token, { hs256Secret: secret })).toMatchObject({ ok: true });
    },
  );
});
