// Test-only helper: await the next event of an engine Socket.
import type { Socket, SocketEvents } from '../socket.js';

type FirstArg<A extends unknown[]> = A extends [infer F, ...unknown[]] ? F : undefined;

/** Resolves with the first argument of the next `event`. */
export function waitFor<K extends keyof SocketEvents>(socket: Socket, event: K): Promise<FirstArg<SocketEvents[K]>> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]): void => resolve(args[0] as FirstArg<SocketEvents[K]>);
    (socket.once as (event: K, fn: (...args: unknown[]) => void) => unknown).call(socket, event, listener);
  });
}
