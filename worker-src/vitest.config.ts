import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

/**
 * The `RELAYS` binding exactly as the infra program renders it for its two-relay fixture (the reviewed golden), so a
 * unit test holds the Worker's reader to what the infra program writes.
 */
function infraFleetRelays(): string {
  const golden = readFileSync(new URL("../tests/VoiceEdge.Infra.Tests/Goldens/fleet.yaml", import.meta.url), "utf8");
  const match = /- name: RELAYS\n\s+type: plain_text\n\s+text: ("(?:[^"\\]|\\.)*")/.exec(golden);
  if (!match) throw new Error("tests/VoiceEdge.Infra.Tests/Goldens/fleet.yaml has no RELAYS binding");
  return JSON.parse(match[1]) as string; // a double-quoted YAML scalar that uses only JSON's escapes
}

// Unit tests run inside workerd, with the bindings of wrangler.jsonc plus test secrets. Property tests use a
// fixed seed (FUZZ_SEED, default 20261130) and FUZZ_RUNS cases per property (default 60); `npm run fuzz`
// sets FUZZ_SEED=random and FUZZ_RUNS=10000.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          RELAY_SIGNING_KEY: "unit-test-signing-key",
          AUTH_JWT_SECRET: "unit-test-jwt-secret",
          ALLOWED_ORIGINS: "https://app.example.com",
          RELAY_URL: "http://127.0.0.1:9",
          RELAY_TIMEOUT_MS: "2000",
          INFRA_FLEET_RELAYS: infraFleetRelays(),
          FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
          FUZZ_SEED: process.env.FUZZ_SEED ?? "20261130",
        },
      },
    }),
  ],
  test: {
    include: ["test/unit/**/*.test.ts"],
    // A fuzz run's properties take minutes each; the default 5 s stays for everything else.
    testTimeout: process.env.FUZZ_RUNS ? 3_600_000 : 5_000,
  },
});
