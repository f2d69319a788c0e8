// The page in real Debian chromium (playwright-core drives it; fake microphone): it connects through
// the Worker, streams audio, gets it back, and shows round-trip time. A screenshot is kept.
// Then the voice-edge client module (client/voice-edge.js, which the page uses) in the same browser:
// a relay restart mid-call, a refused token, and every close code against a loopback WebSocket server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { start } from '../lib/stack.mjs';
import { openWs } from './helpers.mjs';
import { DEFAULT_BACKOFF, RETRYABLE_CLOSE_CODES } from '../../client/voice-edge.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let stack;
let profileDir;
let context;
before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
  stack = await start();
  fs.mkdirSync(artifacts, { recursive: true });
});
after(async () => {
  await context?.close().catch(() => {});
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  await stack?.stop();
});

/** What the page's live round-trip chart draws: its points and its state-change marks. */
function chartState(page) {
  return page.evaluate(() => ({
    points: document.querySelectorAll('#rtt-chart .rtt-point').length,
    marks: [...document.querySelectorAll('#rtt-chart g.mark')].map((g) => ({ state: g.getAttribute('class').split('mark-')[1], label: g.textContent })),
  }));
}

async function launch(extraArgs) {
  await context?.close().catch(() => {});
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-edge-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...extraArgs],
    permissions: ['microphone'],
    viewport: { width: 900, height: 900 },
  });
  return context;
}

test('the page opens the browser path, streams fake-microphone audio, plays it back, shows RTT', { timeout: 120000 }, async () => {
  const browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  await page.goto(stack.urls.page);
  await page.click('#start');
  await page.waitForFunction(() => window.voiceEdge.state === 'open', null, { timeout: 30000 });
  // Enough audio both ways and a few pings answered.
  await page.waitForFunction(() => window.voiceEdge.audioFramesReceived >= 100 && window.voiceEdge.rttSamples.length >= 3, null, { timeout: 60000 });
  const status = await page.evaluate(() => structuredClone(window.voiceEdge));
  assert.equal(status.source, 'microphone', 'the fake microphone was used');
  assert.ok(status.rttMs > 0, `round trip shown: ${status.rttMs}`);
  assert.match(await page.textContent('#rtt'), /^\d+(\.\d)? ms$/);
  assert.match(await page.textContent('#state'), /^open/);
  assert.ok(status.bytesReceived > 100 * 640, `audio came back: ${status.bytesReceived} bytes`);
  // The live chart: a point per ping answered so far, and the state changes marked on it.
  const chart = await chartState(page);
  assert.ok(chart.points >= 3 && chart.points <= status.rttSamples.length + 1, `${chart.points} points for ${status.rttSamples.length} pings`);
  assert.deepEqual(chart.marks.map((m) => m.state), ['connecting', 'open']);
  await page.screenshot({ path: path.join(artifacts, 'page-call-open.png'), fullPage: true });

  await page.click('#stop');
  await page.waitForFunction(() => window.voiceEdge.state === 'closed', null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.voiceEdge.closeCode), 1000);
  assert.deepEqual((await chartState(page)).marks.at(-1), { state: 'closed', label: 'closed · code 1000' });
  await page.screenshot({ path: path.join(artifacts, 'page-call-closed.png'), fullPage: true });
  assert.deepEqual(consoleErrors, []);
});

test('without a microphone the page falls back to a generated tone', { timeout: 120000 }, async () => {
  // No fake device: headless chromium on a machine without audio input has no microphone.
  const browser = await launch(['--use-fake-ui-for-media-stream']);
  const page = await browser.newPage();
  await page.addInitScript(() => {
    // Make "no microphone" certain whatever the machine has.
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
  });
  await page.goto(stack.urls.page);
  await page.click('#start');
  await page.waitForFunction(() => window.voiceEdge.audioFramesReceived >= 50, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => window.voiceEdge.source), 'generated tone');
  assert.equal(await page.textContent('#source'), 'generated tone');
  await page.screenshot({ path: path.join(artifacts, 'page-generated-tone.png'), fullPage: true });
});

test('a relay restart mid-call (1012 drain): the page is back open by itself, same session, within the backoff bound', { timeout: 120000 }, async () => {
  const browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  const page = await browser.newPage();
  await page.goto(stack.urls.page);
  await page.click('#start');
  await page.waitForFunction(() => window.voiceEdge.state === 'open' && window.voiceEdge.audioFramesReceived >= 20, null, { timeout: 30000 });
  const session = await page.evaluate(() => window.voiceEdge.session);
  assert.match(session, /^[0-9a-f]{32}$/);

  await stack.restartRelay('SIGTERM'); // the relay drains open calls with 1012, exits, and starts again
  // No click from here on. Upper bound: every retry the client may make, each at its largest delay.
  const bound = Array.from({ length: 8 }, (_, i) => Math.min(DEFAULT_BACKOFF.maxDelayMs, DEFAULT_BACKOFF.initialDelayMs * 2 ** i)).reduce((a, b) => a + b);
  await page.waitForFunction(() => window.voiceEdge.events.some((e) => e.state === 'reconnecting') && window.voiceEdge.state === 'open', null, { timeout: bound });
  const before = await page.evaluate(() => window.voiceEdge.audioFramesReceived);
  await page.waitForFunction((n) => window.voiceEdge.audioFramesReceived >= n + 20, before, { timeout: 30000 });
  assert.ok((await chartState(page)).marks.some((m) => m.state === 'reconnecting'), 'the drop is marked on the live chart');
  await page.screenshot({ path: path.join(artifacts, 'page-call-resumed.png'), fullPage: true });
  const status = await page.evaluate(() => structuredClone(window.voiceEdge));

  const events = status.events;
  const drops = events.filter((e) => e.state === 'reconnecting');
  assert.equal(drops[0].code, 1012, `the first drop is the relay's drain: ${JSON.stringify(drops[0])}`);
  drops.forEach((drop, i) => {
    assert.equal(drop.retry, i + 1);
    const ceiling = Math.min(DEFAULT_BACKOFF.maxDelayMs, DEFAULT_BACKOFF.initialDelayMs * DEFAULT_BACKOFF.factor ** i);
    assert.ok(drop.delayMs <= ceiling && drop.delayMs >= Math.floor(ceiling * (1 - DEFAULT_BACKOFF.jitter)), `retry ${drop.retry} waited ${drop.delayMs} ms, outside the schedule (ceiling ${ceiling})`);
    // While the relay is away the Worker cannot reach it: those attempts fail before open (1006).
    if (i > 0) assert.ok(RETRYABLE_CLOSE_CODES.includes(drop.code), `retry ${drop.retry} after code ${drop.code}`);
  });
  assert.ok(drops.length <= 8, `${drops.length} retries`);
  assert.ok(!events.some((e) => e.state === 'closed'), `the call never ended: ${JSON.stringify(events)}`);
  const opens = events.filter((e) => e.state === 'open');
  assert.equal(opens.length, 2);
  assert.deepEqual([opens[0].resumed, opens[1].resumed], [false, true]);
  assert.ok(events.every((e) => e.session === session), 'one session id across the reconnect');
  assert.equal(status.session, session);
  assert.equal(status.attempts, 1 + drops.length);
  // The session id reached the backend on both connections (Worker and relay pass the query on).
  const { lastUrls } = await stack.backendStats();
  const withSession = lastUrls.filter((url) => new URL(url, 'ws://backend').searchParams.get('session') === session);
  assert.equal(withSession.length, 2, `backend saw: ${JSON.stringify(lastUrls)}`);
  assert.ok(!withSession.some((url) => url.includes('token=')), 'no token in the URL the backend sees');

  await page.click('#stop');
  await page.waitForFunction(() => window.voiceEdge.state === 'closed', null, { timeout: 15000 });
  assert.deepEqual(await page.evaluate(() => [window.voiceEdge.closeCode, window.voiceEdge.why]), [1000, 'user']);
});

// Runs a VoiceEdgeClient inside the page until it is closed for good; counts the WebSockets it made.
// `tokens`: 'attempt' gives tok-<attempt>, a string gives that token every time, 'throw-on-2' fails the second call.
// `closeOnRetry`: the test hangs up when the client announces this retry.
async function runClient(page, { url, tokens = 'attempt', carrier, maxRetries = 2, closeOnRetry }) {
  return page.evaluate(async ({ url, tokens, carrier, maxRetries, closeOnRetry }) => {
    const { VoiceEdgeClient } = await import('/client/voice-edge.js');
    let constructed = 0;
    class CountingWebSocket extends WebSocket { constructor(...args) { super(...args); constructed++; } }
    const client = new VoiceEdgeClient({
      url, carrier, maxRetries, WebSocket: CountingWebSocket, backoff: { initialDelayMs: 20, maxDelayMs: 80 },
      getToken: ({ attempt }) => {
        if (tokens === 'throw-on-2' && attempt === 2) throw new Error('sign-in expired');
        return tokens === 'attempt' || tokens === 'throw-on-2' ? `tok-${attempt}` : tokens;
      },
    });
    const events = [];
    client.addEventListener('state', (event) => {
      events.push(event.detail);
      if (event.detail.state === 'reconnecting' && event.detail.retry === closeOnRetry) client.close();
    });
    const closed = new Promise((resolve) => client.addEventListener('closed', (event) => resolve(event.detail)));
    client.connect();
    const detail = await closed;
    // Longer than twice the largest backoff delay: a retry scheduled behind our back would have started.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { detail, constructed, events, state: client.state, session: client.session };
  }, { url, tokens, carrier, maxRetries, closeOnRetry });
}

test('a refused token does not loop: the Worker refuses the first attempt and the client stops there', { timeout: 60000 }, async () => {
  const page = await (context ?? await launch([])).newPage();
  await page.goto(stack.urls.page);
  const expired = stack.mintUserToken({ exp: Math.floor(Date.now() / 1000) - 600 });
  // The same token from node: the Worker answers 403 before any upgrade (the browser only sees 1006).
  const refusal = await openWs(stack.browserConnect(expired).url, { protocols: stack.browserConnect(expired).protocols, origin: stack.allowedOrigins[0] }).catch((error) => error);
  assert.equal(refusal.status, 403, String(refusal));

  const run = await runClient(page, { url: stack.urls.browserWs, tokens: expired, maxRetries: 5 });
  assert.equal(run.constructed, 1, `one attempt, then stop: ${JSON.stringify(run.events)}`);
  assert.deepEqual([run.detail.why, run.detail.code, run.detail.attempts, run.state], ['first-attempt-failed', 1006, 1, 'closed']);
  assert.ok(!run.events.some((e) => e.state === 'reconnecting'));
});

test('the client against a loopback WebSocket server: which close codes it retries, fresh tokens, the session on every attempt', { timeout: 60000 }, async () => {
  // A plain ws server stands in for the far end so every close code can be produced on demand:
  // /close/<code> accepts and closes with <code> (1006: drops the TCP connection without a close frame);
  // /drop-then-refuse accepts the first connection, closes it with 1012, then refuses upgrades with 403.
  const seen = [];
  let refuseNext = false;
  const wss = new WebSocketServer({
    host: '127.0.0.1', port: 0,
    verifyClient: (info, done) => {
      const url = new URL(info.req.url, 'ws://x');
      seen.push({ path: url.pathname, session: url.searchParams.get('session'), token: url.searchParams.get('token'), protocols: info.req.headers['sec-websocket-protocol'] ?? '' });
      if (url.pathname === '/drop-then-refuse' && refuseNext) done(false, 403); else done(true);
    },
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url, 'ws://x');
    if (url.pathname === '/drop-then-refuse') { refuseNext = true; ws.close(1012, 'service restart'); return; }
    const code = Number(url.pathname.split('/')[2]);
    setTimeout(() => (code === 1006 ? ws.terminate() : ws.close(code, `closing with ${code}`)), 30);
  });
  const base = `ws://127.0.0.1:${wss.address().port}`;
  try {
    const page = await (context ?? await launch([])).newPage();
    await page.goto(stack.urls.page);

    for (const code of RETRYABLE_CLOSE_CODES) {
      seen.length = 0;
      const run = await runClient(page, { url: `${base}/close/${code}`, maxRetries: 2 });
      assert.equal(run.detail.why, 'gave-up', `code ${code}: ${JSON.stringify(run.detail)}`);
      assert.equal(run.constructed, 3, `code ${code}: first attempt + 2 retries`);
      assert.equal(seen.length, 3, `code ${code}: the server saw 3 connections`);
      assert.deepEqual(run.events.filter((e) => e.state === 'reconnecting').map((e) => e.code), [code, code]);
      // One session on every attempt; a fresh token per attempt in the bearer.<jwt> subprotocol entry.
      assert.deepEqual(seen.map((s) => s.session), [run.session, run.session, run.session]);
      assert.deepEqual(seen.map((s) => s.protocols), ['voice-edge, bearer.tok-1', 'voice-edge, bearer.tok-2', 'voice-edge, bearer.tok-3']);
    }
    for (const code of [1008, 4001, 4403, 1000]) {
      seen.length = 0;
      const run = await runClient(page, { url: `${base}/close/${code}`, maxRetries: 2 });
      assert.deepEqual([run.detail.why, run.detail.code], [code === 1000 ? 'normal' : 'refused', code]);
      assert.deepEqual([run.constructed, seen.length], [1, 1], `code ${code}: no retry`);
    }

    // Dropped with 1012, then every reconnect is refused (a token that went bad, or an edge refusing):
    // retried within maxRetries, then it stops.
    seen.length = 0;
    refuseNext = false;
    let run = await runClient(page, { url: `${base}/drop-then-refuse`, maxRetries: 3 });
    assert.equal(run.detail.why, 'gave-up');
    assert.deepEqual([run.constructed, seen.length], [4, 4]);
    assert.deepEqual(run.events.filter((e) => e.state === 'reconnecting').map((e) => e.code), [1012, 1006, 1006]);

    // The token callback can end the call: it throws on the second attempt, no socket is opened for it.
    seen.length = 0;
    run = await runClient(page, { url: `${base}/close/1012`, tokens: 'throw-on-2', maxRetries: 5 });
    assert.deepEqual([run.detail.why, run.constructed, seen.length], ['token-error', 1, 1]);
    assert.match(run.detail.reason, /sign-in expired/);

    // Hanging up while a reconnect is pending cancels it.
    seen.length = 0;
    run = await runClient(page, { url: `${base}/close/1011`, maxRetries: 5, closeOnRetry: 2 });
    assert.deepEqual([run.detail.why, run.constructed, seen.length], ['user', 2, 2]);

    // The query carrier puts the token in ?token= (and no bearer entry in the protocols).
    seen.length = 0;
    run = await runClient(page, { url: `${base}/close/1000`, carrier: 'query' });
    assert.deepEqual([seen[0].token, seen[0].protocols, seen[0].session], ['tok-1', 'voice-edge', run.session]);
  } finally {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});
