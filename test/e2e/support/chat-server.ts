import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from '@switchback/server';
import { buildBrowserBundle } from './bundle.js';

const pageDir = new URL('../page/', import.meta.url);

export interface ChatMessage {
  readonly from: string;
  readonly text: string;
}

export interface ReceivedMessage extends ChatMessage {
  /** The engine transport the message arrived over. */
  readonly transport: string;
}

export interface ChatServer extends AsyncDisposable {
  readonly io: Server;
  readonly http: HttpServer;
  readonly port: number;
  readonly url: string;
  /** Chat messages the server received from pages, in arrival order. */
  readonly received: readonly ReceivedMessage[];
  /** Every request path the http.Server saw (after any proxy), for asserting what went through. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

export interface Asset {
  readonly type: string;
  readonly body: string;
}

let assets: Promise<Map<string, Asset>> | undefined;

async function loadAssets(): Promise<Map<string, Asset>> {
  const [iife, esm, index, esmPage, app, worker] = await Promise.all([
    buildBrowserBundle('iife'),
    buildBrowserBundle('esm'),
    readFile(new URL('index.html', pageDir), 'utf8'),
    readFile(new URL('esm.html', pageDir), 'utf8'),
    readFile(new URL('chat-app.js', pageDir), 'utf8'),
    readFile(new URL('chat-worker.js', pageDir), 'utf8'),
  ]);
  const js = 'text/javascript; charset=utf-8';
  const html = 'text/html; charset=utf-8';
  return new Map<string, Asset>([
    ['/', { type: html, body: index }],
    ['/esm.html', { type: html, body: esmPage }],
    ['/chat-app.js', { type: js, body: app }],
    ['/chat-worker.js', { type: js, body: worker }],
    ['/switchback.js', { type: js, body: iife.code }],
    ['/switchback.mjs', { type: js, body: esm.code }],
  ]);
}

/** The same http.Server serves the page, the bundles and (through the Server) /socket.io/. */
function serveAsset(files: Map<string, Asset>, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const asset = files.get(path);
  if (asset === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'Content-Type': asset.type, 'Cache-Control': 'no-store' }).end(asset.body);
}

function isChatPayload(value: unknown): value is { text: string } {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'text') === 'string';
}

/**
 * Starts the chat app on 127.0.0.1 (free port): page + bundles + a Switchback Server whose `chat` event
 * is broadcast to every page and acknowledged.
 */
export interface ChatServerOptions {
  /** Server options (pollHoldTimeout, pingInterval, ...). */
  readonly server?: Partial<ServerOptions>;
  /** More files by path (pages, other clients' bundles), served beside the chat app's own. */
  readonly assets?: ReadonlyMap<string, Asset>;
}

export async function startChatServer(chatOptions: ChatServerOptions = {}): Promise<ChatServer> {
  const options = chatOptions.server ?? {};
  assets ??= loadAssets();
  const files = new Map([...(await assets), ...(chatOptions.assets ?? [])]);
  const received: ReceivedMessage[] = [];
  const requests: string[] = [];
  const http = createServer();
  // Registered before the Server attaches: it keeps this listener for every path but its own.
  http.on('request', (req: IncomingMessage, res: ServerResponse) => serveAsset(files, req, res));
  const io = new Server(http, options);
  // After the Server took over 'request': this listener sees every request, /socket.io/ included.
  http.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
  });
  io.on('connection', (socket) => {
    socket.on('chat', (payload: unknown, ack: unknown) => {
      if (!isChatPayload(payload)) return;
      received.push({ from: socket.id, text: payload.text, transport: socket.conn.transport.name });
      io.emit('chat', { from: socket.id, text: payload.text });
      if (typeof ack === 'function') ack('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => io.close(() => resolve()));
    http.closeAllConnections();
  };
  return { io, http, port, url: `http://127.0.0.1:${port}`, received, requests, close, [Symbol.asyncDispose]: close };
}
