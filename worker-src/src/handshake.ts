/**
 * The client's side of the WebSocket opening handshake (RFC 6455 §4.2.1), checked before the relay is dialed
 * so that a broken client costs the relay nothing. Returns what is wrong, or null when nothing is.
 *
 * `Connection`, `Sec-WebSocket-Version` and `Sec-WebSocket-Key` are hop-by-hop in spirit: Cloudflare's edge
 * terminates the client's connection and may rewrite or drop them before the Worker runs (it documents
 * rewriting Connection). A value that is present and wrong is refused; an absent one is not, because refusing
 * it would refuse every call if the edge drops it, and the edge has already accepted the client's upgrade.
 */
export type HandshakeProblem =
  | { status: 426; reason: string; headers: Record<string, string> }
  | { status: 400; reason: string; headers?: undefined };

/** base64 of 16 bytes: 22 characters and `==`. */
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

function tokens(value: string | null): string[] {
  return (value ?? "").split(",").map((t) => t.trim().toLowerCase());
}

export function handshakeProblem(request: Request): HandshakeProblem | null {
  if (!tokens(request.headers.get("Upgrade")).includes("websocket")) {
    return { status: 426, reason: "expected a WebSocket upgrade", headers: { Upgrade: "websocket" } };
  }
  if (request.method !== "GET") return { status: 400, reason: "a WebSocket handshake is a GET request" };
  // Cloudflare's edge rewrites the Connection header of incoming requests to `Keep-Alive`
  // (https://developers.cloudflare.com/fundamentals/reference/http-headers/#connection), so that value is
  // accepted as well; anything else must name `upgrade` as RFC 6455 requires.
  const connectionHeader = request.headers.get("Connection");
  const connection = tokens(connectionHeader);
  if (connectionHeader !== null && !connection.includes("upgrade") && !(connection.length === 1 && connection[0] === "keep-alive")) {
    return { status: 400, reason: "the Connection header must include upgrade" };
  }
  const version = request.headers.get("Sec-WebSocket-Version");
  if (version !== null && version.trim() !== "13") {
    return { status: 426, reason: "unsupported Sec-WebSocket-Version (13 expected)", headers: { "Sec-WebSocket-Version": "13" } };
  }
  const key = request.headers.get("Sec-WebSocket-Key");
  if (key !== null && !KEY_PATTERN.test(key.trim())) {
    return { status: 400, reason: "Sec-WebSocket-Key must be the base64 of 16 bytes" };
  }
  return null;
}
