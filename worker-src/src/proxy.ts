import { clientIpOf, mintRelayTokenV2, RELAY_TOKEN_HEADER, RELAY_TOKEN_SECONDS } from "./relayToken";
import { APP_PROTOCOL, forwardableProtocols, TOKEN_QUERY_PARAM } from "./userToken";
import type { Settings } from "./env";

/** In pump mode (the default) answered by the Worker itself, never forwarded: keeps the browser-to-edge leg busy on quiet calls. */
export const KEEPALIVE_PING = '{"type":"voice-edge.ping"}';
export const KEEPALIVE_PONG = '{"type":"voice-edge.pong"}';

export interface CallLog {
  event: "call";
  session: string;
  /** The user's sub (never the token). */
  user: string;
  durationMs: number;
  bytesUp: number;
  bytesDown: number;
  framesUp: number;
  framesDown: number;
  closeCode: number;
  closeReason: string;
  closedBy: "client" | "relay" | "worker";
}

/** Codes that describe a close but may not be sent in a close frame (or are outside 1000-4999) become sendable ones. */
export function sendableCloseCode(code: number | undefined): number {
  if (code === undefined || code === 1005) return 1000;
  if (!Number.isInteger(code) || code < 1000 || code > 4999 || code === 1004 || code === 1006 || code === 1015) return 1011;
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

/** The upgrade request's headers towards the relay: the relay token and the client's offers minus its token entry. */
export function relayRequestHeaders(request: Request, relayToken: string): { headers: Headers; protocols: string[] } {
  const headers = new Headers({ Upgrade: "websocket", [RELAY_TOKEN_HEADER]: relayToken });
  const protocols = forwardableProtocols(request);
  if (protocols.length > 0) headers.set("Sec-WebSocket-Protocol", protocols.join(", "));
  return { headers, protocols };
}

function textResponse(status: 429 | 502 | 504, body: string, extra: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...extra } });
}

/** The relay's 429 (over its connection limit or the user's calls limit) reaches the client as 429, with its Retry-After when it is a number of seconds. */
function relayBusy(retryAfter: string | null): Response {
  const extra: Record<string, string> = retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim()) ? { "retry-after": retryAfter.trim() } : {};
  return textResponse(429, "too many calls (the relay's limit for this user or in all)", extra);
}

/** Closes a socket, ignoring one that is already closed. */
function safeClose(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(sendableCloseCode(code), reason);
  } catch {
    // already closed
  }
}

/**
 * Opens the relay first (so a refusing or silent relay gives the client a plain 502/504 before any upgrade),
 * then accepts the client and pipes frames and close codes both ways. An upgrade abandoned on the way (the
 * relay too slow, the client gone: `request.signal`, compatibility flag `enable_request_signal`) closes the
 * relay connection it opened.
 */
export async function proxyToRelay(request: Request, s: Settings, signingKey: string, ctx: ExecutionContext, user: string): Promise<Response> {
  const session = crypto.randomUUID();
  const exp = Math.floor(Date.now() / 1000) + RELAY_TOKEN_SECONDS;
  // v2: the relay passes the user and the client IP on to the backend and limits calls per user.
  const relayToken = await mintRelayTokenV2(signingKey, exp, session, { sub: user, clientIp: clientIpOf(request) });
  const { headers, protocols } = relayRequestHeaders(request, relayToken);
  const target = relayCallUrl(s.relayUrl, new URL(request.url));

  if (request.signal?.aborted) return textResponse(502, "the client went away before the relay answered");
  let upstreamResponse: Response;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), s.relayTimeoutMs);
  const clientGone = () => controller.abort();
  request.signal?.addEventListener("abort", clientGone);
  try {
    upstreamResponse = await fetch(target.toString(), { headers, signal: controller.signal });
  } catch {
    if (request.signal?.aborted) return textResponse(502, "the client went away before the relay answered");
    return controller.signal.aborted ? textResponse(504, "relay did not answer in time") : textResponse(502, "relay unreachable");
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", clientGone);
  }
  const upstream = upstreamResponse.webSocket;
  if (upstreamResponse.status !== 101 || !upstream) {
    try {
      await upstreamResponse.body?.cancel();
    } catch {
      // nothing left to release
    }
    if (upstreamResponse.status === 429) return relayBusy(upstreamResponse.headers.get("retry-after"));
    return textResponse(502, `relay refused the call (${upstreamResponse.status})`);
  }
  if (request.signal?.aborted) {
    upstream.accept();
    safeClose(upstream, 1001, "client went away");
    return textResponse(502, "the client went away before the relay answered");
  }
  const chosen = upstreamResponse.headers.get("Sec-WebSocket-Protocol") ?? (protocols.includes(APP_PROTOCOL) ? APP_PROTOCOL : null);
  const responseHeaders = new Headers();
  if (chosen) responseHeaders.set("Sec-WebSocket-Protocol", chosen);

  if (s.passThrough) {
    // The relay's socket goes back unaccepted: the runtime joins the two connections itself, with no
    // JavaScript per frame. Frames, close codes and the relay's pings then pass natively; the call's log line
    // and the keepalive answer are the relay's.
    console.log(JSON.stringify({ event: "call-passed-through", session, user }));
    return new Response(null, { status: 101, webSocket: upstream, headers: responseHeaders });
  }
  upstream.accept();

  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  server.accept();

  const started = Date.now();
  const log: CallLog = { event: "call", session, user, durationMs: 0, bytesUp: 0, bytesDown: 0, framesUp: 0, framesDown: 0, closeCode: 0, closeReason: "", closedBy: "worker" };
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
  // A frame can arrive from one side after the other side has closed (a close race); it is dropped, and a send
  // that fails all the same ends the call instead of throwing out of the event handler.
  const send = (to: WebSocket, data: string | ArrayBuffer, by: CallLog["closedBy"]) => {
    if (closed) return;
    try {
      to.send(data);
    } catch {
      safeClose(server, 1011, "connection lost");
      safeClose(upstream, 1011, "connection lost");
      finish(1006, "send after close", by);
    }
  };

  server.addEventListener("message", (event) => {
    if (event.data === KEEPALIVE_PING) {
      send(server, KEEPALIVE_PONG, "client");
      return;
    }
    log.framesUp++;
    log.bytesUp += size(event.data);
    send(upstream, event.data, "relay");
  });
  upstream.addEventListener("message", (event) => {
    log.framesDown++;
    log.bytesDown += size(event.data);
    send(server, event.data, "client");
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
  return new Response(null, { status: 101, webSocket: client, headers: responseHeaders });
}
