import type { Logger } from './log.js';

const MB = 1024 * 1024;

/**
 * Gives memory back after a burst of work. A catch-up of thousands of orders leaves the V8 heap committed at
 * several times what is alive (10,000 orders: 56 MB committed, 16 MB live), and nothing in a quiet Node process
 * makes V8 shrink it. When the committed heap has grown by `growthMb` since the last look, one full collection
 * returns the empty pages (a few tens of milliseconds for the engine's heap). Needs `--expose-gc`
 * (`ENGINE_NODE_FLAGS`); without it (tests running the engine in-process) this does nothing.
 */
export function startMemoryReclaim(log: Logger, opts: { everyMs?: number; growthMb?: number } = {}): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return () => undefined;
  const growth = (opts.growthMb ?? 16) * MB;
  let baseline = process.memoryUsage().heapTotal;
  const timer = setInterval(() => {
    const before = process.memoryUsage();
    if (before.heapTotal < baseline + growth) return;
    const started = performance.now();
    gc();
    const after = process.memoryUsage();
    baseline = after.heapTotal;
    log.info('memory given back', {
      heapMb: Math.round(before.heapTotal / MB),
      heapAfterMb: Math.round(after.heapTotal / MB),
      rssMb: Math.round(before.rss / MB),
      rssAfterMb: Math.round(after.rss / MB),
      ms: Math.round(performance.now() - started),
    });
  }, opts.everyMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
