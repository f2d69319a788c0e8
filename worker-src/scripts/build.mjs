// Bundles the Worker into dist/worker.js: one ES module, the file the infra program uploads (it computes the
// SHA-256 itself). Prints the hash for convenience.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

await build({
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "esm",
  target: "es2022",
  platform: "neutral",
  outfile: "dist/worker.js",
  legalComments: "none",
  logLevel: "warning",
});
const sha = createHash("sha256").update(readFileSync("dist/worker.js")).digest("hex");
console.error(`dist/worker.js sha256 ${sha}`);
