// Issue 23: rotating the relay signing key refuses no call, with the REAL Worker (workerd) and the REAL relay updated in
// either order (docs/operations.md "Rotating the signing key"). tests/VoiceEdge.Relay.Tests/SigningKeyRotationTests.cs
// proves it with C#-minted tokens standing in for the Worker; here the Worker signs every relay token itself.
//
// The Worker holds one key (W0: old, W1: new); the relay is in one of four states (R0: old; R1: old + Relay:NextSigningKey
// new; R2: new + Relay:PreviousSigningKey old; R3: new). A step's deploy updates the two sides in no set order, so every
// state a deploy can pass through must take calls: step 1 (R0 -> R1 under W0), step 2 with the Worker first
// (W0R1 -> W1R1 -> W1R2) or the relay first (W0R1 -> W0R2 -> W1R2), step 3 (R2 -> R3 under W1). Each move below
// restarts one side with its new settings (the relay on the same port, the Worker on the same port: a deploy), and a
// fresh browser call then goes through the Worker to the relay and must upgrade and echo. Each state of a deploy is
// entered by that deploy's own move (step 2 is walked Worker-first, rolled back, then walked relay-first): wrangler is
// restarted three times (about 4 s each here) and the relay seven times (under 1.5 s each). Last, the naive one-step rotation (W1 against R0)
// is refused: the relay's 403 reaches the client as the Worker's 502.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../lib/stack.mjs';
import { randomSecret } from '../lib/jwt.mjs';
import { openWs, closed, collector } from './helpers.mjs';

const OLD = randomSecret();
const NEW = randomSecret();
const WORKER = { W0: OLD, W1: NEW };
const RELAY = {
  R0: { Relay__SigningKey: OLD },
  R1: { Relay__SigningKey: OLD, Relay__NextSigningKey: NEW },
  R2: { Relay__SigningKey: NEW, Relay__PreviousSigningKey: OLD },
  R3: { Relay__SigningKey: NEW },
};

let stack;
let origin;
let worker = 'W0';
let relay = 'R0';
let calls = 0;
const childOutput = [];

before(async () => {
  // The stack starts as W0R0: the Worker and the relay both hold the old key.
  stack = await start({ relaySigningKey: OLD, log: (line) => childOutput.push(line) });
  origin = stack.allowedOrigins[0];
});
after(async () => { await stack?.stop(); });

async function moveRelay(to) {
  await stack.stopRelay();
  await stack.startRelay(RELAY[to]);
  relay = to;
}

async function moveWorker(to) {
  await stack.restartWorker({ relaySigningKey: WORKER[to] });
  worker = to;
}

/** A browser call through the Worker: it must upgrade and echo text and binary. */
async function callEchoes() {
  const name = `${worker}${relay}`;
  const { url, protocols } = stack.browserConnect(stack.mintUserToken({ sub: `rotation-${++calls}` }));
  let ws;
  try {
    ws = await openWs(url, { protocols, origin });
  } catch (error) {
    assert.fail(`${name}: the call was refused (${error.status ?? ''} ${error.message})`);
  }
  const inbox = collector(ws);
  ws.send(`hello ${name}`);
  ws.send(Buffer.from([calls, 2, 3]));
  const [text, binary] = await inbox.next(2);
  assert.equal(text.data.toString(), `hello ${name}`, `${name}: text echoed`);
  assert.deepEqual([...binary.data], [calls, 2, 3], `${name}: binary echoed`);
  ws.close(1000);
  assert.equal((await closed(ws)).code, 1000, `${name}: closed cleanly`);
}

/** Moves one side and calls: `moves` like ['R1', 'W1']; each is one restart, followed by a call. */
async function walk(t, moves) {
  for (const to of moves) {
    const startedAt = Date.now();
    await (to.startsWith('W') ? moveWorker(to) : moveRelay(to));
    t.diagnostic(`${worker}${relay}: ${to.startsWith('W') ? 'Worker' : 'relay'} restarted in ${Date.now() - startedAt} ms`);
    await callEchoes();
  }
}

test('before the rotation (W0R0): a call through the Worker upgrades and echoes', async () => {
  await callEchoes();
});

test('step 1 (relay learns the next key): W0R0 -> W0R1 takes calls', async (t) => {
  await walk(t, ['R1']);
});

test('step 2, Worker updated first: W0R1 -> W1R1 -> W1R2 takes calls', async (t) => {
  await walk(t, ['W1', 'R2']);
});

test('step 2, relay updated first: W0R1 -> W0R2 -> W1R2 takes calls', async (t) => {
  // Back to W0R1 first (step 2 rolled back, Worker then relay: itself refusing no call), then forward relay-first.
  await walk(t, ['W0', 'R1']);
  await walk(t, ['R2', 'W1']);
});

test('step 3 (the old key retired): W1R2 -> W1R3 takes calls', async (t) => {
  await walk(t, ['R3']);
});

test('the naive one-step rotation is refused: the new Worker against a relay with only the old key', async (t) => {
  await moveRelay('R0');
  const before = await stack.backendStats();
  const { url, protocols } = stack.browserConnect(stack.mintUserToken({ sub: 'rotation-naive' }));
  await assert.rejects(openWs(url, { protocols, origin }), (error) => {
    t.diagnostic(`W1R0: ${error.status} ${error.body.trim()}`);
    assert.equal(error.status, 502, error.message);
    assert.match(error.body, /relay refused the call \(403\)/);
    return true;
  });
  const after = await stack.backendStats();
  assert.equal(after.connectionsTotal, before.connectionsTotal, 'the refused call reached no backend');
});

test('neither key nor any other secret in anything the backend, relay or Worker printed', () => {
  assert.ok(childOutput.some((line) => line.startsWith('[relay]')), 'relay output was captured');
  assert.ok(childOutput.some((line) => line.startsWith('[worker]')), 'Worker output was captured');
  const leaks = childOutput.filter((line) => line.includes('[redacted]') || line.includes(OLD) || line.includes(NEW));
  assert.deepEqual(leaks, []);
});
