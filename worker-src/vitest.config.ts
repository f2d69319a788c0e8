import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Unit tests run inside workerd, with the bindings of wrangler.jsonc plus test secrets.
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
        },
      },
    }),
  ],
  test: { include: ["test/unit/**/*.test.ts"] },
});
