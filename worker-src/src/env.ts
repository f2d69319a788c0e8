/**
 * Bindings only some deployments set, which `wrangler types` cannot express (every binding it finds in
 * wrangler.jsonc is a required string): the infra program binds the AUTH_* ones only when the stack sets them,
 * and RELAY_TIMEOUT_MS only tests set.
 */
export interface OptionalBindings {
  /** Optional JWKS for RS256/ES256 user tokens. */
  AUTH_JWKS_URL?: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  /** How long to wait for the relay to accept the upgrade, in ms (default 10000). */
  RELAY_TIMEOUT_MS?: string;
}

/**
 * The Worker's bindings: `Env` as `wrangler types` generates it (worker-configuration.d.ts: RELAY_URL,
 * ALLOWED_ORIGINS, ROUTE_PREFIX, and the secrets RELAY_SIGNING_KEY and AUTH_JWT_SECRET), and the optional ones.
 */
export type WorkerEnv = Env & OptionalBindings;

export interface Settings {
  relayUrl: URL;
  allowedOrigins: string[];
  routePrefix: string;
  relayTimeoutMs: number;
}

export function settings(env: WorkerEnv): Settings {
  const prefix = (env.ROUTE_PREFIX ?? "/voice").replace(/\/+$/, "") || "/voice";
  return {
    relayUrl: new URL(env.RELAY_URL),
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o.length > 0),
    routePrefix: prefix.startsWith("/") ? prefix : `/${prefix}`,
    relayTimeoutMs: Number.parseInt(env.RELAY_TIMEOUT_MS ?? "", 10) > 0 ? Number.parseInt(env.RELAY_TIMEOUT_MS!, 10) : 10_000,
  };
}
