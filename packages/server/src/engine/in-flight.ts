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

  /** A request under path, tracked until its response is closed. */
  trackResponse(res: ServerResponse): void {
    this.#responses.add(res);
    res.once('close', () => this.#responses.delete(res));
  }

  /** An upgrade socket, tracked until a WebSocket owns it (see `adoptWebSocket`) or it closes. */
  trackUpgrade(socket: Duplex): void {
    this.#upgrades.add(socket);
    socket.once('close', () => this.#upgrades.delete(socket));
  }

  adoptWebSocket(socket: Duplex, ws: WebSocket): void {
    this.#upgrades.delete(socket);
    this.#websockets.add(ws);
    ws.once('close', () => this.#websockets.delete(ws));
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
