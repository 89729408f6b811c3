import { expect, test } from '@playwright/test';
import { PRILAVOK_KEY } from '../emulators/courier-world.js';
import { allScopes } from '../emulators/retailcrm/server.js';
import { shots, startWorld, type World } from './world.js';

/**
 * One truth per system: a wrong RetailCRM address saved in the settings shows on «Обзор» (and in the header)
 * within seconds — not at the next poll — and the fixed address turns it back to working.
 */

let world: World;

test.beforeAll(async () => {
  world = await startWorld({ configured: true });
});

test.afterAll(async () => {
  await world?.close();
});

test('неверный адрес RetailCRM, сохранённый в настройках, через секунды виден на «Обзоре»', async ({ page }) => {
  await page.goto(world.h.ui);
  const crmState = page.getByTestId('system-retailcrm');
  await expect(crmState).toContainText('Работает', { timeout: 15_000 });
  await expect(page.getByTestId('header-state')).toHaveText('Работает');

  await page.getByTestId('nav-setup').click();
  await page.getByTestId('step-link-retailcrm').click();
  const crm = page.getByTestId('step-retailcrm');
  // Nothing listens on port 9 of this machine: the address is wrong the way a mistyped port is.
  await crm.getByLabel('Адрес RetailCRM').fill('http://127.0.0.1:9');
  await crm.getByTestId('save').click();

  await page.getByTestId('nav-overview').click();
  const savedAt = Date.now();
  await expect(crmState).toContainText('Ошибка', { timeout: 5_000 });
  expect(Date.now() - savedAt).toBeLessThan(5_000);
  await expect(crmState).toContainText('RetailCRM недоступен');
  await expect(page.getByTestId('header-state')).toHaveText('Есть проблема');
  await expect(page.getByTestId('engine-state')).toContainText('RetailCRM недоступен: соединение не установлено. Проверьте адрес в настройках');
  // A check has no automatic retry and no «Повторить» button: its words do not promise them.
  await expect(page.getByTestId('dashboard')).not.toContainText('Повторим автоматически');
  await page.screenshot({ path: `${shots}/overview-wrong-address.png`, fullPage: true });

  // The address fixed: working again, without waiting for the next poll.
  await page.getByTestId('nav-setup').click();
  await page.getByTestId('step-link-retailcrm').click();
  await crm.getByLabel('Адрес RetailCRM').fill(world.emu.crm.url);
  await crm.getByTestId('save').click();
  await page.getByTestId('nav-overview').click();
  await expect(crmState).toContainText('Работает', { timeout: 5_000 });
  await expect(crmState).not.toContainText('недоступен');
  await expect(page.getByTestId('header-state')).toHaveText('Работает');
});

test('мастер показывает порт, на котором Прилавок действительно принимает запросы', async ({ page }) => {
  const real = Number(new URL(world.h.webhooks!).port);
  expect(real).not.toBe(47800);
  await page.goto(world.h.ui);
  await page.getByTestId('nav-setup').click();
  await page.getByTestId('step-link-general').click();
  const field = page.getByTestId('field-general-port');
  await expect(field).toContainText(`Сейчас Прилавок принимает запросы на порту ${real}`);
  await page.screenshot({ path: `${shots}/wizard-port.png` });
  // «Обзор» names the same port.
  await page.getByTestId('nav-overview').click();
  await expect(page.getByTestId('webhooks')).toContainText(`:${real}`);
});

test('ключ RetailCRM без нужных прав: мастер и «Обзор» говорят одно и то же', async ({ page }) => {
  await page.goto(world.h.ui);
  const crmState = page.getByTestId('system-retailcrm');
  await expect(crmState).toContainText('Работает', { timeout: 15_000 });
  // The administrator takes the write right away from Prilavok's key; reading orders still works.
  world.emu.crm.setKeyScopes(PRILAVOK_KEY, allScopes.filter((s) => s !== 'order_write'));
  await page.getByTestId('nav-setup').click();
  await page.getByTestId('step-link-retailcrm').click();
  const crm = page.getByTestId('step-retailcrm');
  await crm.getByTestId('test-connection').click();
  await expect(crm.getByTestId('test-result')).toHaveAttribute('data-ok', 'false', { timeout: 15_000 });
  await expect(crm.getByTestId('test-message')).toContainText('не хватает прав: order_write');
  await page.getByTestId('nav-overview').click();
  await expect(crmState).toContainText('Ошибка', { timeout: 5_000 });
  await expect(crmState).toContainText('не хватает прав: order_write');
  // A poll that still reads fine does not paint it green again: the missing right stands until it is fixed.
  await page.getByTestId('poller-retailcrm.history').getByRole('button').click();
  await page.waitForTimeout(1_500);
  await expect(crmState).toContainText('не хватает прав: order_write');
  await expect(page.getByTestId('header-state')).toHaveText('Есть проблема');
  await page.screenshot({ path: `${shots}/overview-key-rights.png`, fullPage: true });
  world.emu.crm.setKeyScopes(PRILAVOK_KEY, allScopes);
});
