// nginx as a plain WebSocket proxy in front of the echo upstream: the reference every relay figure is compared with.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, startProcess, tcpOpen } from "./loadgen.mjs";

/** Starts nginx (its files under `<work>/nginx`) proxying 127.0.0.1:<port> to the echo; resolves with { port, ...process }. */
export async function startNginx(work, echoPort) {
  const port = await freePort();
  const dir = path.join(work, "nginx");
  mkdirSync(path.join(dir, "logs"), { recursive: true });
  writeFileSync(path.join(dir, "nginx.conf"), `worker_processes auto;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 8192; }
http {
  access_log off;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${echoPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 3600s;
      proxy_buffering off;
    }
  }
}
`);
  const nginx = await startProcess("nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { ready: () => tcpOpen(port) });
  return { port, process: nginx };
}
