// A small dependency-free SVG writer for the bench results: grouped bar charts, stacked into one image as
// panels. latencyChart and cpuChart turn a run's rows into the two pictures bench/README.md shows.

const COLORS = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#9D755D"];
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

export function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]);
}

const short = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

/**
 * One panel: `categories` along x, one bar per series in each, values on a linear or log y axis.
 * Missing or non-finite values leave a gap. Returns { svg (a <g>), height }.
 */
function panel({ title, yLabel, categories, series, log = false, width }, top) {
  const height = 300;
  const m = { left: 70, right: 20, top: 34, bottom: 64 };
  const plotW = width - m.left - m.right, plotH = height - m.top - m.bottom;
  const values = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && (!log || v > 0));
  const max = values.length ? Math.max(...values) : 1;
  const min = values.length ? Math.min(...values) : 1;
  let ticks, y;
  if (log) {
    const lo = Math.floor(Math.log10(min)), hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
    ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    y = (v) => m.top + plotH - ((Math.log10(v) - lo) / (hi - lo)) * plotH;
  } else {
    const step = niceStep(max / 5);
    const top = Math.max(step, Math.ceil(max / step) * step);
    ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
    y = (v) => m.top + plotH - (v / top) * plotH;
  }
  const base = m.top + plotH;
  const out = [`<g transform="translate(0 ${top})">`,
    `<text x="${m.left}" y="20" font-size="15" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`];
  for (const t of ticks) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${(y(t) + 4).toFixed(1)}" font-size="11" text-anchor="end" ${FONT}>${short(t)}</text>`);
  }
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle" ${FONT}>${escapeXml(yLabel)}</text>`);
  const groupW = plotW / Math.max(1, categories.length);
  const barW = Math.min(36, (groupW * 0.8) / Math.max(1, series.length));
  categories.forEach((category, ci) => {
    const x0 = m.left + ci * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (!Number.isFinite(v) || (log && v <= 0)) return;
      const x = x0 + si * barW, yTop = y(v);
      out.push(`<rect x="${x.toFixed(1)}" y="${yTop.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(0.5, base - yTop).toFixed(1)}" fill="${s.color ?? COLORS[si % COLORS.length]}"><title>${escapeXml(`${category} ${s.name}: ${short(v)} ${yLabel}`)}</title></rect>`,
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(yTop - 3).toFixed(1)}" font-size="9" text-anchor="middle" ${FONT}>${short(v)}</text>`);
    });
    out.push(`<text x="${(m.left + ci * groupW + groupW / 2).toFixed(1)}" y="${base + 16}" font-size="12" text-anchor="middle" ${FONT}>${escapeXml(category)}</text>`);
  });
  out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${base}" y2="${base}" stroke="#333"/>`);
  let lx = m.left;
  series.forEach((s, si) => {
    out.push(`<rect x="${lx}" y="${base + 32}" width="12" height="12" fill="${s.color ?? COLORS[si % COLORS.length]}"/>`,
      `<text x="${lx + 16}" y="${base + 42}" font-size="12" ${FONT}>${escapeXml(s.name)}</text>`);
    lx += 28 + 7 * s.name.length;
  });
  out.push("</g>");
  return { svg: out.join("\n"), height };
}

function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * p).find((s) => s >= raw);
}

/** Panels stacked vertically in one SVG document, with a caption under the title. */
export function chart({ title, caption = "", panels, width = 860 }) {
  const head = caption ? 52 : 34;
  let top = head;
  const parts = panels.map((p) => {
    const { svg, height } = panel({ ...p, width }, top);
    top += height;
    return svg;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + 8}" viewBox="0 0 ${width} ${top + 8}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="24" font-size="18" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
    caption ? `<text x="12" y="44" font-size="12" fill="#555" ${FONT}>${escapeXml(caption)}</text>` : "",
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

const PERCENTILE_COLORS = { p50: "#4C78A8", p90: "#F58518", p99: "#E45756" };

/**
 * Latency percentiles per target, one panel per load (scenario). rows: { scenario, target, p50, p90?, p99 }
 * in microseconds; drawn in milliseconds on a log axis (p99 can be 1000x p50).
 */
export function latencyChart(rows, { title = "Round-trip latency", caption = "" } = {}) {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  return chart({
    title, caption,
    panels: scenarios.map((scenario) => {
      const rs = rows.filter((r) => r.scenario === scenario);
      return {
        title: scenario, yLabel: "ms (log scale)", log: true,
        categories: rs.map((r) => r.target),
        series: ["p50", "p90", "p99"].filter((p) => rs.some((r) => Number.isFinite(r[p])))
          .map((p) => ({ name: p, color: PERCENTILE_COLORS[p], values: rs.map((r) => r[p] / 1000) })),
      };
    }),
  });
}

/** CPU per message per target, one group per load. rows: { scenario, target, cpuPer100k } (CPU s per 100k messages). */
export function cpuChart(rows, { title = "CPU per message", caption = "" } = {}) {
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const targets = [...new Set(rows.filter((r) => Number.isFinite(r.cpuPer100k)).map((r) => r.target))];
  return chart({
    title, caption,
    panels: [{
      title: "CPU seconds per 100k messages (lower is better)", yLabel: "CPU s / 100k msgs",
      categories: scenarios,
      series: targets.map((t) => ({ name: t, values: scenarios.map((s) => rows.find((r) => r.scenario === s && r.target === t)?.cpuPer100k) })),
    }],
  });
}
