import { startCall } from "./call";
import { settings, type WorkerEnv } from "./env";
import { fleetHealth } from "./fleetHealth";
import { authorize, health, routeOf } from "./handler";
import { callThroughFleet } from "./relayCall";
import { fleetOf } from "./relayFleet";
import { isolateHealth } from "./relayHealth";
import { plain } from "./responses";

// The module's only export is the handler: workerd treats every named export of the main module as an entrypoint.
export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    // RELAYS (a fleet) wins over RELAY_URL (one relay), which a fleet stack need not set.
    const fleet = fleetOf(env.RELAYS);
    if (fleet instanceof Error) return plain(503, `the Worker is not configured (${fleet.message})`);
    const s = settings(fleet && !env.RELAY_URL ? { ...env, RELAY_URL: fleet[0]!.url.href } : env);
    const route = routeOf(new URL(request.url).pathname, s.routePrefix);
    if (route === "health") return fleet ? fleetHealth(fleet, isolateHealth) : health(s);
    if (route !== "ws") return plain(404, "not found");
    const { refusal, user } = await authorize(request, env, s);
    if (refusal) return refusal;
    if (!env.RELAY_SIGNING_KEY) return plain(503, "the Worker is not configured (RELAY_SIGNING_KEY is empty)");
    const signingKey = env.RELAY_SIGNING_KEY;
    const dial = (url: URL) => startCall({ request, user, relay: { url, timeoutMs: s.relayTimeoutMs }, signingKey });
    // A fleet dials relays in the chooser's order, each exactly as a single relay is dialled.
    if (fleet) return callThroughFleet(request, fleet, isolateHealth, (relay) => dial(relay.url), (read) => ctx.waitUntil(read));
    return dial(s.relayUrl);
  },
} satisfies ExportedHandler<WorkerEnv>;
