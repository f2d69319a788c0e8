import { afterEach, describe, expect, it } from "vitest";
import { proxyToRelay, type RelayTarget } from "../../src/proxy";

// The relay dial is the seam here: `wrangler dev`'s proxy does not pass a client's disconnect on to the Worker
// before the Worker answers, so the end-to-end suite cannot show what request.signal does. A stand-in dial
// records whether the Worker gave up on it.
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});
const relay = (timeoutMs = 10_000): RelayTarget => ({ url: new URL("http://127.0.0.1:9"), timeoutMs });

describe("an upgrade the client abandons while the relay is slow", () => {
  it("aborts the relay dial when request.signal fires, instead of waiting for the relay", async () => {
    let dialAborted = false;
    const client = new AbortController();
    globalThis.fetch = ((_url: string, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        init?.signal?.addEventListener("abort", () => {
          dialAborted = true;
          reject(new DOMException("aborted", "AbortError"));
        });
        setTimeout(() => client.abort(), 5); // the client leaves while the relay is being dialed
        setTimeout(() => resolve(new Response("late", { status: 418 })), 3000);
      })) as typeof fetch;
    const request = new Request("https://example.com/voice/ws", { signal: client.signal });
    const response = await proxyToRelay({ request, relay: relay(), relayToken: "t" });
    expect(dialAborted).toBe(true);
    expect(await response.text()).toContain("the client went away");
  });
});

describe("an upgrade the client abandoned before the dial", () => {
  it("never dials the relay", async () => {
    let dials = 0;
    globalThis.fetch = (async () => {
      dials++;
      return new Response(null, { status: 418 });
    }) as typeof fetch;
    const client = new AbortController();
    client.abort();
    const request = new Request("https://example.com/voice/ws", { signal: client.signal });
    const response = await proxyToRelay({ request, relay: relay(), relayToken: "t" });
    expect(dials).toBe(0);
    expect(await response.text()).toContain("the client went away");
  });
});

describe("a relay that answers 101 just as the client leaves", () => {
  it("gets its connection closed with 1001 instead of left to its idle timeout", async () => {
    const client = new AbortController();
    const relaySide = new WebSocketPair();
    relaySide[1].accept();
    const relayClosed = new Promise<number>((resolve) => relaySide[1].addEventListener("close", (event) => resolve(event.code)));
    globalThis.fetch = (async () => {
      client.abort(); // the client leaves while the relay's 101 is on its way
      return new Response(null, { status: 101, webSocket: relaySide[0] });
    }) as typeof fetch;
    const request = new Request("https://example.com/voice/ws", { signal: client.signal });
    const response = await proxyToRelay({ request, relay: relay(), relayToken: "t" });
    expect(response.status).toBe(502);
    expect(await relayClosed).toBe(1001);
  });
});
