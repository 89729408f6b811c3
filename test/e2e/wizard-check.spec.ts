import { expect, test, type Page } from '@playwright/test';
import { PRILAVOK_KEY } from '../emulators/courier-world.js';
import { shots, startWorld, type World } from './world.js';

/**
 * «Проверить подключение» in the wizard says exactly what is wrong for the two mistakes a merchant makes most:
 * a mistyped RetailCRM address and a wrong MeaSoft password — and passes once they are fixed.
 */

let world: World;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  world = await startWorld();
});

test.afterAll(async () => {
  await world?.close();
});

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

async function openSetup(page: Page) {
  await page.goto(world.h.ui);
  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Настройки' }).click();
  await expect(page.getByTestId('setup')).toBeVisible();
}

test('адрес RetailCRM с ошибкой в имени: «Проверить подключение» говорит, что адрес не найден', async ({ page }) => {
  await openSetup(page);
  const crm = step(page, 'retailcrm');
  await crm.getByLabel('Адрес RetailCRM').fill('https://moy-magazin.invalid');
  await crm.getByLabel('API-ключ').fill(PRILAVOK_KEY);
  await crm.getByTestId('test-connection').click();
  const result = crm.getByTestId('test-result');
  await expect(result).toHaveAttribute('data-ok', 'false', { timeout: 15_000 });
  await expect(crm.getByTestId('test-message')).toHaveText('Не удаётся найти адрес RetailCRM. Проверьте интернет и адрес в настройках.');
  await expect(page.getByTestId('step-link-retailcrm')).toContainText('Не подключается');
  await page.screenshot({ path: `${shots}/wizard-check-crm-domain.png`, fullPage: true });

  // The address fixed, the same saved key: connected.
  await crm.getByLabel('Адрес RetailCRM').fill(world.emu.crm.url);
  await crm.getByTestId('test-connection').click();
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(crm.getByTestId('test-message')).toHaveText('RetailCRM подключён, права ключа в порядке.');
});

test('неверный пароль MeaSoft: «Проверить подключение» говорит «неверный логин, пароль или код службы»', async ({ page }) => {
  await openSetup(page);
  await page.getByTestId('step-link-measoft').click();
  const ms = step(page, 'measoft');
  await expect(ms).toBeVisible();
  await ms.getByLabel('Код службы').fill('8');
  await ms.getByLabel('Логин').fill('test');
  await ms.getByLabel('Пароль').fill('not-the-password');
  await ms.getByLabel('Адрес API').fill(`${world.emu.ms.url}/api/`);
  await ms.getByTestId('test-connection').click();
  const result = ms.getByTestId('test-result');
  await expect(result).toHaveAttribute('data-ok', 'false', { timeout: 15_000 });
  await expect(ms.getByTestId('test-message')).toHaveText('MeaSoft: неверный логин, пароль или код службы. Проверьте их в настройках курьерской службы.');
  // The wrong password itself is never shown back.
  await expect(ms).not.toContainText('not-the-password');
  await page.screenshot({ path: `${shots}/wizard-check-measoft-password.png`, fullPage: true });

  await ms.getByRole('button', { name: 'Заменить' }).click();
  await ms.getByLabel('Пароль').fill('testm');
  await ms.getByTestId('test-connection').click();
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(ms.getByTestId('test-message')).toHaveText('MeaSoft подключён: код службы, логин и пароль приняты.');
});
