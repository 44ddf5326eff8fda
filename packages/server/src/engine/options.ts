// EngineServer options and the defaults engine.io uses for them.
import type { BinaryLike } from '@switchback/protocol';
import type { PerMessageDeflateOptions, ServerOptions as WsServerOptions, WebSocketServer } from 'ws';
import { resolveCookieOptions } from './cookie.js';
import type { CookieOptions, ResolvedCookieOptions } from './cookie.js';
import type { CorsOptions } from './cors.js';
import { resolveHttpCompression } from './http-compression.js';
import type { HttpCompressionOptions, ResolvedHttpCompression } from './http-compression.js';
import type { TransportName } from './transport.js';
import { CUT_POLL_GRACE_MS } from './transports/polling.js';
import type { AllowRequest } from './verify.js';

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
   * When a held GET's connection is cut before it was answered, how long (ms) the session waits for the
   * client's next GET before it closes with 'transport error'. A proxy's read timeout cuts a held GET and
   * the client polls again at once; a closed tab never does, and is seen as gone after this instead of
   * after the ping timeout. engine.io closes at once (0 here). Default 1000.
   */
  cutPollGrace?: number;
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
  /**
   * gzip/deflate for polling answers of at least `threshold` bytes (default 1024) when the request's
   * Accept-Encoding allows it and some packet of the answer was sent with `compress` (the default).
   * The other fields are zlib options. Default true, as engine.io; false turns it off.
   */
  httpCompression?: boolean | HttpCompressionOptions;
  /**
   * WebSocket permessage-deflate, handed to `ws`; `true` is ws's defaults with a threshold of 1024.
   * Default false, as engine.io: it costs about 300 KB per socket (socket.io#3477).
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * The WebSocket server implementation, as engine.io's option: a class with `ws`'s WebSocketServer API
   * (`new Engine({ noServer: true, ... })`, `handleUpgrade()`, sockets with `send`/`close`/`terminate`),
   * e.g. another version of `ws`. Default `ws`'s WebSocketServer.
   */
  wsEngine?: WebSocketServerConstructor;
  /** Destroy upgrades of other paths that nothing handled (see AttachOptions). Default true. */
  destroyUpgrade?: boolean;
  /** How long another 'upgrade' listener has to answer an upgrade of another path. Default 1000 ms. */
  destroyUpgradeTimeout?: number;
  /**
   * Also accept Engine.IO v3 clients (engine.io-client 3.x, socket.io-client 2.x): a handshake whose
   * `EIO` is not "4" opens a v3 session. JSONP polling (the `j` parameter) is refused. Default false.
   */
  allowEIO3?: boolean;
}

/** A class with `ws`'s WebSocketServer API, for the `wsEngine` option. */
export type WebSocketServerConstructor = new (options: WsServerOptions) => WebSocketServer;

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
  readonly cutPollGrace: number;
  readonly crowdedPollThreshold: number;
  readonly crowdedPollHold: number;
  readonly initialPacket: string | BinaryLike | undefined;
  readonly httpCompression: ResolvedHttpCompression | false;
  readonly perMessageDeflate: PerMessageDeflateOptions | false;
  readonly wsEngine: WebSocketServerConstructor | undefined;
  readonly destroyUpgrade: boolean;
  readonly destroyUpgradeTimeout: number;
  readonly allowEIO3: boolean;
}

/** Options of one attach() (engine.io takes `path` there). */
export interface AttachOptions {
  path?: string;
  /**
   * An upgrade of another path is destroyed at once when ours is the only 'upgrade' listener; when
   * there are others, it is ended after `destroyUpgradeTimeout` if nothing was written to it. false
   * leaves such upgrades alone. Default the server's option (true).
   */
  destroyUpgrade?: boolean;
  /** Default the server's option (1000 ms). */
  destroyUpgradeTimeout?: number;
}

/** `/engine.io` and `/engine.io/` alike become `/engine.io/`. */
export function normalizePath(path: string | undefined): string {
  return `${(path ?? '/engine.io').replace(/\/$/, '')}/`;
}

/** The options with engine.io's defaults filled in. */
export function resolveOptions(options: EngineServerOptions): ResolvedEngineServerOptions {
  const initial = options.initialPacket;
  return {
    path: normalizePath(options.path),
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
    cutPollGrace: options.cutPollGrace ?? CUT_POLL_GRACE_MS,
    crowdedPollThreshold: options.crowdedPollThreshold ?? 4,
    crowdedPollHold: options.crowdedPollHold ?? 1000,
    initialPacket: typeof initial === 'string' || isBinaryLike(initial) ? initial : undefined,
    httpCompression: resolveHttpCompression(options.httpCompression),
    perMessageDeflate: resolvePerMessageDeflate(options.perMessageDeflate),
    wsEngine: options.wsEngine,
    destroyUpgrade: options.destroyUpgrade !== false,
    // `||` as engine.io: 0 means the default too.
    destroyUpgradeTimeout: options.destroyUpgradeTimeout || 1000,
    allowEIO3: options.allowEIO3 === true,
  };
}

/** As engine.io: given options are laid over `{ threshold: 1024 }`; false or nothing turns it off. */
function resolvePerMessageDeflate(option: boolean | PerMessageDeflateOptions | undefined): PerMessageDeflateOptions | false {
  if (option === undefined || option === false) return false;
  return { threshold: 1024, ...(option === true ? {} : option) };
}

function isBinaryLike(value: unknown): value is BinaryLike {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}
