// Added latency, throughput and workerd CPU through the Worker in workerd (`wrangler dev`) against direct to the
// same upstream echo: the Worker's native pass-through (the relay's socket is returned unaccepted and workerd
// joins the connections; the JavaScript pump it replaced is gone, see bench/README.md for the last run with
// both). One-connection ping-pong, and 200 concurrent streams at 50 messages/s; targets interleaved per scenario.
// Needs `npm ci` in worker-src. Usage: node bench/worker/run.mjs [--quick]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { medianRows, writeCharts } from "../lib/charts.mjs";
import { cpuSeconds, fmt, freePort, pingPong, startProcess, streams, tcpOpen } from "../lib/loadgen.mjs";
import { nowSeconds, signHs256 } from "../../local/lib/jwt.mjs";
import { startWranglerDev } from "../../local/lib/wrangler.mjs";

const quick = process.argv.includes("--quick");
const seconds = quick ? 5 : 15;
const repo = path.resolve(new URL("../..", import.meta.url).pathname);
const jwtSecret = "bench-jwt-secret";
const origin = "http://127.0.0.1:8788";
const jwt = () => signHs256({ sub: "bench", exp: nowSeconds() + 600 }, jwtSecret);

const echoPort = await freePort();
const echo = await startProcess("node", [path.join(repo, "bench/lib/echo.mjs"), String(echoPort)], { ready: () => tcpOpen(echoPort) });
const vars = {
  RELAY_URL: `http://127.0.0.1:${echoPort}`,
  ALLOWED_ORIGINS: origin,
  ROUTE_PREFIX: "/voice",
  RELAY_SIGNING_KEY: "bench-signing-key",
  AUTH_JWT_SECRET: jwtSecret,
};
const worker = await startWranglerDev({ vars });
const workerOptions = () => ({ protocols: ["voice-edge", `bearer.${jwt()}`], origin });
const targets = [
  { name: "direct", url: `ws://127.0.0.1:${echoPort}/api/chat`, options: () => ({}), pid: null },
  { name: "worker, pass-through", url: `ws://127.0.0.1:${worker.port}/voice/ws`, options: workerOptions, pid: worker.pid },
];
const warmup = 200;
const pingPongMessages = quick ? 500 : 2000;
const rows = [];
try {
  for (const [scenario, run] of [
    ["ping-pong, 1 connection, 200 B", (t) => pingPong(t.url, t.options, { messages: pingPongMessages, warmup })],
    [`200 streams x 50 msg/s x ${seconds} s`, (t) => streams(t.url, t.options, { count: 200, seconds })],
  ]) {
    for (const t of targets) {
      const cpu0 = t.pid ? cpuSeconds(t.pid, "workerd") : 0;
      const all0 = t.pid ? cpuSeconds(t.pid) : 0;
      const r = await run(t);
      const cpu = t.pid ? cpuSeconds(t.pid, "workerd") - cpu0 : NaN;
      const cpuAll = t.pid ? cpuSeconds(t.pid) - all0 : NaN;
      // Messages echoed through the proxy: every ping-pong round trip (warm-up included), or every stream echo.
      const echoed = r.received ?? pingPongMessages + warmup;
      rows.push({ scenario, target: t.name, ...r, cpu, cpuAll, echoed });
      console.error(`${scenario} ${t.name}: p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} workerd CPU ${cpu.toFixed(2)} s`);
    }
  }
} finally {
  worker.kill();
  echo.kill();
}

const byScenario = Object.groupBy ? Object.groupBy(rows, (r) => r.scenario) : rows.reduce((a, r) => ((a[r.scenario] ??= []).push(r), a), {});
const lines = [
  `# Worker benchmark, ${new Date().toISOString().slice(0, 16)}Z`,
  "",
  `Loopback, ${cpus().length} cores shared by the load generator, the echo upstream and wrangler dev. Ratios compare within this run.`,
  "Added = this target minus direct. CPU: the workerd processes under that wrangler dev (user + system), per 1,000 messages echoed (each message is two frames through the Worker); \"all\" adds wrangler's node process.",
  "",
  "| scenario | target | p50 | p99 | added p50 / p99 | p50 ratio | p99 ratio | msgs/s echoed | lost / sent | workerd CPU s | workerd CPU ms / 1,000 msgs | all CPU ms / 1,000 msgs |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => {
    const d = byScenario[r.scenario].find((x) => x.target === "direct");
    const ratio = (a, b) => (r.target === "direct" ? "1.0" : (a / b).toFixed(1));
    const rate = r.received !== undefined ? Math.round(r.received / r.seconds) : "-";
    const added = r.target === "direct" ? "-" : `${fmt(r.p50 - d.p50)} / ${fmt(r.p99 - d.p99)}`;
    const per1000 = (c) => (Number.isFinite(c) ? ((c * 1000 * 1000) / r.echoed).toFixed(1) : "-");
    return `| ${r.scenario} | ${r.target} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${added} | ${ratio(r.p50, d.p50)} | ${ratio(r.p99, d.p99)} | ${rate} | ${r.lost === undefined ? "-" : `${r.lost} / ${r.sent}`} | ${Number.isFinite(r.cpu) ? r.cpu.toFixed(2) : "-"} | ${per1000(r.cpu)} | ${per1000(r.cpuAll)} |`;
  }),
  "",
];
mkdirSync(path.join(repo, "bench/results"), { recursive: true });
const file = path.join(repo, "bench/results", `worker-${new Date().toISOString().slice(0, 10)}.md`);
const charts = writeCharts(file, medianRows(rows), `${path.basename(file)}: ${cpus().length} cores, one run`);
lines.splice(4, 0, `![latency](${path.basename(charts.latency)}) ![CPU per message](${path.basename(charts.cpu)})`, "");
lines.push("Raw cells (one line per run):", "", "```", ...rows.map((r) => JSON.stringify(r)), "```", "");
const report = lines.join("\n");
writeFileSync(file, report);
console.log(report);
process.exit(0);
