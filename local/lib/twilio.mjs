// What Twilio does when a call comes in, for the local path and its tests: it POSTs the voice webhook signed the
// way Twilio signs (https://www.twilio.com/docs/usage/webhooks/webhooks-security: HMAC-SHA1 with the auth token over
// the full URL followed by every POST parameter's name and value, sorted by name; base64), reads the per-call token
// from the answered TwiML's <Stream><Parameter>, and sends it back in the stream's `start` message
// (`start.customParameters`, https://www.twilio.com/docs/voice/media-streams/websocket-messages#start-message).
import crypto from 'node:crypto';

/** The <Parameter> name the relay puts its per-call token under (relay/Auth/TwilioCallToken.cs). */
export const CALL_TOKEN_PARAMETER = 'voiceEdgeCallToken';

/** X-Twilio-Signature for a POST of `params` to `url`; a WebSocket upgrade (the stream) is signed over its URL alone (no params). */
export function twilioWebhookSignature(authToken, url, params = {}) {
  const data = Object.keys(params).sort().reduce((text, name) => text + name + params[name], url);
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** A Twilio SID: two letters and 32 hex digits (CA... a call, MZ... a stream, AC... an account). */
export function randomSid(prefix) {
  return prefix + crypto.randomBytes(16).toString('hex');
}

/** The URL Twilio posts a call to, for a relay whose public base is `wsBase` (wss -> https, ws -> http). */
export function voiceWebhookUrl(wsBase) {
  const url = new URL(wsBase);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/twilio/voice';
  url.search = '';
  return url.toString();
}

const xmlEntities = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeXml = (text) => text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name) => xmlEntities[name]);
const attributes = (tag) => Object.fromEntries([...tag.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, decodeXml(value)]));

/**
 * POSTs the voice webhook as Twilio does when `callSid` rings; `signedUrl` is the URL the relay checks the signature
 * against (its public one) when it differs from `postUrl`. Returns { streamUrl, token, callSid, accountSid }.
 */
export async function answerCall({ postUrl, signedUrl = postUrl, authToken, accountSid, callSid = randomSid('CA') }) {
  const params = { AccountSid: accountSid, CallSid: callSid, CallStatus: 'ringing', Direction: 'inbound', From: '+15005550006', To: '+15005550001' };
  const response = await fetch(postUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioWebhookSignature(authToken, signedUrl, params) },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(30000),
  });
  const twiml = await response.text();
  if (response.status !== 200) throw new Error(`the relay refused the voice webhook: HTTP ${response.status}`);
  const stream = /<Stream\b[^>]*>/.exec(twiml);
  const parameter = [...twiml.matchAll(/<Parameter\b[^>]*>/g)].map((m) => attributes(m[0])).find((a) => a.name === CALL_TOKEN_PARAMETER);
  if (!stream || !parameter?.value) throw new Error('the relay answered TwiML without a <Stream> carrying its call token');
  return { streamUrl: attributes(stream[0]).url, token: parameter.value, callSid, accountSid };
}

/** The `start` message Twilio sends for `call` (from answerCall), with the token among its custom parameters. */
export function startMessage(call, { streamSid, sequenceNumber = '1', customParameters = {} }) {
  return {
    event: 'start', sequenceNumber, streamSid,
    start: {
      streamSid, accountSid: call.accountSid, callSid: call.callSid, tracks: ['inbound'],
      customParameters: { ...customParameters, [CALL_TOKEN_PARAMETER]: call.token },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  };
}
