import type { Settings, WorkerEnv } from "./env";
import { handshakeProblem } from "./handshake";
import { verifyJwt } from "./jwt";
import { usableSub } from "./relayToken";
import { plain } from "./responses";
import { findUserToken } from "./userToken";
import { WORKER_VERSION } from "./version";

export { plain, REFUSAL_STATUSES } from "./responses";

/** Which of the Worker's two endpoints a path is, if either: exact matches only. */
export function routeOf(pathname: string, prefix: string): "ws" | "health" | null {
  if (pathname === `${prefix}/ws`) return "ws";
  if (pathname === `${prefix}/health`) return "health";
  return null;
}

/** An exact match against the configured origins; an empty list allows every origin. */
export function originAllowed(origin: string | null, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  return origin !== null && allowed.includes(origin);
}

/** The outcome of the checks: a refusal, or the user (the token's `sub`) the call proceeds for. */
export type Authorization = { refusal: Response; user?: undefined } | { refusal: null; user: string };

/**
 * Checks a voice WebSocket request in order: the handshake, origin, token, and a `sub` the relay token can carry
 * (a token without one is refused: the relay limits calls per user, so every call must name its user). Never
 * throws, whatever the request holds.
 */
export async function authorize(request: Request, env: WorkerEnv, s: Settings): Promise<Authorization> {
  const problem = handshakeProblem(request);
  if (problem) return { refusal: plain(problem.status, problem.reason, problem.headers) };
  if (!originAllowed(request.headers.get("Origin"), s.allowedOrigins)) return { refusal: plain(403, "origin not allowed") };
  const offered = findUserToken(request);
  if (!offered) return { refusal: plain(401, "missing token (Sec-WebSocket-Protocol bearer.<jwt>, ?token= or the ve_token cookie)") };
  const result = await verifyJwt(offered.token, {
    hs256Secret: env.AUTH_JWT_SECRET,
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
  });
  if (!result.ok && result.reason === "keys-unavailable") {
    return { refusal: plain(503, "token keys unavailable (the JWKS could not be fetched)", { "retry-after": "5" }) };
  }
  if (!result.ok) return { refusal: plain(403, `token rejected: ${result.reason}`) };
  const user = usableSub(result.claims);
  if (user === null) return { refusal: plain(403, `token rejected: ${NO_SUBJECT} (the sub claim must be a string of 1 to 256 UTF-8 bytes)`) };
  return { refusal: null, user };
}

/** The refusal reason for a valid token without a usable `sub`. */
export const NO_SUBJECT = "no-subject";

/** As {@link authorize}: the refusal, or null to proceed. */
export async function refuse(request: Request, env: WorkerEnv, s: Settings): Promise<Response | null> {
  return (await authorize(request, env, s)).refusal;
}

export async function health(s: Settings): Promise<Response> {
  let relay: { ok: boolean; status?: number; error?: string };
  try {
    const response = await fetch(new URL("/health", s.relayUrl).toString(), { signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    relay = { ok: response.ok, status: response.status };
  } catch (error) {
    relay = { ok: false, error: error instanceof Error ? error.name : "error" };
  }
  return Response.json({ worker: "voice-edge", version: WORKER_VERSION, relay }, { status: relay.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
