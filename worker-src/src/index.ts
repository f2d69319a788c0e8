import { startCall } from "./call";
import { settings, type WorkerEnv } from "./env";
import { authorize, health, routeOf } from "./handler";
import { plain } from "./responses";

// The module's only export is the handler: workerd treats every named export of the main module as an entrypoint.
export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    const s = settings(env);
    const route = routeOf(new URL(request.url).pathname, s.routePrefix);
    if (route === "health") return health(s);
    if (route !== "ws") return plain(404, "not found");
    const { refusal, user } = await authorize(request, env, s);
    if (refusal) return refusal;
    if (!env.RELAY_SIGNING_KEY) return plain(503, "the Worker is not configured (RELAY_SIGNING_KEY is empty)");
    return startCall({ request, user, relay: { url: s.relayUrl, timeoutMs: s.relayTimeoutMs }, signingKey: env.RELAY_SIGNING_KEY });
  },
} satisfies ExportedHandler<WorkerEnv>;
