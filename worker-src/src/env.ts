/** The Worker's bindings (wrangler.jsonc locally, the infra program's WorkersScript in Cloudflare). */
export interface Env {
  /** Relay base origin, e.g. https://ws.example.com (http://127.0.0.1:8999 locally). */
  RELAY_URL: string;
  /** Comma-separated origins allowed to open the voice socket. */
  ALLOWED_ORIGINS?: string;
  /** Path prefix of the route, default /voice. */
  ROUTE_PREFIX?: string;
  /** Shared with the relay; signs X-Voice-Edge-Auth. Secret. */
  RELAY_SIGNING_KEY: string;
  /** HS256 secret for user tokens. Secret. */
  AUTH_JWT_SECRET?: string;
  /** Optional JWKS for RS256/ES256 user tokens. */
  AUTH_JWKS_URL?: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  /** How long to wait for the relay to accept the upgrade, in ms (default 10000). */
  RELAY_TIMEOUT_MS?: string;
  /** "on": hand an accepted call to the runtime (native pass-through, no JavaScript per frame). Default off. */
  RELAY_PASSTHROUGH?: string;
}

export interface Settings {
  relayUrl: URL;
  allowedOrigins: string[];
  routePrefix: string;
  relayTimeoutMs: number;
  passThrough: boolean;
}

export function settings(env: Env): Settings {
  const prefix = (env.ROUTE_PREFIX ?? "/voice").replace(/\/+$/, "") || "/voice";
  return {
    relayUrl: new URL(env.RELAY_URL),
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o.length > 0),
    routePrefix: prefix.startsWith("/") ? prefix : `/${prefix}`,
    // Native pass-through unless turned off: no JavaScript per frame (Workers Free allows 10 ms of CPU per request).
    passThrough: !["off", "false", "0"].includes((env.RELAY_PASSTHROUGH ?? "").trim().toLowerCase()),
    relayTimeoutMs: Number.parseInt(env.RELAY_TIMEOUT_MS ?? "", 10) > 0 ? Number.parseInt(env.RELAY_TIMEOUT_MS!, 10) : 10_000,
  };
}
