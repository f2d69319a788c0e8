// The local test page: opens the browser path (through the Worker) with the sample user token,
// streams microphone audio (or a generated tone) as PCM16 frames, plays what comes back, and
// measures round-trip time with text pings. window.voiceEdge exposes the live status for tests,
// window.voiceEdgeClient the call (a VoiceEdgeClient).
import { VoiceEdgeClient } from '/client/voice-edge.js';
import { RttChart } from './rttChart.js';
const SAMPLE_RATE = 16000;
const FRAME_SAMPLES = 320; // 20 ms at 16 kHz

const $ = (id) => document.getElementById(id);
const status = { state: 'idle', session: null, attempts: 0, why: null, events: [], source: null, rttMs: null, rttSamples: [], framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0, audioFramesReceived: 0, closeCode: null, closeReason: null, errors: [] };
window.voiceEdge = status;

let client = null;
let audio = null;
const rttChart = new RttChart($('rtt-chart'));
rttChart.draw();
setInterval(() => rttChart.draw(), 1000); // slides the 60 s window

function log(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toISOString().slice(11, 23)}  ${text}`;
  $('log').prepend(item);
  while ($('log').children.length > 60) $('log').lastChild.remove();
}

function setState(state, detail = '') {
  status.state = state;
  const badge = $('state');
  badge.textContent = detail ? `${state} · ${detail}` : state;
  badge.className = `state state-${state}`;
  badge.dataset.state = state;
  // Short labels on the chart; a close keeps its code.
  if (state !== 'idle') rttChart.mark(state, state === 'closed' || state === 'error' ? badge.textContent : detail.includes('resumed') ? `${state} · resumed` : state);
  const active = state === 'connecting' || state === 'open' || state === 'reconnecting';
  $('start').disabled = active;
  $('stop').disabled = !active;
}

const formatBytes = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(2)} MiB`);

function render() {
  $('sent').textContent = status.framesSent;
  $('sent-bytes').textContent = formatBytes(status.bytesSent);
  $('received').textContent = status.framesReceived;
  $('received-bytes').textContent = formatBytes(status.bytesReceived);
  if (status.rttMs !== null) {
    const sorted = [...status.rttSamples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    $('rtt').textContent = `${status.rttMs.toFixed(1)} ms`;
    $('rtt-detail').textContent = `median ${median.toFixed(1)} ms over ${sorted.length} pings`;
  }
}

// Captures audio in an AudioWorklet and hands 20 ms PCM16 frames to `onFrame`.
const captureWorklet = `
class Capture extends AudioWorkletProcessor {
  constructor() { super(); this.buffer = new Float32Array(${FRAME_SAMPLES}); this.filled = 0; }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.buffer[this.filled++] = channel[i];
      if (this.filled === this.buffer.length) {
        const pcm = new Int16Array(this.buffer.length);
        for (let j = 0; j < pcm.length; j++) pcm[j] = Math.max(-32768, Math.min(32767, Math.round(this.buffer[j] * 32767)));
        this.port.postMessage(pcm.buffer, [pcm.buffer]);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor('capture', Capture);`;

async function startAudio(onFrame) {
  const context = new AudioContext({ sampleRate: SAMPLE_RATE });
  await context.resume();
  const moduleUrl = URL.createObjectURL(new Blob([captureWorklet], { type: 'text/javascript' }));
  await context.audioWorklet.addModule(moduleUrl);
  URL.revokeObjectURL(moduleUrl);
  const capture = new AudioWorkletNode(context, 'capture');
  capture.port.onmessage = (event) => onFrame(event.data);
  let stream = null;
  let source;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
    source = context.createMediaStreamSource(stream);
    status.source = 'microphone';
  } catch (error) {
    // No microphone (or permission refused): a quiet 440 Hz tone keeps the path busy instead.
    const oscillator = context.createOscillator();
    oscillator.frequency.value = 440;
    const gain = context.createGain();
    gain.gain.value = 0.2;
    oscillator.connect(gain);
    oscillator.start();
    source = gain;
    status.source = 'generated tone';
    log(`no microphone (${error.name}); sending a generated 440 Hz tone`);
  }
  source.connect(capture);
  // The worklet must be pulled by the graph to run; route it to a muted gain.
  const mute = context.createGain();
  mute.gain.value = 0;
  capture.connect(mute).connect(context.destination);
  $('source').textContent = status.source;

  let playAt = 0;
  let level = 0;
  function play(arrayBuffer) {
    const pcm = new Int16Array(arrayBuffer, 0, Math.floor(arrayBuffer.byteLength / 2));
    if (pcm.length === 0) return;
    const buffer = context.createBuffer(1, pcm.length, SAMPLE_RATE);
    const samples = buffer.getChannelData(0);
    let peak = 0;
    for (let i = 0; i < pcm.length; i++) { samples[i] = pcm[i] / 32768; peak = Math.max(peak, Math.abs(samples[i])); }
    // Peak meter with a slow decay so short beeps stay visible.
    level = Math.max(peak, level * 0.97);
    $('meter-fill').style.width = `${Math.min(100, Math.round(level * 140))}%`;
    const node = context.createBufferSource();
    node.buffer = buffer;
    node.connect(context.destination);
    // Keep a small jitter buffer; if playback fell behind, restart 40 ms ahead.
    playAt = Math.max(playAt, context.currentTime + 0.04);
    node.start(playAt);
    playAt += buffer.duration;
  }
  return {
    play,
    async close() {
      stream?.getTracks().forEach((track) => track.stop());
      await context.close();
    },
  };
}

// The call itself is the voice-edge client module (client/voice-edge.js, served at /client/): token
// carrier, a fresh token per attempt, reconnect with backoff, the session id, the RTT probe.
async function fetchConfig() {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json: HTTP ${response.status}`);
  return response.json();
}

async function startCall() {
  status.closeCode = null;
  status.closeReason = null;
  status.why = null;
  status.events = [];
  let config;
  try {
    config = await fetchConfig();
    client = new VoiceEdgeClient({
      url: config.wsUrl,
      carrier: config.carrier === 'protocol' ? 'protocol' : 'query',
      protocols: config.protocols,
      protocolPrefix: config.protocolPrefix,
      // A fresh token per attempt: the page server hands out its current sample token.
      getToken: async () => (await fetchConfig()).token,
      pingIntervalMs: 1000,
      ...config.client,
    });
  } catch (error) {
    status.errors.push(String(error));
    setState('error', String(error.message ?? error));
    return;
  }
  window.voiceEdgeClient = client;
  status.session = client.session;
  $('endpoint').textContent = `${client.url.origin}${client.url.pathname}`;
  $('session').textContent = client.session;
  client.addEventListener('state', (event) => {
    const detail = event.detail;
    status.events.push(detail);
    status.attempts = client.attempts;
    if (detail.state === 'connecting') setState('connecting', detail.attempt > 1 ? `attempt ${detail.attempt}` : '');
    if (detail.state === 'open') {
      setState('open', [client.socket?.protocol ? `protocol ${client.socket.protocol}` : '', detail.resumed ? 'resumed' : ''].filter(Boolean).join(' · '));
      log(detail.resumed ? `reconnected (attempt ${detail.attempt}), same session` : 'connected through the Worker');
      if (!audio && !audioStarting) startCallAudio();
    }
    if (detail.state === 'reconnecting') {
      setState('reconnecting', `retry ${detail.retry} in ${(detail.delayMs / 1000).toFixed(1)} s`);
      log(`dropped: code ${detail.code}${detail.reason ? ` (${detail.reason})` : ''}; retry ${detail.retry} in ${detail.delayMs} ms`);
    }
    if (detail.state === 'closed') {
      status.closeCode = detail.code;
      status.closeReason = detail.reason;
      status.why = detail.why;
      log(`closed: code ${detail.code}${detail.reason ? ` (${detail.reason})` : ''}, ${detail.why}`);
      setState('closed', `code ${detail.code}`);
      cleanup();
    }
  });
  client.addEventListener('message', ({ detail: { data } }) => {
    status.framesReceived++;
    if (typeof data === 'string') {
      status.bytesReceived += data.length;
    } else {
      status.bytesReceived += data.byteLength;
      status.audioFramesReceived++;
      audio?.play(data);
    }
    if (status.framesReceived % 10 === 0) render();
  });
  client.addEventListener('rtt', ({ detail: { rttMs } }) => {
    status.framesReceived++;
    status.rttMs = rttMs;
    status.rttSamples = [...client.rtt.samples];
    rttChart.addSample(rttMs);
    render();
  });
  client.connect();
}

let audioStarting = false;
async function startCallAudio() {
  audioStarting = true;
  const owner = client;
  try {
    const started = await startAudio((frame) => {
      if (!owner.send(frame)) return; // not open (reconnecting): stale audio is dropped
      status.framesSent++;
      status.bytesSent += frame.byteLength;
    });
    if (owner === client && client.state !== 'closed') audio = started;
    else started.close().catch(() => {});
  } catch (error) {
    status.errors.push(String(error));
    log(`audio failed: ${error}`);
  } finally {
    audioStarting = false;
  }
}

function cleanup() {
  audio?.close().catch(() => {});
  audio = null;
  render();
}

$('start').addEventListener('click', () => { startCall(); });
$('stop').addEventListener('click', () => { client?.close(1000, 'user hung up'); });
setState('idle');
