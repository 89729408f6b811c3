import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultBackoff, parseRetryAfter, type BackoffPolicy } from '../../src-main/engine/jobs/backoff.js';

const policy: BackoffPolicy = { baseMs: 1_000, maxMs: 20_000, maxRetryAfterMs: 60_000 };
const top = () => 1; // upper end of the jitter
const bottom = () => 0; // lower end

describe('backoffDelay', () => {
  it('doubles with every attempt', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, null, policy, top))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('never grows past the cap, however many attempts', () => {
    expect(backoffDelay(6, null, policy, top)).toBe(20_000);
    expect(backoffDelay(50, null, policy, top)).toBe(20_000);
    expect(backoffDelay(5_000, null, policy, top)).toBe(20_000);
  });

  it('attempt 0 (or less) is treated like the first', () => {
    expect(backoffDelay(0, null, policy, top)).toBe(1_000);
    expect(backoffDelay(-3, null, policy, top)).toBe(1_000);
  });

  it('jitter keeps the delay between half and the whole of the exponential step', () => {
    for (const attempt of [1, 3, 7]) {
      const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, null, policy, bottom)).toBe(exp / 2);
      expect(backoffDelay(attempt, null, policy, () => 0.5)).toBe(Math.round(exp * 0.75));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, null, policy);
        expect(d).toBeGreaterThanOrEqual(exp / 2);
        expect(d).toBeLessThanOrEqual(exp);
      }
    }
  });

  it('jobs failing together do not come back together', () => {
    const delays = new Set(Array.from({ length: 20 }, (_, i) => backoffDelay(4, null, policy, () => i / 20)));
    expect(delays.size).toBe(20);
  });

  it('waits at least as long as the remote side asked (Retry-After)', () => {
    expect(backoffDelay(1, 45_000, policy, top)).toBe(45_000);
    // A shorter Retry-After than our own backoff does not make us hurry.
    expect(backoffDelay(5, 100, policy, bottom)).toBe(8_000);
  });

  it('a bogus Retry-After cannot park a job for longer than the policy allows', () => {
    expect(backoffDelay(1, 7 * 24 * 3600_000, policy, bottom)).toBe(60_000);
    expect(backoffDelay(1, Number.MAX_SAFE_INTEGER, defaultBackoff, bottom)).toBe(defaultBackoff.maxRetryAfterMs);
  });

  it('the default policy starts at about two seconds and stops growing at thirty minutes', () => {
    expect(backoffDelay(1, null, defaultBackoff, top)).toBe(2_000);
    expect(backoffDelay(30, null, defaultBackoff, top)).toBe(30 * 60_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it('reads delay-seconds, including fractions and surrounding spaces', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until then', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
  });

  it('a date already in the past means «now», never a negative wait', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('takes the first value when the header came twice', () => {
    expect(parseRetryAfter(['3', '90'], now)).toBe(3_000);
  });

  it('garbage or absence gives null, so the normal backoff applies', () => {
    for (const v of ['soon', 'in a minute', '1e3', '0x10', '', '   ', undefined, null, []]) {
      expect(parseRetryAfter(v as string | string[] | undefined | null, now)).toBeNull();
    }
  });
});
