import { createExecutionContext } from "cloudflare:test";
import { startCall } from "../../src/call";
import type { Relay } from "../../src/relayFleet";

/**
 * The dial index.ts gives callThroughFleet: the call placed on one relay exactly as on a single relay (its own
 * relay token, the Worker's refusals: 502 unreachable or refused, 504 no answer, 429 with the relay's Retry-After).
 */
export function dialAsSingleRelay(request: Request): { dial: (relay: Relay) => Promise<Response>; background: (read: Promise<unknown>) => void } {
  const ctx = createExecutionContext();
  return { dial: (relay) => startCall({ request, user: "u", relay: { url: relay.url, timeoutMs: 2000 }, signingKey: "k" }), background: (read) => ctx.waitUntil(read) };
}
