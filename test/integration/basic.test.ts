import { describe, expect, it } from 'vitest';
import { once, transportsFor, type TransportMode } from '../helpers/clients.js';
import { useServers } from '../helpers/servers.js';

const modes: TransportMode[] = ['websocket', 'polling', 'default'];

describe.each(modes)('Node client ↔ server over %s', (mode) => {
  const { clients, start } = useServers();

  const expectedTransport = mode === 'polling' ? 'polling' : 'websocket';

  it('connects on the expected transport and exchanges acknowledged events both ways', async () => {
    const server = await start();
    server.io.on('connection', (socket) => {
      socket.on('double', (n: number, ack: (value: number) => void) => ack(n * 2));
      socket.emit('question', 'ready?', (answer: string) => {
        socket.emit('heard', answer);
      });
    });
    const socket = clients.open(server.url, transportsFor(mode));
    socket.on('question', (text: string, ack: (answer: string) => void) => ack(`${text} yes`));
    const heard = once<[string]>(socket, 'heard');
    await once(socket, 'connect');
    expect(socket.io.engine.transport.name).toBe(expectedTransport);
    const doubled = await socket.emitWithAck('double', 21);
    expect(doubled).toBe(42);
    expect((await heard)[0]).toBe('ready? yes');
  });

  it('broadcasts to a room and not outside it', async () => {
    const server = await start();
    server.io.on('connection', (socket) => {
      socket.on('join', (room: string, ack: () => void) => {
        void socket.join(room);
        ack();
      });
      socket.on('shout', (room: string, text: string) => {
        socket.to(room).emit('shout', text);
      });
    });
    const opts = transportsFor(mode);
    const [a, b, c] = await Promise.all([
      clients.connect(server.url, opts),
      clients.connect(server.url, opts),
      clients.connect(server.url, opts),
    ]);
    await a.emitWithAck('join', 'blue');
    await b.emitWithAck('join', 'blue');
    const outsider: string[] = [];
    c.on('shout', (text: string) => outsider.push(text));
    const received = once<[string]>(b, 'shout');
    a.emit('shout', 'blue', 'hello room');
    expect((await received)[0]).toBe('hello room');
    // a round trip on c after the broadcast proves c had the chance to receive it
    c.emit('shout', 'nobody', 'ping');
    await c.emitWithAck('join', 'green');
    expect(outsider).toEqual([]);
  });

  it('a broadcast of short, multi-byte and large messages reaches every client intact (one frame built per broadcast)', async () => {
    const server = await start();
    const opts = transportsFor(mode);
    const clientsUp = await Promise.all([clients.connect(server.url, opts), clients.connect(server.url, opts)]);
    const messages = ['hi', 'héllo wörld ✓ 🚂', 'x'.repeat(200), 'ü'.repeat(40_000)];
    const received = clientsUp.map((client) => {
      const got: string[] = [];
      return new Promise<string[]>((resolve) =>
        client.on('news', (text: string) => {
          got.push(text);
          if (got.length === messages.length) resolve(got);
        }),
      );
    });
    const frames = new Set<unknown>();
    for (const socket of server.io.of('/').sockets.values()) {
      socket.conn.on('packetCreate', (packet) => {
        if (packet.type === 'message') frames.add(packet.options?.wsPreEncodedFrame);
      });
    }
    for (const text of messages) server.io.emit('news', text);
    expect(await Promise.all(received)).toEqual([messages, messages]);
    // Both sessions got the same frame of each message (polling sessions ignore it).
    expect(frames.size).toBe(messages.length);
    for (const frame of frames) expect(Array.isArray(frame)).toBe(true);
  });

  it('multiplexes namespaces and refuses an unknown one', async () => {
    const server = await start();
    server.io.of('/admin').on('connection', (socket) => {
      socket.on('whoami', (ack: (nsp: string) => void) => ack(socket.nsp.name));
    });
    const admin = await clients.connect(`${server.url}/admin`, transportsFor(mode));
    expect(await admin.emitWithAck('whoami')).toBe('/admin');

    const unknown = clients.open(`${server.url}/nowhere`, transportsFor(mode));
    const [err] = await once<[Error]>(unknown, 'connect_error');
    expect(err.message).toBe('Invalid namespace');
  });

  it('turns a middleware error into connect_error with message and data', async () => {
    const server = await start();
    server.io.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: string };
      if (auth.token === 'good') return next();
      const err = new Error('not authorized') as Error & { data?: unknown };
      err.data = { hint: 'send a token' };
      next(err);
    });
    server.io.on('connection', (socket) => socket.emit('welcome', socket.handshake.auth));

    const refused = clients.open(server.url, { ...transportsFor(mode), auth: { token: 'bad' } });
    const [err] = await once<[Error & { data?: unknown }]>(refused, 'connect_error');
    expect(err.message).toBe('not authorized');
    expect(err.data).toEqual({ hint: 'send a token' });

    const accepted = clients.open(server.url, { ...transportsFor(mode), auth: { token: 'good' } });
    const [welcome] = await once<[unknown]>(accepted, 'welcome');
    expect(welcome).toEqual({ token: 'good' });
  });

  it('carries binary anywhere in the arguments', async () => {
    const server = await start();
    server.io.on('connection', (socket) => {
      socket.on('echo', (payload: unknown, ack: (value: unknown) => void) => ack(payload));
    });
    const socket = await clients.connect(server.url, transportsFor(mode));
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const reply = (await socket.emitWithAck('echo', { nested: [1, bytes.buffer], label: 'x' })) as {
      nested: [number, ArrayBuffer];
      label: string;
    };
    expect(reply.label).toBe('x');
    expect(new Uint8Array(reply.nested[1])).toEqual(bytes);
  });
});

describe('volatile emits over a real WebSocket', () => {
  const { clients, start } = useServers();

  it('delivers only the first of consecutive volatile emits while the frame is in flight, and every regular one', async () => {
    const server = await start();
    server.io.on('connection', (socket) => {
      socket.on('go', () => {
        // The first frame makes the transport busy until ws reports it written: the second volatile
        // emit is dropped (Socket.IO's semantics); the regular one waits for the drain.
        socket.volatile.emit('v', 1);
        socket.volatile.emit('v', 2);
        socket.emit('done');
      });
    });
    const socket = await clients.connect(server.url, transportsFor('websocket'));
    const received: number[] = [];
    socket.on('v', (n: number) => received.push(n));
    const done = once(socket, 'done');
    socket.emit('go');
    await done;
    expect(received).toEqual([1]);
  });
});
