// The round-trip time of the last 60 s as a live SVG line chart, with the call's state changes
// (connecting, open, reconnecting, closed with code) drawn as labelled vertical lines on it.
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = { connecting: '#b58a00', open: '#1a7f37', reconnecting: '#bc4c00', closed: '#cf222e', error: '#cf222e' };

export class RttChart {
  constructor(svg, { windowMs = 60000, width = 720, height = 180 } = {}) {
    this.svg = svg;
    this.windowMs = windowMs;
    this.width = width;
    this.height = height;
    this.samples = []; // { t, ms }
    this.marks = []; // { t, state, label }
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Round-trip time, last 60 seconds, with call state changes');
  }

  addSample(ms, t = Date.now()) { this.samples.push({ t, ms }); this.trim(t); this.draw(t); }

  mark(state, label, t = Date.now()) { this.marks.push({ t, state, label }); this.trim(t); this.draw(t); }

  trim(now) {
    const from = now - this.windowMs;
    while (this.samples.length && this.samples[0].t < from) this.samples.shift();
    while (this.marks.length && this.marks[0].t < from) this.marks.shift();
  }

  draw(now = Date.now()) {
    this.trim(now);
    const m = { left: 44, right: 10, top: 24, bottom: 22 };
    const w = this.width - m.left - m.right, h = this.height - m.top - m.bottom;
    const max = niceMax(Math.max(1, ...this.samples.map((s) => s.ms)));
    const x = (t) => m.left + w - ((now - t) / this.windowMs) * w;
    const y = (ms) => m.top + h - (ms / max) * h;
    const parts = [];
    const steps = max / 10 ** Math.floor(Math.log10(max)) === 2 ? 4 : 5; // whole-looking tick values
    for (let i = 0; i <= steps; i++) {
      const v = (max / steps) * i;
      parts.push(el('line', { x1: m.left, x2: m.left + w, y1: y(v), y2: y(v), stroke: '#e3e7ef' }),
        el('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#6a7386' }, `${+v.toFixed(1)}`));
    }
    parts.push(el('text', { x: m.left, y: 12, 'font-size': 11, fill: '#6a7386' }, 'ms round trip · last 60 s'));
    for (const s of [60, 45, 30, 15, 0]) {
      parts.push(el('text', { x: x(now - s * 1000), y: this.height - 6, 'text-anchor': 'middle', 'font-size': 10, fill: '#6a7386' }, s ? `−${s} s` : 'now'));
    }
    // Labels of marks close together stagger over six rows so they stay readable.
    for (const [i, mk] of this.marks.entries()) {
      const color = COLORS[mk.state] ?? '#57606a';
      const g = el('g', { class: `mark mark-${mk.state}` });
      g.append(el('line', { x1: x(mk.t), x2: x(mk.t), y1: m.top, y2: m.top + h, stroke: color, 'stroke-dasharray': '3 2' }),
        el('text', { ...(x(mk.t) > this.width - 160 ? { x: x(mk.t) - 3, 'text-anchor': 'end' } : { x: x(mk.t) + 3 }), y: m.top + 10 + (i % 6) * 12, 'font-size': 10, fill: color, 'paint-order': 'stroke', stroke: '#fff', 'stroke-width': 3 }, mk.label));
      parts.push(g);
    }
    if (this.samples.length) {
      parts.push(el('polyline', { class: 'rtt-line', fill: 'none', stroke: '#1f6feb', 'stroke-width': 1.5,
        points: this.samples.map((s) => `${x(s.t).toFixed(1)},${y(s.ms).toFixed(1)}`).join(' ') }));
      for (const s of this.samples) parts.push(el('circle', { class: 'rtt-point', cx: x(s.t), cy: y(s.ms), r: 2, fill: '#1f6feb' }));
    }
    this.svg.replaceChildren(...parts);
  }
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((f) => f * p).find((c) => c >= v);
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, typeof v === 'number' ? v.toFixed(1).replace(/\.0$/, '') : v);
  if (text !== undefined) node.textContent = text;
  return node;
}
