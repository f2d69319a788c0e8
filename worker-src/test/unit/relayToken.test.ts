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
