// In-memory stand-ins for unit tests of the socket layer: an engine session without any transport.
import { EventEmitter } from 'eventemitter3';
import type { IncomingMessage } from 'node:http';
import { afterEach } from 'vitest';
import { SocketPacketDecoder, isProtocolError } from '@switchback/protocol';
import type { BinaryLike, SocketPacket } from '@switchback/protocol';
import type { EngineSocket } from './engine/index.js';
import { Server } from './server.js';
import type { ServerOptions } from './server-options.js';
import type { Socket } from './socket.js';
import type { EventsMap } from './typed-events.js';

let nextId = 0;

/** An EventEmitter (eventemitter3, as EngineSocket: listeners may take a context) with the EngineSocket surface the socket layer uses; records what is sent. */
export class FakeEngineSocket extends EventEmitter {
  readonly id = `eio${nextId++}`;
  readonly protocol = 4;
  readonly request: IncomingMessage;
  readonly remoteAddress = '127.0.0.1';
  readyState: 'opening' | 'open' | 'closing' | 'closed' = 'open';
  readonly transport = { name: 'polling' as 'polling' | 'websocket', writable: true };
  upgraded = false;
  /** Every frame written, in order. */
  readonly frames: Array<string | BinaryLike> = [];
  readonly #decoder = new SocketPacketDecoder();
  /** Frames decoded back into packets (binary packets once complete). */
  readonly packets: SocketPacket[] = [];
  closeReason: string | undefined;

  constructor(url = '/socket.io/?EIO=4&transport=polling', headers: Record<string, string> = {}) {
    super();
    this.request = { url, headers, socket: {} } as unknown as IncomingMessage;
  }

  send(data: string | BinaryLike): this {
    this.frames.push(data);
    const decoded = this.#decoder.add(data);
    if (decoded !== undefined && !isProtocolError(decoded)) this.packets.push(decoded);
    return this;
  }

  write(data: string | BinaryLike): this {
    return this.send(data);
  }

  /** Nothing is held: frames are recorded as they are sent. */
  cork(): this {
    return this;
  }

  uncork(): this {
    return this;
  }

  close(): this {
    if (this.readyState === 'closed') return this;
    this.readyState = 'closed';
    this.closeReason = 'forced close';
    this.emit('close', 'forced close');
    return this;
  }

  /** The engine delivering a message from the client. */
  receive(...chunks: Array<string | Buffer>): void {
    for (const chunk of chunks) this.emit('message', chunk);
  }

  /** The engine ending the session on its own (ping timeout, transport close...). */
  end(reason: string): void {
    this.readyState = 'closed';
    this.emit('close', reason);
  }

  /** Waits until a packet matching `predicate` has been sent. */
  async waitForPacket(predicate: (packet: SocketPacket) => boolean): Promise<SocketPacket> {
    for (;;) {
      const found = this.packets.find(predicate);
      if (found !== undefined) return found;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Opens a fake session on `io` (through io.engine's `connection` event, as a real one would). */
export function openFakeSession<L extends EventsMap, E extends EventsMap, S extends EventsMap, D>(
  io: Server<L, E, S, D>,
  url?: string,
  headers?: Record<string, string>,
): FakeEngineSocket {
  const conn = new FakeEngineSocket(url, headers);
  io.engine.emit('connection', conn as unknown as EngineSocket);
  return conn;
}

/**
 * `count` fake sessions on `io`, each with its main-namespace Socket connected, and what the CONNECT
 * answers recorded on them cleared.
 */
export async function connectFakeSockets(io: Server, count: number): Promise<{ conns: FakeEngineSocket[]; sockets: Socket[] }> {
  const conns: FakeEngineSocket[] = [];
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const ready = new Promise<Socket>((resolve) => io.once('connection', resolve));
    const conn = openFakeSession(io);
    conn.receive('0');
    sockets.push(await ready);
    conn.frames.length = 0;
    conn.packets.length = 0;
    conns.push(conn);
  }
  return { conns, sockets };
}

/** Lets process.nextTick / setImmediate work (middleware, event dispatch) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** For a test file: makes Servers (no http server attached), each closed after its test. */
export function useServers(): (opts?: Partial<ServerOptions>) => Server {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const io of servers.splice(0)) await io.close();
  });
  return (opts = {}) => {
    const io = new Server(opts);
    servers.push(io);
    return io;
  };
}
