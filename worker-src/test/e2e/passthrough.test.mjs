// RELAY_PASSTHROUGH=on: after the checks the Worker hands the relay's socket to the runtime unaccepted, so
// workerd joins the two connections natively (no JavaScript per frame). What the pump does in JavaScript must
// still hold here, except what moves to the relay (the per-call log line, the keepalive answer).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { closed, hs256, messages, nowSeconds, ORIGIN, sha256, startStubRelay, startWorker, until } from "./harness.mjs";
import { describeExceptions, workerExceptions } from "./logGate.mjs";

let relay;
let worker;

before(async () => {
  relay = await startStubRelay();
  worker = await startWorker(relay.port, { passThrough: true });
});
after(async () => {
  await worker?.stop();
  await relay?.stop();
});

const validToken = () => hs256({ sub: "e2e-user", exp: nowSeconds() + 300 });

function open(query = "", protocols = ["voice-edge", `bearer.${validToken()}`]) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${worker.ws}${query}`, protocols, { origin: ORIGIN, maxPayload: 4 * 1024 * 1024 });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

describe("native pass-through (RELAY_PASSTHROUGH=on) in workerd", () => {
  it("relays text, binary and 1 MiB frames in order with the subprotocol and query, and keeps the token from the relay", async () => {
    const ws = await open("?lang=en");
    assert.equal(ws.protocol, "voice-edge");
    const call = relay.calls.at(-1);
    assert.equal(call.protocol, "voice-edge");
    assert.equal(call.query, "?lang=en");
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const sent = [...Array.from({ length: 30 }, (_, i) => (i % 2 ? Buffer.from(`m-${i}`) : Buffer.from([i, 0, 255]))), big];
    const receiving = messages(ws, sent.length);
    sent.forEach((payload, i) => ws.send(payload, { binary: i % 2 === 0 || payload === big }));
    const got = await receiving;
    got.forEach((m, i) => assert.equal(sha256(m.data), sha256(sent[i]), `frame ${i}`));
    ws.close(1000);
  });

  it("passes close codes and reasons both ways", async () => {
    const a = await open();
    const callA = relay.calls.at(-1);
    a.close(4001, "caller hung up");
    await until(() => callA.close !== null);
    assert.deepEqual(callA.close, { code: 4001, reason: "caller hung up" });
    const b = await open();
    const closing = closed(b);
    b.send("close:4002:backend done");
    assert.deepEqual(await closing, { code: 4002, reason: "backend done" });
  });

  it("still refuses before any upgrade, and a keepalive ping now reaches the relay (the relay answers it)", async () => {
    await assert.rejects(open("", ["voice-edge", "bearer.bnVsbA.e30."]), { status: 403 });
    await assert.rejects(open("?mode=refuse"), { status: 502 });
    const ws = await open();
    const call = relay.calls.at(-1);
    const echo = messages(ws, 1);
    ws.send('{"type":"voice-edge.ping"}');
    await echo;
    assert.equal(call.received.length, 1, "the Worker no longer answers the ping itself");
    ws.close();
  });

  it("keepalive is the relay's: its WebSocket ping reaches the client and the client's pong reaches the relay", async () => {
    const ws = await open("?mode=ping");
    const call = relay.calls.at(-1);
    const pinged = new Promise((resolve) => ws.once("ping", (data) => resolve(data.toString())));
    assert.equal(await pinged, "relay-ping");
    await until(() => call.pongs.length > 0);
    assert.deepEqual(call.pongs, ["relay-ping"]);
    ws.close();
  });

  it("differs from the pump: a relay that vanishes without a close frame reaches the client as 1006, not 1011", async () => {
    // The runtime has no close frame to pass on and no Worker code runs to send one; the pump sends 1011.
    const ws = await open();
    const closing = closed(ws);
    ws.send("vanish");
    assert.deepEqual(await closing, { code: 1006, reason: "" });
  });

  it("races: the client keeps sending while the relay closes", async () => {
    const ws = await open("?mode=closesoon");
    const closing = closed(ws);
    let open_ = true;
    ws.on("close", () => (open_ = false));
    while (open_) {
      ws.send(Buffer.alloc(320, 1));
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await closing, { code: 4003, reason: "relay done" });
  });

  it("no JavaScript pump ran: every call logged as passed through, none with the pump's close line", () => {
    const log = worker.output();
    const passed = log.split("\n").filter((l) => l.includes('"event":"call-passed-through"')).length;
    assert.ok(passed >= relay.calls.length, `${passed} passed-through lines for ${relay.calls.length} calls`);
    assert.ok(!log.includes('"event":"call"'), "the pump's per-call line appeared");
  });

  it("runtime-log gate (last): no exception thrown by Worker code", async () => {
    await new Promise((r) => setTimeout(r, 200));
    const found = workerExceptions(worker.output());
    assert.equal(found.length, 0, `exceptions thrown by Worker code:\n${describeExceptions(found)}`);
  });
});
