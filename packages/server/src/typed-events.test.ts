import { describe, expectTypeOf, it } from 'vitest';
import { Server } from './server.js';
import type { Socket } from './socket.js';
import type { DisconnectReason } from './socket-types.js';

interface ClientToServer {
  hello: (name: string, ack: (greeting: string) => void) => void;
  note: (text: string) => void;
}
interface ServerToClient {
  news: (headline: string, id: number) => void;
  ask: (question: string, ack: (answer: number) => void) => void;
}
interface InterServer {
  sync: (version: number) => void;
}
interface Data {
  user: string;
}

describe('typed events', () => {
  it('types listeners, emits, acks and data through the generics', () => {
    // Never attached or used at runtime: the assertions are checked by tsc.
    const io = new Server<ClientToServer, ServerToClient, InterServer, Data>();
    io.on('connection', (socket) => {
      expectTypeOf(socket).toEqualTypeOf<Socket<ClientToServer, ServerToClient, InterServer, Data>>();
      expectTypeOf(socket.data).toEqualTypeOf<Data>();
      socket.on('hello', (name, ack) => {
        expectTypeOf(name).toEqualTypeOf<string>();
        expectTypeOf(ack).toEqualTypeOf<(greeting: string) => void>();
      });
      socket.on('disconnect', (reason) => expectTypeOf(reason).toEqualTypeOf<DisconnectReason>());
      socket.emit('news', 'h', 1);
      // @ts-expect-error wrong argument type
      socket.emit('news', 'h', 'not a number');
      // @ts-expect-error unknown event
      socket.emit('nope');
      socket.emit('ask', 'q?', (answer) => expectTypeOf(answer).toEqualTypeOf<number>());
      socket.timeout(100).emit('ask', 'q?', (err, answer) => {
        expectTypeOf(err).toEqualTypeOf<Error>();
        expectTypeOf(answer).toEqualTypeOf<number>();
      });
      expectTypeOf(socket.emitWithAck('ask', 'q?')).toEqualTypeOf<Promise<number>>();
      socket.broadcast.emit('news', 'h', 2);
    });
    io.emit('news', 'h', 3);
    // @ts-expect-error events with an ack cannot be broadcast without timeout()
    io.emit('ask', 'q?', () => undefined);
    io.timeout(100).emit('ask', 'q?', (err, answers) => {
      expectTypeOf(err).toEqualTypeOf<Error>();
      expectTypeOf(answers).toEqualTypeOf<number[]>();
    });
    expectTypeOf(io.timeout(100).emitWithAck('ask', 'q?')).toEqualTypeOf<Promise<number[]>>();
    io.serverSideEmit('sync', 1);
    io.of('/admin').use((socket, next) => {
      expectTypeOf(socket.data).toEqualTypeOf<Data>();
      next();
    });
    void io.close();
  });
});
