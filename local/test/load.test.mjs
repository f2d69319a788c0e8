// Zero loss through the whole browser path: 100 concurrent streams, 50 messages/s each, 8 s (LOAD_SECONDS for
// longer; throughput and latency are measured in bench/, not here).
// Every message is counted and order-checked; figures are reported, never time-asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../lib/stack.mjs';
import { openWs, closed } from './helpers.mjs';

const STREAMS = Number(process.env.LOAD_STREAMS ?? 100);
const RATE = Number(process.env.LOAD_RATE ?? 50);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 8);
const PER_STREAM = RATE * SECONDS;

let stack;
before(async () => { stack = await start(); });
after(async () => { await stack?.stop(); });

// Even sequence numbers go as text, odd as binary (stream id, seq, 160 bytes like a 20 ms µ-law frame).
function message(stream, seq) {
  if (seq % 2 === 0) return { data: JSON.stringify({ stream, seq, sentAt: performance.now() }), binary: false };
  const frame = Buffer.alloc(4 + 4 + 8 + 160, seq & 0xff);
  frame.writeUInt32BE(stream, 0);
  frame.writeUInt32BE(seq, 4);
  frame.writeDoubleBE(performance.now(), 8);
  return { data: frame, binary: true };
}

function decode(data, isBinary) {
  if (isBinary) return { stream: data.readUInt32BE(0), seq: data.readUInt32BE(4), sentAt: data.readDoubleBE(8), binary: true };
  return { ...JSON.parse(data.toString()), binary: false };
}

async function runStream(stream, origin) {
  // One user per stream: the relay allows Relay__MaxCallsPerUser (2) concurrent calls per user.
  const { url, protocols } = stack.browserConnect(stack.mintUserToken({ sub: `load-${stream}` }));
  const ws = await openWs(url, { protocols, origin, timeoutMs: 30000 });
  const result = { stream, sent: 0, received: 0, outOfOrder: 0, wrongType: 0, foreign: 0, rtts: [] };
  let expected = 0;
  let resolveDone;
  const done = new Promise((resolve) => { resolveDone = resolve; });
  ws.on('message', (data, isBinary) => {
    const echo = decode(data, isBinary);
    if (echo.stream !== stream) result.foreign++;
    if (echo.seq !== expected) result.outOfOrder++;
    if (echo.binary !== (echo.seq % 2 === 1)) result.wrongType++;
    expected = echo.seq + 1;
    result.received++;
    result.rtts.push(performance.now() - echo.sentAt);
    if (result.received === PER_STREAM) resolveDone();
  });
  const closing = closed(ws, (SECONDS + 120) * 1000);
  // Paced sending: catch up on missed ticks so each stream sends exactly RATE per second.
  const startedAt = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(PER_STREAM, Math.floor(((performance.now() - startedAt) / 1000) * RATE) + 1);
      while (result.sent < due) {
        const { data, binary } = message(stream, result.sent);
        ws.send(data, { binary });
        result.sent++;
      }
      if (result.sent === PER_STREAM) { clearInterval(timer); resolve(); }
    }, 1000 / RATE);
  });
  // Bounded wait for the last echoes, then a clean close.
  // The timer is cleared once the echoes are in: a pending one would keep the test process alive for its full minute.
  let lastEchoes;
  await Promise.race([done, new Promise((resolve) => { lastEchoes = setTimeout(resolve, 60000); })]);
  clearTimeout(lastEchoes);
  ws.close(1000, 'load done');
  result.close = await closing;
  return result;
}

test(`browser path: ${STREAMS} concurrent streams x ${RATE} msg/s x ${SECONDS} s, zero loss, in order`, { timeout: (SECONDS + 240) * 1000 }, async (t) => {
  const origin = stack.allowedOrigins[0];
  const startedAt = performance.now();
  const results = await Promise.all(Array.from({ length: STREAMS }, (_, i) => runStream(i, origin)));
  const elapsed = (performance.now() - startedAt) / 1000;

  const sent = results.reduce((n, r) => n + r.sent, 0);
  const received = results.reduce((n, r) => n + r.received, 0);
  const rtts = results.flatMap((r) => r.rtts).sort((a, b) => a - b);
  const pct = (p) => (rtts.length ? rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))].toFixed(2) : 'n/a');
  t.diagnostic(`streams=${STREAMS} sent=${sent} received=${received} lost=${sent - received} elapsed=${elapsed.toFixed(1)}s throughput=${(received / elapsed).toFixed(0)} msg/s each way`);
  t.diagnostic(`round trip through workerd+relay+echo: p50=${pct(0.5)} ms p90=${pct(0.9)} ms p99=${pct(0.99)} ms max=${pct(1)} ms`);

  assert.equal(sent, STREAMS * PER_STREAM, 'every stream sent its full quota');
  for (const r of results) {
    assert.equal(r.received, r.sent, `stream ${r.stream} lost ${r.sent - r.received} of ${r.sent}`);
    assert.equal(r.outOfOrder, 0, `stream ${r.stream} out of order`);
    assert.equal(r.wrongType, 0, `stream ${r.stream} frame type changed`);
    assert.equal(r.foreign, 0, `stream ${r.stream} got another stream's messages`);
    assert.equal(r.close.code, 1000, `stream ${r.stream} closed with ${r.close.code}`);
  }
});
