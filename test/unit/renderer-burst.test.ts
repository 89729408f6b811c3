import { describe, expect, it, vi } from 'vitest';
import { burstCoalescer } from '../../src-renderer/lib/burst.js';

describe('live re-read of the queue (burst coalescer)', () => {
  it('runs at once for the first change, once more at the end of a burst, then at once again', () => {
    vi.useFakeTimers();
    try {
      const runs: number[] = [];
      const live = burstCoalescer(() => runs.push(Date.now()), 250);
      const t0 = Date.now();
      live.signal();
      expect(runs).toEqual([t0]); // no wait for the first change
      for (let i = 0; i < 100; i++) {
        vi.advanceTimersByTime(2);
        live.signal();
      }
      // 100 changes in 200 ms: one more run when the interval ends, none in between.
      expect(runs).toHaveLength(1);
      vi.advanceTimersByTime(50);
      expect(runs).toEqual([t0, t0 + 250]);
      // Quiet for a while: the next change shows at once again.
      vi.advanceTimersByTime(1_000);
      expect(runs).toHaveLength(2);
      live.signal();
      expect(runs).toHaveLength(3);
      expect(runs[2]).toBe(Date.now());
      // Disposed: a pending run is dropped.
      live.signal();
      live.dispose();
      vi.advanceTimersByTime(1_000);
      expect(runs).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
