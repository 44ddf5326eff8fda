import { EventEmitter } from 'eventemitter3';
import type { IncomingMessage } from 'node:http';
import type { BinaryLike, EnginePacket, ProtocolError } from '@switchback/protocol';
import { TransportError } from './errors.js';
import { toBuffer } from './transport.js';
import type { Transport, TransportBase } from './transport.js';
import { runUpgrade } from './upgrade.js';
import type { UpgradeHost } from './upgrade.js';

export type EngineSocketState = 'opening' | 'open' | 'closing' | 'closed';

/** Close reasons, as engine.io words them. */
export type EngineCloseReason =
  | 'transport close'
  | 'transport error'
  | 'ping timeout'
  | 'parse error'
  | 'forced close'
  | 'server shutting down';

export interface EngineSocketEvents {
  open: [];
  message: [data: string | Buffer];
  /** Same as 'message' (engine.io emits both). */
  data: [data: string | Buffer];
  close: [reason: EngineCloseReason, description?: unknown];
  error: [err: Error];
  packet: [packet: EnginePacket];
  packetCreate: [packet: EnginePacket];
  heartbeat: [];
  upgrading: [transport: Transport];
  upgrade: [transport: Transport];
  drain: [];
  flush: [buffer: EnginePacket[]];
  stateChange: [change: { from: EngineSocketState; to: EngineSocketState }];
}

/** What a session needs from its server, fixed at the handshake. */
export interface SessionConfig {
  pingInterval: number;
  pingTimeout: number;
  upgradeTimeout: number;
  maxPayload: number;
  /** Upgrades offered in the open packet (`[]` for a WebSocket handshake). */
  upgrades: string[];
  initialPacket?: string | BinaryLike | undefined;
  /**
   * The server's hooks, called just before the session's own event of the same name (a shared object:
   * no listener per session on the session).
   */
  observer?: SessionObserver | undefined;
}

export interface SessionObserver {
  flush(socket: EngineSocket, buffer: EnginePacket[]): void;
  drain(socket: EngineSocket): void;
  close(socket: EngineSocket): void;
}

export interface SendOptions {
  compress?: boolean;
}

interface QueuedPacket {
  readonly packet: EnginePacket;
  readonly callback: (() => void) | undefined;
}

const TRANSITIONS: Readonly<Record<EngineSocketState, readonly EngineSocketState[]>> = {
  opening: ['open', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** Server-internal access to a session; not part of the public entry point. */
export interface SessionInternals {
  transportOf(socket: EngineSocket): TransportBase;
  isUpgrading(socket: EngineSocket): boolean;
  upgrade(socket: EngineSocket, candidate: TransportBase): void;
}
// Assigned in EngineSocket's static block, which is the only code allowed to touch #private members.
export let sessionInternals!: SessionInternals;

/**
 * One Engine.IO session over whichever transport currently carries it. The session owns the id,
 * state, heartbeat and write buffer; transports only move bytes.
 *
 * @example
 * engine.on('connection', (socket) => {
 *   socket.on('message', (data) => socket.send(data));
 *   socket.on('close', (reason) => console.log(socket.id, reason));
 * });
 */
export class EngineSocket extends EventEmitter<EngineSocketEvents> {
  readonly id: string;
  readonly protocol = 4;
  readonly request: IncomingMessage;
  readonly remoteAddress: string;

  readonly #config: SessionConfig;
  #state: EngineSocketState = 'opening';
  #transport: TransportBase;
  #upgrading = false;
  #upgraded = false;
  #writeBuffer: QueuedPacket[] = [];
  #pingIntervalTimer: NodeJS.Timeout | null = null;
  #pingTimeoutTimer: NodeJS.Timeout | null = null;
  /** The ping timeout is extended at most once per ping by other incoming packets (as the reference). */
  #pingTimeoutRefreshed = false;
  #closeAfterDrain: (() => void) | null = null;

  static {
    sessionInternals = {
      transportOf: (socket) => socket.#transport,
      isUpgrading: (socket) => socket.#upgrading,
      upgrade: (socket, candidate) => runUpgrade(socket.#upgradeHost(), candidate, socket.#config),
    };
  }

  constructor(id: string, request: IncomingMessage, transport: TransportBase, config: SessionConfig) {
    super();
    this.id = id;
    this.request = request;
    this.remoteAddress = request.socket.remoteAddress ?? '';
    this.#config = config;
    this.#transport = transport;
    this.#setTransport(transport);
    this.#open();
  }

  get readyState(): EngineSocketState {
    return this.#state;
  }

  get transport(): Transport {
    return this.#transport;
  }

  get upgraded(): boolean {
    return this.#upgraded;
  }

  get upgrading(): boolean {
    return this.#upgrading;
  }

  /** Packets queued and not yet handed to the transport (a copy; engine.io exposes its array). */
  get writeBuffer(): readonly EnginePacket[] {
    return this.#writeBuffer.map((queued) => queued.packet);
  }

  /**
   * Queues a message; it goes out as soon as the transport is writable. The callback runs once the
   * packet was handed to the network (not when the client processed it).
   */
  send(data: string | BinaryLike | null | undefined, options?: SendOptions | (() => void), callback?: () => void): this {
    // engine.io's overload send(data, callback); null/undefined go out as an empty message, as there.
    const done = typeof options === 'function' ? options : callback;
    this.#sendPacket({ type: 'message', data: data ?? '' }, typeof done === 'function' ? done : undefined);
    return this;
  }

  /** Alias of send(), as engine.io. */
  write(data: string | BinaryLike | null | undefined, options?: SendOptions | (() => void), callback?: () => void): this {
    return this.send(data, options, callback);
  }

  /**
   * Graceful close: what is buffered is flushed first, then a close packet goes out.
   * `discard` skips waiting for the client (used on server shutdown).
   */
  close(discard = false): this {
    if (discard && (this.#state === 'open' || this.#state === 'closing')) {
      this.#closeTransport(true);
      return this;
    }
    if (this.#state !== 'open') return this;
    this.#setState('closing');
    if (this.#writeBuffer.length > 0) {
      this.#closeAfterDrain = () => this.#closeTransport(false);
      this.once('drain', this.#closeAfterDrain);
      return this;
    }
    this.#closeTransport(false);
    return this;
  }

  #setState(to: EngineSocketState): void {
    const from = this.#state;
    if (!TRANSITIONS[from].includes(to)) throw new Error(`EngineSocket: invalid transition ${from} -> ${to}`);
    this.#state = to;
    this.emit('stateChange', { from, to });
  }

  #open(): void {
    this.#setState('open');
    this.#sendPacket({
      type: 'open',
      data: JSON.stringify({
        sid: this.id,
        upgrades: this.#config.upgrades,
        pingInterval: this.#config.pingInterval,
        pingTimeout: this.#config.pingTimeout,
        maxPayload: this.#config.maxPayload,
      }),
    });
    if (this.#config.initialPacket !== undefined) {
      this.#sendPacket({ type: 'message', data: this.#config.initialPacket });
    }
    this.emit('open');
    this.#schedulePing();
  }

  #schedulePing(): void {
    if (this.#pingIntervalTimer !== null) clearTimeout(this.#pingIntervalTimer);
    // A shared callback with the session as argument: no closure per session (heap per idle session).
    this.#pingIntervalTimer = setTimeout(EngineSocket.#onPingInterval, this.#config.pingInterval, this);
  }

  static #onPingInterval(socket: EngineSocket): void {
    socket.#pingTimeoutRefreshed = false;
    socket.#sendPacket({ type: 'ping' });
    if (socket.#pingTimeoutTimer !== null) clearTimeout(socket.#pingTimeoutTimer);
    socket.#pingTimeoutTimer = setTimeout(EngineSocket.#onPingTimeout, socket.#config.pingTimeout, socket);
  }

  static #onPingTimeout(socket: EngineSocket): void {
    socket.#onClose('ping timeout');
  }

  // The transport's listeners are shared methods with this session as context (eventemitter3), not
  // closures: no per-session functions (heap per idle session). Only the current transport has them:
  // #detachTransport removes them before the session moves on, so no event of an old transport gets here.
  #setTransport(transport: TransportBase): void {
    this.#transport = transport;
    transport.on('packet', this.#onPacket, this);
    transport.on('parseError', this.#onTransportParseError, this);
    transport.on('error', this.#onTransportError, this);
    transport.on('ready', this.#flush, this);
    transport.on('close', this.#onTransportClose, this);
  }

  #detachTransport(transport: TransportBase): void {
    transport.off('packet', this.#onPacket, this);
    transport.off('parseError', this.#onTransportParseError, this);
    transport.off('error', this.#onTransportError, this);
    transport.off('ready', this.#flush, this);
    transport.off('close', this.#onTransportClose, this);
  }

  #onTransportParseError(error: ProtocolError): void {
    this.#onClose('parse error', error);
  }

  #onTransportError(error: TransportError): void {
    this.#onClose('transport error', error);
  }

  #onTransportClose(): void {
    this.#onClose('transport close');
  }

  /** Detaches the current transport and closes it without waiting for the client. */
  #clearTransport(): void {
    this.#detachTransport(this.#transport);
    this.#transport.discard();
    this.#transport.close();
  }

  #onPacket(packet: EnginePacket): void {
    if (this.#state !== 'open') return;
    this.emit('packet', packet);
    if (this.#pingTimeoutTimer !== null && !this.#pingTimeoutRefreshed && packet.type !== 'pong') {
      // Traffic proves the peer alive while its pong may sit behind a large payload.
      this.#pingTimeoutTimer.refresh();
      this.#pingTimeoutRefreshed = true;
    }
    switch (packet.type) {
      case 'ping':
        // In v4 only the server pings (browsers throttle timers in background tabs).
        this.#onClose(
          'transport error',
          new TransportError('INVALID_HEARTBEAT_DIRECTION', 'invalid heartbeat direction'),
        );
        break;
      case 'pong':
        if (this.#pingTimeoutTimer !== null) clearTimeout(this.#pingTimeoutTimer);
        this.#pingTimeoutTimer = null;
        this.#schedulePing();
        this.emit('heartbeat');
        break;
      case 'message': {
        const data = packet.data ?? '';
        const message = typeof data === 'string' ? data : toBuffer(data);
        this.emit('data', message);
        this.emit('message', message);
        break;
      }
      case 'close':
        this.#onClose('transport close');
        break;
      default:
        break;
    }
  }

  #sendPacket(packet: EnginePacket, callback?: () => void): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.emit('packetCreate', packet);
    this.#writeBuffer.push({ packet, callback });
    this.#flush();
  }

  #flush(): void {
    if (this.#state === 'closed' || !this.#transport.writable || this.#writeBuffer.length === 0) return;
    const batch = this.#writeBuffer;
    this.#writeBuffer = [];
    const packets = batch.map((queued) => queued.packet);
    this.#config.observer?.flush(this, packets);
    this.emit('flush', packets);
    const callbacks = batch.flatMap((queued) => (queued.callback === undefined ? [] : [queued.callback]));
    this.#transport.send(
      packets,
      callbacks.length === 0
        ? undefined
        : () => {
            for (const callback of callbacks) callback();
          },
    );
    this.#config.observer?.drain(this);
    this.emit('drain');
  }

  #closeTransport(discard: boolean): void {
    if (discard) this.#transport.discard();
    this.#transport.close(() => this.#onClose('forced close'));
  }

  #onClose(reason: EngineCloseReason, description?: unknown): void {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    if (this.#pingIntervalTimer !== null) clearTimeout(this.#pingIntervalTimer);
    if (this.#pingTimeoutTimer !== null) clearTimeout(this.#pingTimeoutTimer);
    this.#pingIntervalTimer = null;
    this.#pingTimeoutTimer = null;
    if (this.#closeAfterDrain !== null) this.off('drain', this.#closeAfterDrain);
    this.#closeAfterDrain = null;
    this.#clearTransport();
    // As engine.io, 'close' listeners can still read the unsent packets (writeBuffer); nothing is
    // flushed or added once closed, and the buffer is dropped on the next tick.
    process.nextTick(() => {
      this.#writeBuffer = [];
    });
    this.#config.observer?.close(this);
    this.emit('close', reason, description);
  }

  #commitUpgrade(next: TransportBase): void {
    this.#upgraded = true;
    // The held GET (if any) is answered by the old transport's close; nothing is buffered there:
    // packets only leave this session's buffer when a transport is writable.
    this.#clearTransport();
    this.#setTransport(next);
    this.emit('upgrade', next);
    this.#flush();
    if (this.#state === 'closing') next.close(() => this.#onClose('forced close'));
  }

  #upgradeHost(): UpgradeHost {
    return {
      isClosed: () => this.#state === 'closed',
      currentTransport: () => this.#transport,
      setUpgrading: (upgrading) => {
        this.#upgrading = upgrading;
      },
      onProbed: (candidate) => this.emit('upgrading', candidate),
      commit: (candidate) => this.#commitUpgrade(candidate),
      onSessionClose: (listener) => {
        this.once('close', listener);
        return () => this.off('close', listener);
      },
    };
  }
}
