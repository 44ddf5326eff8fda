import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DelayQueue, OwnedDelayEntry } from './delay-queue.js';

describe('DelayQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const setup = (delay = 100): { queue: DelayQueue<OwnedDelayEntry<string>>; fired: string[] } => {
    const fired: string[] = [];
    return { queue: new DelayQueue<OwnedDelayEntry<string>>(delay, (entry) => fired.push(entry.owner)), fired };
  };

  it('fires each entry once, `delay` after it was added, in the order they were added', () => {
    const { queue, fired } = setup();
    const [a, b] = [new OwnedDelayEntry('a'), new OwnedDelayEntry('b')];
    queue.add(a);
    vi.advanceTimersByTime(40);
    queue.add(b);
    vi.advanceTimersByTime(59);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(fired).toEqual(['a']);
    expect(a.pending).toBe(false);
    vi.advanceTimersByTime(40);
    expect(fired).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['a', 'b']);
  });

  it('add() again restarts the wait; remove() cancels it', () => {
    const { queue, fired } = setup();
    const [a, b] = [new OwnedDelayEntry('a'), new OwnedDelayEntry('b')];
    queue.add(a);
    queue.add(b);
    vi.advanceTimersByTime(80);
    queue.add(a);
    queue.remove(b);
    vi.advanceTimersByTime(30);
    expect(fired).toEqual([]);
    expect(a.remaining()).toBeGreaterThan(60);
    vi.advanceTimersByTime(80);
    expect(fired).toEqual(['a']);
    expect(b.remaining()).toBe(Infinity);
  });

  it('moves an entry between queues and keeps no Node timer once empty', () => {
    const short = setup(10);
    const long = setup(1000);
    const a = new OwnedDelayEntry('a');
    long.queue.add(a);
    short.queue.add(a);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(11);
    expect(short.fired).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2000);
    expect(long.fired).toEqual([]);
  });

  it('an entry re-added by its own callback waits a full delay; a throwing callback stops no one else', () => {
    const fired: string[] = [];
    const queue: DelayQueue<OwnedDelayEntry<string>> = new DelayQueue(50, (entry) => {
      fired.push(entry.owner);
      if (entry.owner === 'again' && fired.length === 1) queue.add(entry);
      if (entry.owner === 'boom') throw new Error('listener failed');
    });
    const again = new OwnedDelayEntry('again');
    queue.add(again);
    vi.advanceTimersByTime(51);
    expect(fired).toEqual(['again']);
    vi.advanceTimersByTime(51);
    expect(fired).toEqual(['again', 'again']);

    queue.add(new OwnedDelayEntry('boom'));
    queue.add(new OwnedDelayEntry('next'));
    expect(() => vi.advanceTimersByTime(51)).toThrow('listener failed');
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['again', 'again', 'boom', 'next']);
  });
});
