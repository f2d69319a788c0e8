#!/usr/bin/env node
// What the chooser's health reads cost a relay: `node bench/fleet/health-cost.mjs [requests]`.
// One relay (the local build) with a reachable echo backend; GET /health (what the Worker and the other relays'
// webhooks read) N times over keep-alive connections, 4 at a time, and the relay process's CPU (utime + stime from
// /proc/<pid>/stat, 10 ms ticks) divided by N. Plain HTTP on loopback: on the VM each read also passes Caddy and TLS
// (a new TLS session per isolate connection unless it is reused), not measured here.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { buildRelay } from '../../local/lib/relayBuild.mjs';
import { startProcess, releaseGuardian } from '../../local/lib/processes.mjs';
import { freePort, waitForHttp } from '../../local/lib/net.mjs';
import { startBackend } from '../../local/lib/backend.mjs';

const requests = Number(process.argv[2] ?? 20000);
const ticks = 100; // USER_HZ
const cpuOf = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / ticks; };

const backend = await startBackend({ port: 0 });
const built = await buildRelay({ build: 'auto' });
const port = await freePort();
const relay = startProcess('relay', 'dotnet', [built.dll, '--urls', `http://127.0.0.1:${port}`], {
  cwd: built.dir,
  env: { ...process.env, Relay__Upstream: `ws://127.0.0.1:${backend.port}/api/chat`, Relay__TwilioUpstream: `ws://127.0.0.1:${backend.port}/twilio`,
    Relay__SigningKey: crypto.randomBytes(24).toString('base64url'), Relay__PublicBaseUrl: `ws://127.0.0.1:${port}` },
});
try {
  await waitForHttp(`http://127.0.0.1:${port}/health/live`, { proc: relay, timeoutMs: 60000 });
  const results = [];
  for (const path of ['/health', '/health/live']) {
    const hit = async (n) => { for (let i = 0; i < n; i++) { const r = await fetch(`http://127.0.0.1:${port}${path}`); await r.text(); } };
    await Promise.all([0, 1, 2, 3].map(() => hit(500))); // warm-up
    const before = cpuOf(relay.pid);
    const started = Date.now();
    await Promise.all([0, 1, 2, 3].map(() => hit(requests / 4)));
    const seconds = (Date.now() - started) / 1000;
    const cpu = cpuOf(relay.pid) - before;
    results.push(`| \`GET ${path}\` | ${requests} | ${(cpu * 1e6 / requests).toFixed(0)} | ${(requests / seconds).toFixed(0)} |`);
  }
  const body = await (await fetch(`http://127.0.0.1:${port}/health`)).text();
  console.log(`# a relay's CPU per health read (loopback, plain HTTP, ${new Date().toISOString().slice(0, 10)}; /health body ${body.length} bytes)\n`);
  console.log('| request | count | relay CPU µs per request | requests/s (4 clients) |');
  console.log('| --- | --- | --- | --- |');
  for (const r of results) console.log(r);
} finally {
  await relay.stop(3000);
  await backend.close();
  releaseGuardian();
}
