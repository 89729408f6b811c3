import { expect, test, type Page } from '@playwright/test';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { shots, startWorld, type World } from './world.js';
import { apiCaller } from '../helpers/api.js';

/**
 * The order queue against the real engine and emulators: orders change in RetailCRM and MeaSoft while the
 * queue is open (no reload), and «Отправить заново» sends an order the courier service did not deliver once
 * more, under the next MeaSoft number, after the merchant confirms.
 */

test.describe.configure({ mode: 'serial' });

const TOKEN = 'e2e-world-token';
let world: World;

const call = apiCaller(() => world.h.uiPort, TOKEN);

function newOrder(o: { courier: boolean }) {
  const [seed] = makeOrders(1, { seed: Math.floor(Math.random() * 1e9), statuses: ['new'] });
  return world.emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'new',
      phone: '+7 916 555-12-34',
      delivery: {
        ...seed!.delivery,
        code: o.courier ? 'measoft-city' : 'self-delivery',
        address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
}

const syncCrm = () => call('engine.syncNow', { pollerId: 'retailcrm.history' });
const syncCourier = () => call('engine.syncNow', { pollerId: 'measoft.changes' });

test.beforeAll(async () => {
  world = await startWorld({ configured: true });
  // Both feeds only when asked: the changes below reach the window through the engine's events, not a timer.
  await call('settings.update', { section: 'retailcrm', values: { historyIntervalSec: 3600 } });
  await call('settings.update', { section: 'measoft', values: { pollIntervalSec: 3600 } });
  await expect
    .poll(async () => (await call<{ pollers: Array<{ id: string; lastOkAt: number | null }> }>('engine.status')).pollers.find((p) => p.id === 'retailcrm.history')?.lastOkAt ?? null, { timeout: 20_000 })
    .not.toBeNull();
});

test.afterAll(async () => {
  await world?.close();
});

async function openQueue(page: Page) {
  await page.goto(world.h.ui);
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('orders-screen')).toBeVisible();
}

test('открытая очередь живая: новый заказ появляется, смена статуса в RetailCRM и у курьера видна без перезагрузки', async ({ page }) => {
  await openQueue(page);
  let loads = 0;
  page.on('load', () => loads++);
  const rows = page.getByTestId('orders-scroll').getByRole('listitem');
  const before = Number(await page.getByTestId('orders-total').getAttribute('data-total'));

  // A manager creates an order in RetailCRM; the next read brings it into the open list.
  const o = newOrder({ courier: true });
  await syncCrm();
  const row = rows.filter({ hasText: o.number });
  await expect(row).toHaveCount(1, { timeout: 10_000 });
  await expect(row).toContainText('Новый');
  await expect(page.getByTestId('orders-total')).toHaveAttribute('data-total', String(before + 1));

  // Its status changes in RetailCRM: the row follows, and the courier chip appears once MeaSoft has it.
  world.emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
  await syncCrm();
  await expect(row).toContainText('Передан в доставку', { timeout: 10_000 });
  await expect(row.getByTestId('chip-measoft')).toBeVisible({ timeout: 15_000 });
  await expect.poll(() => world.emu.ms.getOrder(o.number)?.orderno ?? null, { timeout: 15_000 }).toBe(o.number);

  // The courier service takes it: the chip changes in place.
  world.emu.ms.setStatus(o.number, 'DELIVERY');
  await syncCourier();
  await expect(row.getByTestId('chip-measoft')).toContainText('Выдан курьеру на доставку', { timeout: 10_000 });
  await page.screenshot({ path: `${shots}/queue-live.png` });
  expect(loads).toBe(0);
});

test('даты в фильтре периода вводятся по-русски: день, месяц, год', async ({ page }) => {
  await openQueue(page);
  const from = page.getByTestId('orders-from');
  await from.click({ position: { x: 12, y: 12 } });
  // Typed as a Russian merchant types it: 05.03.2025 is the 5th of March (mm/dd/yyyy would make it May 3rd).
  await page.keyboard.type('05032025');
  await expect(from).toHaveValue('2025-03-05');
  await page.screenshot({ path: `${shots}/queue-dates.png`, clip: { x: 236, y: 120, width: 1016, height: 160 } });
});

test('«Отправить заново» после отмены у курьерской службы: подтверждение, новый номер в MeaSoft, повтор не создаёт второй', async ({ page }) => {
  const o = newOrder({ courier: true });
  world.emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
  await syncCrm();
  await expect.poll(() => world.emu.ms.getOrder(o.number)?.orderno ?? null, { timeout: 15_000 }).toBe(o.number);

  await openQueue(page);
  await page.getByTestId('orders-search').fill(o.number);
  const row = page.getByTestId('orders-scroll').getByRole('listitem').filter({ hasText: o.number });
  await row.getByRole('button').first().click();
  const card = page.getByTestId('order-card');
  await expect(card.getByRole('heading', { name: `Заказ ${o.number}` })).toBeVisible();
  // While MeaSoft has the order in work there is nothing to send again.
  await expect(card.getByTestId('chip-measoft')).toBeVisible({ timeout: 10_000 });
  await expect(card.getByTestId('order-resend')).toHaveCount(0);

  // The courier service does not deliver it; the card learns it live and offers to send it again.
  world.emu.ms.setStatus(o.number, 'CANCELED');
  await syncCourier();
  await expect(card.getByTestId('chip-measoft')).toContainText('Не доставлен', { timeout: 10_000 });
  const resend = card.getByTestId('order-resend');
  await expect(resend).toBeVisible();

  // A question first; Esc takes it back and nothing is sent.
  await resend.click();
  const confirm = card.getByTestId('order-resend-confirm');
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText('Отправить заказ в курьерскую службу заново?');
  await expect(confirm.getByRole('button', { name: 'Да, отправить' })).toBeFocused();
  await page.screenshot({ path: `${shots}/queue-resend-confirm.png` });
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(card).toBeVisible();
  expect(world.emu.ms.orders().filter((m) => m.orderno.startsWith(o.number))).toHaveLength(1);

  await resend.click();
  await confirm.getByRole('button', { name: 'Да, отправить' }).click();
  await expect(card.getByTestId('order-notice')).toHaveText(`Заказ №${o.number} будет отправлен в курьерскую службу заново под номером ${o.number}-2.`);
  await expect.poll(() => world.emu.ms.getOrder(`${o.number}-2`)?.status ?? null, { timeout: 15_000 }).not.toBeNull();
  // The card shows the new MeaSoft order (no «Не доставлен» any more), and the timeline the second send.
  await expect(card.getByTestId('chip-measoft')).not.toContainText('Не доставлен', { timeout: 10_000 });
  await expect(card.getByTestId('order-resend')).toHaveCount(0);
  await expect(card.getByTestId('timeline').locator('li', { hasText: 'Создание заказа в MeaSoft' })).toHaveCount(2, { timeout: 10_000 });
  await page.screenshot({ path: `${shots}/queue-resent.png` });

  // Pressed again from elsewhere (a second window): the engine refuses in words, MeaSoft keeps two orders, one live.
  const again = await fetch(`http://127.0.0.1:${world.h.uiPort}/api/orders.action`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ id: Number((await row.getByRole('button').first().getAttribute('data-testid'))!.replace('order-', '')), action: 'resend' }),
  }).then((r) => r.json() as Promise<{ ok: boolean; error?: { message: string } }>);
  expect(again.ok).toBe(false);
  expect(again.error?.message).toContain('второй заказ не создаём');
  const mine = world.emu.ms.orders().filter((m) => m.orderno === o.number || m.orderno === `${o.number}-2`);
  expect(mine.map((m) => [m.orderno, m.status === 'CANCELED'])).toEqual(expect.arrayContaining([[o.number, true], [`${o.number}-2`, false]]));
});
