// The local path with a pool of two stand-in PersonaPlex servers (`npm --prefix local start -- --backends 2`):
// browser -> Worker (workerd) -> relay (Kestrel) -> Relay__Backends__0/1, each serving one conversation at a time
// with the 0x00 handshake after a delay. Two calls are served at once; a third waits in the relay's queue (never
// on a busy backend) and gets the backend the first call frees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../lib/stack.mjs';
import { openWs, closed, collector } from './helpers.mjs';

const GREETING = 'Hello from the stand-in.';
// The third call waits on the relay's queue until the test ends the first call; long enough for a loaded runner.
const QUEUE_SECONDS = 120;

let stack;
let origin;
before(async () => {
  stack = await start({ backends: 2, handshakeMs: 200, queueSeconds: QUEUE_SECONDS });
  origin = stack.allowedOrigins[0];
});
after(async () => { await stack?.stop(); });

// Each call as its own user: the relay holds a user to MaxCallsPerUser (2) calls, which is not what this tests.
function call(user, { timeoutMs } = {}) {
  const { url, protocols } = stack.browserConnect(stack.mintUserToken({ sub: user }));
  return openWs(url, { protocols, origin, timeoutMs });
}

/** The stand-in's first two messages: the 0x00 handshake, then 0x02 text. */
async function expectHandshake(inbox) {
  const [handshake, text] = await inbox.next(2, 60000);
  assert.ok(handshake.isBinary && text.isBinary, 'PersonaPlex messages are binary');
  assert.deepEqual([...handshake.data], [0x00], 'first message: the 0x00 handshake');
  assert.equal(text.data[0], 0x02, 'then a 0x02 text message');
  assert.equal(text.data.subarray(1).toString('utf8'), GREETING);
}

async function metric(name) {
  const text = await (await fetch(`${stack.urls.relay}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** Polls until `check()` is true: waits for an event, asserts nothing about how long it takes. */
async function eventually(what, check, timeoutMs = 60000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('two stand-in PersonaPlex backends serve two calls at once; a third waits in the relay queue and gets the freed backend', async () => {
  assert.equal(stack.urls.standIns.length, 2);

  const first = await call('caller-1');
  const firstInbox = collector(first);
  await expectHandshake(firstInbox);
  const second = await call('caller-2');
  const secondInbox = collector(second);
  await expectHandshake(secondInbox);

  // One call on each backend: each holds its single conversation, nobody waits on a backend.
  let stats = await stack.standInStats();
  assert.deepEqual(stats.map((s) => s.inConversation), [1, 1], JSON.stringify(stats));
  assert.deepEqual(stats.map((s) => s.waiting), [0, 0]);

  // The third call: the relay has no free slot, so it queues the call before the upgrade.
  let thirdInbox = null;
  const third = call('caller-3', { timeoutMs: (QUEUE_SECONDS + 60) * 1000 }).then((ws) => {
    thirdInbox = collector(ws);
    return ws;
  });
  await eventually('the relay to queue the third call', async () => (await metric('voice_edge_backend_queue_length')) === 1);
  stats = await stack.standInStats();
  assert.deepEqual(stats.map((s) => s.conversations), [1, 1], 'the queued call reached no backend');
  assert.deepEqual(stats.map((s) => s.waiting), [0, 0], 'and waits on none');
  assert.equal(thirdInbox, null, 'the queued call is not upgraded yet');

  // Ending the first call frees its backend; the third call gets it and its handshake.
  first.close(1000, 'done');
  assert.equal((await closed(first)).code, 1000);
  const thirdWs = await third;
  await expectHandshake(thirdInbox);

  stats = await stack.standInStats();
  assert.deepEqual(stats.map((s) => s.inConversation), [1, 1], JSON.stringify(stats));
  assert.equal(stats.reduce((n, s) => n + s.conversations, 0), 3, 'three conversations in all');
  assert.ok(stats.some((s) => s.conversations === 2), `one backend served two calls one after the other: ${JSON.stringify(stats)}`);
  assert.equal(await metric('voice_edge_backend_queue_length'), 0);

  for (const ws of [second, thirdWs]) ws.close(1000, 'done');
  for (const ws of [second, thirdWs]) assert.equal((await closed(ws)).code, 1000);
});

test('a stand-in PersonaPlex, like the real one, upgrades a second call and keeps it silent until the first ends', async () => {
  const backend = stack.urls.standIns[1];
  const url = `${backend.ws}?voice_prompt=NATF2.pt&text_prompt=Hello`;
  // The relay closes the calls of the test before; the stand-in ends their conversations after that.
  await eventually('the calls of the test before to end', async () => (await stack.standInStats())[1].inConversation === 0);

  const first = await openWs(url);
  await expectHandshake(collector(first));
  const second = await openWs(url); // upgraded at once, as moshi/server.py's ws.prepare() before its lock
  const secondInbox = collector(second);
  await eventually('the second call to wait on the conversation', async () => (await stack.standInStats())[1].waiting === 1);
  assert.equal((await stack.standInStats())[1].inConversation, 1);

  first.close(1000, 'done');
  await closed(first);
  await expectHandshake(secondInbox);
  const stats = (await stack.standInStats())[1];
  assert.deepEqual([stats.inConversation, stats.waiting], [1, 0]);
  second.close(1000, 'done');
  await closed(second);
});
