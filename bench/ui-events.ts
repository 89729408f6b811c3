import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MEASOFT_STATUSES } from '../src-main/engine/connectors/measoft/types.js';
import { Engine } from '../src-main/engine/engine.js';
import { CHROMIUM_ARGS, defaultChromiumPath } from '../src-main/engine/printforms/pdf.js';
import { startBridge } from '../src-main/headless/bridge.js';
import { seedOrders } from '../test/e2e/queue-seed.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

const ORDERS = 1_000;
const CHANGES = 100;
const WAIT_MS = 5_000;
/** Courier statuses a delivery goes through; each change moves the order to one its row does not show yet. */
const STATUS_CODES = ['ACCEPTED', 'DELIVERY', 'COURIERDELIVERED', 'COMPLETE'] as const;

/** What the page keeps for the measurement (set up by `watchRows`). */
interface Watch {
  __expect: (id: number, label: string, timeoutMs: number) => Promise<number>;
  __pending?: Promise<number>;
}

/**
 * Engine → window: an order changes in the engine (courier chip set in a transaction, `orders.changed` emitted,
 * as a flow does) while «Очередь заказов» is open in Chromium through the headless bridge (the built window, the
 * real engine and SQLite, 1 000 orders). The screen hears the event, re-reads its visible rows (`orders.list`
 * over the bridge, after its 250 ms burst pause) and re-renders. Measured with one clock (`Date.now()`, same
 * machine): from just before the change to the DOM mutation that puts the new status text in that order's
 * courier chip (a MutationObserver in the page, so no polling delay). 100 changes one at a time, each an order
 * in view, each waited for (5 s at most); p95.
 */
export async function benchUiEvents(): Promise<Figure[]> {
  const root = path.resolve(import.meta.dirname, '..');
  const staticDir = process.env.PRILAVOK_RENDERER_DIR ?? path.join(root, 'out', 'renderer');
  if (!hasQueueScreen(staticDir)) {
    execFileSync(process.execPath, ['scripts/build.mjs', 'renderer'], { cwd: root, stdio: 'inherit' });
  }
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
  seedOrders(engine, ORDERS);
  await engine.start();
  const bridge = await startBridge({ engine, token: 'bench', port: 0, staticDir });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: defaultChromiumPath(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
    // tsx keeps function names with a helper that does not exist in the page; the measuring code needs it there.
    await page.addInitScript('globalThis.__name = (f) => f;');
    await page.goto(bridge.url);
    await page.getByTestId('dashboard').waitFor();
    await page.getByRole('navigation').getByRole('button', { name: 'Очередь заказов' }).click();
    await page.locator(`[data-testid="orders-total"][data-total="${ORDERS}"]`).waitFor();
    await page.locator('[data-testid="orders-scroll"] button.orders-row').first().waitFor();
    await page.evaluate(watchRows);

    const latencies: number[] = [];
    let inView = 0;
    for (let i = 0; i < CHANGES; i++) {
      const rows = await page.evaluate(rowsInView);
      if (!rows.length) throw new Error('no order rows in view');
      inView = rows.length;
      const row = rows[i % rows.length]!;
      const code = STATUS_CODES.find((c) => MEASOFT_STATUSES[c] !== row.courier) ?? STATUS_CODES[0];
      const label = MEASOFT_STATUSES[code]!;
      await page.evaluate(
        ({ id, label, timeoutMs }) => {
          const w = window as unknown as Watch;
          w.__pending = w.__expect(id, label, timeoutMs);
          // A missed change is reported by the wait below, not as an unhandled rejection in between.
          w.__pending.catch(() => undefined);
        },
        { id: row.id, label, timeoutMs: WAIT_MS },
      );
      const before = Date.now();
      engine.db.transaction(() => engine.orders.setChip(row.id, 'measoft', { state: code, label, attention: false }))();
      engine.events.emit('orders.changed', { ids: [row.id] });
      const shown = await page.evaluate(() => (window as unknown as Watch).__pending!);
      latencies.push(shown - before);
    }

    latencies.sort((a, b) => a - b);
    const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
    console.error(
      `event → row in «Очередь заказов» (${ORDERS} orders, ${inView} rows in view, ${CHANGES} changes): ` +
        `median ${latencies[latencies.length >> 1]} ms, p95 ${p95} ms, max ${latencies.at(-1)} ms`,
    );
    return [{ id: 'ui.event_latency_ms', value: p95, unit: 'ms' }];
  } finally {
    await browser.close();
    await bridge.close();
    await engine.stop();
    cleanup();
  }
}

/**
 * In the page: one MutationObserver over the document; `__expect(id, label)` resolves with `Date.now()` at the
 * first mutation after which the row of order `id` shows `label` in its courier chip.
 */
function watchRows(): void {
  let target: { id: number; label: string; done: (at: number) => void } | null = null;
  const check = () => {
    if (!target) return;
    const shown = document.querySelector(`[data-testid="order-${target.id}"] [data-testid="chip-measoft"] .orders-chip__label`);
    if (shown?.textContent === target.label) {
      const t = target;
      target = null;
      t.done(Date.now());
    }
  };
  new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  (window as unknown as Watch).__expect = (id, label, timeoutMs) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        target = null;
        reject(new Error(`order ${id} never showed «${label}»`));
      }, timeoutMs);
      target = {
        id,
        label,
        done: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      check();
    });
}

/** In the page: the orders whose rows are in the list's viewport, top to bottom, with their courier chip text. */
function rowsInView(): { id: number; courier: string | null }[] {
  const scroll = document.querySelector('[data-testid="orders-scroll"]');
  if (!scroll) return [];
  const box = scroll.getBoundingClientRect();
  return Array.from(scroll.querySelectorAll<HTMLElement>('button.orders-row[data-testid^="order-"]'))
    .filter((b) => {
      const r = b.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom;
    })
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map((b) => ({
      id: Number(b.dataset.testid!.slice('order-'.length)),
      courier: b.querySelector('[data-testid="chip-measoft"] .orders-chip__label')?.textContent ?? null,
    }));
}

/** A built window that already has «Очередь заказов» (an older build would not). */
function hasQueueScreen(dir: string): boolean {
  const assets = path.join(dir, 'assets');
  if (!fs.existsSync(path.join(dir, 'index.html')) || !fs.existsSync(assets)) return false;
  return fs
    .readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .some((f) => fs.readFileSync(path.join(assets, f), 'utf8').includes('orders-scroll'));
}
