import { performance as nodePerformance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { Engine } from '../src-main/engine/engine.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';
import { startFloorServer } from './webhook-floor.js';

const SENDERS = 50;
const PER_SENDER = 60;
const WARMUP = 5;

/** Drives `url` with the load generator in a worker thread (so it does not share the server's event loop). */
async function load(url: string, prefix: string): Promise<number[]> {
  const worker = new Worker(new URL('./webhook-load.mjs', import.meta.url), {
    workerData: { url, senders: SENDERS, perSender: PER_SENDER, warmup: WARMUP, prefix },
  });
  const latencies = await new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  return latencies.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * Webhook → committed inbox row: 50 concurrent senders each post distinct JSON events; latency is measured at
 * the sender, from request to the 200 that is only sent after the commit. The same load, in the same run,
 * against the floor (a bare `node:http` + better-sqlite3 server doing the same durable insert) gives the
 * ratio, which says more about the code than an absolute figure says about the machine. Rounds alternate so
 * both see the same machine.
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
  const floor = await startFloorServer(dir);

  const ours: number[] = [];
  const bare: number[] = [];
  const ratios: number[] = [];
  const rounds = 5;
  // Main-thread busy time per request (event-loop utilisation), a steadier view than latency on a busy machine.
  const busy = { ours: 0, floor: 0 };
  const timed = async (which: 'ours' | 'floor', target: string, prefix: string) => {
    const before = nodePerformance.eventLoopUtilization();
    const l = await load(target, prefix);
    busy[which] += nodePerformance.eventLoopUtilization(before).active;
    return l;
  };
  for (let r = 0; r < rounds; r++) {
    const f = await timed('floor', floor.url, `f${r}`);
    const o = await timed('ours', url, `o${r}`);
    bare.push(...f);
    ours.push(...o);
    ratios.push(pct(o, 99) / pct(f, 99));
  }
  ratios.sort((a, b) => a - b);
  const rows = (engine.db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n;
  const floorRows = floor.rows();
  await floor.close();
  await engine.stop();
  cleanup();
  const expected = rounds * SENDERS * (PER_SENDER + WARMUP);
  if (rows !== expected || floorRows !== expected) throw new Error(`expected ${expected} rows, found ${rows} (ours) and ${floorRows} (floor)`);
  ours.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  console.error(`webhook: p99 ratio per round ${ratios.map((x) => x.toFixed(2)).join(', ')}`);
  const perRequest = (ms: number) => ((ms / (rounds * SENDERS * (PER_SENDER + WARMUP))) * 1000).toFixed(0);
  console.error(`webhook: main thread busy per request: ours ${perRequest(busy.ours)} µs, floor ${perRequest(busy.floor)} µs`);
  console.error(`webhook: ours p50 ${pct(ours, 50).toFixed(1)} / p99 ${pct(ours, 99).toFixed(1)} ms; floor p50 ${pct(bare, 50).toFixed(1)} / p99 ${pct(bare, 99).toFixed(1)} ms`);
  return [
    { id: 'webhook.inbox_p50_ms', value: pct(ours, 50), unit: 'ms' },
    { id: 'webhook.inbox_p99_ms', value: pct(ours, 99), unit: 'ms' },
    // The median of the rounds' ratios: a pause of the machine during one round does not decide the figure.
    { id: 'webhook.inbox_p99_ratio', value: ratios[Math.floor(rounds / 2)]!, unit: 'ratio' },
  ];
}
