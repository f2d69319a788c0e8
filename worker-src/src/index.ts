import { settings, type WorkerEnv } from "./env";
import { authorize, health, plain, routeOf } from "./handler";
import { proxyToRelay } from "./proxy";

// The module's only export is the handler: workerd treats every named export of the main module as an entrypoint.
export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const s = settings(env);
    const route = routeOf(new URL(request.url).pathname, s.routePrefix);
    if (route === "health") return health(s);
    if (route !== "ws") return plain(404, "not found");
    const { refusal, user } = await authorize(request, env, s);
    if (refusal) return refusal;
    if (!env.RELAY_SIGNING_KEY) return plain(503, "the Worker is not configured (RELAY_SIGNING_KEY is empty)");
    return proxyToRelay(request, s, env.RELAY_SIGNING_KEY, ctx, user);
  },
} satisfies ExportedHandler<WorkerEnv>;
