// The pictures in real Debian chromium, in one browser and one page: each committed stack's Mermaid diagram
// (the golden files `plan <stack> --format mermaid` must match) parses and renders with mermaid itself
// (pinned in package.json, loaded from node_modules), and one bench chart renders. Screenshots are kept
// under local/test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { cellsOf, medianRows } from '../../bench/lib/charts.mjs';
import { latencyChart } from '../../bench/lib/svgChart.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const goldens = path.join(repo, 'tests/VoiceEdge.Infra.Tests/Goldens');
const mermaidBundle = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

let browser;
let page;
before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
  fs.mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.setContent('<!doctype html><html><body style="margin:0;background:#fff"></body></html>');
  await page.addScriptTag({ path: mermaidBundle });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', flowchart: { useMaxWidth: false } }));
});
after(async () => { await browser?.close(); });

/** Renders one diagram into its own figure; returns what mermaid said and the text of the drawn SVG. */
async function render(id, text) {
  return page.evaluate(async ({ id, text }) => {
    try {
      await window.mermaid.parse(text);
      const { svg } = await window.mermaid.render(`svg-${id.replace(/\W/g, '-')}`, text);
      const figure = document.createElement('figure');
      figure.id = id;
      figure.style.cssText = 'display:inline-block;margin:8px';
      figure.innerHTML = svg;
      document.body.append(figure);
      return { ok: true, svgText: figure.querySelector('svg').textContent, nodes: figure.querySelectorAll('g.node').length,
        marked: [...figure.querySelectorAll('g.node.added, g.node.changed, g.node.removed')].map((n) => n.textContent.trim()).sort() };
    } catch (e) {
      return { ok: false, error: String(e?.message ?? e) };
    }
  }, { id, text });
}

test('every committed stack\'s diagram parses and renders with each resource name, in one page', { timeout: 60000 }, async () => {
  const diagrams = fs.readdirSync(goldens).filter((f) => f.endsWith('.mmd')).map((f) => f.slice(0, -4)).sort();
  // One per committed stack, dev with the PR comment's added / changed / removed marks, and the fleet fixture
  // (stacks/fixtures/Pulumi.fleet.yaml: two relays, whose resource names end in -<relay>).
  assert.deepEqual(diagrams, ['dev', 'dev.marked', 'fleet', 'pr-123', 'prod']);
  for (const stack of diagrams) {
    const text = fs.readFileSync(path.join(goldens, `${stack}.mmd`), 'utf8');
    const result = await render(stack, text);
    assert.ok(result.ok, `${stack}.mmd does not render: ${result.error}`);
    const names = [...text.matchAll(/^ {4}r_\w+\["([\w-]+)<br\/>/gm)].map((m) => m[1]);
    assert.ok(names.length >= 2, `${stack}: no resource nodes found`);
    for (const name of names) assert.ok(result.svgText.includes(name), `${stack}: ${name} missing from the rendered SVG`);
    assert.ok(result.nodes >= names.length, `${stack}: ${result.nodes} nodes drawn for ${names.length} resources`);
    if (stack === 'dev.marked') assert.deepEqual(result.marked, ['oldAlert', 'relayErrorAlertazure ScheduledQueryRulesAlertV2', 'workercloudflare WorkersScript']);
    else assert.deepEqual(result.marked, []);
    // Screenshots of wide diagrams cost seconds on 2 cores: keep the two a reviewer looks at.
    if (stack === 'prod' || stack === 'dev.marked' || stack === 'fleet') await page.locator(`[id="${stack}"]`).screenshot({ path: path.join(artifacts, `diagram-${stack}.png`) });
  }
});

test('a broken diagram is refused (the check above can fail)', async () => {
  const result = await render('broken', 'flowchart LR\n  a["unclosed --> b\n');
  assert.equal(result.ok, false);
});

test('a bench latency chart renders with its targets and percentiles', { timeout: 30000 }, async () => {
  const results = path.join(repo, 'bench/results/relay-forwarder-2026-11-30-run2.md');
  const svg = latencyChart(medianRows(cellsOf(fs.readFileSync(results, 'utf8'))));
  const drawn = await page.evaluate((svg) => {
    const figure = document.createElement('figure');
    figure.id = 'bench';
    figure.style.cssText = 'display:inline-block;margin:8px';
    figure.innerHTML = svg;
    document.body.append(figure);
    const el = figure.querySelector('svg');
    return { text: el.textContent, bars: el.querySelectorAll('rect[fill]').length, width: el.getBoundingClientRect().width };
  }, svg);
  for (const label of ['relay, frame forwarder', 'nginx', 'p50', 'p90', 'p99']) assert.ok(drawn.text.includes(label), `${label} missing from the chart`);
  assert.ok(drawn.bars > 9, `only ${drawn.bars} bars drawn`);
  assert.ok(drawn.width > 500);
  await page.locator('#bench').screenshot({ path: path.join(artifacts, 'bench-latency.png') });
});
