// X-Voice-Edge-Auth, the relay token the Worker mints and the relay checks (docs/architecture.md): minted here
// for benchmarks that call the relay directly, and checked here by the Worker tests' stand-in relay. Node
// built-ins only (imported from packages without `ws`). The C# twin is tests/VoiceEdge.TestSupport/RelayTokens.cs;
// both are checked against tests/vectors/relay-token.json.
import crypto from 'node:crypto';
import { nowSeconds } from './jwt.mjs';

const b64url = (input) => Buffer.from(input).toString('base64url');
const sign = (key, payload) => `${payload}.${crypto.createHmac('sha256', Buffer.from(key, 'utf8')).update(payload).digest('base64url')}`;

/** v1.<exp>.<session>.<sig> (the relay accepts v1 during the rollout window). */
export function mintRelayTokenV1(key, exp, session) {
  return sign(key, `v1.${exp}.${session}`);
}

/** v2.<exp>.<session>.<b64url(sub)>.<b64url(client ip)>.<sig>, what the Worker mints. */
export function mintRelayTokenV2(key, { exp, session, sub, clientIp = null }) {
  return sign(key, `v2.${exp}.${session}.${b64url(Buffer.from(sub, 'utf8'))}.${clientIp ? b64url(Buffer.from(clientIp, 'ascii')) : ''}`);
}

/**
 * Checks a v2 token as the relay does (a v1 token is refused: the Worker mints v2 only): `{ status: "ok", sub,
 * clientIp }` or `{ status: <why not> }`. `skewSeconds` and `maxAheadSeconds` are the relay's defaults.
 */
export function checkRelayTokenV2(header, key, { now = nowSeconds(), skewSeconds = 5, maxAheadSeconds = 65 } = {}) {
  const m = /^v2\.(0|[1-9]\d{0,11})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{2,342})\.([A-Za-z0-9_-]{0,60})\.([A-Za-z0-9_-]{43})$/.exec(header ?? '');
  if (!m) return { status: 'malformed' };
  if (sign(key, `v2.${m[1]}.${m[2]}.${m[3]}.${m[4]}`) !== header) return { status: 'bad-signature' };
  const exp = Number(m[1]);
  if (exp < now - skewSeconds) return { status: 'expired' };
  if (exp > now + maxAheadSeconds) return { status: 'too-far-ahead' };
  return { status: 'ok', sub: Buffer.from(m[3], 'base64url').toString('utf8'), clientIp: m[4] ? Buffer.from(m[4], 'base64url').toString('ascii') : null };
}
