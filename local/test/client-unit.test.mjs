// The voice-edge client's pure parts in node (no browser): the backoff schedule (cap, jitter bounds)
// and the reconnect decision per close code. The browser behaviour is in browser.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelay, DEFAULT_BACKOFF, decideAfterClose, isRefusalCode, RETRYABLE_CLOSE_CODES, createSessionId,
} from '../../client/voice-edge.js';

// Fixed-seed PRNG (mulberry32) so a failure reproduces.
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the ceiling doubles from initialDelayMs and stops at maxDelayMs', () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((retry) => backoffDelay(retry, {}, () => 0));
  assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.equal(backoffDelay(1000, {}, () => 0), DEFAULT_BACKOFF.maxDelayMs, 'a huge retry number still gives the cap');
  assert.equal(backoffDelay(3, { initialDelayMs: 100, maxDelayMs: 250, factor: 3 }, () => 0), 250);
  assert.equal(backoffDelay(5, { initialDelayMs: 0, maxDelayMs: 0 }, () => 0.5), 0);
});

test('jitter keeps every delay within [ceiling * (1 - jitter), ceiling] and really spreads them', () => {
  const random = seeded(20261130);
  for (const options of [{}, { initialDelayMs: 50, maxDelayMs: 400, jitter: 1 }, { initialDelayMs: 200, maxDelayMs: 3000, factor: 1.5, jitter: 0.2 }]) {
    const { initialDelayMs, maxDelayMs, factor, jitter } = { ...DEFAULT_BACKOFF, ...options };
    for (let retry = 1; retry <= 12; retry++) {
      const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** (retry - 1));
      const delays = Array.from({ length: 200 }, () => backoffDelay(retry, options, random));
      for (const delay of delays) {
        assert.ok(delay <= ceiling && delay <= maxDelayMs, `retry ${retry}: ${delay} above ceiling ${ceiling}`);
        assert.ok(delay >= ceiling * (1 - jitter), `retry ${retry}: ${delay} below ${ceiling * (1 - jitter)}`);
      }
      const spread = Math.max(...delays) - Math.min(...delays);
      assert.ok(spread > ceiling * jitter * 0.5, `retry ${retry}: jitter spread ${spread} too small for ceiling ${ceiling}`);
    }
  }
  assert.equal(backoffDelay(4, { jitter: 0 }, random), 4000, 'no jitter: exactly the ceiling');
});

test('bad backoff options are refused with a message naming the option', () => {
  assert.throws(() => backoffDelay(0), /retry must be an integer >= 1/);
  assert.throws(() => backoffDelay(1, { jitter: 1.5 }), /jitter must be within \[0, 1\]/);
  assert.throws(() => backoffDelay(1, { factor: 0.5 }), /factor must be >= 1/);
  assert.throws(() => backoffDelay(1, { initialDelayMs: 1000, maxDelayMs: 10 }), /initialDelayMs <= maxDelayMs/);
});

test('reconnect on 1001/1006/1011/1012/1013 after an open call; never on 1008, 4xxx or a user close', () => {
  const up = { opened: true, everOpened: true, retries: 0, maxRetries: 3 };
  assert.deepEqual([...RETRYABLE_CLOSE_CODES], [1001, 1006, 1011, 1012, 1013]);
  for (const code of RETRYABLE_CLOSE_CODES) assert.deepEqual(decideAfterClose({ code }, up), { retry: true }, `code ${code}`);
  for (const code of [1008, 4000, 4001, 4401, 4403, 4999]) {
    assert.ok(isRefusalCode(code));
    assert.deepEqual(decideAfterClose({ code }, up), { retry: false, why: 'refused' }, `code ${code}`);
  }
  assert.deepEqual(decideAfterClose({ code: 1000 }, up), { retry: false, why: 'normal' });
  for (const code of [1002, 1003, 1007, 1009, 1010, 1014, 3000]) assert.deepEqual(decideAfterClose({ code }, up), { retry: false, why: 'not-retryable' }, `code ${code}`);
  assert.deepEqual(decideAfterClose({ code: 1012 }, { ...up, byUser: true }), { retry: false, why: 'user' });
  assert.deepEqual(decideAfterClose({ code: 1011 }, { ...up, retryCodes: [1012] }), { retry: false, why: 'not-retryable' });
});

test('a failure before open stops on the first attempt, is retried on a reconnect, and retries are bounded', () => {
  // First attempt never opened: a refused token and a wrong URL look like this (1006, no handshake).
  assert.deepEqual(decideAfterClose({ code: 1006 }, { opened: false, everOpened: false }), { retry: false, why: 'first-attempt-failed' });
  // The call was up before: the relay restarting looks like this; retried.
  assert.deepEqual(decideAfterClose({ code: 1006 }, { opened: false, everOpened: true, retries: 2, maxRetries: 3 }), { retry: true });
  assert.deepEqual(decideAfterClose({ code: 1006 }, { opened: false, everOpened: true, retries: 3, maxRetries: 3 }), { retry: false, why: 'gave-up' });
  assert.deepEqual(decideAfterClose({ code: 1012 }, { opened: true, everOpened: true, retries: 8 }), { retry: false, why: 'gave-up' }, 'default maxRetries is 8');
});

test('session ids are 128-bit hex and differ per call', () => {
  const ids = new Set(Array.from({ length: 100 }, () => createSessionId()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
});

test('the client checks its options and close codes up front', async () => {
  const { VoiceEdgeClient } = await import('../../client/voice-edge.js');
  assert.throws(() => new VoiceEdgeClient({ url: 'https://x/voice/ws', getToken: () => 't' }), /must be ws:\/\/ or wss:\/\//);
  assert.throws(() => new VoiceEdgeClient({ url: 'wss://x/voice/ws' }), /getToken .* is required/);
  assert.throws(() => new VoiceEdgeClient({ url: 'wss://x/voice/ws', carrier: 'header', getToken: () => 't' }), /carrier must be one of protocol, query, cookie/);
  assert.throws(() => new VoiceEdgeClient({ url: 'wss://x/voice/ws', getToken: () => 't', backoff: { jitter: 2 } }), /jitter/);
  const client = new VoiceEdgeClient({ url: 'wss://x/voice/ws', carrier: 'cookie' });
  assert.equal(client.state, 'idle');
  assert.throws(() => client.close(1012), /close code must be 1000 or 3000-4999/);
});
