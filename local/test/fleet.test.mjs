// A fleet of three relays behind the one Worker (`start({ relays: 3 })`, lib/fleet.mjs): weu (westeurope) and neu
// (northeurope), one tier for a caller in Paris, and eus (eastus), the next tier; each relay with its own echo
// backend, so where a call landed is that backend's count. Real processes on loopback: the Worker in workerd, the
// relays on Kestrel. The chooser's figures (worker-src/src/relayHealth.ts): health reused 5 s per isolate, read with
// a 1 s timeout, so a relay that died is out of the choice within 6 s, and a call that dials it before then goes on
// to the next relay in the same request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { start } from '../lib/stack.mjs';
import { delay } from '../lib/processes.mjs';
import { randomSid, startMessage } from '../lib/twilio.mjs';
import { closed, collector, openWs } from './helpers.mjs';

const HEALTH_TTL_MS = 5000;
const HEALTH_TIMEOUT_MS = 1000;
/** The documented bound: after this long a dead relay is out of every isolate's choice (worker-src/README.md). */
const FAILOVER_BOUND_MS = HEALTH_TTL_MS + HEALTH_TIMEOUT_MS;
/** What a loaded 2-core runner adds to the bound before this test calls it broken (a bound check, not a timing). */
const SLACK_MS = 4000;

let stack;
const chosen = []; // the Worker's relay-chosen lines, with when they were seen

before(async () => {
  stack = await start({
    relays: 3,
    // A relay sent SIGTERM while it holds a call stays draining this long (the draining test needs it to).
    relayDrainGraceSeconds: 30,
    log: (line) => {
      const m = /\{"event":"relay-chosen".*\}/.exec(line);
      if (m) chosen.push({ at: Date.now(), ...JSON.parse(m[0]) });
    },
  });
}, { timeout: 600_000 });

after(async () => { await stack?.stop(); });

const counts = async () => Object.fromEntries(Object.entries(await stack.fleetStats()).map(([name, s]) => [name, s.connectionsTotal]));

/** Opens a browser call through the Worker and waits for its echo: the call has reached a backend. */
async function call() {
  const { url, protocols } = stack.browserConnect();
  const ws = await openWs(url, { protocols, origin: stack.allowedOrigins[0] });
  const messages = collector(ws);
  ws.send('hello');
  const [echo] = await messages.next(1);
  assert.equal(echo.data.toString(), 'hello');
  return ws;
}

/** Opens a call and says which relay's backend it reached. */
async function callLanding() {
  const before = await counts();
  const ws = await call();
  const after = await counts();
  const landed = Object.keys(after).filter((name) => after[name] > before[name]);
  assert.equal(landed.length, 1, `one backend got the call: ${JSON.stringify({ before, after })}`);
  return { ws, relay: landed[0] };
}

async function hangUp(ws) {
  if (ws.readyState === WebSocket.OPEN) { ws.close(1000, 'done'); await closed(ws); }
}

test('calls spread by the rule: the nearest tier (weu, neu) by load, never the farther eus while they take calls', async () => {
  // All three idle: equal load, so the name decides (neu < weu).
  const first = await callLanding();
  assert.equal(first.relay, 'neu');
  // Once the isolate has read the load again, neu holds 1 call of 1000 and weu none.
  await delay(HEALTH_TTL_MS + 300);
  const second = await callLanding();
  assert.equal(second.relay, 'weu');
  await delay(HEALTH_TTL_MS + 300);
  const third = await callLanding();
  assert.equal(third.relay, 'neu', 'one call each: the name decides again');
  assert.equal((await counts()).eus, 0, 'eastus, a tier farther from Paris, got nothing');
  await Promise.all([first, second, third].map(({ ws }) => hangUp(ws)));
});

test('the voice webhook names a live relay: nearest US1 first, and a call whose relay died is placed on a live one', async () => {
  const weu = stack.fleet.find((m) => m.name === 'weu');
  const eus = stack.fleet.find((m) => m.name === 'eus');
  const first = await stack.answerTwilioCall();
  // No X-Home-Region: Twilio's default US1 (Virginia), so eastus.
  assert.equal(first.streamUrl, eus.twilioStream);
  assert.match(first.token, /^t2\.eus\./);
  await streamReachesBackend(first, 'eus');
  const redirect = /<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(first.twiml)[1].replaceAll('&amp;', '&');
  assert.match(redirect, /\?attempt=1&avoid=eus$/);
  assert.ok(!redirect.startsWith(eus.http), 'the continuation goes to another relay\'s webhook');

  await stack.stopFleetRelay('eus', 'SIGKILL');
  const killedAt = Date.now();
  // Twilio resumes the TwiML after </Connect>: the redirect, signed over its full URL, to a live relay.
  const again = await stack.answerTwilioCall(first.callSid, redirect);
  assert.notEqual(again.streamUrl, eus.twilioStream);
  assert.notEqual(again.token, first.token, 'a call token per placement');
  await streamReachesBackend(again, again.streamUrl === weu.twilioStream ? 'weu' : 'neu');
  // A new call, once the relay's health cache has read eus again, is placed on a live relay from the start.
  await delay(Math.max(0, killedAt + FAILOVER_BOUND_MS + 500 - Date.now()));
  const fresh = await stack.answerTwilioCall();
  assert.notEqual(fresh.streamUrl, eus.twilioStream);
  await stack.startFleetRelay('eus');
});

/** Opens the TwiML's stream as Twilio does and sends connected and start: the named relay's backend answers. */
async function streamReachesBackend(placed, relay) {
  const ws = await openWs(placed.streamUrl, { headers: { 'x-twilio-signature': stack.signTwilio(placed.streamUrl) } });
  const messages = collector(ws);
  const before = (await counts())[relay];
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify(startMessage(placed, { streamSid: randomSid('MZ') })));
  const replies = (await messages.next(2)).map((m) => JSON.parse(m.data.toString()).mark?.name);
  assert.deepEqual(replies, ['backend-got-connected', 'backend-got-start']);
  assert.equal((await counts())[relay], before + 1, `the call reached ${relay}'s backend`);
  ws.close(1000);
  await closed(ws);
}

test('a killed relay: its call reconnects onto a live relay, and no new call dials it after the documented bound', async () => {
  const held = await callLanding();
  const victim = held.relay;
  const closedAt = closed(held.ws);
  await stack.stopFleetRelay(victim, 'SIGKILL');
  const killedAt = Date.now();
  const { code } = await closedAt;
  assert.ok([1006, 1011, 1012].includes(code), `the client sees the relay go (${code}) and reconnects`);
  // The client module reconnects on 1006/1011: the new call lands on a live relay at once.
  const reconnected = await callLanding();
  assert.notEqual(reconnected.relay, victim);
  await hangUp(reconnected.ws);
  // Calls keep coming for the bound and a little more: every one lands on a live relay; the Worker dials the dead
  // one at most until the bound.
  const outcomes = [];
  while (Date.now() - killedAt < FAILOVER_BOUND_MS + 1500) {
    const landed = await callLanding();
    outcomes.push({ at: Date.now() - killedAt, relay: landed.relay });
    await hangUp(landed.ws);
    await delay(200);
  }
  assert.ok(outcomes.every((o) => o.relay !== victim));
  const dialledDead = chosen.filter((c) => c.at >= killedAt && (c.tried.includes(victim) || c.relay === victim));
  const lastDial = dialledDead.length ? Math.max(...dialledDead.map((c) => c.at - killedAt)) : 0;
  console.log(`failover: ${victim} killed; ${outcomes.length + 1} calls after, all on live relays; the Worker dialled ${victim} ` +
    `${dialledDead.length} time(s), the last ${lastDial} ms after its death (documented bound ${FAILOVER_BOUND_MS} ms)`);
  assert.ok(lastDial <= FAILOVER_BOUND_MS + SLACK_MS, `last dial of the dead relay ${lastDial} ms after its death`);
  assert.ok(dialledDead.every((c) => c.status === 101), 'a call that dialled the dead relay went on to a live one in the same request');
  await stack.startFleetRelay(victim);
});

test('a draining relay gets no new call', async () => {
  // Wait until the isolate has read every relay again (the last test restarted one), then hold a call on neu.
  await delay(HEALTH_TTL_MS + 300);
  let held = await callLanding();
  while (held.relay !== 'neu') {
    const next = await callLanding();
    await hangUp(held.ws);
    held = next;
    if (held.relay !== 'neu') await delay(HEALTH_TTL_MS + 300);
  }
  await stack.stopFleetRelay('neu', 'SIGTERM-nowait'); // it drains: refuses new calls, keeps this one up to 30 s
  const drainingAt = Date.now();
  const neuBefore = (await counts()).neu;
  const landings = [];
  while (Date.now() - drainingAt < HEALTH_TTL_MS + 1500) {
    const landed = await callLanding();
    landings.push(landed.relay);
    await hangUp(landed.ws);
    await delay(300);
  }
  assert.equal((await counts()).neu, neuBefore, 'the draining relay got no new call');
  assert.ok(landings.every((r) => r === 'weu'), `all went to the other relay of the nearest tier: ${landings}`);
  const health = await (await fetch(stack.urls.workerHealth)).json();
  assert.equal(health.relays.find((r) => r.name === 'neu').state, 'draining');
  await hangUp(held.ws);
});
