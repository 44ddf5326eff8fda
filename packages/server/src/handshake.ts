import { parse as parseQuery } from 'node:querystring';
import type { EngineSocket } from './engine/index.js';
import type { Handshake } from './socket-types.js';

/** socket.handshake from the session's first request, as socket.io builds it. */
export function buildHandshake(conn: EngineSocket, auth: Record<string, unknown>): Handshake {
  const req = conn.request;
  const url = req.url ?? '/';
  const queryIndex = url.indexOf('?');
  return {
    headers: req.headers,
    time: String(new Date()),
    address: conn.remoteAddress,
    xdomain: req.headers.origin !== undefined,
    secure: 'encrypted' in req.socket && req.socket.encrypted === true,
    issued: Date.now(),
    url,
    query: queryIndex === -1 ? {} : parseQuery(url.slice(queryIndex + 1)),
    auth,
  };
}
