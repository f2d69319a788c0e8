// The simulator's Twilio side against the real relay: the voice webhook with the whole form Twilio sends for an
// incoming call (non-ASCII caller name and cities included) and the stream upgrade, both signed by Twilio's own
// Node helper library (the pinned `twilio` package), not by a copy of the relay's algorithm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import WebSocket from 'ws';
import twilio from 'twilio';
import { buildRelay } from '../lib/relayBuild.mjs';
import { startProcess, releaseGuardian } from '../lib/processes.mjs';
import { freePort, waitForHttp } from '../lib/net.mjs';
import { answerCall, incomingCallForm, randomSid, startMessage, twilioValidates, twilioWebhookSignature, voiceWebhookUrl } from '../lib/twilio.mjs';

const authToken = crypto.randomBytes(18).toString('base64url');
const accountSid = randomSid('AC');
let relay;
let base;
const errors = [];

before(async () => {
  const built = await buildRelay({ build: 'auto' });
  const port = await freePort();
  const dead = `ws://127.0.0.1:${await freePort()}/api/chat`;
  base = `ws://127.0.0.1:${port}`;
  relay = startProcess('relay', 'dotnet', [built.dll, '--urls', `http://127.0.0.1:${port}`], {
    cwd: built.dir,
    env: {
      ...process.env, Relay__Upstream: dead, Relay__TwilioUpstream: dead, Relay__SigningKey: crypto.randomBytes(24).toString('base64url'),
      Relay__TwilioAuthToken: authToken, Relay__TwilioAccountSid: accountSid, Relay__PublicBaseUrl: base, Relay__DrainGraceSeconds: '1',
    },
    onLine: (stream, line) => { if (/"LogLevel":"(Error|Critical)"/.test(line)) errors.push(line); },
  });
  await waitForHttp(`http://127.0.0.1:${port}/health/live`, { proc: relay, timeoutMs: 60000 });
}, { timeout: 300000 });

after(async () => {
  await relay?.stop(3000);
  releaseGuardian();
});

test('the signature is the helper library\'s own and its validateRequest accepts it', () => {
  const url = 'https://relay.example.com/twilio/voice';
  const form = incomingCallForm({ accountSid, callSid: randomSid('CA') });
  const signature = twilioWebhookSignature(authToken, url, form);
  assert.equal(signature, twilio.getExpectedTwilioSignature(authToken, url, form));
  assert.ok(twilioValidates(authToken, signature, url, form));
  assert.ok(!twilioValidates(authToken, signature, url, { ...form, CallerName: 'Zoe Angstrom' }), 'the non-ASCII value is under the signature');
});

test('the form is Twilio\'s for an incoming call, with non-ASCII values', () => {
  const form = incomingCallForm({ accountSid, callSid: randomSid('CA') });
  const expected = ['AccountSid', 'ApiVersion', 'CallSid', 'CallStatus', 'Called', 'CalledCity', 'CalledCountry', 'CalledState', 'CalledZip',
    'Caller', 'CallerCity', 'CallerCountry', 'CallerName', 'CallerState', 'CallerZip', 'Direction', 'From', 'FromCity', 'FromCountry',
    'FromState', 'FromZip', 'StirVerstat', 'To', 'ToCity', 'ToCountry', 'ToState', 'ToZip'];
  assert.deepEqual(Object.keys(form).sort(), expected);
  assert.match(form.CallerName, /[^\x00-\x7f]/);
  assert.match(form.FromCity, /[^\x00-\x7f]/);
});

test('the relay answers the full form signed by the helper library, and refuses it with a value changed', async () => {
  const postUrl = voiceWebhookUrl(base);
  const call = await answerCall({ postUrl, authToken, accountSid });
  assert.equal(call.streamUrl, `${base}/twilio/stream`);
  assert.match(call.twiml, /<Connect>/);

  const form = incomingCallForm({ accountSid, callSid: randomSid('CA') });
  const signature = twilioWebhookSignature(authToken, postUrl, form);
  const tampered = await fetch(postUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams({ ...form, CallerName: 'Zoë Ångströn' }),
  });
  assert.equal(tampered.status, 403, 'a changed non-ASCII value breaks the signature');
  assert.deepEqual(errors, []);
});

test('the stream upgrade signed by the helper library is accepted and the start with the call token passes', async () => {
  const call = await answerCall({ postUrl: voiceWebhookUrl(base), authToken, accountSid });
  const url = `${base}/twilio/stream`;
  const ws = new WebSocket(url, { headers: { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(authToken, url, {}) } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  const streamSid = randomSid('MZ');
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify(startMessage(call, { streamSid })));
  ws.send(JSON.stringify({ event: 'stop', sequenceNumber: '2', streamSid, stop: { accountSid, callSid: call.callSid } }));
  ws.close(1000);
  const code = await closed;
  assert.notEqual(code, 1008, 'the call token and account were accepted');
});
