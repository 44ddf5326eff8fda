// engine.io's listen(): a bare http.Server on a port with the engine attached.
import { createServer } from 'node:http';
import type { ListenOptions } from 'node:net';
import { EngineServer } from './server.js';
import type { EngineServerOptions } from './options.js';

/**
 * Creates an http.Server answering 501 outside the engine's path, attaches an EngineServer and
 * listens on `port` (or net ListenOptions such as `{ port, host }`). The server is `engine.httpServer`.
 *
 * @example
 * const engine = listen(3000, {}, () => console.log('listening'));
 */
export function listen(port: number | ListenOptions, options?: EngineServerOptions, callback?: () => void): EngineServer {
  const httpServer = createServer((_req, res) => {
    res.writeHead(501);
    res.end('Not Implemented');
  });
  const engine = new EngineServer(options);
  engine.attach(httpServer);
  engine.httpServer = httpServer;
  httpServer.listen(port, callback);
  return engine;
}
