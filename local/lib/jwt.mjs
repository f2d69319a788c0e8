// HS256 JWTs for the local user tokens (the Worker verifies them with AUTH_JWT_SECRET).
import crypto from 'node:crypto';

const base64url = (input) => Buffer.from(input).toString('base64url');

export function signHs256(claims, secret) {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = crypto.createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

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

/** Twilio's X-Twilio-Signature for a WebSocket upgrade: base64 HMAC-SHA1(auth token, URL), no params. */
export function twilioSignature(authToken, url) {
  return crypto.createHmac('sha1', authToken).update(url).digest('base64');
}
