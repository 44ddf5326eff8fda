// Socket.IO-level peers for the interop matrix: a server (Switchback or the reference socket.io 4) and a
// client (Switchback or the reference socket.io-client 4). Scenarios see both through Switchback's types:
// the APIs are meant to be the same (moving from Socket.IO is a change of import), and the reference
// objects are cast to them at this one boundary.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as switchbackIo } from '@switchback/client';
import type { ManagerOptions, Socket as ClientSocket, SocketOptions } from '@switchback/client';
import type { Server, ServerOptions } from '@switchback/server';
import { Server as ReferenceServer } from 'socket.io';
import { io as referenceIo } from 'socket.io-client';
import { startServer } from '../helpers/servers.js';

export type Implementation = 'switchback' | 'reference';
export type Mode = 'polling' | 'websocket' | 'upgrade';
export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

export interface Direction {
  readonly name: string;
  readonly server: Implementation;
  readonly client: Implementation;
}

/** Both directions under test, plus the reference pair that calibrates what "correct" means. */
export const directions: readonly Direction[] = [
  { name: 'socket.io-client -> switchback server', server: 'switchback', client: 'reference' },
  { name: 'switchback client -> socket.io server', server: 'reference', client: 'switchback' },
  { name: 'socket.io-client -> socket.io server (baseline)', server: 'reference', client: 'reference' },
];

export const modes: readonly Mode[] = ['polling', 'websocket', 'upgrade'];

export function transportsOf(mode: Mode): Array<'polling' | 'websocket'> {
  if (mode === 'upgrade') return ['polling', 'websocket'];
  return [mode];
}

/** The transport a session settles on in a mode. */
export function finalTransport(mode: Mode): 'polling' | 'websocket' {
  return mode === 'polling' ? 'polling' : 'websocket';
}

interface RunningServer {
  readonly io: Server;
  readonly port: number;
  close(): Promise<void>;
}

async function startReference(options: Partial<ServerOptions>, port: number): Promise<RunningServer> {
  const http = createServer();
  // The reference accepts the same option names; its option type is its own.
  const io = new ReferenceServer(http, options as ConstructorParameters<typeof ReferenceServer>[1]);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  let closed = false;
  return {
    io: io as unknown as Server,
    port: (http.address() as AddressInfo).port,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      http.closeAllConnections();
    },
  };
}

async function startPeerServer(impl: Implementation, options: Partial<ServerOptions>, port: number): Promise<RunningServer> {
  if (impl === 'reference') return startReference(options, port);
  const server = await startServer(options, port);
  return { io: server.io, port: server.port, close: () => server.close() };
}

/** One server and the clients opened against it; `close()` stops everything, even after a failure. */
export interface SocketPair extends AsyncDisposable {
  /** The server currently running (a new object after `restart()`). */
  readonly io: Server;
  readonly url: string;
  /** Opens a client to `nsp` ('' or '/' for the main namespace) with the mode's transports. */
  open(nsp?: string, options?: ClientOptions): ClientSocket;
  /** Opens a client and waits for 'connect'; rejects with the connect_error if that comes first. */
  connect(nsp?: string, options?: ClientOptions): Promise<ClientSocket>;
  /** Stops the server (clients stay, to watch them reconnect). */
  stop(): Promise<void>;
  /** Starts a fresh server on the same port with the same options. */
  restart(): Promise<Server>;
  close(): Promise<void>;
}

export async function startPair(direction: Direction, mode: Mode, serverOptions: Partial<ServerOptions> = {}): Promise<SocketPair> {
  let server = await startPeerServer(direction.server, serverOptions, 0);
  const port = server.port;
  const url = `http://127.0.0.1:${port}`;
  const clients: ClientSocket[] = [];
  const open = (nsp = '', options: ClientOptions = {}): ClientSocket => {
    const opts: ClientOptions = { forceNew: true, reconnection: false, transports: transportsOf(mode), ...options };
    const socket =
      direction.client === 'switchback'
        ? switchbackIo(`${url}${nsp}`, opts)
        : (referenceIo(`${url}${nsp}`, opts as Parameters<typeof referenceIo>[1]) as unknown as ClientSocket);
    clients.push(socket);
    return socket;
  };
  const close = async (): Promise<void> => {
    for (const socket of clients.splice(0)) socket.io.disconnect();
    await server.close();
  };
  return {
    get io() {
      return server.io;
    },
    url,
    open,
    connect(nsp, options) {
      const socket = open(nsp, options);
      return new Promise<ClientSocket>((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (err: Error) => reject(err));
      });
    },
    stop: () => server.close(),
    async restart() {
      server = await startPeerServer(direction.server, serverOptions, port);
      return server.io;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
