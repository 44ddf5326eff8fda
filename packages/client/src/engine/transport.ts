import { EventEmitter } from '../typed-events.js';
import type { EnginePacket, OpenPacketData } from '@switchback/protocol';
import { EngineError } from './errors.js';
import type { EngineErrorCode } from './errors.js';
import type { Endpoint } from './uri.js';
import type { Clock, SocketOptions, Transport, TransportEvents, TransportName, TransportState, WebSocketConstructorLike } from './types.js';

/** Everything a transport needs to know about where and how to connect. */
export interface TransportContext {
  /** `http(s)://host:port/path/` — the WebSocket transport swaps the scheme. */
  readonly baseUrl: string;
  /** User query plus EIO=4; `transport` and `sid` are added by the transport. */
  readonly query: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly extraHeaders: Readonly<Record<string, string>> | undefined;
  readonly withCredentials: boolean;
  readonly agent: unknown;
  /** As given: polling adds the cache buster unless false, the WebSocket only when true (engine.io-client). */
  readonly timestampRequests: boolean | undefined;
  readonly timestampParam: string;
  readonly requestTimeout: number | undefined;
  readonly fetch: typeof fetch | undefined;
  readonly WebSocket: WebSocketConstructorLike | null | undefined;
  /** Node: the connection's own socket must not keep the process alive (engine.io-client's `autoUnref`). */
  readonly autoUnref: boolean;
  /** The engine Socket's heartbeat window is over (the connection is dead, whatever a transport sees). */
  readonly heartbeatExpired: () => boolean;
}

/** The context shared by every transport of one engine Socket (WebSocket is resolved later). */
export function createTransportContext(
  endpoint: Endpoint,
  opts: SocketOptions,
  clock: Clock,
  heartbeatExpired: () => boolean,
): TransportContext & { WebSocket: WebSocketConstructorLike | null | undefined } {
  return {
    baseUrl: endpoint.baseUrl,
    query: endpoint.query,
    clock,
    extraHeaders: opts.extraHeaders,
    withCredentials: opts.withCredentials ?? false,
    agent: opts.agent,
    timestampRequests: opts.timestampRequests,
    timestampParam: opts.timestampParam ?? 't',
    requestTimeout: opts.requestTimeout,
    fetch: opts.fetch,
    WebSocket: opts.WebSocket,
    autoUnref: opts.autoUnref === true,
    heartbeatExpired,
  };
}

/** What a transport learns from the open packet. */
export interface SessionInfo {
  readonly sid: string;
  readonly maxPayload: number;
  readonly pingInterval: number;
  readonly pingTimeout: number;
}

const ALLOWED: Record<TransportState, readonly TransportState[]> = {
  idle: ['opening', 'closed'],
  opening: ['open', 'closed'],
  open: ['pausing', 'closed'],
  pausing: ['paused', 'open', 'closed'],
  paused: ['open', 'closed'],
  closed: [],
};

/**
 * Template for both transports: public methods check state and call the protected `do*` hooks;
 * incoming data flows `onData()` → `onPacket()` → `emit('packet')`.
 */
export abstract class BaseTransport extends EventEmitter<TransportEvents> implements Transport {
  abstract readonly name: TransportName;
  protected readonly ctx: TransportContext;
  protected session: SessionInfo | undefined;
  #state: TransportState = 'idle';

  constructor(ctx: TransportContext, session?: SessionInfo) {
    super();
    this.ctx = ctx;
    this.session = session;
  }

  get state(): TransportState {
    return this.#state;
  }

  abstract get writable(): boolean;

  open(): void {
    if (this.#state !== 'idle') return;
    this.setState('opening');
    this.doOpen();
  }

  send(packets: readonly EnginePacket[]): void {
    if (!this.writable) {
      this.onError('POLL_ERROR', `${this.name} transport is not writable`);
      return;
    }
    this.doWrite(packets);
  }

  /** Closes for good. A paused transport handed its session over, so it closes without a close packet. */
  close(): void {
    if (this.#state === 'closed') return;
    const handedOver = this.#state === 'paused';
    this.setState('closed');
    this.doClose(handedOver);
    this.removeAllListeners();
  }

  /** Waits for in-flight requests and stops reading; `onPaused` runs once nothing is in flight. */
  pause(onPaused: () => void): void {
    if (this.#state !== 'open') return;
    this.setState('pausing');
    this.doPause(() => {
      if (this.#state !== 'pausing') return;
      this.setState('paused');
      onPaused();
    });
  }

  /** Undo pause() after a failed upgrade probe. */
  resume(): void {
    if (this.#state !== 'pausing' && this.#state !== 'paused') return;
    this.setState('open');
    this.doResume();
  }

  /** Called by the engine Socket with the open packet's data (polling needs the sid for later requests). */
  setSession(data: OpenPacketData): void {
    this.session = data;
  }

  protected setState(to: TransportState): void {
    const from = this.#state;
    if (from === to) return;
    if (!ALLOWED[from].includes(to)) throw new Error(`invalid transport transition ${from} -> ${to}`);
    this.#state = to;
  }

  protected onOpen(): void {
    if (this.#state !== 'opening') return;
    this.setState('open');
    this.emit('open');
  }

  protected onPacket(packet: EnginePacket): void {
    if (this.#state === 'closed') return;
    this.emit('packet', packet);
  }

  protected onError(code: EngineErrorCode, message: string, cause?: unknown, status?: number): void {
    if (this.#state === 'closed') return;
    const err = new EngineError(message, { code, cause, transport: this.name, ...(status === undefined ? {} : { status }) });
    this.emit('error', err);
  }

  /** The transport went away on its own (remote close, network). */
  protected onClose(reason: string, description?: unknown): void {
    if (this.#state === 'closed') return;
    this.setState('closed');
    this.doClose(true);
    this.emit('close', reason, description);
    this.removeAllListeners();
  }

  /** The request query: user query, EIO, transport name, sid once known, cache buster when asked. */
  protected buildQuery(): URLSearchParams {
    const params = new URLSearchParams(this.ctx.query);
    params.set('transport', this.name);
    if (this.session !== undefined) params.set('sid', this.session.sid);
    const stamp = this.ctx.timestampRequests;
    if (this.name === 'polling' ? stamp !== false : stamp === true) params.set(this.ctx.timestampParam, nextTimestamp());
    return params;
  }

  protected abstract doOpen(): void;
  protected abstract doWrite(packets: readonly EnginePacket[]): void;
  /** handedOver: do not tell the server (its session lives on elsewhere, or is already gone). */
  protected abstract doClose(handedOver: boolean): void;
  protected doPause(onPaused: () => void): void {
    onPaused();
  }
  protected doResume(): void {}
}

let timestampCounter = 0;
/** Cache buster: time plus a counter, so two requests in the same millisecond differ. */
function nextTimestamp(): string {
  timestampCounter = (timestampCounter + 1) % 1e6;
  return `${Date.now().toString(36)}${timestampCounter.toString(36)}`;
}

let encoder: TextEncoder | undefined;
/** UTF-8 size of `text`, for the maxPayload accounting of polling batches. */
export function utf8Length(text: string): number {
  return (encoder ??= new TextEncoder()).encode(text).length;
}
