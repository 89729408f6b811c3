import { expect, test, type Page } from '@playwright/test';
import { matchesSearch, seedOrders, type SeededOrder } from './queue-seed.js';
import { shots, startWorld, type World } from './world.js';

const COUNT = 10_000;
const CRM_URL = 'https://moy-magazin.retailcrm.ru';

let world: World;
let seeded: SeededOrder[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  world = await startWorld({
    prepare: (engine) => {
      // Only the address: RetailCRM is not connected, so the queue must do without its reference books.
      engine.settings.update('retailcrm', { url: CRM_URL });
      seeded = seedOrders(engine, COUNT);
    },
  });
});

test.afterAll(async () => {
  await world?.close();
});

const count = (pred: (o: SeededOrder) => boolean) => seeded.filter(pred).length;

async function openQueue(page: Page) {
  await page.goto(world.h.ui);
  await page.getByRole('navigation').getByRole('button', { name: 'Очередь заказов' }).click();
  await expect(page.getByTestId('orders-screen')).toBeVisible();
}

async function expectTotal(page: Page, n: number) {
  await expect(page.getByTestId('orders-total')).toHaveAttribute('data-total', String(n), { timeout: 5_000 });
}

test('10 000 заказов: список открывается сразу, в странице только видимые строки, прокрутка до конца', async ({ page }) => {
  await openQueue(page);
  await expectTotal(page, COUNT);
  await expect(page.getByTestId('orders-total')).toHaveText('Всего заказов: 10 000');
  // Newest change first: order 1 on top, with its customer, phone and both chips.
  const top = page.getByTestId(`order-${seeded[0]!.id}`);
  await expect(top).toContainText(seeded[0]!.number);
  await expect(top).toContainText(seeded[0]!.customer);
  await expect(top).toContainText(seeded[0]!.phone);
  const withCourier = seeded[2]!;
  await expect(page.getByTestId(`order-${withCourier.id}`).getByTestId('chip-measoft')).toContainText('На доставке');
  // Windowed: a few dozen rows exist, not ten thousand.
  const rendered = await page.locator('[data-testid="orders-scroll"] [role="listitem"]').count();
  expect(rendered).toBeGreaterThan(5);
  expect(rendered).toBeLessThan(80);
  await page.screenshot({ path: `${shots}/queue-list.png` });

  // To the very end: the last page is fetched on demand and the oldest order is shown.
  const scroller = page.getByTestId('orders-scroll');
  await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
  const last = seeded.at(-1)!;
  await expect(page.getByTestId(`order-${last.id}`)).toBeVisible({ timeout: 5_000 });
  await expect(page.getByTestId(`order-${last.id}`)).toContainText(last.number);
  // And somewhere in the middle, a page that was never near the screen.
  await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight / 2 }));
  const middle = seeded[COUNT / 2]!;
  await expect(page.getByTestId(`order-${middle.id}`)).toBeVisible({ timeout: 5_000 });
});

test('поиск по номеру, телефону и имени без учёта регистра', async ({ page }) => {
  await openQueue(page);
  await expectTotal(page, COUNT);
  const search = page.getByTestId('orders-search');

  const byNumber = seeded[4320]!;
  await search.fill(byNumber.number);
  await expectTotal(page, count((o) => matchesSearch(o, byNumber.number)));
  await expect(page.getByTestId(`order-${byNumber.id}`)).toBeVisible();

  const byPhone = seeded[7776]!;
  const phoneQuery = byPhone.phone.slice(-9); // «777-77-77»-like tail as the merchant types it
  await search.fill(phoneQuery);
  await expectTotal(page, count((o) => matchesSearch(o, phoneQuery)));
  await expect(page.getByTestId(`order-${byPhone.id}`)).toBeVisible();

  await search.fill('смирнова');
  const smirnova = count((o) => o.customer.startsWith('Смирнова '));
  expect(smirnova).toBeGreaterThan(100);
  await expectTotal(page, smirnova);
  await expect(page.getByTestId('orders-total')).toHaveText(`Найдено: ${smirnova.toLocaleString('ru-RU')}`);
  const rows = page.locator('[data-testid="orders-scroll"] button.orders-row');
  for (const text of await rows.allTextContents()) expect(text).toContain('Смирнова');

  await search.fill('Нет такого покупателя');
  await expectTotal(page, 0);
  await expect(page.getByTestId('orders-empty')).toContainText('Ничего не найдено');
  await page.screenshot({ path: `${shots}/queue-nothing-found.png` });
  await page.getByTestId('orders-reset').click();
  await expectTotal(page, COUNT);
  await expect(search).toHaveValue('');
});

test('фильтры: «Требуют внимания», статус RetailCRM, система, период', async ({ page }) => {
  await openQueue(page);
  await expectTotal(page, COUNT);

  await page.getByTestId('orders-attention').check();
  const attention = count((o) => o.attention);
  await expectTotal(page, attention);
  const marks = page.locator('[data-testid="orders-scroll"] button.orders-row');
  await expect(marks.first()).toHaveAttribute('data-attention', 'true');
  for (const a of await marks.evaluateAll((els) => els.map((e) => e.getAttribute('data-attention')))) expect(a).toBe('true');
  await expect(page.getByTestId(`order-${seeded.find((o) => o.attention)!.id}`).locator('.orders-chip--attention').first()).toBeVisible();
  await page.screenshot({ path: `${shots}/queue-filtered.png` });

  // RetailCRM is not connected: the status list is made of the statuses seen in the queue.
  await page.getByTestId('orders-status').selectOption('complete');
  await expectTotal(page, count((o) => o.attention && o.crmStatus === 'complete'));
  await page.getByTestId('orders-attention').uncheck();
  await expectTotal(page, count((o) => o.crmStatus === 'complete'));

  await page.getByTestId('orders-status').selectOption('');
  await page.getByTestId('orders-system').selectOption('measoft');
  await expectTotal(page, count((o) => o.measoft));
  await page.getByTestId('orders-system').selectOption('');

  // Orders created on one day (local time in the browser: Europe/Moscow).
  const day = new Date(seeded[3000]!.createdAt).toLocaleDateString('sv-SE', { timeZone: 'Europe/Moscow' });
  const inDay = (o: SeededOrder) => new Date(o.createdAt).toLocaleDateString('sv-SE', { timeZone: 'Europe/Moscow' }) === day;
  await page.getByTestId('orders-from').fill(day);
  await page.getByTestId('orders-to').fill(day);
  await expectTotal(page, count(inDay));
  expect(count(inDay)).toBeGreaterThan(0);
  expect(count(inDay)).toBeLessThan(COUNT);
});

test('карточка заказа: сводка, история с ошибкой и подсказкой, действия; Esc закрывает', async ({ page }) => {
  await openQueue(page);
  const first = seeded[0]!;
  await page.getByTestId(`order-${first.id}`).click();
  const card = page.getByTestId('order-card');
  await expect(card).toBeVisible();
  await expect(card.getByRole('heading', { name: `Заказ ${first.number}` })).toBeVisible();
  await expect(card).toContainText(first.customer);
  await expect(card.getByText('Откуда пришёл').locator('..')).toContainText('RetailCRM');
  await expect(card).not.toContainText('retailcrm:5001');
  // Timeline, newest first: the MeaSoft failure with what to do, then the RetailCRM read.
  const steps = card.getByTestId('timeline').locator('li');
  await expect(steps).toHaveCount(2);
  await expect(steps.nth(0)).toContainText('Создание заказа в MeaSoft');
  await expect(steps.nth(0)).toContainText('Нужно внимание: MeaSoft не принял заказ: не указан адрес получателя.');
  await expect(steps.nth(0)).toContainText('Исправьте данные заказа в RetailCRM');
  await expect(steps.nth(0)).toContainText('1,2 с');
  await expect(steps.nth(0)).toContainText('попытка 2');
  await expect(steps.nth(1)).toContainText('Получение заказа из RetailCRM');
  await expect(steps.nth(1)).toContainText('184 мс');
  await steps.nth(0).getByText('Ответ (технические данные)').click();
  await expect(steps.nth(0).locator('details[open] pre')).toContainText('Не указан адрес получателя');
  await expect(card.getByTestId('order-open-crm')).toHaveAttribute('href', `${CRM_URL}/orders/5001/edit`);
  await page.screenshot({ path: `${shots}/queue-card.png` });

  // No job of this order waits to run again: «Повторить» is not offered, «Снять отметку» is, and the card says
  // what clears the flag.
  await expect(card.getByTestId('order-retry')).toHaveCount(0);
  await expect(card.getByTestId('order-flag-hint')).toContainText('«Снять отметку»');
  // «Снять отметку» answers in words and, through orders.changed, the visible part of the list is re-read.
  const relist = page.waitForRequest((r) => r.url().includes('/api/orders.list'), { timeout: 5_000 });
  await card.getByTestId('order-dismiss').click();
  await expect(card.getByTestId('order-notice')).toContainText('Отметка снята');
  await relist;
  await expect(card.getByTestId('order-dismiss')).toHaveCount(0);
  await expect(card.getByTestId('timeline').locator('li').first()).toContainText('Отметка «Требует внимания» снята вручную');

  await page.keyboard.press('Escape');
  await expect(card).toBeHidden();
});

test('отмена у курьера спрашивает подтверждение; отказ движка показан по-русски', async ({ page }) => {
  await openQueue(page);
  const courier = seeded.find((o) => o.measoft)!;
  await page.getByTestId(`order-${courier.id}`).click();
  const card = page.getByTestId('order-card');
  await card.getByTestId('order-cancel-courier').click();
  await expect(card.getByTestId('order-cancel-confirm')).toBeVisible();
  // Esc closes the question first, the card stays.
  await page.keyboard.press('Escape');
  await expect(card.getByTestId('order-cancel-confirm')).toBeHidden();
  await expect(card).toBeVisible();
  await card.getByTestId('order-cancel-courier').click();
  await card.getByRole('button', { name: 'Да, отменить' }).click();
  // Seeded chips only: the engine has no courier record for it and says why.
  await expect(card.getByTestId('order-action-failed')).toContainText('Отменять нечего');
});

test('с клавиатуры: стрелки по строкам, Enter открывает карточку; «Печать» ведёт в печатные формы', async ({ page }) => {
  await openQueue(page);
  await expectTotal(page, COUNT);
  await page.getByTestId(`order-${seeded[0]!.id}`).focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId(`order-${seeded[2]!.id}`)).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.getByTestId(`order-${seeded.at(-1)!.id}`)).toBeFocused({ timeout: 5_000 });
  await page.keyboard.press('Home');
  await expect(page.getByTestId(`order-${seeded[0]!.id}`)).toBeFocused({ timeout: 5_000 });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const card = page.getByTestId('order-card');
  await expect(card.getByRole('heading', { name: `Заказ ${seeded[1]!.number}` })).toBeVisible();
  await card.getByTestId('order-print').click();
  await expect(card).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Печатные формы', level: 1 })).toBeVisible();
  await expect(page.getByRole('navigation').getByRole('button', { name: 'Печатные формы' })).toHaveAttribute('aria-current', 'page');
});

test('из журнала ошибок «Заказ …» открывает очередь с карточкой этого заказа', async ({ page }) => {
  await page.goto(world.h.ui);
  await page.getByRole('navigation').getByRole('button', { name: /Журнал ошибок/ }).click();
  const first = seeded[0]!;
  await page.getByTestId(`error-order-${first.id}`).first().click();
  await expect(page.getByTestId('orders-screen')).toBeVisible();
  await expect(page.getByTestId('order-card').getByRole('heading', { name: `Заказ ${first.number}` })).toBeVisible();
  await expect(page.getByTestId('order-card').getByTestId('timeline')).toContainText('Создание заказа в MeaSoft');
  // Closing the card leaves the merchant in the queue, with the list behind it.
  await page.getByTestId('order-card-close').click();
  await expect(page.getByTestId('order-card')).toBeHidden();
  await expectTotal(page, COUNT);
});
