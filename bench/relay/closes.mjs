// How promptly each proxy ends the TCP connection when a call closes, Autobahn-style (the fuzzing suite's section 7
// "close handling" measures the same thing: after a close or a failed connection, when does the TCP close come):
// raw clients send a protocol violation, an oversized frame header, or a close through the relay and through nginx
// in front of the same raw-socket echo (bench/LoadGen echo), in one run, and time from the last byte sent until the
// client sees the proxy's FIN (or a reset). The client behaves like a browser: it answers a close frame with its own
// (masked) close, then waits for the server to end TCP (RFC 6455 section 7.1.1: the server closes first).
// Needs: dotnet, nginx (apt-get install nginx-core when missing).
// Usage: node bench/relay/closes.mjs [--repeats 20] [--build <relay build folder>] [--name relay-closes]
//   --build: run a relay already built there (e.g. a baseline commit, `dotnet build -c Release -o <dir>`) beside
//   this tree's build, so before and after are in the same run.
import { mintRelayTokenV1 } from "../../local/lib/relayToken.mjs";
import { nowSeconds } from "../../local/lib/jwt.mjs";
import { execFileSync } from "node:child_process";
import { randomBytes, createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, httpOk, startProcess, tcpOpen } from "../lib/loadgen.mjs";
import { startNginx } from "../lib/nginx.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const repeats = Number(arg("--repeats", "20"));
const baselineBuild = arg("--build", null);
const repo = path.resolve(new URL("../..", import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), "voice-edge-bench-closes-"));
const key = "bench-signing-key-0123456789abcdef";
const maxMessageBytes = 64 * 1024;

const build = (project, out) =>
  execFileSync("dotnet", ["build", path.join(repo, project), "-c", "Release", "-o", path.join(work, out), "--nologo", "-v", "q"], { stdio: ["ignore", "ignore", "inherit"] });
console.error("building the relay and the echo (Release)...");
build("relay/VoiceEdge.Relay.csproj", "relay");
build("bench/LoadGen/LoadGen.csproj", "loadgen");

const echoPort = await freePort();
const echo = await startProcess("dotnet", [path.join(work, "loadgen/LoadGen.dll"), "echo", String(echoPort)], { ready: () => tcpOpen(echoPort) });
const processes = [echo];

async function startRelay(dir) {
  const port = await freePort();
  const p = await startProcess("dotnet", [path.join(dir, "voice-edge-relay.dll"), "--urls", `http://127.0.0.1:${port}`], {
    env: {
      Relay__Upstream: `ws://127.0.0.1:${echoPort}/api/chat`,
      Relay__TwilioUpstream: `ws://127.0.0.1:${echoPort}/twilio`,
      Relay__SigningKey: key,
      Relay__PublicBaseUrl: `ws://127.0.0.1:${port}`,
      Relay__MaxMessageBytes: String(maxMessageBytes),
      Logging__LogLevel__Default: "Warning",
    },
    cwd: dir,
    ready: () => httpOk(`http://127.0.0.1:${port}/health`),
  });
  processes.push(p);
  return port;
}

const targets = [];
targets.push({ name: "relay (this tree)", port: await startRelay(path.join(work, "relay")) });
if (baselineBuild) targets.push({ name: `relay (${path.basename(baselineBuild)})`, port: await startRelay(path.resolve(baselineBuild)) });
const nginx = await startNginx(work, echoPort);
processes.push(nginx.process);
targets.push({ name: "nginx", port: nginx.port });

/** A masked client frame. */
function frame(opcode, payload, { fin = true, rsv = 0, declaredLength } = {}) {
  const length = declaredLength ?? payload.length;
  const head = length < 126 ? Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, 0x80 | length])
    : length < 65536 ? Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, 0x80 | 126, length >> 8, length & 255])
    : Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | rsv | opcode, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(length)); return b; })()]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload).map((b, i) => b ^ mask[i & 3]);
  return Buffer.concat([head, mask, body]);
}
const closeFrame = (code) => frame(8, Buffer.from([code >> 8, code & 255]));

/** Opens an upgraded raw connection to /api/chat and waits for the 101. */
function open(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const wsKey = randomBytes(16).toString("base64");
    const token = mintRelayTokenV1(key, nowSeconds() + 50, "closes");
    let head = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("connect", () => socket.write(`GET /api/chat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: ${wsKey}\r\nSec-WebSocket-Version: 13\r\nX-Voice-Edge-Auth: ${token}\r\n\r\n`));
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.off("error", reject);
      const status = head.subarray(0, head.indexOf("\r\n")).toString();
      if (!status.includes(" 101 ")) return reject(new Error(`no upgrade: ${status}`));
      const accept = createHash("sha1").update(wsKey + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      if (!head.toString().includes(accept)) return reject(new Error("bad accept"));
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on("data", onData);
  });
}

/**
 * Sends `bytes`, then reads; a close frame from the server is answered once with a close (as a browser does). Resolves
 * with the milliseconds from the send until the server's FIN or reset, and the close codes seen.
 */
async function timeToTcpClose(port, bytes) {
  const { socket, rest } = await open(port);
  return new Promise((resolve) => {
    let buffer = rest;
    const codes = [];
    let answered = false;
    let started = 0n;
    const done = (how) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      socket.destroy();
      resolve({ ms, codes, how });
    };
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2) {
        const len7 = buffer[1] & 127;
        const headerLength = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        if (buffer.length < headerLength) break;
        const length = len7 === 126 ? buffer.readUInt16BE(2) : len7 === 127 ? Number(buffer.readBigUInt64BE(2)) : len7;
        if (buffer.length < headerLength + length) break;
        if ((buffer[0] & 15) === 8) {
          codes.push(length >= 2 ? buffer.readUInt16BE(headerLength) : 1005);
          if (!answered) {
            answered = true;
            if (!socket.destroyed && socket.writable) socket.write(closeFrame(1000));
          }
        }
        buffer = buffer.subarray(headerLength + length);
      }
    });
    socket.on("end", () => done("fin"));
    socket.on("error", () => done("reset"));
    socket.setTimeout(15000, () => done("timeout"));
    started = process.hrtime.bigint();
    socket.write(bytes);
  });
}

const cases = [
  ["protocol violation (RSV1 set)", () => frame(1, Buffer.from("hi"), { rsv: 0x40 })],
  ["reserved opcode 3", () => frame(3, Buffer.from("hi"))],
  ["unmasked client frame", () => Buffer.from([0x81, 0x02, 0x68, 0x69])],
  [`oversized frame header (${maxMessageBytes * 4} B declared, no payload)`, () => frame(2, Buffer.alloc(0), { declaredLength: maxMessageBytes * 4 })],
  ["client close 1000", () => closeFrame(1000)],
];

const rows = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);
try {
  for (const [label, bytes] of cases) {
    const cells = [];
    for (const t of targets) {
      const runs = [];
      for (let i = 0; i < repeats; i++) runs.push(await timeToTcpClose(t.port, bytes()));
      const ms = runs.map((r) => r.ms);
      const codes = [...new Set(runs.map((r) => r.codes.join("/") || "none"))].join(", ");
      const hows = [...new Set(runs.map((r) => r.how))].join(", ");
      cells.push({ target: t.name, median: median(ms), max: max(ms), codes, hows });
      console.error(`${label} | ${t.name}: median ${median(ms).toFixed(1)} ms, max ${max(ms).toFixed(1)} ms, close codes ${codes}, ended by ${hows}`);
    }
    rows.push({ label, cells });
  }
} finally {
  for (const p of processes.reverse()) p.kill();
}

const lines = [
  `# Time to TCP close, ${new Date().toISOString().slice(0, 16)}Z`,
  "",
  `\`node bench/relay/closes.mjs --repeats ${repeats}${baselineBuild ? ` --build ${baselineBuild}` : ""}\`: ${repeats} connections per case and target, one at a time,`,
  "loopback, MaxMessageBytes 64 KiB; milliseconds from the client's last byte to the proxy's FIN (or reset), median / max;",
  "the close codes the client received. The machine is 2 shared cores: read the relay against nginx in the same run.",
  "",
  `| case | ${targets.map((t) => t.name).join(" | ")} |`,
  `|---|${targets.map(() => "---").join("|")}|`,
  ...rows.map((r) => `| ${r.label} | ${r.cells.map((c) => `${c.median.toFixed(1)} / ${c.max.toFixed(1)} ms (${c.codes}; ${c.hows})`).join(" | ")} |`),
  "",
];
const out = path.join(repo, "bench/results", `${arg("--name", "relay-closes")}-${new Date().toISOString().slice(0, 10)}.md`);
writeFileSync(out, lines.join("\n"));
console.log(lines.join("\n"));
console.error(`written: ${out}`);
