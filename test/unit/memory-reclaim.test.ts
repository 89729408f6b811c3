import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src-main/engine/log.js';
import { startMemoryReclaim } from '../../src-main/engine/memory.js';

const g = globalThis as { gc?: () => void };
const original = g.gc;
afterEach(() => {
  if (original) g.gc = original;
  else delete g.gc;
});

function logger(lines: Array<[string, Record<string, unknown> | undefined]>): Logger {
  const add = (m: string, f?: Record<string, unknown>) => void lines.push([m, f]);
  return { debug: add, info: add, warn: add, error: add, close: async () => undefined };
}

describe('memory given back after a burst', () => {
  it('collects once the committed heap has grown past the threshold, and logs what it gave back', async () => {
    let collections = 0;
    g.gc = () => void collections++;
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const stop = startMemoryReclaim(logger(lines), { everyMs: 5, growthMb: 0 });
    await new Promise((r) => setTimeout(r, 40));
    stop();
    expect(collections).toBeGreaterThan(0);
    expect(lines[0]).toEqual(['memory given back', expect.objectContaining({ heapMb: expect.any(Number), rssAfterMb: expect.any(Number) })]);
  });

  it('leaves a heap that did not grow alone', async () => {
    let collections = 0;
    g.gc = () => void collections++;
    const stop = startMemoryReclaim(logger([]), { everyMs: 5, growthMb: 4096 });
    await new Promise((r) => setTimeout(r, 40));
    stop();
    expect(collections).toBe(0);
  });

  it('does nothing without --expose-gc', () => {
    delete g.gc;
    expect(() => startMemoryReclaim(logger([]))()).not.toThrow();
  });
});
