// The call simulator end to end: speech made by espeak-ng (converted by sox to 8 kHz mono 16-bit), played
// as a Twilio Media Stream into the relay in PersonaPlex mode and a stand-in PersonaPlex that echoes it,
// recorded, and compared with the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav, envelope, correlationAt } from '../lib/audio.mjs';

const callScript = fileURLToPath(new URL('../call.mjs', import.meta.url));
const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = ['espeak-ng', 'sox'].filter((t) => !has(t));

// Threshold for the envelope correlation (10 ms RMS windows) between what was said and what came back.
// The echo passes G.711, two Speex resamplings each way, Opus at 24 kbit/s twice and the jitter buffer:
// measured 0.96-0.99 on a warm machine with steady 20 ms frames (call.mjs --steady), 0.77 on a first run with cold
// JIT and a busy 2-core machine; with call.mjs's default Twilio-like delivery (bursts and a 400 ms gap mid-speech,
// whose backlog delays the rest of the echo) 0.77-0.78 warm, 0.67 beside a build. A path that loses the speech does far worse: the same speech reversed in time, which has the same spectrum
// and loudness but another contour, scores below 0.3 (asserted below as the control), silence or noise ~0.
const THRESHOLD = 0.6;
// call.mjs's default lead-in: the stand-in's default handshake (2500 ms) + 1000 ms.
const LEAD_IN_MS = 3500;

test('a spoken sentence makes the round trip through the phone bridge', { skip: missing.length ? `needs ${missing.join(', ')} (see .ci/install)` : false, timeout: 240000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-edge-call-'));
  try {
    const speech = path.join(dir, 'speech.wav');
    const input = path.join(dir, 'in.wav');
    const output = path.join(dir, 'out.wav');
    execFileSync('espeak-ng', ['-w', speech, 'Hello, this is a test call. One two three.']);
    execFileSync('sox', [speech, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', input]);

    // The stand-in's default handshake (2.5 s, as a real PersonaPlex) and the default lead-in (the handshake + 1 s).
    const run = spawnSync(process.execPath, [callScript, '--in', input, '--out', output], { encoding: 'utf8', timeout: 200000 });
    assert.equal(run.status, 0, `call.mjs failed:\n${run.stdout}\n${run.stderr}`);
    const delayMs = Number(/delay: (\d+) ms/.exec(run.stdout)?.[1]);
    const quality = Number(/envelope correlation (-?[\d.]+)/.exec(run.stdout)?.[1]);
    const firstAudioMs = Number(/first audio: (\d+) ms/.exec(run.stdout)?.[1]);
    const firstHeardMs = Number(/first heard: (\d+) ms/.exec(run.stdout)?.[1]);
    console.log(`# bridge round trip: delay ${delayMs} ms, envelope correlation ${quality}, first heard ${firstHeardMs} ms (hold signal), model's first audio ${firstAudioMs} ms after the stream's start`);

    const sent = readWav(input);
    const back = readWav(output);
    assert.equal(back.rate, 8000);
    assert.equal(back.channels, 1);
    assert.ok(back.samples.length > sent.samples.length * 0.8, 'most of the speech came back');
    assert.ok(Number.isFinite(delayMs) && delayMs >= 0 && delayMs <= 3000, `delay ${delayMs} ms`);
    assert.ok(Number.isFinite(firstAudioMs), 'the first audio is reported');
    // The relay's hold signal fills the wait for PersonaPlex (2.5 s handshake): the caller hears the line from about
    // a frame after the start (bounded loosely for a busy machine), long before the model's first audio.
    assert.ok(Number.isFinite(firstHeardMs) && firstHeardMs < 1000 && firstHeardMs < firstAudioMs, `first heard ${firstHeardMs} ms, model ${firstAudioMs} ms`);
    // Intelligibility is judged on the speech before the 400 ms gap: the gap's backlog plays late (nothing is dropped),
    // so after it the echo runs 400 ms behind and a single-lag figure over the whole call mixes two alignments.
    const beforeGap = (() => {
      const a = envelope(sent.samples, 80);
      const b = envelope(back.samples, 80).subarray(LEAD_IN_MS / 10 + delayMs / 10);
      const half = Math.floor(a.length / 2);
      return correlationAt(a.subarray(0, half), b.subarray(0, half), 0);
    })();
    console.log(`# envelope correlation before the gap: ${beforeGap.toFixed(3)} (whole call ${quality})`);
    assert.ok(beforeGap > THRESHOLD, `envelope correlation before the gap ${beforeGap} <= ${THRESHOLD}`);

    // The call went as Twilio's do (call.mjs): the whole webhook form signed by Twilio's helper library, a dtmf key
    // press mid-speech, bursts and a 400 ms gap in the caller's audio, stop and then Twilio's own close; the relay
    // took all of it without an error log entry.
    console.log(`# ${/twilio-like: .*/.exec(run.stdout)?.[0]}`);
    assert.match(run.stdout, /twilio-like: bursts of 4 frames each second and one 400 ms gap, dtmf sent/);
    assert.match(run.stdout, /stream: stop sent, then closed by Twilio \(the simulator\)/);
    assert.match(run.stdout, /^relay errors: 0$/m, `the relay logged errors:\n${run.stdout}`);

    // The control: the printed figure is the one recomputed here, and reversed speech does not pass.
    const a = envelope(sent.samples, 80);
    const b = envelope(back.samples, 80).subarray(LEAD_IN_MS / 10 + delayMs / 10); // the lead-in, then the delay
    assert.ok(Math.abs(correlationAt(a, b, 0) - quality) < 0.02, 'printed quality matches the files');
    assert.ok(correlationAt(a.slice().reverse(), b, 0) < 0.3, 'reversed speech scores below the control level');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the simulator exits 1 when no audio comes back', { timeout: 60000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-edge-call-'));
  try {
    const input = path.join(dir, 'in.wav');
    const header = Buffer.alloc(44);
    header.write('RIFF', 0); header.writeUInt32LE(36 + 3200, 4); header.write('WAVEfmt ', 8); header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22); header.writeUInt32LE(8000, 24); header.writeUInt32LE(16000, 28);
    header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34); header.write('data', 36); header.writeUInt32LE(3200, 40);
    fs.writeFileSync(input, Buffer.concat([header, Buffer.alloc(3200)]));
    // A PersonaPlex that never finishes its handshake: the bridge drops the caller's audio, nothing comes back.
    const run = spawnSync(process.execPath, [callScript, '--in', input, '--out', path.join(dir, 'out.wav'), '--handshake-ms', '600000', '--lead-in-ms', '0'], { encoding: 'utf8', timeout: 50000 });
    assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /no audio came back/);
    // Meanwhile the caller heard the relay's hold signal, which is not counted as the model's audio.
    assert.match(run.stdout, /first heard: \d+ ms after the stream's start \(the hold signal/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
