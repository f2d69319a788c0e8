// The Worker in workerd (`wrangler dev`) between a real client and the stand-in relay. After its checks the
// Worker hands the relay's socket to the runtime unaccepted, so workerd joins the two connections natively (no
// JavaScript per frame): everything below is what that pass-through must carry, and what the Worker refuses
// before it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { request as httpRequest } from "node:http";
import { mintRelayTokenV1 } from "../../../local/lib/relayToken.mjs";
import { checkRelayToken, closed, hs256, messages, nowSeconds, ORIGIN, sha256, SIGNING_KEY, startStubRelay, startWorker, until } from "./harness.mjs";
import { describeExceptions, workerExceptions } from "./logGate.mjs";

let relay;
let worker;

before(async () => {
  relay = await startStubRelay();
  worker = await startWorker(relay.port);
});
after(async () => {
  await worker?.stop();
  await relay?.stop();
});

const validToken = () => hs256({ sub: "e2e-user", exp: nowSeconds() + 300 });

function open(query = "", { protocols = ["voice-edge", `bearer.${validToken()}`], origin = ORIGIN, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${worker.ws}${query}`, protocols, { origin, headers, maxPayload: 4 * 1024 * 1024 });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

async function refusedWith(query, options) {
  try {
    const ws = await open(query, options);
    ws.terminate();
    return 101;
  } catch (error) {
    if (error.status) return error.status;
    throw error;
  }
}

describe("browser path through the Worker in workerd", () => {
  it("relays text and binary both ways, in order, negotiates the subprotocol and keeps the token from the relay", async () => {
    const ws = await open("?lang=en");
    assert.equal(ws.protocol, "voice-edge");
    const call = relay.calls.at(-1);
    assert.equal(call.protocol, "voice-edge");
    assert.equal(call.query, "?lang=en");
    assert.equal(call.user, "e2e-user", "the relay token (v2) names the user's sub");
    // wrangler dev sets CF-Connecting-IP to the client's address, as Cloudflare's edge does; this client is on loopback.
    assert.ok(["127.0.0.1", "::1"].includes(call.clientIp), `client IP in the relay token: ${call.clientIp}`);
    const sent = [];
    for (let i = 0; i < 100; i++) {
      const binary = i % 3 === 0;
      const payload = binary ? Buffer.from([i, 255 - i, 0, i]) : Buffer.from(`message-${i}`);
      sent.push({ payload, binary });
    }
    const receiving = messages(ws, sent.length);
    for (const m of sent) ws.send(m.payload, { binary: m.binary });
    const got = await receiving;
    got.forEach((m, i) => {
      assert.equal(m.isBinary, sent[i].binary, `frame ${i} type`);
      assert.deepEqual(m.data, sent[i].payload, `frame ${i} payload`);
    });
    ws.close(1000, "done");
    await closed(ws);
  });

  it("carries frames up to 1 MiB unchanged", async () => {
    const ws = await open();
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const text = "x".repeat(512 * 1024);
    const receiving = messages(ws, 2);
    ws.send(big, { binary: true });
    ws.send(text);
    const [b, t] = await receiving;
    assert.equal(sha256(b.data), sha256(big));
    assert.equal(t.data.toString(), text);
    ws.close();
  });

  it("passes the client's close code and reason to the relay", async () => {
    const ws = await open();
    const call = relay.calls.at(-1);
    ws.close(4001, "caller hung up");
    await until(() => call.close !== null);
    assert.deepEqual(call.close, { code: 4001, reason: "caller hung up" });
  });

  it("passes the relay's close code and reason to the client", async () => {
    const ws = await open();
    const closing = closed(ws);
    ws.send("close:4002:backend done");
    assert.deepEqual(await closing, { code: 4002, reason: "backend done" });
  });

  it("a relay that vanishes without a close frame reaches the client as 1006", async () => {
    // The runtime has no close frame to pass on and no Worker code runs to send one (SIGKILL, a lost VM).
    const ws = await open();
    const closing = closed(ws);
    ws.send("vanish");
    assert.deepEqual(await closing, { code: 1006, reason: "" });
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

  it('`{"type":"voice-edge.ping"}` is an ordinary text frame: it reaches the relay, the Worker does not answer it', async () => {
    const ws = await open();
    const call = relay.calls.at(-1);
    const echo = messages(ws, 1);
    ws.send('{"type":"voice-edge.ping"}');
    assert.equal((await echo)[0].data.toString(), '{"type":"voice-edge.ping"}', "the stand-in relay's echo, not a pong");
    assert.equal(call.received.length, 1);
    ws.close();
  });

  it("accepts the token as a query parameter or a cookie too", async () => {
    const q = await open(`?token=${validToken()}`, { protocols: [] });
    assert.ok(!relay.calls.at(-1).query.includes("token="), "the token query parameter must not reach the relay");
    q.close();
    const c = await open("", { protocols: [], headers: { Cookie: `ve_token=${validToken()}` } });
    c.close();
  });

  it("refuses bad tokens of every kind before the upgrade", async () => {
    assert.equal(await refusedWith("", { protocols: ["voice-edge"] }), 401);
    assert.equal(await refusedWith("", { protocols: ["voice-edge", `bearer.${hs256({ exp: nowSeconds() + 60 }, "wrong-secret")}`] }), 403);
    assert.equal(await refusedWith("", { protocols: ["voice-edge", `bearer.${hs256({ exp: nowSeconds() - 3600 })}`] }), 403);
    assert.equal(await refusedWith("", { protocols: ["voice-edge", `bearer.${hs256({ exp: nowSeconds() + 60 }, "x", { alg: "none" })}`] }), 403);
    assert.equal(await refusedWith("", { protocols: ["voice-edge", "bearer.not.a.jwt"] }), 403);
    assert.equal(await refusedWith(`?token=${hs256({ exp: nowSeconds() + 600, nbf: nowSeconds() + 300 })}`, { protocols: [] }), 403);
  });

  it("refuses a wrong origin with 403 and a non-WebSocket request with 426", async () => {
    assert.equal(await refusedWith("", { origin: "https://evil.example" }), 403);
    const plain = await fetch(`${worker.base}/voice/ws`, { headers: { Origin: ORIGIN } });
    assert.equal(plain.status, 426);
  });

  it("answers 502 when the relay refuses and 504 when it does not answer in time, then drops that relay connection", async () => {
    assert.equal(await refusedWith("?mode=refuse"), 502);
    assert.equal(await refusedWith("?mode=slow"), 504);
    const slow = relay.held.at(-1);
    await until(() => slow.closed);
  });

  it("refuses hostile token input with a status instead of throwing (cookie ve_token=%, a JWT header of null)", async () => {
    assert.equal(await refusedWith("", { protocols: ["voice-edge"], headers: { Cookie: "ve_token=%" } }), 403);
    assert.equal(await refusedWith("", { protocols: ["voice-edge", "bearer.bnVsbA.e30."] }), 403);
    assert.equal(await refusedWith("", { protocols: ["voice-edge", "bearer.W10.W10."] }), 403);
    // jose refuses a crit header before awaiting anything; workerd would report that as an uncaught rejection.
    const crit = hs256({ sub: "e2e-user", exp: nowSeconds() + 60 }, undefined, { alg: "HS256", crit: ["urn:x"], "urn:x": 1 });
    assert.equal(await refusedWith("", { protocols: ["voice-edge", `bearer.${crit}`] }), 403);
  });

  it("race: the client keeps sending data and pings while the relay closes", async () => {
    const ws = await open("?mode=closesoon");
    const closing = closed(ws);
    let open_ = true;
    ws.on("close", () => (open_ = false));
    const frame = Buffer.alloc(320, 1);
    while (open_) {
      ws.send(frame);
      ws.send('{"type":"voice-edge.ping"}');
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await closing, { code: 4003, reason: "relay done" });
  });

  it("race: the relay keeps sending while the client closes, and while the client vanishes", async () => {
    const ws = await open("?mode=flood");
    const call = relay.calls.at(-1);
    await messages(ws, 20);
    ws.close(4004, "caller left");
    await until(() => call.close !== null);
    assert.deepEqual(call.close, { code: 4004, reason: "caller left" });

    const gone = await open("?mode=flood");
    const goneCall = relay.calls.at(-1);
    await messages(gone, 20);
    for (let i = 0; i < 50; i++) gone.send(Buffer.alloc(320, 2));
    gone.terminate();
    await until(() => goneCall.close !== null);
    assert.ok([1001, 1006, 1011].includes(goneCall.close.code), `relay saw close ${goneCall.close.code}`);
  });

  it("closes the relay connection of an upgrade the client abandoned", async () => {
    const heldBefore = relay.held.length;
    const req = httpRequest(`${worker.base}/voice/ws?delay=300`, {
      headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13", Origin: ORIGIN, "Sec-WebSocket-Protocol": `voice-edge, bearer.${validToken()}` },
    });
    req.on("error", () => {});
    req.end();
    await until(() => relay.held.length > heldBefore);
    req.destroy();
    const delayed = relay.held.at(-1);
    await until(() => delayed.closed);
  });

  it("mints relay tokens the relay accepts", () => {
    assert.ok(relay.calls.length > 0);
  });

  it("logs one JSON line per call it hands over (session and user), never the user token or the signing key", async () => {
    const token = validToken();
    const ws = await open("", { protocols: ["voice-edge", `bearer.${token}`] });
    ws.close(1000, "bye");
    await closed(ws);
    const lines = worker.output().split("\n").filter((l) => l.includes('"event":"call-passed-through"'));
    assert.ok(lines.length >= relay.calls.length, `${lines.length} call lines for ${relay.calls.length} calls`);
    const entry = JSON.parse(lines.at(-1).slice(lines.at(-1).indexOf("{")));
    assert.deepEqual(Object.keys(entry).sort(), ["event", "session", "user"]);
    assert.equal(entry.user, "e2e-user");
    assert.match(entry.session, /^[0-9a-f-]{36}$/);
    assert.ok(!worker.output().includes(token), "user token in the log");
    assert.ok(!worker.output().includes("e2e-signing-key"), "signing key in the log");
  });

  it("answers 502 when the relay is down (stops the stand-in relay)", async () => {
    await relay.stop();
    assert.equal(await refusedWith(""), 502);
  });

  it("runtime-log gate (last): wrangler's debug log shows no exception thrown by Worker code", async () => {
    await new Promise((r) => setTimeout(r, 200)); // let the log of the last calls arrive
    const found = workerExceptions(worker.output());
    assert.equal(found.length, 0, `exceptions thrown by Worker code:\n${describeExceptions(found)}`);
  });
});

it("the harness's relay-token check rejects forgeries and v1 (so the stand-in really checks)", () => {
  assert.equal(checkRelayToken("v2.1.s.dQ..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status, "bad-signature");
  assert.equal(checkRelayToken(mintRelayTokenV1(SIGNING_KEY, nowSeconds() + 30, "s")).status, "malformed");
  assert.equal(checkRelayToken(undefined).status, "malformed");
});
