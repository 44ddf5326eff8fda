import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientFiles, clientFileName, locateInstalledClient, mountClientFiles, negotiateEncoding, serveClientFile } from './client-files.js';
import type { ClientFileError, ClientFilesOptions, ClientPackage } from './client-files.js';
import type { CorsOptions } from './engine/cors.js';
import { EngineServer } from './engine/index.js';
import { useTestServers } from './engine/test-helpers.js';

const { serve } = useTestServers();

const FILE_NAMES = ['js', 'js.map', 'min.js', 'min.js.map', 'esm.min.js', 'esm.min.js.map', 'msgpack.min.js', 'msgpack.min.js.map'];
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchback-client-files-'));
  // Big enough for compression to matter, distinct per file so a wrong mapping shows.
  for (const name of FILE_NAMES) await writeFile(join(dir, `switchback.${name}`), `/* switchback.${name} */ ${'io("/");'.repeat(500)}`);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request over node:http, body left as sent (fetch would decompress it). */
function get(port: number, path: string, headers: OutgoingHttpHeaders = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end();
  });
}

interface Setup {
  readonly files?: ClientFilesOptions;
  readonly cors?: CorsOptions;
  readonly path?: string;
}

/** An http.Server with an app listener, an engine under the path, and the client files mounted in front. */
async function start(setup: Setup = {}): Promise<{ port: number; warnings: ClientFileError[] }> {
  const warnings: ClientFileError[] = [];
  const files = new ClientFiles({ locate: () => Promise.resolve({ dir, version: '1.2.3' }), warn: (err) => warnings.push(err), ...setup.files });
  const path = setup.path ?? '/socket.io';
  const http = createServer((_req, res) => res.writeHead(404).end('app'));
  const engine = new EngineServer({ path: `${path}/`, ...(setup.cors === undefined ? {} : { cors: setup.cors }) });
  engine.attach(http);
  files.mount(http, { path, cors: setup.cors });
  return { port: await serve(engine, http), warnings };
}

describe('ClientFiles', () => {
  it('serves each socket.io file name from dist/browser, query ignored, with socket.io headers', async () => {
    const { port } = await start();
    for (const name of FILE_NAMES) {
      for (const url of [`/socket.io/socket.io.${name}`, `/socket.io/socket.io.${name}?buster=${Date.now()}`, `/socket.io/switchback.${name}`]) {
        const res = await get(port, url);
        expect(res.status, url).toBe(200);
        expect(res.body.toString()).toBe(await readFile(join(dir, `switchback.${name}`), 'utf8'));
        const type = name.endsWith('.map') ? 'application/json; charset=utf-8' : 'application/javascript; charset=utf-8';
        expect(res.headers['content-type']).toBe(type);
        expect(res.headers['etag']).toBe('"1.2.3"');
        expect(res.headers['cache-control']).toBe('public, max-age=0');
        expect(res.headers['vary']).toBe('Accept-Encoding');
        expect(res.headers['content-length']).toBe(String(res.body.length));
        expect(res.headers['content-encoding']).toBeUndefined();
        expect(res.headers['x-sourcemap']).toBeUndefined();
      }
    }
  });

  it('leaves every other request to the engine and the app', async () => {
    const { port } = await start();
    const handshake = await get(port, '/socket.io/?EIO=4&transport=polling');
    expect(handshake.status).toBe(200);
    expect(handshake.body.toString()).toMatch(/^0\{"sid":/);
    // Unknown names under the path are the engine's (400 Transport unknown), as with socket.io.
    for (const url of ['/socket.io/other.js', '/socket.io/socket.io.jsx', '/socket.io/sub/socket.io.js']) {
      expect((await get(port, url)).status, url).toBe(400);
    }
    for (const url of ['/socket.io.js', '/socket.iox/socket.io.js', '/other/socket.io.js']) {
      const res = await get(port, url);
      expect(res.body.toString(), url).toBe('app');
    }
    // Not a GET or HEAD: the engine's answer too.
    expect((await get(port, '/socket.io/socket.io.js', {}, 'POST')).status).toBe(400);
  });

  it('serves under a custom path, with or without its trailing slash', async () => {
    const { port } = await start({ path: '/rt' });
    expect((await get(port, '/rt/socket.io.min.js')).status).toBe(200);
    expect((await get(port, '/socket.io/socket.io.min.js')).body.toString()).toBe('app');
    expect(clientFileName('/rt/socket.io.js', '/rt/')).toBe('socket.io.js');
    expect(clientFileName('/socket.io.js?x=1', '')).toBe('socket.io.js');
  });

  it('compresses with the best coding the request accepts; the bytes decode to the file', async () => {
    const { port } = await start();
    const file = await readFile(join(dir, 'switchback.js'));
    const decoders = { br: brotliDecompressSync, gzip: gunzipSync, deflate: inflateSync };
    const cases: Array<[string, keyof typeof decoders | undefined]> = [
      ['gzip,br,deflate', 'gzip'], // socket.io's test: the client's order breaks the tie
      ['br', 'br'],
      ['deflate', 'deflate'],
      ['gzip;q=0.5, br;q=0.8', 'br'],
      ['*', 'br'],
      ['gzip;q=0, *;q=0.1', 'br'],
      ['gzip;q=0', undefined],
      ['identity', undefined],
    ];
    for (const [accept, coding] of cases) {
      // Twice: the second answer comes from the in-memory copy and must be the same bytes.
      const first = await get(port, '/socket.io/socket.io.js', { 'accept-encoding': accept });
      const second = await get(port, '/socket.io/socket.io.js', { 'accept-encoding': accept });
      expect(first.headers['content-encoding'], accept).toBe(coding);
      expect(second.body.equals(first.body), accept).toBe(true);
      const decoded = coding === undefined ? first.body : decoders[coding](first.body);
      expect(decoded.equals(file), accept).toBe(true);
      if (coding !== undefined) expect(first.body.length).toBeLessThan(file.length / 10);
      expect(first.headers['content-length']).toBe(String(first.body.length));
    }
  });

  it('answers 304 to a matching If-None-Match, strong or weak, and 200 to another tag', async () => {
    const { port } = await start();
    for (const tag of ['"1.2.3"', 'W/"1.2.3"', '"0.9.0", "1.2.3"', '*']) {
      const res = await get(port, '/socket.io/socket.io.js', { 'if-none-match': tag, 'accept-encoding': 'gzip' });
      expect(res.status, tag).toBe(304);
      expect(res.body.length).toBe(0);
      expect(res.headers['etag']).toBe('"1.2.3"');
    }
    expect((await get(port, '/socket.io/socket.io.js.map', { 'if-none-match': '"1.2.2"' })).status).toBe(200);
  });

  it('answers HEAD with the headers only', async () => {
    const { port } = await start();
    const head = await get(port, '/socket.io/socket.io.min.js', { 'accept-encoding': 'br' }, 'HEAD');
    const full = await get(port, '/socket.io/socket.io.min.js', { 'accept-encoding': 'br' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(full.headers['content-length']);
    expect(head.headers['content-encoding']).toBe('br');
  });

  it("sends the engine's CORS headers with the files and answers their preflight", async () => {
    const { port } = await start({ cors: { origin: 'https://good-origin.com' } });
    const res = await get(port, '/socket.io/socket.io.js', { origin: 'https://good-origin.com' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://good-origin.com');
    expect(res.headers['vary']).toBe('Origin, Accept-Encoding');
    const preflight = await get(port, '/socket.io/socket.io.esm.min.js', { origin: 'https://good-origin.com' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,PATCH,POST,DELETE');
    // Without the cors option nothing is added (as socket.io).
    const plain = await start();
    expect((await get(plain.port, '/socket.io/socket.io.js', { origin: 'https://x.example' })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('without the client package: 404 naming the package to install, one warning, no crash; then serves once installed', async () => {
    let installed: ClientPackage | undefined;
    let locateCalls = 0;
    const locate = (): Promise<ClientPackage | undefined> => {
      locateCalls += 1;
      return Promise.resolve(installed);
    };
    const { port, warnings } = await start({ files: { locate } });
    const answers = await Promise.all([get(port, '/socket.io/socket.io.js'), get(port, '/socket.io/socket.io.min.js')]);
    await get(port, '/socket.io/socket.io.js');
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body.toString()).toMatch(/@switchback\/client is not installed.*npm install @switchback\/client/);
    }
    expect(warnings.map((w) => w.code)).toEqual(['CLIENT_NOT_INSTALLED']);
    expect((await get(port, '/socket.io/?EIO=4&transport=polling')).status).toBe(200);
    installed = { dir, version: '2.0.0' };
    const later = await get(port, '/socket.io/socket.io.js');
    expect(later.status).toBe(200);
    expect(later.headers['etag']).toBe('"2.0.0"');
    const callsWhenServed = locateCalls;
    await get(port, '/socket.io/socket.io.js.map');
    expect(locateCalls).toBe(callsWhenServed);
  });

  it('with the package installed but not built: 404 naming the missing file', async () => {
    const missing = join(dir, 'nothing-here');
    const { port, warnings } = await start({ files: { locate: () => Promise.resolve({ dir: missing, version: '1.0.0' }) } });
    const res = await get(port, '/socket.io/socket.io.js');
    expect(res.status).toBe(404);
    expect(res.body.toString()).toContain(join(missing, 'switchback.js'));
    expect(warnings.map((w) => w.code)).toEqual(['CLIENT_NOT_BUILT']);
  });

  it('reads each file once: later requests are answered from memory', async () => {
    const { port } = await start();
    const first = await get(port, '/socket.io/socket.io.js', { 'accept-encoding': 'gzip' });
    await writeFile(join(dir, 'switchback.js'), 'changed on disk');
    const again = await get(port, '/socket.io/socket.io.js', { 'accept-encoding': 'gzip' });
    const plain = await get(port, '/socket.io/socket.io.js');
    expect(again.body.equals(first.body)).toBe(true);
    expect(plain.body.toString()).not.toBe('changed on disk');
  });

  it('uses the full URL of an Express sub-app request (originalUrl)', async () => {
    const files = new ClientFiles({ locate: () => Promise.resolve({ dir, version: '1.2.3' }) });
    const http = createServer((req, res) => {
      // What Express does for app.use('/socket.io', ...): url relative to the mount, originalUrl full.
      Object.assign(req, { originalUrl: req.url, url: (req.url ?? '').slice('/socket.io'.length) });
      if (!files.serve(req, res, { path: '/socket.io' })) res.writeHead(418).end();
    });
    const port = await serve(new EngineServer(), http);
    expect((await get(port, '/socket.io/socket.io.js')).status).toBe(200);
    expect((await get(port, '/socket.io/')).status).toBe(418);
  });
});

describe('the installed package', () => {
  it('locateInstalledClient resolves @switchback/client as the server package would import it', async () => {
    const clientDir = fileURLToPath(new URL('../../client/', import.meta.url));
    const { version } = JSON.parse(await readFile(join(clientDir, 'package.json'), 'utf8')) as { version: string };
    expect(await locateInstalledClient()).toEqual({ dir: join(clientDir, 'dist', 'browser'), version });
  });

  it('serveClientFile and mountClientFiles handle the client file names under the path and nothing else', async () => {
    const direct = createServer((req, res) => {
      if (!serveClientFile(req, res, { path: '/socket.io' })) res.writeHead(418).end();
    });
    const mounted = createServer((_req, res) => res.writeHead(418).end());
    mountClientFiles(mounted, { path: '/socket.io' });
    for (const port of [await serve(new EngineServer(), direct), await serve(new EngineServer(), mounted)]) {
      expect((await get(port, '/socket.io/x.js')).status).toBe(418);
      expect((await get(port, '/socket.io/socket.io.msgpack.js')).status).toBe(418);
      expect((await get(port, '/socket.io/?EIO=4&transport=polling')).status).toBe(418);
    }
  });
});

describe('negotiateEncoding', () => {
  it('follows q-values, then the header order, then br > gzip > deflate', () => {
    expect(negotiateEncoding(undefined)).toBeUndefined();
    expect(negotiateEncoding('')).toBeUndefined();
    expect(negotiateEncoding('deflate, gzip')).toBe('deflate');
    expect(negotiateEncoding('GZIP')).toBe('gzip');
    expect(negotiateEncoding(['deflate;q=0.1', 'gzip;q=0.2'])).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0, deflate;q=0')).toBeUndefined();
    expect(negotiateEncoding('br;q=abc, gzip')).toBe('gzip');
    expect(negotiateEncoding('compress, x-gzip')).toBeUndefined();
    expect(negotiateEncoding('*;q=0.5, gzip;q=0.4')).toBe('br');
  });
});
