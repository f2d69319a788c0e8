import { plain } from "./responses";

/**
 * What the client gets when its call cannot reach the relay (README "Behaviour"): each way a relay dial ends
 * without a WebSocket, as the plain-text refusal the Worker answers with.
 */
export type DialFailure = "client-gone" | "timeout" | "unreachable";

export function dialFailure(failure: DialFailure): Response {
  switch (failure) {
    case "client-gone":
      return plain(502, "the client went away before the relay answered");
    case "timeout":
      return plain(504, "relay did not answer in time");
    case "unreachable":
      return plain(502, "relay unreachable");
  }
}

/**
 * The relay answered the upgrade with something other than a WebSocket. Its 429 (over its connection limit or
 * the user's calls limit) reaches the client as 429, with its Retry-After when that is a number of seconds; any
 * other answer is 502. The relay's body is released, never passed on.
 */
export async function relayRefusal(answer: Response): Promise<Response> {
  try {
    await answer.body?.cancel();
  } catch {
    // nothing left to release
  }
  if (answer.status === 429) {
    const retryAfter = answer.headers.get("retry-after")?.trim() ?? "";
    return plain(429, "too many calls (the relay's limit for this user or in all)", /^\d{1,6}$/.test(retryAfter) ? { "retry-after": retryAfter } : {});
  }
  return plain(502, `relay refused the call (${answer.status})`);
}
