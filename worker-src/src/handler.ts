import type { Env, Settings } from "./env";
import { verifyJwt } from "./jwt";
import { findUserToken } from "./userToken";
import { WORKER_VERSION } from "./version";

export function plain(status: number, body: string, extra: Record<string, string> = {}): Response {
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

export async function health(s: Settings): Promise<Response> {
  let relay: { ok: boolean; status?: number; error?: string };
  try {
    const response = await fetch(new URL("/health", s.relayUrl).toString(), { signal: AbortSignal.timeout(3000) });
    relay = { ok: response.ok, status: response.status };
  } catch (error) {
    relay = { ok: false, error: error instanceof Error ? error.name : "error" };
  }
  return Response.json({ worker: "voice-edge", version: WORKER_VERSION, relay }, { status: relay.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}

