import type { Relay } from "./relayFleet";
import type { HealthCache } from "./relayHealth";
import { WORKER_VERSION } from "./version";

/**
 * `<prefix>/health` for a fleet: each relay's state as the chooser sees it (from the isolate's cache, read again
 * when older than its TTL), by name and region only (no URL). 200 when at least one relay is ready, else 503.
 */
export async function fleetHealth(fleet: readonly Relay[], cache: HealthCache): Promise<Response> {
  const relays = await Promise.all(
    fleet.map(async (relay) => {
      const h = relay.draining ? { state: "draining" as const, openCalls: 0, maxCalls: 0 } : await cache.of(relay);
      return { name: relay.name, region: relay.region, state: h.state, openCalls: h.openCalls, maxCalls: h.maxCalls };
    }),
  );
  const ok = relays.some((r) => r.state === "ready");
  return Response.json({ worker: "voice-edge", version: WORKER_VERSION, relays }, { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
