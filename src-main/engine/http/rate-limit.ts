/**
 * A token bucket in its "virtual scheduling" form: each caller reserves the next free slot at call time,
 * so waiters are served strictly in order and the long-run rate never exceeds `perSecond`, while up to
 * `burst` calls may go at once after a quiet period.
 */
export class RateLimiter {
  private readonly interval: number;
  private readonly tolerance: number;
  /** When the next call would be due if the bucket were empty. */
  private tat = 0;

  constructor(
    readonly perSecond: number,
    readonly burst = 1,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (perSecond <= 0 || burst < 1) throw new Error('rate limiter needs perSecond > 0 and burst >= 1');
    this.interval = 1000 / perSecond;
    this.tolerance = (burst - 1) * this.interval;
  }

  /** Resolves when the caller may send. Rejects (and gives nothing back) if `signal` aborts while waiting. */
  take(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const tat = Math.max(this.tat, now);
    const startAt = tat - this.tolerance;
    this.tat = tat + this.interval;
    const wait = startAt - now;
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // Already aborted (the engine is stopping): fail now rather than sleep through the slot first.
      if (signal?.aborted) {
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Budgets shared by every client of the same account (RetailCRM: 10 requests/s per account). */
export class RateLimiters {
  private readonly byKey = new Map<string, RateLimiter>();

  get(key: string, perSecond: number, burst = 1): RateLimiter {
    let l = this.byKey.get(key);
    if (!l || l.perSecond !== perSecond || l.burst !== burst) {
      l = new RateLimiter(perSecond, burst);
      this.byKey.set(key, l);
    }
    return l;
  }
}
