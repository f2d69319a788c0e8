// The gate itself must be able to fail: these are lines wrangler 4.86 printed for a Worker that threw from
// fetch, from a WebSocket listener and from waitUntil (captured from `wrangler dev --log-level debug`).
import assert from "node:assert/strict";
import { it } from "node:test";
import { workerExceptions } from "./logGate.mjs";

const thrownFromFetch = `[wrangler-UserWorker:error] TypeError: Cannot read properties of null (reading 'alg')
    at Object.fetch (file:///tmp/wscratch/index.js:4:88)
[wrangler-ProxyWorker:info] GET /throw 500 Internal Server Error (245ms)`;
const thrownFromListener = `\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1mUncaught Error: listener boom Error\u001b[0m
      at null.<anonymous> (file:///tmp/wscratch/index.js:8:57)
uncaught exception; source = Uncaught; stack = Error: listener boom`;
const rejectedWaitUntil = `      text: 'Uncaught Error: waitUntil boom',`;
const runtimeNotice = `\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1mUncaught Error: Network connection lost. \u001b[0m
uncaught exception; source = Uncaught (in response); stack = Error: Network connection lost.
uncaught exception; exception = workerd/jsg/_virtual_includes/iterator/workerd/jsg/value.h:1480: disconnected: jsg.Error: Network connection lost.
[wrangler-ProxyWorker:info] GET /voice/ws 101 Switching Protocols (8ms)`;

it("flags an error thrown from fetch and wrangler's 500 page", () => {
  const kinds = workerExceptions(thrownFromFetch).map((f) => f.kind);
  assert.deepEqual(kinds, ["thrown from the handler", "wrangler's 500 error page"]);
});

it("flags errors thrown in a WebSocket listener and rejected waitUntil promises", () => {
  assert.equal(workerExceptions(thrownFromListener).length, 2);
  assert.match(workerExceptions(rejectedWaitUntil)[0].kind, /waitUntil boom/);
});

it("allows the runtime's network notices by name, and nothing else", () => {
  assert.deepEqual(workerExceptions(runtimeNotice), []);
  assert.equal(workerExceptions(`${runtimeNotice}\n${rejectedWaitUntil}`).length, 1);
});
