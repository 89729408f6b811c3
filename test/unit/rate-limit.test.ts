import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, RateLimiters } from '../../src-main/engine/http/rate-limit.js';
import { manualClock } from './support.js';

/**
 * The limiter reads time from an injected clock and waits with setTimeout; fake timers let the test see
 * exactly when each caller is let through. The clock stands still while callers queue up, as it does
 * when many jobs ask for a slot in the same tick.
 */
let clock: ReturnType<typeof manualClock>;

beforeEach(() => {
  vi.useFakeTimers();
  clock = manualClock(10_000);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `n` takes at the current clock and records, in fake-timer ms since start, when each was let through. */
function takeMany(limiter: RateLimiter, n: number): number[] {
  const started = Date.now();
  const at: number[] = [];
  for (let i = 0; i < n; i++) void limiter.take().then(() => (at[i] = Date.now() - started));
  return at;
}

describe('RateLimiter', () => {
  it('spaces callers 1000/rate ms apart, in the order they asked', async () => {
    const limiter = new RateLimiter(4, 1, clock.now); // one every 250 ms
    const at = takeMany(limiter, 5);
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([0]);
    await vi.advanceTimersByTimeAsync(249);
    expect(at).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(at).toEqual([0, 250]);
    await vi.advanceTimersByTimeAsync(750);
    expect(at).toEqual([0, 250, 500, 750, 1_000]);
  });

  it('RetailCRM-like budget: ten per second means the eleventh call waits a full second', async () => {
    const limiter = new RateLimiter(10, 1, clock.now);
    const at = takeMany(limiter, 11);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(at).toHaveLength(11);
    expect(at[10]).toBe(1_000);
    at.forEach((t, i) => expect(t).toBe(i * 100));
  });

  it('a burst of N goes at once after a quiet period, the next caller waits one interval', async () => {
    const limiter = new RateLimiter(10, 3, clock.now);
    const at = takeMany(limiter, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(100);
    expect(at).toEqual([0, 0, 0, 100]);

    // Quiet for a while: the whole burst is available again.
    clock.advance(5_000);
    const again = takeMany(limiter, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(again).toEqual([0, 0, 0]);
  });

  it('time that passed between calls counts: a caller after one interval goes at once', async () => {
    const limiter = new RateLimiter(5, 1, clock.now);
    await limiter.take();
    clock.advance(200);
    let through = false;
    void limiter.take().then(() => (through = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(through).toBe(true);
  });

  it('a caller aborted while waiting is rejected with the abort reason and never let through', async () => {
    const limiter = new RateLimiter(1, 1, clock.now);
    await limiter.take();
    const abort = new AbortController();
    let outcome = 'waiting';
    const waiting = limiter.take(abort.signal).then(
      () => (outcome = 'through'),
      (err: Error) => (outcome = `rejected: ${err.message}`),
    );
    await vi.advanceTimersByTimeAsync(300);
    expect(outcome).toBe('waiting');
    abort.abort(new Error('engine stopping'));
    await waiting;
    expect(outcome).toBe('rejected: engine stopping');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(outcome).toBe('rejected: engine stopping');
  });

  it('a caller whose signal is already aborted is rejected at once instead of waiting for its slot', async () => {
    const limiter = new RateLimiter(1, 1, clock.now);
    await limiter.take();
    const signal = AbortSignal.abort(new Error('engine stopping'));
    let outcome = 'waiting';
    void limiter.take(signal).then(
      () => (outcome = 'through'),
      (err: Error) => (outcome = `rejected: ${err.message}`),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toBe('rejected: engine stopping');
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => new RateLimiter(0)).toThrow();
    expect(() => new RateLimiter(5, 0)).toThrow();
  });
});

describe('RateLimiters', () => {
  it('clients of the same account share one budget; a changed budget gets a new limiter', () => {
    const limiters = new RateLimiters();
    const a = limiters.get('retailcrm:shop.retailcrm.ru', 10);
    expect(limiters.get('retailcrm:shop.retailcrm.ru', 10)).toBe(a);
    expect(limiters.get('retailcrm:other.retailcrm.ru', 10)).not.toBe(a);
    const changed = limiters.get('retailcrm:shop.retailcrm.ru', 5);
    expect(changed).not.toBe(a);
    expect(changed.perSecond).toBe(5);
  });
});
