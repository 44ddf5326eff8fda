import type { IncomingMessage } from 'node:http';
import { PacketType, ProtocolError, SocketPacketDecoder, encodeSocketPacket, isPacketValid, isProtocolError } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import { messagesOf } from './adapter.js';
import type { EncodedPacket, WriteOptions } from './adapter.js';
import type { EngineSocket } from './engine/index.js';
import { sessionInternals } from './engine/session.js';
import type { EngineCloseReason, SessionConsumer } from './engine/session.js';
import { COMPRESS, NO_COMPRESS } from './engine/transport.js';
import type { Server } from './server.js';
import type { Parser, ParserDecoder } from './server-options.js';
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
> implements SessionConsumer {
  readonly conn: EngineSocket;
  /** The engine session id. */
  get id(): string {
    return this.conn.id;
  }

  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;

  /**
   * Own decoder only while a binary packet of this client waits for attachments (see sharedDecoder); with
   * the server's `parser` option, this client's custom decoder for good (its add() always returns undefined).
   */
  #decoder: SocketPacketDecoder | CustomDecoding | undefined;
  /**
   * The sockets of this client, one per namespace joined (see #remember): the socket itself while
   * there is one (usually: a client has a socket per namespace, and an array of one costs ~56 bytes
   * per idle session), an array from the second on, NO_SOCKETS when none.
   */
  #sockets: ClientSocket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | Array<ClientSocket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = NO_SOCKETS;
  /** Decoded packets waiting for their tick (see #enqueue); null when none. */
  #queue: DispatchQueue<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | null = null;
  /** Until a namespace is joined (connectTimers: not a field, it lasts a round trip). */
  get #connectTimer(): ReturnType<typeof setTimeout> | undefined {
    return connectTimers.get(this);
  }

  set #connectTimer(timer: ReturnType<typeof setTimeout> | undefined) {
    if (timer === undefined) connectTimers.delete(this);
    else connectTimers.set(this, timer);
  }

  get #closed(): boolean {
    return closedClients.has(this);
  }

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, conn: EngineSocket) {
    this.server = server;
    this.conn = conn;
    // The session calls this client directly (no listener records per session); a stand-in session
    // (unit tests) gets listeners, shared methods with this client as context (eventemitter3).
    if (!sessionInternals.setConsumer(conn, this)) {
      conn.on('message', this._onConnMessage, this);
      conn.on('error', this.#connOnError, this);
      conn.on('close', this._onConnClose, this);
    }
    const parser = server.opts.parser;
    if (parser !== undefined) {
      this.#decoder = new CustomDecoding(
        parser,
        (packet) => this.#ondecoded(packet),
        (err) => this.#onProtocolError(err),
      );
    }
    // A session that never joins a namespace would otherwise live on pings alone.
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = undefined;
      if (this.#sockets === NO_SOCKETS) this.close();
    }, server._connectTimeoutMs);
    // Switchback's client names, in its WebSocket handshake, the namespace whose CONNECT (without
    // payload) it writes first, as soon as the WebSocket opens. Connected from here, the answer follows
    // the open packet instead of coming a round trip later, and that CONNECT arrives as an echo. On the
    // next tick: the app's own engine 'connection' listeners run first, as they would have.
    const hint = connectHint(sessionInternals.requestUrl(conn) ?? (conn.request as IncomingMessage | null)?.url);
    if (hint !== undefined) {
      echoes.set(this, hint);
      process.nextTick(connectHinted, this, hint);
    }
    // Socket.IO v2 clients (Engine.IO v3, allowEIO3) are in the main namespace from the start: they send
    // no CONNECT for it (as socket.io's server connects them).
    if (conn.protocol === 3) this.#connect('/', {});
  }

  /** @internal The handshake's `sbconnect` namespace, connected without auth (see the constructor). */
  _connectHinted(name: string): void {
    if (this.conn.readyState === 'open') this.#connect(name, undefined);
  }

  /** The first HTTP request of the session. */
  get request(): IncomingMessage {
    return this.conn.request;
  }

  /** @internal Encodes and writes one packet; dropped when the session is no longer open. */
  _packet(packet: SocketPacket, options: WriteOptions = {}): void {
    if (this.conn.readyState !== 'open') return;
    const customEncode = this.server._customEncode;
    this._writeEncoded(customEncode === undefined ? encodeSocketPacket(packet) : customEncode(packet), options);
  }

  /** @internal Writes frames encoded once (possibly for many clients). */
  _writeEncoded(encoded: EncodedPacket, options: WriteOptions): void {
    if (this.conn.readyState !== 'open') return;
    // Volatile: better lost than late. All frames of a packet go together, so one check covers them.
    // While connecting (see _connecting) the CONNECT answer is held but counts as in flight, as it was.
    if (options.volatile === true && (!this.conn.transport.writable || connecting.has(this))) return;
    // Shared frozen options: no object per packet (the engine carries them on its packets as they are).
    // A pre-encoded WebSocket frame is the frame of a packet's only message: its options go as they are.
    const sendOptions =
      options.wsPreEncodedFrame !== undefined && encoded.length === 1 ? options : options.compress === false ? NO_COMPRESS : COMPRESS;
    for (const frame of encoded) this.conn.send(frame, sendOptions);
  }

  /**
   * @internal socket.io's name for _writeEncoded(), called by adapters built on socket.io-adapter, whose
   * broadcasts bring their WebSocket frame (`wsPreEncodedFrame`, from ws's Sender.frame()).
   */
  writeToEngine(encoded: EncodedPacket, options: WriteOptions = {}): void {
    const messages = messagesOf(encoded);
    const volatile = options.volatile === true;
    const compress = options.compress !== false;
    const frame = options.wsPreEncodedFrame;
    this._writeEncoded(messages, Array.isArray(frame) ? { volatile, compress, wsPreEncodedFrame: frame } : { volatile, compress });
  }

  /**
   * @internal Runs a namespace's connect (its CONNECT answer, then the 'connection' listeners) with the
   * session corked: the answer and whatever the listeners send synchronously leave in one transport
   * write (over WebSocket one TCP write instead of one per packet, after a tick for the first's drain).
   * A volatile emit in there is dropped, as it was when the answer had made the transport busy.
   */
  _connecting(connect: () => void): void {
    connecting.add(this);
    this.conn.cork();
    try {
      connect();
    } finally {
      connecting.delete(this);
      this.conn.uncork();
    }
  }

  /** @internal */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    const sockets = this.#sockets;
    if (sockets === socket) this.#sockets = NO_SOCKETS;
    else if (Array.isArray(sockets) && sockets.includes(socket)) {
      const rest = sockets.filter((known) => known !== socket);
      this.#sockets = rest.length === 0 ? NO_SOCKETS : rest.length === 1 ? (rest[0] as ClientSocket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) : rest;
    }
  }

  /** A copy of the sockets, to walk while they may be removed. */
  #socketList(): Array<ClientSocket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    const sockets = this.#sockets;
    return Array.isArray(sockets) ? [...sockets] : [sockets];
  }

  /** @internal `socket.disconnect(true)`: every namespace gets DISCONNECT, then the session closes. */
  _disconnect(): void {
    for (const socket of this.#socketList()) socket.disconnect();
    this.#sockets = NO_SOCKETS;
    this.close();
  }

  /** Closes the session; remaining sockets disconnect with `forced server close`. */
  close(): void {
    if (this.conn.readyState !== 'open') return;
    this.#onclose('forced server close');
    this.conn.close();
  }

  /** @internal socket.io's name for the session's message handler (its tests feed packets through it). */
  ondata(data: string | Buffer): void {
    this._onConnMessage(data);
  }

  /** @internal The session's message (see SessionConsumer). */
  _onConnMessage(data: string | Buffer): void {
    const decoder = this.#decoder ?? sharedDecoder;
    const result = decoder.add(data);
    if (result === undefined) {
      // A binary packet waits for its attachments: that state is this client's from now on.
      if (decoder === sharedDecoder) {
        this.#decoder = decoder;
        sharedDecoder = new SocketPacketDecoder();
      }
      return;
    }
    // Complete (or failed): the decoder holds nothing any more.
    this.#decoder = undefined;
    if (isProtocolError(result)) this.#onProtocolError(result);
    else this.#ondecoded(result);
  }

  #connOnError(err: Error): void {
    // The engine follows an error with its own close ('transport error'); only report it here.
    for (const socket of this.#socketList()) socket._onerror(err);
  }

  /** @internal The session closed (see SessionConsumer). */
  _onConnClose(reason: EngineCloseReason | string, description?: unknown): void {
    // Packets decoded just before the close (a DISCONNECT and the close packet in one payload, as
    // socket.io-client sends on disconnect()) are dispatched on the next tick: let them run first, so
    // the socket sees 'client namespace disconnect' and their events are not dropped.
    process.nextTick(() => this.#onclose(toDisconnectReason(reason), description));
  }

  #ondecoded(packet: SocketPacket): void {
    if (packet.type === PacketType.CONNECT && echoes.get(this) === packet.nsp) {
      echoes.delete(this);
      // Without payload it is the echo of the handshake's hint; with one it is not (our client names only
      // a CONNECT it wrote without payload) and is handled as any second CONNECT.
      if (packet.data === undefined) return;
    }
    if (packet.type === PacketType.CONNECT && this.conn.protocol === 3) {
      this.#ondecodedV3Connect(packet.nsp);
      return;
    }
    const socket = this.#socketOf(packet.nsp);
    if (socket === undefined && packet.type === PacketType.CONNECT) {
      this.#connect(packet.nsp, isRecord(packet.data) ? packet.data : undefined);
    } else if (socket !== undefined && packet.type !== PacketType.CONNECT && packet.type !== PacketType.CONNECT_ERROR) {
      this.#enqueue(socket, packet);
    } else {
      // A packet for a namespace this client is not in, a second CONNECT, or a CONNECT_ERROR from a client:
      // socket.io treats all of them as an invalid state and closes the session.
      this.close();
    }
  }

  /**
   * A CONNECT of a Socket.IO v2 client: its namespace may carry a query (`/admin?token=1`), which becomes
   * the socket's `handshake.auth` (as socket.io for protocol v3 sessions).
   */
  #ondecodedV3Connect(nsp: string): void {
    let name = nsp;
    let auth: Record<string, unknown> = {};
    if (nsp.includes('?')) {
      const url = new URL(nsp, 'https://socket.io');
      name = url.pathname;
      auth = Object.fromEntries(url.searchParams.entries());
    }
    if (this.#socketOf(name) === undefined) this.#connect(name, auth);
    else this.close();
  }

  /**
   * Packets are dispatched on the next tick, once the whole payload is decoded (as socket.io does with
   * a nextTick per packet): one tick for all the packets decoded in the meantime, in order.
   */
  #enqueue(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, packet: SocketPacket): void {
    const queue = this.#queue;
    if (queue !== null) {
      queue.sockets.push(socket);
      queue.packets.push(packet);
      return;
    }
    this.#queue = { sockets: [socket], packets: [packet] };
    process.nextTick(drainQueue, this);
  }

  /** @internal Runs the queued packets; those queued meanwhile run in the same loop. */
  _drain(): void {
    const queue = this.#queue;
    if (queue === null) return;
    let next = 0;
    try {
      while (next < queue.packets.length) {
        const index = next;
        next += 1;
        queue.sockets[index]?._onpacket(queue.packets[index] as SocketPacket);
      }
    } finally {
      if (next < queue.packets.length) {
        // A listener threw: the rest still runs, on the next tick (as separate ticks would have).
        queue.sockets.splice(0, next);
        queue.packets.splice(0, next);
        process.nextTick(drainQueue, this);
      } else {
        this.#queue = null;
      }
    }
  }

  /**
   * Bad input: a ProtocolError of our decoder, or what a custom parser's decoder threw. Each socket gets
   * the error, then the session is closed as socket.io closes it: reason 'forced close' ('parse error' is
   * the engine's, for input that is not even an Engine.IO packet).
   */
  #onProtocolError(err: Error): void {
    for (const socket of this.#socketList()) socket._onerror(err);
    if (this.conn.readyState !== 'open') return;
    this.#onclose('forced close', err);
    this.conn.close();
  }

  /** `auth` undefined: the CONNECT had no payload (the socket's handshake.auth is then a fresh `{}`). */
  #connect(name: string, auth: Record<string, unknown> | undefined): void {
    if (this.server._nsps.has(name)) {
      this.#doConnect(name, auth);
      return;
    }
    const given = auth ?? {};
    this.server._checkNamespace(name, given, (allowed) => {
      if (allowed) this.#doConnect(name, given);
      // A Socket.IO v2 client reads the error as a plain string.
      else this._packet({ type: PacketType.CONNECT_ERROR, nsp: name, data: this.conn.protocol === 3 ? 'Invalid namespace' : { message: 'Invalid namespace' } });
    });
  }

  #doConnect(name: string, auth: Record<string, unknown> | undefined): void {
    if (this.#closed) return;
    const nsp = this.server.of(name);
    nsp._add(this, auth, (socket) => {
      this.#remember(socket);
      if (this.#connectTimer !== undefined) {
        clearTimeout(this.#connectTimer);
        this.#connectTimer = undefined;
      }
    });
  }

  #socketOf(nsp: string): Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined {
    const sockets = this.#sockets;
    if (!Array.isArray(sockets)) return sockets.nsp.name === nsp ? sockets : undefined;
    // The latest socket of that namespace; a loop rather than find(): no closure per decoded packet.
    for (let i = sockets.length - 1; i >= 0; i -= 1) {
      const known = sockets[i];
      if (known?.nsp.name === nsp) return known;
    }
    return undefined;
  }

  /**
   * Every connected socket is kept (two CONNECTs racing through async middleware give two, and both
   * must be closed with the session); packets go to the latest of a namespace (see #socketOf).
   */
  #remember(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    const sockets = this.#sockets;
    if (sockets === NO_SOCKETS) {
      this.#sockets = socket;
      return;
    }
    if (sockets === socket || (Array.isArray(sockets) && sockets.includes(socket))) return;
    // concat() allocates the exact length (a push or a spread reserves room for ~17 elements).
    this.#sockets = Array.isArray(sockets) ? sockets.concat(socket) : [sockets, socket];
  }

  #onclose(reason: DisconnectReason, description?: unknown): void {
    if (this.#closed) return;
    closedClients.add(this);
    if (!sessionInternals.setConsumer(this.conn, null)) {
      this.conn.off('message', this._onConnMessage, this);
      this.conn.off('error', this.#connOnError, this);
      this.conn.off('close', this._onConnClose, this);
    }
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    for (const socket of this.#socketList()) socket._onclose(reason, description);
    this.#sockets = NO_SOCKETS;
    this.#decoder?.reset();
    this.#decoder = undefined;
  }
}

/**
 * A custom parser's decoder (the server's `parser` option) behind our decoder's add() / reset(): packets
 * come out of its 'decoded' events, checked as our decoder checks its own, and whatever add() throws (or
 * a packet that fails the check) is reported once; the decoder ignores its input from then on.
 */
class CustomDecoding {
  readonly #decoder: ParserDecoder;
  readonly #onError: (err: Error) => void;
  #failed = false;

  constructor(parser: Parser, onPacket: (packet: SocketPacket) => void, onError: (err: Error) => void) {
    this.#onError = onError;
    this.#decoder = new parser.Decoder();
    this.#decoder.on('decoded', (packet: unknown) => {
      if (this.#failed) return;
      const decoded = asDecodedPacket(packet);
      if (decoded !== undefined) onPacket(decoded);
      else this.#fail(new ProtocolError('INVALID_PAYLOAD', 'invalid packet'));
    });
  }

  /** Always undefined: the packets go to the 'decoded' listener. */
  add(chunk: string | Buffer): undefined {
    if (this.#failed) return undefined;
    try {
      this.#decoder.add(chunk);
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
    }
    return undefined;
  }

  /** The client closed: the decoder's destroy(). */
  reset(): void {
    this.#failed = true;
    this.#decoder.destroy();
  }

  #fail(err: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#onError(err);
  }
}

/**
 * A custom decoder's packet as ours would have given it (BINARY_* turned into EVENT / ACK), or undefined
 * when it is not an object of a known type that passes the protocol's isPacketValid().
 */
function asDecodedPacket(packet: unknown): SocketPacket | undefined {
  if (typeof packet !== 'object' || packet === null) return undefined;
  const decoded = packet as SocketPacket;
  const type: unknown = decoded.type;
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 6) return undefined;
  if (type > 4) decoded.type = (type - 3) as SocketPacket['type'];
  return isPacketValid(decoded) ? decoded : undefined;
}

interface DispatchQueue<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> {
  readonly sockets: Array<Socket<L, E, S, D>>;
  readonly packets: SocketPacket[];
}

function drainQueue(client: { _drain(): void }): void {
  client._drain();
}

/** The connect timeout of each client that has not joined a namespace yet (see the constructor). */
const connectTimers = new WeakMap<object, ReturnType<typeof setTimeout>>();
/** Clients closed for good (see #onclose). */
const closedClients = new WeakSet<object>();
/** The namespace connected from the handshake's `sbconnect`, until the client's own CONNECT for it (its echo) arrives. */
const echoes = new WeakMap<object, string>();

/**
 * The `sbconnect` query parameter of a session's first request: a namespace name ("/", "/chat"), or
 * undefined. A name the wire format cannot carry (no leading slash, a comma) is ignored.
 */
function connectHint(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  // The first `sbconnect` parameter of the query, read as URLSearchParams would (`+` is a space) but
  // without parsing the whole query: this runs for every new session, on a cold path.
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  let at = query;
  do {
    at = url.indexOf('sbconnect=', at + 1);
    if (at === -1) return undefined;
  } while (url.charCodeAt(at - 1) !== 38 && at - 1 !== query); // preceded by '&' or the '?'
  const start = at + 10;
  const end = url.indexOf('&', start);
  let name = url.slice(start, end === -1 ? url.length : end);
  if (name.includes('%') || name.includes('+')) {
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      return undefined; // malformed: the client's own CONNECT connects it
    }
  }
  return name.startsWith('/') && !name.includes(',') ? name : undefined;
}

function connectHinted(client: { _connectHinted(name: string): void }, name: string): void {
  client._connectHinted(name);
}

/** Clients inside _connecting(): a Set, not a field, as the state lasts one synchronous block (heap per idle session). */
const connecting = new Set<object>();

type ClientSocket<L extends EventsMap, E extends EventsMap, S extends EventsMap, D> = Socket<L, E, S, D>;

/** Never mutated: `#sockets` is replaced, not edited. */
const NO_SOCKETS: never[] = [];

/**
 * Decodes for every client that has no binary packet in progress: text packets leave no state behind,
 * so a decoder per client would only cost heap per idle session.
 */
let sharedDecoder = new SocketPacketDecoder();

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
