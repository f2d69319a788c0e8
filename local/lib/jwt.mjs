// HS256 JWTs, the user tokens the Worker verifies with AUTH_JWT_SECRET: the one signer of the local stack, the
// Worker's end-to-end tests and the benchmarks. Node built-ins only (imported from packages without `ws`).
import crypto from 'node:crypto';

const base64url = (input) => Buffer.from(input).toString('base64url');

/** A compact JWS over `claims`, HMAC-SHA256 with `secret`; `header` may be replaced to forge one (alg: "none"). */
export function signHs256(claims, secret, header = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A user token valid for `ttlSeconds`, with the claims the local Worker checks. */
export function userClaims({ sub = 'local-user', ttlSeconds = 3600, issuer, audience, now = Math.floor(Date.now() / 1000) } = {}) {
  const claims = { sub, iat: now, nbf: now - 5, exp: now + ttlSeconds };
  if (issuer) claims.iss = issuer;
  if (audience) claims.aud = audience;
  return claims;
}

export function randomSecret(bytes = 32) {
  return crypto.randomBytes(bytes).toString('base64url');
}
