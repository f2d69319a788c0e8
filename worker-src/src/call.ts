import { logCallHandedOver } from "./callLog";
import { proxyToRelay, type RelayTarget } from "./proxy";
import { clientIpOf, mintCallToken } from "./relayToken";

export interface Call {
  /** The client's upgrade request, already checked (handler.ts `authorize`). */
  request: Request;
  /** The verified user's `sub`. */
  user: string;
  /** The relay this call goes to. */
  relay: RelayTarget;
  /** RELAY_SIGNING_KEY (non-empty). */
  signingKey: string;
}

/**
 * One voice call after the checks: a fresh session id, the relay token naming the user and the client IP, the
 * proxy to the relay, and the call's log line once the relay took it.
 */
export async function startCall({ request, user, relay, signingKey }: Call): Promise<Response> {
  const session = crypto.randomUUID();
  const relayToken = await mintCallToken({ signingKey, session, caller: { sub: user, clientIp: clientIpOf(request) } });
  const response = await proxyToRelay({ request, relay, relayToken });
  if (response.status === 101) logCallHandedOver({ session, user });
  return response;
}
