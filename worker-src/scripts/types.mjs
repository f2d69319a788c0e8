// Generates worker-configuration.d.ts (the Worker's `Env`) with `wrangler types` from wrangler.jsonc (the vars)
// and .dev.vars.example (the secrets' names), or with --check fails when the committed file differs from what
// `wrangler types` generates now. Offline: wrangler reads only these files.
//
// wrangler runs in a scratch folder holding just those two files and a link to src/, so the output is the
// same on every machine: a developer's own .dev.vars or .env is never read, and the file's header (the command
// line) and its import of src/index are what they are in the repository. wrangler's own `types --check`
// compares only a hash of the config and ignores --env-file, so the whole text is compared here instead.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const workerDir = fileURLToPath(new URL("..", import.meta.url));
const FILE = "worker-configuration.d.ts";
const ARGS = ["types", FILE, "--include-runtime=false", "--strict-vars=false", "--env-file", ".dev.vars.example"];

export function generate() {
  const scratch = mkdtempSync(path.join(tmpdir(), "voice-edge-worker-types-"));
  try {
    for (const f of ["wrangler.jsonc", ".dev.vars.example"]) copyFileSync(path.join(workerDir, f), path.join(scratch, f));
    symlinkSync(path.join(workerDir, "src"), path.join(scratch, "src"), "dir");
    const r = spawnSync(path.join(workerDir, "node_modules", ".bin", "wrangler"), ARGS, {
      cwd: scratch,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", WRANGLER_LOG_PATH: scratch },
    });
    if (r.status !== 0) throw new Error(`wrangler ${ARGS.join(" ")} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    return readFileSync(path.join(scratch, FILE), "utf8");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const generated = generate();
  const target = path.join(workerDir, FILE);
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(target, "utf8");
    } catch {}
    if (committed !== generated) {
      console.error(`${FILE} differs from what \`wrangler ${ARGS.join(" ")}\` generates from wrangler.jsonc and .dev.vars.example now; run \`npm run types\` and commit it. Generated:\n${generated}`);
      process.exit(1);
    }
    console.error(`${FILE} is what wrangler types generates`);
  } else {
    writeFileSync(target, generated);
    console.error(`wrote ${FILE}`);
  }
}
