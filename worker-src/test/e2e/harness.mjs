// End-to-end harness: a stand-in relay (a real `ws` server that checks the relay token exactly as the relay
// does) and the Worker served by `wrangler dev` (workerd), both on 127.0.0.1. The JWT signer, the relay-token
// check, the port picker and the `wrangler dev` launcher are the shared rig in local/lib (node built-ins only);
// every process started here is killed with its process group when the test file ends, even on failure.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { nowSeconds, signHs256 } from "../../../local/lib/jwt.mjs";
import { freePort } from "../../../local/lib/net.mjs";
import { delay } from "../../../local/lib/processes.mjs";
import { checkRelayTokenV2 } from "../../../local/lib/relayToken.mjs";
import { startWranglerDev } from "../../../local/lib/wrangler.mjs";

export const SIGNING_KEY = "e2e-signing-key-0123456789";
export const JWT_SECRET = "e2e-jwt-secret";
export const ORIGIN = "http://127.0.0.1:8788";

export { freePort, nowSeconds };

export const hs256 = (claims, secret = JWT_SECRET, header = undefined) => signHs256(claims, secret, header);

/**
 * Verifies X-Voice-Edge-Auth v2 as docs/architecture.md specifies (the Worker mints v2 only, so a v1 token is
 * refused here): `{ status: "ok", sub, clientIp }` or `{ status: <why not> }`.
 */
export const checkRelayToken = (header, key = SIGNING_KEY) => checkRelayTokenV2(header, key);

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
export async function startWorker(relayPort, { relayTimeoutMs = 1500 } = {}) {
  const worker = await startWranglerDev({
    vars: {
      RELAY_URL: `http://127.0.0.1:${relayPort}`,
      ALLOWED_ORIGINS: ORIGIN,
      ROUTE_PREFIX: "/voice",
      RELAY_SIGNING_KEY: SIGNING_KEY,
      AUTH_JWT_SECRET: JWT_SECRET,
      RELAY_TIMEOUT_MS: String(relayTimeoutMs),
    },
    logLevel: "debug",
  });
  return {
    port: worker.port,
    base: worker.base,
    ws: worker.ws,
    output: worker.output,
    stop: async () => {
      worker.kill();
      await delay(200);
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
