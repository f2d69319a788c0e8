// The load generator both benchmarks share: one-connection ping-pong, and many concurrent streams at a fixed
// message rate (Twilio Media Streams send 50 messages/s of about 300 bytes). Latency is measured per message
// from send to echo; loss is messages sent and never echoed. Bounded in count and time; loopback only.
import net from "node:net";
import path from "node:path";
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { startReady } from "../../local/lib/processes.mjs";

export { freePort } from "../../local/lib/net.mjs";

function assertLoopback(url) {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(host)) throw new Error(`benchmarks target loopback only, not ${host}`);
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function connect(url, { headers = {}, protocols = [], origin } = {}) {
  assertLoopback(url);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers, origin, perMessageDeflate: false, handshakeTimeout: 15000 });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Sequential request/echo on one connection: returns RTTs in microseconds (after a warm-up). */
export async function pingPong(url, options, { messages = 2000, warmup = 200, size = 200 } = {}) {
  const ws = await connect(url, options());
  const payload = "x".repeat(size);
  const rtts = [];
  for (let i = 0; i < warmup + messages; i++) {
    const t0 = process.hrtime.bigint();
    const echoed = new Promise((resolve) => ws.once("message", resolve));
    ws.send(payload);
    await echoed;
    if (i >= warmup) rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  ws.close();
  rtts.sort((a, b) => a - b);
  return { p50: percentile(rtts, 50), p90: percentile(rtts, 90), p99: percentile(rtts, 99), n: rtts.length };
}

/** `count` streams, each sending `rate` messages/s of ~`size` bytes JSON for `seconds`; latency and loss. */
export async function streams(url, options, { count, rate = 50, seconds = 15, size = 300 } = {}) {
  const sockets = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => connect(url, options())));
    sockets.push(...batch);
  }
  const latencies = [];
  let sent = 0;
  let received = 0;
  const filler = "A".repeat(Math.max(0, size - 120));
  for (const ws of sockets) {
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString());
      received++;
      latencies.push(Number(process.hrtime.bigint() - BigInt(msg.t)) / 1000);
    });
  }
  const interval = 1000 / rate;
  const started = Date.now();
  let seq = 0;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      if (Date.now() - started >= seconds * 1000) {
        clearInterval(tick);
        resolve();
        return;
      }
      seq++;
      for (const ws of sockets) {
        if (ws.readyState !== WebSocket.OPEN) continue;
        ws.send(JSON.stringify({ event: "media", sequenceNumber: String(seq), media: { track: "inbound", chunk: String(seq), payload: filler }, t: String(process.hrtime.bigint()) }));
        sent++;
      }
    }, interval);
  });
  const deadline = Date.now() + 5000;
  while (received < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const ws of sockets) ws.terminate();
  latencies.sort((a, b) => a - b);
  return { sent, received, lost: sent - received, p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), seconds };
}

/** CPU seconds (user + system) of a process and its descendants, from /proc; with `name`, only processes of that name (comm). */
export function cpuSeconds(pid, name) {
  const ticks = 100;
  let total = 0;
  const visit = (p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (name === undefined || comm === name) total += (Number(fields[11]) + Number(fields[12])) / ticks;
      const children = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
      for (const c of children) visit(Number(c));
    } catch {}
  };
  visit(pid);
  return total;
}

/** Starts a process in its own group (local/lib/processes.mjs); waits until `ready()` resolves; kill() stops the group. */
export function startProcess(command, args, { env = {}, cwd, ready }) {
  return startReady(path.basename(command), command, args, { cwd, env: { ...process.env, ...env }, ready });
}

export async function httpOk(url) {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await r.arrayBuffer();
  return true;
}

export function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.end();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

export const fmt = (us) => (Number.isFinite(us) ? `${(us / 1000).toFixed(2)} ms` : "n/a");
