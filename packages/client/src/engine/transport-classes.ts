import { isProtocolError, parseOpenPacketData } from '@switchback/protocol';
import type { EnginePacket } from '@switchback/protocol';
import { defaultWebSocket } from '#websocket-constructor';
import { EventEmitter } from '../typed-events.js';
import { defaultClock } from './clock.js';
import { EngineError, engineError } from './errors.js';
import { EngineTransport, cacheBuster } from './transport.js';
import type { TransportContext } from './transport.js';
import type { SocketOptions, TransportEvents, TransportName, TransportState, WebSocketConstructorLike } from './types.js';
import { resolveEndpoint } from './uri.js';

/**
 * What engine.io-client's transport constructors take: the Socket's options (`hostname`, `port`,
 * `secure`, `query`, and `path`, which uri() uses as given), and these.
 */
export interface TransportOptions extends SocketOptions {
  /** The engine Socket that owns this transport, if any (engine.io-client's `socket` option). */
  socket?: unknown;
}

/** engine.io-client's query encoding: each key and value through encodeURIComponent. */
function encodeQuery(query: Record<string, unknown>): string {
  return Object.entries(query)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

/**
 * engine.io-client's standalone transport classes (`new transports.polling(opts)`, `uri()`,
 * `doOpen()`), for code written against its public API. Each runs one of our transports underneath.
 * In `transports: [...]` of a Socket, a class stands for its name: `[NodeXHR, NodeWebSocket]` is
 * `['polling', 'websocket']`, with our implementation of each.
 *
 * These are not on the `io()` path: a bundle that does not import them does not carry them.
 */
export abstract class Transport extends EventEmitter<TransportEvents> {
  readonly opts: TransportOptions;
  readonly query: Record<string, string>;
  readonly supportsBinary: boolean;
  readonly socket: unknown;
  #inner: EngineTransport | undefined;

  constructor(opts: TransportOptions) {
    super();
    this.opts = opts;
    this.query = opts.query ?? {};
    this.socket = opts.socket;
    this.supportsBinary = opts.forceBase64 !== true;
  }

  abstract get name(): TransportName | 'webtransport';

  get readyState(): TransportState {
    return this.#inner?.state ?? 'idle';
  }

  get writable(): boolean {
    return this.#inner?.writable ?? false;
  }

  /** The URL this transport connects to, built as engine.io-client builds it. */
  uri(): string {
    const { opts } = this;
    const ws = this.name === 'websocket';
    const secure = opts.secure === true;
    const query: Record<string, unknown> = { ...this.query };
    const stamp = cacheBuster(ws, opts);
    if (stamp) query[opts.timestampParam ?? 't'] = stamp;
    if (!this.supportsBinary && (ws || query['sid'] === undefined)) query['b64'] = 1;
    const host = opts.hostname ?? 'localhost';
    const port = opts.port === undefined ? '' : String(opts.port);
    const defaultPort = secure ? '443' : '80';
    const encoded = encodeQuery(query);
    return `${ws ? 'ws' : 'http'}${secure ? 's' : ''}://${host.includes(':') ? `[${host}]` : host}${
      port !== '' && Number(port) !== Number(defaultPort) ? `:${port}` : ''
    }${opts.path ?? ''}${encoded ? `?${encoded}` : ''}`;
  }

  /** Opens the transport (engine.io-client's name for the part its subclasses implement). */
  doOpen(): void {
    if (this.#inner) return;
    const opts = this.opts;
    const { url, query } = resolveEndpoint(undefined, opts);
    const ctx: TransportContext = { opts, url, query, hint: '', clock: opts.clock ?? defaultClock, expired: () => false };
    const inner = (this.#inner = new EngineTransport(this.name as TransportName, ctx));
    inner.on('open', () => this.emit('open'));
    inner.on('packet', (packet) => {
      // Without an engine Socket above us, the open packet's session is ours to carry on with.
      if (packet.type === 'open' && typeof packet.data === 'string') {
        const session = parseOpenPacketData(packet.data);
        if (!isProtocolError(session)) inner.session = session;
      }
      this.emit('packet', packet);
    });
    inner.on('drain', () => this.emit('drain'));
    inner.on('error', (err) => this.emit('error', err));
    inner.on('close', (reason, description) => this.emit('close', reason, description));
    const begin = (ctor: WebSocketConstructorLike | null | undefined): void => {
      ctx.WebSocket = ctor;
      if (inner.state === 'idle') inner.open();
    };
    const ctor = opts.WebSocket === undefined && this.name === 'websocket' ? defaultWebSocket() : opts.WebSocket;
    if (ctor instanceof Promise) void ctor.then(begin);
    else begin(ctor);
  }

  open(): this {
    this.doOpen();
    return this;
  }

  send(packets: readonly EnginePacket[]): void {
    this.#inner?.send(packets);
  }

  close(): this {
    this.#inner?.close();
    return this;
  }
}

/** Long polling (engine.io-client's XHR, NodeXHR and Fetch are all this one). */
export class Polling extends Transport {
  get name(): TransportName {
    return 'polling';
  }
}

/** The WebSocket transport (engine.io-client's WebSocket and NodeWebSocket). */
export class WebSocketTransport extends Transport {
  get name(): TransportName {
    return 'websocket';
  }
}

/**
 * engine.io-client's WebTransport class, so code that names it still loads. There is no WebTransport
 * transport here: in `transports: [...]` it is skipped, and opened on its own it fails with an error.
 */
export class WebTransport extends Transport {
  get name(): 'webtransport' {
    return 'webtransport';
  }

  override doOpen(): void {
    queueMicrotask(() => this.emit('error', engineError('NO_TRANSPORT', undefined, undefined, undefined, 'WebTransport is not supported')));
  }
}

/** engine.io-client's `transports` export. */
export const transports = { polling: Polling, websocket: WebSocketTransport, webtransport: WebTransport };

/**
 * engine.io-client's TransportError: `new TransportError(reason, description, context)`. Our engine's
 * own transport failures are EngineErrors of type 'TransportError'; `instanceof TransportError` is true
 * for them too.
 */
export class TransportError extends Error {
  readonly type = 'TransportError';
  readonly description: unknown;
  readonly context: unknown;

  constructor(reason: string, description?: unknown, context?: unknown) {
    super(reason);
    this.name = 'TransportError';
    this.description = description;
    this.context = context;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (value instanceof EngineError && value.type === 'TransportError');
  }
}

const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;

/**
 * engine.io-client's helper: gives `obj` the `setTimeoutFn` / `clearTimeoutFn` its classes use, the
 * timers of when this module loaded with `useNativeTimers` (not replaced by fake timers later), else
 * the current global ones.
 */
export function installTimerFunctions(obj: Record<string, unknown>, opts: { useNativeTimers?: boolean }): void {
  const [set, clear] = opts.useNativeTimers ? [nativeSetTimeout, nativeClearTimeout] : [globalThis.setTimeout, globalThis.clearTimeout];
  obj['setTimeoutFn'] = set.bind(globalThis);
  obj['clearTimeoutFn'] = clear.bind(globalThis);
}

/** engine.io-client's `nextTick`: runs `fn` in a microtask. */
export function nextTick(fn: () => void): void {
  void Promise.resolve().then(fn);
}
