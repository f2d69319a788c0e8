import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hs256, now } from "./support";

const url = "https://example.com/voice/ws";
const origin = "https://app.example.com";
/** The rest of a browser's opening handshake (RFC 6455 §4.1). */
const handshake = { Connection: "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13" };

describe("the Worker's refusals, before any upgrade", () => {
  it("426 for a request that is not a WebSocket upgrade", async () => {
    const response = await SELF.fetch(url, { headers: { Origin: origin } });
    expect(response.status).toBe(426);
  });

  it("compares the Upgrade header case-insensitively", async () => {
    const response = await SELF.fetch(url, { headers: { ...handshake, Upgrade: "WebSocket", Origin: origin } });
    expect(response.status).toBe(401);
  });

  it("403 for a wrong or missing origin", async () => {
    const token = await hs256({ sub: "u", exp: now() + 60 }, "unit-test-jwt-secret");
    expect((await SELF.fetch(`${url}?token=${token}`, { headers: { ...handshake, Upgrade: "websocket", Origin: "https://evil.example" } })).status).toBe(403);
    expect((await SELF.fetch(`${url}?token=${token}`, { headers: { ...handshake, Upgrade: "websocket" } })).status).toBe(403);
  });

  it("401 without a token, 403 with a bad one, and never echoes the token", async () => {
    expect((await SELF.fetch(url, { headers: { ...handshake, Upgrade: "websocket", Origin: origin } })).status).toBe(401);
    const bad = await hs256({ exp: now() + 60 }, "wrong-secret");
    const response = await SELF.fetch(url, { headers: { ...handshake, Upgrade: "websocket", Origin: origin, "Sec-WebSocket-Protocol": `voice-edge, bearer.${bad}` } });
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain(bad);
  });

  it("502 when the relay is unreachable, with a valid token", async () => {
    const token = await hs256({ sub: "u", exp: now() + 60 }, "unit-test-jwt-secret");
    const response = await SELF.fetch(`${url}?token=${token}`, { headers: { ...handshake, Upgrade: "websocket", Origin: origin } });
    expect(response.status).toBe(502); // a refused connection is 502 at once; 504 is only for a relay that does not answer
    expect(await response.text()).toContain("relay unreachable");
  });

  it("404 outside the prefix; health reports the relay", async () => {
    expect((await SELF.fetch("https://example.com/other")).status).toBe(404);
    const health = await SELF.fetch("https://example.com/voice/health");
    const body = (await health.json()) as { version: string; relay: { ok: boolean } };
    expect(body.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(body.relay.ok).toBe(false);
    expect(health.status).toBe(503);
  });

  it("refuses a broken handshake before any relay is dialed: Connection, Sec-WebSocket-Version, Sec-WebSocket-Key, method", async () => {
    const token = await hs256({ sub: "u", exp: now() + 60 }, "unit-test-jwt-secret");
    const base = { ...handshake, Upgrade: "websocket", Origin: origin };
    const status = async (headers: Record<string, string>) => (await SELF.fetch(`${url}?token=${token}`, { headers })).status;
    expect(await status({ ...base, Connection: "close" })).toBe(400);
    expect(await status({ ...base, Connection: "keep-alive, Upgrade" })).not.toBe(400);
    expect(await status({ ...base, Connection: "Keep-Alive" })).not.toBe(400); // what Cloudflare's edge passes on
    const version = await SELF.fetch(`${url}?token=${token}`, { headers: { ...base, "Sec-WebSocket-Version": "8" } });
    expect(version.status).toBe(426);
    expect(version.headers.get("Sec-WebSocket-Version")).toBe("13");
    expect(await status({ ...base, "Sec-WebSocket-Key": "short" })).toBe(400);
    // Absent hop-by-hop headers are not a broken client: the edge may drop them after accepting the upgrade.
    const { handshakeProblem: problem } = await import("../../src/handshake");
    const stripped = new Request(url, { headers: { Upgrade: "websocket", Origin: origin } });
    expect(problem(stripped)).toBeNull();
    const { handshakeProblem } = await import("../../src/handshake");
    expect(handshakeProblem(new Request(url, { method: "POST", headers: base }))?.status).toBe(400);
  });

  it("503 with a reason when the JWKS cannot be fetched (the client's token may be fine)", async () => {
    const { refuse } = await import("../../src/handler");
    const { settings } = await import("../../src/env");
    const env = { RELAY_URL: "http://127.0.0.1:9", RELAY_SIGNING_KEY: "k", AUTH_JWKS_URL: "http://127.0.0.1:9/jwks" };
    const rs256 = `${btoa(JSON.stringify({ alg: "RS256", kid: "k1" })).replace(/=+$/, "")}.${btoa(JSON.stringify({ exp: now() + 60 })).replace(/=+$/, "")}.AAAA`;
    const request = new Request(`${url}?token=${rs256}`, { headers: { ...handshake, Upgrade: "websocket" } });
    const response = await refuse(request, env, settings(env));
    expect(response?.status).toBe(503);
    expect(await response?.text()).toContain("token keys unavailable");
  });
});
