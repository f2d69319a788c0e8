/**
 * The Worker's one log line per call, written when it hands the call to the runtime: the session id (the relay's
 * call log line carries the same one, with the duration, bytes, frames and close code) and the user's `sub`.
 * Never the user's token, the signing key or the request URL (which may hold `?token=`).
 */
export interface CallHandedOver {
  session: string;
  /** The user's sub (never the token). */
  user: string;
}

export function logCallHandedOver({ session, user }: CallHandedOver): void {
  console.log(JSON.stringify({ event: "call-passed-through", session, user }));
}
