#!/usr/bin/env node
// The Worker's relay chooser, per call, at 3, 10 and 100 relays in 5 regions: `node bench/fleet/chooser.mjs`.
// The chooser's own modules (worker-src/src/relayChoice.ts, relayHealth.ts, relayFleet.ts) are bundled with the
// Worker's esbuild and run in node's V8 (workerd's engine too). Not in workerd itself: there the clock stands still
// while code runs (Date.now and performance.now advance only on I/O, a Spectre mitigation,
// https://developers.cloudflare.com/workers/runtime-apis/performance/), so a loop cannot time itself. CPU time is
// process.cpuUsage() over many calls, after a warm-up; the health reads are a stand-in fetcher that answers at once,
// so what is measured is the chooser's CPU, not the network.
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(path.join(root, 'worker-src', 'package.json'));
const esbuild = require('esbuild');
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chooser-bench-')), 'chooser.mjs');
const entry = path.join(path.dirname(out), 'entry.ts');
fs.writeFileSync(entry, ['relayChoice', 'relayHealth', 'relayFleet'].map((m) => `export * from ${JSON.stringify(path.join(root, 'worker-src/src', m))};`).join('\n'));
await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
const { callerPlace, candidates, HealthCache, parseRelays, HEALTH_TTL_MS } = await import(pathToFileURL(out));

const REGIONS = [
  ['westeurope', 52.3667, 4.9], ['eastus', 37.3719, -79.8164], ['southeastasia', 1.283, 103.833],
  ['australiaeast', -33.86, 151.2094], ['brazilsouth', -23.55, -46.633],
];
const CALLERS = [
  { latitude: '48.8566', longitude: '2.3522' }, { latitude: '40.7128', longitude: '-74.0060' }, { latitude: '-33.8688', longitude: '151.2093' },
  { latitude: '35.6762', longitude: '139.6503' }, { latitude: '-23.5505', longitude: '-46.6333' }, { continent: 'AF' },
];
const runs = Number(process.env.CHOOSER_CALLS ?? 20000);

function fleetOf(n) {
  return parseRelays(JSON.stringify(Array.from({ length: n }, (_, i) => {
    const [region, latitude, longitude] = REGIONS[i % REGIONS.length];
    return { name: `r${i}`, url: `https://ws-r${i}.example.com`, region, latitude, longitude };
  })));
}

/** The /health body each stand-in relay answers: ready, a random load. */
const healthBody = () => JSON.stringify({ status: 'ok', draining: false, backends: { voice: { setting: 'Upstream', state: 'reachable' } },
  unreachable: [], openCalls: Math.floor(Math.random() * 500), maxCalls: 1000, build: 'dev', handingOver: false, name: 'r' });

async function measure(label, n, { ttlMs, all }) {
  const fleet = fleetOf(n);
  let reads = 0;
  const cache = new HealthCache(async () => { reads++; return new Response(healthBody(), { status: 200 }); }, ttlMs);
  const once = async (i) => {
    const place = callerPlace(CALLERS[i % CALLERS.length]);
    let got = 0;
    for await (const relay of candidates(fleet, place, cache)) { got++; if (!all) break; }
    if (got === 0) throw new Error('no relay');
  };
  for (let i = 0; i < 2000; i++) await once(i); // warm-up (JIT, and a warm cache where the TTL allows)
  reads = 0;
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await once(i);
  const used = process.cpuUsage(cpu);
  const wallNs = Number(process.hrtime.bigint() - wall);
  return { label, n, usPerCall: (used.user + used.system) / runs, wallUsPerCall: wallNs / 1000 / runs, readsPerCall: reads / runs };
}

const rows = [];
for (const n of [3, 10, 100]) {
  rows.push(await measure('warm cache, first relay', n, { ttlMs: HEALTH_TTL_MS, all: false }));
  rows.push(await measure('warm cache, whole order (every fallback)', n, { ttlMs: HEALTH_TTL_MS, all: true }));
  rows.push(await measure('every read expired (parse each /health of the tier)', n, { ttlMs: 0, all: false }));
}
const parse = (() => {
  const text = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ name: `r${i}`, url: `https://ws-r${i}.example.com`, region: 'westeurope', latitude: 52.37, longitude: 4.9 })));
  const cpu = process.cpuUsage();
  for (let i = 0; i < 2000; i++) parseRelays(text);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 2000;
})();
console.log(`# the Worker's relay chooser: CPU per call (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, ${runs} calls each)\n`);
console.log('| relays (5 regions) | case | CPU µs per call | wall µs per call | /health reads per call |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.n} | ${r.label} | ${r.usPerCall.toFixed(1)} | ${r.wallUsPerCall.toFixed(1)} | ${r.readsPerCall.toFixed(2)} |`);
console.log(`\nparseRelays of 100 relays (once per isolate): ${parse.toFixed(0)} µs`);
