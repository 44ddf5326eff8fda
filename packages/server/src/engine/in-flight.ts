import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { EngineErrorCode, EngineRequestError, abortRequest } from './errors.js';

/**
 * Everything of one EngineServer that holds a connection open: polling requests not answered yet,
 * upgrades whose WebSocket does not exist yet, and open WebSockets (sessions and upgrade probes alike).
 * On shutdown each is ended, so `http.Server#close()` (which only closes idle connections) completes.
 */
export class InFlight {
  readonly #responses = new Set<ServerResponse>();
  readonly #upgrades = new Set<Duplex>();
  readonly #websockets = new Set<WebSocket>();
  readonly #onResponseClose = ((responses: Set<ServerResponse>) =>
    function (this: ServerResponse): void {
      responses.delete(this);
    })(this.#responses);
  // One listener function each for every connection (Node calls it with the emitter as `this`).
  readonly #onUpgradeClose = ((upgrades: Set<Duplex>) =>
    function (this: Duplex): void {
      upgrades.delete(this);
    })(this.#upgrades);
  readonly #onWebSocketClose = ((websockets: Set<WebSocket>) =>
    function (this: WebSocket): void {
      websockets.delete(this);
    })(this.#websockets);

  /** A request under path, tracked until its response is closed. */
  trackResponse(res: ServerResponse): void {
    this.#responses.add(res);
    // 'close' comes once; on() spares the wrapper once() allocates per request.
    res.on('close', this.#onResponseClose);
  }

  /**
   * A held GET that its session's transport answers on shutdown (EngineServer.close() closes every
   * session first): no need to track it twice (one 'close' listener less per held GET).
   */
  untrackResponse(res: ServerResponse): void {
    if (this.#responses.delete(res)) res.off('close', this.#onResponseClose);
  }

  /** An upgrade socket, tracked until a WebSocket owns it (see `adoptWebSocket`) or it closes. */
  trackUpgrade(socket: Duplex): void {
    this.#upgrades.add(socket);
    socket.on('close', this.#onUpgradeClose);
  }

  adoptWebSocket(socket: Duplex, ws: WebSocket): void {
    // Only upgrades that waited for asynchronous checks were tracked.
    if (this.#upgrades.delete(socket)) socket.off('close', this.#onUpgradeClose);
    this.#websockets.add(ws);
    ws.on('close', this.#onWebSocketClose);
  }

  /** Answers every pending request (connection closed after it) and drops every upgrade and WebSocket. */
  abortAll(): void {
    for (const res of [...this.#responses]) refuseClosed(res);
    for (const socket of [...this.#upgrades]) socket.destroy();
    for (const ws of [...this.#websockets]) ws.terminate();
    this.#upgrades.clear();
    this.#websockets.clear();
  }
}

/**
 * Answers a request reaching a closed server: there is no session any more (400 "Session ID unknown",
 * which clients treat like any lost session), and the keep-alive connection is closed after it so a
 * closing http.Server is not kept waiting for its idle timeout.
 */
export function refuseClosed(res: ServerResponse): void {
  if (res.writableEnded) return;
  if (!res.headersSent) res.setHeader('Connection', 'close');
  abortRequest(res, new EngineRequestError(EngineErrorCode.UNKNOWN_SID, { name: 'SERVER_CLOSED' }));
}
