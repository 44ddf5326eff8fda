import { EventEmitter } from '../typed-events.js';
import type { EnginePacket, OpenPacketData } from '@switchback/protocol';
import { EngineError } from './errors.js';
import { pollingDriver } from './transports/polling.js';
import { webSocketDriver } from './transports/websocket.js';
import type { Clock, SocketOptions, Transport, TransportEvents, TransportName, TransportState, WebSocketConstructorLike, WebSocketLike } from './types.js';

/** What the engine Socket shares with each of its transports. */
export interface TransportContext {
  readonly opts: SocketOptions;
  /** `http(s)://host:port/path/` */
  readonly url: string;
  /** The user's query plus EIO=4, already encoded; `transport`, `sid` and the cache buster are appended. */
  readonly query: string;
  /** `&sbconnect=<namespace>` for a session-less WebSocket (see SocketOptions.connectHint), or ''. */
  hint: string;
  /** The Socket's timers (unref'd with autoUnref). */
  readonly clock: Clock;
  /** Resolved before the first transport opens (null: none). */
  WebSocket?: WebSocketConstructorLike | null | undefined;
  /** The Socket's heartbeat window is over: the connection is dead, whatever a transport sees. */
  readonly expired: () => boolean;
}

/**
 * What moves the bytes of one transport kind. Drivers are closures over their own state rather than
 * subclasses with private fields: locals minify to one letter, `this.#field` does not, and the client
 * has a bundle-size target (≤ 6.5 KB gzip).
 */
export interface Driver {
  open(): void;
  write(packets: readonly EnginePacket[]): void;
  /** handedOver: do not tell the server (its session lives on elsewhere, or is already gone). */
  close(handedOver: boolean): void;
  /** A write is still in flight: not writable. */
  busy(): boolean;
  pause?(onPaused: () => void): void;
  resume?(): void;
  /** The WebSocket, while there is one (websocket driver). */
  socket?(): WebSocketLike | undefined;
}

let stamps = 0;

/**
 * The cache buster's value, or undefined when this transport's requests carry none: polling unless
 * timestampRequests is false, the WebSocket only when it is true (engine.io-client's defaults). Time plus
 * a counter, so two requests in the same millisecond differ.
 */
export function cacheBuster(ws: boolean, opts: SocketOptions): string | undefined {
  if (ws ? opts.timestampRequests !== true : opts.timestampRequests === false) return undefined;
  stamps = (stamps + 1) % 1e6;
  return Date.now().toString(36) + stamps.toString(36);
}

/** The request URL: user query, EIO, transport, sid once known, and the cache buster. */
export function transportUrl(transport: EngineTransport, { opts, url, query, hint }: TransportContext): string {
  const ws = transport.name === 'websocket';
  const stamp = cacheBuster(ws, opts);
  return `${ws ? url.replace(/^http/, 'ws') : url}?${query}&transport=${transport.name}${
    transport.session ? `&sid=${encodeURIComponent(transport.session.sid)}` : ws ? hint : ''
  }${stamp ? `&${opts.timestampParam ?? 't'}=${stamp}` : ''}`;
}

/**
 * One transport, either kind, with the same shape (the Socket never asks which one it has). The state
 * changes are few and each is guarded where it happens (idle → opening → open ⇄ pausing/paused →
 * closed); drivers emit 'packet' and 'drain' themselves.
 */
export class EngineTransport extends EventEmitter<TransportEvents> implements Transport {
  declare readonly name: TransportName;
  state: TransportState = 'idle';
  /** The open packet's data, once known (polling needs the sid; the upgrade probe starts with it). */
  declare session: OpenPacketData | undefined;
  /** engine.io-client's: the options this transport uses (its `transportOptions` entry applied). */
  declare readonly opts: SocketOptions;
  readonly #driver: Driver;

  constructor(name: TransportName, ctx: TransportContext, session?: OpenPacketData) {
    super();
    this.name = name;
    this.session = session;
    // `transportOptions[name]` (engine.io-client's) wins for this transport, its `query` merged over the
    // shared one; the rest of the context (the WebSocket constructor, set later) is still read through
    // the shared one.
    const own = ctx.opts.transportOptions?.[name];
    if (own) {
      const query = new URLSearchParams(ctx.query);
      for (const [key, value] of Object.entries(own.query ?? {})) query.set(key, value);
      ctx = Object.assign(Object.create(ctx) as TransportContext, { opts: { ...ctx.opts, ...own }, query: query.toString() });
    }
    this.opts = ctx.opts;
    this.#driver = (name === 'websocket' ? webSocketDriver : pollingDriver)(this, ctx);
  }

  /** engine.io-client's: the WebSocket of a websocket transport while it has one (undefined for polling). */
  get ws(): WebSocketLike | undefined {
    return this.#driver.socket?.();
  }

  get writable(): boolean {
    return this.state === 'open' && !this.#driver.busy();
  }

  open(): void {
    if (this.state !== 'idle') return;
    this.state = 'opening';
    this.#driver.open();
  }

  /** The Socket sends only when `writable`; the upgrade packet goes out on a probe that just drained. */
  send(packets: readonly EnginePacket[]): void {
    if (this.state !== 'closed') this.#driver.write(packets);
  }

  /** Closes for good. A paused transport handed its session over, so it closes without a close packet. */
  close(): void {
    this.#end(this.state === 'paused');
  }

  /** Polling, for the upgrade: waits for the in-flight GET and POST and stops polling. */
  pause(onPaused: () => void): void {
    this.#driver.pause?.(onPaused);
  }

  /** Undoes pause() after a failed upgrade probe. */
  resume(): void {
    this.#driver.resume?.();
  }

  /** @internal (drivers) the transport is open. */
  opened(): void {
    if (this.state !== 'opening') return;
    this.state = 'open';
    this.emit('open');
  }

  /** engine.io-client's: fails the transport as a network error would ('error', then 'close'). */
  onError(reason: string, description?: unknown, context?: unknown): void {
    this.ended('transport error', description, new EngineError(reason, { code: this.name === 'websocket' ? 'WEBSOCKET_ERROR' : 'POLL_ERROR', transport: this.name, cause: description, context }));
  }

  /** @internal (drivers) the transport went away on its own (remote close, network); `err` is reported first. */
  ended(reason: string, description?: unknown, err?: EngineError): void {
    if (this.state === 'closed') return;
    // An 'error' listener that throws (an app's assertion, say) does not stop the close behind it.
    try {
      if (err) this.emit('error', err);
    } finally {
      this.#end(true, reason, description);
    }
  }

  #end(handedOver: boolean, reason?: string, description?: unknown): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#driver.close(handedOver);
    if (reason) this.emit('close', reason, description);
    this.removeAllListeners();
  }
}
