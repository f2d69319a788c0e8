// A WebSocket echo server on 127.0.0.1, the same upstream for every target. Run as its own process so its CPU
// is not counted against the load generator: node lib/echo.mjs <port>
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: "127.0.0.1", port, maxPayload: 4 * 1024 * 1024, perMessageDeflate: false });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
wss.on("listening", () => process.stdout.write("ready\n"));
