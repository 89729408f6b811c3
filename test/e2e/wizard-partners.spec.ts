import { expect, test, type Page } from '@playwright/test';
import { startPartnerEmulator, type PartnerEmulator } from '../emulators/partner/server.js';
import { shots, startWorld, type World } from './world.js';

/**
 * A merchant whose call centre has its own API adds it in «Партнёры (проверка статусов)» from the JSON template:
 * the partner's key, the status table from RetailCRM's statuses, then «Проверить сейчас» — one real request,
 * shown with the key masked, the partner's answer, the rows and what would change; nothing is written.
 */

let world: World;
let partner: PartnerEmulator;
const orderIds: number[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  partner = await startPartnerEmulator({ token: 'cc-secret-token' });
  world = await startWorld({
    configured: true,
    prepare: (_engine, emu) => {
      for (const n of [1, 2, 3]) orderIds.push(emu.crm.createOrder({ externalId: `cc-${n}`, status: 'new', site: 'shop' }, { source: 'user' }).id);
    },
  });
  partner.setMany([
    { id: 'cc-1', status: 'Подтвержден', createdAt: '2025-03-05 10:00:00' },
    { id: 'cc-2', status: 'Отказ', reason: 'Дорого', createdAt: '2025-03-05 10:00:00' },
    { id: 'cc-3', status: 'Перезвонить', createdAt: '2025-03-05 10:00:00' },
  ]);
});

test.afterAll(async () => {
  await world?.close();
  await partner?.close();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${shots}/wizard-${name}.png`, fullPage: true, animations: 'disabled' });
}

test('партнёр из шаблона JSON API: ключ, таблица статусов и «Проверить сейчас» без записи', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(world.h.ui);
  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Настройки' }).click();
  await page.getByTestId('step-link-partners').click();
  const step = page.getByTestId('step-partners');
  await expect(step.getByRole('heading', { name: 'Партнёры (проверка статусов)' })).toBeVisible();
  await expect(step.getByText('Партнёров пока нет. Добавьте первого из готового шаблона.')).toBeVisible();

  await step.getByLabel('Шаблон').selectOption('json');
  await step.getByLabel('Название').fill('Колл-центр');
  await step.getByLabel('Код (латиница)').fill('cc');
  await step.getByLabel('Адрес API партнёра').fill(partner.url);
  await step.getByTestId('partner-create').click();
  const editor = step.getByTestId('partner-editor');
  await expect(editor).toBeVisible();
  await expect(editor.getByTestId('field-partner-request-url').locator('input')).toHaveValue(`${partner.url}/status`);

  // The key is typed once and kept encrypted: the step only learns that it is set.
  await editor.getByTestId('field-partner-secret-token').locator('input').fill('cc-secret-token');
  await editor.getByTestId('partner-secret-save-token').click();
  await expect(editor.getByTestId('field-partner-secret-token')).toContainText('{secret:token} — задан');

  // RetailCRM's statuses come from its reference books (a text field until they have loaded).
  await expect(editor.getByRole('combobox', { name: 'Статус в RetailCRM: Обработка' })).toBeVisible({ timeout: 15_000 });
  // Proposed from RetailCRM's status groups; «Перезвонить» has no clear counterpart and stays unmapped.
  await editor.getByTestId('partner-status-propose').click();
  await expect(editor.getByLabel('Статус в RetailCRM: Обработка')).toHaveValue('new');
  await expect(editor.getByLabel('Статус в RetailCRM: Отмена')).toHaveValue('cancel-other');
  await expect(editor.getByLabel('Статус в RetailCRM: Перезвонить')).toHaveValue('');
  await expect(editor.getByLabel('Подтверждён партнёром (accept)')).toHaveValue('client-confirmed');
  // The merchant corrects one row by hand.
  await editor.getByLabel('Статус в RetailCRM: В пути').selectOption('redirect');
  await page.getByTestId('partners-save').click();
  await expect(page.getByTestId('partners-saved')).toBeVisible();

  partner.clearRequests();
  await step.getByTestId('partner-preview-mode').selectOption('processing');
  await step.getByTestId('partner-preview-run').click();
  const result = step.getByTestId('partner-preview-result');
  await expect(result).toBeVisible({ timeout: 20_000 });
  await expect(step.getByTestId('partner-preview-message')).toHaveText('Спросили о 3 заказах, получили 3 строк; изменилось бы заказов: 2. Ничего не записано.');
  const request = step.getByTestId('partner-preview-request');
  await expect(request).toContainText(`POST ${partner.url}/status`);
  await expect(request).toContainText('Authorization: Bearer •••token•••');
  await expect(request).not.toContainText('cc-secret-token');
  await expect(request).toContainText('{"ids":["cc-1","cc-2","cc-3"]}');
  await expect(step.getByTestId('partner-preview-answer')).toContainText('"status":"Подтвержден"');
  const changes = step.getByTestId('partner-preview-changes').locator('tbody tr');
  await expect(changes).toHaveCount(3);
  await expect(changes.nth(0)).toContainText('Подтверждён');
  await expect(changes.nth(0)).toContainText('изменить: статус new → client-confirmed');
  await expect(changes.nth(1)).toContainText('изменить: статус new → cancel-other');
  await expect(changes.nth(2)).toContainText('статусу «Перезвонить» не сопоставлен статус RetailCRM — заказ не меняется');
  await result.scrollIntoViewIfNeeded();
  await shot(page, 'partners-preview');

  // One real request to the partner, and RetailCRM untouched.
  expect(partner.requests()).toHaveLength(1);
  expect(orderIds.map((id) => world.emu.crm.getOrder(id)!.status)).toEqual(['new', 'new', 'new']);

  // A mapping that loops is stopped with a Russian message in the same place.
  await editor.getByTestId('field-partner-expression').locator('textarea').fill('($f := function($n){ $f($n + 1) }; $f(0))');
  await step.getByTestId('partner-preview-run').click();
  await expect(step.getByTestId('partner-preview-error')).toHaveText('Выражение сопоставления выполнялось дольше 1 с и остановлено: похоже на бесконечный цикл.', { timeout: 20_000 });
});
