declare module "cloudflare:test" {
  interface ProvidedEnv {
    RELAY_SIGNING_KEY: string;
    /** RELAYS as the infra program renders it for its two-relay fixture (vitest.config.ts). */
    INFRA_FLEET_RELAYS: string;
  }
}
