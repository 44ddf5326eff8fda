// The Node EventEmitter methods that engine.io apps call on io.engine and socket.conn.
import { describe, expect, it } from 'vitest';
import { Socket as EioClient } from 'engine.io-client';
import { NodeStyleEmitter } from './node-emitter.js';
import { nextConnection, useTestServers } from './test-helpers.js';

type Events = { a: (n: number) => void; b: () => void };

describe('NodeStyleEmitter', () => {
  it('prependListener and prependOnceListener run before the listeners already there; once runs once', () => {
    const emitter = new NodeStyleEmitter<Events>();
    const calls: string[] = [];
    emitter.on('a', (n) => calls.push(`on${n}`));
    emitter.prependListener('a', (n) => calls.push(`first${n}`));
    emitter.prependOnceListener('a', (n) => calls.push(`once${n}`));
    emitter.emit('a', 1);
    emitter.emit('a', 2);
    expect(calls).toEqual(['once1', 'first1', 'on1', 'first2', 'on2']);
    expect(emitter.rawListeners('a')).toHaveLength(2);
  });

  it('prepends to an event with no listener, and to one with a single listener', () => {
    const emitter = new NodeStyleEmitter<Events>();
    const calls: string[] = [];
    emitter.prependListener('b', () => calls.push('only'));
    emitter.emit('b');
    emitter.prependListener('b', () => calls.push('new'));
    emitter.emit('b');
    expect(calls).toEqual(['only', 'new', 'only']);
  });

  it('setMaxListeners returns the emitter and getMaxListeners reads it back (10 by default); a bad value is a RangeError', () => {
    const emitter = new NodeStyleEmitter<Events>();
    expect(emitter.getMaxListeners()).toBe(10);
    expect(emitter.setMaxListeners(0)).toBe(emitter);
    expect(emitter.getMaxListeners()).toBe(0);
    expect(new NodeStyleEmitter<Events>().getMaxListeners()).toBe(10);
    expect(() => emitter.setMaxListeners(-1)).toThrow(RangeError);
    expect(() => emitter.setMaxListeners(Number.NaN)).toThrow(RangeError);
  });
});

describe('on the engine server and its sessions', () => {
  const { started } = useTestServers();

  it('io.engine.prependListener runs first, and socket.conn takes setMaxListeners and prepended listeners', async () => {
    const server = await started();
    const order: string[] = [];
    server.engine.on('connection', () => order.push('app'));
    server.engine.prependListener('connection', () => order.push('prepended'));
    const connection = nextConnection(server);
    const client = new EioClient(`http://127.0.0.1:${server.port}`, { transports: ['websocket'] });
    const socket = await connection;
    expect(order).toEqual(['prepended', 'app']);

    expect(socket.setMaxListeners(0)).toBe(socket);
    expect(socket.getMaxListeners()).toBe(0);
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(`on:${String(data)}`));
    socket.prependOnceListener('message', (data) => messages.push(`once:${String(data)}`));
    const two = new Promise<void>((resolve) => socket.on('message', () => messages.length >= 3 && resolve()));
    client.send('x');
    client.send('y');
    await two;
    expect(messages).toEqual(['once:x', 'on:x', 'on:y']);
    client.close();
  });
});
