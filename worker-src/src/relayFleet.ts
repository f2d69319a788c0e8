/**
 * The relays a fleet stack binds as `RELAYS` (a JSON array; /work contract "What the Worker is given"):
 * `[{"name":"weu","url":"https://ws-weu.example.com","region":"westeurope","latitude":52.37,"longitude":4.89,"draining":false}, ...]`
 * (`draining` added by the infra engineer, /work/notes/FLEET-CONTRACT-CHANGES.md; optional here).
 * `url` has the shape of RELAY_URL (the relay's public base); latitude/longitude are its Azure region's, from the
 * infra program's table, so the Worker needs no region table of its own.
 */
export interface Relay {
  name: string;
  url: URL;
  region: string;
  latitude: number;
  longitude: number;
  /** Drained by the stack (`relays[].draining`): never chosen, its health not read. Absent: false. */
  draining: boolean;
}

/** A relay name as the infra program allows it: 1-12 of [a-z0-9] (part of a DNS label). */
const NAME = /^[a-z0-9]{1,12}$/;

/** At most this many relays: beyond it the per-isolate health traffic is the first thing to break (docs/scale.md). */
export const MAX_RELAYS = 200;

/** Reads `RELAYS`; throws an Error naming the first thing wrong (index and field), never echoing a whole value. */
export function parseRelays(text: string): Relay[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("RELAYS is not JSON (expected an array of {name, url, region, latitude, longitude})");
  }
  if (!Array.isArray(value) || value.length === 0) throw new Error("RELAYS must be a non-empty JSON array");
  if (value.length > MAX_RELAYS) throw new Error(`RELAYS lists ${value.length} relays; at most ${MAX_RELAYS}`);
  const names = new Set<string>();
  return value.map((item: unknown, i): Relay => {
    const at = `RELAYS[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new Error(`${at} must be an object`);
    const r = item as Record<string, unknown>;
    if (typeof r.name !== "string" || !NAME.test(r.name)) throw new Error(`${at}.name must be 1-12 characters of [a-z0-9]`);
    if (names.has(r.name)) throw new Error(`${at}.name "${r.name}" is listed twice`);
    names.add(r.name);
    let url: URL;
    try {
      url = new URL(typeof r.url === "string" ? r.url : "");
    } catch {
      throw new Error(`${at}.url must be an absolute https:// URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${at}.url must be an https:// URL (http:// for loopback development)`);
    if (typeof r.region !== "string" || r.region.length === 0 || r.region.length > 64) throw new Error(`${at}.region must be a region name`);
    const latitude = r.latitude;
    const longitude = r.longitude;
    if (typeof latitude !== "number" || !Number.isFinite(latitude) || Math.abs(latitude) > 90) throw new Error(`${at}.latitude must be a number from -90 to 90`);
    if (typeof longitude !== "number" || !Number.isFinite(longitude) || Math.abs(longitude) > 180) throw new Error(`${at}.longitude must be a number from -180 to 180`);
    if (r.draining !== undefined && typeof r.draining !== "boolean") throw new Error(`${at}.draining must be true or false`);
    return { name: r.name, url, region: r.region, latitude, longitude, draining: r.draining === true };
  });
}

/** Parsed RELAYS texts, so an isolate parses its binding once, not per call. */
const parsed = new Map<string, Relay[] | Error>();

/** The fleet from `RELAYS`, or null when it is unset or blank (then `RELAY_URL`, today's single relay); an Error when invalid. */
export function fleetOf(relays: string | undefined): Relay[] | Error | null {
  if (relays === undefined || relays.trim() === "") return null;
  let fleet = parsed.get(relays);
  if (!fleet) {
    try {
      fleet = parseRelays(relays);
    } catch (error) {
      fleet = error instanceof Error ? error : new Error("RELAYS is not valid");
    }
    parsed.set(relays, fleet);
  }
  return fleet;
}
