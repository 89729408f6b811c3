export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Upper bound for a server-requested wait, so a bogus Retry-After cannot park a job for days. */
  maxRetryAfterMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 2_000, maxMs: 30 * 60_000, maxRetryAfterMs: 6 * 3600_000 };

/**
 * Delay before attempt `attempt + 1`: exponential with "equal jitter" (half fixed, half random) so a crowd
 * of jobs failing together does not come back together, and never sooner than the remote side asked.
 */
export function backoffDelay(
  attempt: number,
  retryAfterMs: number | null,
  policy: BackoffPolicy = defaultBackoff,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  const asked = retryAfterMs == null ? 0 : Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return Math.round(Math.max(jittered, asked));
}

/** Retry-After is either seconds or an HTTP date. Returns milliseconds from now, or null. */
export function parseRetryAfter(value: string | string[] | undefined | null, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  const trimmed = v.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
