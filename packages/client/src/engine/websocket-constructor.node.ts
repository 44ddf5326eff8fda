/// <reference types="node" />
import { tlsOptionsOf } from './tls-options.js';
import type { Clock, TlsOptions, WebSocketConstructorLike, WebSocketLike } from './types.js';
import type { WebSocketExtras } from './websocket-constructor.js';

function isConstructor(value: unknown): value is WebSocketConstructorLike {
  return typeof value === 'function';
}

let loaded: { ws: WebSocketConstructorLike | undefined } | undefined;
let loading: Promise<WebSocketConstructorLike | undefined> | undefined;

/** The environment's own WebSocket (Node 22+'s, from undici), if any. */
function globalWebSocket(): WebSocketConstructorLike | undefined {
  const global: unknown = Reflect.get(globalThis, 'WebSocket');
  return isConstructor(global) ? global : undefined;
}

/**
 * Node build: the optional `ws` peer dependency when it is installed, as engine.io-client's Node build:
 * it takes the headers, agent, TLS and compression options. Else the global WebSocket (Node 22+), else
 * undefined (the engine then uses long polling). Only the first lookup of `ws` is asynchronous: later
 * engine Sockets construct their WebSocket synchronously.
 */
export function defaultWebSocket(): WebSocketConstructorLike | undefined | Promise<WebSocketConstructorLike | undefined> {
  if (loaded !== undefined) return loaded.ws ?? globalWebSocket();
  return (loading ??= loadWs().then((ws) => {
    loaded = { ws };
    return ws ?? globalWebSocket();
  }));
}

async function loadWs(): Promise<WebSocketConstructorLike | undefined> {
  try {
    const mod: unknown = await import('ws');
    if (typeof mod !== 'object' || mod === null) return undefined;
    const ctor: unknown = Reflect.get(mod, 'default') ?? Reflect.get(mod, 'WebSocket');
    return isConstructor(ctor) ? ctor : undefined;
  } catch {
    return undefined;
  }
}

/** ws-style constructor that also takes per-connection options (headers, agent, TLS, compression). */
type ConstructorWithOptions = new (
  url: string,
  protocols: string | string[],
  options: TlsOptions & { headers?: Record<string, string>; agent?: unknown; perMessageDeflate?: unknown },
) => WebSocketLike;

/** The `ws` package keeps its net.Socket as `_socket`; other constructors have none. */
function unrefSocket(ws: WebSocketLike): void {
  const socket: unknown = Reflect.get(ws, '_socket');
  if (typeof socket !== 'object' || socket === null) return;
  const unref: unknown = Reflect.get(socket, 'unref');
  if (typeof unref === 'function') Reflect.apply(unref, socket, []);
}

/** Node build: `autoUnref` unrefs the `ws` socket once it is open (it has no socket before). */
export function webSocketOpened(ws: WebSocketLike, opts: { autoUnref?: boolean }): void {
  if (opts.autoUnref === true) unrefSocket(ws);
}

/** Node build: `ws` reads headers, agent, TLS options (node:https's) and compression from its third argument. */
export function openWebSocket(Ctor: WebSocketConstructorLike, url: string, extras: WebSocketExtras): WebSocketLike {
  const { protocols, extraHeaders, agent, perMessageDeflate } = extras;
  const tls = tlsOptionsOf(extras);
  if (extraHeaders === undefined && agent === undefined && tls === undefined && perMessageDeflate === undefined) {
    return new Ctor(url, protocols);
  }
  // The global WebSocket (undici's, Node 22+ without ws) takes headers in an init object as its second
  // argument and ignores a third: the headers go there. Agent, TLS and compression options need ws.
  if (Ctor === globalWebSocket() && Ctor !== loaded?.ws) {
    if (extraHeaders === undefined) return new Ctor(url, protocols);
    const init = { protocols: protocols ?? [], headers: { ...extraHeaders } };
    return new (Ctor as unknown as new (url: string, init: object) => WebSocketLike)(url, init);
  }
  return new (Ctor as unknown as ConstructorWithOptions)(url, protocols ?? [], {
    ...tls,
    ...(extraHeaders === undefined ? {} : { headers: { ...extraHeaders } }),
    ...(agent === undefined ? {} : { agent }),
    ...(perMessageDeflate === undefined ? {} : { perMessageDeflate }),
  });
}

// ws's per-message options, shared: no object per message.
const COMPRESSED = Object.freeze({ compress: true });
const UNCOMPRESSED = Object.freeze({ compress: false });

/**
 * Node build: `ws` takes per-message compression (when the server agreed to permessage-deflate), as
 * engine.io-client sets it: the packet's `compress`, off below `perMessageDeflate.threshold` (1024
 * bytes by default), where compressing costs more than it saves.
 */
export function sendFrame(ws: WebSocketLike, frame: string | ArrayBuffer | ArrayBufferView, compress: boolean, extras: WebSocketExtras): void {
  const deflate = extras.perMessageDeflate;
  const threshold = deflate === false ? 0 : typeof deflate === 'object' && typeof deflate['threshold'] === 'number' ? deflate['threshold'] : 1024;
  // The size is measured only when it decides.
  const compressed = compress && (threshold <= 0 || (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength) >= threshold);
  (ws.send as (data: typeof frame, options: { compress: boolean }) => void)(frame, compressed ? COMPRESSED : UNCOMPRESSED);
}

/** Node build: binary messages are Buffers by default, as socket.io-client gives Node apps. */
export const defaultBinaryType: 'nodebuffer' | 'arraybuffer' = 'nodebuffer';

/** Node build: 'nodebuffer' wraps the bytes in a Buffer (sharing the memory: no copy). */
export function toBinaryType(data: ArrayBuffer, socket: { binaryType: 'nodebuffer' | 'arraybuffer' }): ArrayBuffer | Uint8Array {
  return socket.binaryType === 'nodebuffer' ? Buffer.from(data) : data;
}

/** Node build: with `autoUnref`, timers that do not keep the process alive (engine.io-client's option). */
export function unrefClock(clock: Clock, opts: { autoUnref?: boolean }): Clock {
  if (opts.autoUnref !== true) return clock;
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const handle = clock.setTimeout(fn, ms);
      (handle as { unref?: () => void } | null)?.unref?.();
      return handle;
    },
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

/** Node build: with `autoUnref`, `timer` does not keep the process alive. */
export function unrefTimer(timer: unknown, opts: { autoUnref?: boolean }): void {
  if (opts.autoUnref) (timer as { unref?: () => void } | null)?.unref?.();
}
