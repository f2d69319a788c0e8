// The deploy drill (deploy-drill.mjs, issue 24) at CI size: 4 browser + 2 phone calls, two hand-overs A -> B -> C on
// one socket held by the python3 socket holder; no call dropped or refused, no media lost, each old build exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const drill = fileURLToPath(new URL('../deploy-drill.mjs', import.meta.url));

test('deploy drill: two relay hand-overs drop no call, refuse none and lose no media', { timeout: 300_000 }, async (t) => {
  const child = spawn(process.execPath, [drill, '--calls', '4', '--phone', '2', '--seconds', '10', '--deploys', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  for (const line of out.trim().split('\n')) t.diagnostic(line);
  assert.equal(code, 0, `the drill exits 0:\n${out}`);
  assert.match(out, /^calls continued to their own end: 10 of 10 /m);
  assert.match(out, /^calls dropped: 0$/m);
  assert.match(out, /^refusals: 0 /m);
  assert.match(out, /^media: sent (\d+), echoed \1, lost 0, reordered 0$/m);
  assert.match(out, /^longest media gap in any call: \d+ ms$/m);
  assert.match(out, /^deploy A -> B: B served \d+ ms after its start; \/health\/live after SIGTERM to A: build=B /m);
  assert.match(out, /^deploy B -> C: C served \d+ ms after its start; \/health\/live after SIGTERM to B: build=C /m);
  assert.match(out, /^overlap A->B \([\d.]+ s\): A pid \d+ cpu [\d.]+ s \(\d+%\) peak rss \d+ MB; B pid \d+ cpu/m);
  assert.match(out, /^overlap B->C /m);
  assert.match(out, /^build A exited \(code 0\) /m);
  assert.match(out, /^build B exited \(code 0\) /m);
  assert.match(out, /^build C still serving: true$/m);
  assert.match(out, /^result: PASS$/m);
});
