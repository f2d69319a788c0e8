import { settings, type Env } from "./env";
import { health, plain, refuse } from "./handler";
import { proxyToRelay } from "./proxy";

// The module's only export is the handler: workerd treats every named export of the main module as an entrypoint.
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const s = settings(env);
    const path = new URL(request.url).pathname;
    if (path === `${s.routePrefix}/health`) return health(s);
    if (path !== `${s.routePrefix}/ws`) return plain(404, "not found");
    const refusal = await refuse(request, env, s);
    if (refusal) return refusal;
    return proxyToRelay(request, s, env.RELAY_SIGNING_KEY, ctx);
  },
} satisfies ExportedHandler<Env>;
