import { expect, test, type Page } from '@playwright/test';
import { PRILAVOK_KEY } from '../emulators/courier-world.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { shots, startWorld, type World } from './world.js';

/**
 * A new merchant sets Prilavok up through the wizard on a fresh install — RetailCRM (a wrong key first), MeaSoft,
 * the courier mapping from RetailCRM's own reference books, the triggers to create — and the first order moved
 * to «Передан в доставку» reaches the courier service.
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

/** A full-page picture from the top (the header and the step list are sticky). */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/wizard-${name}.png`, fullPage: true, animations: 'disabled' });
}

async function openSetup(page: Page) {
  await page.goto(world.h.ui);
  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Настройки' }).click();
  await expect(page.getByTestId('setup')).toBeVisible();
}

test('мастер настройки: от пустой установки до заказа, переданного курьеру', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openSetup(page);

  // «Открывать настройку при запуске»: while RetailCRM is not connected, the window opens on the wizard.
  await page.getByTestId('open-on-start').check();
  await page.reload();
  await expect(page.getByTestId('setup')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Настройки' })).toHaveAttribute('aria-current', 'page');

  // A fresh install opens on the first step, RetailCRM, and says the wizard is not done.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Мастер настройки');
  const crm = step(page, 'retailcrm');
  await expect(crm).toBeVisible();
  await expect(page.getByTestId('step-link-retailcrm')).toContainText('Не настроено');
  await shot(page, 'retailcrm-empty');

  // The courier mapping cannot be filled before RetailCRM is connected: it says so and leads back.
  await page.getByTestId('step-link-courier').click();
  await expect(step(page, 'courier').getByTestId('needs-crm')).toContainText('Сначала подключите RetailCRM');
  await shot(page, 'courier-needs-crm');
  await step(page, 'courier').getByRole('button', { name: 'Перейти к шагу RetailCRM' }).click();
  await expect(crm).toBeVisible();

  // A wrong key: the check saves, then tells in Russian what is wrong.
  await crm.getByLabel('Адрес RetailCRM').fill(world.emu.crm.url);
  await crm.getByLabel('API-ключ').fill('not-the-right-key');
  await crm.getByTestId('test-connection').click();
  const result = crm.getByTestId('test-result');
  await expect(result).toHaveAttribute('data-ok', 'false', { timeout: 15_000 });
  await expect(result).toContainText('неверный API-ключ');
  // The key is write-only once saved.
  await expect(crm.getByTestId('secret-saved')).toContainText('ключ сохранён');
  await expect(crm.getByLabel('API-ключ')).toHaveCount(0);
  await expect(page.getByTestId('step-link-retailcrm')).toContainText('Не подключается');
  await shot(page, 'retailcrm-wrong-key');

  // An address that is not a URL is refused by the engine, next to the form, and the field is marked.
  await crm.getByLabel('Адрес RetailCRM').fill('moy-magazin');
  await crm.getByTestId('save').click();
  await expect(crm.getByTestId('save-error')).toContainText('Настройки не сохранены');
  await expect(crm.getByLabel('Адрес RetailCRM')).toHaveAttribute('aria-invalid', 'true');
  await expect(crm.getByTestId('field-crm-url').getByTestId('field-error')).toHaveText('Неверный URL');
  await shot(page, 'retailcrm-invalid');
  await crm.getByLabel('Адрес RetailCRM').fill(world.emu.crm.url);

  // «Заменить» → the right key → ok; the store dropdown fills from RetailCRM.
  await crm.getByRole('button', { name: 'Заменить' }).click();
  await crm.getByLabel('API-ключ').fill(PRILAVOK_KEY);
  await crm.getByTestId('test-connection').click();
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(result).toContainText('RetailCRM подключён');
  await expect(crm.getByLabel('Магазин')).toBeEnabled();
  await expect(page.getByTestId('step-link-retailcrm')).toContainText('Готово');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Настройки');
  await shot(page, 'retailcrm');

  // MeaSoft: service code, login, password.
  await crm.getByTestId('next').click();
  const ms = step(page, 'measoft');
  await expect(ms).toBeVisible();
  await expect(ms.getByRole('heading', { level: 2 })).toBeFocused();
  await ms.getByLabel('Код службы').fill('8');
  await ms.getByLabel('Логин').fill('test');
  await ms.getByLabel('Пароль').fill('testm');
  await ms.getByLabel('Адрес API').fill(`${world.emu.ms.url}/api/`);
  await ms.getByLabel('Проверять статусы доставки').fill('5');
  await ms.getByTestId('test-connection').click();
  await expect(ms.getByTestId('test-result')).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(ms.getByTestId('test-message')).toHaveText('MeaSoft подключён: код службы, логин и пароль приняты.');
  await shot(page, 'measoft');

  // The courier mapping: everything chosen from RetailCRM's reference books.
  await ms.getByTestId('next').click();
  const courier = step(page, 'courier');
  await expect(courier.getByTestId('field-courier-trigger-statuses')).toBeVisible({ timeout: 15_000 });
  await courier.getByRole('switch', { name: 'Отправлять заказы в курьерскую службу' }).check();
  const statusesAdd = courier.getByTestId('field-courier-trigger-statuses').getByRole('combobox');
  // The emulator's own statuses are the options — not free text.
  await expect(statusesAdd.locator('option', { hasText: 'Передан в доставку' })).toHaveCount(1);
  await expect(statusesAdd.locator('option', { hasText: 'Доставка перенесена' })).toHaveCount(1);
  await statusesAdd.selectOption({ label: 'Передан в доставку' });
  await expect(courier.getByTestId('field-courier-trigger-statuses').getByTestId('chip')).toHaveText(['Передан в доставку×']);
  const deliveryAdd = courier.getByTestId('field-courier-delivery-types').getByRole('combobox');
  await deliveryAdd.selectOption({ label: 'Курьер по городу' });
  await deliveryAdd.selectOption({ label: 'Курьер по области' });
  await courier.getByTestId('field-courier-delivery-types').getByRole('button', { name: 'Убрать «Курьер по области»' }).click();
  await expect(courier.getByTestId('field-courier-delivery-types').getByTestId('chip')).toHaveText(['Курьер по городу×']);

  await courier.getByLabel('Статус RetailCRM для «Выдан курьеру на доставку»').selectOption({ label: 'Доставляется' });
  await courier.getByLabel('Статус RetailCRM для «Доставлен»', { exact: true }).selectOption({ label: 'Выполнен' });
  await courier.getByLabel('Статус RetailCRM для «Не доставлен»').selectOption({ label: 'Отменен' });
  // Rare MeaSoft statuses are one click away.
  await expect(courier.getByTestId('map-WMSASSEMBLED')).toHaveCount(0);
  await courier.getByRole('button', { name: /Показать все статусы MeaSoft/ }).click();
  await expect(courier.getByTestId('map-WMSASSEMBLED')).toBeVisible();
  await courier.getByRole('button', { name: 'Показать только основные' }).click();
  await expect(courier.getByTestId('map-WMSASSEMBLED')).toHaveCount(0);

  await courier.getByTestId('field-courier-cod-types').getByRole('combobox').selectOption({ label: 'Наложенный платёж' });
  await courier.getByTestId('field-courier-cod-types').getByRole('combobox').selectOption({ label: 'Наличные' });
  await courier.getByLabel('Тип оплаты, когда курьер принял наличные').selectOption({ label: 'Наличные' });
  await courier.getByLabel('Тип оплаты, когда курьер принял карту').selectOption({ label: 'Банковская карта' });
  await courier.getByLabel('Статус оплаты после доставки').selectOption({ label: 'Оплачен' });
  await courier.getByLabel('Компания', { exact: true }).fill('ИП Лавкина О. С., магазин «Уютный дом»');
  await courier.getByLabel('Телефон', { exact: true }).fill('+7 495 120-45-67');
  await courier.getByLabel('Город', { exact: true }).fill('Москва');
  await courier.getByTestId('save').click();
  await expect(courier.getByRole('status').filter({ hasText: 'Сохранено' })).toBeVisible();
  await expect(page.getByTestId('step-link-courier')).toContainText('Готово');
  await shot(page, 'courier');

  // What was saved is what the engine now holds.
  const saved = await page.evaluate(async () => {
    const res = await fetch('/api/settings.get', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('prilavok.token')}` }, body: '{}' });
    return (await res.json()) as { result: { values: { courier: Record<string, unknown> }; secrets: Record<string, { set: boolean }> } };
  });
  expect(saved.result.values.courier).toMatchObject({
    enabled: true,
    triggerStatuses: ['send-to-delivery'],
    deliveryTypes: ['measoft-city'],
    statusMap: { DELIVERY: 'delivering', COMPLETE: 'complete', CANCELED: 'cancel-other' },
    codPaymentTypes: ['cod', 'cash'],
    paymentTypeMap: { CASH: 'cash', CARD: 'bank-card' },
    paidPaymentStatus: 'paid',
  });
  // The window never learns a secret's value, only that it is set.
  expect(JSON.stringify(saved)).not.toContain(PRILAVOK_KEY);
  expect(saved.result.secrets['retailcrm.apiKey']?.set).toBe(true);

  // LIFE POS is optional: both its steps can be passed by.
  await courier.getByTestId('next').click();
  await expect(step(page, 'lifepos')).toBeVisible();
  await expect(page.getByTestId('step-link-lifepos')).toContainText('Не настроено');
  await step(page, 'lifepos').getByTestId('next').click();
  await expect(step(page, 'pos')).toBeVisible();
  await step(page, 'pos').getByTestId('next').click();
  // The cash register and Leeloo are optional too.
  await expect(step(page, 'kassa')).toBeVisible();
  await step(page, 'kassa').getByTestId('next').click();
  await expect(step(page, 'leeloo')).toBeVisible();
  await step(page, 'leeloo').getByTestId('next').click();
  // Partners with their own API are optional: passed over on a first run.
  await step(page, 'partners').getByTestId('next').click();

  // Incoming requests: the local server answers.
  const general = step(page, 'general');
  await expect(general).toBeVisible();
  await general.getByTestId('test-connection').click();
  await expect(general.getByTestId('test-result')).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await shot(page, 'general');

  // Access from the internet is optional: without it the triggers point at this computer.
  await general.getByTestId('next').click();
  await expect(step(page, 'tunnel')).toBeVisible();
  await expect(page.getByTestId('step-link-tunnel')).toContainText('Не настроено');
  await step(page, 'tunnel').getByTestId('next').click();
  // Requests from the website are optional too.
  await expect(step(page, 'forms')).toBeVisible();
  await expect(page.getByTestId('step-link-forms')).toContainText('Не настроено');
  await step(page, 'forms').getByTestId('next').click();

  // The triggers to create in RetailCRM, with our URL and copy buttons.
  const triggers = step(page, 'triggers');
  await expect(triggers.getByTestId('triggers')).toBeVisible();
  const url = (await triggers.getByTestId('triggers-url').locator('code').textContent()) ?? '';
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/retailcrm\/\S+$/);
  await expect(triggers.getByTestId('trigger-1').getByTestId('trigger-url')).toContainText(url);
  await expect(triggers.getByTestId('trigger-1').getByTestId('trigger-condition')).toContainText('["measoft-city"]');
  await expect(triggers.getByTestId('trigger-1').getByTestId('trigger-param-id')).toContainText('{{ order.getId() }}');
  await expect(triggers.getByTestId('triggers-local')).toBeVisible();
  await triggers.getByTestId('trigger-1').getByRole('button', { name: 'Копировать: Адрес (URL), Триггер 1' }).click();
  await expect(triggers.getByTestId('trigger-1').getByTestId('trigger-url').getByRole('button')).toHaveText('Скопировано');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  await triggers.getByTestId('trigger-1').getByRole('button', { name: 'Копировать: Значение id' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('{{ order.getId() }}');
  await shot(page, 'triggers');

  // End to end: a manager moves a new order to «Передан в доставку»; «Синхронизировать сейчас» brings it to MeaSoft.
  const [seed] = makeOrders(1, { seed: 20260415, statuses: ['new'] });
  const order = world.emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'new',
      phone: '+7 916 555-12-34',
      delivery: {
        ...seed!.delivery,
        code: 'measoft-city',
        address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
  world.emu.crm.editOrder(order.id, { status: 'send-to-delivery' }, { source: 'user' });

  await triggers.getByTestId('finish').click();
  await expect(page.getByTestId('dashboard')).toBeVisible();
  const inMeasoft = () => world.emu.ms.orders().filter((o) => o.orderno === order.number || o.orderno.startsWith(`${order.number}-`));
  await expect
    .poll(
      async () => {
        if (inMeasoft().length === 0) await page.getByTestId('sync-now').click();
        return inMeasoft().length;
      },
      { timeout: 30_000, intervals: [500, 1000, 2000] },
    )
    .toBe(1);
  const sent = inMeasoft()[0]!;
  expect(sent.receiver.phone).toBe('+7 916 555-12-34');
  await expect(page.getByTestId('system-retailcrm')).not.toContainText('Не настроено');

  // The merchant sees it arrive in the order queue, with its courier status.
  await page.getByTestId('nav-queue').click();
  await page.getByTestId('orders-search').fill(order.number);
  const row = page.locator('[data-testid^="order-"]').filter({ hasText: order.number }).first();
  await expect(row).toBeVisible();
  await expect(row.getByTestId('chip-measoft')).toBeVisible();
  await shot(page, 'order-arrived');
});

test('настройки после мастера: сохранённое на месте, ключ не показывается, черновик переживает переход между шагами', async ({ page }) => {
  await openSetup(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Настройки');
  for (const id of ['retailcrm', 'measoft', 'courier']) await expect(page.getByTestId(`step-link-${id}`)).toContainText('Готово');
  const crm = step(page, 'retailcrm');
  await page.getByTestId('step-link-retailcrm').click();
  await expect(crm.getByLabel('Адрес RetailCRM')).toHaveValue(world.emu.crm.url);
  await expect(crm.getByTestId('secret-saved')).toBeVisible();
  expect(await page.content()).not.toContain(PRILAVOK_KEY);

  // Unsaved input stays while the merchant looks at another step, and the step list says it is unsaved.
  await page.getByTestId('step-link-measoft').click();
  const ms = step(page, 'measoft');
  await expect(ms.getByLabel('Логин')).toHaveValue('test');
  await ms.getByLabel('Логин').fill('test2');
  await page.getByTestId('step-link-courier').click();
  await expect(page.getByTestId('step-link-measoft')).toContainText('не сохранено');
  await page.getByTestId('step-link-measoft').click();
  await expect(ms.getByLabel('Логин')).toHaveValue('test2');
  await ms.getByLabel('Логин').fill('test');
  await expect(page.getByTestId('step-link-measoft')).not.toContainText('не сохранено');

  await shot(page, 'settings');

  // With RetailCRM connected, «Открывать настройку при запуске» no longer takes over: the window opens on the overview.
  await page.getByTestId('open-on-start').check();
  expect(await page.evaluate(() => localStorage.getItem('prilavok.setupOnStart'))).toBe('1');
  await page.reload();
  await expect(page.getByTestId('dashboard')).toBeVisible();
});
