// Test-only helper: an HTTP proxy like nginx with a short `proxy_read_timeout`. Everything is forwarded
// to the target, but a GET whose answer takes longer than `readTimeoutMs` is cut: the upstream request
// is destroyed and the client gets the proxy's own 504.
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CuttingProxyOptions {
  readonly targetPort: number;
  readonly readTimeoutMs: number;
  /** Awaited between cutting the upstream request and sending the 504 (lets a test order events). */
  readonly beforeGatewayTimeout?: () => Promise<void>;
}

export interface CuttingProxy extends AsyncDisposable {
  readonly url: string;
  /** `METHOD status` of every answer sent to the client, in order. */
  readonly log: string[];
  close(): Promise<void>;
}

export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  const log: string[] = [];
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    let answered = false;
    const upstream = request({ host: '127.0.0.1', port: options.targetPort, method, path: req.url, headers: req.headers }, (answer) => {
      clearTimeout(timer);
      answered = true;
      log.push(`${method} ${answer.statusCode ?? 0}`);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      // Destroyed by the cut below, or the target went away: the client's answer is already decided.
    });
    const timer =
      method === 'GET'
        ? setTimeout(() => {
            answered = true;
            upstream.destroy();
            void (options.beforeGatewayTimeout?.() ?? Promise.resolve()).then(() => {
              log.push(`${method} 504`);
              res.writeHead(504, { 'Content-Type': 'text/html' }).end('<html><body>504 Gateway Time-out</body></html>');
            });
          }, options.readTimeoutMs)
        : undefined;
    // The client went away first (e.g. it closed): nothing to cut any more.
    res.on('close', () => {
      clearTimeout(timer);
      if (!answered) upstream.destroy();
    });
    req.pipe(upstream);
  };
  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, log, close, [Symbol.asyncDispose]: close };
}
