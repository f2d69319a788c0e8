// End to end through the real pieces on loopback: client -> Worker (workerd) -> relay (Kestrel) ->
// stand-in backend, the Twilio path straight to the relay, refusals, and a relay restart mid-call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { start } from '../lib/stack.mjs';
import { signHs256, userClaims } from '../lib/jwt.mjs';
import { openWs, closed, collector, httpGet } from './helpers.mjs';
import { randomSid, startMessage } from '../lib/twilio.mjs';

// Codes a client may see when the relay goes away mid-call: going away, internal error,
// service restart, try again later, bad gateway. A relay that drains (SIGTERM) always sends one of these.
const RELAY_GONE_CODES = new Set([1001, 1011, 1012, 1013, 1014]);
// A relay killed outright (SIGKILL, a lost VM) sends no close frame at all. With the Worker's native pass-through
// (its only path: no JavaScript runs after the 101) the runtime then gives the client 1006, which the browser
// client (client/) retries like 1011.
const RELAY_KILLED_CODES = new Set([...RELAY_GONE_CODES, 1006]);

let stack;
let origin;
const childOutput = [];
before(async () => {
  // Every line the backend, relay and Worker print; a secret value in one would show as [redacted].
  stack = await start({ log: (line) => childOutput.push(line) });
  origin = stack.allowedOrigins[0];
});
after(async () => { await stack?.stop(); });

async function call(token = stack.userToken, { origin: callOrigin = origin, protocols } = {}) {
  const { url, protocols: carrierProtocols } = stack.browserConnect(token, { protocols });
  return openWs(url, { protocols: carrierProtocols, origin: callOrigin });
}

test('browser path: text and binary come back unchanged and in order', async () => {
  const ws = await call();
  const inbox = collector(ws);
  const sent = [];
  for (let i = 0; i < 40; i++) {
    if (i % 2 === 0) {
      const text = JSON.stringify({ seq: i, note: 'héllo 👋' });
      ws.send(text);
      sent.push({ data: Buffer.from(text), isBinary: false });
    } else {
      const bytes = crypto.randomBytes(1 + (i * 97) % 4000);
      ws.send(bytes);
      sent.push({ data: bytes, isBinary: true });
    }
  }
  const received = await inbox.next(sent.length);
  for (let i = 0; i < sent.length; i++) {
    assert.equal(received[i].isBinary, sent[i].isBinary, `frame ${i} type`);
    assert.deepEqual(Buffer.from(received[i].data), sent[i].data, `frame ${i} content`);
  }
  const stats = await stack.backendStats();
  assert.ok(stats.lastUrls.some((u) => u.startsWith('/api/chat')), `backend saw /api/chat, saw ${stats.lastUrls}`);
  ws.close(1000, 'done');
  const { code } = await closed(ws);
  assert.equal(code, 1000);
});

test('the token is also accepted as ?token= and as the ve_token cookie; the app protocol is negotiated', async () => {
  // A user per carrier: the three calls overlap, and the relay allows two concurrent calls per user.
  const viaProtocol = await call(stack.mintUserToken({ sub: 'carrier-protocol' }));
  assert.equal(viaProtocol.protocol, 'voice-edge', 'the Worker answers with the app protocol, never the bearer entry');
  viaProtocol.close(1000);
  const query = new URL(stack.urls.browserWs);
  query.searchParams.set('token', stack.mintUserToken({ sub: 'carrier-query' }));
  const viaQuery = await openWs(query.toString(), { origin });
  viaQuery.close(1000);
  const viaCookie = await openWs(stack.urls.browserWs, { origin, headers: { cookie: `ve_token=${stack.mintUserToken({ sub: 'carrier-cookie' })}` } });
  const inbox = collector(viaCookie);
  viaCookie.send('cookie call');
  assert.equal((await inbox.next(1))[0].data.toString(), 'cookie call');
  viaCookie.close(1000);
  await Promise.all([closed(viaProtocol), closed(viaQuery), closed(viaCookie)]);
});

test('browser path: a close code from the client reaches the backend and comes back', async () => {
  const ws = await call();
  ws.close(4001, 'custom close');
  const { code, reason } = await closed(ws);
  assert.equal(code, 4001);
  assert.equal(reason, 'custom close');
});

test('a missing user token is refused with 401 before any upgrade', async () => {
  const url = new URL(stack.urls.browserWs);
  await assert.rejects(openWs(url.toString(), { origin }), (error) => error.status === 401);
});

test('bad user tokens are refused with 403', async () => {
  const now = Math.floor(Date.now() / 1000);
  const badTokens = {
    'wrong secret': signHs256(userClaims(), crypto.randomBytes(32).toString('base64url')),
    expired: stack.mintUserToken({ exp: now - 3600, iat: now - 7200, nbf: now - 7200 }),
    'not yet valid': stack.mintUserToken({ nbf: now + 3600 }),
    'tampered payload': (() => { const [h, , s] = stack.userToken.split('.'); return `${h}.${Buffer.from(JSON.stringify({ ...userClaims(), sub: 'admin' })).toString('base64url')}.${s}`; })(),
    garbage: 'not-a-jwt',
    'alg none': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(userClaims())).toString('base64url')}.`,
  };
  for (const [name, token] of Object.entries(badTokens)) {
    await assert.rejects(call(token), (error) => {
      assert.equal(error.status, 403, `${name}: expected 403, got ${error.status} (${error.message})`);
      assert.ok(!error.body.includes(token), `${name}: the token must not be echoed`);
      return true;
    }, name);
  }
});

test('a wrong origin is refused with 403', async () => {
  for (const wrong of ['http://evil.example', 'http://127.0.0.1:1', 'null']) {
    await assert.rejects(call(stack.userToken, { origin: wrong }), (error) => error.status === 403, wrong);
  }
});

test('a user\'s third concurrent call is refused 429 through the Worker while another user still connects', async () => {
  const alice = stack.mintUserToken({ sub: 'limit-alice' });
  const first = await call(alice);
  const second = await call(alice);
  await assert.rejects(call(alice), (error) => error.status === 429, 'the relay\'s per-user 429 reaches the browser');
  const bob = await call(stack.mintUserToken({ sub: 'limit-bob' }));
  for (const ws of [first, second, bob]) ws.close(1000);
  await Promise.all([first, second, bob].map((ws) => closed(ws)));
});

test('a non-WebSocket request to the voice path gets 426', async () => {
  const { url } = stack.browserConnect();
  const { status } = await httpGet(url.replace(/^ws/, 'http'), { origin });
  assert.equal(status, 426);
});

test('Worker and relay health answer', async () => {
  const worker = await httpGet(stack.urls.workerHealth);
  assert.equal(worker.status, 200);
  const relay = await httpGet(`${stack.urls.relay}/health`);
  assert.equal(relay.status, 200);
  const metrics = await httpGet(`${stack.urls.relay}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^# (HELP|TYPE) /m);
});

test('Twilio path: a signed upgrade carries connected/start/media/stop to the backend and replies back', async () => {
  const before = await stack.backendStats();
  const ws = await openWs(stack.urls.twilioStream, { headers: { 'X-Twilio-Signature': stack.signTwilio() } });
  const inbox = collector(ws);
  const streamSid = randomSid('MZ');
  const call = await stack.answerTwilioCall();
  assert.equal(call.streamUrl, stack.urls.twilioStream, 'the TwiML streams to this relay');
  const payloads = Array.from({ length: 10 }, (_, i) => Buffer.alloc(160, i + 1).toString('base64'));
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify(startMessage(call, { streamSid, customParameters: { caller: 'local-test' } })));
  payloads.forEach((payload, i) => ws.send(JSON.stringify({
    event: 'media', sequenceNumber: String(i + 2), streamSid,
    media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload },
  })));
  ws.send(JSON.stringify({ event: 'stop', sequenceNumber: String(payloads.length + 2), streamSid, stop: { accountSid: call.accountSid, callSid: call.callSid } }));

  const replies = (await inbox.next(payloads.length + 3)).map((m) => JSON.parse(m.data.toString()));
  assert.deepEqual(replies.filter((r) => r.event === 'mark').map((r) => r.mark.name), ['backend-got-connected', 'backend-got-start', 'backend-got-stop']);
  const media = replies.filter((r) => r.event === 'media');
  assert.deepEqual(media.map((r) => r.media.payload), payloads, 'media replies in order, unchanged');
  assert.ok(media.every((r) => r.streamSid === streamSid));
  const { code } = await closed(ws);
  assert.equal(code, 1000, 'the backend ends the stream after stop');

  const after = await stack.backendStats();
  for (const event of ['connected', 'start', 'media', 'stop']) {
    const delta = (after.twilioEvents[event] ?? 0) - (before.twilioEvents[event] ?? 0);
    assert.equal(delta, event === 'media' ? payloads.length : 1, `backend saw ${event}`);
  }
});

test('Twilio path: a start without the call token from the voice webhook is closed 1008 and reaches no backend', async () => {
  const before = await stack.backendStats();
  const call = await stack.answerTwilioCall();
  const cases = {
    'no token': { ...call, token: undefined },
    'another call\'s token': { ...call, callSid: randomSid('CA') },
    'a forged token': { ...call, token: call.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) },
  };
  for (const [name, forged] of Object.entries(cases)) {
    const ws = await openWs(stack.urls.twilioStream, { headers: { 'X-Twilio-Signature': stack.signTwilio() } });
    const streamSid = randomSid('MZ');
    ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    const start = startMessage(forged, { streamSid });
    if (forged.token === undefined) delete start.start.customParameters.voiceEdgeCallToken;
    ws.send(JSON.stringify(start));
    const { code } = await closed(ws);
    assert.equal(code, 1008, name);
  }
  const after = await stack.backendStats();
  for (const event of ['connected', 'start']) assert.equal(after.twilioEvents[event] ?? 0, before.twilioEvents[event] ?? 0, `the backend saw no ${event}`);
});

test('Twilio path: bad, missing or other-URL signatures are refused before the upgrade', async () => {
  const wrongUrl = stack.signTwilio(stack.urls.twilioStream.replace('/twilio/stream', '/twilio/other'));
  const cases = {
    'bad signature': { headers: { 'X-Twilio-Signature': Buffer.from('x'.repeat(20)).toString('base64') }, status: 403 },
    'signature for another URL': { headers: { 'X-Twilio-Signature': wrongUrl }, status: 403 },
    'missing signature': { headers: {}, status: 401 },
  };
  for (const [name, { headers, status }] of Object.entries(cases)) {
    await assert.rejects(openWs(stack.urls.twilioStream, { headers }), (error) => {
      assert.equal(error.status, status, `${name}: ${error.message}`);
      return true;
    }, name);
  }
});

for (const signal of ['SIGTERM', 'SIGKILL']) {
  test(`relay restarted mid-call (${signal}): the client gets a proper close code, a new call works after`, async (t) => {
    const ws = await call();
    const inbox = collector(ws);
    ws.send('before restart');
    assert.equal((await inbox.next(1))[0].data.toString(), 'before restart');
    const closing = closed(ws, 60000);
    await stack.stopRelay(signal);
    const { code, reason } = await closing;
    t.diagnostic(`relay ${signal}: client closed with ${code} "${reason}"`);
    const allowed = signal === 'SIGKILL' ? RELAY_KILLED_CODES : RELAY_GONE_CODES;
    assert.ok(allowed.has(code), `close code ${code} (${reason}) should be one of ${[...allowed]}`);

    await stack.startRelay();
    const again = await call();
    const inbox2 = collector(again);
    again.send(Buffer.from([1, 2, 3]));
    assert.deepEqual([...(await inbox2.next(1))[0].data], [1, 2, 3]);
    again.close(1000);
    await closed(again);
  });
}

test('no secret and no user token in anything the backend, relay or Worker printed', () => {
  assert.ok(childOutput.some((line) => line.startsWith('[relay]')), 'relay output was captured');
  // The Worker logs `call-passed-through` as it hands a call to the runtime.
  assert.ok(childOutput.some((line) => line.startsWith('[worker] {"event":"call-passed-through"')), "the Worker's per-call log lines were captured");
  const leaks = childOutput.filter((line) => line.includes('[redacted]') || line.includes(stack.userToken));
  assert.deepEqual(leaks, []);
});
