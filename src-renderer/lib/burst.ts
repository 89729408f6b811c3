/**
 * Runs `fn` at once for the first of a burst of signals, then at most once per `ms` while signals keep coming
 * (the last one always gets its run). The window stays live — the first change shows without a wait — and a
 * feed of a hundred changes costs a handful of re-reads, not a hundred.
 */
export function burstCoalescer(fn: () => void, ms: number, timers: Pick<typeof globalThis, 'setTimeout' | 'clearTimeout'> = globalThis) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending = false;
  const open = () => {
    timer = timers.setTimeout(() => {
      timer = null;
      if (!pending) return;
      pending = false;
      fn();
      open();
    }, ms);
  };
  return {
    signal(): void {
      if (timer) {
        pending = true;
        return;
      }
      fn();
      open();
    },
    dispose(): void {
      if (timer) timers.clearTimeout(timer);
      timer = null;
      pending = false;
    },
  };
}
