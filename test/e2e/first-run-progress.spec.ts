import { expect, test } from '@playwright/test';
import { Engine } from '../../src-main/engine/engine.js';
import { sweepProgress } from '../../src-main/engine/flows/crm/index.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir } from '../helpers/temp.js';

const TOKEN = 'e2e-first-run-4c1a';

let h: Headless;
let cleanup: () => void;

test.beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  // A first connection part-way through its sweep of the orders already waiting, as a restart finds it.
  const e = await Engine.open({ dataDir: t.dir, webhookPort: 0 });
  sweepProgress.set(e.db, { read: 3000, total: 10050 });
  await e.stop(0);
  h = await startHeadless({ dataDir: t.dir, token: TOKEN, built: true });
});

test.afterAll(async () => {
  await h?.stop('SIGTERM');
  cleanup?.();
});

test('«Обзор» показывает, сколько заказов первое подключение уже прочитало', async ({ page }) => {
  await page.goto(h.ui);
  const row = page.getByTestId('poller-retailcrm.history');
  await expect(row.getByTestId('poller-progress')).toHaveText('Первое подключение: прочитано 3000 из 10050 заказов, ожидающих отправки; продолжаем.');
  // Other pollers have nothing of the kind.
  await expect(page.getByTestId('poller-housekeeping').getByTestId('poller-progress')).toHaveCount(0);
});
