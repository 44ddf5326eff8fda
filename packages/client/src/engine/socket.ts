import { EventEmitter } from '../typed-events.js';
import { isProtocolError, parseOpenPacketData } from '@switchback/protocol';
import type { BinaryLike, EnginePacket, OpenPacketData } from '@switchback/protocol';
import { defaultWebSocket } from '#websocket-constructor';
import { decodeMessage, defaultBinaryType } from './binary-type.js';
import type { BinaryType } from './binary-type.js';
import { defaultClock, unrefClock } from './clock.js';
import { planConnection } from './connection-plan.js';
import type { ConnectionPlan } from './connection-plan.js';
import { EngineError } from './errors.js';
import { createDefaultFallbackMemory, fallbackKey } from './fallback-memory.js';
import { HeartbeatMonitor } from './heartbeat.js';
import { createTransportContext } from './transport.js';
import type { BaseTransport, TransportContext } from './transport.js';
import { PollingTransport } from './transports/polling.js';
import { WebSocketTransport } from './transports/websocket.js';
import { TransportBinding } from './transport-binding.js';
import type { Clock, SocketOptions, Transport, TransportName, WebSocketConstructorLike } from './types.js';
import { UpgradeProbe } from './upgrade.js';
import { resolveEndpoint } from './uri.js';
import { heartbeatWindow, WebSocketFallback } from './websocket-fallback.js';
import { isBlob, WriteBuffer } from './write-buffer.js';
import { TRANSITIONS } from './socket-phase.js';
import type { Phase, SocketEvents } from './socket-phase.js';
import { onBeforeUnload } from './unload.js';

export type { CreatedPacket, SocketEvents } from './socket-phase.js';

export const protocol = 4;
export type HandshakeData = OpenPacketData;
export type SocketState = 'opening' | 'open' | 'closing' | 'closed';

const DEFAULT_WEBSOCKET_TIMEOUT = 3000;

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
  readonly #fallback: WebSocketFallback;
  readonly #heartbeat: HeartbeatMonitor;
  readonly #writes = new WriteBuffer({
    created: (packet) => this.emit('packetCreate', packet),
    flush: () => this.#flush(),
  });
  readonly #binding = new TransportBinding({
    // Pipelining: what the app wrote while opening (the namespace CONNECTs) goes out in the WebSocket's
    // first flight, without waiting for the open packet.
    open: () => this.#flush(),
    packet: (packet) => this.#onPacket(packet),
    drain: () => this.#onDrain(),
    error: (err) => this.#onTransportError(err),
    close: (reason, description) => this.#onTransportClose(reason, description),
  });
  #phase: Phase = { name: 'idle' };
  #plan: ConnectionPlan | undefined;
  #transport: BaseTransport;
  #session: OpenPacketData | undefined;
  #probe: UpgradeProbe | undefined;
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
    this.#fallback = new WebSocketFallback({
      clock: this.#clock,
      memory: opts.fallbackMemory === false ? undefined : (opts.fallbackMemory ?? createDefaultFallbackMemory()),
      memoryKey: fallbackKey(endpoint.origin, endpoint.path),
      webSocketTimeout: opts.webSocketTimeout ?? DEFAULT_WEBSOCKET_TIMEOUT,
      fallbackTtl: opts.fallbackTtl,
    });
    this.#heartbeat = new HeartbeatMonitor(this.#clock, () => this.#onClose('ping timeout'));
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
    if (isBlob(data)) this.#writes.pushBlob(data, compress, callback);
    else this.#writes.push('message', data, callback, compress);
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
      remembered: this.#fallback.remembered(),
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
      this.#fallback.startStallTimer(() => this.#fallBack());
    }
    transport.open();
  }

  #createTransport(name: TransportName): BaseTransport {
    return name === 'websocket' ? new WebSocketTransport(this.#ctx, this.#session) : new PollingTransport(this.#ctx);
  }

  /** One place that wires a transport; events from an older generation are dropped. */
  #setTransport(transport: BaseTransport): void {
    this.#binding.bind(transport);
    this.#transport = transport;
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
      this.#fallback.stopStallTimer();
      this.#writes.confirm();
      this.#setPhase({ name: 'open', openedAt: phase.openedAt });
    }
    switch (packet.type) {
      case 'ping':
        this.#heartbeat.reset(heartbeatWindow(this.#session));
        this.#fallback.forgetIfProven(this.#session);
        this.#writes.push('pong');
        this.emit('ping');
        break;
      case 'message': {
        const data = decodeMessage(packet.data, this.binaryType);
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
    this.#fallback.stopStallTimer();
    this.id = data.sid;
    this.#session = data;
    this.#transport.setSession(data);
    this.#heartbeat.reset(data.pingInterval + data.pingTimeout);
    const now = this.#clock.now();
    if (phase.name === 'failing-over') {
      // A new session behind the same public socket: the app's queued writes go out on it.
      this.#fallback.remember();
      this.#setPhase({ name: 'open', openedAt: now });
      this.#flush();
      return;
    }
    const onWebSocket = this.#transport.name === 'websocket';
    this.#fallback.opened(onWebSocket, now);
    if (onWebSocket && this.#plan?.fallback === true) {
      const firstSendAt = phase.name === 'opening' ? phase.firstSendAt : undefined;
      this.#setPhase({ name: 'verifying', openedAt: now, firstSendAt });
      // Pipelined writes already went out: their answer is due within webSocketTimeout from now.
      if (firstSendAt !== undefined) this.#fallback.startStallTimer(() => this.#failOver());
    } else this.#setPhase({ name: 'open', openedAt: now });
    if (phase.name === 'opening' && phase.fellBack) this.#fallback.remember();
    this.emit('handshake', data);
    this.emit('open');
    if (this.#phase.name === 'closed') return;
    this.#flush();
    if (!onWebSocket && this.#plan?.upgrade === true && data.upgrades.includes('websocket') && this.#fallback.mayProbe()) {
      this.#startProbe();
    }
  }

  #flush(): void {
    const phase = this.#phase;
    const early = phase.name === 'opening' && this.#transport.name === 'websocket';
    if (!early && phase.name !== 'open' && phase.name !== 'verifying' && phase.name !== 'closing') return;
    if (this.upgrading || !this.#transport.writable) return;
    const batch = this.#writes.take(phase.name === 'verifying' || (early && this.#plan?.fallback === true));
    if (batch.length === 0) return;
    if (phase.name === 'opening') phase.firstSendAt ??= this.#clock.now();
    else if (phase.name === 'verifying' && phase.firstSendAt === undefined) {
      phase.firstSendAt = this.#clock.now();
      // No answer within webSocketTimeout of the first send.
      this.#fallback.startStallTimer(() => this.#failOver());
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
    this.#fallback.stopStallTimer();
    this.#binding.unbind();
    this.#transport.close();
    // Pipelined writes the dead WebSocket may have carried go out (once) over polling.
    this.#writes.requeueUnconfirmed();
    this.#connect('polling', true);
  }

  /** The WebSocket opened but failed its first round trip: replace it by a polling session, unseen. */
  #failOver(): void {
    this.#fallback.stopStallTimer();
    this.#heartbeat.stop();
    this.#binding.unbind();
    this.#transport.close();
    this.#writes.requeueUnconfirmed();
    this.#session = undefined;
    this.#setPhase({ name: 'failing-over' });
    const polling = this.#createTransport('polling');
    this.#setTransport(polling);
    polling.open();
  }

  #startProbe(): void {
    if (this.#probe !== undefined) return;
    const polling = this.#transport;
    this.#probe = new UpgradeProbe({
      clock: this.#clock,
      timeoutMs: this.#fallback.probeTimeoutMs,
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
        this.#fallback.upgraded();
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
    if (phase.name === 'open' || phase.name === 'verifying') this.#fallback.closing(this.#transport.name, reason, this.#session);
    this.#fallback.stopStallTimer();
    this.#heartbeat.stop();
    this.#probe?.abort();
    this.#probe = undefined;
    this.upgrading = false;
    this.#binding.release();
    this.#transport.close();
    this.#writes.clear();
    this.#removeUnloadListener?.();
    this.#setPhase({ name: 'closed' });
    this.id = null;
    this.emit('close', reason, description);
  }
}
