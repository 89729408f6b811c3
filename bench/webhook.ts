import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { Engine } from '../src-main/engine/engine.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

/**
 * Webhook → committed inbox row: 50 concurrent senders (in a worker thread, so the load generator does not
 * share the server's event loop) each post distinct JSON events; latency is measured at the sender, from
 * request to the 200 that is only sent after the commit.
 */
export async function benchWebhook(): Promise<Figure[]> {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
  await engine.addWebhookRoute({
    source: 'bench',
    system: 'webhooks',
    toInbox: (req) => {
      const body = req.body as { id: string };
      return [{ source: 'bench', externalId: body.id, kind: 'event', payload: body }];
    },
  });
  engine.inbox.handle({ source: 'bench', system: 'webhooks' }, z.unknown(), () => undefined);
  await engine.start();
  const url = engine.webhookUrl('bench')!;

  const worker = new Worker(new URL('./webhook-load.mjs', import.meta.url), {
    workerData: { url, senders: 50, perSender: 60, warmup: 5 },
  });
  const latencies = await new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const rows = (engine.db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n;
  await engine.stop();
  cleanup();
  if (rows !== 50 * 65) throw new Error(`expected ${50 * 65} inbox rows, found ${rows}`);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return [
    { id: 'webhook.inbox_p50_ms', value: pct(50), unit: 'ms' },
    { id: 'webhook.inbox_p99_ms', value: pct(99), unit: 'ms' },
  ];
}
