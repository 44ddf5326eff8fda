import type { EnginePacket } from '@switchback/protocol';

/** The transport names, in socket.io-client's spelling. */
export type TransportName = 'websocket' | 'polling';

/**
 * The part of a WebSocket instance the engine uses. Both the browser `WebSocket` and the `ws` package
 * satisfy it. Handlers take `never` so any event type fits; ours narrow the `unknown` they receive.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((ev: never) => unknown) | null;
  onclose: ((ev: never) => unknown) | null;
  onerror: ((ev: never) => unknown) | null;
  onmessage: ((ev: never) => unknown) | null;
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: the global one, an injected one, or the `ws` package's (Node). */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => WebSocketLike;

/**
 * Where the engine remembers that WebSocket did not work for an origin+path, so the next connection
 * goes straight to long polling (and tries the upgrade in the background).
 */
export interface FallbackMemory {
  get(key: string): 'polling' | undefined;
  set(key: string, value: 'polling', ttlMs: number): void;
  delete(key: string): void;
}

/** Timers and the wall clock, injectable so tests can drive them. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Node only, under engine.io-client's names: the TLS settings of the `https:` polling requests and of the
 * `wss:` WebSocket (passed to node:https and to `ws`), e.g. `ca` for a private CA or `rejectUnauthorized:
 * false` for a self-signed test server. Browsers use their own trust store and ignore them.
 */
export interface TlsOptions {
  pfx?: string | Uint8Array;
  key?: string | Uint8Array;
  passphrase?: string;
  cert?: string | Uint8Array;
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  ciphers?: string;
  rejectUnauthorized?: boolean;
}

export interface SocketOptions extends TlsOptions {
  /** '/engine.io' by default (the socket layer passes '/socket.io'). */
  path?: string;
  /** engine.io-client's: `false` requests `/engine.io?…` instead of `/engine.io/?…`. Default true. */
  addTrailingSlash?: boolean;
  query?: Record<string, string>;
  /**
   * First entry is tried first; later ones are upgrades. Default ['websocket', 'polling']. A transport
   * class (engine.io-client's style: `[NodeXHR, NodeWebSocket]`, from this module) stands for its name.
   * `'webtransport'` (or the `WebTransport` class) is accepted, as socket.io-client code has it, and
   * skipped: there is no WebTransport transport here.
   */
  transports?: Array<TransportName | 'webtransport' | TransportConstructor>;
  /**
   * engine.io-client's: when the first transport fails before the connection opens, try the next one of
   * `transports` (e.g. WebSocket after a refused polling handshake). Default false. A WebSocket first
   * always falls back to polling when the list has it, whatever this says.
   */
  tryAllTransports?: boolean;
  /** Upgrade from polling to a later transport once connected. Default true. */
  upgrade?: boolean;
  /**
   * engine.io-client's: once a session in this page (Node: process) opened over WebSocket or upgraded to
   * it, start on WebSocket even when `transports` lists polling first. Default false. The fallback memory
   * is on whatever this says.
   */
  rememberUpgrade?: boolean;
  /**
   * Open packet, and the first answer after the first send, must arrive within this. Default 3000 ms.
   * Once the 101 has come, the open packet is awaited at most max(500 ms, twice the handshake's time).
   */
  webSocketTimeout?: number;
  /** Default: sessionStorage in browsers (with expiry), else an in-process store. `false` disables. */
  fallbackMemory?: FallbackMemory | false;
  /** How long a remembered fallback lasts. Default one hour. */
  fallbackTtl?: number;
  extraHeaders?: Record<string, string>;
  /** Send binary messages as base64 text (`b…`) over WebSocket too, as engine.io-client's; polling always does. */
  forceBase64?: boolean;
  /** WebSocket subprotocols offered in the handshake (`Sec-WebSocket-Protocol`), as engine.io-client's. */
  protocols?: string | string[];
  /** Node: the `ws` client's permessage-deflate offer (`false` to offer none). Default ws's. */
  perMessageDeflate?: boolean | Record<string, unknown>;
  /**
   * Options for one transport only, over the others: `{ polling: { extraHeaders: { ... } } }`. A `query`
   * here is merged into that transport's URLs (over `query`).
   */
  transportOptions?: Partial<Record<TransportName, Partial<SocketOptions>>>;
  withCredentials?: boolean;
  /** Cache buster on every polling request unless false; on the WebSocket URL only when true (engine.io-client's defaults). */
  timestampRequests?: boolean;
  timestampParam?: string;
  /** Default pingInterval + pingTimeout + 5 s after the handshake (30 s before it). */
  requestTimeout?: number;
  /** An injected constructor; `null` means none (polling only, as if the platform had no WebSocket). */
  WebSocket?: WebSocketConstructorLike | null;
  fetch?: typeof fetch;
  /** Node: passed to ws (and as `dispatcher` to fetch when given). */
  agent?: unknown;
  closeOnBeforeunload?: boolean;
  /**
   * @internal Set by the Socket.IO layer: the namespace whose CONNECT (without payload) this connection
   * writes first. The first WebSocket names it in its URL (`sbconnect`), so a Switchback server connects
   * it with the handshake and the answer arrives with the open packet; other servers ignore the parameter.
   */
  connectHint?: string;
  autoUnref?: boolean;
  /** Injected timers/clock (tests). Default: the global timers and Date.now. */
  clock?: Clock;
  host?: string;
  hostname?: string;
  port?: string | number;
  secure?: boolean;
}

/** A transport class whose instances are named `name` (see `transports`). */
export type TransportConstructor = abstract new (...args: never[]) => { readonly name: TransportName | 'webtransport' };

/** Events every transport emits; the engine Socket never asks which transport it has. */
export interface TransportEvents {
  open: [];
  packet: [packet: EnginePacket];
  close: [reason: string, description?: unknown];
  error: [err: Error];
  drain: [];
}

export type TransportState = 'idle' | 'opening' | 'open' | 'pausing' | 'paused' | 'closed';

/** The transport contract seen by the engine Socket. */
export interface Transport {
  readonly name: TransportName;
  readonly state: TransportState;
  /** True when send() may be called: open and not waiting for a previous batch to be written. */
  readonly writable: boolean;
  /** The options this transport uses (engine.io-client's `transport.opts`). */
  readonly opts: SocketOptions;
  /** A websocket transport's WebSocket while it has one (engine.io-client's `transport.ws`). */
  readonly ws?: WebSocketLike | undefined;
  open(): void;
  send(packets: readonly EnginePacket[]): void;
  close(): void;
  /** engine.io-client's: fails the transport ('error' with `reason` as message, then 'close'). */
  onError(reason: string, description?: unknown, context?: unknown): void;
  on<E extends keyof TransportEvents>(event: E, fn: (...args: TransportEvents[E]) => void): unknown;
  off<E extends keyof TransportEvents>(event: E, fn: (...args: TransportEvents[E]) => void): unknown;
}
