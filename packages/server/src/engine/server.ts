import { EventEmitter } from 'eventemitter3';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { BinaryLike } from '@switchback/protocol';
import { applyCors } from './cors.js';
import type { CorsOptions } from './cors.js';
import { resolveCookieOptions, serializeCookie } from './cookie.js';
import type { CookieOptions, ResolvedCookieOptions } from './cookie.js';
import { EngineErrorCode, EngineRequestError, abortRequest, abortUpgrade } from './errors.js';
import { InFlight, refuseClosed } from './in-flight.js';
import { PollCrowding } from './poll-crowding.js';
import { EngineSocket, sessionInternals } from './session.js';
import type { TransportBase, TransportName } from './transport.js';
import { PollingTransport } from './transports/polling.js';
import { WebSocketTransport } from './transports/websocket.js';
import { UpgradeResponse, queryOf, runMiddlewares, verifyRequest } from './verify.js';
import type { AllowRequest, EngineMiddleware, VerifyContext } from './verify.js';

export interface EngineServerOptions {
  /** Requests whose path is this (with or without the trailing slash) or below it are handled. */
  path?: string;
  pingInterval?: number;
  pingTimeout?: number;
  upgradeTimeout?: number;
  maxHttpBufferSize?: number;
  transports?: TransportName[];
  allowUpgrades?: boolean;
  allowRequest?: AllowRequest;
  cookie?: boolean | CookieOptions;
  cors?: CorsOptions;
  /**
   * Longest a polling GET is held before it is answered with a noop. 20 s stays below the read
   * timeouts of common intermediaries (Heroku router 30 s, squid/nginx/ALB 60 s), so an idle poll is
   * never cut by a proxy and misread as a network error. The ping (every pingInterval) also releases it.
   */
  pollHoldTimeout?: number;
  /**
   * Browsers open at most 6 HTTP/1.1 connections per host, shared by every tab of a profile. With one
   * GET held per polling tab, the POSTs (messages, and pongs that must beat pingTimeout) wait until a
   * hold ends. So once this many GETs of one client (remote address, X-Forwarded-For, user agent and
   * cookies but the session cookie) are held, a new GET is held `crowdedPollHold` at most, and the
   * ones already held are answered within `crowdedPollHold` too, to free a connection. Behind a proxy
   * that forwards no address, clients with equal user agent and cookies count as one. `Infinity`
   * turns this off. Default 4.
   */
  crowdedPollThreshold?: number;
  /** Longest hold of a GET while its client is crowded (see `crowdedPollThreshold`). Default 1000 ms. */
  crowdedPollHold?: number;
  /** A message sent right after the open packet (engine.io's option). */
  initialPacket?: unknown;
}

export interface ResolvedEngineServerOptions {
  readonly path: string;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly upgradeTimeout: number;
  readonly maxHttpBufferSize: number;
  readonly transports: readonly TransportName[];
  readonly allowUpgrades: boolean;
  readonly allowRequest: EngineServerOptions['allowRequest'];
  readonly cookie: ResolvedCookieOptions | false;
  readonly cors: CorsOptions | undefined;
  readonly pollHoldTimeout: number;
  readonly crowdedPollThreshold: number;
  readonly crowdedPollHold: number;
  readonly initialPacket: string | BinaryLike | undefined;
}

export interface ConnectionError {
  req: IncomingMessage;
  code: number;
  message: string;
  context: unknown;
}

export interface EngineServerEvents {
  connection: [socket: EngineSocket];
  connection_error: [err: ConnectionError];
  initial_headers: [headers: Record<string, string>, req: IncomingMessage];
  headers: [headers: Record<string, string>, req: IncomingMessage];
}

export type { EngineMiddleware } from './verify.js';
export type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The Engine.IO v4 server: handshake, session registry and routing of polling requests and
 * WebSocket upgrades under `path`.
 *
 * @example
 * const engine = attach(httpServer, { path: '/engine.io/' });
 * engine.on('connection', (socket) => socket.send('hello'));
 */
export class EngineServer extends EventEmitter<EngineServerEvents> {
  /** engine.io's `Server.errors`. */
  static readonly errors = EngineErrorCode;
  readonly opts: ResolvedEngineServerOptions;
  readonly #clients = new Map<string, EngineSocket>();
  readonly #middlewares: EngineMiddleware[] = [];
  readonly #wss: WebSocketServer;
  readonly #detach: Array<() => void> = [];
  /** Headers set by middlewares on an upgrade, merged into the 101 answer by the ws 'headers' hook. */
  readonly #upgradeResponses = new WeakMap<IncomingMessage, ServerResponse>();
  readonly #verifyContext: VerifyContext;
  readonly #inFlight = new InFlight();
  readonly #pollCrowding: PollCrowding;
  #closed = false;

  constructor(options: EngineServerOptions = {}) {
    super();
    const initial = options.initialPacket;
    this.opts = {
      path: `${(options.path ?? '/engine.io').replace(/\/$/, '')}/`,
      pingInterval: options.pingInterval ?? 25_000,
      pingTimeout: options.pingTimeout ?? 20_000,
      upgradeTimeout: options.upgradeTimeout ?? 10_000,
      maxHttpBufferSize: options.maxHttpBufferSize ?? 1e6,
      transports: options.transports ?? ['polling', 'websocket'],
      allowUpgrades: options.allowUpgrades ?? true,
      allowRequest: options.allowRequest,
      cookie: resolveCookieOptions(options.cookie),
      cors: options.cors,
      pollHoldTimeout: options.pollHoldTimeout ?? 20_000,
      crowdedPollThreshold: options.crowdedPollThreshold ?? 4,
      crowdedPollHold: options.crowdedPollHold ?? 1000,
      initialPacket: typeof initial === 'string' || isBinaryLike(initial) ? initial : undefined,
    };
    this.#pollCrowding = new PollCrowding({
      threshold: this.opts.crowdedPollThreshold,
      crowdedHold: this.opts.crowdedPollHold,
      sessionCookie: this.opts.cookie === false ? undefined : this.opts.cookie.name,
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.opts.maxHttpBufferSize,
      // permessage-deflate costs ~300 KB per socket (socket.io#3477); engine.io also disables it.
      perMessageDeflate: false,
    });
    this.#wss.on('headers', (lines, req) => this.#onWebSocketHeaders(lines, req));
    this.#verifyContext = {
      transports: this.opts.transports,
      allowRequest: this.opts.allowRequest,
      sessionTransport: (sid) => this.#clients.get(sid)?.transport.name,
    };
  }

  get clients(): ReadonlyMap<string, EngineSocket> {
    return this.#clients;
  }

  get clientsCount(): number {
    return this.#clients.size;
  }

  /** Adds an Express-style middleware run on every request and upgrade under `path` (engine.io 6.5). */
  use(middleware: EngineMiddleware): void {
    this.#middlewares.push(middleware);
  }

  /** Handles one HTTP request under `path` (polling GET/POST, CORS preflight, handshake). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#closed) {
      refuseClosed(res);
      return;
    }
    this.#inFlight.trackResponse(res);
    void this.#handleRequest(req, res);
  }

  /** Handles one upgrade under `path`: a WebSocket handshake or the upgrade of a polling session. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#inFlight.trackUpgrade(socket);
    void this.#handleUpgrade(req, socket, head);
  }

  /**
   * Takes over 'request' and 'upgrade' of an http.Server for `path`. Request listeners registered
   * before are called for other paths (engine.io's approach); register yours first, or use middleware().
   * The request listener stays after close(): requests under path are then refused, never left unanswered.
   */
  attach(server: HttpServer): void {
    const previous = server.listeners('request').slice();
    server.removeAllListeners('request');
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (this.#matches(req.url)) {
        this.handleRequest(req, res);
        return;
      }
      for (const listener of previous) Reflect.apply(listener, server, [req, res]);
    };
    server.on('request', onRequest);
    this.attachUpgrade(server);
  }

  /** Only the 'upgrade' listener (for Express apps that route requests through middleware()). */
  attachUpgrade(server: HttpServer): void {
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (this.#matches(req.url)) {
        this.handleUpgrade(req, socket, head);
      } else if (server.listenerCount('upgrade') === 1) {
        // Ours is the only listener: do what Node does without one instead of leaving the socket open.
        socket.destroy();
      }
    };
    const onClose = (): void => this.close();
    server.on('upgrade', onUpgrade);
    server.once('close', onClose);
    this.#detach.push(() => {
      server.off('upgrade', onUpgrade);
      server.off('close', onClose);
    });
  }

  /**
   * Express/Connect middleware: requests under `path` are handled, others go to next().
   *
   * @example
   * app.use(engine.middleware());
   * engine.attachUpgrade(httpServer);
   */
  middleware(): ConnectMiddleware {
    return (req, res, next) => {
      const original = 'originalUrl' in req && typeof req.originalUrl === 'string' ? req.originalUrl : req.url;
      if (this.#matches(original)) this.handleRequest(req, res);
      else next();
    };
  }

  /**
   * Closes every session, answers every polling request still in flight, terminates every WebSocket
   * (probes included) and detaches the upgrade listeners, so `http.Server#close()` completes. Requests
   * arriving afterwards are refused with `Connection: close`.
   */
  close(): void {
    // Set first: the answers written while the sessions close carry `Connection: close` (see #decorateHeaders).
    this.#closed = true;
    for (const socket of [...this.#clients.values()]) socket.close(true);
    this.#inFlight.abortAll();
    for (const detach of this.#detach.splice(0)) detach();
    this.#wss.close();
  }

  #matches(url: string | undefined): boolean {
    const pathname = (url ?? '').split('?', 1)[0] ?? '';
    const base = this.opts.path.slice(0, -1);
    return pathname === base || pathname.startsWith(this.opts.path);
  }

  async #handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.opts.cors !== undefined && (await applyCors(this.opts.cors, req, res)) === 'preflight-answered') return;
    const failure = (await runMiddlewares(this.#middlewares, req, res)) ?? (await verifyRequest(this.#verifyContext, req, false));
    // close() ran while the checks were pending (and already answered this request).
    if (this.#closed) {
      refuseClosed(res);
      return;
    }
    if (failure !== undefined) {
      this.#refused(req, failure);
      abortRequest(res, failure);
      return;
    }
    const query = queryOf(req);
    const sid = query.get('sid');
    if (sid !== null) {
      const client = this.#clients.get(sid);
      const transport = client === undefined ? undefined : sessionInternals.transportOf(client);
      if (transport instanceof PollingTransport) transport.handleRequest(req, res);
      else abortRequest(res, new EngineRequestError(EngineErrorCode.UNKNOWN_SID, { sid }));
      return;
    }
    const transport = new PollingTransport({
      maxHttpBufferSize: this.opts.maxHttpBufferSize,
      pollHoldTimeout: this.opts.pollHoldTimeout,
      holdPolicy: this.#pollCrowding,
    });
    const socket = this.#register(req, transport, this.#upgradesFor('polling'));
    transport.handleRequest(req, res);
    this.emit('connection', socket);
  }

  async #handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const res = new UpgradeResponse(req, socket);
    const failure = (await runMiddlewares(this.#middlewares, req, res)) ?? (await verifyRequest(this.#verifyContext, req, true));
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (failure !== undefined) {
      this.#refused(req, failure);
      abortUpgrade(socket, failure);
      return;
    }
    if (res.writableEnded) return;
    this.#upgradeResponses.set(req, res);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onWebSocket(req, socket, ws));
  }

  #onWebSocket(req: IncomingMessage, raw: Duplex, ws: WebSocket): void {
    // Until a transport owns it, an error (reset, bad frame) must not be unhandled.
    ws.on('error', wsOnIgnoredError);
    this.#inFlight.adoptWebSocket(raw, ws);
    if (this.#closed) {
      ws.terminate();
      return;
    }
    const sid = queryOf(req).get('sid');
    if (sid === null) {
      const socket = this.#register(req, new WebSocketTransport(ws), []);
      this.emit('connection', socket);
      return;
    }
    const client = this.#clients.get(sid);
    if (
      client === undefined ||
      !this.opts.allowUpgrades ||
      client.readyState !== 'open' ||
      client.upgraded ||
      sessionInternals.isUpgrading(client)
    ) {
      ws.close();
      return;
    }
    sessionInternals.upgrade(client, new WebSocketTransport(ws));
  }

  #register(req: IncomingMessage, transport: TransportBase, upgrades: string[]): EngineSocket {
    // 16 random bytes: 128 bits, unguessable session ids (22 base64url characters).
    const id = randomBytes(16).toString('base64url');
    transport.on('headers', (headers, request) => this.#decorateHeaders(headers, request, id));
    const socket = new EngineSocket(id, req, transport, {
      pingInterval: this.opts.pingInterval,
      pingTimeout: this.opts.pingTimeout,
      upgradeTimeout: this.opts.upgradeTimeout,
      maxPayload: this.opts.maxHttpBufferSize,
      upgrades,
      initialPacket: this.opts.initialPacket,
    });
    this.#clients.set(id, socket);
    socket.once('close', () => this.#clients.delete(id));
    return socket;
  }

  #decorateHeaders(headers: Record<string, string>, req: IncomingMessage, id: string | undefined): void {
    // An answer written during close() must not leave a keep-alive connection for http.Server#close to wait on.
    if (this.#closed) headers['Connection'] = 'close';
    if (!queryOf(req).has('sid')) {
      if (this.opts.cookie !== false && id !== undefined) {
        headers['Set-Cookie'] = serializeCookie(id, this.opts.cookie);
      }
      this.emit('initial_headers', headers, req);
    }
    this.emit('headers', headers, req);
  }

  #onWebSocketHeaders(lines: string[], req: IncomingMessage): void {
    const headers: Record<string, string> = {};
    const res = this.#upgradeResponses.get(req);
    this.#upgradeResponses.delete(req);
    for (const [name, value] of Object.entries(res?.getHeaders() ?? {})) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    // The session id is not known yet here, so (as engine.io) no cookie on a WebSocket handshake.
    this.#decorateHeaders(headers, req, undefined);
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  }

  #upgradesFor(transport: TransportName): string[] {
    if (!this.opts.allowUpgrades || transport !== 'polling') return [];
    return this.opts.transports.includes('websocket') ? ['websocket'] : [];
  }

  #refused(req: IncomingMessage, error: EngineRequestError): void {
    this.emit('connection_error', { req, code: error.code, message: error.message, context: error.context });
  }
}

/** Creates an EngineServer and attaches it to an http.Server. */
export function attach(server: HttpServer, options?: EngineServerOptions): EngineServer {
  const engine = new EngineServer(options);
  engine.attach(server);
  return engine;
}

function isBinaryLike(value: unknown): value is BinaryLike {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function wsOnIgnoredError(): void {
  // The transport (or the refusal path) decides what happens to the socket; see WebSocketTransport.
}
