// Test-only helper: the REAL engine.io server on 127.0.0.1, port 0.
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'engine.io';
import type { ServerOptions, Socket as ServerSocket } from 'engine.io';

export interface TestEngineServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly engine: Server;
  readonly http: HttpServer;
  /** Resolves with the next server-side socket. */
  nextConnection(): Promise<ServerSocket>;
  close(): Promise<void>;
}

export async function startEngineServer(options: Partial<ServerOptions> = {}): Promise<TestEngineServer> {
  const http = createServer();
  const engine = new Server(options);
  engine.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const close = async (): Promise<void> => {
    engine.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    engine,
    http,
    nextConnection: () => new Promise((resolve) => engine.once('connection', resolve)),
    close,
    [Symbol.asyncDispose]: close,
  };
}
