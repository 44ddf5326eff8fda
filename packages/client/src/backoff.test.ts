import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from min up to max without jitter', () => {
    const backoff = new Backoff({ min: 1000, max: 5000 });
    expect([1, 2, 3, 4, 5].map(() => backoff.duration())).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(backoff.attempts).toBe(5);
    backoff.reset();
    expect(backoff.duration()).toBe(1000);
  });

  it('stays within ±jitter of the exponential delay, capped at max', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 12 }), (r, n) => {
        const backoff = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random: () => r });
        backoff.attempts = n;
        const base = 1000 * 2 ** n;
        const d = backoff.duration();
        expect(d).toBeGreaterThanOrEqual(Math.min(Math.floor(base * 0.5), 5000));
        expect(d).toBeLessThanOrEqual(Math.min(base * 1.5, 5000));
      }),
    );
  });

  it('moves down for an even tenth digit and up for an odd one', () => {
    expect(new Backoff({ min: 1000, jitter: 0.5, random: () => 0.25 }).duration()).toBe(875);
    expect(new Backoff({ min: 1000, jitter: 0.5, random: () => 0.15 }).duration()).toBe(1075);
  });

  it('never collapses to 0 after very many attempts', () => {
    const backoff = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random: () => 0.9 });
    backoff.attempts = 5000;
    expect(backoff.duration()).toBe(5000);
  });

  it('ignores a jitter outside (0, 1] and follows setMin/setMax', () => {
    const backoff = new Backoff({ jitter: 2, random: () => 0.3 });
    expect(backoff.duration()).toBe(100);
    backoff.setMin(10);
    backoff.setMax(15);
    backoff.reset();
    expect([backoff.duration(), backoff.duration()]).toEqual([10, 15]);
  });
});
