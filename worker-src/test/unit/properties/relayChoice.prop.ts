import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { candidates, distanceKm, NEAR_BAND_KM, tiers } from "../../../src/relayChoice";
import type { Relay } from "../../../src/relayFleet";
import { HealthCache } from "../../../src/relayHealth";

const place = fc.record({ latitude: fc.double({ min: -90, max: 90, noNaN: true }), longitude: fc.double({ min: -180, max: 180, noNaN: true }) });
const state = fc.constantFrom("ok", "draining", "backend-unreachable", "unreachable");
const fleetArb = fc
  .uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z0-9]{1,12}$/), at: place, state, open: fc.nat(200), max: fc.integer({ min: 0, max: 200 }) }), {
    minLength: 1,
    maxLength: 12,
    selector: (r) => r.name,
  })
  .map((rs) => rs.map((r) => ({ ...r, relay: { name: r.name, url: new URL(`https://${r.name}.example.com`), region: "r", draining: false, ...r.at } as Relay })));

describe("the chooser, for any fleet and caller", () => {
  test.prop([fleetArb, fc.option(place, { nil: null })])("tiers hold every relay once, nearest first, each within the band of its first", (rs, where) => {
    const t = tiers(rs.map((r) => r.relay), where);
    expect(t.flat().map((r) => r.name).sort()).toEqual(rs.map((r) => r.name).sort());
    if (where === null) return;
    const km = t.map((tier) => tier.map((r) => distanceKm(where, r)));
    for (const tier of km) for (const d of tier) expect(d).toBeLessThanOrEqual(tier[0]! + NEAR_BAND_KM + 1e-6);
    for (let i = 1; i < km.length; i++) expect(km[i]![0]!).toBeGreaterThan(km[i - 1]![0]! + NEAR_BAND_KM - 1e-6);
  });

  test.prop([fleetArb, fc.option(place, { nil: null })])(
    "a call is offered every ready relay once, never a draining or unready one, and the unreadable ones only after every ready one",
    async (rs, where) => {
      const byHost = new Map(rs.map((r) => [`${r.name}.example.com`, r]));
      const cache = new HealthCache(async (url) => {
        const r = byHost.get(new URL(url).hostname)!;
        if (r.state === "unreachable") throw new TypeError("refused");
        const body = { status: r.state, draining: r.state === "draining", openCalls: r.open, maxCalls: r.max };
        return new Response(JSON.stringify(body), { status: r.state === "ok" ? 200 : 503 });
      });
      const got: string[] = [];
      for await (const relay of candidates(rs.map((r) => r.relay), where, cache)) got.push(relay.name);
      const stateOf = (name: string) => rs.find((r) => r.name === name)!.state;
      expect(new Set(got).size).toBe(got.length);
      expect(got.filter((n) => stateOf(n) === "ok").sort()).toEqual(rs.filter((r) => r.state === "ok").map((r) => r.name).sort());
      expect(got.every((n) => stateOf(n) === "ok" || stateOf(n) === "unreachable")).toBe(true);
      const firstUnknown = got.findIndex((n) => stateOf(n) === "unreachable");
      if (firstUnknown >= 0) expect(got.slice(firstUnknown).every((n) => stateOf(n) === "unreachable")).toBe(true);
    },
  );
});
