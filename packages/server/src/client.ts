import type { IncomingMessage } from 'node:http';
import { PacketType, SocketPacketDecoder, encodeSocketPacket, isProtocolError } from '@switchback/protocol';
import type { ProtocolError, SocketPacket } from '@switchback/protocol';
import type { EncodedPacket, WriteOptions } from './adapter.js';
import type { EngineSocket } from './engine/index.js';
import type { Server } from './server.js';
import type { Socket } from './socket.js';
import type { DisconnectReason } from './socket-types.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

/**
 * The Socket.IO side of one engine session: decodes its messages, routes them to the socket of each
 * namespace, and writes encoded packets back. Created by the server for every engine `connection`.
 */
export class Client<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = unknown,
> {
  readonly conn: EngineSocket;
  /** The engine session id. */
  readonly id: string;
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;

  readonly #decoder = new SocketPacketDecoder();
  // An array, not a Map: a client has a socket per namespace, usually one (heap per idle session).
  #sockets: Array<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  /** The socket of each namespace joined (one per namespace name); an array for the same reason. */
  #nsps: Array<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, conn: EngineSocket) {
    this.server = server;
    this.conn = conn;
    this.id = conn.id;
    // Shared methods with this client as context (eventemitter3): no closures per session.
    conn.on('message', this.#connOnMessage, this);
    conn.on('error', this.#connOnError, this);
    conn.on('close', this.#connOnClose, this);
    // A session that never joins a namespace would otherwise live on pings alone.
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = undefined;
      if (this.#nsps.length === 0) this.close();
    }, server._connectTimeoutMs);
  }

  /** The first HTTP request of the session. */
  get request(): IncomingMessage {
    return this.conn.request;
  }

  /** @internal Encodes and writes one packet; dropped when the session is no longer open. */
  _packet(packet: SocketPacket, options: WriteOptions = {}): void {
    if (this.conn.readyState !== 'open') return;
    this._writeEncoded(encodeSocketPacket(packet), options);
  }

  /** @internal Writes frames encoded once (possibly for many clients). */
  _writeEncoded(encoded: EncodedPacket, options: WriteOptions): void {
    if (this.conn.readyState !== 'open') return;
    // Volatile: better lost than late. All frames of a packet go together, so one check covers them.
    if (options.volatile === true && !this.conn.transport.writable) return;
    const sendOptions = { compress: options.compress !== false };
    for (const frame of encoded) this.conn.send(frame, sendOptions);
  }

  /**
   * @internal socket.io's name for _writeEncoded(), called by adapters built on socket.io-adapter
   * (their `wsPreEncodedFrame` is not needed: the engine frames the packet itself).
   */
  writeToEngine(encoded: EncodedPacket, options: { volatile?: boolean; compress?: boolean } = {}): void {
    this._writeEncoded(encoded, { volatile: options.volatile === true, compress: options.compress !== false });
  }

  /** @internal */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    const index = this.#sockets.indexOf(socket);
    if (index === -1) return;
    this.#sockets.splice(index, 1);
    if (this.#socketOf(socket.nsp.name) === socket) this.#nsps = this.#nsps.filter((known) => known !== socket);
  }

  /** @internal `socket.disconnect(true)`: every namespace gets DISCONNECT, then the session closes. */
  _disconnect(): void {
    for (const socket of [...this.#sockets]) socket.disconnect();
    this.#sockets = [];
    this.#nsps = [];
    this.close();
  }

  /** Closes the session; remaining sockets disconnect with `forced server close`. */
  close(): void {
    if (this.conn.readyState !== 'open') return;
    this.#onclose('forced server close');
    this.conn.close();
  }

  #connOnMessage(data: string | Buffer): void {
    const result = this.#decoder.add(data);
    if (result === undefined) return;
    if (isProtocolError(result)) this.#onProtocolError(result);
    else this.#ondecoded(result);
  }

  #connOnError(err: Error): void {
    // The engine follows an error with its own close ('transport error'); only report it here.
    for (const socket of [...this.#sockets]) socket._onerror(err);
  }

  #connOnClose(reason: string, description?: unknown): void {
    // Packets decoded just before the close (a DISCONNECT and the close packet in one payload, as
    // socket.io-client sends on disconnect()) are dispatched on the next tick: let them run first, so
    // the socket sees 'client namespace disconnect' and their events are not dropped.
    process.nextTick(() => this.#onclose(toDisconnectReason(reason), description));
  }

  #ondecoded(packet: SocketPacket): void {
    const socket = this.#socketOf(packet.nsp);
    if (socket === undefined && packet.type === PacketType.CONNECT) {
      this.#connect(packet.nsp, isRecord(packet.data) ? packet.data : {});
    } else if (socket !== undefined && packet.type !== PacketType.CONNECT && packet.type !== PacketType.CONNECT_ERROR) {
      process.nextTick(() => socket._onpacket(packet));
    } else {
      // A packet for a namespace this client is not in, a second CONNECT, or a CONNECT_ERROR from a client:
      // socket.io treats all of them as an invalid state and closes the session.
      this.close();
    }
  }

  #onProtocolError(err: ProtocolError): void {
    for (const socket of [...this.#sockets]) socket._onerror(err);
    if (this.conn.readyState !== 'open') return;
    this.#onclose('parse error', err);
    this.conn.close();
  }

  #connect(name: string, auth: Record<string, unknown>): void {
    if (this.server._nsps.has(name)) {
      this.#doConnect(name, auth);
      return;
    }
    this.server._checkNamespace(name, auth, (allowed) => {
      if (allowed) this.#doConnect(name, auth);
      else this._packet({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: 'Invalid namespace' } });
    });
  }

  #doConnect(name: string, auth: Record<string, unknown>): void {
    if (this.#closed) return;
    const nsp = this.server.of(name);
    nsp._add(this, auth, (socket) => {
      this.#remember(socket);
      const others = this.#nsps.filter((known) => known.nsp.name !== nsp.name);
      this.#nsps = others.concat(socket);
      if (this.#connectTimer !== undefined) {
        clearTimeout(this.#connectTimer);
        this.#connectTimer = undefined;
      }
    });
  }

  #socketOf(nsp: string): Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined {
    return this.#nsps.find((known) => known.nsp.name === nsp);
  }

  /** Same id twice replaces the entry, as the Map it used to be. */
  #remember(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    const index = this.#sockets.findIndex((known) => known.id === socket.id);
    // concat() allocates the exact length (a push or a spread reserves room for ~17 elements).
    if (index === -1) this.#sockets = this.#sockets.concat(socket);
    else this.#sockets[index] = socket;
  }

  #onclose(reason: DisconnectReason, description?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.conn.off('message', this.#connOnMessage, this);
    this.conn.off('error', this.#connOnError, this);
    this.conn.off('close', this.#connOnClose, this);
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    for (const socket of [...this.#sockets]) socket._onclose(reason, description);
    this.#sockets = [];
    this.#nsps = [];
    this.#decoder.reset();
  }
}

const ENGINE_REASONS: ReadonlySet<string> = new Set<DisconnectReason>([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'parse error',
  'server shutting down',
]);

function toDisconnectReason(reason: string): DisconnectReason {
  return ENGINE_REASONS.has(reason) ? (reason as DisconnectReason) : 'transport close';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
