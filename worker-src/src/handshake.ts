/**
 * The client's side of the WebSocket opening handshake (RFC 6455 §4.2.1), checked before the relay is dialed
 * so that a broken client costs the relay nothing. Returns what is wrong, or null when the handshake is whole.
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
  const connection = tokens(request.headers.get("Connection"));
  if (!connection.includes("upgrade") && !(connection.length === 1 && connection[0] === "keep-alive")) {
    return { status: 400, reason: "the Connection header must include upgrade" };
  }
  if (request.headers.get("Sec-WebSocket-Version")?.trim() !== "13") {
    return { status: 426, reason: "unsupported Sec-WebSocket-Version (13 expected)", headers: { "Sec-WebSocket-Version": "13" } };
  }
  if (!KEY_PATTERN.test(request.headers.get("Sec-WebSocket-Key")?.trim() ?? "")) {
    return { status: 400, reason: "Sec-WebSocket-Key must be the base64 of 16 bytes" };
  }
  return null;
}
