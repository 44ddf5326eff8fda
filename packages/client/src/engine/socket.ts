import { EventEmitter } from 'eventemitter3';
import { isProtocolError, parseOpenPacketData } from '@switchback/protocol';
import type { BinaryLike, EnginePacket, EnginePacketType, OpenPacketData } from '@switchback/protocol';
import { defaultWebSocket } from '#websocket-constructor';
import { defaultBinaryType, toBinaryType } from './binary-type.js';
import type { BinaryType } from './binary-type.js';
import { defaultClock, Timer, unrefClock } from './clock.js';
import { planConnection } from './connection-plan.js';
import type { ConnectionPlan } from './connection-plan.js';
import { EngineError } from './errors.js';
import { createDefaultFallbackMemory, fallbackKey } from './fallback-memory.js';
import { HeartbeatMonitor } from './heartbeat.js';
import { createTransportContext } from './transport.js';
import type { BaseTransport, TransportContext } from './transport.js';
import { PollingTransport } from './transports/polling.js';
import { WebSocketTransport } from './transports/websocket.js';
import type { Clock, FallbackMemory, SocketOptions, Transport, TransportName, WebSocketConstructorLike } from './types.js';
import { UpgradeProbe } from './upgrade.js';
import { resolveEndpoint } from './uri.js';
import { clearStrikes, takeUpgradeAttempt } from './websocket-strikes.js';
import { WriteBuffer } from './write-buffer.js';
import { TRANSITIONS } from './socket-phase.js';
import type { CreatedPacket, Phase, SocketEvents } from './socket-phase.js';
import { onBeforeUnload } from './unload.js';
import { noteWebSocketEnd } from './websocket-strikes.js';

export type { CreatedPacket, SocketEvents } from './socket-phase.js';

export const protocol = 4;
export type HandshakeData = OpenPacketData;
export type SocketState = 'opening' | 'open' | 'closing' | 'closed';

const DEFAULT_WEBSOCKET_TIMEOUT = 3000;
const DEFAULT_FALLBACK_TTL = 60 * 60 * 1000;

/** What each internal phase looks like from outside ('verifying' and 'failing-over' are 'open'). */
const PUBLIC_STATE: Readonly<Record<Phase['name'], SocketState>> = {
  idle: 'opening',
  opening: 'opening',
  verifying: 'open',
  'failing-over': 'open',
  open: 'open',
  closing: 'closing',
  closed: 'closed',
};

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/**
 * One Engine.IO v4 connection, engine.io-client's `Socket` shape. WebSocket first with a stall-proof
 * fallback to long polling, a remembered fallback, and the polling → WebSocket upgrade.
 *
 * @example
 * ```ts
 * const socket = new Socket('https://example.com', { path: '/socket.io' });
 * socket.on('open', () => socket.send('40'));
 * socket.on('close', (reason) => console.log('closed:', reason));
 * ```
 */
export class Socket extends EventEmitter<SocketEvents> {
  id: string | null = null;
  upgrading = false;
  /** How received binary messages are delivered (engine.io-client's option, settable at any time). */
  binaryType: BinaryType = defaultBinaryType();
  readonly opts: Readonly<SocketOptions>;
  readonly #clock: Clock;
  readonly #ctx: TransportContext & { WebSocket: WebSocketConstructorLike | null | undefined };
  readonly #memory: FallbackMemory | undefined;
  readonly #memoryKey: string;
  readonly #wsTimeout: number;
  readonly #heartbeat: HeartbeatMonitor;
  readonly #stallTimer: Timer;
  readonly #writes = new WriteBuffer();
  #phase: Phase = { name: 'idle' };
  #plan: ConnectionPlan | undefined;
  #transport: BaseTransport;
  #generation = 0;
  #detach: (() => void) | undefined;
  #session: OpenPacketData | undefined;
  #probe: UpgradeProbe | undefined;
  /** When the current WebSocket became the transport (direct open or upgrade), for strike bookkeeping. */
  #webSocketSince: number | undefined;
  /** An upgrade out of a remembered fallback: forget the fallback once this WebSocket has lived long. */
  #forgetAfterProof = false;
  #flushScheduled = false;
  #removeUnloadListener: (() => void) | undefined;

  constructor(uri: string, opts?: SocketOptions);
  constructor(opts?: SocketOptions);
  constructor(uriOrOpts?: string | SocketOptions, maybeOpts?: SocketOptions) {
    super();
    const uri = typeof uriOrOpts === 'string' ? uriOrOpts : undefined;
    const opts = (typeof uriOrOpts === 'string' ? maybeOpts : uriOrOpts) ?? {};
    this.opts = opts;
    this.#clock = opts.autoUnref === true ? unrefClock(opts.clock ?? defaultClock) : (opts.clock ?? defaultClock);
    const endpoint = resolveEndpoint(uri, opts);
    this.#ctx = createTransportContext(endpoint, opts, this.#clock, () => this.#heartbeat.expired());
    this.#memory = opts.fallbackMemory === false ? undefined : (opts.fallbackMemory ?? createDefaultFallbackMemory());
    this.#memoryKey = fallbackKey(endpoint.origin, endpoint.path);
    this.#wsTimeout = opts.webSocketTimeout ?? DEFAULT_WEBSOCKET_TIMEOUT;
    this.#heartbeat = new HeartbeatMonitor(this.#clock, () => this.#onClose('ping timeout'));
    this.#stallTimer = new Timer(this.#clock);
    const first = opts.transports?.[0] ?? 'websocket';
    this.#transport = this.#createTransport(first);
    // Close silently on page unload so the server does not wait for a ping timeout.
    if (opts.closeOnBeforeunload === true) this.#removeUnloadListener = onBeforeUnload(() => this.#onClose('transport close'));
    void this.#start();
  }

  get readyState(): SocketState {
    return PUBLIC_STATE[this.#phase.name];
  }

  /** The transport in use (or being tried). `.name` is 'websocket' or 'polling'. */
  get transport(): Transport {
    return this.#transport;
  }

  /** Sends a message; `fn` runs once the packet has been written to the network. */
  send(data: string | BinaryLike | Blob, options?: { compress?: boolean } | (() => void), fn?: () => void): this {
    const callback = typeof options === 'function' ? options : fn;
    const compress = typeof options === 'object' ? options.compress !== false : true;
    const phase = this.#phase.name;
    if (phase === 'closing' || phase === 'closed') return this;
    // Woken from a throttled background tab: the heartbeat may be long dead (socket.io#3259).
    if (this.#heartbeat.expired() && this.#session !== undefined) {
      this.#onClose('ping timeout');
      return this;
    }
    if (isBlob(data)) {
      const entry = this.#writes.pushPending(callback);
      data.arrayBuffer().then(
        (buffer) => {
          const packet: CreatedPacket = { type: 'message', data: buffer, options: { compress } };
          entry.packet = packet;
          this.emit('packetCreate', packet);
          this.#scheduleFlush();
        },
        () => {
          entry.packet = { type: 'noop' };
          this.#scheduleFlush();
        },
      );
      return this;
    }
    this.#sendPacket('message', data, callback, compress);
    return this;
  }

  write(data: string | BinaryLike | Blob, options?: { compress?: boolean } | (() => void), fn?: () => void): this {
    return this.send(data, options, fn);
  }

  /** Flushes pending writes, then sends the close packet and closes. */
  close(): this {
    const phase = this.#phase.name;
    if (phase === 'idle' || phase === 'opening' || phase === 'failing-over') {
      this.#onClose('forced close');
      return this;
    }
    if (phase !== 'open' && phase !== 'verifying') return this;
    this.#probe?.abort();
    this.#probe = undefined;
    this.upgrading = false;
    this.#setPhase({ name: 'closing' });
    if (this.#writes.idle) this.#onClose('forced close');
    else this.#flush();
    return this;
  }

  async #start(): Promise<void> {
    if (this.#ctx.WebSocket === undefined) this.#ctx.WebSocket = await defaultWebSocket();
    if (this.#phase.name !== 'idle') return;
    const plan = planConnection({
      transports: this.opts.transports ?? ['websocket', 'polling'],
      hasWebSocket: this.#ctx.WebSocket != null,
      remembered: this.#memory?.get(this.#memoryKey) === 'polling',
      upgrade: this.opts.upgrade ?? true,
    });
    if (plan instanceof EngineError) {
      this.emit('error', plan);
      this.#onClose('transport error', plan);
      return;
    }
    this.#plan = plan;
    this.#connect(plan.first, false);
  }

  #connect(name: TransportName, fellBack: boolean): void {
    this.#setPhase({ name: 'opening', attempt: name, fellBack });
    const transport = this.#transport.name === name && this.#transport.state === 'idle' ? this.#transport : this.#createTransport(name);
    this.#setTransport(transport);
    if (name === 'websocket' && this.#plan?.fallback === true) {
      // No open packet within webSocketTimeout.
      this.#stallTimer.start(this.#wsTimeout, () => this.#fallBack());
    }
    transport.open();
  }

  #createTransport(name: TransportName): BaseTransport {
    return name === 'websocket' ? new WebSocketTransport(this.#ctx, this.#session) : new PollingTransport(this.#ctx);
  }

  /** One place that wires a transport; events from an older generation are dropped. */
  #setTransport(transport: BaseTransport): void {
    this.#detach?.();
    const generation = ++this.#generation;
    const current = (): boolean => generation === this.#generation;
    const onPacket = (packet: EnginePacket): void => {
      if (current()) this.#onPacket(packet);
    };
    const onDrain = (): void => {
      if (current()) this.#onDrain();
    };
    const onError = (err: Error): void => {
      if (current()) this.#onTransportError(err);
    };
    const onClose = (reason: string, description?: unknown): void => {
      if (current()) this.#onTransportClose(reason, description);
    };
    transport.on('packet', onPacket);
    transport.on('drain', onDrain);
    transport.on('error', onError);
    transport.on('close', onClose);
    this.#transport = transport;
    this.#detach = () => {
      transport.off('packet', onPacket);
      transport.off('drain', onDrain);
      transport.off('error', onError);
      transport.off('close', onClose);
    };
  }

  #setPhase(next: Phase): void {
    const from = this.#phase.name;
    if (!TRANSITIONS[from].includes(next.name)) throw new Error(`invalid engine socket transition ${from} -> ${next.name}`);
    this.#phase = next;
    this.emit('stateChange', { from, to: next.name });
  }

  #onPacket(packet: EnginePacket): void {
    const phase = this.#phase;
    if (phase.name === 'closed' || phase.name === 'idle') return;
    this.emit('packet', packet);
    this.emit('heartbeat');
    if (phase.name === 'opening' || phase.name === 'failing-over') {
      this.#onHandshake(packet);
      return;
    }
    if (phase.name === 'verifying' && (phase.firstSendAt !== undefined || packet.type === 'ping')) {
      // The round trip is proven: the server answered something we sent (or is pinging us).
      this.#stallTimer.stop();
      this.#writes.confirm();
      this.#setPhase({ name: 'open', openedAt: phase.openedAt });
    }
    switch (packet.type) {
      case 'ping':
        this.#heartbeat.reset(heartbeatWindow(this.#session));
        this.#forgetFallbackIfProven();
        this.#sendPacket('pong');
        this.emit('ping');
        break;
      case 'message': {
        // A bare `4` is an empty text message, not nothing.
        const raw = packet.data ?? '';
        const bytes = typeof raw === 'string' || raw instanceof ArrayBuffer ? raw : copyToArrayBuffer(raw);
        const data = typeof bytes === 'string' ? bytes : toBinaryType(bytes, this.binaryType);
        this.emit('data', data);
        this.emit('message', data);
        break;
      }
      default:
        break;
    }
  }

  #onHandshake(packet: EnginePacket): void {
    const phase = this.#phase;
    const data = packet.type === 'open' && typeof packet.data === 'string' ? parseOpenPacketData(packet.data) : undefined;
    if (data === undefined || isProtocolError(data)) {
      const err = new EngineError(`expected an open packet, got ${packet.type}`, { code: 'HANDSHAKE_ERROR', cause: data });
      if (phase.name === 'opening' && phase.attempt === 'websocket' && this.#plan?.fallback === true) this.#fallBack();
      else {
        this.emit('error', err);
        this.#onClose('parse error', err);
      }
      return;
    }
    this.#stallTimer.stop();
    this.id = data.sid;
    this.#session = data;
    this.#transport.setSession(data);
    this.#heartbeat.reset(data.pingInterval + data.pingTimeout);
    const now = this.#clock.now();
    if (phase.name === 'failing-over') {
      // A new session behind the same public socket: the app's queued writes go out on it.
      this.#rememberFallback();
      this.#setPhase({ name: 'open', openedAt: now });
      this.#flush();
      return;
    }
    const onWebSocket = this.#transport.name === 'websocket';
    this.#webSocketSince = onWebSocket ? now : undefined;
    if (onWebSocket && this.#plan?.fallback === true) this.#setPhase({ name: 'verifying', openedAt: now, firstSendAt: undefined });
    else this.#setPhase({ name: 'open', openedAt: now });
    if (phase.name === 'opening' && phase.fellBack) this.#rememberFallback();
    this.emit('handshake', data);
    this.emit('open');
    if (this.#phase.name === 'closed') return;
    this.#flush();
    if (!onWebSocket && this.#plan?.upgrade === true && data.upgrades.includes('websocket') && this.#mayProbe()) {
      this.#startProbe();
    }
  }

  #sendPacket(type: EnginePacketType, data?: string | BinaryLike, callback?: () => void, compress = true): void {
    const options = { compress };
    const packet: CreatedPacket = data === undefined ? { type, options } : { type, data, options };
    this.#writes.push(packet, callback);
    this.emit('packetCreate', packet);
    this.#scheduleFlush();
  }

  // Sends made in the same tick go out together (one POST over polling).
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const phase = this.#phase;
    if (phase.name !== 'open' && phase.name !== 'verifying' && phase.name !== 'closing') return;
    if (this.upgrading || !this.#transport.writable) return;
    const batch = this.#writes.take(phase.name === 'verifying');
    if (batch.length === 0) return;
    if (phase.name === 'verifying' && phase.firstSendAt === undefined) {
      phase.firstSendAt = this.#clock.now();
      // No answer within webSocketTimeout of the first send.
      this.#stallTimer.start(this.#wsTimeout, () => this.#failOver());
    }
    this.#transport.send(batch);
    this.emit('flush');
  }

  #onDrain(): void {
    this.#writes.written();
    if (this.#phase.name === 'closing' && this.#writes.idle) {
      this.#onClose('forced close');
      return;
    }
    if (this.#writes.idle) this.emit('drain');
    else this.#flush();
  }

  #onTransportError(err: Error): void {
    // While a WebSocket may still fall back, its errors are expected and handled silently.
    const phase = this.#phase;
    if (phase.name === 'verifying') return;
    if (phase.name === 'opening' && phase.attempt === 'websocket' && this.#plan?.fallback === true) return;
    // The heartbeat window ran out before the transport noticed (timers throttled, machine asleep): the
    // connection died of silence, and the request that failed on waking is only a symptom.
    if (this.#session !== undefined && this.#heartbeat.expired()) {
      this.#onClose('ping timeout');
      return;
    }
    this.emit('error', err);
  }

  #onTransportClose(reason: string, description?: unknown): void {
    const phase = this.#phase;
    if (phase.name === 'opening' && phase.attempt === 'websocket' && this.#plan?.fallback === true) {
      this.#fallBack(); // closed before the open packet
    } else if (phase.name === 'verifying') {
      this.#failOver(); // closed before the first round trip
    } else {
      this.#onClose(reason, description);
    }
  }

  /** The WebSocket failed before the open packet: start over on polling. */
  #fallBack(): void {
    this.#stallTimer.stop();
    this.#detach?.();
    this.#transport.close();
    this.#connect('polling', true);
  }

  /** The WebSocket opened but failed its first round trip: replace it by a polling session, unseen. */
  #failOver(): void {
    this.#stallTimer.stop();
    this.#heartbeat.stop();
    this.#detach?.();
    this.#transport.close();
    this.#writes.requeueUnconfirmed();
    this.#session = undefined;
    this.#setPhase({ name: 'failing-over' });
    const polling = this.#createTransport('polling');
    this.#setTransport(polling);
    polling.open();
  }

  /**
   * While a fallback is remembered, the upgrade is tried once in the background per memory (per page in
   * browsers, per Manager in Node), not on every reconnect: a proxy that passes the probe and then
   * stalls would otherwise make the client flap between polling and a dying WebSocket forever.
   */
  #mayProbe(): boolean {
    if (this.#memory === undefined || this.#memory.get(this.#memoryKey) !== 'polling') return true;
    return takeUpgradeAttempt(this.#memory, this.#memoryKey);
  }

  #forgetFallbackIfProven(): void {
    const since = this.#webSocketSince;
    if (!this.#forgetAfterProof || since === undefined || this.#memory === undefined) return;
    if (this.#clock.now() - since < 2 * heartbeatWindow(this.#session)) return;
    this.#forgetAfterProof = false;
    this.#memory.delete(this.#memoryKey);
    clearStrikes(this.#memory, this.#memoryKey);
  }

  #rememberFallback(): void {
    this.#memory?.set(this.#memoryKey, 'polling', this.opts.fallbackTtl ?? DEFAULT_FALLBACK_TTL);
  }

  #startProbe(): void {
    if (this.#probe !== undefined) return;
    const polling = this.#transport;
    this.#probe = new UpgradeProbe({
      clock: this.#clock,
      timeoutMs: Math.max(this.#wsTimeout, 1000),
      current: polling,
      createWebSocket: () => this.#createTransport('websocket'),
      onUpgrading: (ws) => {
        this.upgrading = true;
        this.emit('upgrading', ws);
      },
      onSwitch: (ws) => {
        this.#setTransport(ws);
        polling.close();
        ws.send([{ type: 'upgrade' }]);
        this.upgrading = false;
        this.#probe = undefined;
        this.#webSocketSince = this.#clock.now();
        // A proxy may pass the probe and stall right after (phoenix#6766): the fallback is forgotten only
        // once this WebSocket has outlived the short-lived window, not at the switch.
        this.#forgetAfterProof = this.#memory?.get(this.#memoryKey) === 'polling';
        this.emit('upgrade', ws);
      },
      onFailed: (err) => {
        this.upgrading = false;
        this.#probe = undefined;
        this.emit('upgradeError', err);
        this.#flush();
      },
    });
  }

  #onClose(reason: string, description?: unknown): void {
    if (this.#phase.name === 'closed') return;
    const phase = this.#phase;
    const since = this.#webSocketSince;
    if (this.#memory !== undefined && this.#transport.name === 'websocket' && since !== undefined && (phase.name === 'open' || phase.name === 'verifying')) {
      const blocked = noteWebSocketEnd(this.#memory, this.#memoryKey, {
        pingTimeout: reason === 'ping timeout',
        lifetime: this.#clock.now() - since,
        heartbeatWindow: heartbeatWindow(this.#session),
      });
      if (blocked) this.#rememberFallback();
    }
    this.#stallTimer.stop();
    this.#heartbeat.stop();
    this.#probe?.abort();
    this.#probe = undefined;
    this.upgrading = false;
    this.#detach?.();
    this.#detach = undefined;
    this.#transport.close();
    this.#writes.clear();
    this.#removeUnloadListener?.();
    this.#setPhase({ name: 'closed' });
    this.id = null;
    this.emit('close', reason, description);
  }
}

/** How long the session may stay silent before it is dead (no limit before the handshake). */
function heartbeatWindow(session: OpenPacketData | undefined): number {
  return session === undefined ? Infinity : session.pingInterval + session.pingTimeout;
}

function copyToArrayBuffer(view: ArrayBufferView): ArrayBuffer {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer;
}
