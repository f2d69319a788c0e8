#!/usr/bin/env node
// The deploy drill (issue 24, "a relay deploy drops no call"): the local voice path with its relay on a listening
// socket held by a systemd-like socket holder (lib/socketHolder.py), browser and phone calls streaming media both
// ways, and in the middle a new relay build started on the same socket and the old one sent SIGTERM (a hand-over).
// Prints one line per outcome; exits 0 only when no call was dropped or refused and no media was lost.
//   npm --prefix local run deploy-drill -- --calls 4 --phone 2 --seconds 12 --deploys 2
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from './lib/stack.mjs';
import { startProcess, delay } from './lib/processes.mjs';
import { randomSid, startMessage } from './lib/twilio.mjs';
import { openWs, closed } from './test/helpers.mjs';

const HOST = '127.0.0.1';
const RATE = 50; // messages (browser) / media frames (phone) per second each way: 20 ms, a real call's cadence
const holderScript = fileURLToPath(new URL('./lib/socketHolder.py', import.meta.url));

function parseArgs(argv) {
  const o = { calls: 4, phone: 2, seconds: 20, deploys: 1, newCalls: 2, build: 'auto', verbose: false };
  const numbers = { '--calls': ['calls', 0, 500], '--phone': ['phone', 0, 200], '--seconds': ['seconds', 4, 3600], '--deploys': ['deploys', 1, 5], '--new-calls': ['newCalls', 0, 50] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (numbers[a]) {
      const [key, min, max] = numbers[a];
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${a} must be a whole number ${min}-${max}, got "${argv[i]}"`);
      o[key] = n;
    } else if (a === '--no-build') o.build = false;
    else if (a === '--verbose') o.verbose = true;
    else throw new Error(`unknown flag ${a} (flags: --calls --phone --seconds --deploys --new-calls --no-build --verbose)`);
  }
  if (o.calls + o.phone === 0) throw new Error('--calls and --phone are both 0: nothing to drill');
  return o;
}

/** The socket holder and a launcher that starts relay builds through it (stack.mjs's relayLauncher). */
async function startHolder(logDir, log) {
  const builds = new Map(); // build -> { pid, exited, resolveExit, exitInfo }
  const waiting = new Map(); // "started B" -> resolve
  let port;
  let listening;
  const ready = new Promise((resolve) => { listening = resolve; });
  const holder = startProcess('socket-holder', 'python3', [holderScript, '0'], {
    stdin: 'pipe',
    onLine: (stream, line) => {
      log(`[socket-holder] ${line}`);
      const [word, build, value] = line.split(' ');
      if (word === 'listening') { port = Number(build); listening(); }
      if (word === 'started') waiting.get(build)?.(Number(value));
      if (word === 'exited') builds.get(build)?.resolveExit({ code: Number(value), signal: null });
    },
  });
  holder.stdin.on('error', () => {});
  await Promise.race([ready, holder.exited.then((info) => { throw new Error(`the socket holder (python3) exited: ${JSON.stringify(info)}`); })]);
  const send = (request) => holder.stdin.write(`${JSON.stringify(request)}\n`);
  const launcher = {
    holdsPort: true,
    async spawn(name, command, args, { cwd, env, onLine }) {
      const build = env.Relay__Build;
      const logFile = path.join(logDir, `relay-${build}.log`);
      const started = new Promise((resolve) => waiting.set(build, resolve));
      const entry = { logFile };
      entry.exited = new Promise((resolve) => { entry.resolveExit = (info) => { entry.exitInfo = info; entry.exitedAt = performance.now(); resolve(info); }; });
      builds.set(build, entry);
      send({ op: 'start', build, cmd: [command, ...args], cwd, env, log: logFile });
      entry.pid = await Promise.race([started, delay(15000).then(() => { throw new Error(`the holder did not start build ${build}`); })]);
      if (onLine) tailFile(logFile, (line) => onLine('stdout', line), entry.exited);
      const handle = {
        name: `relay ${build}`, pid: entry.pid, build, exited: entry.exited, get exitInfo() { return entry.exitInfo ?? null; },
        signal(signal = 'SIGTERM') { send({ op: 'signal', build, signal }); },
        async stop(graceMs = 8000) {
          if (!entry.exitInfo) {
            handle.signal('SIGTERM');
            if (await Promise.race([entry.exited.then(() => false), delay(graceMs).then(() => true)])) handle.signal('SIGKILL');
          }
          return entry.exited;
        },
        kill() { handle.signal('SIGKILL'); },
      };
      entry.handle = handle;
      return handle;
    },
  };
  return {
    launcher, builds,
    get port() { return port; },
    async stop() { holder.stdin.end(); await holder.stop(5000); },
  };
}

/** Follows a growing file line by line until `until` settles (the relay's log, for --verbose). */
function tailFile(file, onLine, until) {
  let offset = 0;
  let pending = '';
  let done = false;
  until.then(() => { done = true; });
  (async () => {
    for (;;) {
      try {
        const data = fs.readFileSync(file);
        if (data.length > offset) {
          pending += data.subarray(offset).toString('utf8');
          offset = data.length;
          let nl;
          while ((nl = pending.indexOf('\n')) >= 0) { onLine(pending.slice(0, nl)); pending = pending.slice(nl + 1); }
        }
      } catch { /* not yet there */ }
      if (done) return;
      await delay(250);
    }
  })();
}

/** GET /health/live on a fresh connection (no keep-alive: each request is accepted anew from the shared queue). */
function healthLive(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: '/health/live', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch { resolve(null); } });
    });
    req.on('timeout', () => { req.destroy(); resolve(null); });
    req.on('error', () => resolve(null));
  });
}

/** utime+stime (clock ticks), RSS and peak RSS (VmHWM, kB) of a process, or null once it is gone. */
function procSample(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { ticks: Number(fields[11]) + Number(fields[12]), rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), at: performance.now() };
  } catch { return null; }
}

/** Samples both processes of one overlap every 100 ms: CPU used and peak memory while both were up. */
function watchOverlap(label, pids) {
  const first = new Map(pids.map((pid) => [pid, procSample(pid)]));
  const last = new Map(first);
  const peak = new Map(pids.map((pid) => [pid, first.get(pid)?.rssKb ?? 0]));
  const startedAt = performance.now();
  const timer = setInterval(() => {
    for (const pid of pids) {
      const s = procSample(pid);
      if (s) { last.set(pid, s); peak.set(pid, Math.max(peak.get(pid), s.rssKb)); }
    }
  }, 100);
  return {
    finish() {
      clearInterval(timer);
      const seconds = (performance.now() - startedAt) / 1000;
      const ticksPerSecond = 100; // USER_HZ on Linux
      return {
        label, seconds,
        procs: pids.map((pid) => {
          const a = first.get(pid); const b = last.get(pid);
          const cpu = a && b ? (b.ticks - a.ticks) / ticksPerSecond : 0;
          return { pid, cpuSeconds: cpu, cpuPercent: seconds > 0 ? (100 * cpu) / seconds : 0, peakRssMb: peak.get(pid) / 1024, hwmMb: (b?.hwmKb ?? 0) / 1024 };
        }),
      };
    },
  };
}

/** One call: numbered media both ways at RATE/s until `endAt`, then a normal close; checks every echo. */
class Call {
  constructor(kind, id) {
    Object.assign(this, { kind, id, sent: 0, received: 0, reordered: 0, foreign: 0, maxGapMs: 0, lastAt: null, outcome: 'pending', detail: '' });
  }

  echo(seq) {
    const now = performance.now();
    if (this.lastAt !== null) this.maxGapMs = Math.max(this.maxGapMs, now - this.lastAt);
    this.lastAt = now;
    if (seq !== this.received) this.reordered++;
    this.received++;
  }

  async pace(endAt, sendOne) {
    const startedAt = performance.now();
    while (!this.ws.closedEarly) {
      const now = performance.now();
      if (now >= endAt) return;
      const due = Math.floor(((now - startedAt) / 1000) * RATE) + 1;
      while (this.sent < due) { sendOne(this.sent); this.sent++; }
      await delay(1000 / RATE);
    }
  }

  async awaitEchoes() {
    const until = performance.now() + 10000;
    while (this.received < this.sent && !this.ws.closedEarly && performance.now() < until) await delay(20);
  }
}

async function browserCall(stack, call, endAt, origin) {
  const { url, protocols } = stack.browserConnect(stack.mintUserToken({ sub: `drill-${call.id}` }));
  try {
    call.ws = await openWs(url, { protocols, origin, timeoutMs: 30000 });
  } catch (error) {
    call.outcome = 'refused'; call.detail = error.message; return call;
  }
  const ws = call.ws;
  ws.on('message', (data, isBinary) => {
    const m = isBinary ? { id: data.readUInt32BE(0), seq: data.readUInt32BE(4) } : JSON.parse(data.toString());
    if (m.id !== call.id) call.foreign++;
    else call.echo(m.seq);
  });
  const closing = closed(ws, 24 * 3600 * 1000);
  let clientClosing = false;
  closing.then((c) => { if (!clientClosing) { ws.closedEarly = true; call.earlyClose = c; } });
  // Even numbers as text, odd as binary 160-byte frames (a 20 ms µ-law frame's size).
  await call.pace(endAt, (seq) => {
    if (seq % 2 === 0) ws.send(JSON.stringify({ id: call.id, seq }));
    else { const f = Buffer.alloc(168, seq & 0xff); f.writeUInt32BE(call.id, 0); f.writeUInt32BE(seq, 4); ws.send(f, { binary: true }); }
  });
  await call.awaitEchoes();
  if (ws.closedEarly) { call.outcome = 'dropped'; call.detail = `closed ${call.earlyClose.code} ${call.earlyClose.reason}`; return call; }
  clientClosing = true;
  ws.close(1000, 'call done');
  const c = await Promise.race([closing, delay(10000).then(() => ({ code: 'timeout' }))]);
  call.outcome = c.code === 1000 ? 'completed' : 'dropped';
  if (c.code !== 1000) call.detail = `close ${c.code}`;
  return call;
}

async function phoneCall(stack, call, endAt) {
  const streamSid = randomSid('MZ');
  let answered;
  try {
    answered = await stack.answerTwilioCall();
    call.ws = await openWs(stack.urls.twilioStream, { headers: { 'X-Twilio-Signature': stack.signTwilio() }, timeoutMs: 30000 });
  } catch (error) {
    call.outcome = 'refused'; call.detail = error.message; return call;
  }
  const ws = call.ws;
  const marks = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.event === 'mark') { marks.push(m.mark.name); return; }
    if (m.event !== 'media') return;
    if (m.streamSid !== streamSid) { call.foreign++; return; }
    call.echo(Buffer.from(m.media.payload, 'base64').readUInt32BE(0));
  });
  const closing = closed(ws, 24 * 3600 * 1000);
  let stopSent = false;
  closing.then((c) => { if (!stopSent) { ws.closedEarly = true; call.earlyClose = c; } });
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify(startMessage(answered, { streamSid })));
  await call.pace(endAt, (seq) => {
    const payload = Buffer.alloc(160, 0xff);
    payload.writeUInt32BE(seq, 0);
    ws.send(JSON.stringify({ event: 'media', sequenceNumber: String(seq + 2), streamSid, media: { track: 'inbound', chunk: String(seq + 1), timestamp: String(seq * 20), payload: payload.toString('base64') } }));
  });
  await call.awaitEchoes();
  if (ws.closedEarly) { call.outcome = 'dropped'; call.detail = `closed ${call.earlyClose.code} ${call.earlyClose.reason}`; return call; }
  // The caller hangs up: Twilio sends stop, the backend ends the stream (1000).
  stopSent = true;
  ws.send(JSON.stringify({ event: 'stop', sequenceNumber: String(call.sent + 2), streamSid, stop: { accountSid: answered.accountSid, callSid: answered.callSid } }));
  const c = await Promise.race([closing, delay(10000).then(() => ({ code: 'timeout' }))]);
  call.outcome = c.code === 1000 && marks.includes('backend-got-stop') ? 'completed' : 'dropped';
  if (call.outcome === 'dropped') call.detail = `close ${c.code}, marks ${marks.join(',')}`;
  return call;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-edge-drill-'));
  const log = o.verbose ? (line) => console.error(line) : () => {};
  const buildNames = ['A', 'B', 'C', 'D', 'E', 'F'].slice(0, o.deploys + 1);
  const holder = await startHolder(logDir, log);
  let stack;
  let exitCode = 1;
  try {
    stack = await start({
      ports: { relay: holder.port }, build: o.build, log, relayLauncher: holder.launcher,
      relayEnv: { Relay__Build: buildNames[0], Relay__HandoverMaxMinutes: '10' },
    });
    console.log(`drill: ${o.calls} browser + ${o.phone} phone calls x ${o.seconds} s at ${RATE} frames/s each way, ${o.deploys} deploy(s) ${buildNames.join(' -> ')} on one socket (127.0.0.1:${holder.port}, held by python3 ${path.basename(holderScript)}); each "rebuilt" relay is the same binaries with another Relay__Build`);
    const origin = stack.allowedOrigins[0];
    const t0 = performance.now();
    const endAt = t0 + o.seconds * 1000;
    let nextId = 0;
    const runs = [];
    const open = (kind) => {
      const call = new Call(kind, nextId++);
      runs.push(kind === 'browser' ? browserCall(stack, call, endAt, origin) : phoneCall(stack, call, endAt));
    };
    for (let i = 0; i < o.calls; i++) open('browser');
    for (let i = 0; i < o.phone; i++) open('phone');

    const overlaps = [];
    const deploys = [];
    for (let d = 1; d <= o.deploys; d++) {
      const at = t0 + (o.seconds * 1000 * d) / (o.deploys + 2);
      if (performance.now() < at) await delay(at - performance.now());
      const oldBuild = buildNames[d - 1];
      const newBuild = buildNames[d];
      const old = holder.builds.get(oldBuild).handle;
      const t = performance.now();
      // 1. The rebuilt relay starts on the same socket, beside the old one (both accept from its queue).
      const fresh = await stack.startRelay({ Relay__Build: newBuild });
      const watch = watchOverlap(`${oldBuild}->${newBuild}`, [old.pid, fresh.pid]);
      // 2. Wait until it serves: a fresh connection answered by the new build.
      let serves = false;
      for (let i = 0; i < 200 && !serves; i++) serves = (await healthLive(holder.port))?.build === newBuild || (await delay(50), false);
      if (!serves) throw new Error(`build ${newBuild} never answered /health/live`);
      const servedMs = performance.now() - t;
      // 3. SIGTERM the old build: it stops accepting and keeps its calls.
      old.signal('SIGTERM');
      const termAt = performance.now();
      // 4. New calls during the hand-over (they must go to the new build and not be refused).
      for (let i = 0; i < o.newCalls; i++) { open(i % 2 === 0 || o.phone === 0 ? 'browser' : 'phone'); await delay(100); }
      let liveAfter = null;
      for (let i = 0; i < 20; i++) { liveAfter = await healthLive(holder.port); if (liveAfter?.build === newBuild) break; await delay(100); }
      deploys.push({ oldBuild, newBuild, servedMs, liveAfter, termAt });
      overlaps.push({ watch, old });
      old.exited.then(() => { overlaps.find((x) => x.old === old).result ??= watch.finish(); });
    }

    const calls = await Promise.all(runs);
    const callsEndedAt = performance.now();
    // Every old build must exit once its calls are gone.
    const exits = [];
    for (const { oldBuild } of deploys) {
      const entry = holder.builds.get(oldBuild);
      const info = await Promise.race([entry.exited, delay(30000).then(() => null)]);
      exits.push({ build: oldBuild, info, afterMs: info ? Math.max(0, entry.exitedAt - callsEndedAt) : null });
    }
    for (const x of overlaps) x.result ??= x.watch.finish();
    const current = holder.builds.get(buildNames.at(-1));

    const completed = calls.filter((c) => c.outcome === 'completed');
    const dropped = calls.filter((c) => c.outcome === 'dropped');
    const refused = calls.filter((c) => c.outcome === 'refused');
    const answered = calls.filter((c) => c.outcome !== 'refused');
    const sent = answered.reduce((n, c) => n + c.sent, 0);
    const received = answered.reduce((n, c) => n + c.received, 0);
    const lost = sent - received;
    const reordered = answered.reduce((n, c) => n + c.reordered + c.foreign, 0);
    const maxGap = Math.max(0, ...answered.map((c) => c.maxGapMs));
    const newCalls = o.newCalls * o.deploys;
    // Which build served each call: the relays' own call log lines (`... build=<name>`).
    const perBuild = buildNames.map((b) => {
      const text = fs.existsSync(holder.builds.get(b)?.logFile ?? '') ? fs.readFileSync(holder.builds.get(b).logFile, 'utf8') : '';
      return `${b}=${(text.match(new RegExp(`ended[^\\n]*build=${b}\\b`, 'g')) ?? []).length}`;
    });

    for (const d of deploys) console.log(`deploy ${d.oldBuild} -> ${d.newBuild}: ${d.newBuild} served ${Math.round(d.servedMs)} ms after its start; /health/live after SIGTERM to ${d.oldBuild}: build=${d.liveAfter?.build} handingOver=${d.liveAfter?.handingOver}`);
    console.log(`calls continued to their own end: ${completed.length} of ${calls.length} (${o.calls} browser + ${o.phone} phone from the start, ${newCalls} opened during the hand-overs)`);
    console.log(`calls dropped: ${dropped.length}${dropped.length ? ` (${dropped.map((c) => `${c.kind} ${c.id}: ${c.detail}`).join('; ')})` : ''}`);
    console.log(`refusals: ${refused.length} (of ${calls.length} calls, ${newCalls} of them opened during the hand-overs)${refused.length ? ` (${refused.map((c) => `${c.kind} ${c.id}: ${c.detail}`).join('; ')})` : ''}`);
    console.log(`media: sent ${sent}, echoed ${received}, lost ${lost}, reordered ${reordered}`);
    console.log(`longest media gap in any call: ${Math.round(maxGap)} ms`);
    console.log(`calls served per build (relay call log lines): ${perBuild.join(' ')}`);
    for (const x of overlaps) {
      const [a, b] = x.result.procs;
      const [ab, bb] = x.result.label.split('->');
      console.log(`overlap ${x.result.label} (${x.result.seconds.toFixed(1)} s): ${ab} pid ${a.pid} cpu ${a.cpuSeconds.toFixed(2)} s (${a.cpuPercent.toFixed(0)}%) peak rss ${a.peakRssMb.toFixed(0)} MB; ${bb} pid ${b.pid} cpu ${b.cpuSeconds.toFixed(2)} s (${b.cpuPercent.toFixed(0)}%) peak rss ${b.peakRssMb.toFixed(0)} MB`);
    }
    for (const e of exits) console.log(`build ${e.build} ${e.info ? `exited (code ${e.info.code}) ${e.afterMs > 0 ? `${Math.round(e.afterMs)} ms after the last call ended` : 'before the last call ended (its own calls were gone)'}` : 'did not exit within 30 s of the last call ending'}`);
    console.log(`build ${buildNames.at(-1)} still serving: ${!current.exitInfo}`);
    const ok = dropped.length === 0 && refused.length === 0 && lost === 0 && reordered === 0 && exits.every((e) => e.info) && !current.exitInfo;
    console.log(`result: ${ok ? 'PASS' : 'FAIL'}`);
    exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error(`deploy drill failed: ${error.message}`);
    exitCode = 1;
  } finally {
    await stack?.stop().catch((e) => console.error(`stop: ${e.message}`));
    await holder.stop().catch(() => {});
    if (exitCode === 0) fs.rmSync(logDir, { recursive: true, force: true });
    else console.error(`relay logs kept in ${logDir}`);
  }
  process.exit(exitCode);
}

main().catch((error) => { console.error(`deploy drill: ${error.message}`); process.exit(2); });
