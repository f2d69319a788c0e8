import { dialFailure, relayRefusal, type DialFailure } from "./relayRefusals";
import { RELAY_TOKEN_HEADER } from "./relayToken";
import { APP_PROTOCOL, forwardableProtocols, TOKEN_QUERY_PARAM } from "./userToken";

/** The relay a call goes to, chosen by the caller per call. */
export interface RelayTarget {
  /** The relay's base origin (`RELAY_URL`); the call goes to `/api/chat` on it. */
  url: URL;
  /** How long to wait for the relay to accept the upgrade. */
  timeoutMs: number;
}

export interface ProxyCall {
  /** The client's upgrade request, already checked (handler.ts `authorize`). */
  request: Request;
  relay: RelayTarget;
  /** The X-Voice-Edge-Auth value for this call (relayToken.ts). */
  relayToken: string;
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

type Dial = { answer: Response; failure?: undefined } | { answer?: undefined; failure: DialFailure };

/**
 * Dials the relay, giving up when it takes longer than `timeoutMs` or when the client goes away meanwhile
 * (`request.signal`, compatibility flag `enable_request_signal`).
 */
async function dialRelay({ url, headers, timeoutMs, clientSignal }: { url: URL; headers: Headers; timeoutMs: number; clientSignal: AbortSignal | undefined }): Promise<Dial> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const clientGone = () => controller.abort();
  clientSignal?.addEventListener("abort", clientGone);
  try {
    return { answer: await fetch(url.toString(), { headers, signal: controller.signal }) };
  } catch {
    if (clientSignal?.aborted) return { failure: "client-gone" };
    return { failure: controller.signal.aborted ? "timeout" : "unreachable" };
  } finally {
    clearTimeout(timer);
    clientSignal?.removeEventListener("abort", clientGone);
  }
}

/** The subprotocol the client gets: the relay's choice, else `voice-edge` when the client offered it. */
function chosenProtocol(answer: Response, offered: string[]): string | null {
  return answer.headers.get("Sec-WebSocket-Protocol") ?? (offered.includes(APP_PROTOCOL) ? APP_PROTOCOL : null);
}

/** A relay socket whose client left while its 101 was on the way: closed now rather than left to its idle timeout. */
function closeAbandoned(relaySocket: WebSocket): void {
  try {
    relaySocket.accept();
    relaySocket.close(1001, "client went away");
  } catch {
    // already closed
  }
}

/**
 * Proxies one call: opens the relay first (so a refusing or silent relay gives the client a plain 502/504
 * before any upgrade), then hands the relay's socket back unaccepted, with the subprotocol the relay chose. The
 * runtime joins the two connections itself: frames, close codes and the relay's WebSocket pings pass natively
 * and no JavaScript runs per frame. An upgrade abandoned on the way (the client gone: `request.signal`) closes
 * the relay connection it opened.
 */
export async function proxyToRelay({ request, relay, relayToken }: ProxyCall): Promise<Response> {
  const clientSignal = request.signal ?? undefined;
  if (clientSignal?.aborted) return dialFailure("client-gone");
  const { headers, protocols } = relayRequestHeaders(request, relayToken);
  const dial = await dialRelay({ url: relayCallUrl(relay.url, new URL(request.url)), headers, timeoutMs: relay.timeoutMs, clientSignal });
  if (dial.failure) return dialFailure(dial.failure);
  const relaySocket = dial.answer.webSocket;
  if (dial.answer.status !== 101 || !relaySocket) return await relayRefusal(dial.answer);
  if (clientSignal?.aborted) {
    closeAbandoned(relaySocket);
    return dialFailure("client-gone");
  }
  const headersToClient = new Headers();
  const subprotocol = chosenProtocol(dial.answer, protocols);
  if (subprotocol) headersToClient.set("Sec-WebSocket-Protocol", subprotocol);
  return new Response(null, { status: 101, webSocket: relaySocket, headers: headersToClient });
}
