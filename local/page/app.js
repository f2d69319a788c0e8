// The local test page: opens the browser path (through the Worker) with the sample user token,
// streams microphone audio (or a generated tone) as PCM16 frames, plays what comes back, and
// measures round-trip time with text pings. window.voiceEdge exposes the live status for tests.
const SAMPLE_RATE = 16000;
const FRAME_SAMPLES = 320; // 20 ms at 16 kHz

const $ = (id) => document.getElementById(id);
const status = { state: 'idle', source: null, rttMs: null, rttSamples: [], framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0, audioFramesReceived: 0, closeCode: null, closeReason: null, errors: [] };
window.voiceEdge = status;

let socket = null;
let audio = null;
let pingTimer = null;
let pingSeq = 0;

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
  $('start').disabled = state === 'connecting' || state === 'open';
  $('stop').disabled = !(state === 'connecting' || state === 'open');
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

function openSocket(config) {
  const url = new URL(config.wsUrl);
  let protocols;
  if (config.carrier === 'protocol') protocols = [...(config.protocols ?? []), `${config.protocolPrefix}${config.token}`];
  else url.searchParams.set('token', config.token);
  $('endpoint').textContent = `${url.origin}${url.pathname}`;
  return protocols ? new WebSocket(url, protocols) : new WebSocket(url);
}

async function startCall() {
  setState('connecting');
  status.closeCode = null;
  status.closeReason = null;
  try {
    const config = await (await fetch('/config.json', { cache: 'no-store' })).json();
    socket = openSocket(config);
  } catch (error) {
    status.errors.push(String(error));
    setState('error', String(error.message ?? error));
    return;
  }
  socket.binaryType = 'arraybuffer';
  socket.onopen = async () => {
    setState('open', socket.protocol ? `protocol ${socket.protocol.split('.')[0]}` : '');
    log('connected through the Worker');
    try {
      audio = await startAudio((frame) => {
        if (socket?.readyState !== WebSocket.OPEN) return;
        socket.send(frame);
        status.framesSent++;
        status.bytesSent += frame.byteLength;
      });
    } catch (error) {
      status.errors.push(String(error));
      log(`audio failed: ${error}`);
    }
    pingTimer = setInterval(() => {
      if (socket?.readyState !== WebSocket.OPEN) return;
      const ping = JSON.stringify({ type: 'ping', seq: ++pingSeq, t: performance.now() });
      socket.send(ping);
      status.framesSent++;
      status.bytesSent += ping.length;
      render();
    }, 1000);
  };
  socket.onmessage = (event) => {
    status.framesReceived++;
    if (typeof event.data === 'string') {
      status.bytesReceived += event.data.length;
      try {
        const message = JSON.parse(event.data);
        if (message.type === 'ping' && typeof message.t === 'number') {
          status.rttMs = performance.now() - message.t;
          status.rttSamples = [...status.rttSamples.slice(-59), status.rttMs];
          render();
        }
      } catch { /* a backend's own text frames are fine */ }
    } else {
      status.bytesReceived += event.data.byteLength;
      status.audioFramesReceived++;
      audio?.play(event.data);
    }
    if (status.framesReceived % 10 === 0) render();
  };
  socket.onerror = () => { log('socket error'); };
  socket.onclose = (event) => {
    status.closeCode = event.code;
    status.closeReason = event.reason;
    log(`closed: code ${event.code}${event.reason ? ` (${event.reason})` : ''}`);
    setState('closed', `code ${event.code}`);
    cleanup();
  };
}

function cleanup() {
  clearInterval(pingTimer);
  pingTimer = null;
  audio?.close().catch(() => {});
  audio = null;
  socket = null;
  render();
}

$('start').addEventListener('click', () => { startCall(); });
$('stop').addEventListener('click', () => { socket?.close(1000, 'user hung up'); });
setState('idle');
