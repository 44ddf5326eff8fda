// How an EngineServer hooks into an http.Server: which URLs are its own, the 'request' takeover and
// the 'upgrade' listener. The engine decides what to do with what it is handed.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Whether `url` is under `path` (normalized, with its trailing slash) or is `path` without that slash. */
export function matchesPath(url: string | undefined, path: string): boolean {
  // Every request of the server goes through here: no split, no slice.
  url ??= '';
  const query = url.indexOf('?');
  const end = query === -1 ? url.length : query;
  if (end >= path.length) return url.startsWith(path);
  // `path` without its trailing slash, nothing else before the query.
  return end === path.length - 1 && path.startsWith(url.slice(0, end));
}

/**
 * Replaces the 'request' listeners of `server`: requests under `path` go to `handle`, others to the
 * listeners registered before (engine.io's approach).
 */
export function mountRequests(server: HttpServer, path: string, handle: RequestHandler): void {
  const previous = server.listeners('request').slice();
  server.removeAllListeners('request');
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (matchesPath(req.url, path)) {
      handle(req, res);
      return;
    }
    for (const listener of previous) Reflect.apply(listener, server, [req, res]);
  };
  server.on('request', onRequest);
}

/**
 * Sends upgrades under `path` to `handle` and calls `onClose` once when `server` closes.
 * Returns the function that removes both listeners.
 */
export function mountUpgrades(server: HttpServer, path: string, handle: UpgradeHandler, onClose: () => void): () => void {
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (matchesPath(req.url, path)) {
      handle(req, socket, head);
    } else if (server.listenerCount('upgrade') === 1) {
      // Ours is the only listener: do what Node does without one instead of leaving the socket open.
      socket.destroy();
    }
  };
  server.on('upgrade', onUpgrade);
  server.once('close', onClose);
  return () => {
    server.off('upgrade', onUpgrade);
    server.off('close', onClose);
  };
}
