// The echo upstream, the same for every target: local/'s stand-in voice backend (every path but /twilio echoes
// frames unchanged), run as its own process so its CPU is not counted against the load generator:
// node lib/echo.mjs <port>
import { WebSocketServer } from "ws";
import { startBackend } from "../../local/lib/backend.mjs";

// bench's own `ws` (npm ci --prefix bench): local/'s node_modules need not be installed.
await startBackend({ port: Number(process.argv[2]), WebSocketServer });
process.stdout.write("ready\n");
