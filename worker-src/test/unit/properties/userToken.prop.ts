import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { BEARER_PROTOCOL_PREFIX, findUserToken, forwardableProtocols, TOKEN_QUERY_PARAM } from "../../../src/userToken";
import { cookieHeader, headerValue, noiseName, protocolHeader, rawQuery, tokenish } from "./arbitraries";

const base = "https://example.com/voice/ws";

function request(query: string, headers: Record<string, string>): Request {
  return new Request(`${base}?${query}`, { headers });
}

describe("user-token carriers on hostile input", () => {
  test.prop([rawQuery, fc.option(protocolHeader, { nil: undefined }), fc.option(cookieHeader, { nil: undefined }), fc.option(headerValue, { nil: undefined })])(
    "never throw, and whatever they find is a string from one of the three carriers",
    (query, protocols, cookie, authorization) => {
      const headers: Record<string, string> = {};
      if (protocols !== undefined) headers["Sec-WebSocket-Protocol"] = protocols;
      if (cookie !== undefined) headers.Cookie = cookie;
      if (authorization !== undefined) headers.Authorization = authorization;
      const req = request(query, headers);
      const found = findUserToken(req);
      if (found !== null) {
        expect(typeof found.token).toBe("string");
        expect(["protocol", "query", "cookie"]).toContain(found.source);
      }
      expect(forwardableProtocols(req).some((p) => p.startsWith(BEARER_PROTOCOL_PREFIX))).toBe(false);
    },
  );

  test.prop([fc.constantFrom("protocol", "query", "cookie"), tokenish.filter((t) => /^[A-Za-z0-9_.-]+$/.test(t)), rawQuery.map((q) => q.replace(/(^|&)token=[^&]*/g, "")), fc.array(fc.tuple(noiseName, headerValue), { maxLength: 4 }), fc.array(tokenish.filter((t) => !t.startsWith(BEARER_PROTOCOL_PREFIX) && !t.includes(",")), { maxLength: 3 })])(
    "find the offered token in its carrier whatever noise the other headers and parameters carry",
    (source, token, noiseQuery, noiseCookies, noiseProtocols) => {
      const cookies = noiseCookies.map(([n, v]) => `${n}=${v.replace(/;/g, "")}`);
      const protocols = ["voice-edge", ...noiseProtocols];
      let query = noiseQuery;
      if (source === "protocol") protocols.push(`${BEARER_PROTOCOL_PREFIX}${token}`);
      if (source === "query") query = `${query}&${TOKEN_QUERY_PARAM}=${token}`;
      if (source === "cookie") cookies.splice(cookies.length >> 1, 0, `ve_token=${token}`);
      const found = findUserToken(request(query, { "Sec-WebSocket-Protocol": protocols.join(", "), Cookie: cookies.join("; ") }));
      expect(found).toEqual({ token, source });
    },
  );
});
