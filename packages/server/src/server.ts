import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import { encodeSocketPacket } from '@switchback/protocol';
import type { SocketPacket } from '@switchback/protocol';
import { InMemoryAdapter, messagesOf } from './adapter.js';
import type { AdapterConstructor, EncodedPacket } from './adapter.js';
import { Client } from './client.js';
import { mountClientFiles, serveClientFile } from './client-files.js';
import { EngineServer } from './engine/index.js';
import type { EngineSocket } from './engine/index.js';
import { MainNamespaceEntryPoints } from './main-namespace-entry-points.js';
import { Namespace } from './namespace.js';
import type { NamespaceReservedEventsMap } from './namespace.js';
export type { ServerOptions, ServerReservedEventsMap } from './server-options.js';
import { toEngineOptions } from './server-options.js';
import type { ConnectionStateRecoveryOptions, ServerOptions } from './server-options.js';
import { DEFAULT_MAX_DISCONNECTION_DURATION, SessionAwareAdapter } from './session-aware-adapter.js';
import { ParentNamespace } from './parent-namespace.js';
import type { ParentNspNameMatchFn } from './parent-namespace.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

/** What the Server attaches to: as socket.io's, an HTTP/2 server too (its HTTP/1.1 side: allowHTTP1). */
type NodeServer = HttpServer | HttpsServer | Http2SecureServer | Http2Server;
type AttachTarget = NodeServer | number | string;
type Express = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The Socket.IO server: namespaces over an engine attached to an http server (or served as Express
 * middleware).
 *
 * @example
 * const io = new Server(httpServer, { cors: { origin: 'https://example.com' } });
 * io.on('connection', (socket) => socket.emit('hello', 'world'));
 *
 * // Express style, polling through the app's middleware chain:
 * const io2 = new Server();
 * app.use(io2.middleware());
 * io2.attachUpgrade(httpServer);
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any, // eslint-disable-line @typescript-eslint/no-explicit-any -- socket.io's default
> extends MainNamespaceEntryPoints<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** The main namespace, `/`. */
  override readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The options given to the constructor. */
  readonly opts: Partial<ServerOptions>;
  /** The last http server attached (closed by close()). */
  httpServer: NodeServer | undefined;

  /** @internal */
  readonly _nsps = new Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** @internal */
  _adapterConstructor: AdapterConstructor = InMemoryAdapter;
  /** @internal */
  _connectTimeoutMs = 45_000;
  /** @internal connectionStateRecovery with its defaults filled in; undefined when off. */
  readonly _recovery: Required<ConnectionStateRecoveryOptions> | undefined;
  /**
   * The packet encoder, under socket.io's name: adapters built on socket.io-adapter encode with it. With
   * the `parser` option, the server's one `new parser.Encoder()`.
   */
  readonly encoder: { encode(packet: SocketPacket): EncodedPacket };
  /**
   * @internal Encodes with the custom parser's encoder (its result as a list of messages); undefined for
   * the built-in codec, which clients and adapters call directly (one branch on their paths).
   */
  readonly _customEncode: ((packet: SocketPacket) => EncodedPacket) | undefined;

  readonly #parentNsps = new Map<
    ParentNspNameMatchFn,
    ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >();
  readonly #parentFromRegExp = new Map<RegExp, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  #engine: EngineServer | undefined;
  #engineOptions: Partial<ServerOptions>;
  #path = '/socket.io';
  #serveClient = true;

  constructor(opts?: Partial<ServerOptions>);
  constructor(srv?: AttachTarget, opts?: Partial<ServerOptions>);
  constructor(srv?: AttachTarget | Partial<ServerOptions>, opts: Partial<ServerOptions> = {}) {
    super();
    let target: AttachTarget | undefined;
    if (typeof srv === 'object' && !isListenable(srv)) opts = srv;
    else target = srv;
    if (opts.connectionStateRecovery !== undefined) {
      const given = opts.connectionStateRecovery;
      this._recovery = {
        maxDisconnectionDuration: given.maxDisconnectionDuration ?? DEFAULT_MAX_DISCONNECTION_DURATION,
        skipMiddlewares: given.skipMiddlewares ?? true,
      };
      // As socket.io: adapters read the window in nsp.server.opts (the caller's object is left alone).
      opts = { ...opts, connectionStateRecovery: this._recovery };
    }
    this.opts = opts;
    // Before the first namespace: its adapter takes the encoder from here.
    const parser = opts.parser;
    if (parser === undefined) {
      this.encoder = { encode: (packet) => encodeSocketPacket(packet) };
      this._customEncode = undefined;
    } else {
      const encoder: { encode(packet: SocketPacket): unknown } = new parser.Encoder();
      this.encoder = encoder as { encode(packet: SocketPacket): EncodedPacket };
      this._customEncode = (packet) => messagesOf(encoder.encode(packet));
    }
    this.#engineOptions = { ...opts };
    this.path(opts.path ?? '/socket.io');
    this.connectTimeout(opts.connectTimeout ?? 45_000);
    this.serveClient(opts.serveClient !== false);
    this.adapter(opts.adapter ?? (this._recovery === undefined ? InMemoryAdapter : SessionAwareAdapter));
    this.sockets = this.of('/');
    if (target !== undefined) this.attach(target);
  }

  /** The engine (sessions, transports). Created on first use with the constructor's options. */
  get engine(): EngineServer {
    if (this.#engine === undefined) this.bind(new EngineServer(toEngineOptions(this.#engineOptions, this.#path)));
    return this.#engine as EngineServer;
  }

  /** socket.io's other name for `engine`. */
  get eio(): EngineServer {
    return this.engine;
  }

  serveClient(): boolean;
  serveClient(v: boolean): this;
  serveClient(v?: boolean): this | boolean {
    if (v === undefined) return this.#serveClient;
    this.#serveClient = v;
    return this;
  }

  path(): string;
  path(v: string): this;
  path(v?: string): this | string {
    if (v === undefined) return this.#path;
    this.#path = v.replace(/\/$/, '');
    return this;
  }

  connectTimeout(): number;
  connectTimeout(v: number): this;
  connectTimeout(v?: number): this | number {
    if (v === undefined) return this._connectTimeoutMs;
    this._connectTimeoutMs = v;
    return this;
  }

  adapter(): AdapterConstructor;
  adapter(v: AdapterConstructor): this;
  adapter(v?: AdapterConstructor): this | AdapterConstructor {
    if (v === undefined) return this._adapterConstructor;
    this._adapterConstructor = v;
    for (const nsp of this._nsps.values()) nsp._replaceAdapter();
    return this;
  }

  /** Attaches to an http(s) server, or creates one listening on `port`. */
  attach(srv: AttachTarget, opts: Partial<ServerOptions> = {}): this {
    if (typeof srv === 'function') {
      throw new Error(
        'You are trying to attach socket.io to an express request handler function. Please pass a http.Server instance.',
      );
    }
    this.#mergeAttachOptions(opts);
    let server: NodeServer;
    if (typeof srv === 'number' || typeof srv === 'string') {
      const port = Number(srv);
      server = createServer((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      server.listen(port);
    } else {
      server = srv;
    }
    this.httpServer = server;
    this.engine.attach(server as HttpServer);
    // As socket.io's attachServe: in front of the engine, which would answer these paths 400.
    if (this.#serveClient) mountClientFiles(server as HttpServer, this.#clientFileOptions());
    return this;
  }

  /** Same as attach(). */
  listen(srv: AttachTarget, opts: Partial<ServerOptions> = {}): this {
    return this.attach(srv, opts);
  }

  /**
   * Express/Connect middleware serving the polling requests under the path through the app's chain
   * (so the app's own middleware runs first); other requests go to `next()`. Pair with attachUpgrade().
   */
  middleware(): Express {
    const engine = this.engine.middleware();
    if (!this.#serveClient) return engine;
    const options = this.#clientFileOptions();
    return (req, res, next) => {
      if (!serveClientFile(req, res, options)) engine(req, res, next);
    };
  }

  #clientFileOptions(): { path: string; cors: ServerOptions['cors'] } {
    return { path: this.#path, cors: this.#engineOptions.cors };
  }

  /** Listens only for WebSocket upgrades under the path on `httpServer` (Express style). */
  attachUpgrade(httpServer: NodeServer): this {
    this.httpServer ??= httpServer;
    this.engine.attachUpgrade(httpServer as HttpServer);
    return this;
  }

  /** Uses `engine` for new sessions. */
  bind(engine: EngineServer): this {
    this.#engine = engine;
    engine.on('connection', (conn: EngineSocket) => {
      new Client(this, conn);
    });
    return this;
  }

  /**
   * The namespace `name` (created on first use). A RegExp or a function makes a dynamic namespace:
   * connections to matching names create child namespaces on the fly. A name with a comma throws a
   * TypeError: the Socket.IO wire format ends a namespace at its first comma.
   */
  of(
    name: string | RegExp | ParentNspNameMatchFn,
    fn?: (socket: Parameters<NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>['connection']>[0]) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name === 'function' || name instanceof RegExp) {
      const parent = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this);
      if (typeof name === 'function') {
        this.#parentNsps.set(name, parent);
      } else {
        const regexp = name;
        this.#parentNsps.set((nsp, _auth, next) => next(null, regexp.test(nsp)), parent);
        this.#parentFromRegExp.set(regexp, parent);
      }
      if (fn) parent.on('connect', fn);
      return parent;
    }
    if (!name.startsWith('/')) name = `/${name}`;
    // The wire format ends a namespace at its first comma: no client could reach it, and every emit to it
    // would throw in the encoder. Refused here, once, where the app names it.
    if (name.includes(',')) throw new TypeError(`invalid namespace ${JSON.stringify(name)}: must not contain a comma`);
    let nsp = this._nsps.get(name);
    if (nsp === undefined) {
      for (const [regexp, parent] of this.#parentFromRegExp) {
        if (regexp.test(name)) return parent._createChild(name);
      }
      nsp = new Namespace(this, name);
      this._nsps.set(name, nsp);
      // Emitted on the main namespace, where io.on() listeners live (the first call creates it).
      if (name !== '/') EventEmitter.prototype.emit.call(this.sockets, 'new_namespace', nsp);
    }
    if (fn) nsp.on('connect', fn);
    return nsp;
  }

  /** @internal Asks the dynamic namespaces whether `name` may be created; answers the namespace or false. */
  _checkNamespace(
    name: string,
    auth: Record<string, unknown>,
    done: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | false) => void,
  ): void {
    const entries = [...this.#parentNsps.entries()];
    const step = (i: number): void => {
      const entry = entries[i];
      if (entry === undefined) return done(false);
      const [match, parent] = entry;
      match(name, auth, (err, allow) => {
        if (err || !allow) return step(i + 1);
        const existing = this._nsps.get(name);
        if (existing !== undefined) return done(existing);
        const child = parent._createChild(name);
        EventEmitter.prototype.emit.call(this.sockets, 'new_namespace', child);
        done(child);
      });
    };
    step(0);
  }

  /** Disconnects every socket ('server shutting down'), closes the engine and the http server. */
  async close(fn?: (err?: Error) => void): Promise<void> {
    await Promise.allSettled(
      [...this._nsps.values()].map(async (nsp) => {
        for (const socket of [...nsp.sockets.values()]) socket._onclose('server shutting down');
        await nsp.adapter.close();
      }),
    );
    this.#engine?.close();
    // As socket.io, which builds a new engine on every attach: a later listen()/attach() starts afresh.
    this.#engine = undefined;
    const httpServer = this.httpServer;
    if (httpServer === undefined) {
      fn?.();
      return;
    }
    await new Promise<void>((resolve) => {
      httpServer.close((err) => {
        fn?.(err);
        resolve();
      });
    });
  }


  #mergeAttachOptions(opts: Partial<ServerOptions>): void {
    if (Object.keys(opts).length === 0) return;
    if (this.#engine !== undefined) {
      throw new Error('attach(): engine options must be given before io.engine is first used');
    }
    // As socket.io: the constructor's options win over attach()'s.
    this.#engineOptions = { ...opts, ...this.#engineOptions };
    if (this.opts.path === undefined && opts.path !== undefined) this.path(opts.path);
  }
}

function isListenable(value: object): value is NodeServer {
  return typeof (value as { listen?: unknown }).listen === 'function';
}
