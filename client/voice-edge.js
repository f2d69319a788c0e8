// voice-edge browser client: one voice call over a WebSocket through the voice-edge Worker, kept
// alive across what Cloudflare and deploys do to calls (runtime restarts, the relay's 1012 drain,
// network drops). ES module, no dependencies. Types: voice-edge.d.ts. Behaviour: README.md.

/** Close codes after which the client reconnects (RFC 6455 section 7.4.1, IANA registry). */
export const RETRYABLE_CLOSE_CODES = Object.freeze([
  1001, // going away: a Workers runtime restart, a server shutting down
  1006, // abnormal: no close frame (network drop, process killed)
  1011, // internal error
  1012, // service restart: the relay drains with it on every deploy
  1013, // try again later
]);

/** Close codes that mean "you are not allowed": never retried (1008 policy violation, 4000-4999 application refusals). */
export function isRefusalCode(code) {
  return code === 1008 || (code >= 4000 && code <= 4999);
}

export const DEFAULT_BACKOFF = Object.freeze({ initialDelayMs: 500, maxDelayMs: 15000, factor: 2, jitter: 0.5 });

/**
 * The wait before reconnect attempt `retry` (1 = first retry): capped exponential backoff with
 * jitter. The ceiling is min(maxDelayMs, initialDelayMs * factor^(retry-1)); the delay is drawn
 * uniformly from [ceiling * (1 - jitter), ceiling], so it never exceeds the cap and never falls
 * below (1 - jitter) of the ceiling. `random` returns a number in [0, 1).
 */
export function backoffDelay(retry, options = {}, random = Math.random) {
  const { initialDelayMs, maxDelayMs, factor, jitter } = { ...DEFAULT_BACKOFF, ...options };
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError(`retry must be an integer >= 1, got ${retry}`);
  if (!(initialDelayMs >= 0) || !(maxDelayMs >= initialDelayMs)) throw new RangeError(`need 0 <= initialDelayMs <= maxDelayMs, got ${initialDelayMs} and ${maxDelayMs}`);
  if (!(factor >= 1)) throw new RangeError(`factor must be >= 1, got ${factor}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be within [0, 1], got ${jitter}`);
  const ceiling = initialDelayMs === 0 ? 0 : Math.min(maxDelayMs, initialDelayMs * factor ** (retry - 1));
  return ceiling * (1 - jitter * random());
}

/**
 * What to do after a socket ended. Pure, so it can be tested without a browser.
 * close: { code, reason }, context: { byUser, opened (this attempt reached open), everOpened
 * (some attempt of this call did), retries (consecutive retries so far), maxRetries, retryCodes }.
 * Returns { retry: true } or { retry: false, why }.
 *
 * A browser cannot see why a handshake failed: a Worker refusing a token (HTTP 401/403) and a
 * relay that is down both surface as 1006 before open. So a failure before open on the FIRST
 * attempt of a call is final ("first-attempt-failed": a bad token or a wrong URL must not loop),
 * while on later attempts (the call was up, so URL and token were good) it is retried within
 * maxRetries like any drop.
 */
export function decideAfterClose(close, context) {
  const { byUser = false, opened = false, everOpened = false, retries = 0, maxRetries = 8, retryCodes = RETRYABLE_CLOSE_CODES } = context;
  if (byUser) return { retry: false, why: 'user' };
  if (isRefusalCode(close.code)) return { retry: false, why: 'refused' };
  if (!opened && !everOpened) return { retry: false, why: 'first-attempt-failed' };
  if (close.code === 1000) return { retry: false, why: 'normal' };
  if (!retryCodes.includes(close.code)) return { retry: false, why: 'not-retryable' };
  if (retries >= maxRetries) return { retry: false, why: 'gave-up' };
  return { retry: true };
}

/** A random session id (128 bits, hex): generated once per call, kept across reconnects. */
export function createSessionId(cryptoImpl = globalThis.crypto) {
  const bytes = new Uint8Array(16);
  cryptoImpl.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const CARRIERS = ['protocol', 'query', 'cookie'];

/**
 * One voice call. Events (all CustomEvent, data in `detail`): `state` on every state change
 * ({ state, ...the detail of the specific event }), `connecting` { attempt, session },
 * `open` { attempt, session, protocol, resumed }, `reconnecting` { retry, delayMs, code, reason },
 * `closed` { code, reason, why, attempts, session }, `message` { data }, `rtt` { rttMs, seq }.
 */
export class VoiceEdgeClient extends EventTarget {
  constructor(options) {
    super();
    if (!options || typeof options !== 'object') throw new TypeError('VoiceEdgeClient: options are required');
    const { url, getToken } = options;
    if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('VoiceEdgeClient: options.url must be the ws:// or wss:// URL of the Worker route');
    const parsed = new URL(url, globalThis.location?.href);
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new TypeError(`VoiceEdgeClient: options.url must be ws:// or wss://, got ${parsed.protocol}`);
    const carrier = options.carrier ?? 'protocol';
    if (!CARRIERS.includes(carrier)) throw new TypeError(`VoiceEdgeClient: options.carrier must be one of ${CARRIERS.join(', ')}, got ${carrier}`);
    if (carrier !== 'cookie' && typeof getToken !== 'function') throw new TypeError(`VoiceEdgeClient: options.getToken (async () => jwt) is required with carrier "${carrier}"`);
    this.url = parsed;
    this.options = {
      getToken,
      carrier,
      protocols: options.protocols ?? ['voice-edge'],
      protocolPrefix: options.protocolPrefix ?? 'bearer.',
      tokenParam: options.tokenParam ?? 'token',
      cookieName: options.cookieName ?? 've_token',
      sessionParam: options.sessionParam ?? 'session',
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      maxRetries: options.maxRetries ?? 8,
      stableAfterMs: options.stableAfterMs ?? 10000,
      retryCodes: options.retryCodes ?? RETRYABLE_CLOSE_CODES,
      pingIntervalMs: options.pingIntervalMs ?? 0,
      binaryType: options.binaryType ?? 'arraybuffer',
      WebSocket: options.WebSocket ?? globalThis.WebSocket,
      random: options.random ?? Math.random,
    };
    backoffDelay(1, this.options.backoff); // validates the backoff options now, not at the first drop
    /** @type {'idle'|'connecting'|'open'|'reconnecting'|'closed'} */
    this.state = 'idle';
    this.session = options.session ?? createSessionId();
    this.attempts = 0;
    this.retries = 0;
    this.socket = null;
    this.rtt = { lastMs: null, samples: [] };
    this._everOpened = false;
    this._byUser = false;
    this._timer = null;
    this._pingTimer = null;
    this._pingSeq = 0;
    this._pending = new Map(); // ping seq -> send time
    this._generation = 0; // bumped by connect() and close(): work of an older call stops there
  }

  /** Starts the call. Calling it again while the call is active does nothing. */
  connect() {
    if (this.state !== 'idle' && this.state !== 'closed') return this;
    this._generation++;
    this._byUser = false;
    this._everOpened = false;
    this.attempts = 0;
    this.retries = 0;
    this._attempt();
    return this;
  }

  /** Sends a frame when the call is open; returns false (and drops it) otherwise: stale audio is not queued. */
  send(data) {
    if (this.state !== 'open' || this.socket?.readyState !== 1) return false;
    this.socket.send(data);
    return true;
  }

  /** Ends the call for good: no reconnect, timers stopped, the socket closed with `code` (1000 by default). */
  close(code = 1000, reason = '') {
    // What WebSocket.close accepts; checked first so a bad code cannot leave the call half-closed.
    if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) throw new RangeError(`close code must be 1000 or 3000-4999, got ${code}`);
    if (this.state === 'closed' || this.state === 'idle') return;
    this._byUser = true;
    this._generation++;
    clearTimeout(this._timer);
    this._timer = null;
    const socket = this.socket;
    if (socket && (socket.readyState === 0 || socket.readyState === 1)) {
      socket.close(code, reason);
      // The socket's own close event finishes the call (with the code the server echoed).
    } else {
      this._finish({ code, reason }, 'user');
    }
  }

  async _attempt() {
    const generation = this._generation;
    this.attempts++;
    const attempt = this.attempts;
    this._setState('connecting', 'connecting', { attempt, session: this.session });
    let token;
    try {
      token = this.options.getToken ? await this.options.getToken({ attempt, session: this.session, retries: this.retries }) : undefined;
      if (this.options.carrier !== 'cookie' && (typeof token !== 'string' || token.length === 0)) throw new Error('getToken returned no token');
    } catch (error) {
      if (generation !== this._generation) return; // closed (and finished) while the token was fetched
      this._finish({ code: 1006, reason: `token: ${error?.message ?? error}` }, 'token-error');
      return;
    }
    if (generation !== this._generation) return;

    const url = new URL(this.url);
    url.searchParams.set(this.options.sessionParam, this.session);
    let protocols = [...this.options.protocols];
    if (this.options.carrier === 'protocol') protocols.push(`${this.options.protocolPrefix}${token}`);
    else if (this.options.carrier === 'query') url.searchParams.set(this.options.tokenParam, token);
    else if (typeof token === 'string' && token && globalThis.document) {
      // Cookies ignore ports, so this reaches a Worker on the same host name as the page.
      document.cookie = `${this.options.cookieName}=${encodeURIComponent(token)}; path=/; max-age=60; SameSite=Strict${url.protocol === 'wss:' ? '; Secure' : ''}`;
    }

    let socket;
    try {
      socket = protocols.length ? new this.options.WebSocket(url.toString(), protocols) : new this.options.WebSocket(url.toString());
    } catch (error) {
      // e.g. a SyntaxError for a token that is not a valid subprotocol token: retrying cannot help.
      this._finish({ code: 1006, reason: String(error?.message ?? error) }, 'error');
      return;
    }
    this.socket = socket;
    socket.binaryType = this.options.binaryType;
    let opened = false;
    let openedAt = 0;
    socket.onopen = () => {
      opened = true;
      openedAt = Date.now();
      const resumed = this._everOpened;
      this._everOpened = true;
      this._setState('open', 'open', { attempt, session: this.session, protocol: socket.protocol, resumed });
      this._startPing();
    };
    socket.onmessage = (event) => {
      if (this._takePong(event.data)) return;
      this.dispatchEvent(new CustomEvent('message', { detail: { data: event.data } }));
    };
    socket.onerror = () => { /* a close event always follows; it carries the code */ };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this._stopPing();
      // A connection that stayed up long enough starts a fresh backoff schedule.
      if (opened && Date.now() - openedAt >= this.options.stableAfterMs) this.retries = 0;
      const close = { code: event.code, reason: event.reason };
      const decision = decideAfterClose(close, {
        byUser: this._byUser, opened, everOpened: this._everOpened,
        retries: this.retries, maxRetries: this.options.maxRetries, retryCodes: this.options.retryCodes,
      });
      if (!decision.retry) { this._finish(close, decision.why); return; }
      this.retries++;
      const delayMs = Math.round(backoffDelay(this.retries, this.options.backoff, this.options.random));
      this._setState('reconnecting', 'reconnecting', { retry: this.retries, delayMs, code: close.code, reason: close.reason, session: this.session });
      this._timer = setTimeout(() => { this._timer = null; if (generation === this._generation) this._attempt(); }, delayMs);
    };
  }

  _finish(close, why) {
    clearTimeout(this._timer);
    this._timer = null;
    this._stopPing();
    this.socket = null;
    this._setState('closed', 'closed', { code: close.code, reason: close.reason, why, attempts: this.attempts, session: this.session });
  }

  _setState(state, eventName, detail) {
    this.state = state;
    this.dispatchEvent(new CustomEvent(eventName, { detail }));
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...detail } }));
  }

  // RTT probe: a text frame {"type":"ping","seq":n,"t":ms} every pingIntervalMs; the backend echoes
  // it (or answers {"type":"pong","seq":n}); the matching reply gives the round trip.
  _startPing() {
    this._stopPing();
    if (!(this.options.pingIntervalMs > 0)) return;
    const now = () => (globalThis.performance ? performance.now() : Date.now());
    this._pingTimer = setInterval(() => {
      if (this.socket?.readyState !== 1) return;
      const seq = ++this._pingSeq;
      const t = now();
      this._pending.set(seq, t);
      if (this._pending.size > 30) this._pending.delete(this._pending.keys().next().value);
      this.socket.send(JSON.stringify({ type: 'ping', seq, t }));
    }, this.options.pingIntervalMs);
  }

  _stopPing() {
    clearInterval(this._pingTimer);
    this._pingTimer = null;
    this._pending.clear();
  }

  _takePong(data) {
    if (typeof data !== 'string' || this._pending.size === 0 || !data.includes('"seq"')) return false;
    let message;
    try { message = JSON.parse(data); } catch { return false; }
    if (!message || (message.type !== 'ping' && message.type !== 'pong') || !this._pending.has(message.seq)) return false;
    const rttMs = (globalThis.performance ? performance.now() : Date.now()) - this._pending.get(message.seq);
    this._pending.delete(message.seq);
    this.rtt = { lastMs: rttMs, samples: [...this.rtt.samples.slice(-59), rttMs] };
    this.dispatchEvent(new CustomEvent('rtt', { detail: { rttMs, seq: message.seq } }));
    return true;
  }
}
