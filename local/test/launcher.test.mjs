// The launcher starts everything on loopback and stops everything it started: by API, by Ctrl-C
// (SIGINT) and SIGTERM on the command, and even when the launcher itself is SIGKILLed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start } from '../lib/stack.mjs';
import { portInUse } from '../lib/net.mjs';
import { delay } from '../lib/processes.mjs';
import { startBackend } from '../lib/backend.mjs';
import { httpGet, openWs, collector, closed } from './helpers.mjs';

const upScript = fileURLToPath(new URL('../up.mjs', import.meta.url));
const localDir = fileURLToPath(new URL('..', import.meta.url));

function descendants(rootPid) {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const found = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of rows) if (found.has(ppid) && !found.has(pid)) { found.add(pid); grew = true; }
  }
  found.delete(rootPid);
  return [...found];
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function waitUntil(check, ms, what) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

async function assertAllGone(pids, ports) {
  await waitUntil(() => pids.every((pid) => !alive(pid)), 20000, `processes ${pids.filter(alive)} to exit`);
  for (const port of ports) assert.equal(await portInUse(port), false, `port ${port} freed`);
}

/** Runs up.mjs and resolves once it printed its URLs. */
function runUp(args = [], { viaNpm = false } = {}) {
  const child = viaNpm
    ? spawn('npm', ['--prefix', localDir, 'start', '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [upScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (stdout.includes('Ctrl-C stops everything')) { clearInterval(timer); resolve(); }
    }, 100);
    exited.then((info) => { clearInterval(timer); reject(new Error(`up.mjs exited early ${JSON.stringify(info)}\n${stderr}`)); });
  });
  ready.catch(() => {}); // awaited by the tests that need it
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

function portsFrom(text) {
  return [...new Set([...text.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])))];
}

test('start()/stop(): open calls get 1012, every process group ends and every port is freed', async () => {
  const stack = await start();
  const pids = Object.values(stack.processes).filter(Boolean).flatMap((p) => [p.pid, ...descendants(p.pid)]);
  assert.ok(pids.length >= 3, `backend, relay and worker running (${pids.length} processes)`);
  const ports = Object.values(stack.ports);
  for (const port of ports) assert.equal(await portInUse(port), true, `port ${port} listening while up`);
  assert.equal((await httpGet(stack.urls.page)).status, 200, 'page served');
  // A call open while stopping ends with the relay's drain code, not a dropped connection.
  const { url, protocols } = stack.browserConnect();
  const call = await openWs(url, { protocols, origin: stack.allowedOrigins[0] });
  const callClosed = closed(call, 30000);
  await stack.stop();
  const { code } = await callClosed;
  assert.equal(code, 1012, 'an open call is closed with 1012 (service restart) on stop');
  await assertAllGone(pids, ports);
});

test('backend option: the relay is pointed at the given backend and no echo is started', async () => {
  const own = await startBackend({ port: 0 });
  const stack = await start({ backend: `ws://127.0.0.1:${own.port}/api/chat` });
  try {
    assert.equal(stack.processes.backend, undefined, 'no built-in backend process');
    assert.equal(stack.urls.twilioUpstream, stack.urls.upstream, 'Twilio streams default to the same backend');
    const { url, protocols } = stack.browserConnect();
    const ws = await openWs(url, { protocols, origin: stack.allowedOrigins[0] });
    const inbox = collector(ws);
    ws.send('to my backend');
    assert.equal((await inbox.next(1))[0].data.toString(), 'to my backend');
    ws.close(1000);
    await closed(ws);
    assert.ok(own.stats().lastUrls.some((u) => u.startsWith('/api/chat')), 'the given backend served the call');
  } finally {
    await stack.stop();
    await own.close();
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  test(`up.mjs prints the URLs and a token, and ${signal} stops everything`, async () => {
    const run = runUp();
    try {
      await run.ready;
    } catch (error) {
      run.child.kill('SIGKILL');
      throw error;
    }
    const { stdout } = run.output();
    assert.match(stdout, /Page \(browser path\):\s+http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(stdout, /Twilio stream URL:\s+ws:\/\/127\.0\.0\.1:\d+\/twilio\/stream/);
    assert.match(stdout, /\n\s+ey[\w-]+\.[\w-]+\.[\w-]+\n/, 'a sample JWT is printed');
    const pids = descendants(run.child.pid);
    const ports = portsFrom(stdout);
    assert.ok(ports.length >= 4, `ports in the output: ${ports}`);
    run.child.kill(signal);
    const { code } = await run.exited;
    assert.equal(code, 0, `exit code after ${signal}; stderr: ${run.output().stderr}`);
    await assertAllGone(pids, ports);
  });
}

test('npm --prefix local start: a SIGTERM to npm (which leaves its child behind) still stops everything', async () => {
  const run = runUp([], { viaNpm: true });
  await run.ready.catch((error) => { run.child.kill('SIGKILL'); throw error; });
  const pids = descendants(run.child.pid);
  const ports = portsFrom(run.output().stdout);
  assert.ok(ports.length >= 4, `ports in the output: ${ports}`);
  run.child.kill('SIGTERM');
  await run.exited;
  await assertAllGone(pids, ports);
});

test('a SIGKILLed launcher leaves no orphans (the guardian cleans up)', async () => {
  const run = runUp();
  await run.ready.catch((error) => { run.child.kill('SIGKILL'); throw error; });
  const pids = descendants(run.child.pid);
  const ports = portsFrom(run.output().stdout);
  run.child.kill('SIGKILL');
  await run.exited;
  await assertAllGone(pids, ports);
});

test('bad flags fail with a message naming the flag, and start nothing', async () => {
  for (const [args, pattern] of [
    [['--backend', 'http://127.0.0.1:8998/api/chat'], /--backend must be a ws:\/\/ or wss:\/\/ URL/],
    [['--relay-port', '70000'], /relay port must be an integer/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
  ]) {
    const run = runUp(args);
    const { code } = await run.exited;
    assert.notEqual(code, 0, `${args} exits non-zero`);
    assert.match(run.output().stderr, pattern);
  }
});
