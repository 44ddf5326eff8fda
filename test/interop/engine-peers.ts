// Engine.IO-level peers for the interop matrix: a server (Switchback's engine or the reference engine.io 6)
// and a client (Switchback's engine Socket or the reference engine.io-client 6), seen through
// Switchback's engine types; reference objects are cast at this one boundary.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket as SwitchbackEngineClient } from '@switchback/client/engine';
import type { SocketOptions as EngineClientOptions } from '@switchback/client/engine';
import { attach as switchbackAttach } from '@switchback/server/engine';
import type { EngineServer, EngineServerOptions } from '@switchback/server/engine';
import { attach as referenceAttach } from 'engine.io';
import { Socket as ReferenceEngineClient } from 'engine.io-client';
import type { SocketOptions as ReferenceClientOptions } from 'engine.io-client';
import { transportsOf, type Direction, type Implementation, type Mode } from './socket-peers.js';

export type { Direction, Mode };

export const engineDirections: readonly Direction[] = [
  { name: 'engine.io-client -> switchback engine', server: 'switchback', client: 'reference' },
  { name: 'switchback engine client -> engine.io server', server: 'reference', client: 'switchback' },
  { name: 'engine.io-client -> engine.io server (baseline)', server: 'reference', client: 'reference' },
];

export interface EnginePair extends AsyncDisposable {
  readonly engine: EngineServer;
  readonly url: string;
  /** Opens an engine client with the mode's transports. */
  open(options?: EngineClientOptions): SwitchbackEngineClient;
  close(): Promise<void>;
}

function attachServer(impl: Implementation, http: ReturnType<typeof createServer>, options: EngineServerOptions): EngineServer {
  if (impl === 'switchback') return switchbackAttach(http, options);
  return referenceAttach(http, options as Parameters<typeof referenceAttach>[1]) as unknown as EngineServer;
}

export async function startEnginePair(direction: Direction, mode: Mode, options: EngineServerOptions = {}): Promise<EnginePair> {
  const http = createServer();
  const engine = attachServer(direction.server, http, options);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: SwitchbackEngineClient[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const client of clients.splice(0)) client.close();
    engine.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return {
    engine,
    url,
    open(clientOptions = {}) {
      const opts: EngineClientOptions = { transports: transportsOf(mode), ...clientOptions };
      const client =
        direction.client === 'switchback'
          ? new SwitchbackEngineClient(url, opts)
          : (new ReferenceEngineClient(url, opts as Partial<ReferenceClientOptions>) as unknown as SwitchbackEngineClient);
      clients.push(client);
      return client;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
