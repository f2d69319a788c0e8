// End-to-end harness: a stand-in relay (a real `ws` server that checks the relay token exactly as the relay
// does) and the Worker served by `wrangler dev` (workerd), both on 127.0.0.1. Every process started here is
// killed with its process group when the test file ends, even on failure.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac, createHash } from "node:crypto";
import { createServer } from "node:http";
import net from "node:net";
import { WebSocketServer } from "ws";

export const SIGNING_KEY = "e2e-signing-key-0123456789";
export const JWT_SECRET = "e2e-jwt-secret";
export const ORIGIN = "http://127.0.0.1:8788";

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

const b64url = (buf) => Buffer.from(buf).toString("base64url");

export function hs256(claims, secret = JWT_SECRET, header = { alg: "HS256", typ: "JWT" }) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Verifies X-Voice-Edge-Auth v2 as docs/architecture.md specifies (the Worker mints v2 only, so a v1 token is
 * refused here): `{ status: "ok", sub, clientIp }` or `{ status: <why not> }`.
 */
export function checkRelayToken(header, key = SIGNING_KEY) {
  const m = /^v2\.(0|[1-9]\d{0,11})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{2,342})\.([A-Za-z0-9_-]{0,60})\.([A-Za-z0-9_-]{43})$/.exec(header ?? "");
  if (!m) return { status: "malformed" };
  const expected = createHmac("sha256", Buffer.from(key, "utf8")).update(`v2.${m[1]}.${m[2]}.${m[3]}.${m[4]}`).digest("base64url");
  if (expected !== m[5]) return { status: "bad-signature" };
  const exp = Number(m[1]);
  if (exp < nowSeconds() - 5) return { status: "expired" };
  if (exp > nowSeconds() + 65) return { status: "too-far-ahead" };
  return { status: "ok", sub: Buffer.from(m[3], "base64url").toString("utf8"), clientIp: m[4] ? Buffer.from(m[4], "base64url").toString("ascii") : null };
}

/**
 * The stand-in relay. Behaviour per call from the query string the Worker passes on: mode=refuse answers 403,
 * the text "vanish" drops the TCP connection without a close frame; mode=ping sends a WebSocket ping ("relay-ping") right after opening and records the pongs it gets back,
 * mode=slow never answers the upgrade, delay=<ms> answers it that late, mode=closesoon closes with 4003 150 ms
 * after opening, mode=flood sends a frame every millisecond until closed. Otherwise it echoes; the text
 * "close:<code>:<reason>" makes it close. `upgrades` counts every upgrade request that reached it; `held` holds
 * the sockets of slow and delayed upgrades, each with `closed` set once the Worker drops it.
 */
export async function startStubRelay() {
  const port = await freePort();
  const calls = [];
  const held = [];
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  const server = createServer((req, res) => {
    res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok" }));
  });
  const stats = { upgrades: 0 };
  server.on("upgrade", async (req, socket, head) => {
    stats.upgrades++;
    const url = new URL(req.url, "http://relay");
    const mode = url.searchParams.get("mode");
    if (mode === "slow" || url.searchParams.has("delay")) {
      const entry = { socket, closed: false };
      held.push(entry);
      // "end": the Worker closed its side (workerd sends FIN and closes; the half-open socket stays here).
      socket.on("end", () => (entry.closed = true));
      socket.on("close", () => (entry.closed = true));
      socket.on("error", () => {});
      if (mode === "slow") return;
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get("delay"))));
      if (entry.closed) return;
    }
    const token = checkRelayToken(req.headers["x-voice-edge-auth"]);
    if (mode === "refuse" || token.status !== "ok") {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const call = { path: url.pathname, query: url.search, protocol: req.headers["sec-websocket-protocol"] ?? null, user: token.sub, clientIp: token.clientIp, received: [], pongs: [], close: null, ws };
      calls.push(call);
      ws.on("error", () => {});
      if (mode === "closesoon") setTimeout(() => ws.close(4003, "relay done"), 150);
      if (mode === "ping") {
        ws.on("pong", (data) => call.pongs.push(data.toString()));
        setTimeout(() => ws.readyState === ws.OPEN && ws.ping("relay-ping"), 100);
      }
      if (mode === "flood") {
        const timer = setInterval(() => ws.readyState === ws.OPEN && ws.send(Buffer.alloc(320, 7)), 1);
        ws.on("close", () => clearInterval(timer));
      }
      ws.on("message", (data, isBinary) => {
        call.received.push({ data, isBinary });
        const text = isBinary ? null : data.toString();
        if (text === "vanish") {
          // A relay that dies (SIGKILL, VM lost): the TCP connection goes without a close frame.
          ws._socket.destroy();
          return;
        }
        if (text?.startsWith("close:")) {
          const [, code, reason] = text.split(":");
          ws.close(Number(code), reason);
          return;
        }
        ws.send(data, { binary: isBinary });
      });
      ws.on("close", (code, reason) => (call.close = { code, reason: reason.toString() }));
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    calls,
    held,
    stats,
    async stop() {
      for (const h of held) h.socket.destroy();
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * `wrangler dev` (workerd) serving src/ with the given relay; resolves once it answers. Its log is kept at debug
 * level so that the runtime-log gate (logGate.mjs) sees every exception.
 */
export async function startWorker(relayPort, { relayTimeoutMs = 1500, passThrough = false } = {}) {
  const port = await freePort();
  const vars = {
    RELAY_URL: `http://127.0.0.1:${relayPort}`,
    ALLOWED_ORIGINS: ORIGIN,
    ROUTE_PREFIX: "/voice",
    RELAY_SIGNING_KEY: SIGNING_KEY,
    AUTH_JWT_SECRET: JWT_SECRET,
    RELAY_TIMEOUT_MS: String(relayTimeoutMs),
    RELAY_PASSTHROUGH: passThrough ? "on" : "off",
  };
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--log-level", "debug"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", args, {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const kill = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  process.on("exit", kill);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/voice/health`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      break;
    } catch {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (Date.now() >= deadline) {
    kill();
    throw new Error(`wrangler dev did not start within 90 s: ${output}`);
  }
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/voice/ws`,
    output: () => output,
    stop: async () => {
      kill();
      await new Promise((r) => setTimeout(r, 200));
    },
  };
}

export const sha256 = (b) => createHash("sha256").update(b).digest("hex");

/** Resolves with the next `count` messages of `ws` (30 s bound). */
export function messages(ws, count) {
  return new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${count} messages`)), 30_000);
    ws.on("message", function onMessage(data, isBinary) {
      got.push({ data: Buffer.from(data), isBinary });
      if (got.length === count) {
        clearTimeout(timer);
        ws.off("message", onMessage);
        resolve(got);
      }
    });
  });
}

export const closed = (ws) => new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));

export async function until(condition) {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, "condition not reached within 15 s");
    await new Promise((r) => setTimeout(r, 25));
  }
}
