// The charts of one run, written next to its results table: <table>.latency.svg and <table>.cpu.svg.
// Also a command: `node bench/lib/charts.mjs bench/results/<file>.md` redraws them from the raw cells a
// results file keeps (one JSON object per generator run), for tables written before the charts existed.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuChart, latencyChart } from "./svgChart.mjs";

const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : NaN;
};

/** Cells (one per generator run; rounds repeat scenario x target) -> one row per scenario x target, medians. */
export function medianRows(cells) {
  const rows = [];
  for (const scenario of new Set(cells.map((c) => c.scenario))) {
    for (const target of new Set(cells.filter((c) => c.scenario === scenario).map((c) => c.target))) {
      const cs = cells.filter((c) => c.scenario === scenario && c.target === target);
      rows.push({
        scenario, target,
        p50: median(cs.map((c) => c.p50)), p90: median(cs.map((c) => c.p90)), p99: median(cs.map((c) => c.p99)),
        cpuPer100k: median(cs.map((c) => (Number.isFinite(c.cpu) && (c.received ?? c.n) ? (c.cpu / (c.received ?? c.n)) * 100000 : NaN))),
      });
    }
  }
  return rows;
}

/** Writes the two SVGs beside `tableFile` (x.md -> x.latency.svg, x.cpu.svg); returns their paths. */
export function writeCharts(tableFile, rows, caption = "") {
  const base = tableFile.replace(/\.md$/, "");
  const files = { latency: `${base}.latency.svg`, cpu: `${base}.cpu.svg` };
  writeFileSync(files.latency, latencyChart(rows, { caption }));
  writeFileSync(files.cpu, cpuChart(rows, { caption }));
  return files;
}

/** The raw cells a results file keeps in its fenced block of JSON lines. */
export function cellsOf(markdown) {
  return markdown.split("\n").filter((l) => l.startsWith("{\"scenario\"")).map((l) => JSON.parse(l));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    const cells = cellsOf(readFileSync(file, "utf8"));
    if (cells.length === 0) throw new Error(`${file}: no raw cells (lines starting {"scenario") to chart`);
    const written = writeCharts(file, medianRows(cells), `${path.basename(file)}: medians of ${cells.length} generator runs`);
    console.error(`written ${Object.values(written).join(", ")}`);
  }
}
