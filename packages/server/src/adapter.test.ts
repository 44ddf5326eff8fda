// InMemoryAdapter through its own API, as adapter authors and direct callers use it (no server around it).
import { describe, expect, it } from 'vitest';
import { InMemoryAdapter } from './adapter.js';
import type { AdapterNamespace, AdapterSocket } from './adapter.js';

function adapterWith(ids: string[]): InMemoryAdapter {
  const sockets = new Map(ids.map((id) => [id, { id } as AdapterSocket]));
  const nsp: AdapterNamespace = { name: '/', sockets, _nextAckId: () => 0 };
  return new InMemoryAdapter(nsp);
}

describe('InMemoryAdapter.addAll', () => {
  it('knows a socket added with no rooms, which broadcasts to all then reach', async () => {
    const adapter = adapterWith(['s1', 's2']);
    adapter.addAll('s1', new Set(['r1']));
    adapter.addAll('s2', new Set());
    expect(adapter.sids.has('s2')).toBe(true);
    expect(adapter.socketRooms('s2')).toEqual(new Set());
    expect(adapter.rooms.size).toBe(1);
    expect(await adapter.sockets(new Set())).toEqual(new Set(['s1', 's2']));
    const found = await adapter.fetchSockets({ rooms: new Set(), except: new Set(['r1']) });
    expect(found.map((s) => s.id)).toEqual(['s2']);
  });

  it('keeps the rooms of a known socket when given no rooms, and joins it to later ones', async () => {
    const adapter = adapterWith(['s1']);
    adapter.addAll('s1', new Set(['r1']));
    adapter.addAll('s1', new Set());
    expect(adapter.socketRooms('s1')).toEqual(new Set(['r1']));
    adapter.addAll('s2', new Set());
    adapter.addAll('s2', new Set(['s2']));
    expect(adapter.socketRooms('s2')).toEqual(new Set(['s2']));
    expect(adapter.rooms.get('s2')).toEqual(new Set(['s2']));
    adapter.delAll('s2');
    expect(adapter.sids.has('s2')).toBe(false);
    expect(adapter.rooms.has('s2')).toBe(false);
  });
});
