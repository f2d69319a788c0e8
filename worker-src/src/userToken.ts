/** The subprotocol a browser offers next to its token entry; the Worker answers with it. */
export const APP_PROTOCOL = "voice-edge";
/** A token offered as a subprotocol: `bearer.<jwt>` (browsers cannot set headers on a WebSocket). */
export const BEARER_PROTOCOL_PREFIX = "bearer.";
export const TOKEN_QUERY_PARAM = "token";
export const TOKEN_COOKIE = "ve_token";

export type TokenSource = "protocol" | "query" | "cookie";

export interface OfferedToken {
  token: string;
  source: TokenSource;
}

export function offeredProtocols(request: Request): string[] {
  return (request.headers.get("Sec-WebSocket-Protocol") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** The protocols to pass on upstream: everything the client offered except its token entry. */
export function forwardableProtocols(request: Request): string[] {
  return offeredProtocols(request).filter((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX));
}

/** A cookie value as sent; percent-decoded when it decodes (a malformed escape is kept as it came). */
function cookieValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Finds the user's token: a `bearer.<jwt>` subprotocol entry, then `?token=`, then the `ve_token` cookie.
 * Empty values count as absent. Never throws, whatever the headers and query string hold.
 */
export function findUserToken(request: Request): OfferedToken | null {
  const entry = offeredProtocols(request).find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX) && p.length > BEARER_PROTOCOL_PREFIX.length);
  if (entry) return { token: entry.slice(BEARER_PROTOCOL_PREFIX.length), source: "protocol" };
  const query = new URL(request.url).searchParams.get(TOKEN_QUERY_PARAM);
  if (query) return { token: query, source: "query" };
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const separator = part.indexOf("=");
    if (separator < 0 || part.slice(0, separator).trim() !== TOKEN_COOKIE) continue;
    const token = cookieValue(part.slice(separator + 1).trim());
    if (token) return { token, source: "cookie" };
  }
  return null;
}
