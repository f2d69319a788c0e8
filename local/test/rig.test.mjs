// The shared rig in lib/ that the Worker's end-to-end tests and the benchmarks import: the relay-token minters
// and check against the shared vectors, the JWT signer, and process groups started until ready and killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { signHs256 } from '../lib/jwt.mjs';
import { checkRelayTokenV2, mintRelayTokenV1, mintRelayTokenV2 } from '../lib/relayToken.mjs';
import { liveGroups, startReady } from '../lib/processes.mjs';
import { startBackend } from '../lib/backend.mjs';

const vectors = JSON.parse(fs.readFileSync(new URL('../../tests/vectors/relay-token.json', import.meta.url), 'utf8'));

test('the relay-token minters reproduce the shared vectors exactly', () => {
  assert.equal(mintRelayTokenV1(vectors.signingKey, vectors.exp, vectors.session), vectors.header);
  const v2 = vectors.v2;
  assert.equal(mintRelayTokenV2(vectors.signingKey, { exp: v2.exp, session: v2.session, sub: v2.sub, clientIp: v2.clientIp }), v2.header);
});

test('the relay-token check accepts the v2 vector in its window and names each refusal', () => {
  const v2 = vectors.v2;
  assert.deepEqual(checkRelayTokenV2(v2.header, vectors.signingKey, { now: v2.exp }), { status: 'ok', sub: v2.sub, clientIp: v2.clientIp });
  assert.equal(checkRelayTokenV2(v2.header, 'another-key', { now: v2.exp }).status, 'bad-signature');
  assert.equal(checkRelayTokenV2(v2.header, vectors.signingKey, { now: v2.exp + 6 }).status, 'expired');
  assert.equal(checkRelayTokenV2(v2.header, vectors.signingKey, { now: v2.exp - 66 }).status, 'too-far-ahead');
  assert.equal(checkRelayTokenV2(vectors.header, vectors.signingKey, { now: vectors.exp }).status, 'malformed');
  const noIp = mintRelayTokenV2(vectors.signingKey, { exp: v2.exp, session: 's', sub: 'u' });
  assert.deepEqual(checkRelayTokenV2(noIp, vectors.signingKey, { now: v2.exp }), { status: 'ok', sub: 'u', clientIp: null });
});

test('the JWT signer: HS256 over header.payload, and a forged header when asked', () => {
  const token = signHs256({ sub: 'u', exp: 1 }, 'secret');
  const [header, payload, signature] = token.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url')), { alg: 'HS256', typ: 'JWT' });
  assert.deepEqual(JSON.parse(Buffer.from(payload, 'base64url')), { sub: 'u', exp: 1 });
  assert.equal(signature, crypto.createHmac('sha256', 'secret').update(`${header}.${payload}`).digest('base64url'));
  assert.deepEqual(JSON.parse(Buffer.from(signHs256({}, 'secret', { alg: 'none' }).split('.')[0], 'base64url')), { alg: 'none' });
});

test('startReady: waits for ready(), keeps the output, kill() ends the group; a process that exits first fails fast', async () => {
  let sawReady = false;
  const proc = await startReady('echo-backend', process.execPath, [new URL('../backend.mjs', import.meta.url).pathname, '--port', '0'], {
    onLine: (stream, line) => { sawReady ||= /"ready":true/.test(line); },
    ready: () => sawReady,
  });
  assert.match(proc.output(), /"ready":true/);
  assert.ok(liveGroups().some((g) => g.pgid === proc.pid));
  proc.kill();
  await proc.exited;
  assert.ok(!liveGroups().some((g) => g.pgid === proc.pid));
  await assert.rejects(startReady('exits', process.execPath, ['-e', 'console.log("bye"); process.exit(3)'], { ready: () => false, timeoutMs: 60_000 }), /exits did not start.*"code":3.*bye/s);
});

test('the echo backend takes the calling package\'s ws server class', async () => {
  let constructed = 0;
  const { WebSocketServer } = await import('ws');
  const Counting = class extends WebSocketServer { constructor(...args) { super(...args); constructed++; } };
  const backend = await startBackend({ port: 0, WebSocketServer: Counting });
  await backend.close();
  assert.equal(constructed, 1);
});
