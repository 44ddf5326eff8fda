// Type-level tests (checked by tsc), and the runtime behaviour of the one Emitter implementation.
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { io } from './index.js';
import type { DisconnectDescription, ExtendedError, Manager, Socket } from './index.js';
import { EventEmitter } from './typed-events.js';

interface ServerToClient {
  hello: (msg: string) => void;
  ask: (n: number, cb: (answer: string) => void) => void;
}
interface ClientToServer {
  ping: (n: number) => void;
  sum: (a: number, b: number, cb: (total: number) => void) => void;
}

function typedSocket(): Socket<ServerToClient, ClientToServer> {
  // The documented socket.io-client pattern: the type comes from the annotation.
  const socket: Socket<ServerToClient, ClientToServer> = io('http://127.0.0.1:1', { autoConnect: false });
  return socket;
}

describe('typed events', () => {
  it('types listeners, emits, acks and reserved events', () => {
    const check = (socket: Socket<ServerToClient, ClientToServer>): void => {
      socket.on('hello', (msg) => expectTypeOf(msg).toEqualTypeOf<string>());
      socket.on('ask', (n, cb) => {
        expectTypeOf(n).toEqualTypeOf<number>();
        expectTypeOf(cb).toEqualTypeOf<(answer: string) => void>();
      });
      socket.on('connect_error', (err) => expectTypeOf(err).toEqualTypeOf<ExtendedError>());
      socket.on('disconnect', (reason, description) => {
        expectTypeOf(reason).toEqualTypeOf<Socket.DisconnectReason>();
        expectTypeOf(description).toEqualTypeOf<DisconnectDescription | undefined>();
      });
      socket.emit('ping', 1);
      socket.emit('sum', 1, 2, (total) => expectTypeOf(total).toEqualTypeOf<number>());
      socket.timeout(100).emit('sum', 1, 2, (err, total) => {
        expectTypeOf(err).toEqualTypeOf<Error>();
        expectTypeOf(total).toEqualTypeOf<number>();
      });
      expectTypeOf(socket.emitWithAck('sum', 1, 2)).toEqualTypeOf<Promise<number>>();
      // After timeout() the ack's leading Error rejects the promise; the answer is what resolves.
      expectTypeOf(socket.timeout(100).emitWithAck('sum', 1, 2)).toEqualTypeOf<Promise<number>>();
      expectTypeOf(socket.io).toEqualTypeOf<Manager<ServerToClient, ClientToServer>>();
      expectTypeOf(socket.io.engine.transport.name).toEqualTypeOf<'websocket' | 'polling'>();
      socket.io.on('reconnect_attempt', (attempt) => expectTypeOf(attempt).toEqualTypeOf<number>());
      // @ts-expect-error wrong argument type
      socket.emit('ping', 'one');
      // @ts-expect-error not an event of ClientToServer
      socket.emit('hello', 'x');
      // @ts-expect-error listener of the wrong shape
      socket.on('hello', (n: number) => n);
      // @ts-expect-error unknown manager event
      socket.io.on('nope', () => undefined);
    };
    expectTypeOf(check).toBeFunction();
    expectTypeOf(typedSocket).returns.toEqualTypeOf<Socket<ServerToClient, ClientToServer>>();
  });

  it('keeps untyped sockets as permissive as socket.io-client', () => {
    const check = (socket: Socket): void => {
      socket.on('anything', (msg) => msg.text.toUpperCase());
      socket.emit('whatever', 1, { a: 2 }, () => undefined);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      expectTypeOf(socket.timeout(100).emitWithAck('whatever', 1)).toEqualTypeOf<Promise<any>>();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      expectTypeOf(socket.emitWithAck('whatever', 1)).toEqualTypeOf<Promise<any>>();
      socket.onAny((event, ...args) => [event, args]);
      // @ts-expect-error reserved names stay typed
      socket.on('connect', (x: number) => x);
    };
    expectTypeOf(check).toBeFunction();
  });
});

describe('Emitter (runtime)', () => {
  // The engine layer's emitter: same implementation as the Socket's and the Manager's, with a public emit.
  const make = (): EventEmitter<Record<string, unknown[]>> => new EventEmitter<Record<string, unknown[]>>();

  it('calls listeners in order with the emitter as `this`, once-listeners a single time', () => {
    const e = make();
    const seen: unknown[] = [];
    e.on('x', function (this: unknown, v: unknown) {
      seen.push(['on', v, this === e]);
    });
    e.once('x', (v: unknown) => seen.push(['once', v]));
    expect(e.emit('x', 1)).toBe(true);
    e.emit('x', 2);
    expect(seen).toEqual([['on', 1, true], ['once', 1], ['on', 2, true]]);
    expect(e.emit('nobody')).toBe(false);
  });

  it('off() removes a listener, a once-listener by its own function, all of one event, or all', () => {
    const e = make();
    const a = vi.fn();
    const b = vi.fn();
    e.on('x', a).once('x', b).on('y', a);
    expect(e.listeners('x')).toEqual([a, b]);
    e.off('x', b);
    e.emit('x');
    expect(b).not.toHaveBeenCalled();
    expect(a).toHaveBeenCalledOnce();
    e.removeListener('x', a);
    expect(e.hasListeners('x')).toBe(false);
    e.on('x', a);
    e.removeAllListeners('x');
    expect(e.listeners('x')).toEqual([]);
    expect(e.hasListeners('y')).toBe(true);
    e.off();
    expect(e.hasListeners('y')).toBe(false);
  });

  it('a listener added or removed during an emit takes effect from the next emit on', () => {
    const e = make();
    const late = vi.fn();
    const removed = vi.fn();
    e.on('x', () => {
      e.on('x', late);
      e.off('x', removed);
    });
    e.on('x', removed);
    e.emit('x');
    expect(late).not.toHaveBeenCalled();
    expect(removed).toHaveBeenCalledOnce();
    e.emit('x');
    expect(late).toHaveBeenCalledOnce();
    expect(removed).toHaveBeenCalledOnce();
  });
});
