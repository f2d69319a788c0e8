#!/usr/bin/env node
// Call simulator: plays a WAV file as a Twilio Media Stream into the relay's phone bridge and records what
// comes back. `npm --prefix local run call -- --in <in.wav> --out <out.wav> [options]`.
import crypto from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { readWav, writeWav, muLawEncode, muLawDecode, envelope, bestLag } from './lib/audio.mjs';
import { startProcess, releaseGuardian, delay } from './lib/processes.mjs';
import { freePort, waitForHttp } from './lib/net.mjs';
import { buildRelay } from './lib/relayBuild.mjs';
import { buildStandIn } from './lib/standInBuild.mjs';
import { answerCall, dtmfMessage, markMessage, randomSid, startMessage, twilioWebhookSignature, voiceWebhookUrl } from './lib/twilio.mjs';

const usage = `usage: npm --prefix local run call -- --in <in.wav> --out <out.wav> [options]

  --in <file>               8 kHz mono 16-bit PCM WAV to play as the caller (sox converts others:
                            sox in.wav -r 8000 -c 1 -b 16 -e signed-integer in8k.wav)
  --out <file>              what came back, 8 kHz mono 16-bit PCM WAV, as Twilio would play it
  --relay <ws url>          a running relay's stream URL (ws(s)://host[:port][/twilio/stream]); default: start
                            the relay (Relay__TwilioMode=PersonaPlex) and a stand-in PersonaPlex on loopback
  --twilio-auth-token <t>   with --relay: its Twilio auth token, to sign the requests (or TWILIO_AUTH_TOKEN)
  --twilio-account-sid <s>  with --relay: its Twilio account SID (AC...; or TWILIO_ACCOUNT_SID)
  --public-url <url>        with --relay: the stream URL the relay checks signatures against (default: --relay)

Each call rings the relay's voice webhook first (POST /twilio/voice with the whole form Twilio sends, non-ASCII
caller name and cities included; https:// for a wss:// relay) and sends the per-call token its TwiML returns in
the stream's start message. The webhook and the stream upgrade are signed by Twilio's own Node helper library
(the pinned \`twilio\` package). The stream goes as Twilio's does: connected, start, media with increasing
sequenceNumber/chunk/timestamp, a \`dtmf\` key press (5) in the middle of the speech, a \`mark\` back for each
mark the relay sends, then \`stop\`, after which the simulator (Twilio) closes the WebSocket. The caller's audio
comes as Twilio's network delivers it: a burst of 4 frames at once every second and one 400 ms gap in the middle
of the speech whose 20 frames then arrive at once (timestamps unchanged).
  --steady                  send one 20 ms frame every 20 ms instead (no bursts, no gap)
  --lead-in-ms <n>          silence played before the file, while PersonaPlex gets ready (default: the
                            handshake + 1000, so the speech starts after the 0x00)
  --handshake-ms <n>        the stand-in's delay before its 0x00 handshake (default 2500, about what a real
                            PersonaPlex's prompts take)
  --no-build                use the last builds
  --verbose                 print the relay's and stand-in's output

When it starts the relay itself, a short unmeasured warm-up call goes first (JIT). Prints the round-trip delay (the lag where the returned audio's envelope best matches the input's) and
that envelope correlation (1 = same shape), when the caller first heard something and when the model's first
audio came. Media between the relay's \`voice-edge-hold-start\` and \`voice-edge-hold-end\` marks are its hold signal
(comfort noise while PersonaPlex gets ready, relay/PhoneBridge/HoldSignal.cs): in --out as the caller hears it,
never counted as the model's audio. Exits 1 when no audio of the model came back, 2 on bad arguments.`;

// The relay's marks around its hold signal (relay/PhoneBridge/HoldSignal.cs).
const HOLD_START = 'voice-edge-hold-start';
const HOLD_END = 'voice-edge-hold-end';

const FRAME = 160; // 20 ms at 8 kHz
const ENVELOPE_WINDOW = 80; // 10 ms

let values;
try {
  ({ values } = parseArgs({
    options: {
      in: { type: 'string' }, out: { type: 'string' }, relay: { type: 'string' },
      'twilio-auth-token': { type: 'string' }, 'twilio-account-sid': { type: 'string' }, 'public-url': { type: 'string' },
      'lead-in-ms': { type: 'string' }, 'handshake-ms': { type: 'string', default: '2500' },
      'no-build': { type: 'boolean', default: false }, steady: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  }));
  if (values.help) { console.log(usage); process.exit(0); }
  if (!values.in || !values.out) throw new Error('--in and --out are required');
  for (const key of ['handshake-ms', 'lead-in-ms']) {
    if (key === 'lead-in-ms') values[key] ??= String(Number(values['handshake-ms']) + 1000);
    if (!/^\d+$/.test(values[key])) throw new Error(`--${key} must be a whole number of milliseconds`);
  }
} catch (error) {
  console.error(`${error.message}\n\n${usage}`);
  process.exit(2);
}

let input;
try {
  input = readWav(values.in);
  if (input.rate !== 8000) throw new Error(`${values.in}: ${input.rate} Hz; the call carries 8 kHz (sox ${values.in} -r 8000 -c 1 -b 16 -e signed-integer in8k.wav)`);
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

const processes = [];
const log = values.verbose ? (line) => console.error(line) : () => {};
// The relay's error and critical log entries (its console log is JSON, one entry a line): a call Twilio could
// place must leave none.
const relayErrors = [];
function relayLine(line) {
  log(`[relay] ${line}`);
  try {
    const entry = JSON.parse(line);
    if (entry.LogLevel === 'Error' || entry.LogLevel === 'Critical') relayErrors.push(entry.Message ?? line);
  } catch { /* not a log entry (dotnet's own output) */ }
}

async function startLocal() {
  const build = values['no-build'] ? false : 'auto';
  const { dll: standInDll } = buildStandIn({ build, log });
  const relay = await buildRelay({ build, log });
  let chatUrl;
  const standInReady = new Promise((resolve) => {
    const proc = startProcess('standin', 'dotnet', [standInDll, '--handshake-ms', values['handshake-ms']], {
      onLine: (stream, line) => {
        log(`[standin] ${line}`);
        const m = /^listening (\S+)/.exec(line);
        if (m) { chatUrl = m[1]; resolve(); }
      },
    });
    processes.push(proc);
    proc.exited.then(() => resolve());
  });
  await Promise.race([standInReady, delay(60000)]);
  if (!chatUrl) throw new Error('the stand-in PersonaPlex did not start (run with --verbose)');
  const port = await freePort();
  const authToken = crypto.randomBytes(18).toString('base64url');
  const accountSid = randomSid('AC');
  const base = `ws://127.0.0.1:${port}`;
  const proc = startProcess('relay', 'dotnet', [relay.dll, '--urls', `http://127.0.0.1:${port}`], {
    cwd: relay.dir,
    env: {
      ...process.env,
      Relay__Upstream: chatUrl,
      Relay__TwilioUpstream: chatUrl,
      Relay__TwilioMode: 'PersonaPlex',
      Relay__SigningKey: crypto.randomBytes(24).toString('base64url'),
      Relay__TwilioAuthToken: authToken,
      Relay__TwilioAccountSid: accountSid,
      Relay__PublicBaseUrl: base,
      Relay__DrainGraceSeconds: '1',
    },
    onLine: (stream, line) => relayLine(line),
  });
  processes.push(proc);
  await waitForHttp(`http://127.0.0.1:${port}/health`, { proc, timeoutMs: 60000, accept: (s) => s === 200 || s === 503 });
  return { url: `${base}/twilio/stream`, signedUrl: `${base}/twilio/stream`, authToken, accountSid };
}

function remote() {
  let url = values.relay;
  if (!/^wss?:\/\//.test(url)) throw new Error(`--relay must be a ws:// or wss:// URL, got "${url}"`);
  if (!new URL(url).pathname.replace(/\/$/, '')) url = url.replace(/\/?$/, '/twilio/stream');
  const authToken = values['twilio-auth-token'] ?? process.env.TWILIO_AUTH_TOKEN;
  if (!authToken) throw new Error('--relay needs --twilio-auth-token (or TWILIO_AUTH_TOKEN) to sign the requests');
  const accountSid = values['twilio-account-sid'] ?? process.env.TWILIO_ACCOUNT_SID;
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid ?? '')) throw new Error('--relay needs --twilio-account-sid AC... (or TWILIO_ACCOUNT_SID), the relay\'s Relay__TwilioAccountSid');
  return { url, signedUrl: values['public-url'] ?? url, authToken, accountSid };
}

/**
 * When Twilio's network hands frame `i` (of `count`) over, in ms from the first: one every 20 ms when `steady`;
 * else every second 4 frames come at once (the last one's time), and the 20 frames from `gapAt` (400 ms) are held
 * back and then come at once, as a real call's media does after a network hiccup. Timestamps stay those of the
 * audio (20 ms apart), as Twilio's do.
 */
function releaseTime(i, { steady, gapAt }) {
  const due = 20 * (i + 1);
  if (steady) return due;
  if (gapAt !== null && i >= gapAt && i < gapAt + 20) return 20 * (gapAt + 20);
  if (i % 50 >= 46) return 20 * (i - (i % 50) + 50); // frames 46..49 of each second go with the 49th
  return due;
}

/**
 * One call: returns { frames: [{ at, payload, hold }], closed, stopSent, marks, dtmfSent } with times in ms from the
 * first frame sent; `hold` marks the relay's hold signal (the media between its hold marks). `speechFrom` is the first frame of speech (after the lead-in): the key press and the gap go
 * in the middle of what follows.
 */
async function call({ url, signedUrl, authToken, accountSid }, mulaw, { speechFrom = 0 } = {}) {
  const streamSid = randomSid('MZ');
  const voiceUrl = voiceWebhookUrl(url);
  const twilioCall = await answerCall({ postUrl: voiceUrl, signedUrl: voiceWebhookUrl(signedUrl), authToken, accountSid });
  const ws = new WebSocket(url, { headers: { 'X-Twilio-Signature': twilioWebhookSignature(authToken, signedUrl) } });
  const frames = [];
  let t0 = 0;
  let closed = null;
  let stopSent = false;
  let marks = 0;
  let holding = false;
  let seq = 0;
  const send = (message) => new Promise((resolve) => ws.send(JSON.stringify(message), () => resolve()));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const message = JSON.parse(data.toString());
    if ((message.event === "media" || message.event === "mark") && message.streamSid !== streamSid) throw new Error(`${message.event} for another stream: ${message.streamSid}`);
    if (message.event === 'mark' && message.mark?.name === HOLD_START) holding = true;
    if (message.event === 'mark' && message.mark?.name === HOLD_END) holding = false;
    if (message.event === 'media') frames.push({ at: performance.now() - t0, payload: Buffer.from(message.media.payload, 'base64'), hold: holding });
    // Twilio answers a mark once the audio queued before it has played; the playout here is immediate.
    if (message.event === 'mark' && !stopSent) { marks++; send(markMessage({ streamSid, sequenceNumber: String(++seq), name: message.mark?.name })); }
  });
  const closedPromise = new Promise((resolve) => ws.on('close', (code, reason) => { closed = { code, reason: reason.toString(), beforeStop: !stopSent }; resolve(); }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(new Error(`the relay refused the stream: HTTP ${res.statusCode}`)));
  });
  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  send(startMessage(twilioCall, { streamSid, sequenceNumber: String(++seq) }));
  t0 = performance.now();
  const count = Math.ceil(mulaw.length / FRAME);
  const middle = Math.floor((speechFrom + count) / 2);
  const gapAt = count - speechFrom > 60 ? middle : null;
  const dtmfAt = count - speechFrom > 20 ? middle - 10 : null;
  let dtmfSent = false;
  for (let i = 0; i < count && !closed; i++) {
    const wait = releaseTime(i, { steady: values.steady, gapAt }) - (performance.now() - t0);
    if (wait > 0) await delay(wait);
    if (i === dtmfAt) { send(dtmfMessage({ streamSid, sequenceNumber: String(++seq), digit: '5' })); dtmfSent = true; }
    const payload = mulaw.subarray(i * FRAME, (i + 1) * FRAME);
    send({ event: 'media', sequenceNumber: String(++seq), streamSid, media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: payload.toString('base64') } });
  }
  // Let the echo play out: until nothing has come for 0.6 s (at most 10 s).
  const until = performance.now() + 10000;
  while (!closed && performance.now() < until) {
    const last = frames.length ? frames[frames.length - 1].at + t0 : t0 + mulaw.length / 8;
    if (performance.now() - last > 600) break;
    await delay(50);
  }
  if (!closed) {
    // The caller hangs up: Twilio sends `stop`, and then (not before) closes the WebSocket itself.
    stopSent = true;
    await send({ event: 'stop', sequenceNumber: String(++seq), streamSid, stop: { accountSid, callSid: twilioCall.callSid } });
    ws.close(1000);
  }
  await Promise.race([closedPromise, delay(5000)]);
  return { frames, closed, stopSent, marks, dtmfSent };
}

/** Lays the returned frames on the caller's timeline as a phone plays them: in order, never overlapping. */
function timeline(frames, length) {
  const out = new Int16Array(length);
  let playhead = 0;
  for (const { at, payload } of frames) {
    playhead = Math.max(playhead, Math.round((at / 1000) * 8000));
    for (let i = 0; i < payload.length && playhead + i < out.length; i++) out[playhead + i] = muLawDecode(payload[i]);
    playhead += payload.length;
  }
  return out;
}

let exitCode = 0;
try {
  const target = values.relay ? remote() : await startLocal();
  if (!values.relay) {
    // A short call first, not measured: the relay and stand-in just started, and their first call pays for
    // JIT compilation (bursts and gaps), which is not what the figures are about.
    await call(target, Buffer.alloc(8 * Math.min(Number(values['handshake-ms']) + 400, 1500), 0xff));
  }
  const leadIn = Math.round(Number(values['lead-in-ms']) * 8);
  const mulaw = Buffer.alloc(leadIn + input.samples.length, 0xff);
  for (let i = 0; i < input.samples.length; i++) mulaw[leadIn + i] = muLawEncode(input.samples[i]);
  console.error(`calling ${target.url}: ${(mulaw.length / 8000).toFixed(2)} s (${values['lead-in-ms']} ms lead-in + ${path.basename(values.in)})`);
  const { frames: heard, closed, stopSent, marks, dtmfSent } = await call(target, mulaw, { speechFrom: Math.floor(leadIn / FRAME) });
  const frames = heard.filter((f) => !f.hold); // the model's audio
  const held = heard.filter((f) => f.hold);

  const sent = Int16Array.from(mulaw, muLawDecode);
  const last = frames.length ? frames[frames.length - 1] : null;
  // What the caller hears: the hold signal (if any), then the model.
  const back = timeline(heard, last ? Math.round((last.at / 1000) * 8000) + 8000 : 0);
  writeWav(values.out, back, 8000);
  const audioMs = frames.reduce((n, f) => n + f.payload.length, 0) / 8;
  console.log(`audio back: ${audioMs.toFixed(0)} ms in ${frames.length} frames -> ${values.out}`);
  // What the caller hears at the start: the relay's hold signal from its first frame, then the model's first media.
  if (held.length) console.log(`first heard: ${held[0].at.toFixed(0)} ms after the stream's start (the hold signal, ${held.length} frames)`);
  else console.log('first heard: no hold signal');
  if (frames.length) console.log(`first audio: ${frames[0].at.toFixed(0)} ms after the stream's start (the model's first frame${held.length ? '' : '; silence until then'})`);
  if (closed?.beforeStop) console.log(`stream closed by the relay before stop: ${closed.code} ${closed.reason}`);
  else if (stopSent) console.log(`stream: stop sent, then closed by Twilio (the simulator)${closed ? ` (${closed.code})` : ''}`);
  console.log(`twilio-like: ${values.steady ? 'steady 20 ms frames' : 'bursts of 4 frames each second and one 400 ms gap'}, dtmf ${dtmfSent ? 'sent' : 'not sent'}, ${marks} marks echoed`);
  if (!values.relay) {
    console.log(`relay errors: ${relayErrors.length}`);
    for (const message of relayErrors) console.log(`  relay error: ${message}`);
  }
  if (frames.length === 0) {
    console.log('no audio came back');
    exitCode = 1;
  } else {
    // The caller's speech only: the lead-in is silence the model never hears (audio before its handshake is dropped).
    const a = envelope(sent.subarray(leadIn), ENVELOPE_WINDOW);
    const b = envelope(back, ENVELOPE_WINDOW);
    const shift = leadIn / ENVELOPE_WINDOW;
    const best = bestLag(a, b.subarray(shift), Math.min(300, Math.max(0, b.length - shift - 10)));
    console.log(`delay: ${best.lag * 10} ms (round trip: relay to the model and back, the stand-in's own 20 ms framing included)`);
    console.log(`quality: envelope correlation ${best.correlation.toFixed(3)} (1 = same loudness contour as the input)`);
  }
} catch (error) {
  console.error(`call failed: ${error.message}`);
  exitCode = 1;
} finally {
  await Promise.all(processes.map((p) => p.stop(3000)));
  releaseGuardian();
}
process.exit(exitCode);
