import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { base64UrlDecode, base64UrlEncode } from "../../../src/base64url";
import { relayCallUrl, relayRequestHeaders } from "../../../src/proxy";
import { isIpAddress, MAX_SUB_BYTES, mintRelayToken, mintRelayTokenV2, RELAY_TOKEN_HEADER } from "../../../src/relayToken";
import { protocolHeader, rawQuery } from "./arbitraries";

const relayUrl = new URL("https://ws.example.com");

describe("what the client feeds into the relay request", () => {
  test.prop([rawQuery, fc.option(protocolHeader, { nil: undefined })])(
    "the relay URL and headers never throw, never carry the user's token, and keep the relay's origin and path",
    async (query, protocols) => {
      const request = new Request(`https://example.com/voice/ws?${query}`, { headers: protocols === undefined ? {} : { "Sec-WebSocket-Protocol": protocols } });
      const target = relayCallUrl(relayUrl, new URL(request.url));
      expect(target.origin).toBe(relayUrl.origin);
      expect(target.pathname).toBe("/api/chat");
      expect(target.searchParams.has("token")).toBe(false);
      const clientParams = [...new URL(request.url).searchParams].filter(([n]) => n !== "token");
      expect([...target.searchParams]).toEqual(clientParams);
      const { headers, protocols: forwarded } = relayRequestHeaders(request, "v1.1.s.sig");
      expect(headers.get(RELAY_TOKEN_HEADER)).toBe("v1.1.s.sig");
      expect(forwarded.some((p) => p.startsWith("bearer."))).toBe(false);
      expect(headers.get("Sec-WebSocket-Protocol") ?? "").not.toMatch(/(^|,\s*)bearer\./);
    },
  );

  test.prop([fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)])(
    "the relay token has the contract's shape and its HMAC for any non-empty key, expiry and session in the contract",
    async (key, exp, session) => {
      const token = await mintRelayToken(key, exp, session);
      const m = /^v1\.(\d+)\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
      expect(m?.[1]).toBe(String(exp));
      expect(m?.[2]).toBe(session);
      const hmac = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      expect(m?.[3]).toBe(base64UrlEncode(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`v1.${exp}.${session}`))));
    },
  );

  const sub = fc.string({ unit: "grapheme", minLength: 1, maxLength: 64 }).filter((s) => new TextEncoder().encode(s).byteLength <= MAX_SUB_BYTES);
  const ip = fc.option(fc.oneof(fc.ipV4(), fc.ipV6()), { nil: null });

  test.prop([fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), sub, ip])(
    "a v2 token has six parts, its sub and IP decode back exactly, and its signature is the HMAC of all before it",
    async (key, exp, session, user, clientIp) => {
      const token = await mintRelayTokenV2(key, exp, session, { sub: user, clientIp });
      const m = /^v2\.(0|[1-9]\d*)\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{2,342})\.([A-Za-z0-9_-]{0,60})\.([A-Za-z0-9_-]{43})$/.exec(token);
      expect(m?.[1]).toBe(String(exp));
      expect(new TextDecoder("utf-8", { fatal: true }).decode(base64UrlDecode(m![3]!))).toBe(user);
      expect(m![4] === "" ? null : new TextDecoder().decode(base64UrlDecode(m![4]!))).toBe(clientIp);
      const hmac = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      expect(m![5]).toBe(base64UrlEncode(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(token.slice(0, token.lastIndexOf("."))))));
    },
  );

  test.prop([fc.oneof(fc.ipV4(), fc.ipV6())])("every IPv4 and IPv6 address fast-check writes is an address to isIpAddress", (address) => {
    expect(isIpAddress(address)).toBe(true);
  });

  test.prop([fc.ipV4Extended().filter((a) => !/^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/.test(a))])(
    "the inet_aton spellings (octal, hex, fewer parts) are refused: CF-Connecting-IP never writes them and a backend could read them apart",
    (address) => {
      expect(isIpAddress(address)).toBe(false);
    },
  );
});
