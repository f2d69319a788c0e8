import { callerPlace, candidates } from "./relayChoice";
import type { Relay } from "./relayFleet";
import type { HealthCache } from "./relayHealth";

/** Relays one call may dial before the Worker gives up: the chosen one and two fallbacks. */
export const MAX_DIALS = 3;

/**
 * Whether a relay's answer sends the call on to the next relay: it refused (502: any refusal but 429, or
 * unreachable; 503; 504: no answer within RELAY_TIMEOUT_MS), or it is full. A 429 with `Retry-After: 5` is the
 * caller's own per-user limit (relay/Relaying/RelayEndpoints.cs: "over-user-limit" sets 5, the relay's connection
 * limit "over-limit" sets 1), which another relay must not lift: that one goes back to the client as it is.
 */
export function sendsOn(response: Response): boolean {
  if (response.status === 429) return response.headers.get("retry-after") !== "5";
  return response.status === 502 || response.status === 503 || response.status === 504;
}

/**
 * One browser call through a fleet: the relays in the chooser's order ({@link candidates}), dialled one after the
 * other until one takes the call (101) or says something no other relay would answer differently, at most
 * {@link MAX_DIALS}. A relay that refused or could not be reached is marked so in the isolate's cache, so the next
 * calls skip it until its health is read again. Logs `{"event":"relay-chosen","relay","tried","place"}` (names only).
 * `dial` places the call on one relay exactly as the Worker does for a single relay (its own relay token, its
 * refusals as responses); `background` is the request's `ctx.waitUntil`, for health reads behind the call.
 */
export async function callThroughFleet(
  request: Request,
  fleet: readonly Relay[],
  cache: HealthCache,
  dial: (relay: Relay) => Promise<Response>,
  background: (read: Promise<unknown>) => void,
): Promise<Response> {
  const place = callerPlace(request.cf);
  const tried: string[] = [];
  let last: Response | null = null;
  for await (const relay of candidates(fleet, place, cache, Date.now(), background)) {
    if (request.signal?.aborted) break;
    const response = await dial(relay);
    if (response.status === 101 || !sendsOn(response) || request.signal?.aborted) {
      console.log(JSON.stringify({ event: "relay-chosen", relay: relay.name, status: response.status, tried, place: place ? "located" : "unknown" }));
      return response;
    }
    cache.markRefused(relay);
    tried.push(relay.name);
    last = response;
    if (tried.length >= MAX_DIALS) break;
  }
  console.log(JSON.stringify({ event: "relay-chosen", relay: null, status: last?.status ?? 503, tried, place: place ? "located" : "unknown" }));
  if (last) return last;
  return new Response("no relay can take calls now (every relay is draining, unready or unreachable)\n", {
    status: 503,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "retry-after": "5" },
  });
}
