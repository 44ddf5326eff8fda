// A TCP proxy that delays every chunk by `delayMs` in each direction, in order: a link with a round-trip
// time of 2 × delayMs on top of loopback. It shows what the number of round trips costs on a real
// network, which loopback hides. The TCP connect itself is not delayed (the proxy accepts locally).
import { startTcpProxy } from './tcp-proxy.mjs';

export function startDelayProxy(targetPort, delayMs) {
  return startTcpProxy(targetPort, (client, upstream, destroyBoth) => {
    // One timer per chunk: timers of equal delay fire in the order they were set, so order is kept.
    const delayed = (from, to) => from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
    delayed(client, upstream);
    delayed(upstream, client);
    // An end or a close is passed on after the data before it (same delay, later timer).
    client.on('end', () => setTimeout(() => upstream.end(), delayMs));
    upstream.on('end', () => setTimeout(() => client.end(), delayMs));
    const later = () => setTimeout(destroyBoth, delayMs);
    client.on('close', later);
    upstream.on('close', later);
  });
}
