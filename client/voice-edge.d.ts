// Types for voice-edge.js (hand-written; checked by local/test/client.types.test.mjs with tsc --strict).

/** Close codes after which the client reconnects: 1001, 1006, 1011, 1012, 1013. */
export declare const RETRYABLE_CLOSE_CODES: readonly number[];

/** 1008 (policy violation) and 4000-4999 (application refusals): never retried. */
export declare function isRefusalCode(code: number): boolean;

export interface BackoffOptions {
  /** Ceiling of the first retry's delay. Default 500. */
  initialDelayMs?: number;
  /** Cap on every delay. Default 15000. */
  maxDelayMs?: number;
  /** Growth of the ceiling per retry. Default 2. */
  factor?: number;
  /** Share of the ceiling that is random: delay in [ceiling * (1 - jitter), ceiling]. Default 0.5. */
  jitter?: number;
}

export declare const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>>;

/** Delay before retry `retry` (1-based): uniform in [c * (1 - jitter), c], c = min(maxDelayMs, initialDelayMs * factor^(retry-1)). */
export declare function backoffDelay(retry: number, options?: BackoffOptions, random?: () => number): number;

/** Why a call ended for good. */
export type EndReason =
  | "user"                  // close() was called
  | "normal"                // the server closed with 1000
  | "refused"               // 1008 or 4000-4999
  | "first-attempt-failed"  // the first attempt never opened: bad token, wrong URL or origin, backend down
  | "not-retryable"         // a close code outside retryCodes
  | "gave-up"               // maxRetries consecutive reconnects without a stable connection
  | "token-error"           // getToken threw or returned no token
  | "error";                // the WebSocket could not be constructed (e.g. a token that is not a valid subprotocol)

export interface CloseContext {
  byUser?: boolean;
  opened?: boolean;
  everOpened?: boolean;
  retries?: number;
  maxRetries?: number;
  retryCodes?: readonly number[];
}

export declare function decideAfterClose(
  close: { code: number; reason?: string },
  context: CloseContext,
): { retry: true } | { retry: false; why: Exclude<EndReason, "token-error" | "error"> };

/** 32 hex characters from crypto.getRandomValues. */
export declare function createSessionId(cryptoImpl?: { getRandomValues(array: Uint8Array): Uint8Array }): string;

export interface TokenRequest {
  /** 1 for the call's first attempt, counting every attempt after. */
  attempt: number;
  session: string;
  /** Consecutive reconnects so far (0 on the first attempt). */
  retries: number;
}

export interface VoiceEdgeClientOptions {
  /** ws:// or wss:// URL of the Worker route, e.g. wss://voice.example.com/voice/ws. */
  url: string | URL;
  /** Called before every attempt; returns a fresh user token (JWT). Throw to end the call ("token-error"). Optional with carrier "cookie". */
  getToken?: (request: TokenRequest) => string | Promise<string> | undefined | Promise<string | undefined>;
  /** How the token travels: "protocol" (default: a `bearer.<jwt>` subprotocol entry), "query" (?token=, may land in logs), "cookie". */
  carrier?: "protocol" | "query" | "cookie";
  /** App subprotocols offered before the token entry. Default ["voice-edge"]. */
  protocols?: string[];
  /** Default "bearer.". */
  protocolPrefix?: string;
  /** Query parameter for carrier "query". Default "token". */
  tokenParam?: string;
  /** Cookie name for carrier "cookie". Default "ve_token". */
  cookieName?: string;
  /** Query parameter carrying the session id on every attempt. Default "session". */
  sessionParam?: string;
  /** Use this session id instead of a random one. */
  session?: string;
  backoff?: BackoffOptions;
  /** Consecutive reconnects without a stable connection before giving up. Default 8. */
  maxRetries?: number;
  /** A connection open at least this long resets the backoff schedule. Default 10000. */
  stableAfterMs?: number;
  /** Close codes that cause a reconnect. Default RETRYABLE_CLOSE_CODES. */
  retryCodes?: readonly number[];
  /** RTT probe interval; 0 (default) sends no pings. */
  pingIntervalMs?: number;
  /** Default "arraybuffer". */
  binaryType?: BinaryType;
  /** WebSocket constructor to use. Default globalThis.WebSocket. */
  WebSocket?: { new (url: string, protocols?: string | string[]): WebSocket };
  /** Source of randomness for the jitter, [0, 1). Default Math.random. */
  random?: () => number;
}

export type ClientState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface ConnectingDetail { attempt: number; session: string }
export interface OpenDetail { attempt: number; session: string; protocol: string; resumed: boolean }
export interface ReconnectingDetail { retry: number; delayMs: number; code: number; reason: string; session: string }
export interface ClosedDetail { code: number; reason: string; why: EndReason; attempts: number; session: string }
export interface MessageDetail { data: string | ArrayBuffer | Blob }
export interface RttDetail { rttMs: number; seq: number }
export type StateDetail =
  | ({ state: "connecting" } & ConnectingDetail)
  | ({ state: "open" } & OpenDetail)
  | ({ state: "reconnecting" } & ReconnectingDetail)
  | ({ state: "closed" } & ClosedDetail);

export interface VoiceEdgeClientEventMap {
  state: CustomEvent<StateDetail>;
  connecting: CustomEvent<ConnectingDetail>;
  open: CustomEvent<OpenDetail>;
  reconnecting: CustomEvent<ReconnectingDetail>;
  closed: CustomEvent<ClosedDetail>;
  message: CustomEvent<MessageDetail>;
  rtt: CustomEvent<RttDetail>;
}

export declare class VoiceEdgeClient extends EventTarget {
  constructor(options: VoiceEdgeClientOptions);
  readonly url: URL;
  readonly state: ClientState;
  /** Random per call, sent as ?session= on every attempt so the backend can resume. */
  readonly session: string;
  /** Attempts of the current call, the first included. */
  readonly attempts: number;
  /** Consecutive reconnects since the last stable connection. */
  readonly retries: number;
  readonly socket: WebSocket | null;
  readonly rtt: { lastMs: number | null; samples: number[] };
  /** Starts the call (no-op while one is active). */
  connect(): this;
  /** Sends when open; returns false and drops the frame otherwise. */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): boolean;
  /** Ends the call for good; default code 1000 (1000 or 3000-4999, else RangeError). */
  close(code?: number, reason?: string): void;
  addEventListener<K extends keyof VoiceEdgeClientEventMap>(type: K, listener: (event: VoiceEdgeClientEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof VoiceEdgeClientEventMap>(type: K, listener: (event: VoiceEdgeClientEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}
