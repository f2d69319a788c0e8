import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

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
