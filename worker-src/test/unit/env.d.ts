declare module "cloudflare:test" {
  interface ProvidedEnv {
    RELAY_SIGNING_KEY: string;
  }
}
