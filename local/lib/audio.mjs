// Audio helpers for the call simulator: 16-bit PCM WAV files, G.711 mu-law, envelopes and their correlation.
import fs from 'node:fs';

/** Reads a PCM WAV file; returns { rate, channels, bits, samples: Int16Array } (16-bit mono only). */
export function readWav(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file}: not a WAV file`);
  let at = 12;
  let fmt = null;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    let size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = { format: buf.readUInt16LE(at + 8), channels: buf.readUInt16LE(at + 10), rate: buf.readUInt32LE(at + 12), bits: buf.readUInt16LE(at + 22) };
    if (id === 'data') {
      if (!fmt) throw new Error(`${file}: data before fmt`);
      if (fmt.format !== 1 || fmt.bits !== 16 || fmt.channels !== 1) {
        throw new Error(`${file}: need 16-bit PCM mono (got format ${fmt.format}, ${fmt.bits} bit, ${fmt.channels} ch); convert with: sox ${file} -r 8000 -c 1 -b 16 -e signed-integer out.wav`);
      }
      if (size === 0 || size === 0xffffffff || at + 8 + size > buf.length) size = buf.length - at - 8;
      const samples = new Int16Array(Math.floor(size / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(at + 8 + i * 2);
      return { ...fmt, samples };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

export function writeWav(file, samples, rate) {
  const buf = Buffer.alloc(44 + samples.length * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples.length * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i], 44 + i * 2);
  fs.writeFileSync(file, buf);
}

// G.711 mu-law, the ITU-T reference algorithm (as relay/PhoneBridge/MuLaw.cs).
const BIAS = 0x84;
const CLIP = 32635;

export function muLawEncode(sample) {
  let pcm = sample;
  let mask = 0xff;
  if (pcm < 0) { pcm = -pcm; mask = 0x7f; }
  pcm = Math.min(pcm, CLIP) + BIAS;
  let segment = 7;
  for (let limit = 0x4000; segment > 0 && pcm < limit; limit >>= 1) segment--;
  return ((segment << 4) | ((pcm >> (segment + 3)) & 0x0f)) ^ mask;
}

export function muLawDecode(code) {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
  return (u & 0x80) ? BIAS - t : t - BIAS;
}

/** RMS per window of `window` samples. */
export function envelope(samples, window) {
  const out = new Float64Array(Math.floor(samples.length / window));
  for (let w = 0; w < out.length; w++) {
    let sum = 0;
    for (let i = w * window; i < (w + 1) * window; i++) sum += samples[i] * samples[i];
    out[w] = Math.sqrt(sum / window);
  }
  return out;
}

/** Pearson correlation of a[i] and b[i + lag] over their overlap (at least `minOverlap` points). */
export function correlationAt(a, b, lag, minOverlap = 10) {
  const n = Math.min(a.length, b.length - lag);
  if (n < minOverlap) return -1;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { sa += a[i]; sb += b[i + lag]; }
  const ma = sa / n, mb = sb / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma, y = b[i + lag] - mb;
    ab += x * y; aa += x * x; bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** The lag (0..maxLag) where b best matches a, and that correlation. */
export function bestLag(a, b, maxLag) {
  let best = { lag: 0, correlation: -1 };
  for (let lag = 0; lag <= maxLag; lag++) {
    const c = correlationAt(a, b, lag);
    if (c > best.correlation) best = { lag, correlation: c };
  }
  return best;
}
