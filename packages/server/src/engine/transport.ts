import { EventEmitter } from 'eventemitter3';
import type { IncomingMessage } from 'node:http';
import { decodeEnginePacket, isProtocolError } from '@switchback/protocol';
import type { EngineData, EnginePacket, ProtocolError } from '@switchback/protocol';
import type { TransportError } from './errors.js';

export type TransportName = 'polling' | 'websocket';

/** engine.io's `packet.options`: whether the packet may be compressed (HTTP compression, permessage-deflate). */
export interface PacketOptions {
  readonly compress: boolean;
  /**
   * The whole WebSocket frame of this message, built once for many sessions (a broadcast) by
   * preEncodeWebSocketFrame() or, as socket.io-adapter does, by ws's `Sender.frame()`. A WebSocket
   * without permessage-deflate writes it as it is; every other transport encodes the packet itself.
   */
  readonly wsPreEncodedFrame?: readonly Buffer[];
}

/** A packet on its way out; `options` as engine.io sets it (absent on the transports' own noop and close). */
export interface OutgoingPacket extends EnginePacket {
  readonly options?: PacketOptions;
}

// Shared by every packet: no allocation per packet for the one flag they carry.
export const COMPRESS: PacketOptions = Object.freeze({ compress: true });
export const NO_COMPRESS: PacketOptions = Object.freeze({ compress: false });
export type TransportState = 'open' | 'closing' | 'closed';

/** Events a transport reports to the session that owns it. */
export interface TransportEvents {
  packet: [packet: EnginePacket];
  /** Undecodable input; the session closes with 'parse error'. */
  parseError: [error: ProtocolError];
  error: [error: TransportError];
  /** The transport can take a send() (a GET is held, or the WebSocket finished writing). */
  ready: [];
  /** Everything given to the last send() has been written out. */
  drain: [];
  close: [];
  /** Response headers about to be written; listeners may add to them. */
  headers: [headers: Record<string, string>, req: IncomingMessage];
}

/**
 * Who a transport reports to (its session, or an upgrade probe): shared functions called with the
 * owner as first argument. Direct calls instead of five listener records per transport (heap per idle
 * session) and an emit per packet. The events of the same names are still emitted for outside listeners.
 */
export interface TransportSink<Owner> {
  packet(owner: Owner, packet: EnginePacket): void;
  parseError(owner: Owner, error: ProtocolError): void;
  error(owner: Owner, error: TransportError): void;
  ready(owner: Owner): void;
  close(owner: Owner): void;
  /** Response headers about to be written (polling); the owner may add to them. */
  headers(owner: Owner, headers: Record<string, string>, req: IncomingMessage): void;
}

/** The view of a transport the public API exposes (`socket.transport`, 'upgrade' events). */
export interface Transport {
  readonly name: TransportName;
  readonly writable: boolean;
  readonly readyState: TransportState;
}

/**
 * Template base for server transports: `close()` checks the state then calls `doClose()`;
 * incoming bytes flow `onData()` → `onPacket()` → `emit('packet')`. Transports only move bytes:
 * buffering, heartbeat and callbacks belong to the session.
 */
export abstract class TransportBase implements Transport {
  abstract readonly name: TransportName;
  #state: TransportState = 'open';
  #sink: TransportSink<unknown> | null = null;
  #owner: unknown = null;
  /**
   * Created by the first on(): only upgrade probes listen (the session reports through the sink), so
   * an idle session's transport holds no listener table (heap per idle session).
   */
  #events: EventEmitter<TransportEvents> | null = null;

  on<Event extends keyof TransportEvents>(event: Event, listener: (...args: TransportEvents[Event]) => void): this {
    this.#events ??= new EventEmitter<TransportEvents>();
    this.#events.on(event, listener as EventEmitter.EventListener<TransportEvents, Event>);
    return this;
  }

  once<Event extends keyof TransportEvents>(event: Event, listener: (...args: TransportEvents[Event]) => void): this {
    this.#events ??= new EventEmitter<TransportEvents>();
    this.#events.once(event, listener as EventEmitter.EventListener<TransportEvents, Event>);
    return this;
  }

  off<Event extends keyof TransportEvents>(event: Event, listener: (...args: TransportEvents[Event]) => void): this {
    this.#events?.off(event, listener as EventEmitter.EventListener<TransportEvents, Event>);
    return this;
  }

  listenerCount(event: keyof TransportEvents): number {
    return this.#events?.listenerCount(event) ?? 0;
  }

  protected emit<Event extends keyof TransportEvents>(event: Event, ...args: TransportEvents[Event]): void {
    this.#events?.emit(event, ...(args as EventEmitter.EventArgs<TransportEvents, Event>));
  }

  /** Routes this transport's reports to `owner` through `sink` (replacing any previous one). */
  bind<Owner>(sink: TransportSink<Owner>, owner: Owner): void {
    this.#sink = sink as TransportSink<unknown>;
    this.#owner = owner;
  }

  /** Stops reporting to the owner set by bind() (only when it is still `owner`). */
  unbind(owner: unknown): void {
    if (this.#owner !== owner) return;
    this.#sink = null;
    this.#owner = null;
  }

  get readyState(): TransportState {
    return this.#state;
  }

  abstract get writable(): boolean;

  /** True once the session moved to another transport: closing may skip the graceful close packet. */
  get discarded(): boolean {
    return discardedTransports.has(this);
  }

  discard(): void {
    discardedTransports.add(this);
    this.onDiscard();
  }

  /** Hook: the session no longer waits for this transport (e.g. a pending graceful close). */
  protected onDiscard(): void {}

  /**
   * Writes packets; only called while `writable`. `onSent` runs once they are handed to the socket
   * (the moment send callbacks are released), never if the transport fails first.
   */
  abstract send(packets: readonly OutgoingPacket[], onSent?: () => void): void;

  /** Closes once; `onClosed` runs when the transport is done (for polling maybe after the next GET). */
  close(onClosed?: () => void): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.doClose(onClosed ?? noop);
  }

  protected abstract doClose(onClosed: () => void): void;

  protected onData(data: string | Buffer): void {
    const packet = decodeEnginePacket(data);
    if (isProtocolError(packet)) {
      this.onParseError(packet);
      return;
    }
    this.onPacket(normalizePacket(packet));
  }

  protected onPacket(packet: EnginePacket): void {
    this.#sink?.packet(this.#owner, packet);
    this.emit('packet', packet);
  }

  protected onParseError(error: ProtocolError): void {
    this.#sink?.parseError(this.#owner, error);
    this.emit('parseError', error);
  }

  protected onError(error: TransportError): void {
    this.#sink?.error(this.#owner, error);
    this.emit('error', error);
  }

  /** The transport can take a send() now. */
  protected onReady(): void {
    this.#sink?.ready(this.#owner);
    this.emit('ready');
  }

  /** Lets the owner, then 'headers' listeners, add to the headers of an answer about to be written. */
  protected onHeaders(headers: Record<string, string>, req: IncomingMessage): void {
    this.#sink?.headers(this.#owner, headers, req);
    this.emit('headers', headers, req);
  }

  protected onClose(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#sink?.close(this.#owner);
    this.emit('close');
  }
}

/** Transports whose session moved on or gave up on them: rare, so not a field of every transport (heap per idle session). */
const discardedTransports = new WeakSet<TransportBase>();

/** Binary message data is exposed as Buffer on the server, whatever view the codec produced. */
export function normalizePacket(packet: EnginePacket): EnginePacket {
  const data = packet.data;
  if (data === undefined || typeof data === 'string' || Buffer.isBuffer(data)) return packet;
  return { type: packet.type, data: toBuffer(data) };
}

export function toBuffer(data: Exclude<EngineData, string>): Buffer {
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function noop(): void {}
