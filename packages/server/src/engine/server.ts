import { NodeStyleEmitter } from './node-emitter.js';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { applyCors } from './cors.js';
import { serializeCookie } from './cookie.js';
import { EngineErrorCode, EngineRequestError, abortRequest, abortUpgrade, engineErrorMessages } from './errors.js';
import { mirrorView } from './client-registry.js';
import { matchesPath, mountRequests, mountUpgrades } from './http-mount.js';
import type { ForeignUpgradePolicy } from './http-mount.js';
import type { ConnectMiddleware } from './http-mount.js';
import { InFlight, refuseClosed } from './in-flight.js';
import { normalizePath, resolveOptions } from './options.js';
import type { AttachOptions, EngineServerOptions, ResolvedEngineServerOptions } from './options.js';
import { isPromiseLike, whenResolved } from './maybe-async.js';
import { PollCrowding } from './poll-crowding.js';
import { randomId, resolveId } from './session-id.js';
import { EngineSocket, createHeartbeat, createHeartbeatV3, sessionInternals } from './session.js';
import type { Heartbeat, SessionConfig, SessionObserver } from './session.js';
import type { TransportBase, TransportName } from './transport.js';
import { PollingTransport } from './transports/polling.js';
import type { PollingOptions } from './transports/polling.js';
import type { EngineServerEvents } from './server-events.js';
import { WebSocketTransport, WebSocketTransportV3, holdWrites } from './transports/websocket.js';
import { UpgradeResponse, exposeQuery, parseQuery, queryOf, runMiddlewares, verifyRequest } from './verify.js';
import type { EngineMiddleware, VerifyContext } from './verify.js';
import { createWebSocketServer, headersOf, wsOnIgnoredError } from './websocket-server.js';

export type { AttachOptions, EngineServerOptions, ResolvedEngineServerOptions } from './options.js';

export type { ConnectionError, EngineServerEvents } from './server-events.js';
export type { EngineMiddleware } from './verify.js';
export type { ConnectMiddleware } from './http-mount.js';

/**
 * The Engine.IO v4 server: handshake, session registry and routing of polling requests and
 * WebSocket upgrades under `path`.
 *
 * @example
 * const engine = attach(httpServer, { path: '/engine.io/' });
 * engine.on('connection', (socket) => socket.send('hello'));
 */
export class EngineServer extends NodeStyleEmitter<EngineServerEvents> {
  /** engine.io's `Server.errors`. */
  static readonly errors = EngineErrorCode;
  /** engine.io's `Server.errorMessages`. */
  static readonly errorMessages = engineErrorMessages;
  readonly opts: ResolvedEngineServerOptions;
  /** The http.Server created by listen() (engine.io's field); undefined for attach(). */
  httpServer: HttpServer | undefined;
  /** The sessions; `clients` hands out a view that also reads as engine.io's object (see ClientRegistry). */
  readonly #clients = new Map<string, EngineSocket>();
  readonly #clientsView = mirrorView<EngineSocket, Map<string, EngineSocket>>(this.#clients);
  readonly #middlewares: EngineMiddleware[] = [];
  #wss: WebSocketServer;
  readonly #detach: Array<() => void> = [];
  /** Headers set by middlewares on an upgrade, merged into the 101 answer by the ws 'headers' hook. */
  readonly #upgradeResponses = new WeakMap<IncomingMessage, ServerResponse>();
  readonly #verifyContext: VerifyContext;
  readonly #inFlight = new InFlight();
  readonly #pollCrowding: PollCrowding;
  /** Shared by every session of a transport kind (per-session copies cost heap per idle session). */
  readonly #sessionConfigs = new Map<TransportName | 'polling v3' | 'websocket v3', SessionConfig>();
  #pollingOptions: PollingOptions | undefined;
  /** The polling options of Engine.IO v3 sessions (allowEIO3): [binary payloads, base64 only]. */
  #pollingOptionsV3: [PollingOptions, PollingOptions] | undefined;
  /** Every session's heartbeat behind two timers (built with the first session config). */
  #heartbeat: Heartbeat | undefined;
  /** The heartbeat of Engine.IO v3 sessions (the client pings). */
  #heartbeatV3: Heartbeat | undefined;
  #closed = false;

  constructor(options: EngineServerOptions = {}) {
    super();
    this.opts = resolveOptions(options);
    this.#pollCrowding = new PollCrowding({
      threshold: this.opts.crowdedPollThreshold,
      crowdedHold: this.opts.crowdedPollHold,
      sessionCookie: this.opts.cookie === false ? undefined : this.opts.cookie.name,
    });
    this.#wss = this.#createWebSocketServer();
    this.#verifyContext = {
      transports: this.opts.transports,
      allowRequest: this.opts.allowRequest,
      sessionTransport: (sid) => this.#clients.get(sid)?.transport.name,
      allowEIO3: this.opts.allowEIO3,
      sessionProtocol: (sid) => this.#clients.get(sid)?.protocol,
    };
  }

  get clients(): ReadonlyMap<string, EngineSocket> {
    return this.#clientsView;
  }

  get clientsCount(): number {
    return this.#clients.size;
  }

  /** Adds an Express-style middleware run on every request and upgrade under `path` (engine.io 6.5). */
  use(middleware: EngineMiddleware): void {
    this.#middlewares.push(middleware);
  }

  /**
   * The id of a new session (engine.io's overridable hook): assign your own to `engine.generateId`;
   * it may return a Promise. A rejection refuses the handshake (400, `ID_GENERATION_ERROR`).
   */
  generateId(_req: IncomingMessage): string | PromiseLike<string> {
    // 15 random bytes (120 bits, unguessable): 20 base64url characters, the length of engine.io's ids,
    // which tools in front of the server expect (@socket.io/sticky routes on `sid=` and 20 characters).
    return randomId(15);
  }

  /**
   * engine.io's hook, run first on every request and upgrade under `path`: gives `req._query` (the
   * parsed query). An override that calls this one may adjust the request before it is verified.
   */
  prepare(req: IncomingMessage): void {
    exposeQuery(req);
  }

  /** Handles one HTTP request under `path` (polling GET/POST, CORS preflight, handshake). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.prepare(req);
    if (this.#closed) {
      refuseClosed(res);
      return;
    }
    this.#inFlight.trackResponse(res);
    void this.#handleRequest(req, res);
  }

  /** The `ws` server behind the WebSocket transport (engine.io's `engine.ws`): its options. */
  get ws(): WebSocketServer {
    return this.#wss;
  }

  /** Handles one upgrade under `path`: a WebSocket handshake or the upgrade of a polling session. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.prepare(req);
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#handleUpgrade(req, socket, head);
  }

  /**
   * Takes over 'request' and 'upgrade' of an http.Server for `path`. Request listeners registered
   * before are called for other paths (engine.io's approach); register yours first, or use middleware().
   * The request listener stays after close(): requests under path are then refused, never left unanswered.
   * `options.path` (engine.io's attach option) overrides the constructor's path for this server.
   */
  attach(server: HttpServer, options?: AttachOptions): void {
    const path = options?.path === undefined ? this.opts.path : normalizePath(options.path);
    mountRequests(server, path, (req, res) => this.handleRequest(req, res));
    this.attachUpgrade(server, { ...options, path });
  }

  /**
   * Only the 'upgrade' listener (for Express apps that route requests through middleware()).
   * As engine.io, the server closes with the http.Server and opens again when it listens again.
   */
  attachUpgrade(server: HttpServer, options?: AttachOptions): void {
    const path = options?.path === undefined ? this.opts.path : normalizePath(options.path);
    const policy: ForeignUpgradePolicy = {
      destroyUpgrade: options?.destroyUpgrade ?? this.opts.destroyUpgrade,
      // `||` as engine.io: 0 means the default too.
      destroyUpgradeTimeout: options?.destroyUpgradeTimeout || this.opts.destroyUpgradeTimeout,
    };
    this.#listenTo(server, path, policy);
    server.on('listening', () => {
      if (!this.#closed) return;
      this.#closed = false;
      this.#wss = this.#createWebSocketServer();
      this.#listenTo(server, path, policy);
    });
  }

  #listenTo(server: HttpServer, path: string, policy: ForeignUpgradePolicy): void {
    const detach = mountUpgrades(server, path, (req, socket, head) => this.handleUpgrade(req, socket, head), () => this.close(), policy);
    this.#detach.push(detach);
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
      if (matchesPath(original, this.opts.path)) this.handleRequest(req, res);
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

  #createWebSocketServer(): WebSocketServer {
    return createWebSocketServer(
      this.opts.maxHttpBufferSize,
      this.opts.perMessageDeflate,
      (lines, req) => this.#onWebSocketHeaders(lines, req),
      this.opts.wsEngine,
    );
  }

  async #handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.opts.cors !== undefined && (await applyCors(this.opts.cors, req, res)) === 'preflight-answered') return;
    // Without middlewares, and with an allowRequest hook only at the handshake, nothing here waits: the
    // request is handled in its 'request' event's own turn, not two microtask hops later.
    const middlewares = this.#middlewares.length === 0 ? undefined : await runMiddlewares(this.#middlewares, req, res);
    // After the middlewares, which may rewrite req.url.
    const query = queryOf(req);
    const verdict = middlewares ?? verifyRequest(this.#verifyContext, req, false, query);
    const failure = verdict instanceof Promise ? await verdict : verdict;
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
    const sid = query.sid;
    if (sid !== null) {
      const client = this.#clients.get(sid);
      const transport = client === undefined ? undefined : sessionInternals.transportOf(client);
      if (transport instanceof PollingTransport) {
        transport.handleRequest(req, res);
        if (transport.holds(res)) this.#inFlight.untrackResponse(res);
      } else abortRequest(res, new EngineRequestError(EngineErrorCode.UNKNOWN_SID, { sid }));
      return;
    }
    const id = await resolveId(() => this.generateId(req));
    if (this.#closed) {
      refuseClosed(res);
      return;
    }
    if (id instanceof EngineRequestError) {
      this.#refused(req, id);
      abortRequest(res, id);
      return;
    }
    const v3 = this.opts.allowEIO3 && isV3Handshake(req);
    const transport = new PollingTransport(v3 ? this.#pollingOptionsForV3(req) : (this.#pollingOptions ??= this.#newPollingOptions(undefined)));
    const socket = this.#register(id, req, transport, v3);
    transport.handleRequest(req, res);
    // The handshake is answered (its headers saw the original request): keep a light copy only.
    sessionInternals.compactRequest(socket);
    this.emit('connection', socket);
  }

  #newPollingOptions(v3: PollingOptions['v3']): PollingOptions {
    return {
      maxHttpBufferSize: this.opts.maxHttpBufferSize,
      pollHoldTimeout: this.opts.pollHoldTimeout,
      cutPollGrace: this.opts.cutPollGrace,
      holdPolicy: this.#pollCrowding,
      httpCompression: this.opts.httpCompression,
      v3,
    };
  }

  /** A v3 client gets binary payloads unless it asked for base64 (`b64`), as engine.io. */
  #pollingOptionsForV3(req: IncomingMessage): PollingOptions {
    const options = (this.#pollingOptionsV3 ??= [this.#newPollingOptions({ supportsBinary: true }), this.#newPollingOptions({ supportsBinary: false })]);
    const b64 = parseQuery(req).get('b64');
    return b64 === null || b64 === '' ? options[0] : options[1];
  }

  #handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Only middlewares see a response object. Without them, and with the default allowRequest and
    // generateId, every step below is synchronous: the 101 goes out in the tick the upgrade arrived.
    const res = this.#middlewares.length === 0 ? undefined : new UpgradeResponse(req, socket);
    const query = queryOf(req);
    const verdict =
      res === undefined
        ? verifyRequest(this.#verifyContext, req, true, query)
        : runMiddlewares(this.#middlewares, req, res).then((failure) => failure ?? verifyRequest(this.#verifyContext, req, true, query));
    // The default path (no middleware, allowRequest nor async generateId): no closures, no tracking,
    // the 101 goes out before anything else can run.
    if (!isPromiseLike(verdict)) {
      const id = verdict === undefined && query.sid === null ? resolveId(() => this.generateId(req)) : undefined;
      if (!isPromiseLike(id)) {
        this.#answerVerified(req, socket, head, res, verdict, id);
        return;
      }
    }
    // Until its WebSocket exists the connection is only held by these pending steps: close() ends it.
    this.#inFlight.trackUpgrade(socket);
    whenResolved(verdict, (failure) => {
      // A WebSocket handshake (no sid) needs its session id before the 101 answer.
      const id = failure === undefined && query.sid === null ? resolveId(() => this.generateId(req)) : undefined;
      whenResolved(id, (result) => this.#answerVerified(req, socket, head, res, failure, result));
    });
  }

  #answerVerified(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    res: UpgradeResponse | undefined,
    failure: EngineRequestError | undefined,
    id: string | EngineRequestError | undefined,
  ): void {
    const refusal = failure ?? (id instanceof EngineRequestError ? id : undefined);
    this.#answerUpgrade(req, socket, head, res, refusal, typeof id === 'string' ? id : undefined);
  }

  #answerUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    res: UpgradeResponse | undefined,
    refusal: EngineRequestError | undefined,
    sessionId: string | undefined,
  ): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (refusal !== undefined) {
      this.#refused(req, refusal);
      abortUpgrade(socket, refusal);
      return;
    }
    if (res !== undefined) {
      if (res.ended) return;
      // As engine.io after its middlewares: hooks on writeHead (express-session's cookie) run now,
      // and the ws 'headers' hook then copies what the response holds into the 101.
      res.writeHead(101);
      if (res.ended) return;
      this.#upgradeResponses.set(req, res);
    }
    // The 101 answer, the open packet and what the session sends in its first tick (the `sbconnect`
    // namespace's CONNECT answer and the app's first events) leave in one TCP write: a write is a
    // syscall, the main cost of a handshake here. The connection is corked until then; ws calls back
    // synchronously. `uncork` runs once: when ws returns, unless a new session took it over.
    let corked = true;
    const uncork = (): void => {
      if (!corked) return;
      corked = false;
      socket.uncork();
    };
    socket.cork();
    let held = false;
    try {
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        res?.release();
        held = this.#onWebSocket(req, socket, ws, sessionId, uncork);
      });
    } finally {
      if (!held) uncork();
    }
  }

  /** Whether a new session took over `uncork` (it runs after the session's first turn of the event loop). */
  #onWebSocket(req: IncomingMessage, raw: Duplex, ws: WebSocket, id: string | undefined, uncork: () => void): boolean {
    // Until a transport owns it, an error (reset, bad frame) must not be unhandled.
    ws.on('error', wsOnIgnoredError);
    this.#inFlight.adoptWebSocket(raw, ws);
    if (this.#closed) {
      ws.terminate();
      return false;
    }
    const sid = queryOf(req).sid;
    if (sid === null) {
      if (id === undefined) {
        ws.terminate();
        return false;
      }
      const v3 = this.opts.allowEIO3 && isV3Handshake(req);
      const transport = v3 ? new WebSocketTransportV3(ws, raw) : new WebSocketTransport(ws, raw);
      // The open packet waits in the session for what the first tick adds to it (see #answerUpgrade).
      const release = holdWrites(transport);
      const socket = this.#register(id, req, transport, v3);
      try {
        this.emit('connection', socket);
      } catch (err) {
        release(); // the caller uncorks
        throw err;
      }
      // Once the connection listeners, and the namespace connect they queued for the handshake's
      // `sbconnect` (a tick or two later, its middlewares included when they answer at once), have
      // run and written: then the bytes leave, and copying the request is not on the way.
      setImmediate(firstTickDone, socket, release, uncork);
      return true;
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
      return false;
    }
    sessionInternals.upgrade(client, client.protocol === 3 ? new WebSocketTransportV3(ws, raw) : new WebSocketTransport(ws, raw));
    return false;
  }

  #register(id: string, req: IncomingMessage, transport: TransportBase, v3 = false): EngineSocket {
    // Polling answers get their headers through the session observer; the 101 gets them from the ws
    // 'headers' hook.
    const socket = new EngineSocket(id, req, transport, v3 ? this.#sessionConfigV3(transport.name) : this.#sessionConfig(transport.name));
    this.#clients.set(id, socket);
    return socket;
  }

  #sessionConfig(transport: TransportName): SessionConfig {
    let config = this.#sessionConfigs.get(transport);
    if (config === undefined) {
      config = {
        pingInterval: this.opts.pingInterval,
        pingTimeout: this.opts.pingTimeout,
        upgradeTimeout: this.opts.upgradeTimeout,
        maxPayload: this.opts.maxHttpBufferSize,
        upgrades: this.#upgradesFor(transport),
        initialPacket: this.opts.initialPacket,
        observer: this.#sessionObserver,
        heartbeat: (this.#heartbeat ??= createHeartbeat(this.opts.pingInterval, this.opts.pingTimeout)),
      };
      this.#sessionConfigs.set(transport, config);
    }
    return config;
  }

  /** The config of Engine.IO v3 sessions opened over `transport` (allowEIO3). */
  #sessionConfigV3(transport: TransportName): SessionConfig {
    const key = transport === 'polling' ? 'polling v3' : 'websocket v3';
    let config = this.#sessionConfigs.get(key);
    if (config === undefined) {
      config = {
        ...this.#sessionConfig(transport),
        heartbeat: (this.#heartbeatV3 ??= createHeartbeatV3(this.opts.pingInterval, this.opts.pingTimeout)),
        protocol: 3,
      };
      this.#sessionConfigs.set(key, config);
    }
    return config;
  }

  readonly #sessionObserver: SessionObserver = {
    flush: (socket, buffer) => this.emit('flush', socket, buffer),
    drain: (socket) => this.emit('drain', socket),
    // Only the handshake's answer is an initial one: the session's request is the handshake.
    headers: (socket, headers, req) => this.#decorateHeaders(headers, req, socket.id, sessionInternals.isRequest(socket, req)),
    close: (socket) => {
      // A custom generateId may reuse an id: only forget the entry if it is still this session.
      if (this.#clients.get(socket.id) === socket) this.#clients.delete(socket.id);
    },
  };

  #decorateHeaders(headers: Record<string, string>, req: IncomingMessage, id: string | undefined, initial: boolean): void {
    // An answer written during close() must not leave a keep-alive connection for http.Server#close to wait on.
    if (this.#closed) headers['Connection'] = 'close';
    if (initial) {
      if (this.opts.cookie !== false && id !== undefined) {
        headers['Set-Cookie'] = serializeCookie(id, this.opts.cookie);
      }
      this.emit('initial_headers', headers, req);
    }
    this.emit('headers', headers, req);
  }

  #onWebSocketHeaders(lines: string[], req: IncomingMessage): void {
    const res = this.#upgradeResponses.get(req);
    this.#upgradeResponses.delete(req);
    const headers = headersOf(res);
    // Each cookie a middleware set needs its own Set-Cookie line: joined with ", " (as the string-typed
    // 'headers' event would have them) a browser reads them as one broken cookie.
    const cookies = res?.getHeader('set-cookie');
    if (Array.isArray(cookies)) delete headers['set-cookie'];
    // The session id is not known yet here, so (as engine.io) no cookie on a WebSocket handshake.
    this.#decorateHeaders(headers, req, undefined, queryOf(req).sid === null);
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (Array.isArray(cookies)) for (const cookie of cookies) lines.push(`set-cookie: ${cookie}`);
  }

  #upgradesFor(transport: TransportName): string[] {
    if (!this.opts.allowUpgrades || transport !== 'polling') return [];
    return this.opts.transports.includes('websocket') ? ['websocket'] : [];
  }

  #refused(req: IncomingMessage, error: EngineRequestError): void {
    // The standard wording (engine.io's); a custom allowRequest message is in context.message and the body.
    this.emit('connection_error', { req, code: error.code, message: engineErrorMessages[error.code], context: error.context });
  }
}

/** An Engine.IO v3 handshake: EIO missing or other than "4" (engine.io's rule). */
function isV3Handshake(req: IncomingMessage): boolean {
  return queryOf(req).EIO !== '4';
}

/** Creates an EngineServer and attaches it to an http.Server. */
export function attach(server: HttpServer, options?: EngineServerOptions): EngineServer {
  const engine = new EngineServer(options);
  engine.attach(server);
  return engine;
}

/**
 * A new WebSocket session's first tick is over: what it sent leaves in one write, and the session keeps
 * only a light copy of its answered handshake request (see compactRequest).
 */
function firstTickDone(socket: EngineSocket, release: () => void, uncork: () => void): void {
  release();
  uncork();
  sessionInternals.compactRequest(socket);
}
