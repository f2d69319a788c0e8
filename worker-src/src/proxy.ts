import { mintRelayToken, RELAY_TOKEN_HEADER, RELAY_TOKEN_SECONDS } from "./relayToken";
import { APP_PROTOCOL, forwardableProtocols, TOKEN_QUERY_PARAM } from "./userToken";
import type { Settings } from "./env";

/** Answered by the Worker itself, never forwarded: keeps the browser-to-edge leg busy on quiet calls. */
export const KEEPALIVE_PING = '{"type":"voice-edge.ping"}';
export const KEEPALIVE_PONG = '{"type":"voice-edge.pong"}';

export interface CallLog {
  event: "call";
  session: string;
  durationMs: number;
  bytesUp: number;
  bytesDown: number;
  framesUp: number;
  framesDown: number;
  closeCode: number;
  closeReason: string;
  closedBy: "client" | "relay" | "worker";
}

/** Codes that describe a close but may not be sent in a close frame. */
export function sendableCloseCode(code: number | undefined): number {
  if (code === undefined || code === 1005) return 1000;
  if (code === 1006 || code === 1015) return 1011;
  return code;
}

/** The relay URL for this call: <RELAY_URL>/api/chat plus the client's query string, without the token. */
export function relayCallUrl(relayUrl: URL, requestUrl: URL): URL {
  const target = new URL("/api/chat", relayUrl);
  for (const [name, value] of requestUrl.searchParams) {
    if (name !== TOKEN_QUERY_PARAM) target.searchParams.append(name, value);
  }
  return target;
}

function textResponse(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
}

/**
 * Opens the relay first (so a refusing or silent relay gives the client a plain 502/504 before any upgrade),
 * then accepts the client and pipes frames and close codes both ways.
 */
export async function proxyToRelay(request: Request, s: Settings, signingKey: string, ctx: ExecutionContext): Promise<Response> {
  const session = crypto.randomUUID();
  const exp = Math.floor(Date.now() / 1000) + RELAY_TOKEN_SECONDS;
  const headers = new Headers({ Upgrade: "websocket", [RELAY_TOKEN_HEADER]: await mintRelayToken(signingKey, exp, session) });
  const protocols = forwardableProtocols(request);
  if (protocols.length > 0) headers.set("Sec-WebSocket-Protocol", protocols.join(", "));
  const target = relayCallUrl(s.relayUrl, new URL(request.url));

  let upstreamResponse: Response;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), s.relayTimeoutMs);
  try {
    upstreamResponse = await fetch(target.toString(), { headers, signal: controller.signal });
  } catch (error) {
    return controller.signal.aborted ? textResponse(504, "relay did not answer in time") : textResponse(502, "relay unreachable");
  } finally {
    clearTimeout(timer);
  }
  const upstream = upstreamResponse.webSocket;
  if (upstreamResponse.status !== 101 || !upstream) {
    return textResponse(502, `relay refused the call (${upstreamResponse.status})`);
  }

  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  server.accept();
  upstream.accept();

  const started = Date.now();
  const log: CallLog = { event: "call", session, durationMs: 0, bytesUp: 0, bytesDown: 0, framesUp: 0, framesDown: 0, closeCode: 0, closeReason: "", closedBy: "worker" };
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  let closed = false;
  const finish = (code: number, reason: string, by: CallLog["closedBy"]) => {
    if (closed) return;
    closed = true;
    Object.assign(log, { closeCode: code, closeReason: reason, closedBy: by, durationMs: Date.now() - started });
    console.log(JSON.stringify(log));
    done();
  };
  const size = (data: string | ArrayBuffer) => (typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength);
  const safeClose = (socket: WebSocket, code: number, reason: string) => {
    try {
      socket.close(sendableCloseCode(code), reason);
    } catch {
      // already closed
    }
  };

  server.addEventListener("message", (event) => {
    if (event.data === KEEPALIVE_PING) {
      server.send(KEEPALIVE_PONG);
      return;
    }
    log.framesUp++;
    log.bytesUp += size(event.data);
    upstream.send(event.data);
  });
  upstream.addEventListener("message", (event) => {
    log.framesDown++;
    log.bytesDown += size(event.data);
    server.send(event.data);
  });
  server.addEventListener("close", (event) => {
    safeClose(upstream, event.code, event.reason);
    finish(event.code, event.reason, "client");
  });
  upstream.addEventListener("close", (event) => {
    safeClose(server, event.code, event.reason);
    finish(event.code, event.reason, "relay");
  });
  server.addEventListener("error", () => {
    safeClose(upstream, 1011, "client connection lost");
    finish(1006, "client error", "client");
  });
  upstream.addEventListener("error", () => {
    safeClose(server, 1011, "relay connection lost");
    finish(1006, "relay error", "relay");
  });
  ctx.waitUntil(finished);

  const chosen = upstreamResponse.headers.get("Sec-WebSocket-Protocol") ?? (protocols.includes(APP_PROTOCOL) ? APP_PROTOCOL : null);
  const responseHeaders = new Headers();
  if (chosen) responseHeaders.set("Sec-WebSocket-Protocol", chosen);
  return new Response(null, { status: 101, webSocket: client, headers: responseHeaders });
}
