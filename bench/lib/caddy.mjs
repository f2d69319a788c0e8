// Caddy as a plain WebSocket proxy in front of the echo upstream (apt-get install caddy), the second reference proxy.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, startProcess, tcpOpen } from "./loadgen.mjs";

/**
 * Starts Caddy (its files under `<work>`) proxying 127.0.0.1:<port> to the echo, flushing at once; `prefix` is put in
 * front of the command (e.g. ["taskset", "-c", "1"]). Resolves with { port, process }.
 */
export async function startCaddy(work, echoPort, prefix = []) {
  const port = await freePort();
  const file = path.join(work, "Caddyfile");
  writeFileSync(file, `{
\tadmin off
\tauto_https off
}
http://127.0.0.1:${port} {
\treverse_proxy 127.0.0.1:${echoPort} {
\t\tflush_interval -1
\t}
}
`);
  const args = ["run", "--config", file, "--adapter", "caddyfile"];
  const [command, ...rest] = [...prefix, "caddy", ...args];
  const caddy = await startProcess(command, rest, { env: { HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work }, ready: () => tcpOpen(port) });
  return { port, process: caddy };
}
