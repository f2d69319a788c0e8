import type { Relay } from "./relayFleet";

/**
 * What the chooser knows of one relay, from its `GET /health` (relay/Observability/HealthEndpoint.cs: 200 with
 * `status: "ok"` only when it takes calls and reaches its backends; 503 with `draining: true` while it drains, or
 * `status: "backend-unreachable"`; `openCalls` and `maxCalls` always).
 * - `ready`: 200, status ok, not draining: may get calls;
 * - `draining` / `unready`: said so itself: never gets a new call;
 * - `unknown`: no answer in time, or not the relay's JSON: tried only after every ready relay (a relay whose
 *   health cannot be read may still take calls), and a dead one refuses the dial at once or times out.
 */
export type RelayState = "ready" | "draining" | "unready" | "unknown";

export interface RelayHealth {
  state: RelayState;
  openCalls: number;
  maxCalls: number;
  /** When it was read (ms since the epoch). */
  at: number;
}

/**
 * How long an isolate reuses a relay's health: 5 s. The relay itself reuses its backend probe for 5 s
 * (`Relay:HealthCacheSeconds`), so reading it more often learns nothing new; a relay that dies is out of this
 * isolate's choice at most TTL + {@link HEALTH_TIMEOUT_MS} after its death (docs/scale.md, measured by
 * local/test/fleet.test.mjs), and a call that dials it before then falls through to the next relay within the same
 * request ({@link markRefused}). Traffic: one GET per relay of the caller's nearest tier per 5 s per isolate that
 * takes calls, nothing in an idle isolate.
 */
export const HEALTH_TTL_MS = 5_000;

/**
 * How long a health read may take: 1 s. Azure-to-Cloudflare round trips are tens of milliseconds even across
 * oceans; a relay that needs a second to say it is healthy would make a poor choice anyway. A read runs only when
 * an entry is older than the TTL, so at most one call per relay per TTL per isolate waits for it.
 */
export const HEALTH_TIMEOUT_MS = 1_000;

type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

/** One isolate's cache: a Worker isolate serves many requests, and module state lives as long as it does. */
export class HealthCache {
  private readonly entries = new Map<string, RelayHealth>();
  private readonly reading = new Map<string, Promise<RelayHealth>>();

  constructor(
    private readonly fetcher: Fetcher = (url, init) => fetch(url, init),
    private readonly ttlMs = HEALTH_TTL_MS,
    private readonly timeoutMs = HEALTH_TIMEOUT_MS,
  ) {}

  /**
   * The relay's health, read again when older than the TTL; concurrent calls share one read. A relay last seen not
   * ready (draining, unready, unknown) is not waited for again: its stale state is returned and the new read runs in
   * the `background` (the request's `ctx.waitUntil`), so a relay that hangs costs one health timeout per isolate,
   * not one per TTL. A ready relay's expired entry is read before the call uses it.
   */
  async of(relay: Relay, now = Date.now(), background?: (read: Promise<unknown>) => void): Promise<RelayHealth> {
    const key = relay.url.href;
    const known = this.entries.get(key);
    if (known && now - known.at < this.ttlMs) return known;
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.read(relay, now)
        .then((health) => {
          this.entries.set(key, health);
          return health;
        })
        .finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    if (known && known.state !== "ready" && background) {
      background(pending);
      return known;
    }
    return pending;
  }

  /** A dial the relay refused (5xx, 429) or that never connected: out of this isolate's choice until the TTL passes. */
  markRefused(relay: Relay, now = Date.now()): void {
    const known = this.entries.get(relay.url.href);
    this.entries.set(relay.url.href, { state: "unready", openCalls: known?.openCalls ?? 0, maxCalls: known?.maxCalls ?? 0, at: now });
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.entries.clear();
    this.reading.clear();
  }

  private async read(relay: Relay, now: number): Promise<RelayHealth> {
    try {
      const response = await this.fetcher(new URL("/health", relay.url).toString(), {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: "application/json" },
      });
      return parseHealth(response.status, await response.text(), now);
    } catch {
      return { state: "unknown", openCalls: 0, maxCalls: 0, at: now };
    }
  }
}

/** A relay's /health answer as the chooser reads it; anything that is not the relay's JSON is `unknown`. */
export function parseHealth(status: number, body: string, at: number): RelayHealth {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { state: "unknown", openCalls: 0, maxCalls: 0, at };
  }
  if (typeof json !== "object" || json === null) return { state: "unknown", openCalls: 0, maxCalls: 0, at };
  const h = json as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
  const openCalls = count(h.openCalls);
  const maxCalls = count(h.maxCalls);
  if (h.draining === true || h.status === "draining") return { state: "draining", openCalls, maxCalls, at };
  if (status === 200 && h.status === "ok") return { state: "ready", openCalls, maxCalls, at };
  if (typeof h.status === "string") return { state: "unready", openCalls, maxCalls, at };
  return { state: "unknown", openCalls, maxCalls, at };
}

/** The share of a relay's call limit in use; a relay at its limit sorts last among the ready ones. */
export function loadOf(health: RelayHealth): number {
  if (health.maxCalls <= 0) return 1;
  return Math.min(1, health.openCalls / health.maxCalls);
}

/** This isolate's cache. */
export const isolateHealth = new HealthCache();
