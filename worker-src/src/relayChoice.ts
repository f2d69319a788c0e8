import type { Relay } from "./relayFleet";
import { type HealthCache, loadOf, type RelayHealth } from "./relayHealth";

/** A point on the globe, in degrees. */
export interface Place {
  latitude: number;
  longitude: number;
}

/**
 * Where Cloudflare places a continent when it gives no coordinates (request.cf.continent: AF, AN, AS, EU, NA, OC,
 * SA; https://developers.cloudflare.com/workers/runtime-apis/request/#incomingrequestcfproperties). Rough
 * population centres, good enough to rank regions a continent apart; request.cf's own latitude/longitude (the
 * client's city) is used whenever it is there.
 */
const CONTINENTS: Record<string, Place> = {
  AF: { latitude: 6.5, longitude: 20.0 },
  AN: { latitude: -75.0, longitude: 0.0 },
  AS: { latitude: 28.0, longitude: 100.0 },
  EU: { latitude: 50.0, longitude: 10.0 },
  NA: { latitude: 38.0, longitude: -95.0 },
  OC: { latitude: -28.0, longitude: 140.0 },
  SA: { latitude: -15.0, longitude: -60.0 },
};

/**
 * Relays within this distance of the nearest one count as equally near and are chosen among by load: 1,000 km of
 * fibre is about 10 ms of round trip (light in glass ~200 km/ms, there and back), small against the ~200 ms voice
 * budget, while regions a continent apart differ by 80-300 ms. Azure's paired European regions (West and North
 * Europe, ~750 km) share a band; East US and West Europe (~6,000 km) do not.
 */
export const NEAR_BAND_KM = 1_000;

/** The caller's place from request.cf: its latitude/longitude, else its continent's centre, else null (no ordering by distance). */
export function callerPlace(cf: unknown): Place | null {
  if (typeof cf !== "object" || cf === null) return null;
  const c = cf as Record<string, unknown>;
  const latitude = Number.parseFloat(String(c.latitude ?? ""));
  const longitude = Number.parseFloat(String(c.longitude ?? ""));
  if (Number.isFinite(latitude) && Number.isFinite(longitude) && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180) return { latitude, longitude };
  return typeof c.continent === "string" ? (CONTINENTS[c.continent] ?? null) : null;
}

/** Great-circle distance in km (haversine, mean Earth radius 6,371 km). */
export function distanceKm(a: Place, b: Place): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The relays in tiers of nearness: sorted by distance from `place` (then name), each tier the relays within
 * {@link NEAR_BAND_KM} of the tier's nearest. Without a place, one tier of all.
 */
export function tiers(relays: readonly Relay[], place: Place | null): Relay[][] {
  if (place === null) return relays.length > 0 ? [[...relays].sort((a, b) => cmp(a.name, b.name))] : [];
  const sorted = relays.map((relay) => ({ relay, km: distanceKm(place, relay) })).sort((a, b) => a.km - b.km || cmp(a.relay.name, b.relay.name));
  const out: Relay[][] = [];
  let start = Number.NEGATIVE_INFINITY;
  for (const { relay, km } of sorted) {
    if (km > start + NEAR_BAND_KM) {
      out.push([]);
      start = km;
    }
    out[out.length - 1]!.push(relay);
  }
  return out;
}

/** One tier's ready relays, least loaded first (then name, so equal loads always order the same way). */
export function readyByLoad(tier: readonly Relay[], health: readonly RelayHealth[]): Relay[] {
  return tier
    .map((relay, i) => ({ relay, h: health[i]! }))
    .filter(({ h }) => h.state === "ready")
    .sort((a, b) => loadOf(a.h) - loadOf(b.h) || cmp(a.relay.name, b.relay.name))
    .map(({ relay }) => relay);
}

/**
 * The relays to dial for one call, best first: the nearest tier's ready relays by load, then the next tier's, and so
 * on; last, the relays whose health could not be read (`unknown`), nearest first. Draining and unready relays never
 * appear, nor relays RELAYS marks `draining` (their health is not read). A tier's health is read (in parallel, from the isolate's cache) only when the order reaches it, so a call
 * whose nearest relay is ready reads the health of its own tier and no other; a relay already known not ready is
 * read again in the `background` ({@link HealthCache.of}).
 */
export async function* candidates(
  relays: readonly Relay[],
  place: Place | null,
  cache: HealthCache,
  now = Date.now(),
  background?: (read: Promise<unknown>) => void,
): AsyncGenerator<Relay> {
  const unknown: Relay[] = [];
  for (const tier of tiers(relays.filter((r) => !r.draining), place)) {
    const health = await Promise.all(tier.map((relay) => cache.of(relay, now, background)));
    yield* readyByLoad(tier, health);
    tier.forEach((relay, i) => {
      if (health[i]!.state === "unknown") unknown.push(relay);
    });
  }
  yield* unknown;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
