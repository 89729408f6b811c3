import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../src-main/engine/engine.js';
import { CHROMIUM_ARGS, defaultChromiumPath } from '../src-main/engine/printforms/pdf.js';
import { startBridge } from '../src-main/headless/bridge.js';
import { seedOrders } from '../test/e2e/queue-seed.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

const ORDERS = 10_000;
const RUNS = 7;

/**
 * «Очередь заказов» with 10 000 orders, in Chromium through the headless bridge (the built window, the real
 * engine and SQLite). Two figures, each the median of 7 runs, measured in the page with one clock:
 * - first render: from the click on «Очередь заказов» in the menu to the first order rows in the DOM at the next
 *   animation frame (the screen mounts, asks the engine for the first page, lays out the windowed rows);
 * - filter: from the whole search text landing in the box (as a paste or the last keystroke) to the rows of the
 *   filtered list, including the 200 ms pause the box waits for more typing before it asks the engine.
 */
export async function benchQueueUi(): Promise<Figure[]> {
  const root = path.resolve(import.meta.dirname, '..');
  const staticDir = process.env.PRILAVOK_RENDERER_DIR ?? path.join(root, 'out', 'renderer');
  if (!hasQueueScreen(staticDir)) {
    execFileSync(process.execPath, ['scripts/build.mjs', 'renderer'], { cwd: root, stdio: 'inherit' });
  }
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
  const seeded = seedOrders(engine, ORDERS);
  const smirnova = seeded.filter((o) => o.customer.startsWith('Смирнова ')).length;
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
    const menu = (name: string) => page.getByRole('navigation').getByRole('button', { name });

    const first: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await menu('Обзор').click();
      await page.getByTestId('dashboard').waitFor();
      first.push(
        await page.evaluate(
          () =>
            new Promise<number>((resolve, reject) => {
              const button = Array.from(document.querySelectorAll<HTMLButtonElement>('nav button')).find((b) => b.textContent?.includes('Очередь заказов'));
              if (!button) return reject(new Error('no menu item'));
              const t0 = performance.now();
              button.click();
              const check = () => {
                if (document.querySelector('[data-testid="orders-scroll"] button.orders-row')) resolve(performance.now() - t0);
                else if (performance.now() - t0 > 10_000) reject(new Error('rows never appeared'));
                else requestAnimationFrame(check);
              };
              requestAnimationFrame(check);
            }),
        ),
      );
    }

    const filter: number[] = [];
    const search = page.getByTestId('orders-search');
    for (let i = 0; i < RUNS; i++) {
      await search.fill('');
      await page.locator(`[data-testid="orders-total"][data-total="${ORDERS}"]`).waitFor();
      filter.push(
        await page.evaluate(
          ({ expected }) =>
            new Promise<number>((resolve, reject) => {
              const input = document.querySelector<HTMLInputElement>('[data-testid="orders-search"]')!;
              const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
              const t0 = performance.now();
              setValue.call(input, 'смирнова');
              input.dispatchEvent(new Event('input', { bubbles: true }));
              const check = () => {
                const total = document.querySelector('[data-testid="orders-total"]')?.getAttribute('data-total');
                const row = document.querySelector('[data-testid="orders-scroll"] button.orders-row');
                if (total === String(expected) && row?.textContent?.includes('Смирнова')) resolve(performance.now() - t0);
                else if (performance.now() - t0 > 10_000) reject(new Error('filtered rows never appeared'));
                else requestAnimationFrame(check);
              };
              requestAnimationFrame(check);
            }),
          { expected: smirnova },
        ),
      );
    }

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const show = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    console.error(`queue first render, ms: ${show(first)} (median ${Math.round(median(first))})`);
    console.error(`queue filter «смирнова» (${smirnova} of ${ORDERS}), ms incl. 200 ms typing pause: ${show(filter)} (median ${Math.round(median(filter))})`);
    return [
      { id: 'ui.queue_first_render_ms', value: median(first), unit: 'ms' },
      { id: 'ui.queue_filter_ms', value: median(filter), unit: 'ms' },
    ];
  } finally {
    await browser.close();
    await bridge.close();
    await engine.stop();
    cleanup();
  }
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
