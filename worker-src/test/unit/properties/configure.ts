// Imported first by properties.test.ts. Property tests run with a fixed seed and few cases by default (CI); `npm run fuzz` sets FUZZ_RUNS (and no
// seed) through the bindings vitest.config.ts passes in, for a long random run.
import { env } from "cloudflare:test";
import fc from "fast-check";

const bindings = env as unknown as { FUZZ_RUNS?: string; FUZZ_SEED?: string };
const runs = Number.parseInt(bindings.FUZZ_RUNS ?? "", 10);
const seed = bindings.FUZZ_SEED === "random" ? undefined : Number.parseInt(bindings.FUZZ_SEED ?? "", 10);
fc.configureGlobal({
  numRuns: runs > 0 ? runs : 60,
  ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
});
