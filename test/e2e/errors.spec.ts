import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { shots, startWorld, type World } from './world.js';
import { apiCaller } from '../helpers/api.js';

/**
 * «Журнал ошибок» against the real engine: MeaSoft refuses an order with a broken phone, the merchant reads
 * why in Russian, fixes the phone in RetailCRM, presses «Повторить» and the order reaches MeaSoft; the log
 * exports to CSV for Excel.
 */

test.describe.configure({ mode: 'serial' });

const TOKEN = 'e2e-world-token';
let world: World;

interface Status {
  pollers: Array<{ id: string; lastOkAt: number | null; nextRunAt: number | null }>;
  errors: { unread: number };
}

const call = apiCaller(() => world.h.uiPort, TOKEN);

const history = async () => (await call<Status>('engine.status')).pollers.find((p) => p.id === 'retailcrm.history')!;

test.beforeAll(async () => {
  world = await startWorld({ configured: true });
  // The first history read puts RetailCRM's cursor at «now»: the order is changed after it.
  await expect.poll(async () => (await history()).lastOkAt, { timeout: 20_000 }).not.toBeNull();
});

test.afterAll(async () => {
  await world?.close();
});

test('отказ MeaSoft в журнале по-русски, «Повторить» после исправления доводит заказ, CSV выгружается', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(world.h.ui);
  await expect(page.getByTestId('dashboard')).toBeVisible();

  const [seed] = makeOrders(1, { seed: 4242, statuses: ['new'] });
  const crm = world.emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'new',
      phone: '916-12-34',
      delivery: {
        ...seed!.delivery,
        code: 'measoft-city',
        address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
  world.emu.crm.editOrder(crm.id, { status: 'send-to-delivery' }, { source: 'user' });
  await page.getByRole('button', { name: 'Синхронизировать сейчас' }).first().click();

  // The menu badge counts the unread error live, before the log is even open.
  await expect(page.getByTestId('nav-badge-errors')).toHaveText('1', { timeout: 30_000 });
  await page.getByTestId('nav-errors').click();
  const list = page.getByTestId('errors-list');
  const row = list.locator('li', { hasText: 'MeaSoft отклонил заказ' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(crm.number);
  await expect(row).toContainText('MeaSoft');
  await expect(row).toContainText('Ошибка');
  await expect(page.getByTestId('errors-screen-unread')).toContainText('1');
  await page.screenshot({ path: `${shots}/errors-list.png` });

  // The technical detail is there on demand, without secrets.
  await row.getByText('Подробности').click();
  const detail = row.locator('pre.detail');
  await expect(detail).toBeVisible();
  await expect(detail).not.toContainText('testm');
  await page.screenshot({ path: `${shots}/errors-detail.png` });

  // Filters: another system hides it, unread only keeps it.
  await page.getByTestId('errors-system').selectOption('retailcrm');
  await expect(list).toContainText('Под фильтр ничего не попало');
  await page.getByTestId('errors-system').selectOption('measoft');
  await page.getByTestId('errors-unread-only').check();
  await expect(row).toHaveCount(1);
  await page.getByTestId('errors-unread-only').uncheck();

  // CSV for Excel: UTF-8 with BOM, `;` between fields, the Russian message and the order number inside.
  const download = page.waitForEvent('download');
  await page.getByTestId('errors-csv').click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/\.csv$/);
  const csv = fs.readFileSync((await d.path())!);
  expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = csv.toString('utf8').slice(1);
  const [head, ...rows] = text.trim().split('\r\n');
  expect(head).toBe('Дата и время;Важность;Система;Тип;Заказ;Сообщение;Подробности;Прочитано;Сколько раз;Последний раз');
  expect(text).toContain('MeaSoft отклонил заказ');
  expect(rows.some((r) => r.includes(`;${crm.number};`))).toBe(true);

  // No automatic resend while the merchant fixes the order: the next RetailCRM read is an hour away.
  await call('settings.update', { section: 'retailcrm', values: { historyIntervalSec: 3600 } });
  await expect.poll(async () => ((await history()).nextRunAt ?? 0) - Date.now(), { timeout: 15_000 }).toBeGreaterThan(60_000);
  expect(world.emu.ms.orders()).toHaveLength(0);

  // The phone is fixed in RetailCRM; «Повторить» in the log sends the order again, and it reaches MeaSoft.
  world.emu.crm.editOrder(crm.id, { phone: '+7 916 700-80-90' }, { source: 'user' });
  await row.getByRole('button', { name: /^Повторить/ }).click();
  await expect(page.getByText('Отправлено на повтор')).toBeVisible();
  await expect.poll(() => world.emu.ms.orders().length, { timeout: 20_000 }).toBe(1);
  expect(world.emu.ms.orders()[0]!.receiver.phone).toBe('+7 916 700-80-90');
  // Retrying acknowledged the entry: the badge is gone.
  await expect(page.getByTestId('nav-badge-errors')).toHaveCount(0);

  // The order's timeline has both attempts: the refusal and the success.
  const { items } = await call<{ items: Array<{ id: number; number: string }> }>('orders.list', { search: crm.number });
  const order = items.find((o) => o.number === crm.number)!;
  await expect
    .poll(async () => {
      const { timeline } = await call<{ timeline: Array<{ system: string; outcome: string; errorMessage: string | null }> }>('orders.get', { id: order.id });
      const ms = timeline.filter((t) => t.system === 'measoft');
      return { error: ms.some((t) => t.outcome === 'error' && /отклонил/.test(t.errorMessage ?? '')), ok: ms.some((t) => t.outcome === 'ok') };
    }, { timeout: 10_000 })
    .toEqual({ error: true, ok: true });

  // The order link opens the queue with this order.
  await page.getByTestId(`error-order-${order.id}`).click();
  await expect(page.getByTestId('nav-queue')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('order-card')).toContainText(crm.number);
  // In the card's timeline, newest first: the send that went through, then the refusal with what to do.
  const sends = page.getByTestId('order-card').getByTestId('timeline').locator('li', { hasText: 'Создание заказа в MeaSoft' });
  await expect(sends).toHaveCount(2);
  await expect(sends.nth(0)).toHaveClass(/timeline__item--ok/);
  await expect(sends.nth(0)).toContainText('Успешно');
  await expect(sends.nth(0)).not.toContainText('MeaSoft отклонил заказ');
  await expect(sends.nth(1)).toHaveClass(/timeline__item--error/);
  await expect(sends.nth(1)).toContainText('Ошибка');
  await expect(sends.nth(1)).toContainText('MeaSoft отклонил заказ');
  await expect(sends.nth(1)).toContainText('Исправьте данные заказа в RetailCRM');
  // What was sent the second time carries the fixed phone.
  await sends.nth(0).getByText('Отправлено').click();
  await expect(sends.nth(0).locator('details[open] pre')).toContainText('+7 916 700-80-90');
  await page.screenshot({ path: `${shots}/errors-order-in-queue.png` });
});

test('новая ошибка появляется в открытом журнале сама; «Отметить все прочитанными»', async ({ page }) => {
  await page.goto(world.h.ui);
  await page.getByTestId('nav-errors').click();
  await expect(page.getByTestId('errors-list')).toBeVisible();
  const before = await page.getByTestId('errors-list').locator('li').count();

  // MeaSoft refuses a second order while the log is open: the entry arrives by the live event.
  await call('settings.update', { section: 'retailcrm', values: { historyIntervalSec: 5 } });
  const [seed] = makeOrders(1, { seed: 777, statuses: ['new'] });
  const crm = world.emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'new',
      phone: '495-00-11',
      delivery: {
        ...seed!.delivery,
        code: 'measoft-city',
        address: { index: '101000', region: 'Москва', city: 'Москва', street: 'ул. Мясницкая', building: '24', flat: '3', text: 'ул. Мясницкая, д. 24, кв. 3' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
  world.emu.crm.editOrder(crm.id, { status: 'send-to-delivery' }, { source: 'user' });
  await call('engine.syncNow', { pollerId: 'retailcrm.history' });
  await expect(page.getByTestId('errors-list').locator('li')).toHaveCount(before + 1, { timeout: 30_000 });
  const newest = page.getByTestId('errors-list').locator('li').first();
  await expect(newest).toContainText(crm.number);
  await expect(page.getByTestId('nav-badge-errors')).toHaveText('1');

  await page.getByTestId('errors-ack-all').click();
  await expect(page.getByTestId('nav-badge-errors')).toHaveCount(0);
  await expect(newest).toHaveAttribute('data-acknowledged', 'true');
  await page.getByTestId('errors-unread-only').check();
  await expect(page.getByTestId('errors-list')).toContainText('Под фильтр ничего не попало');
});

test('повторяющаяся ошибка — одна запись со счётчиком и временем последнего раза', async ({ page }) => {
  await page.goto(world.h.ui);
  await page.getByTestId('nav-errors').click();
  await expect(page.getByTestId('errors-list')).toBeVisible();
  const { leeloo } = await call<{ leeloo: string }>('setup.webhooks');
  const empty = () => fetch(leeloo, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

  expect((await empty()).status).toBe(422);
  const row = page.getByTestId('errors-list').locator('li', { hasText: 'Leeloo прислал запрос без событий' });
  await expect(row).toHaveCount(1, { timeout: 15_000 });
  await expect(row).not.toContainText('×');

  // Four more of the same while the log is open: the same entry counts them, live.
  for (let i = 0; i < 4; i++) expect((await empty()).status).toBe(422);
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(/×5, последний раз/, { timeout: 15_000 });
  await page.screenshot({ path: `${shots}/errors-grouped.png` });
});
