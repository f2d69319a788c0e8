// Shared fast-check arbitraries for hostile client input: header values a real HTTP stack would deliver,
// token-ish strings, cookies, query strings and JSON of any shape.
import fc from "fast-check";
import { base64UrlEncode } from "../../../src/base64url";

const visibleAscii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const punctuation = fc.constantFrom(".", "%", "=", ";", ",", " ", "\t", '"', "\\", "-", "_", "+", "/", "&", "?", "#");
const b64Char = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

/**
 * A header value as a client can send it: visible ASCII, tabs, spaces; no CR, LF or NUL. (Bytes above 0x7f are
 * left out: a test-side Request re-encodes them as UTF-8 with a warning, so they would not reach the Worker as sent.)
 */
export const headerValue = fc.string({ unit: fc.oneof({ weight: 6, arbitrary: visibleAscii }, { weight: 2, arbitrary: punctuation }), maxLength: 80 });

/** Strings that look a little like tokens: base64url runs broken by separators and percent signs. */
export const tokenish = fc.string({ unit: fc.oneof({ weight: 8, arbitrary: b64Char }, { weight: 2, arbitrary: punctuation }, { weight: 1, arbitrary: visibleAscii }), maxLength: 120 });

/** JSON of any shape: null, booleans, numbers, strings, arrays, deep nesting. */
export const anyJson = fc.jsonValue({ maxDepth: 6 });

/** A base64url segment of some JSON text, of arbitrary text, or raw junk. */
export const segment = fc.oneof(
  anyJson.map((v) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(v) ?? "null"))),
  fc.string({ maxLength: 40 }).map((s) => base64UrlEncode(new TextEncoder().encode(s))),
  fc.uint8Array({ maxLength: 64 }).map((b) => base64UrlEncode(b)),
  tokenish,
);

/** Header objects as a JWS header might carry them, with plausible and implausible alg and kid values. */
export const jwsHeader = fc.oneof(
  anyJson,
  fc.record(
    { alg: fc.oneof(fc.constantFrom("HS256", "RS256", "ES256", "none", "HS512", ""), anyJson), kid: fc.oneof(fc.string({ maxLength: 8 }), anyJson), typ: anyJson },
    { requiredKeys: [] },
  ),
);

/** JWT-shaped strings: 0 to 5 segments of any of the above, HS256/RS256/ES256 headers included. */
export const jwtLike = fc.oneof(
  fc.array(segment, { maxLength: 5 }).map((parts) => parts.join(".")),
  fc.tuple(jwsHeader, anyJson, segment).map(([h, c, s]) => `${encodeJson(h)}.${encodeJson(c)}.${s}`),
  tokenish,
);

export function encodeJson(value: unknown): string {
  return base64UrlEncode(new TextEncoder().encode(JSON.stringify(value) ?? "null"));
}

/** Cookie names that never collide with the Worker's own cookie. */
export const noiseName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/).filter((n) => n !== "ve_token" && n !== "token");

/** A Cookie header: pieces with and without `=`, the Worker's cookie among them sometimes, with junk values. */
export const cookieHeader = fc
  .tuple(
    fc.array(fc.oneof(fc.tuple(fc.oneof(noiseName, fc.constant("ve_token"), headerValue), headerValue).map(([n, v]) => `${n}=${v}`), headerValue), { maxLength: 6 }),
    fc.constantFrom(";", "; ", " ;"),
  )
  .map(([pieces, separator]) => pieces.join(separator));

/** A raw query string (no leading `?`), stray percent signs and all; never a `#`, which no request line carries. */
export const rawQuery = fc
  .array(fc.oneof(fc.tuple(fc.oneof(noiseName, fc.constant("token")), tokenish).map(([n, v]) => `${n}=${v}`), tokenish), { maxLength: 5 })
  .map((p) => p.join("&").replace(/#/g, "%23"));

/** Sec-WebSocket-Protocol values: comma lists with empty entries, bearer entries and junk. */
export const protocolHeader = fc.array(fc.oneof(fc.constant("voice-edge"), tokenish.map((t) => `bearer.${t}`), headerValue), { maxLength: 5 }).map((p) => p.join(","));
