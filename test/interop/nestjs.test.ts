// A NestJS 11 application (platform-express) whose WebSocket gateways run on a Switchback server, through
// the one-method adapter the README shows: @nestjs/platform-socket.io's IoAdapter with createIOServer()
// building our Server. Nest binds handlers with rxjs fromEvent() (addListener/removeListener), reads
// acks as the last argument, emits `exception` for WsException and guard refusals, decorates gateways
// with namespaces (`server.of(name)`), and closes the server with the application.
// The decorators are applied as functions (Reflect.decorate), so this file needs no decorator compiler options.
import 'reflect-metadata';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Module, UseGuards } from '@nestjs/common';
import type { CanActivate, ExecutionContext, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { SubscribeMessage, WebSocketGateway, WebSocketServer, WsException } from '@nestjs/websockets';
import { io as switchbackIo } from '@switchback/client';
import { Namespace, Server } from '@switchback/server';
import type { ServerOptions, Socket } from '@switchback/server';
import { io as referenceIo } from 'socket.io-client';
import type { Socket as ReferenceClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once, until } from '../helpers/wait.js';

/** The README's adapter: Nest's own IoAdapter, with our Server in place of socket.io's. */
class SwitchbackIoAdapter extends IoAdapter {
  override createIOServer(port: number, options?: Partial<ServerOptions>): unknown {
    const httpServer = this.httpServer as HttpServer | undefined;
    return httpServer !== undefined && port === 0 ? new Server(httpServer, options) : new Server(port, options);
  }
}

const lifecycle: string[] = [];

class AllowFlagGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return (context.switchToWs().getData() as { allow?: boolean } | undefined)?.allow === true;
  }
}

class EventsGateway {
  server!: Server;
  afterInit(server: unknown): void {
    lifecycle.push(`init:${server instanceof Server}`);
  }
  handleConnection(client: Socket): void {
    lifecycle.push(`connect:${client.nsp.name}`);
  }
  handleDisconnect(client: Socket): void {
    lifecycle.push(`disconnect:${client.nsp.name}`);
  }
  push(_client: Socket, data: unknown): { event: string; data: unknown } {
    return { event: 'pop', data };
  }
  double(_client: Socket, data: number): number {
    return data * 2;
  }
  pair(_client: Socket, data: unknown): unknown {
    return data;
  }
  lobby(client: Socket, text: string): void {
    void client.join('lobby');
    this.server.to('lobby').emit('said', `${client.id}: ${text}`);
  }
  guarded(): string {
    return 'let in';
  }
  refuse(): never {
    throw new WsException('not today');
  }
  async later(_client: Socket, data: string): Promise<{ event: string; data: string }> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { event: 'later-done', data };
  }
}

class ChatGateway {
  nsp!: Namespace;
  hello(_client: Socket, name: string): { event: string; data: string } {
    return { event: 'welcome', data: `${name} in ${this.nsp.name}` };
  }
}

function decorateMethod(target: object, key: string, ...decorators: MethodDecorator[]): void {
  Reflect.decorate(decorators, target, key, Object.getOwnPropertyDescriptor(target, key));
}

decorateMethod(EventsGateway.prototype, 'push', SubscribeMessage('push'));
decorateMethod(EventsGateway.prototype, 'double', SubscribeMessage('double'));
decorateMethod(EventsGateway.prototype, 'pair', SubscribeMessage('pair'));
decorateMethod(EventsGateway.prototype, 'lobby', SubscribeMessage('lobby'));
decorateMethod(EventsGateway.prototype, 'guarded', SubscribeMessage('guarded'), UseGuards(AllowFlagGuard));
decorateMethod(EventsGateway.prototype, 'refuse', SubscribeMessage('refuse'));
decorateMethod(EventsGateway.prototype, 'later', SubscribeMessage('later'));
Reflect.decorate([WebSocketServer()], EventsGateway.prototype, 'server');
Reflect.decorate([WebSocketGateway()], EventsGateway);
decorateMethod(ChatGateway.prototype, 'hello', SubscribeMessage('hello'));
Reflect.decorate([WebSocketServer()], ChatGateway.prototype, 'nsp');
Reflect.decorate([WebSocketGateway({ namespace: 'chat' })], ChatGateway);
Reflect.decorate([Injectable()], AllowFlagGuard);
class AppModule {}
Reflect.decorate([Module({ providers: [EventsGateway, ChatGateway] })], AppModule);

let app: INestApplication;
let url: string;
const clients: Array<{ disconnect(): unknown }> = [];

beforeAll(async () => {
  app = await NestFactory.create(AppModule, { logger: false });
  app.useWebSocketAdapter(new SwitchbackIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as HttpServer).address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await app?.close();
});

function reference(path: string, transports?: string[]): ReferenceClientSocket {
  const socket = referenceIo(`${url}${path}`, { forceNew: true, reconnection: false, ...(transports ? { transports } : {}) });
  clients.push(socket);
  return socket;
}

describe('NestJS gateways on a Switchback server', () => {
  it('runs the gateway on our Server, with its lifecycle hooks', async () => {
    const client = reference('/');
    await once(client, 'connect');
    expect(lifecycle).toContain('init:true');
    expect(lifecycle).toContain('connect:/');
    client.disconnect();
    await until(() => lifecycle.includes('disconnect:/'), 'the gateway saw the disconnect');
  });

  for (const transports of [undefined, ['polling'], ['websocket']] as const) {
    const mode = transports === undefined ? 'default (polling, then upgrade)' : transports.join('+');
    it(`handles messages from socket.io-client, ${mode}: replies, acks, rooms, guards, exceptions`, async () => {
      const client = reference('/', transports ? [...transports] : undefined);
      await once(client, 'connect');

      client.emit('push', { n: 1 });
      expect(await once(client, 'pop')).toEqual([{ n: 1 }]);
      expect(await client.emitWithAck('double', 21)).toBe(42);
      // Several arguments reach the handler as one array (Nest's mapPayload), the ack stays last.
      expect(await client.emitWithAck('pair', 'a', 'b')).toEqual(['a', 'b']);

      const said = once<[string]>(client, 'said');
      client.emit('lobby', 'hi');
      expect((await said)[0]).toBe(`${client.id}: hi`);

      const forbidden = once<[{ status: string; message: string }]>(client, 'exception');
      client.emit('guarded', { allow: false });
      expect((await forbidden)[0]).toMatchObject({ status: 'error', message: 'Forbidden resource' });
      expect(await client.emitWithAck('guarded', { allow: true })).toBe('let in');

      const refused = once<[{ status: string; message: string }]>(client, 'exception');
      client.emit('refuse');
      expect((await refused)[0]).toMatchObject({ status: 'error', message: 'not today', cause: { pattern: 'refuse' } });

      client.emit('later', 'x');
      expect(await once(client, 'later-done')).toEqual(['x']);
    });
  }

  it('serves a namespaced gateway, to socket.io-client and to our client', async () => {
    const theirs = reference('/chat');
    theirs.emit('hello', 'ada');
    expect(await once(theirs, 'welcome')).toEqual(['ada in /chat']);

    const ours = switchbackIo(`${url}/chat`, { forceNew: true, reconnection: false });
    clients.push(ours);
    ours.emit('hello', 'grace');
    expect(await once(ours, 'welcome')).toEqual(['grace in /chat']);
    expect(ours.io.engine.transport.name).toBe('websocket');
  });

  it('closing the application disconnects the clients and stops the server', async () => {
    const client = reference('/', ['websocket']);
    await once(client, 'connect');
    const disconnected = once<[string]>(client, 'disconnect');
    await app.close();
    expect((await disconnected)[0]).toMatch(/transport close|io server disconnect/);
    expect((app.getHttpServer() as HttpServer).listening).toBe(false);
  });
});
