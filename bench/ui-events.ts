import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../src-main/engine/engine.js';
import { CHROMIUM_ARGS, defaultChromiumPath } from '../src-main/engine/printforms/pdf.js';
import { startBridge } from '../src-main/headless/bridge.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

/**
 * Engine → window: an order changes in the engine (chip set in a transaction, `orders.changed` emitted, as a
 * flow does) and the event reaches a page in Chromium through the headless bridge's WebSocket. Measured with
 * one clock (same machine): from just before the change to the page's message handler. 100 changes, p95.
 */
export async function benchUiEvents(): Promise<Figure[]> {
  const root = path.resolve(import.meta.dirname, '..');
  const staticDir = path.join(root, 'out', 'renderer');
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) throw new Error('build the window first: npm run build');
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
  await engine.start();
  const bridge = await startBridge({ engine, token: 'bench', port: 0, staticDir });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: defaultChromiumPath(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(bridge.url);
    await page.evaluate(
      (port) =>
        new Promise<void>((resolve) => {
          const w = window as unknown as { __seen: Map<number, number> };
          w.__seen = new Map();
          const ws = new WebSocket(`ws://127.0.0.1:${port}/events?token=bench`);
          ws.onmessage = (m) => {
            const { event, payload } = JSON.parse(String(m.data)) as { event: string; payload: { ids?: number[] } };
            if (event === 'orders.changed') for (const id of payload.ids ?? []) w.__seen.set(id, Date.now());
          };
          ws.onopen = () => resolve();
        }),
      bridge.port,
    );
    const sent = new Map<number, number>();
    for (let i = 1; i <= 100; i++) {
      const id = engine.orders.upsert({ ref: `bench:${i}`, number: `B-${i}`, customer: 'Тестовый покупатель' });
      await new Promise((r) => setTimeout(r, 20));
      sent.set(id, Date.now());
      engine.db.transaction(() => engine.orders.setChip(id, 'measoft', { state: 'DELIVERY', label: 'На доставке', attention: false }))();
      engine.events.emit('orders.changed', { ids: [id] });
    }
    await page.waitForFunction((n) => (window as unknown as { __seen: Map<number, number> }).__seen.size >= n, sent.size, { timeout: 10_000 });
    const seen = new Map(await page.evaluate(() => [...(window as unknown as { __seen: Map<number, number> }).__seen.entries()]));
    const latencies = [...sent.entries()].map(([id, at]) => seen.get(id)! - at).sort((a, b) => a - b);
    const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
    console.error(`event latency: median ${latencies[latencies.length >> 1]} ms, p95 ${p95} ms, max ${latencies.at(-1)} ms`);
    return [{ id: 'ui.event_latency_ms', value: p95, unit: 'ms' }];
  } finally {
    await browser.close();
    await bridge.close();
    await engine.stop();
    cleanup();
  }
}
