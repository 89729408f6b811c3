import { z } from 'zod';
import { Engine } from '../src-main/engine/engine.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

/**
 * Queue throughput: no-op jobs enqueued (100 per transaction, as a flow does for one inbox batch) and run to
 * completion through the real runner — claim under lease, attempt log, fenced completion — on a real file.
 */
export async function benchQueue(): Promise<Figure[]> {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const total = 10_000;
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0, runner: { concurrency: { default: 32 } } });
  let done = 0;
  let finish: () => void = () => {};
  const allDone = new Promise<void>((r) => (finish = r));
  engine.runner.register({
    kind: 'bench.noop',
    system: 'engine',
    title: 'Пустая операция',
    payload: z.object({ n: z.number() }),
    async run() {
      return { commit: () => void (++done === total && finish()) };
    },
  });
  await engine.start();
  const started = performance.now();
  for (let batch = 0; batch < total / 100; batch++) {
    engine.db.transaction(() => {
      for (let i = 0; i < 100; i++) {
        const n = batch * 100 + i;
        engine.queue.enqueue({ kind: 'bench.noop', connector: 'engine', key: `noop:${n}`, payload: { n } });
      }
    })();
    // Let the runner work while enqueuing continues, as in real use.
    await new Promise((r) => setImmediate(r));
  }
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await engine.stop();
  cleanup();
  return [{ id: 'queue.jobs_per_s', value: total / seconds, unit: 'jobs/s' }];
}
