import { settings, type Env, type Settings } from "./env";
import { verifyJwt } from "./jwt";
import { proxyToRelay } from "./proxy";
import { findUserToken } from "./userToken";

export const WORKER_VERSION = "0.1.0";

function plain(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...extra } });
}

/** Checks a voice WebSocket request in order: upgrade, origin, token. Returns the refusal, or null to proceed. */
export async function refuse(request: Request, env: Env, s: Settings): Promise<Response | null> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return plain(426, "expected a WebSocket upgrade", { Upgrade: "websocket" });
  }
  const origin = request.headers.get("Origin");
  if (s.allowedOrigins.length > 0 && (!origin || !s.allowedOrigins.includes(origin))) {
    return plain(403, "origin not allowed");
  }
  const offered = findUserToken(request);
  if (!offered) return plain(401, "missing token (Sec-WebSocket-Protocol bearer.<jwt>, ?token= or the ve_token cookie)");
  const result = await verifyJwt(offered.token, {
    hs256Secret: env.AUTH_JWT_SECRET,
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
  });
  if (!result.ok) return plain(403, `token rejected: ${result.reason}`);
  return null;
}

async function health(s: Settings): Promise<Response> {
  let relay: { ok: boolean; status?: number; error?: string };
  try {
    const response = await fetch(new URL("/health", s.relayUrl).toString(), { signal: AbortSignal.timeout(3000) });
    relay = { ok: response.ok, status: response.status };
  } catch (error) {
    relay = { ok: false, error: error instanceof Error ? error.name : "error" };
  }
  return Response.json({ worker: "voice-edge", version: WORKER_VERSION, relay }, { status: relay.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}

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
