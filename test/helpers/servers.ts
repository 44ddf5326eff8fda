import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from '@switchback/server';
import { afterEach } from 'vitest';
import { Clients } from './clients.js';

export interface TestServer extends AsyncDisposable {
  readonly io: Server;
  readonly http: HttpServer;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** A Switchback Server on a fresh http.Server on 127.0.0.1 (port 0 unless given). */
export async function startServer(options: Partial<ServerOptions> = {}, port = 0): Promise<TestServer> {
  const http = createServer();
  const io = new Server(http, options);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (http.address() as AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => {
      io.close(() => resolve());
    });
    http.closeAllConnections();
  };
  return { io, http, port: actual, url: `http://127.0.0.1:${actual}`, close, [Symbol.asyncDispose]: close };
}

/**
 * Per test of the calling file or describe block: servers started with `start` and clients opened with
 * `clients` are closed after each test, even when it failed.
 */
export function useServers(): { clients: Clients; start: typeof startServer } {
  const clients = new Clients();
  const servers: TestServer[] = [];
  afterEach(async () => {
    clients.closeAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start: typeof startServer = async (options, port) => {
    const server = await startServer(options, port);
    servers.push(server);
    return server;
  };
  return { clients, start };
}
