// client/voice-edge.d.ts against TypeScript (the compiler worker-src already installs): a typical use
// compiles under --strict, and the misuses marked @ts-expect-error are rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../lib/stack.mjs';
import path from 'node:path';

const tsc = path.join(repoRoot, 'worker-src', 'node_modules', '.bin', 'tsc');
const usage = fileURLToPath(new URL('./fixtures/client-usage.ts', import.meta.url));

test('the client typings compile a typical use and reject misuse (tsc --strict)', { timeout: 60000 }, () => {
  assert.ok(fs.existsSync(tsc), `${tsc} missing: run "npm ci" in worker-src`);
  try {
    execFileSync(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'bundler',
      '--lib', 'es2022,dom', usage], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    assert.fail(`tsc rejected the usage example:\n${error.stdout}${error.stderr}`);
  }
});
