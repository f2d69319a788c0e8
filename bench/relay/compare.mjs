// The relay's frame forwarder against nginx, Caddy and direct, driven by the C# load generator
// (bench/LoadGen: raw sockets, frames built once, timestamps in the payload) against the same raw-socket echo, in
// one run. Rounds interleave the targets so drift hits all of them; the report shows each cell's median.
// Needs: dotnet, nginx and caddy (each installed with apt-get when missing). For the node-generator cross-check: npm ci --prefix bench.
// Usage: node bench/relay/compare.mjs [--streams 200,1000] [--seconds 15] [--rounds 3] [--warmup 10] [--no-node-check]
//   [--targets direct,forwarder,nginx,caddy] [--pin] [--variant 'label:KEY=value,KEY=value' ...] [--name relay-forwarder]
// --pin: each proxy on core 1 (taskset), the echo and the generator on core 0.
// --variant: one more frame-forwarder relay with these environment settings (A/B in the same run); the key `build`
// names another relay build folder (e.g. a baseline commit built with `dotnet build -c Release -o <dir>`).
import { nowSeconds } from "../../local/lib/jwt.mjs";
import { mintRelayTokenV1 } from "../../local/lib/relayToken.mjs";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import path from "node:path";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const renderOnly = arg("--render", null);
const streamCounts = arg("--streams", "200,1000").split(",").map(Number);
const seconds = Number(arg("--seconds", "15"));
const rounds = Number(arg("--rounds", "3"));
const nodeCheck = !process.argv.includes("--no-node-check");
const warmup = Number(arg("--warmup", "10"));
const pin = process.argv.includes("--pin");
const selected = arg("--targets", "direct,forwarder,nginx,caddy").split(",");
const variants = process.argv.flatMap((a, i) => (a === "--variant" ? [process.argv[i + 1]] : [])).map((spec) => {
  const [label, settings = ""] = spec.split(/:(.*)/s);
  const env = Object.fromEntries(settings.split(",").filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
  const { build: buildDir, ...rest } = env;
  return { name: `relay, frame forwarder (${label})`, env: rest, buildDir };
});
// Cores: the proxy under test on core 1, the echo and the generator on core 0 (--pin); nothing pinned otherwise.
const proxyCores = pin ? ["taskset", "-c", "1"] : [];
const loadCores = pin ? ["taskset", "-c", "0"] : [];
// Many sockets per process at 2,000 streams: the soft open-files limit raised to the hard one for every child.
const withFiles = (prefix, command, args) => ["sh", ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$@"', "sh", ...prefix, command, ...args]];
const repo = path.resolve(new URL("../..", import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), "voice-edge-bench-compare-"));
const key = "bench-signing-key-0123456789abcdef";
// The relay runs with the runtime settings of its systemd unit (the DOTNET_* Environment= lines), as on the VM; the
// echo and the generator with inline completions.
const unitEnv = Object.fromEntries([...readFileSync(path.join(repo, "relay/deploy/voice-edge-relay@.service"), "utf8")
  .matchAll(/^Environment=(DOTNET_\w+)=(.*)$/gm)].map((m) => [m[1], m[2].trim()]));
const inline = { DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS: "1", DOTNET_gcServer: "0" };

const { medianRows, writeCharts } = await import("../lib/charts.mjs");
const { cpuSeconds, freePort, httpOk, startProcess, tcpOpen } = await import("../lib/loadgen.mjs");
const { startNginx } = await import("../lib/nginx.mjs");
const { startCaddy } = await import("../lib/caddy.mjs");
// "relay, WebSocket pump": only in reports from before its removal (issue 26), kept for --render.
const targetNames = ["direct", "relay, WebSocket pump", "relay, frame forwarder", ...variants.map((v) => v.name), "nginx", "Caddy"];
const cells = [];
let startupRssMiB = {};
if (renderOnly) {
  // Re-renders a report from the raw cells of an earlier one: node bench/relay/compare.mjs --render <report.md>
  const text = readFileSync(renderOnly, "utf8");
  for (const line of text.split("\n")) if (line.startsWith('{"scenario"')) cells.push(JSON.parse(line));
  startupRssMiB = JSON.parse(/<!-- startup-rss (.*) -->/.exec(text)?.[1] ?? "{}");
  render(renderOnly);
}

const build = (project, out) =>
  execFileSync("dotnet", ["build", path.join(repo, project), "-c", "Release", "-o", path.join(work, out), "--nologo", "-v", "q"], { stdio: ["ignore", "ignore", "inherit"] });
// nginx and Caddy come from apt, installed here (and only here) when missing.
for (const [command, pkg] of [["nginx", "nginx-core"], ["caddy", "caddy"]]) {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
  } catch {
    console.error(`installing ${pkg} (apt)...`);
    execFileSync("sh", ["-c", `apt-get install -y -qq --no-install-recommends ${pkg} || (apt-get update -qq && apt-get install -y -qq --no-install-recommends ${pkg})`], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  }
}
console.error("building the relay and the load generator (Release)...");
build("relay/VoiceEdge.Relay.csproj", "relay");
build("bench/LoadGen/LoadGen.csproj", "loadgen");
const loadgen = path.join(work, "loadgen/LoadGen.dll");

const echoPort = await freePort();
const echo = await startProcess(...withFiles(loadCores, "dotnet", [loadgen, "echo", String(echoPort)]), { env: inline, ready: () => tcpOpen(echoPort) });

async function startRelay(env = {}, buildDir = path.join(work, "relay")) {
  const port = await freePort();
  const p = await startProcess(...withFiles(proxyCores, "dotnet", [path.join(buildDir, "voice-edge-relay.dll"), "--urls", `http://127.0.0.1:${port}`]), {
    env: {
      ...unitEnv,
      ...env,
      Relay__Upstream: `ws://127.0.0.1:${echoPort}/api/chat`,
      Relay__TwilioUpstream: `ws://127.0.0.1:${echoPort}/twilio`,
      Relay__SigningKey: key,
      Relay__PublicBaseUrl: `ws://127.0.0.1:${port}`,
      Relay__MaxConnections: "5000",
      Logging__LogLevel__Default: "Warning",
    },
    // Its own folder as working directory (the content root), as on the VM: the configuration file watcher then
    // watches a few files, not the whole repository.
    cwd: buildDir,
    ready: () => httpOk(`http://127.0.0.1:${port}/health`),
  });
  return { port, ...p };
}
const processes = [echo];
const targets = [];
const add = (name, port, proc) => {
  if (proc) processes.push(proc);
  targets.push({ name, url: `ws://127.0.0.1:${port}/api/chat`, pid: proc?.pid ?? null });
};
if (selected.includes("direct")) add("direct", echoPort, null);
if (selected.includes("forwarder")) {
  const frames = await startRelay();
  add("relay, frame forwarder", frames.port, frames);
}
for (const v of variants) {
  const relay = await startRelay(v.env, v.buildDir);
  add(v.name, relay.port, relay);
}
if (selected.includes("nginx")) {
  const { port, process: nginx } = await startNginx(work, echoPort);
  // nginx forks its workers itself: all its threads are moved onto the proxy core after start.
  if (pin) execFileSync("sh", ["-c", `for p in ${nginx.pid} $(cat /proc/${nginx.pid}/task/*/children); do taskset -a -cp 1 $p; done`], { stdio: "ignore" });
  add("nginx", port, nginx);
}
if (selected.includes("caddy")) {
  const { port, process: caddy } = await startCaddy(work, echoPort, proxyCores);
  add("Caddy", port, caddy);
}

/** Resident memory (KiB) of a process and its children (nginx workers). */
function rssKiB(pid) {
  let total = 0;
  const visit = (p) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) total += Number(m[1]);
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {}
  };
  visit(pid);
  return total;
}

function runGenerator(url, count, forSeconds = seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(...withFiles(loadCores, "dotnet", [loadgen, "streams", url, String(count), "--seconds", String(forSeconds), "--relay-key", key]), {
      env: { ...process.env, ...inline },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), (forSeconds + 120) * 1000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out.trim().split("\n").pop()));
      else reject(new Error(`load generator exited ${code}: ${out}`));
    });
  });
}

for (const t of targets) if (t.pid) startupRssMiB[t.name] = rssKiB(t.pid) / 1024;
async function measure(scenario, target, run) {
  const rssIdle = target.pid ? rssKiB(target.pid) : 0;
  const cpu0 = target.pid ? cpuSeconds(target.pid) : 0;
  let rssPeak = rssIdle;
  const sampler = setInterval(() => target.pid && (rssPeak = Math.max(rssPeak, rssKiB(target.pid))), 500);
  const r = await run();
  clearInterval(sampler);
  const cpu = target.pid ? cpuSeconds(target.pid) - cpu0 : NaN;
  const cell = { scenario, target: target.name, ...r, cpu, rssIdleMiB: rssIdle / 1024, rssPeakMiB: rssPeak / 1024, pinned: pin };
  cells.push(cell);
  console.error(`${scenario} | ${target.name}: p50 ${(r.p50 / 1000).toFixed(2)} ms p99 ${(r.p99 / 1000).toFixed(2)} ms lost ${r.lost}/${r.sent} ooo ${r.outOfOrder ?? "-"} cpu ${Number.isFinite(cpu) ? cpu.toFixed(2) : "-"} s rss ${cell.rssPeakMiB.toFixed(0)} MiB gen cpu ${r.generatorCpuSeconds ?? "-"}`);
  await new Promise((res) => setTimeout(res, 2000));
}

try {
  if (nodeCheck && existsSync(path.join(repo, "bench/node_modules/ws"))) {
    const { streams } = await import("../lib/loadgen.mjs");
    const token = () => mintRelayTokenV1(key, nowSeconds() + 50, "bench");
    for (const t of targets.filter((x) => x.name === "direct" || x.name === "relay, frame forwarder")) {
      await measure("node generator, 200 streams", t, async () => {
        const r = await streams(t.url, () => ({ headers: { "X-Voice-Edge-Auth": token() } }), { count: 200, seconds });
        return { ...r, outOfOrder: undefined };
      });
      await measure("C# generator, 200 streams", t, () => runGenerator(t.url, 200));
    }
  }
  // Warm-up, not measured: a relay's first calls run its code through the JIT's tiers (seconds of CPU), which a
  // relay serving for days does not pay per call; nginx and Caddy are native code.
  if (warmup > 0) for (const t of targets.filter((x) => x.pid)) await runGenerator(t.url, Math.min(...streamCounts), warmup);
  for (let round = 1; round <= rounds; round++) {
    for (const count of streamCounts) {
      for (const t of targets) await measure(`${count} streams`, t, () => runGenerator(t.url, count));
    }
  }
} finally {
  for (const p of processes.reverse()) p.kill();
}

render(path.join(repo, "bench/results", `${arg("--name", "relay-forwarder")}-${new Date().toISOString().slice(0, 10)}.md`));

function render(file) {
  const median = (xs) => {
    const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return v.length ? v[Math.floor((v.length - 1) / 2)] : NaN;
  };
  const ms = (us) => (Number.isFinite(us) ? (us / 1000).toFixed(2) : "-");
  const secondsRun = cells[0]?.seconds ?? seconds;
  const roundsRun = Math.max(...cells.map((c) => cells.filter((d) => d.scenario === c.scenario && d.target === c.target).length));
  const lines = [
    `# Relay frame forwarder comparison, ${new Date().toISOString().slice(0, 16)}Z`,
    "",
    `Loopback, ${cpus().length} cores shared by the load generator, the echo, the proxy under test and (this session) other work. Streams x 50 msg/s x ${secondsRun} s,`,
    `~300-byte text frames; a message is one echoed round trip (two frames through the proxy). Medians of up to ${roundsRun} interleaved rounds.`,
    `CPU = the proxy process's user+system seconds (nginx: master and workers). RSS per call = (peak during the cell - RSS ${Object.keys(startupRssMiB).length ? "at start-up" : "at the cell's start"}) / streams;`,
    "the marginal RSS per call is the slope of the peak RSS between the smallest and largest stream counts (RSS figures from round 1, where the loads grow in order).",
    cells[0]?.pinned ? "Pinned with taskset: each proxy on core 1, the echo and the generator on core 0 (the relay's .NET runtime then sees 1 processor)." : "Nothing pinned.",
    ...(renderOnly ? [] : [warmup > 0 ? `Warm-up before round 1 (not measured): each relay ${warmup} s at ${Math.min(...streamCounts)} streams, so its code is past the JIT's tiers.` : "No warm-up: the relays' first cells include JIT time."]),
    "",
  ];
  const rowsFor = (scenario) => targetNames.map((name) => {
    const cs = cells.filter((c) => c.scenario === scenario && c.target === name);
    if (cs.length === 0) return null;
    const count = Number(scenario.match(/(\d+) streams/)[1]);
    return {
      target: name,
      p50: median(cs.map((c) => c.p50)),
      p99: median(cs.map((c) => c.p99)),
      cpu100k: median(cs.map((c) => (c.cpu / c.received) * 100000)),
      lost: cs.reduce((a, c) => a + c.lost, 0),
      sent: cs.reduce((a, c) => a + c.sent, 0),
      ooo: cs.reduce((a, c) => a + (c.outOfOrder ?? 0), 0),
      // Memory from round 1 only: a .NET heap keeps what it grew to, so later rounds of a smaller load show the peak
      // of a larger one.
      rssPeak: cs[0].rssPeakMiB,
      rssPerCallKiB: ((cs[0].rssPeakMiB - (startupRssMiB[name] ?? cs[0].rssIdleMiB)) * 1024) / count,
    };
  }).filter(Boolean);
  const scenarios = [...new Set(cells.map((c) => c.scenario))];
  for (const scenario of scenarios) {
    const rows = rowsFor(scenario);
    const direct = rows.find((r) => r.target === "direct");
    const ng = rows.find((r) => r.target === "nginx");
    lines.push(`## ${scenario}`, "", "| target | p50 / p99 ms | added p50 / p99 ms | CPU s per 100k msgs | CPU x nginx | p99 x nginx | RSS peak MiB | RSS per call KiB | lost / sent | out of order |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) {
      const isDirect = r.target === "direct";
      lines.push(`| ${r.target} | ${ms(r.p50)} / ${ms(r.p99)} | ${isDirect || !direct ? "-" : `${ms(r.p50 - direct.p50)} / ${ms(r.p99 - direct.p99)}`} | ${isDirect ? "-" : r.cpu100k.toFixed(2)} | ${isDirect || !ng ? "-" : (r.cpu100k / ng.cpu100k).toFixed(2)} | ${isDirect || !ng ? "-" : (r.p99 / ng.p99).toFixed(2)} | ${isDirect ? "-" : r.rssPeak.toFixed(0)} | ${isDirect ? "-" : r.rssPerCallKiB.toFixed(0)} | ${r.lost} / ${r.sent} | ${r.ooo} |`);
    }
    lines.push("");
  }
  const counts = scenarios.map((s) => /^(\d+) streams$/.exec(s)?.[1]).filter(Boolean).map(Number).sort((a, b) => a - b);
  if (counts.length >= 2) {
    const lo = rowsFor(`${counts[0]} streams`), hi = rowsFor(`${counts.at(-1)} streams`);
    lines.push(`Marginal RSS per call (${counts[0]} to ${counts.at(-1)} streams): ` + hi.filter((r) => r.target !== "direct").map((r) => {
      const l = lo.find((x) => x.target === r.target);
      return `${r.target} ${(((r.rssPeak - l.rssPeak) * 1024) / (counts.at(-1) - counts[0])).toFixed(0)} KiB`;
    }).join(", ") + ".", "");
  }
  lines.push(`<!-- startup-rss ${JSON.stringify(startupRssMiB)} -->`, "", "Raw cells (one line per generator run):", "", "```", ...cells.map((c) => JSON.stringify(c)), "```", "");
  mkdirSync(path.dirname(file), { recursive: true });
  const charts = writeCharts(file, medianRows(cells), `${path.basename(file)}: medians of up to ${roundsRun} rounds, ${cpus().length} cores`);
  lines.splice(lines.indexOf("") + 1, 0, `![latency](${path.basename(charts.latency)}) ![CPU per message](${path.basename(charts.cpu)})`, "");
  const report = lines.join("\n");
  writeFileSync(file, report);
  console.log(report);
  console.error(`written to ${path.relative(repo, file)}`);
  process.exit(0);
}

