import { Engine } from '../src-main/engine/engine.js';
import { connectEngine, startEmulators } from '../test/emulators/courier-world.js';
import { startAtolEmulator } from '../test/emulators/atol/server.js';
import { createLeelooSender, makeSale } from '../test/emulators/leeloo/sender.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

const METHOD = '603ca3e25875340012dc8c3a';

async function world() {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const emu = await startEmulators({ crm: { rateLimit: 10 } });
  const atol = await startAtolEmulator({ processingMs: 20, reportRatePerSec: 1 });
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0, runner: { idleMs: 20, concurrency: { default: 2, retailcrm: 4, kassa: 8 } } });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  engine.settings.update('kassa', {
    enabled: true,
    baseUrl: atol.url,
    login: 'v5-online-atol-ru',
    profiles: [{ id: 'shop', name: 'Касса', version: 'v5', groupCode: 'v5-online-atol-ru_5179', inn: '5544332219', sno: 'usn_income', email: 'kassa@prilavok.test', paymentAddress: 'https://v5.online.atol.ru' }],
  });
  engine.settings.update('leeloo', { enabled: true, paymentMethods: { [METHOD]: 'shop' }, paymentType: 'bank-card' });
  await engine.secrets.set('kassa.password', 'zUr0OxfI');
  await engine.start();
  // The register calls back with each result, as it does for a shop with a public address (tunnel).
  engine.settings.update('tunnel', { provider: 'own', ownUrl: engine.webhooks.localUrl });
  const close = async () => {
    await engine.stop();
    await emu.close();
    await atol.close();
    cleanup();
  };
  return { engine, emu, atol, close, sender: createLeelooSender(engine.webhookUrl('leeloo')!) };
}

/**
 * Leeloo webhook → receipt registered at the cash register (its `sell` request received), one sale at a time
 * with pauses so RetailCRM's 10 requests/s budget is not the thing measured. 60 sales, p50 and p99.
 */
export async function benchReceiptLatency(): Promise<Figure[]> {
  const w = await world();
  try {
    const latencies: number[] = [];
    for (let i = 0; i < 60; i++) {
      const ev = makeSale({ seed: 1000 + i, paymentMethod: METHOD });
      const before = w.atol.documents().length;
      const started = performance.now();
      await w.sender.send([ev]);
      const deadline = Date.now() + 10_000;
      while (w.atol.documents().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      if (w.atol.documents().length === before) throw new Error('receipt not registered');
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 250));
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    return [
      { id: 'fiscal.receipt_p50_ms', value: pct(50), unit: 'ms' },
      { id: 'fiscal.receipt_p99_ms', value: pct(99), unit: 'ms' },
    ];
  } finally {
    await w.close();
  }
}

/**
 * 1,000 SALE events in 10 batches of 100 (Leeloo's delayed batches), 5 % of them sent again in a later batch:
 * time until every receipt is done, and the number of duplicate receipts at the register (must be 0).
 */
export async function benchSales(): Promise<Figure[]> {
  const w = await world();
  try {
    const events = Array.from({ length: 1_000 }, (_, i) => makeSale({ seed: 50_000 + i, paymentMethod: METHOD }));
    const started = performance.now();
    await w.sender.sendBatches(events, { batchSize: 100, delayMs: 200, duplicateShare: 0.05 });
    const deadline = Date.now() + 30 * 60_000;
    const done = () => (w.engine.db.prepare(`SELECT count(*) AS n FROM receipts WHERE state = 'done'`).get() as { n: number }).n;
    while (done() < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const seconds = (performance.now() - started) / 1000;
    if (done() < events.length) throw new Error(`only ${done()} of ${events.length} receipts done`);
    const byExternal = new Map<string, number>();
    for (const d of w.atol.documents()) byExternal.set(d.externalId, (byExternal.get(d.externalId) ?? 0) + 1);
    const orders = new Set(w.atol.documents().map((d) => JSON.stringify((d.body as { receipt?: { items?: unknown } }).receipt?.items) + (d.body as { external_id?: string }).external_id));
    const duplicates = w.atol.documents().length - events.length + [...byExternal.values()].filter((n) => n > 1).length;
    console.error(`fiscal: ${events.length} sales, ${w.atol.documents().length} receipts at the register (${orders.size} distinct), ${seconds.toFixed(1)} s`);
    return [
      { id: 'fiscal.sales_1000_s', value: seconds, unit: 's' },
      { id: 'fiscal.duplicate_receipts', value: duplicates, unit: 'receipts' },
    ];
  } finally {
    await w.close();
  }
}
