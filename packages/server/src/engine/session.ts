import type { EventEmitter } from 'eventemitter3';
import { NodeStyleEmitter } from './node-emitter.js';
import type { IncomingMessage } from 'node:http';
import type { BinaryLike, EnginePacket, ProtocolError } from '@switchback/protocol';
import { DUE, DelayQueue, NEXT, PREV, QUEUE } from './delay-queue.js';
import type { DelayNode } from './delay-queue.js';
import type { EngineCloseReason, EngineSocketEvents, EngineSocketState, Heartbeat, SendOptions, SessionConfig } from './session-types.js';
import { TransportError } from './errors.js';
import { COMPRESS, NO_COMPRESS, toBuffer } from './transport.js';
import type { OutgoingPacket, PacketOptions, Transport, TransportBase, TransportSink } from './transport.js';
import { DeferredRequest, deferRequest } from './session-request.js';
import { runUpgrade } from './upgrade.js';
import type { UpgradeHost } from './upgrade.js';

export type {
  EngineCloseReason,
  EngineSocketEvents,
  EngineSocketState,
  Heartbeat,
  SendOptions,
  SessionConfig,
  SessionObserver,
} from './session-types.js';

/** Creates the heartbeat timers for sessions with these settings. */
export let createHeartbeat!: (pingInterval: number, pingTimeout: number) => Heartbeat;

/**
 * The heartbeat of Engine.IO v3 sessions: the client pings, so `interval` is the wait for its next ping
 * (pingInterval + pingTimeout), after which the session closes with 'ping timeout'. `timeout` stays
 * empty (no session awaits a pong).
 */
export let createHeartbeatV3!: (pingInterval: number, pingTimeout: number) => Heartbeat;

interface QueuedPacket {
  readonly packet: OutgoingPacket;
  readonly callback: (() => void) | undefined;
}

/**
 * Sessions whose flushes are held by cork(), with how many uncork() calls they wait for. A Map rather
 * than a field: corks last one synchronous block, so an idle session pays nothing for them (heap per
 * idle session).
 */
const corked = new Map<EngineSocket, number>();

/**
 * Graceful closes waiting for the write buffer to drain (see close()), by session: rare and short, so
 * not a field of every session (heap per idle session).
 */
const closingAfterDrain = new Map<EngineSocket, () => void>();

/**
 * The open packet after its sid, the same for every session of a config: `JSON.stringify` of
 * `{ sid, upgrades, pingInterval, pingTimeout, maxPayload }` is `{"sid":…` followed by this.
 */
const openPacketTails = new WeakMap<SessionConfig, string>();

function openPacketTail(config: SessionConfig): string {
  let tail = openPacketTails.get(config);
  if (tail === undefined) {
    const rest = JSON.stringify({
      upgrades: config.upgrades,
      pingInterval: config.pingInterval,
      pingTimeout: config.pingTimeout,
      // v3 clients get it too, as from engine.io (they ignore it).
      maxPayload: config.maxPayload,
    });
    tail = `,${rest.slice(1)}`;
    openPacketTails.set(config, tail);
  }
  return tail;
}

const UPGRADE_STATES = ['none', 'upgrading', 'upgraded'] as const;
const BITS_UPGRADE = 3;
const BIT_REFRESHED = 4;
/** The upgrade's probe succeeded: the client is pausing polling and waits for its in-flight GET to return. */
const BIT_PROBED = 8;
const NOOP_PACKETS: readonly OutgoingPacket[] = [{ type: 'noop' }];

function runAll(callbacks: ReadonlyArray<() => void>): void {
  for (const callback of callbacks) callback();
}

/** The empty write buffer of every session (frozen: a push would be a bug). */
const NO_PACKETS: QueuedPacket[] = [];
Object.freeze(NO_PACKETS);

const TRANSITIONS: Readonly<Record<EngineSocketState, readonly EngineSocketState[]>> = {
  opening: ['open', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/**
 * The listener table of every session nobody listens to (eventemitter3 reads `_events`; it writes there
 * only through on/addListener/once, which give the session its own table first). Frozen: a write that
 * got past them would throw instead of reaching other sessions.
 */
const NO_LISTENERS: object = Object.freeze(Object.create(null) as object);

function ownListeners(emitter: object): void {
  if (Reflect.get(emitter, '_events') === NO_LISTENERS) Reflect.set(emitter, '_events', Object.create(null) as object);
}

/** Server-internal access to a session; not part of the public entry point. */
export interface SessionInternals {
  transportOf(socket: EngineSocket): TransportBase;
  isUpgrading(socket: EngineSocket): boolean;
  upgrade(socket: EngineSocket, candidate: TransportBase): void;
  /** The handshake was answered: keep only a light copy of its request. */
  compactRequest(socket: EngineSocket): void;
  /** Whether `req` is the session's request as it is now (the handshake's, until it is compacted). */
  isRequest(socket: EngineSocket, req: IncomingMessage): boolean;
  /** The handshake request's url without building its copy; undefined when `socket` is a stand-in. */
  requestUrl(socket: object): string | undefined;
  /**
   * Makes `consumer` (the Socket.IO Client) receive this session's messages and its close directly,
   * before the 'message' and 'close' listeners, instead of through two listener records per session
   * (heap per idle session); null stops it. False when `socket` is not an EngineSocket (a stand-in).
   */
  setConsumer(socket: object, consumer: SessionConsumer | null): boolean;
}

/** What the Socket.IO layer's Client takes from its session (see SessionInternals.setConsumer). */
export interface SessionConsumer {
  _onConnMessage(data: string | Buffer): void;
  _onConnClose(reason: EngineCloseReason, description?: unknown): void;
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
export class EngineSocket extends NodeStyleEmitter<EngineSocketEvents> {
  readonly id: string;
  readonly remoteAddress: string;

  /** The handshake request; once answered, what is kept of it (see deferRequest), built on first read; null once the app dropped it. */
  #request: IncomingMessage | DeferredRequest | null;
  readonly #config: SessionConfig;
  #state: EngineSocketState = 'opening';
  #transport: TransportBase;
  /** Where this session is in its (at most one) upgrade: probing a candidate, or moved to it. */
  get #upgrade(): 'none' | 'upgrading' | 'upgraded' {
    return UPGRADE_STATES[this.#bits & BITS_UPGRADE] as 'none' | 'upgrading' | 'upgraded';
  }

  set #upgrade(state: 'none' | 'upgrading' | 'upgraded') {
    this.#bits = (this.#bits & ~BITS_UPGRADE) | UPGRADE_STATES.indexOf(state);
  }

  /** The upgrade state (see UPGRADE_STATES) and BIT_REFRESHED, in one small integer (heap per idle session). */
  #bits = 0;
  /** NO_PACKETS while empty: an idle session holds no array of its own. */
  #writeBuffer: QueuedPacket[] = NO_PACKETS;
  /** This session's wait in the heartbeat queues: for the next ping, or for the pong after it. */
  // The session is its own entry in the heartbeat queues (no entry object per session: heap per idle
  // session); the fields are symbol-keyed, out of the public API's way.
  /** @internal */ [PREV]: DelayNode | null = null;
  /** @internal */ [NEXT]: DelayNode | null = null;
  /** @internal */ [DUE] = 0;
  /** @internal */ [QUEUE]: DelayQueue<never> | null = null;
  /** The ping timeout is extended at most once per ping by other incoming packets (as the reference). */
  get #pingTimeoutRefreshed(): boolean {
    return (this.#bits & BIT_REFRESHED) !== 0;
  }

  set #pingTimeoutRefreshed(refreshed: boolean) {
    this.#bits = refreshed ? this.#bits | BIT_REFRESHED : this.#bits & ~BIT_REFRESHED;
  }
  /** Gets messages and the close first (see SessionInternals.setConsumer). */
  #consumer: SessionConsumer | null = null;

  static {
    sessionInternals = {
      transportOf: (socket) => socket.#transport,
      isUpgrading: (socket) => socket.#upgrade === 'upgrading',
      upgrade: (socket, candidate) => runUpgrade(socket.#upgradeHost(), candidate, socket.#config),
      compactRequest: (socket) => {
        const request = socket.#request;
        if (request !== null && !(request instanceof DeferredRequest)) socket.#request = deferRequest(request);
      },
      isRequest: (socket, req) => socket.#request === req,
      requestUrl: (socket) => (#request in socket ? ((socket as EngineSocket).#request?.url ?? '') : undefined),
      setConsumer: (socket, consumer) => {
        if (!(#consumer in socket)) return false;
        (socket as EngineSocket).#consumer = consumer;
        return true;
      },
    };
    createHeartbeat = (pingInterval, pingTimeout) => ({
      interval: new DelayQueue<EngineSocket>(pingInterval, (socket) => socket.#onPingInterval()),
      timeout: new DelayQueue<EngineSocket>(pingTimeout, (socket) => socket.#onClose('ping timeout')),
    });
    createHeartbeatV3 = (pingInterval, pingTimeout) => ({
      interval: new DelayQueue<EngineSocket>(pingInterval + pingTimeout, (socket) => socket.#onClose('ping timeout')),
      timeout: new DelayQueue<EngineSocket>(pingTimeout, (socket) => socket.#onClose('ping timeout')),
    });
  }

  constructor(id: string, request: IncomingMessage, transport: TransportBase, config: SessionConfig) {
    super();
    // Most sessions never get a listener (the Socket.IO layer is called directly, see setConsumer):
    // they share one empty table until the first on()/once() (heap per idle session).
    Reflect.set(this, '_events', NO_LISTENERS);
    this.id = id;
    this.#request = request;
    this.remoteAddress = request.socket.remoteAddress ?? '';
    this.#config = config;
    this.#transport = transport;
    this.#setTransport(transport);
    this.#open();
  }

  override on<T extends EventEmitter.EventNames<EngineSocketEvents>>(event: T, fn: EventEmitter.EventListener<EngineSocketEvents, T>, context?: unknown): this {
    ownListeners(this);
    return super.on(event, fn, context);
  }

  override addListener<T extends EventEmitter.EventNames<EngineSocketEvents>>(event: T, fn: EventEmitter.EventListener<EngineSocketEvents, T>, context?: unknown): this {
    ownListeners(this);
    return super.addListener(event, fn, context);
  }

  override once<T extends EventEmitter.EventNames<EngineSocketEvents>>(event: T, fn: EventEmitter.EventListener<EngineSocketEvents, T>, context?: unknown): this {
    ownListeners(this);
    return super.once(event, fn, context);
  }

  /**
   * The request that opened the session. Once the handshake is answered this is a lighter copy of it
   * (see compactRequest): headers, url, method, socket and what middleware added are all there.
   */
  get request(): IncomingMessage {
    const request = this.#request;
    if (!(request instanceof DeferredRequest)) return request as IncomingMessage;
    const built = request.build();
    this.#request = built;
    return built;
  }

  /**
   * socket.io's memory tip, `io.engine.on('connection', (raw) => { raw.request = null; })`: the session
   * lets go of its request (reads give null from then on; a later socket.handshake has no headers, url
   * or query, as with socket.io). Setting another request replaces it.
   */
  set request(value: IncomingMessage | null | undefined) {
    this.#request = value ?? null;
  }

  /** The Engine.IO protocol revision, 3 for a v3 session (allowEIO3); a getter: no field per session. */
  get protocol(): 3 | 4 {
    return this.#config.protocol ?? 4;
  }

  get readyState(): EngineSocketState {
    return this.#state;
  }

  get transport(): Transport {
    return this.#transport;
  }

  get upgraded(): boolean {
    return this.#upgrade === 'upgraded';
  }

  get upgrading(): boolean {
    return this.#upgrade === 'upgrading';
  }

  /** Packets queued and not yet handed to the transport (a copy; engine.io exposes its array). */
  get writeBuffer(): readonly OutgoingPacket[] {
    return this.#writeBuffer.map((queued) => queued.packet);
  }

  /**
   * Queues a message; it goes out as soon as the transport is writable. The callback runs once the
   * packet was handed to the network (not when the client processed it).
   */
  send(data: string | BinaryLike | null | undefined, options?: SendOptions | (() => void), callback?: () => void): this {
    // engine.io's overload send(data, callback); null/undefined go out as an empty message, as there.
    const done = typeof options === 'function' ? options : callback;
    this.#sendPacket({ type: 'message', data: data ?? '', options: packetOptions(options) }, typeof done === 'function' ? done : undefined);
    return this;
  }

  /** Alias of send(), as engine.io. */
  write(data: string | BinaryLike | null | undefined, options?: SendOptions | (() => void), callback?: () => void): this {
    return this.send(data, options, callback);
  }

  /**
   * Holds what is sent until the matching uncork(), then hands it to the transport in one write (one
   * TCP write over WebSocket), as `Writable#cork()`. The transport's `writable` is not changed by it;
   * close() ends the hold first. Used by the Socket.IO layer so a CONNECT answer and what 'connection'
   * listeners emit right away leave together.
   *
   * @example
   * socket.cork();
   * socket.send('a');
   * socket.send('b');
   * socket.uncork(); // 'a' and 'b' leave in one transport write
   */
  cork(): this {
    if (this.#state === 'closed') return this;
    corked.set(this, (corked.get(this) ?? 0) + 1);
    return this;
  }

  /** Ends one cork(); the last one flushes what was held (when the transport is writable). */
  uncork(): this {
    const count = corked.get(this);
    if (count === undefined) return this;
    if (count > 1) {
      corked.set(this, count - 1);
      return this;
    }
    corked.delete(this);
    this.#flush();
    return this;
  }

  /**
   * Graceful close: what is buffered is flushed first, then a close packet goes out.
   * `discard` skips waiting for the client (used on server shutdown).
   */
  close(discard = false): this {
    // What a cork() held goes out first, as it would have without the hold.
    if (corked.delete(this)) this.#flush();
    if (discard && (this.#state === 'open' || this.#state === 'closing')) {
      this.#closeTransport(true);
      return this;
    }
    if (this.#state !== 'open') return this;
    this.#setState('closing');
    if (this.#writeBuffer.length > 0) {
      const closeAfterDrain = (): void => {
        closingAfterDrain.delete(this);
        this.#closeTransport(false);
      };
      closingAfterDrain.set(this, closeAfterDrain);
      this.once('drain', closeAfterDrain);
      return this;
    }
    this.#closeTransport(false);
    return this;
  }

  #setState(to: EngineSocketState): void {
    const from = this.#state;
    if (!TRANSITIONS[from].includes(to)) throw new Error(`EngineSocket: invalid transition ${from} -> ${to}`);
    this.#state = to;
    if (this.listenerCount('stateChange') !== 0) this.emit('stateChange', { from, to });
  }

  #open(): void {
    this.#setState('open');
    this.#sendPacket({ type: 'open', data: `{"sid":${JSON.stringify(this.id)}${openPacketTail(this.#config)}`, options: COMPRESS });
    if (this.#config.initialPacket !== undefined) {
      this.#sendPacket({ type: 'message', data: this.#config.initialPacket, options: COMPRESS });
    }
    this.emit('open');
    this.#schedulePing();
  }

  #schedulePing(): void {
    // One shared timer for every session's heartbeat: no Timeout per session (heap per idle session).
    this.#config.heartbeat.interval.add(this);
  }

  #onPingInterval(): void {
    this.#pingTimeoutRefreshed = false;
    this.#sendPacket({ type: 'ping', options: COMPRESS });
    // A closing session still times out (a graceful close may wait for a GET that never comes); a
    // closed one (it may have closed while sending) waits for nothing.
    if (this.#state !== 'closed') this.#config.heartbeat.timeout.add(this);
  }

  /** Whether a ping went out and its pong is awaited. */
  #awaitingPong(): boolean {
    return this[QUEUE] === this.#config.heartbeat.timeout;
  }

  // The transport reports through one shared sink with this session as owner: no listener records or
  // closures per session (heap per idle session). Only the current transport is bound: #detachTransport
  // unbinds it before the session moves on, so no report of an old transport gets here.
  #setTransport(transport: TransportBase): void {
    this.#transport = transport;
    transport.bind(EngineSocket.#sink, this);
  }

  #detachTransport(transport: TransportBase): void {
    transport.unbind(this);
  }

  static readonly #sink: TransportSink<EngineSocket> = {
    packet: (socket, packet) => socket.#onPacket(packet),
    parseError: (socket, error) => socket.#onTransportParseError(error),
    error: (socket, error) => socket.#onTransportError(error),
    ready: (socket) => socket.#onTransportReady(),
    close: (socket) => socket.#onTransportClose(),
    headers: (socket, headers, req) => socket.#config.observer?.headers(socket, headers, req),
  };

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
    if (!this.#pingTimeoutRefreshed && packet.type !== 'pong' && this.#awaitingPong()) {
      // Traffic proves the peer alive while its pong may sit behind a large payload.
      this.#config.heartbeat.timeout.add(this);
      this.#pingTimeoutRefreshed = true;
    }
    switch (packet.type) {
      case 'ping':
        if (this.#config.protocol === 3) {
          // In v3 the client pings: the wait for its next ping starts again, and the answer echoes it.
          this.#schedulePing();
          this.#sendPacket(packet.data === undefined ? { type: 'pong', options: COMPRESS } : { type: 'pong', data: packet.data, options: COMPRESS });
          this.emit('heartbeat');
          break;
        }
        // In v4 only the server pings (browsers throttle timers in background tabs).
        this.#onClose(
          'transport error',
          new TransportError('INVALID_HEARTBEAT_DIRECTION', 'invalid heartbeat direction'),
        );
        break;
      case 'pong':
        if (this.#config.protocol === 3) {
          this.#onClose('transport error', new TransportError('INVALID_HEARTBEAT_DIRECTION', 'invalid heartbeat direction'));
          break;
        }
        this.#schedulePing();
        this.emit('heartbeat');
        break;
      case 'message': {
        const data = packet.data ?? '';
        const message = typeof data === 'string' ? data : toBuffer(data);
        this.emit('data', message);
        this.#consumer?._onConnMessage(message);
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

  #sendPacket(packet: OutgoingPacket, callback?: () => void): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.emit('packetCreate', packet);
    if (this.#writeBuffer === NO_PACKETS) this.#writeBuffer = [{ packet, callback }];
    else this.#writeBuffer.push({ packet, callback });
    this.#flush();
  }

  #flush(): void {
    if (this.#state === 'closed' || !this.#transport.writable || this.#writeBuffer.length === 0) return;
    if (corked.size !== 0 && corked.has(this)) return;
    const batch = this.#writeBuffer;
    this.#writeBuffer = NO_PACKETS;
    // One loop, and an array of callbacks only when some packet has one (no closure per flush).
    const packets: OutgoingPacket[] = new Array<OutgoingPacket>(batch.length);
    let callbacks: Array<() => void> | undefined;
    for (let i = 0; i < batch.length; i += 1) {
      const queued = batch[i] as QueuedPacket;
      packets[i] = queued.packet;
      if (queued.callback !== undefined) (callbacks ??= []).push(queued.callback);
    }
    this.#config.observer?.flush(this, packets);
    this.emit('flush', packets);
    this.#transport.send(packets, callbacks === undefined ? undefined : () => runAll(callbacks));
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
    corked.delete(this);
    this[QUEUE]?.remove(this);
    const closeAfterDrain = closingAfterDrain.get(this);
    if (closeAfterDrain !== undefined) this.off('drain', closeAfterDrain);
    closingAfterDrain.delete(this);
    this.#clearTransport();
    // As engine.io, 'close' listeners can still read the unsent packets (writeBuffer); nothing is
    // flushed or added once closed, and the buffer is dropped on the next tick.
    process.nextTick(() => {
      this.#writeBuffer = NO_PACKETS;
    });
    this.#config.observer?.close(this);
    this.#consumer?._onConnClose(reason, description);
    this.emit('close', reason, description);
  }

  /**
   * The client sent `5` over `next` (the session is open or closing). Order matters: the session is
   * on `next` before polling is let go, because discarding polling finishes a graceful close that
   * waited for a GET the paused client will never send, and that close (#onClose, synchronously)
   * must take down the transport the session is on by then, not leave `next` open to nothing.
   */
  #commitUpgrade(next: TransportBase): void {
    const previous = this.#transport;
    this.#upgrade = 'upgraded';
    this.#detachTransport(previous);
    this.#setTransport(next);
    // As engine.io, 'upgrade' then (when closing) 'close'; listeners may close the session here.
    this.emit('upgrade', next);
    // What waited for a writable transport goes out over `next`; a close waiting for that drain
    // (closingAfterDrain) runs from here, or from `next`'s 'ready' if it is still writing the probe.
    this.#flush();
    // The held GET (if any) is answered by the old transport's close; nothing is buffered there:
    // packets only leave this session's buffer when a transport is writable.
    previous.discard();
    previous.close();
    if (this.#state === 'closing' && !closingAfterDrain.has(this)) this.#closeTransport(false);
  }

  /** The transport can take packets again: flush, and during an upgrade release the GET (see below). */
  #onTransportReady(): void {
    this.#flush();
    if ((this.#bits & BIT_PROBED) !== 0) this.#releaseHeldPoll();
  }

  /**
   * After the probe the pausing client waits for its in-flight GET to return before it sends its
   * upgrade packet: a GET held then, or arriving later, with nothing to carry, is answered with a noop
   * at once. (The reference checks every 100 ms, and the client's own messages wait meanwhile.)
   */
  #releaseHeldPoll(): void {
    const transport = this.#transport;
    if (transport.name === 'polling' && transport.writable) transport.send(NOOP_PACKETS);
  }

  #upgradeHost(): UpgradeHost {
    return {
      isClosed: () => this.#state === 'closed',
      currentTransport: () => this.#transport,
      setUpgrading: (upgrading) => {
        // Only a session still on its first transport probes (the server refuses the others).
        if (this.#upgrade !== 'upgraded') this.#upgrade = upgrading ? 'upgrading' : 'none';
        if (!upgrading) this.#bits &= ~BIT_PROBED;
      },
      onProbed: (candidate) => {
        this.#bits |= BIT_PROBED;
        this.emit('upgrading', candidate);
        this.#releaseHeldPoll();
      },
      commit: (candidate) => this.#commitUpgrade(candidate),
      onSessionClose: (listener) => {
        this.once('close', listener);
        return () => this.off('close', listener);
      },
    };
  }
}

/** The shared COMPRESS / NO_COMPRESS unless a pre-encoded frame comes along (then the caller's object, kept). */
function packetOptions(options: SendOptions | (() => void) | undefined): PacketOptions {
  if (typeof options !== 'object' || options === null) return COMPRESS;
  const frame = options.wsPreEncodedFrame;
  if (!Array.isArray(frame)) return options.compress === false ? NO_COMPRESS : COMPRESS;
  // A broadcast hands every session the same object: no copy per session.
  if (typeof options.compress === 'boolean') return options as PacketOptions;
  return { compress: options.compress !== false, wsPreEncodedFrame: frame };
}
