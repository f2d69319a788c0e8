import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import vector from "../../../tests/vectors/relay-token.json";
import { base64UrlDecode, base64UrlEncode } from "../../src/base64url";
import { startCall } from "../../src/call";
import { clientIpOf, isIpAddress, MAX_SUB_BYTES, mintRelayTokenV2, RELAY_TOKEN_HEADER, usableSub } from "../../src/relayToken";
import { hs256, now } from "./support";

const hmac = async (key: string, payload: string) => {
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64UrlEncode(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(payload)));
};

describe("relay token v2", () => {
  it("reproduces the shared v2 test vector exactly (the relay's tests and the smoke test use it too)", async () => {
    const v = vector.v2;
    const token = await mintRelayTokenV2(vector.signingKey, v.exp, v.session, { sub: v.sub, clientIp: v.clientIp });
    expect(token).toBe(v.header);
    expect(token.startsWith(`${v.signedPayload}.`)).toBe(true);
  });

  it("carries the sub and IP base64url-encoded, so dots, bars and any Unicode are safe, and signs them", async () => {
    const token = await mintRelayTokenV2("k", 100, "s", { sub: "a.b|c é😀", clientIp: "203.0.113.7" });
    const [version, exp, session, sub, ip, sig, ...rest] = token.split(".");
    expect([version, exp, session, rest.length]).toEqual(["v2", "100", "s", 0]);
    expect(new TextDecoder().decode(base64UrlDecode(sub!))).toBe("a.b|c é😀");
    expect(new TextDecoder().decode(base64UrlDecode(ip!))).toBe("203.0.113.7");
    expect(sig).toBe(await hmac("k", token.slice(0, token.lastIndexOf("."))));
    const other = await mintRelayTokenV2("k", 100, "s", { sub: "a.b|c é😀", clientIp: "203.0.113.8" });
    expect(other.split(".")[5]).not.toBe(sig);
  });

  it("an absent client IP is an empty segment", async () => {
    expect(await mintRelayTokenV2("k", 1, "s", { sub: "u", clientIp: null })).toMatch(/^v2\.1\.s\.dQ\.\.[A-Za-z0-9_-]{43}$/);
  });

  it("refuses a sub outside 1-256 bytes, an IP that is not one, a bad session or key", async () => {
    await expect(mintRelayTokenV2("k", 1, "s", { sub: "", clientIp: null })).rejects.toThrow(/sub/);
    await expect(mintRelayTokenV2("k", 1, "s", { sub: "é".repeat(129), clientIp: null })).rejects.toThrow(/sub/);
    await expect(mintRelayTokenV2("k", 1, "s", { sub: "x".repeat(MAX_SUB_BYTES), clientIp: null })).resolves.toMatch(/^v2\./);
    await expect(mintRelayTokenV2("k", 1, "s", { sub: "u", clientIp: "1.2.3.4\r\nX-Evil: 1" })).rejects.toThrow(/clientIp/);
    await expect(mintRelayTokenV2("k", 1, "has space", { sub: "u", clientIp: null })).rejects.toThrow(/session/);
    await expect(mintRelayTokenV2("", 1, "s", { sub: "u", clientIp: null })).rejects.toThrow(/signing key is empty/);
  });

  it("usableSub takes a string claim of 1 to 256 UTF-8 bytes and nothing else", () => {
    expect(usableSub({ sub: "auth0|1" })).toBe("auth0|1");
    for (const sub of [undefined, null, 42, "", ["a"], { id: "a" }, "é".repeat(129)]) expect(usableSub({ sub })).toBeNull();
  });

  it("isIpAddress: the addresses CF-Connecting-IP carries, and nothing a header could misread", () => {
    for (const ip of ["1.2.3.4", "0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::7", "2001:DB8:0:0:8:800:200C:417A", "::ffff:192.0.2.1", "1:2:3:4:5:6:7::", "1:2:3:4:5:6::8", "1::", "64:ff9b::192.0.2.33"]) {
      expect(isIpAddress(ip), ip).toBe(true);
    }
    for (const ip of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "fe80::1%eth0", "[::1]", "1.2.3.4:80", "12345::", "1:2:3:4:5:6:7:8::", "g::1", " 1.2.3.4", "1.2.3.4\n"]) {
      expect(isIpAddress(ip), ip).toBe(false);
    }
  });

  it("clientIpOf reads CF-Connecting-IP, and only an address", () => {
    expect(clientIpOf(new Request("https://e.x", { headers: { "CF-Connecting-IP": "2001:db8::7" } }))).toBe("2001:db8::7");
    expect(clientIpOf(new Request("https://e.x", { headers: { "CF-Connecting-IP": "not-an-ip" } }))).toBeNull();
    expect(clientIpOf(new Request("https://e.x"))).toBeNull();
  });
});

describe("the Worker mints v2 for the verified user", () => {
  const relay = { url: new URL("http://127.0.0.1:9"), timeoutMs: 10_000 };
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it("the relay dial carries a v2 token with the user's sub and CF-Connecting-IP, HMAC-covered", async () => {
    let sent: string | null = null;
    globalThis.fetch = (async (_url: string, init?: RequestInit) => {
      sent = new Headers(init?.headers).get(RELAY_TOKEN_HEADER);
      return new Response("no", { status: 403 });
    }) as typeof fetch;
    const request = new Request("https://example.com/voice/ws", { headers: { "CF-Connecting-IP": "198.51.100.23" } });
    await startCall({ request, user: "user@example.com", relay, signingKey: "k" });
    const m = /^v2\.(\d+)\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{43})$/.exec(sent ?? "");
    expect(m, String(sent)).not.toBeNull();
    expect(new TextDecoder().decode(base64UrlDecode(m![3]!))).toBe("user@example.com");
    expect(new TextDecoder().decode(base64UrlDecode(m![4]!))).toBe("198.51.100.23");
    expect(m![5]).toBe(await hmac("k", sent!.slice(0, sent!.lastIndexOf("."))));
  });

  it("the relay's 429 (a user over MaxCallsPerUser) reaches the client as 429 with its Retry-After, other refusals as 502", async () => {
    let answer = new Response("too many calls for this user\n", { status: 429, headers: { "retry-after": "5" } });
    globalThis.fetch = (async () => answer) as typeof fetch;
    const call = () => startCall({ request: new Request("https://example.com/voice/ws"), user: "u", relay, signingKey: "k" });
    const busy = await call();
    expect([busy.status, busy.headers.get("retry-after")]).toEqual([429, "5"]);
    answer = new Response("x", { status: 429, headers: { "retry-after": "Wed, 21 Oct 2026 07:28:00 GMT" } });
    const odd = await call();
    expect([odd.status, odd.headers.get("retry-after")]).toEqual([429, null]);
    answer = new Response("no", { status: 403 });
    expect((await call()).status).toBe(502);
  });

  it("a verified token without a usable sub is refused 403 no-subject before any relay is dialed", async () => {
    let dials = 0;
    globalThis.fetch = (async () => {
      dials++;
      return new Response(null, { status: 418 });
    }) as typeof fetch;
    const handshake = { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13", Origin: "https://app.example.com" };
    for (const claims of [{ exp: now() + 60 }, { sub: "", exp: now() + 60 }, { sub: 7, exp: now() + 60 }, { sub: "x".repeat(257), exp: now() + 60 }]) {
      const token = await hs256(claims, "unit-test-jwt-secret");
      const response = await SELF.fetch(`https://example.com/voice/ws?token=${token}`, { headers: handshake });
      expect(response.status, JSON.stringify(claims)).toBe(403);
      expect(await response.text()).toContain("no-subject");
    }
    expect(dials).toBe(0);
  });
});
