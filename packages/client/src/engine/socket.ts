import { EventEmitter } from '../typed-events.js';
import type { BinaryLike, EnginePacket, OpenPacketData } from '@switchback/protocol';
import { defaultBinaryType } from '#websocket-constructor';
import { openSession } from './session.js';
import { enginePath } from './uri.js';
import type { Session } from './session.js';
import type { SocketOptions, Transport } from './types.js';

export const protocol = 4;
export type HandshakeData = OpenPacketData;
export type SocketState = 'opening' | 'open' | 'closing' | 'closed';

/**
 * engine.io-client's `binaryType`: how a received binary message is handed to the app. Node defaults
 * to 'nodebuffer' (a Buffer, as socket.io-client gives Node apps), everywhere else to 'arraybuffer'.
 * engine.io-client's 'blob' is not offered: the socket layer decodes attachments synchronously.
 */
export type BinaryType = 'nodebuffer' | 'arraybuffer';

/** A packet as queued for sending, with its send options as engine.io-client reports them. */
export type CreatedPacket = EnginePacket & { readonly options: { readonly compress: boolean } };

/**
 * Internal phases. 'verifying' and 'failing-over' look 'open' from outside: 'open' is emitted once,
 * after the open packet, and a WebSocket that then fails its first round trip is replaced by polling
 * internally (the queued and unconfirmed messages are re-sent on the new session).
 */
export type PhaseName = 'idle' | 'opening' | 'verifying' | 'failing-over' | 'open' | 'closing' | 'closed';

export interface SocketEvents {
  open: [];
  handshake: [data: OpenPacketData];
  packet: [packet: EnginePacket];
  packetCreate: [packet: CreatedPacket];
  /** Binary as the Socket's `binaryType` says: a Buffer in Node by default, else an ArrayBuffer. */
  message: [data: string | ArrayBuffer | Uint8Array];
  data: [data: string | ArrayBuffer | Uint8Array];
  close: [reason: string, description?: unknown];
  /** A string only for `transports: []`: 'No transports available', as engine.io-client emits it. */
  error: [err: Error | string];
  upgrade: [transport: Transport];
  upgradeError: [err: Error];
  upgrading: [transport: Transport];
  drain: [];
  flush: [];
  heartbeat: [];
  ping: [];
  /** Every internal state change, for debugging and tests. */
  stateChange: [change: { from: PhaseName; to: PhaseName }];
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
  /** Where it connects, as engine.io-client reports it: `hostname` without IPv6 brackets, `port` a string. */
  declare hostname: string;
  declare port: string;
  declare secure: boolean;
  upgrading = false;
  /** How received binary messages are delivered (engine.io-client's option, settable at any time). */
  binaryType: BinaryType = defaultBinaryType;
  declare readonly opts: Readonly<SocketOptions>;
  readonly #session: Session;

  constructor(uri: string | undefined, opts?: SocketOptions);
  constructor(opts?: SocketOptions);
  constructor(uriOrOpts?: string | SocketOptions, maybeOpts?: SocketOptions) {
    super();
    // `new Socket(undefined, opts)` is `new Socket(opts)`.
    const uri = typeof uriOrOpts === 'string' ? uriOrOpts : undefined;
    const given = (typeof uriOrOpts === 'object' ? uriOrOpts : maybeOpts) ?? {};
    // As engine.io-client: a copy of the options with the path it requests ('/engine.io/' by default).
    const opts = { ...given, path: enginePath(given) };
    this.opts = opts;
    this.#session = openSession(this, uri, opts);
  }

  get readyState(): SocketState {
    return this.#session.state();
  }

  /** engine.io-client's: the packets written and not yet handed to the network, oldest first (a copy). */
  get writeBuffer(): EnginePacket[] {
    return this.#session.buffer();
  }

  /** engine.io-client's heartbeat deadline (wall clock ms; Infinity while none runs), for code that reads or moves it. */
  get _pingTimeoutTime(): number {
    return this.#session.deadline();
  }

  set _pingTimeoutTime(time: number) {
    this.#session.deadline(time);
  }

  /** engine.io-client's check for a heartbeat that ran out while timers were throttled: closes ('ping timeout') once. */
  _hasPingExpired(): boolean {
    return this.#session.pingExpired();
  }

  /** engine.io-client's: the server's `upgrades` this Socket's `transports` allow. */
  _filterUpgrades(upgrades: readonly string[]): string[] {
    return this.#session.filterUpgrades(upgrades);
  }

  /** The transport in use (or being tried). `.name` is 'websocket' or 'polling'. */
  get transport(): Transport {
    return this.#session.transport();
  }

  /** Sends a message; `fn` runs once the packet has been written to the network. */
  send(data: string | BinaryLike | Blob, options?: { compress?: boolean } | (() => void), fn?: () => void): this {
    // A function has no `compress`: the default (true) applies.
    this.#session.send(data, (options as { compress?: boolean } | undefined)?.compress !== false, typeof options === 'function' ? options : fn);
    return this;
  }

  write(data: string | BinaryLike | Blob, options?: { compress?: boolean } | (() => void), fn?: () => void): this {
    return this.send(data, options, fn);
  }

  /** Flushes pending writes, then sends the close packet and closes. */
  close(): this {
    this.#session.close();
    return this;
  }
}
