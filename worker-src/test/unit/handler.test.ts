import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hs256, now } from "./support";

const url = "https://example.com/voice/ws";
const origin = "https://app.example.com";

describe("the Worker's refusals, before any upgrade", () => {
  it("426 for a request that is not a WebSocket upgrade", async () => {
    const response = await SELF.fetch(url, { headers: { Origin: origin } });
    expect(response.status).toBe(426);
  });

  it("compares the Upgrade header case-insensitively", async () => {
    const response = await SELF.fetch(url, { headers: { Upgrade: "WebSocket", Origin: origin } });
    expect(response.status).toBe(401);
  });

  it("403 for a wrong or missing origin", async () => {
    const token = await hs256({ exp: now() + 60 }, "unit-test-jwt-secret");
    expect((await SELF.fetch(`${url}?token=${token}`, { headers: { Upgrade: "websocket", Origin: "https://evil.example" } })).status).toBe(403);
    expect((await SELF.fetch(`${url}?token=${token}`, { headers: { Upgrade: "websocket" } })).status).toBe(403);
  });

  it("401 without a token, 403 with a bad one, and never echoes the token", async () => {
    expect((await SELF.fetch(url, { headers: { Upgrade: "websocket", Origin: origin } })).status).toBe(401);
    const bad = await hs256({ exp: now() + 60 }, "wrong-secret");
    const response = await SELF.fetch(url, { headers: { Upgrade: "websocket", Origin: origin, "Sec-WebSocket-Protocol": `voice-edge, bearer.${bad}` } });
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain(bad);
  });

  it("502 when the relay is unreachable, with a valid token", async () => {
    const token = await hs256({ exp: now() + 60 }, "unit-test-jwt-secret");
    const response = await SELF.fetch(`${url}?token=${token}`, { headers: { Upgrade: "websocket", Origin: origin } });
    expect([502, 504]).toContain(response.status);
  });

  it("404 outside the prefix; health reports the relay", async () => {
    expect((await SELF.fetch("https://example.com/other")).status).toBe(404);
    const health = await SELF.fetch("https://example.com/voice/health");
    const body = (await health.json()) as { version: string; relay: { ok: boolean } };
    expect(body.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(body.relay.ok).toBe(false);
    expect(health.status).toBe(503);
  });
});
