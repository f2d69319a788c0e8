// What Twilio does when a call comes in, for the local path and its tests: it POSTs the voice webhook with the
// whole form Twilio sends for an incoming call (https://www.twilio.com/docs/voice/twiml#request-parameters),
// signed by Twilio's own Node helper library (the `twilio` package, pinned in package.json:
// getExpectedTwilioSignature, the code Twilio's docs point to,
// https://www.twilio.com/docs/usage/webhooks/webhooks-security), so the relay's check is tested against Twilio's
// algorithm rather than against a copy of ours; reads the per-call token from the answered TwiML's
// <Stream><Parameter>, and sends it back in the stream's `start` message
// (`start.customParameters`, https://www.twilio.com/docs/voice/media-streams/websocket-messages#start-message).
import crypto from 'node:crypto';
import twilio from 'twilio';

/** The <Parameter> name the relay puts its per-call token under (relay/Auth/TwilioCallToken.cs). */
export const CALL_TOKEN_PARAMETER = 'voiceEdgeCallToken';

/**
 * X-Twilio-Signature for a POST of `params` to `url`, computed by Twilio's helper library; a WebSocket upgrade
 * (the stream) is signed over its URL alone (no params).
 */
export function twilioWebhookSignature(authToken, url, params = {}) {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/** Whether Twilio's helper library accepts `signature` for `params` posted to `url` (its validateRequest). */
export function twilioValidates(authToken, signature, url, params = {}) {
  return twilio.validateRequest(authToken, signature, url, params);
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

/**
 * The form Twilio POSTs to the voice webhook when `callSid` rings an account's number: every parameter of an
 * incoming PSTN call, geographic ones included, with non-ASCII values where a real caller has them (a caller
 * name from CNAM, a city), and the SHAKEN/STIR verification status.
 */
export function incomingCallForm({ accountSid, callSid, from = '+15005550006', to = '+15005550001' }) {
  const caller = { City: 'São Paulo', Country: 'BR', State: 'SP', Zip: '01310-100' };
  const called = { City: 'Zürich', Country: 'CH', State: 'ZH', Zip: '8001' };
  const place = (prefix, p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [prefix + k, v]));
  return {
    AccountSid: accountSid, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'ringing', Direction: 'inbound',
    Called: to, ...place('Called', called), To: to, ...place('To', called),
    Caller: from, CallerName: 'Zoë Ångström', ...place('Caller', caller), From: from, ...place('From', caller),
    StirVerstat: 'TN-Validation-Passed-A',
  };
}

const xmlEntities = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeXml = (text) => text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name) => xmlEntities[name]);
const attributes = (tag) => Object.fromEntries([...tag.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name, decodeXml(value)]));

/**
 * POSTs the voice webhook as Twilio does when `callSid` rings (the full form of incomingCallForm); `signedUrl` is
 * the URL the relay checks the signature against (its public one) when it differs from `postUrl`. Returns
 * { streamUrl, token, callSid, accountSid, twiml }.
 */
export async function answerCall({ postUrl, signedUrl = postUrl, authToken, accountSid, callSid = randomSid('CA') }) {
  const params = incomingCallForm({ accountSid, callSid });
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
  return { streamUrl: attributes(stream[0]).url, token: parameter.value, callSid, accountSid, twiml };
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

/** A `dtmf` message as Twilio sends it when the caller presses `digit` during a bidirectional stream. */
export function dtmfMessage({ streamSid, sequenceNumber, digit }) {
  return { event: 'dtmf', streamSid, sequenceNumber, dtmf: { track: 'inbound_track', digit } };
}

/** The `mark` message Twilio sends back once the audio queued before the relay's mark `name` has played. */
export function markMessage({ streamSid, sequenceNumber, name }) {
  return { event: 'mark', sequenceNumber, streamSid, mark: { name } };
}
