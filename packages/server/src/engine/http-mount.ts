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

/** What to do with upgrades of other paths (engine.io's destroyUpgrade/destroyUpgradeTimeout). */
export interface ForeignUpgradePolicy {
  readonly destroyUpgrade: boolean;
  readonly destroyUpgradeTimeout: number;
}

/**
 * Sends upgrades under `path` to `handle` and calls `onClose` once when `server` closes.
 * Returns the function that removes both listeners (and stops the pending destroy timers).
 */
export function mountUpgrades(
  server: HttpServer,
  path: string,
  handle: UpgradeHandler,
  onClose: () => void,
  policy: ForeignUpgradePolicy = DEFAULT_POLICY,
): () => void {
  const pending = new Set<ForeignUpgrade>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (matchesPath(req.url, path)) {
      handle(req, socket, head);
    } else if (policy.destroyUpgrade) {
      // Without destroyUpgrade, upgrades of other paths are left alone, whether or not anyone handles them.
      if (server.listenerCount('upgrade') === 1) {
        // Ours is the only listener: do what Node does without one instead of leaving the socket open.
        socket.destroy();
      } else {
        pending.add(new ForeignUpgrade(socket, pending, policy.destroyUpgradeTimeout));
      }
    }
  };
  server.on('upgrade', onUpgrade);
  server.once('close', onClose);
  return () => {
    server.off('upgrade', onUpgrade);
    server.off('close', onClose);
    for (const upgrade of pending) upgrade.cancel();
  };
}

const DEFAULT_POLICY: ForeignUpgradePolicy = { destroyUpgrade: true, destroyUpgradeTimeout: 1000 };

/**
 * An upgrade of another path while other 'upgrade' listeners exist: they get `timeout` ms to answer
 * it; if nothing was written by then it is ended, so an upgrade nobody handled does not leak.
 */
class ForeignUpgrade {
  readonly #socket: Duplex;
  readonly #pending: Set<ForeignUpgrade>;
  readonly #timer: NodeJS.Timeout;

  constructor(socket: Duplex, pending: Set<ForeignUpgrade>, timeout: number) {
    this.#socket = socket;
    this.#pending = pending;
    this.#timer = setTimeout(() => this.#expire(), timeout);
    // A forgotten socket must not keep the process alive.
    this.#timer.unref();
    // Ending a socket the peer already reset may emit 'error': nobody else may be listening.
    socket.on('error', foreignUpgradeOnError);
    socket.once('close', () => this.cancel());
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#pending.delete(this);
  }

  #expire(): void {
    this.#pending.delete(this);
    const socket = this.#socket;
    // engine.io's test: a listener that answered (even with an error status) wrote something.
    if (socket.writable && bytesWritten(socket) <= 0) socket.end();
  }
}

function foreignUpgradeOnError(): void {
  // See ForeignUpgrade: the socket is being given up anyway.
}

/** `net.Socket#bytesWritten`; a Duplex without it (tests, custom servers) counts as written to. */
function bytesWritten(socket: Duplex): number {
  const written: unknown = (socket as Duplex & { bytesWritten?: unknown }).bytesWritten;
  return typeof written === 'number' ? written : 1;
}
