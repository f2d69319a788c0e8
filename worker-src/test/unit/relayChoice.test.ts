import { afterEach, describe, expect, it } from "vitest";
import { callThroughFleet, sendsOn } from "../../src/relayCall";
import { callerPlace, candidates, distanceKm, tiers } from "../../src/relayChoice";
import { fleetOf, parseRelays, type Relay } from "../../src/relayFleet";
import { HealthCache, parseHealth } from "../../src/relayHealth";
import { dialAsSingleRelay } from "./fleetDial";

// Azure regions' coordinates as the infra program writes them into RELAYS.
const WEU = { name: "weu", url: "https://ws-weu.example.com", region: "westeurope", latitude: 52.3667, longitude: 4.9 };
const NEU = { name: "neu", url: "https://ws-neu.example.com", region: "northeurope", latitude: 53.3478, longitude: -6.2597 };
const EUS = { name: "eus", url: "https://ws-eus.example.com", region: "eastus", latitude: 37.3719, longitude: -79.8164 };
const AUE = { name: "aue", url: "https://ws-aue.example.com", region: "australiaeast", latitude: -33.86, longitude: 151.2094 };
const fleet = parseRelays(JSON.stringify([WEU, NEU, EUS, AUE]));
const PARIS = { latitude: 48.85, longitude: 2.35 };
const SYDNEY = { latitude: -33.87, longitude: 151.21 };

type Health = { status?: number; body?: unknown; hang?: boolean; fail?: boolean };
const ok = (openCalls = 0, maxCalls = 100): Health => ({ body: { status: "ok", draining: false, openCalls, maxCalls } });
const draining: Health = { status: 503, body: { status: "draining", draining: true, openCalls: 3, maxCalls: 100 } };

/** A HealthCache over stand-in /health answers, counting the reads per relay. */
function cacheOf(answers: Record<string, Health>, ttlMs = 5000, timeoutMs = 1000) {
  const reads: string[] = [];
  const cache = new HealthCache(
    async (url, init) => {
      const host = new URL(url).hostname;
      reads.push(host);
      const a = answers[host] ?? { fail: true };
      if (a.fail) throw new TypeError("connection refused");
      if (a.hang) {
        return new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(new DOMException("timeout", "TimeoutError"))));
      }
      return new Response(JSON.stringify(a.body), { status: a.status ?? 200 });
    },
    ttlMs,
    timeoutMs,
  );
  return { cache, reads };
}

async function order(relays: readonly Relay[], place: Parameters<typeof tiers>[1], cache: HealthCache): Promise<string[]> {
  const out: string[] = [];
  for await (const r of candidates(relays, place, cache)) out.push(r.name);
  return out;
}

describe("RELAYS", () => {
  it("parses the contract's shape", () => {
    expect(fleet.map((r) => r.name)).toEqual(["weu", "neu", "eus", "aue"]);
    expect(fleet[0]!.url.href).toBe("https://ws-weu.example.com/");
  });

  it("refuses what is wrong, naming the entry and field", () => {
    expect(() => parseRelays("nope")).toThrow(/not JSON/);
    expect(() => parseRelays("[]")).toThrow(/non-empty/);
    expect(() => parseRelays(JSON.stringify([WEU, WEU]))).toThrow(/RELAYS\[1\]\.name "weu" is listed twice/);
    expect(() => parseRelays(JSON.stringify([{ ...WEU, name: "West-EU" }]))).toThrow(/RELAYS\[0\]\.name/);
    expect(() => parseRelays(JSON.stringify([{ ...WEU, url: "wss://x" }]))).toThrow(/RELAYS\[0\]\.url/);
    expect(() => parseRelays(JSON.stringify([{ ...WEU, latitude: 95 }]))).toThrow(/RELAYS\[0\]\.latitude/);
    expect(() => parseRelays(JSON.stringify([{ ...WEU, longitude: "4.9" }]))).toThrow(/RELAYS\[0\]\.longitude/);
    expect(() => parseRelays(JSON.stringify([{ ...WEU, draining: "yes" }]))).toThrow(/RELAYS\[0\]\.draining must be true or false/);
  });

  it("is null when unset or blank (RELAY_URL then), an Error when invalid", () => {
    expect(fleetOf(undefined)).toBeNull();
    expect(fleetOf("  ")).toBeNull();
    expect(fleetOf("{")).toBeInstanceOf(Error);
  });
});

describe("where the caller is", () => {
  it("request.cf's latitude/longitude (strings), else its continent, else nowhere", () => {
    expect(callerPlace({ latitude: "48.85", longitude: "2.35", continent: "EU" })).toEqual(PARIS);
    expect(callerPlace({ continent: "OC" })?.latitude).toBeLessThan(0);
    expect(callerPlace({ latitude: "x", continent: "XX" })).toBeNull();
    expect(callerPlace(undefined)).toBeNull();
  });

  it("distances: Amsterdam-Dublin ~750 km, Amsterdam-Virginia ~6,400 km", () => {
    expect(distanceKm(WEU, NEU)).toBeGreaterThan(700);
    expect(distanceKm(WEU, NEU)).toBeLessThan(800);
    expect(distanceKm(WEU, EUS)).toBeGreaterThan(6000);
  });

  it("tiers: the two European regions share a band from Paris; Virginia and Sydney are further tiers", () => {
    expect(tiers(fleet, PARIS).map((t) => t.map((r) => r.name))).toEqual([["weu", "neu"], ["eus"], ["aue"]]);
    expect(tiers(fleet, SYDNEY)[0]!.map((r) => r.name)).toEqual(["aue"]);
    expect(tiers(fleet, null)).toEqual([[...fleet].sort((a, b) => (a.name < b.name ? -1 : 1))]);
  });
});

describe("the order a call tries relays in", () => {
  it("nearest tier first, least loaded first within it, then the next tiers", async () => {
    const { cache } = cacheOf({ "ws-weu.example.com": ok(50), "ws-neu.example.com": ok(10), "ws-eus.example.com": ok(0), "ws-aue.example.com": ok(0) });
    expect(await order(fleet, PARIS, cache)).toEqual(["neu", "weu", "eus", "aue"]);
  });

  it("load is the share of the relay's own limit (openCalls/maxCalls), not the count", async () => {
    const { cache } = cacheOf({ "ws-weu.example.com": ok(50, 1000), "ws-neu.example.com": ok(10, 100) });
    expect((await order(fleet, PARIS, cache)).slice(0, 2)).toEqual(["weu", "neu"]);
  });

  it("a draining or unready relay never appears; one whose health cannot be read comes last", async () => {
    const { cache } = cacheOf({
      "ws-weu.example.com": draining,
      "ws-neu.example.com": { status: 503, body: { status: "backend-unreachable", draining: false, openCalls: 0, maxCalls: 100 } },
      "ws-eus.example.com": { fail: true },
      "ws-aue.example.com": ok(),
    });
    expect(await order(fleet, PARIS, cache)).toEqual(["aue", "eus"]);
  });

  it("a relay RELAYS marks draining is never offered and its health is not read", async () => {
    const drained = parseRelays(JSON.stringify([{ ...WEU, draining: true }, { ...NEU, draining: false }, EUS]));
    expect(drained.map((r) => r.draining)).toEqual([true, false, false]);
    const { cache, reads } = cacheOf({ "ws-weu.example.com": ok(), "ws-neu.example.com": ok(90), "ws-eus.example.com": ok() });
    expect(await order(drained, PARIS, cache)).toEqual(["neu", "eus"]);
    expect(reads).not.toContain("ws-weu.example.com");
  });

  it("reads only the nearest tier's health when that tier has a ready relay", async () => {
    const { cache, reads } = cacheOf({ "ws-weu.example.com": ok(), "ws-neu.example.com": ok() });
    const first = await candidates(fleet, PARIS, cache).next();
    expect(first.value?.name).toBe("neu");
    expect(reads.sort()).toEqual(["ws-neu.example.com", "ws-weu.example.com"]);
  });
});

describe("the isolate's health cache", () => {
  it("reuses a read within the TTL, shares concurrent reads, reads again after it", async () => {
    const { cache, reads } = cacheOf({ "ws-weu.example.com": ok() }, 5000);
    const weu = fleet[0]!;
    await Promise.all([cache.of(weu, 1000), cache.of(weu, 1000), cache.of(weu, 1000)]);
    await cache.of(weu, 5999);
    expect(reads.length).toBe(1);
    await cache.of(weu, 6000);
    expect(reads.length).toBe(2);
  });

  it("a relay that does not answer within the timeout is unknown, not waited for", async () => {
    const { cache } = cacheOf({ "ws-weu.example.com": { hang: true } }, 5000, 50);
    const started = Date.now();
    expect((await cache.of(fleet[0]!)).state).toBe("unknown");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("a relay already known not ready is not waited for again: its stale state now, the new read in the background", async () => {
    const { cache, reads } = cacheOf({ "ws-weu.example.com": { hang: true } }, 5000, 200);
    const weu = fleet[0]!;
    expect((await cache.of(weu, 0)).state).toBe("unknown");
    const background: Promise<unknown>[] = [];
    const started = Date.now();
    expect((await cache.of(weu, 6000, (read) => background.push(read))).state).toBe("unknown");
    expect(Date.now() - started).toBeLessThan(150);
    expect(background.length).toBe(1);
    await background[0];
    expect(reads.length).toBe(2);
  });

  it("a ready relay's expired entry is read before the call uses it", async () => {
    const answers: Record<string, Health> = { "ws-weu.example.com": ok() };
    const { cache } = cacheOf(answers, 5000);
    const weu = fleet[0]!;
    expect((await cache.of(weu, 0)).state).toBe("ready");
    answers["ws-weu.example.com"] = draining;
    const background: Promise<unknown>[] = [];
    expect((await cache.of(weu, 6000, (read) => background.push(read))).state).toBe("draining");
    expect(background.length).toBe(0);
  });

  it("a relay marked refused is out of the choice until the TTL passes", async () => {
    const { cache } = cacheOf({ "ws-weu.example.com": ok(), "ws-neu.example.com": ok(90) });
    cache.markRefused(fleet[0]!);
    expect(await order(fleet.slice(0, 2), PARIS, cache)).toEqual(["neu"]);
  });

  it("parses the relay's /health bodies", () => {
    expect(parseHealth(200, JSON.stringify({ status: "ok", draining: false, openCalls: 2, maxCalls: 10 }), 0).state).toBe("ready");
    expect(parseHealth(200, JSON.stringify({ status: "ok", draining: true }), 0).state).toBe("draining");
    expect(parseHealth(503, JSON.stringify({ status: "backend-unreachable" }), 0).state).toBe("unready");
    expect(parseHealth(200, "<html>", 0).state).toBe("unknown");
    expect(parseHealth(200, "null", 0).state).toBe("unknown");
  });
});

describe("one call through the fleet", () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  /** Stand-in relays: /health from `health`, the call dial answered by `dial(host)`. */
  function relays(health: Record<string, Health>, dial: (host: string) => Response) {
    const dials: string[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      if (url.pathname === "/api/chat") {
        dials.push(url.hostname.split(".")[0]!.slice(3));
        return dial(url.hostname);
      }
      throw new Error(`unexpected fetch ${url.pathname}`);
    }) as typeof fetch;
    return { dials, cache: cacheOf(health).cache };
  }
  const upgrade = () => {
    const pair = new WebSocketPair();
    pair[1].accept();
    return new Response(null, { status: 101, webSocket: pair[0] });
  };
  const request = () => new Request("https://example.com/voice/ws", { cf: { latitude: "48.85", longitude: "2.35" } } as RequestInit);
  /** As index.ts wires it: each relay dialled as a single relay is. */
  const through = (cache: HealthCache) => {
    const req = request();
    const { dial, background } = dialAsSingleRelay(req);
    return callThroughFleet(req, fleet, cache, dial, background);
  };
  const allOk = { "ws-weu.example.com": ok(5), "ws-neu.example.com": ok(10), "ws-eus.example.com": ok(), "ws-aue.example.com": ok() };

  it("goes to the nearest, least loaded relay", async () => {
    const { dials, cache } = relays(allOk, upgrade);
    const response = await through(cache);
    expect(response.status).toBe(101);
    expect(dials).toEqual(["weu"]);
  });

  it("falls back within the same request when the first refuses or is unreachable, and later calls skip it", async () => {
    const { dials, cache } = relays(allOk, (host) => {
      if (host.startsWith("ws-weu")) return new Response("draining", { status: 503 });
      if (host.startsWith("ws-neu")) throw new TypeError("connection refused");
      return upgrade();
    });
    expect((await through(cache)).status).toBe(101);
    expect(dials).toEqual(["weu", "neu", "eus"]);
    expect((await through(cache)).status).toBe(101);
    expect(dials.slice(3)).toEqual(["eus"]);
  });

  it("a relay at its connection limit (429, Retry-After 1) sends the call on; the user's own limit (Retry-After 5) does not", async () => {
    const full = relays(allOk, (host) => (host.startsWith("ws-weu") ? new Response("full", { status: 429, headers: { "retry-after": "1" } }) : upgrade()));
    expect((await through(full.cache)).status).toBe(101);
    expect(full.dials).toEqual(["weu", "neu"]);
    const user = relays(allOk, () => new Response("too many calls for this user", { status: 429, headers: { "retry-after": "5" } }));
    const response = await through(user.cache);
    expect(response.status).toBe(429);
    expect(user.dials).toEqual(["weu"]);
  });

  it("dials at most three relays, and answers 503 when none is ready", async () => {
    const { dials, cache } = relays(allOk, () => new Response("no", { status: 503 }));
    expect((await through(cache)).status).toBe(502);
    expect(dials.length).toBe(3);
    const none = relays({ "ws-weu.example.com": draining, "ws-neu.example.com": draining, "ws-eus.example.com": draining, "ws-aue.example.com": draining }, upgrade);
    const response = await through(none.cache);
    expect(response.status).toBe(503);
    expect(none.dials).toEqual([]);
  });

  it("sendsOn: 502, 503, 504 and a full relay's 429; not 101, 403 or the user's 429", () => {
    for (const status of [502, 503, 504]) expect(sendsOn(new Response(null, { status }))).toBe(true);
    expect(sendsOn(new Response(null, { status: 429, headers: { "retry-after": "1" } }))).toBe(true);
    expect(sendsOn(new Response(null, { status: 429, headers: { "retry-after": "5" } }))).toBe(false);
    expect(sendsOn(new Response(null, { status: 403 }))).toBe(false);
  });
});

describe("RELAYS as the infra program renders it", () => {
  it("is read as the fleet the stack declares", async () => {
    const { env } = await import("cloudflare:test");
    const relays = parseRelays(env.INFRA_FLEET_RELAYS);
    expect(relays.map((r) => [r.name, r.region, r.url.href, r.draining])).toEqual([
      ["weu", "westeurope", "https://ws-weu.example.io/", false],
      ["eus", "eastus", "https://ws-eus.example.io/", false],
    ]);
    for (const r of relays) {
      expect(Number.isFinite(r.latitude) && Number.isFinite(r.longitude)).toBe(true);
    }
  });
});
