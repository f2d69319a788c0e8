// Added latency and throughput through the Worker in workerd (`wrangler dev`) against direct to the same
// upstream echo, one run: one-connection ping-pong, and 200 concurrent streams at 50 messages/s.
// Needs `npm ci` in worker-src. Usage: node bench/worker/run.mjs [--quick]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { createHmac } from "node:crypto";
import { medianRows, writeCharts } from "../lib/charts.mjs";
import { cpuSeconds, fmt, freePort, httpOk, pingPong, startProcess, streams, tcpOpen } from "../lib/loadgen.mjs";

const quick = process.argv.includes("--quick");
const seconds = quick ? 5 : 15;
const repo = path.resolve(new URL("../..", import.meta.url).pathname);
const jwtSecret = "bench-jwt-secret";
const origin = "http://127.0.0.1:8788";
const jwt = () => {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${enc({ alg: "HS256", typ: "JWT" })}.${enc({ sub: "bench", exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${createHmac("sha256", jwtSecret).update(input).digest("base64url")}`;
};

const echoPort = await freePort();
const echo = await startProcess("node", [path.join(repo, "bench/lib/echo.mjs"), String(echoPort)], { ready: () => tcpOpen(echoPort) });
const workerPort = await freePort();
const vars = {
  RELAY_URL: `http://127.0.0.1:${echoPort}`,
  ALLOWED_ORIGINS: origin,
  ROUTE_PREFIX: "/voice",
  RELAY_SIGNING_KEY: "bench-signing-key",
  AUTH_JWT_SECRET: jwtSecret,
};
const args = ["dev", "--ip", "127.0.0.1", "--port", String(workerPort), "--inspector-port", String(await freePort())];
for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
const worker = await startProcess(path.join(repo, "worker-src/node_modules/.bin/wrangler"), args, {
  cwd: path.join(repo, "worker-src"),
  env: { WRANGLER_SEND_METRICS: "false", CI: "true" },
  ready: () => httpOk(`http://127.0.0.1:${workerPort}/voice/health`),
});

const targets = [
  { name: "direct", url: `ws://127.0.0.1:${echoPort}/api/chat`, options: () => ({}), pid: null },
  { name: "worker (workerd)", url: `ws://127.0.0.1:${workerPort}/voice/ws`, options: () => ({ protocols: ["voice-edge", `bearer.${jwt()}`], origin }), pid: worker.pid },
];
const rows = [];
try {
  for (const [scenario, run] of [
    ["ping-pong, 1 connection, 200 B", (t) => pingPong(t.url, t.options, { messages: quick ? 500 : 2000 })],
    [`200 streams x 50 msg/s x ${seconds} s`, (t) => streams(t.url, t.options, { count: 200, seconds })],
  ]) {
    for (const t of targets) {
      const cpu0 = t.pid ? cpuSeconds(t.pid) : 0;
      const r = await run(t);
      rows.push({ scenario, target: t.name, ...r, cpu: t.pid ? cpuSeconds(t.pid) - cpu0 : NaN });
      console.error(`${scenario} ${t.name}: p50 ${fmt(r.p50)} p99 ${fmt(r.p99)}`);
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
  `Loopback, ${cpus().length} cores shared by the load generator, the echo upstream and workerd. Ratios compare within this run.`,
  "",
  "| scenario | target | p50 | p99 | p50 ratio | p99 ratio | msgs/s echoed | lost / sent | CPU s |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => {
    const d = byScenario[r.scenario].find((x) => x.target === "direct");
    const ratio = (a, b) => (r.target === "direct" ? "1.0" : (a / b).toFixed(1));
    const rate = r.received !== undefined ? Math.round(r.received / r.seconds) : "-";
    return `| ${r.scenario} | ${r.target} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${ratio(r.p50, d.p50)} | ${ratio(r.p99, d.p99)} | ${rate} | ${r.lost === undefined ? "-" : `${r.lost} / ${r.sent}`} | ${Number.isFinite(r.cpu) ? r.cpu.toFixed(2) : "-"} |`;
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
