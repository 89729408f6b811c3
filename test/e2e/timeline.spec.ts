import { expect, test } from '@playwright/test';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { shots, startWorld, type World } from './world.js';

/**
 * The order card's history reads like a story a shop owner follows: each step says what happened in Russian,
 * no two steps share a title, the source is a system's name (not an internal reference), and the raw request
 * and answer are one click away for support.
 */

const TOKEN = 'e2e-world-token';
let world: World;

async function call<T>(method: string, input: unknown = {}): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${world.h.uiPort}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw new Error(body.error?.message ?? 'call failed');
  return body.result;
}

test.beforeAll(async () => {
  world = await startWorld({ configured: true });
  await call('settings.update', { section: 'retailcrm', values: { historyIntervalSec: 3600 } });
  await call('settings.update', { section: 'measoft', values: { pollIntervalSec: 3600 } });
});

test.afterAll(async () => {
  await world?.close();
});

test('история заказа по-русски: каждый шаг говорит, что произошло; запрос и ответ — по щелчку', async ({ page }) => {
  const [seed] = makeOrders(1, { seed: 4242, statuses: ['new'] });
  const o = world.emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'send-to-delivery',
      delivery: { ...seed!.delivery, code: 'measoft-city', address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' } },
      items: [{ offer: { name: 'Плед шерстяной' }, quantity: 1, initialPrice: 1990 }],
      payments: [{ type: 'cod', amount: 1990, status: 'not-paid' }],
    },
    { source: 'user' },
  );
  await call('engine.syncNow', { pollerId: 'retailcrm.history' });
  await expect.poll(() => world.emu.ms.getOrder(o.number)?.orderno ?? null, { timeout: 15_000 }).toBe(o.number);
  const price = world.emu.ms.getOrder(o.number)!.priceKopecks;
  for (const code of ['ACCEPTED', 'DELIVERY', 'COMPLETE']) {
    world.emu.ms.setStatus(o.number, code, code === 'COMPLETE' ? { paytype: 'CASH', priceKopecks: price } : {});
    await call('engine.syncNow', { pollerId: 'measoft.changes' });
    await expect
      .poll(async () => {
        const list = await call<{ items: Array<{ id: number; systems: Record<string, { state: string }> }> }>('orders.list', { search: o.number });
        return list.items[0]?.systems.measoft?.state ?? null;
      }, { timeout: 10_000 })
      .toBe(code);
  }

  await page.goto(world.h.ui);
  await page.getByTestId('nav-queue').click();
  await page.getByTestId('orders-search').fill(o.number);
  const row = page.getByTestId('orders-scroll').getByRole('listitem').filter({ hasText: o.number });
  // The account's status names are loaded with the queue.
  await expect(row).toContainText('Выполнен');
  await row.getByRole('button').first().click();
  const card = page.getByTestId('order-card');
  await expect(card.getByRole('heading', { name: `Заказ ${o.number}` })).toBeVisible();
  await expect(card.getByText('Откуда пришёл').locator('..')).toContainText('RetailCRM');
  // Delivered: nothing to cancel at the courier, nothing to retry, nothing flagged.
  await expect(card.getByTestId('order-cancel-courier')).toHaveCount(0);
  await expect(card.getByTestId('order-retry')).toHaveCount(0);
  await expect(card.getByTestId('order-dismiss')).toHaveCount(0);
  await expect(card).not.toContainText(`retailcrm:${o.id}`);

  const titles = card.getByTestId('timeline-title');
  const money = `${(price / 100).toLocaleString('ru-RU').replace(/\s/g, '\u00a0')}\u00a0₽`;
  await expect(titles.filter({ hasText: 'MeaSoft: Доставлен → RetailCRM: статус «Выполнен»' })).toContainText(`оплата наличными ${money} отмечена`, { timeout: 10_000 });
  await expect(titles.filter({ hasText: 'MeaSoft: Выдан курьеру на доставку → RetailCRM' })).toHaveCount(1);
  await expect(titles.filter({ hasText: `Заказ передан в MeaSoft: №${o.number}` })).toHaveCount(1);
  const all = await titles.allTextContents();
  expect(new Set(all).size).toBe(all.length);
  expect(all.join('\n')).not.toMatch(/"op"|setStatus/);

  // The raw exchange for support: one click on the step.
  const delivered = card.getByTestId('timeline').locator('li').filter({ hasText: 'MeaSoft: Доставлен' });
  await delivered.getByText('Запрос (технические данные)').click();
  await expect(delivered.locator('details[open] pre')).toContainText('COMPLETE');
  await page.screenshot({ path: `${shots}/order-timeline.png` });

  // «Открыть в RetailCRM» opens the order's page (in the demo: the emulator's own small page, not an error).
  const [crmPage] = await Promise.all([page.context().waitForEvent('page'), card.getByTestId('order-open-crm').click()]);
  await crmPage.waitForLoadState();
  await expect(crmPage.getByRole('heading', { name: `Заказ №${o.number}` })).toBeVisible();
  await expect(crmPage.locator('body')).toContainText('Выполнен');
  await expect(crmPage.locator('body')).not.toContainText('405');
  await crmPage.screenshot({ path: `${shots}/demo-crm-order-page.png` });
});

test('заказ изменён после того, как курьер взял его в работу: одна подсказка, без «Повторить», «Снять отметку» снимает флаг', async ({ page }) => {
  const [seed] = makeOrders(1, { seed: 777, statuses: ['new'] });
  const o = world.emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'send-to-delivery',
      phone: '+7 916 555-12-34',
      delivery: { ...seed!.delivery, code: 'measoft-city', address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' } },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
  await call('engine.syncNow', { pollerId: 'retailcrm.history' });
  await expect.poll(() => world.emu.ms.getOrder(o.number)?.orderno ?? null, { timeout: 15_000 }).toBe(o.number);
  world.emu.ms.setStatus(o.number, 'PICKUP');
  await call('engine.syncNow', { pollerId: 'measoft.changes' });
  // A manager changes the phone after the courier took the order.
  world.emu.crm.editOrder(o.id, { phone: '+7 903 999-00-11' }, { source: 'user' });
  await call('engine.syncNow', { pollerId: 'retailcrm.history' });
  await expect
    .poll(async () => (await call<{ items: Array<{ attention: boolean }> }>('orders.list', { search: o.number })).items[0]?.attention ?? false, { timeout: 15_000 })
    .toBe(true);

  await page.goto(world.h.ui);
  await page.getByTestId('nav-queue').click();
  await page.getByTestId('orders-search').fill(o.number);
  await page.getByTestId('orders-scroll').getByRole('listitem').filter({ hasText: o.number }).getByRole('button').first().click();
  const card = page.getByTestId('order-card');
  await expect(card.getByTestId('order-flag-hint')).toContainText('«Снять отметку»');
  await expect(card.getByTestId('order-retry')).toHaveCount(0);
  // The courier has it in work: no cancel from here either.
  await expect(card.getByTestId('order-cancel-courier')).toHaveCount(0);
  const step = card.getByTestId('timeline').locator('li').filter({ hasText: 'Изменения не переданы в MeaSoft' });
  await expect(step).toContainText('сообщите их по телефону');
  await expect(step).toHaveClass(/timeline__item--info/);
  await expect(card).not.toContainText('Исправьте данные заказа в RetailCRM');
  await page.screenshot({ path: `${shots}/order-changed-after-handover.png` });

  await card.getByTestId('order-dismiss').click();
  await expect(card.getByTestId('order-notice')).toContainText('Отметка снята');
  await expect(card.getByTestId('order-flag-hint')).toHaveCount(0);
  await expect(card.getByRole('heading', { name: `Заказ ${o.number}` }).locator('..')).not.toContainText('Требует внимания');
});
