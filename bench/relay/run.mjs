// The relay against nginx and Caddy as plain WebSocket proxies, and against direct: same echo upstream, same
// load generator, one run. Prints a Markdown report and writes it to bench/results/relay-<date>.md.
// Needs: dotnet, nginx and caddy (apt-get install nginx caddy). Usage: node bench/relay/run.mjs [--quick]
import { nowSeconds } from "../../local/lib/jwt.mjs";
import { mintRelayTokenV1 } from "../../local/lib/relayToken.mjs";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import path from "node:path";
import { cpuSeconds, fmt, freePort, httpOk, pingPong, startProcess, streams, tcpOpen } from "../lib/loadgen.mjs";
import { startNginx } from "../lib/nginx.mjs";
import { startCaddy } from "../lib/caddy.mjs";

const quick = process.argv.includes("--quick");
const seconds = quick ? 5 : 15;
const repo = path.resolve(new URL("../..", import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), "voice-edge-bench-relay-"));
const key = "bench-signing-key-0123456789abcdef";
const relayToken = () => mintRelayTokenV1(key, nowSeconds() + 50, "bench");

const echoPort = await freePort();
const echo = await startProcess("node", [path.join(repo, "bench/lib/echo.mjs"), String(echoPort)], { ready: () => tcpOpen(echoPort) });

console.error("building the relay (Release)...");
execFileSync("dotnet", ["build", path.join(repo, "relay/VoiceEdge.Relay.csproj"), "-c", "Release", "-o", path.join(work, "relay"), "--nologo", "-v", "q"], { stdio: ["ignore", "ignore", "inherit"] });
// The relay as built, and the same build with socket continuations run on the epoll threads (no thread-pool
// hop per frame; the relay never blocks, which that .NET switch requires). The systemd unit sets the switch.
async function startRelay(extraEnv = {}) {
  const port = await freePort();
  const process = await startProcess("dotnet", [path.join(work, "relay/voice-edge-relay.dll"), "--urls", `http://127.0.0.1:${port}`], {
    env: {
      Relay__Upstream: `ws://127.0.0.1:${echoPort}/api/chat`,
      Relay__TwilioUpstream: `ws://127.0.0.1:${echoPort}/twilio`,
      Relay__SigningKey: key,
      Relay__PublicBaseUrl: `ws://127.0.0.1:${port}`,
      Relay__MaxConnections: "5000",
      Logging__LogLevel__Default: "Warning",
      ...extraEnv,
    },
    ready: () => httpOk(`http://127.0.0.1:${port}/health`),
  });
  return { port, ...process };
}
const relay = await startRelay();
const relayInline = await startRelay({ DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS: "1" });
const relayPort = relay.port;
const relayInlinePort = relayInline.port;

console.error("building the YARP comparison proxy (Release)...");
execFileSync("dotnet", ["build", path.join(repo, "bench/relay/YarpProxy/YarpProxy.csproj"), "-c", "Release", "-o", path.join(work, "yarp"), "--nologo", "-v", "q"], { stdio: ["ignore", "ignore", "inherit"] });
const yarpPort = await freePort();
const yarp = await startProcess("dotnet", [path.join(work, "yarp/YarpProxy.dll"), "--urls", `http://127.0.0.1:${yarpPort}`, "--upstream", `http://127.0.0.1:${echoPort}`], {
  ready: () => tcpOpen(yarpPort),
});

const { port: nginxPort, process: nginx } = await startNginx(work, echoPort);

const { port: caddyPort, process: caddy } = await startCaddy(work, echoPort);

const targets = [
  { name: "direct", url: `ws://127.0.0.1:${echoPort}/api/chat`, pid: null },
  { name: "relay", url: `ws://127.0.0.1:${relayPort}/api/chat`, pid: relay.pid },
  { name: "relay (inline completions)", url: `ws://127.0.0.1:${relayInlinePort}/api/chat`, pid: relayInline.pid },
  { name: "yarp (plain proxy)", url: `ws://127.0.0.1:${yarpPort}/api/chat`, pid: yarp.pid },
  { name: "nginx", url: `ws://127.0.0.1:${nginxPort}/api/chat`, pid: nginx.pid },
  { name: "caddy", url: `ws://127.0.0.1:${caddyPort}/api/chat`, pid: caddy.pid },
];
const options = () => ({ headers: { "X-Voice-Edge-Auth": relayToken() } });

const rows = [];
const measure = async (scenario, run) => {
  for (const t of targets) {
    const cpu0 = t.pid ? cpuSeconds(t.pid) : 0;
    const r = await run(t.url);
    const cpu = t.pid ? cpuSeconds(t.pid) - cpu0 : NaN;
    rows.push({ scenario, target: t.name, ...r, cpu });
    console.error(`${scenario} ${t.name}: p50 ${fmt(r.p50)} p99 ${fmt(r.p99)}${r.lost !== undefined ? ` lost ${r.lost}/${r.sent}` : ""} cpu ${Number.isFinite(cpu) ? cpu.toFixed(2) + " s" : "-"}`);
    await new Promise((r2) => setTimeout(r2, 1000));
  }
};

try {
  await measure("ping-pong, 1 connection, 200 B", (url) => pingPong(url, options, { messages: quick ? 500 : 2000 }));
  await measure(`200 streams x 50 msg/s x ${seconds} s`, (url) => streams(url, options, { count: 200, seconds }));
  await measure(`1000 streams x 50 msg/s x ${seconds} s`, (url) => streams(url, options, { count: 1000, seconds }));
} finally {
  for (const p of [caddy, nginx, yarp, relayInline, relay, echo]) p.kill();
}

const direct = Object.fromEntries(rows.filter((r) => r.target === "direct").map((r) => [r.scenario, r]));
const lines = [
  `# Relay benchmark, ${new Date().toISOString().slice(0, 16)}Z`,
  "",
  `Loopback, ${cpus().length} cores shared by the load generator, the echo upstream and the proxy under test (noisy: compare within this run).`,
  "Added latency = proxy percentile minus direct percentile. CPU = the proxy's user+system seconds during the scenario.",
  "",
  "| scenario | target | p50 | p99 | added p50 | added p99 | lost / sent | CPU s |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => {
    const d = direct[r.scenario];
    const added = (a, b) => (r.target === "direct" ? "-" : fmt(a - b));
    return `| ${r.scenario} | ${r.target} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${added(r.p50, d.p50)} | ${added(r.p99, d.p99)} | ${r.lost === undefined ? "-" : `${r.lost} / ${r.sent}`} | ${Number.isFinite(r.cpu) ? r.cpu.toFixed(2) : "-"} |`;
  }),
  "",
];
const report = lines.join("\n");
mkdirSync(path.join(repo, "bench/results"), { recursive: true });
const file = path.join(repo, "bench/results", `relay-${new Date().toISOString().slice(0, 10)}.md`);
writeFileSync(file, report);
console.log(report);
console.error(`written to ${path.relative(repo, file)}`);
process.exit(0);
