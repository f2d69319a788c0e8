// The page in real Debian chromium (playwright-core drives it; fake microphone): it connects through
// the Worker, streams audio, gets it back, and shows round-trip time. A screenshot is kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { start } from '../lib/stack.mjs';

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

async function launch(extraArgs) {
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
  await page.screenshot({ path: path.join(artifacts, 'page-call-open.png'), fullPage: true });

  await page.click('#stop');
  await page.waitForFunction(() => window.voiceEdge.state === 'closed', null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.voiceEdge.closeCode), 1000);
  await page.screenshot({ path: path.join(artifacts, 'page-call-closed.png'), fullPage: true });
  assert.deepEqual(consoleErrors, []);
});

test('without a microphone the page falls back to a generated tone', { timeout: 120000 }, async () => {
  await context?.close();
  fs.rmSync(profileDir, { recursive: true, force: true });
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
