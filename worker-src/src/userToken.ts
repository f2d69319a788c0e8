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

/** Finds the user's token: a `bearer.<jwt>` subprotocol entry, then `?token=`, then the `ve_token` cookie. */
export function findUserToken(request: Request): OfferedToken | null {
  const entry = offeredProtocols(request).find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (entry) return { token: entry.slice(BEARER_PROTOCOL_PREFIX.length), source: "protocol" };
  const query = new URL(request.url).searchParams.get(TOKEN_QUERY_PARAM);
  if (query) return { token: query, source: "query" };
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === TOKEN_COOKIE && rest.length > 0) return { token: decodeURIComponent(rest.join("=")), source: "cookie" };
  }
  return null;
}
