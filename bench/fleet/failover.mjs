#!/usr/bin/env node
// The failover bound, measured: `node bench/fleet/failover.mjs` (npm ci in local/ and worker-src/).
// A local fleet of three relays behind the Worker (local/lib/stack.mjs, `relays: 3`, callers in Paris: weu and neu
// the nearest tier, eus the next). The relay a new call would go to is stopped two ways:
// - SIGKILL: the process dies, its port refuses connections at once (a crashed relay, a stopped service);
// - SIGSTOP: the process hangs, connections are accepted by the kernel and never answered (a VM gone silent, a
//   partition): every dial and health read waits for its timeout.
// Then a call is made every 250 ms for 14 s, one after the other; each call's setup time (until the echo answers)
// and where it landed are recorded, and the Worker's relay-chosen log says which relays it dialled.
// Each death happens twice: right after a call read the victim's health (the isolate's cache says it is ready for
// up to 5 s more, so the next call dials it), and 5.5 s after (the entry has expired, so the next call reads its
// health first).
// Reported: how long after the death the Worker last dialled the dead relay (the failover bound), how many calls
// dialled it, and setup times before and during the window.
import { start } from '../../local/lib/stack.mjs';
import { delay } from '../../local/lib/processes.mjs';
import { collector, openWs, closed } from '../../local/test/helpers.mjs';

const WINDOW_MS = Number(process.env.FAILOVER_WINDOW_MS ?? 14000);
const chosen = [];
const stack = await start({
  relays: 3,
  log: (line) => {
    const m = /\{"event":"relay-chosen".*\}/.exec(line);
    if (m) chosen.push({ at: Date.now(), ...JSON.parse(m[0]) });
  },
});

async function call() {
  const started = Date.now();
  const before = await stack.fleetStats();
  const { url, protocols } = stack.browserConnect();
  const ws = await openWs(url, { protocols, origin: stack.allowedOrigins[0], timeoutMs: 30000 });
  const messages = collector(ws);
  ws.send('ping');
  await messages.next(1, 30000);
  const setupMs = Date.now() - started;
  const after = await stack.fleetStats();
  const relay = Object.keys(after).find((k) => after[k].connectionsTotal > before[k].connectionsTotal);
  ws.close(1000);
  await closed(ws);
  return { setupMs, relay };
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const lines = [];
try {
  for (const [signal, cache] of [['SIGKILL', 'fresh'], ['SIGKILL', 'expired'], ['SIGSTOP', 'fresh'], ['SIGSTOP', 'expired']]) {
    await delay(6000); // every health entry fresh after the last round's restart
    const baseline = [];
    for (let i = 0; i < 8; i++) baseline.push((await call()).setupMs);
    await delay(5500);
    const victim = (await call()).relay; // where an idle call goes now
    if (cache === 'expired') await delay(5500);
    await stack.stopFleetRelay(victim, signal);
    const deadAt = Date.now();
    const during = [];
    while (Date.now() - deadAt < WINDOW_MS) {
      const at = Date.now() - deadAt;
      const c = await call();
      during.push({ at, ...c });
      await delay(250);
    }
    const dials = chosen.filter((c) => c.at >= deadAt && (c.tried.includes(victim) || c.relay === victim));
    const lastDial = dials.length ? Math.max(...dials.map((c) => c.at - deadAt)) : null;
    const slow = during.filter((c) => c.setupMs > 3 * pct(baseline, 0.5) + 50);
    lines.push(`| ${signal} | ${cache} | ${victim} | ${during.length} | ${during.filter((c) => c.relay === victim).length} | ${dials.length} | ${lastDial ?? '-'} | ${pct(baseline, 0.5)} / ${Math.max(...baseline)} | ${pct(during.map((c) => c.setupMs), 0.5)} / ${Math.max(...during.map((c) => c.setupMs))} | ${slow.length} |`);
    console.error(`${signal} ${cache}: ${JSON.stringify({ victim, lastDial, dials: dials.length, slow: slow.map((c) => ({ at: c.at, ms: c.setupMs })) })}`);
    await stack.stopFleetRelay(victim, 'SIGKILL');
    await stack.startFleetRelay(victim);
  }
} finally {
  await stack.stop();
}
console.log(`# failover: a fleet relay stopped while calls keep coming (local, 3 relays, ${new Date().toISOString().slice(0, 10)})\n`);
console.log('| how it died | its health in the cache | relay | calls in the next 14 s | landed on it | dialled it (then went on) | last dial after death, ms | setup ms before, p50 / max | setup ms during, p50 / max | calls slowed > 3x p50 |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const l of lines) console.log(l);
