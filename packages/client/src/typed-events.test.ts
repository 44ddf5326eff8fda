// Type-level tests (checked by tsc); the runtime part only makes sure the file loads.
import { describe, expectTypeOf, it } from 'vitest';
import { io } from './index.js';
import type { DisconnectDescription, ExtendedError, Manager, Socket } from './index.js';

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
