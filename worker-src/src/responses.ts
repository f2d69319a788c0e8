/** Every status the Worker refuses with (README "Behaviour"); each comes with a plain-text reason. */
export const REFUSAL_STATUSES = [400, 401, 403, 404, 426, 429, 502, 503, 504] as const;

export type RefusalStatus = (typeof REFUSAL_STATUSES)[number];

/** A plain-text answer: one line naming what was wrong (or `ok`), never cached. */
export function plain(status: RefusalStatus | 200, body: string, extra: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...extra } });
}
