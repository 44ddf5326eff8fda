import { Adapter as SocketIoAdapter } from 'socket.io-adapter';
import { describe, expectTypeOf, it } from 'vitest';
import type { BroadcastOperator, RemoteSocket } from './broadcast.js';
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
  count: (ack: (sockets: number) => void) => void;
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

  it('types broadcast acks as one answer per client, as socket.io does', () => {
    const io = new Server<ClientToServer, ServerToClient, InterServer, Data>();
    // Namespace, Server and Socket give the same operator type, so the three can be mixed.
    interface ServerToClientBroadcast {
      news: (headline: string, id: number) => void;
      ask: (question: string, ack: (answer: number[]) => void) => void;
    }
    const nsp = io.of('/');
    for (const emitter of [io, nsp]) {
      expectTypeOf(emitter.to('r')).toEqualTypeOf<BroadcastOperator<ServerToClientBroadcast, Data>>();
      expectTypeOf(emitter.except('r')).toEqualTypeOf<BroadcastOperator<ServerToClientBroadcast, Data>>();
      expectTypeOf(emitter.volatile).toEqualTypeOf<BroadcastOperator<ServerToClientBroadcast, Data>>();
      expectTypeOf(emitter.local).toEqualTypeOf<BroadcastOperator<ServerToClientBroadcast, Data>>();
      expectTypeOf(emitter.compress(false)).toEqualTypeOf<BroadcastOperator<ServerToClientBroadcast, Data>>();
    }
    io.on('connection', (socket) => {
      expectTypeOf(socket.broadcast).toEqualTypeOf<BroadcastOperator<ServerToClientBroadcast, Data>>();
      const targets = Math.random() > 0.5 ? socket.to('r') : io.to('r');
      targets.timeout(10).emit('ask', 'q?', (err, answers) => {
        expectTypeOf(err).toEqualTypeOf<Error>();
        expectTypeOf(answers).toEqualTypeOf<number[]>();
      });
    });
    // Without timeout() a client that never answers would keep the promise pending: not offered.
    // @ts-expect-error no event can be awaited without timeout()
    void io.to('r').emitWithAck('ask', 'q?');
    expectTypeOf(io.to('r').timeout(10).emitWithAck('ask', 'q?')).toEqualTypeOf<Promise<number[]>>();
  });

  it('types the sockets fetchSockets() finds, local or remote, and their timeout() acks', async () => {
    const io = new Server<ClientToServer, ServerToClient, InterServer, Data>();
    // Local sockets are handed out as they are, so a Socket must be usable as a RemoteSocket.
    expectTypeOf<Socket<ClientToServer, ServerToClient, InterServer, Data>>().toExtend<RemoteSocket<ServerToClient, Data>>();
    const [found] = await io.fetchSockets();
    if (found) {
      expectTypeOf(found.data).toEqualTypeOf<Data>();
      found.timeout(10).emit('ask', 'q?', (err, answer) => {
        expectTypeOf(err).toEqualTypeOf<Error>();
        expectTypeOf(answer).toEqualTypeOf<number>();
      });
      expectTypeOf(found.timeout(10).emitWithAck('ask', 'q?')).toEqualTypeOf<Promise<number>>();
      // @ts-expect-error news takes no ack
      void found.timeout(10).emitWithAck('news', 'h', 1);
    }
    void io.close();
  });

  it('types serverSideEmit acks as one answer per server, and socket.io-adapter adapters as options', () => {
    const io = new Server<ClientToServer, ServerToClient, InterServer, Data>({ adapter: SocketIoAdapter });
    io.serverSideEmit('count', (err, counts) => {
      expectTypeOf(err).toEqualTypeOf<Error>();
      expectTypeOf(counts).toEqualTypeOf<number[]>();
    });
    io.of('/admin').serverSideEmit('count', (err, counts) => expectTypeOf(counts).toEqualTypeOf<number[]>());
    expectTypeOf(io.serverSideEmitWithAck('count')).toEqualTypeOf<Promise<number[]>>();
    // @ts-expect-error sync takes no ack
    void io.serverSideEmitWithAck('sync', 1);
    io.adapter((nsp) => new SocketIoAdapter(nsp));
    // Type-checked, never called: the namespaces would take the broken adapter at once.
    // @ts-expect-error an adapter factory must return an adapter
    const broken = (): unknown => io.adapter(() => 'nope');
    expectTypeOf(broken).toBeFunction();
    void io.close();
  });
});
