import { describe, expect, it } from "vitest";
import { findUserToken, forwardableProtocols } from "../../src/userToken";

const url = "https://example.com/voice/ws";

describe("user token carriers", () => {
  it("reads a bearer.<jwt> subprotocol entry first and never forwards it", () => {
    const request = new Request(`${url}?token=from-query`, { headers: { "Sec-WebSocket-Protocol": "voice-edge, bearer.aaa.bbb.ccc", Cookie: "ve_token=from-cookie" } });
    expect(findUserToken(request)).toEqual({ token: "aaa.bbb.ccc", source: "protocol" });
    expect(forwardableProtocols(request)).toEqual(["voice-edge"]);
  });

  it("falls back to the token query parameter", () => {
    expect(findUserToken(new Request(`${url}?lang=en&token=q.t.x`))).toEqual({ token: "q.t.x", source: "query" });
  });

  it("falls back to the ve_token cookie", () => {
    const request = new Request(url, { headers: { Cookie: "other=1; ve_token=c.t.x; more=2" } });
    expect(findUserToken(request)).toEqual({ token: "c.t.x", source: "cookie" });
  });

  it("finds nothing when no carrier has a token", () => {
    expect(findUserToken(new Request(url, { headers: { Cookie: "other=1" } }))).toBeNull();
  });
});

describe("user token carriers: inputs the property tests found", () => {
  it('cookie "ve_token=%" (a malformed percent escape) is read as it came instead of throwing URIError', () => {
    expect(findUserToken(new Request(url, { headers: { Cookie: "ve_token=%" } }))).toEqual({ token: "%", source: "cookie" });
  });

  it('cookie "ve_token=" and subprotocol "bearer." (empty values) count as no token', () => {
    expect(findUserToken(new Request(url, { headers: { Cookie: "ve_token=", "Sec-WebSocket-Protocol": "voice-edge, bearer." } }))).toBeNull();
  });
});
