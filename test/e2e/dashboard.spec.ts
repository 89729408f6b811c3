import { expect, test } from '@playwright/test';
import net from 'node:net';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir } from '../helpers/temp.js';

const TOKEN = 'e2e-token-7d3f9b21';
const shots = 'test-results/screens';

let h: Headless;
let cleanup: () => void;
let blocker: net.Server;

test.beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  // Another program already holds the webhook port: Prilavok must say so, in Russian, in the error log.
  blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const busyPort = (blocker.address() as net.AddressInfo).port;
  h = await startHeadless({ dataDir: t.dir, token: TOKEN, built: true, env: { PRILAVOK_WEBHOOK_PORT: String(busyPort) } });
});

test.afterAll(async () => {
  await h?.stop('SIGTERM');
  blocker?.close();
  cleanup?.();
});

test('без ключа доступа окно не открывается', async ({ page, request }) => {
  const res = await page.goto(`http://127.0.0.1:${h.uiPort}/`);
  expect(res?.status()).toBe(401);
  await expect(page.getByRole('heading', { name: 'Нет доступа' })).toBeVisible();
  const api = await request.post(`http://127.0.0.1:${h.uiPort}/api/engine.status`, { data: {} });
  expect(api.status()).toBe(401);
  await page.screenshot({ path: `${shots}/no-access.png` });
});

test('с ключом доступа открывается обзор: состояние, синхронизации, очередь', async ({ page }) => {
  await page.goto(h.ui);
  await expect(page.getByTestId('dashboard')).toBeVisible();
  // A fresh install is not «working»: it says nothing is set up and leads to the settings, in the header too.
  await expect(page.getByTestId('engine-state')).toContainText('Не настроено');
  await expect(page.getByTestId('engine-state')).not.toContainText('Работает');
  await expect(page.getByTestId('header-state')).toHaveText('Не настроено');
  await expect(page.getByTestId('engine-hint')).toContainText('подключите RetailCRM');
  // The key leaves the address bar once the page has it.
  await expect.poll(() => page.url()).not.toContain('token=');
  await expect(page.getByTestId('poller-housekeeping')).toContainText('Очистка старой истории');
  for (const state of ['queued', 'running', 'retrying', 'attention', 'dead', 'done']) {
    await expect(page.getByTestId(`queue-${state}`)).toBeVisible();
  }
  // Nothing is connected on a fresh install, and the dashboard says so per system.
  await expect(page.getByTestId('system-retailcrm')).toContainText('Не настроено');
  await expect(page.getByTestId('system-measoft')).toContainText('Не настроено');
  // Nothing to poll yet: no «successful sync» with systems nobody connected, and nothing to run by hand.
  for (const id of ['retailcrm.history', 'measoft.changes', 'lifepos.sales']) {
    const row = page.getByTestId(`poller-${id}`);
    await expect(row.getByTestId('poller-inactive')).toHaveText('не настроено');
    await expect(row.getByRole('button')).toBeDisabled();
  }
  await expect(page.getByTestId('poller-housekeeping').getByRole('button')).toBeEnabled();
  await expect(page.getByTestId('error-log')).not.toContainText('всё работает');
  await page.screenshot({ path: `${shots}/dashboard.png`, fullPage: true });

  // Pause and resume go through the engine and come back as live status (still «not set up» either way).
  await page.getByTestId('pause-toggle').click();
  await expect(page.getByTestId('pause-toggle')).toHaveText('Продолжить');
  await expect(page.getByTestId('engine-state')).toContainText('Не настроено');
  await page.getByTestId('pause-toggle').click();
  await expect(page.getByTestId('pause-toggle')).toHaveText('Пауза');

  // The first-run state leads to the settings.
  await page.getByTestId('engine-go').click();
  await expect(page.getByTestId('nav-setup')).toHaveAttribute('aria-current', 'page');
  await page.getByTestId('nav-overview').click();

  // A reload keeps access for this tab (the key is kept for the session, not in the URL).
  await page.reload();
  await expect(page.getByTestId('dashboard')).toBeVisible();
});

test('«Требуют внимания» без таких заказов — спокойное «нет», а не «ничего не найдено»', async ({ page }) => {
  await page.goto(h.ui);
  await page.getByTestId('nav-queue').click();
  await page.getByLabel('Требуют внимания').check();
  const empty = page.getByTestId('orders-empty');
  await expect(empty).toContainText('Заказов, которые требуют внимания, нет');
  await expect(empty).not.toContainText('Ничего не найдено');
  await expect(empty.getByRole('button')).toHaveCount(0);
  await page.screenshot({ path: `${shots}/queue-no-attention.png` });
});

test('журнал ошибок показывает ошибку по-русски, с подробностями, и отмечает прочитанное', async ({ page }) => {
  await page.goto(h.ui);
  const log = page.getByTestId('error-log');
  await expect(log).toContainText('занят другой программой');
  await expect(page.getByTestId('errors-unread')).toHaveText('1');
  // The webhook card says exactly why nothing can arrive.
  await expect(page.getByTestId('webhooks')).toContainText('занят другой программой');
  await page.getByText('Подробности').first().click();
  await expect(log).toContainText('EADDRINUSE');
  await page.screenshot({ path: `${shots}/error-log.png`, fullPage: true });
  await log.locator('button', { hasText: 'Прочитано' }).first().click();
  await expect(page.getByTestId('errors-unread')).toHaveCount(0);
});
