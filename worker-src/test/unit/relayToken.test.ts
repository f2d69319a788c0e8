import { describe, expect, it } from "vitest";
import vector from "../../../tests/vectors/relay-token.json";
import { mintRelayToken } from "../../src/relayToken";

describe("relay token", () => {
  it("reproduces the shared test vector exactly (the relay's tests use it too)", async () => {
    expect(await mintRelayToken(vector.signingKey, vector.exp, vector.session)).toBe(vector.header);
  });

  it("changes with the key, the expiry and the session", async () => {
    const base = await mintRelayToken("k", 100, "s");
    expect(await mintRelayToken("k2", 100, "s")).not.toBe(base);
    expect(await mintRelayToken("k", 101, "s")).not.toBe(base);
    expect(await mintRelayToken("k", 100, "t")).not.toBe(base);
    expect(base).toMatch(/^v1\.100\.s\.[A-Za-z0-9_-]{43}$/);
  });

  it("refuses session ids outside the contract", async () => {
    await expect(mintRelayToken("k", 1, "has space")).rejects.toThrow();
    await expect(mintRelayToken("k", 1, "x".repeat(65))).rejects.toThrow();
  });
});

describe("relay token: inputs the property tests found", () => {
  it('signing key "" is refused with a message naming it (WebCrypto cannot import an empty HMAC key)', async () => {
    await expect(mintRelayToken("", 1, "s")).rejects.toThrow(/signing key is empty/);
  });

  it('and the Worker answers 503 "not configured" instead of throwing when RELAY_SIGNING_KEY is ""', async () => {
    const { default: worker } = await import("../../src/index");
    const { hs256, now } = await import("./support");
    const { createExecutionContext } = await import("cloudflare:test");
    const token = await hs256({ sub: "u", exp: now() + 60 }, "s");
    const request = new Request(`https://example.com/voice/ws?token=${token}`, {
      headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13" },
    });
    const response = await worker.fetch(request, { RELAY_URL: "http://127.0.0.1:9", RELAY_SIGNING_KEY: "", AUTH_JWT_SECRET: "s" }, createExecutionContext());
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("RELAY_SIGNING_KEY");
  });
});
