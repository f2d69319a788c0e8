import { createExecutionContext } from "cloudflare:test";
import { settings } from "../../src/env";
import { proxyToRelay } from "../../src/proxy";
import type { Relay } from "../../src/relayFleet";

/**
 * The dial index.ts gives callThroughFleet: the call placed on one relay exactly as on a single relay (its own
 * relay token, the Worker's refusals: 502 unreachable or refused, 504 no answer, 429 with the relay's Retry-After).
 */
export function dialAsSingleRelay(request: Request): { dial: (relay: Relay) => Promise<Response>; background: (read: Promise<unknown>) => void } {
  const ctx = createExecutionContext();
  const s = settings({ RELAY_URL: "http://127.0.0.1:9", RELAY_SIGNING_KEY: "k" });
  return { dial: (relay) => proxyToRelay(request, { ...s, relayUrl: relay.url }, "k", ctx, "u"), background: (read) => ctx.waitUntil(read) };
}
