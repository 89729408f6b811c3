import { expect, test, type Page } from '@playwright/test';
import { startLifePosEmulator, type LifePosEmulator } from '../emulators/lifepos/server.js';
import { shots, startWorld, type World } from './world.js';

/**
 * A merchant whose RetailCRM and courier service already work connects LIFE POS in «Настройки»: the connection
 * check names each problem in turn (a wrong organisation id, a wrong password, a site whose legal entity LIFE POS
 * does not know), then the sale mapping is chosen from RetailCRM's reference books — the outlet per store proposed
 * by name where the site's legal entity has several — and saved.
 */

let world: World;
let lp: LifePosEmulator;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  world = await startWorld({ configured: true });
  lp = await startLifePosEmulator();
  // The shop's site belongs to ИП Соколова (ИНН 772814390271), not yet known to LIFE POS; another company is.
  const prilavok = lp.addLegalEntity({ inn: '7813629154', name: 'ООО «Прилавок»' });
  lp.addOutlet({ name: 'Офис ООО', legalEntityGuid: prilavok, address: 'г. Санкт-Петербург, Каменноостровский пр-т, д. 26-28' });
});

test.afterAll(async () => {
  await lp?.close();
  await world?.close();
});

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/wizard-${name}.png`, fullPage: true, animations: 'disabled' });
}

async function settingsGet(page: Page) {
  return page.evaluate(async () => {
    const res = await fetch('/api/settings.get', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('prilavok.token')}` }, body: '{}' });
    return (await res.json()) as { result: { values: Record<string, Record<string, unknown>>; secrets: Record<string, { set: boolean }> } };
  });
}

test('LIFE POS в настройках: проверка называет каждую проблему, сопоставление продаж выбирается из RetailCRM', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(world.h.ui);
  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Настройки' }).click();
  await expect(page.getByTestId('setup')).toBeVisible();

  // The two LIFE POS steps follow the courier mapping.
  const links = page.getByRole('navigation', { name: 'Шаги настройки' }).locator('.setup-steps__title');
  await expect(links).toHaveText(['RetailCRM', 'MeaSoft', 'Курьерская доставка', 'LIFE POS', 'Касса и доставка LIFE POS', 'Онлайн-касса', 'Leeloo.ai', 'Партнёры (проверка статусов)', 'Входящие запросы', 'Доступ из интернета', 'Заявки с сайта', 'Триггеры RetailCRM']);
  await expect(page.getByTestId('step-link-lifepos')).toContainText('Не настроено');

  await page.getByTestId('step-link-lifepos').click();
  const lps = step(page, 'lifepos');
  await expect(lps).toBeVisible();
  await expect(lps.getByLabel('Суммы в API')).toHaveValue('minor');

  // A wrong organisation id: the check names it and lists the organisations the employee has.
  await lps.getByLabel('ID организации').fill('not-my-org');
  await lps.getByLabel('Телефон сотрудника').fill('+7 999 000-00-01');
  await lps.getByLabel('Пароль сотрудника').fill('owner-pass');
  await lps.getByLabel('Адрес API').fill(lp.url);
  await lps.getByLabel('Проверять продажи').fill('30');
  await lps.getByTestId('test-connection').click();
  const result = lps.getByTestId('test-result');
  await expect(result).toHaveAttribute('data-ok', 'false', { timeout: 15_000 });
  await expect(lps.getByTestId('test-message')).toContainText('Организация с ID not-my-org не найдена у этого сотрудника');
  await expect(lps.getByTestId('test-message')).toContainText(lp.orgGuid);
  await expect(lps.getByTestId('secret-saved')).toContainText('пароль сохранён');
  await expect(page.getByTestId('step-link-lifepos')).toContainText('Не подключается');

  // The right organisation, a wrong password: the sign-in is refused in Russian.
  await lps.getByLabel('ID организации').fill(lp.orgGuid);
  await lps.getByRole('button', { name: 'Заменить' }).click();
  await lps.getByLabel('Пароль сотрудника').fill('wrong-pass');
  await lps.getByTestId('test-connection').click();
  await expect(lps.getByTestId('test-message')).toContainText('неверный телефон или пароль', { timeout: 15_000 });
  await expect(result).toHaveAttribute('data-ok', 'false');
  await expect(lps.getByTestId('test-message')).not.toContainText('wrong-pass');

  // The right password: signed in, but the site's legal entity (from RetailCRM's site settings) is unknown to
  // LIFE POS — by site name and INN.
  await lps.getByRole('button', { name: 'Заменить' }).click();
  await lps.getByLabel('Пароль сотрудника').fill('owner-pass');
  await lps.getByTestId('test-connection').click();
  await expect(lps.getByTestId('test-message')).toContainText('не для всех магазинов RetailCRM найдена торговая точка', { timeout: 15_000 });
  await expect(result).toHaveAttribute('data-ok', 'false');
  await expect(lps.getByTestId('test-message')).toContainText('В LIFE POS нет юрлица с ИНН 772814390271 (магазин «Интернет-магазин «Прилавок»»)');
  await shot(page, 'lifepos-inn');

  // The merchant adds the legal entity in LIFE POS with its two outlets: the check passes and shows the site.
  const sokolova = lp.addLegalEntity({ inn: '772814390271', name: 'ИП Соколова' });
  lp.addOutlet({ name: 'Склад на Автозаводской', legalEntityGuid: sokolova, address: 'г. Москва, ул. Ленинская Слобода, д. 19' });
  lp.addOutlet({ name: 'Магазин на Петроградской', legalEntityGuid: sokolova, address: 'г. Санкт-Петербург, Каменноостровский пр-т, д. 26-28' });
  await lps.getByTestId('test-connection').click();
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(lps.getByTestId('test-message')).toContainText('LIFE POS подключён');
  await expect(lps.getByTestId('test-message')).toContainText('«Интернет-магазин «Прилавок»» (ИНН 772814390271) → точка не выбрана');
  await expect(page.getByTestId('step-link-lifepos')).toContainText('Готово');
  await shot(page, 'lifepos');

  // The sale mapping, all from RetailCRM's reference books.
  await lps.getByTestId('next').click();
  const pos = step(page, 'pos');
  await expect(pos).toBeVisible();
  await expect(pos.getByTestId('field-pos-create-statuses')).toBeVisible({ timeout: 15_000 });
  await pos.getByRole('switch', { name: 'Передавать заказы в LIFE POS' }).check();

  // The defaults are there as chips; the merchant adjusts them.
  const create = pos.getByTestId('field-pos-create-statuses');
  await expect(create.getByTestId('chip')).toHaveText(['Новый×']);
  await create.getByRole('combobox').selectOption({ label: 'Согласовано с клиентом' });
  await create.getByRole('button', { name: 'Убрать «Новый»' }).click();
  await expect(create.getByTestId('chip')).toHaveText(['Согласовано с клиентом×']);
  const close = pos.getByTestId('field-pos-close-statuses');
  // The seed's defaults: «Возвращен» (RetailCRM's «Возврат») and «Отменен».
  await expect(close.getByTestId('chip')).toHaveText(['Возврат×', 'Отменен×']);
  await close.getByRole('combobox').selectOption({ label: 'Нет в наличии' });
  const refund = pos.getByTestId('field-pos-refund-statuses');
  await expect(refund.getByTestId('chip')).toHaveText(['Возвращён×']);
  await expect(refund.getByRole('combobox').locator('option', { hasText: 'Ошибка оплаты' })).toHaveCount(1);

  // LIFE POS sale states → RetailCRM statuses, the left column in LIFE POS terms.
  const map = pos.getByTestId('field-pos-status-map');
  await expect(map.getByRole('columnheader')).toHaveText(['Состояние в LIFE POS', 'Статус в RetailCRM']);
  await expect(map.locator('tbody th .setup-map__title')).toHaveText(['Новая продажа', 'В работе', 'Завершена', 'Отменена']);
  await pos.getByLabel('Статус RetailCRM для «В работе»').selectOption({ label: 'Комплектуется' });
  await pos.getByLabel('Статус RetailCRM для «Завершена»').selectOption({ label: 'Выполнен' });
  await pos.getByLabel('Статус RetailCRM для «Отменена»').selectOption({ label: 'Отменен' });

  await pos.getByLabel('Тип оплаты для наличных').selectOption({ label: 'Наличные' });
  await pos.getByLabel('Тип оплаты для карты').selectOption({ label: 'Банковская карта' });
  await expect(pos.getByLabel('Статус оплаты', { exact: true })).toHaveValue('paid');
  const group = pos.getByLabel('Группа пользователей для задач');
  await expect(group.locator('option')).toHaveText(['— задачи не ставить —', 'Менеджеры', 'Курьеры', 'Интеграции', 'Администраторы']);
  await group.selectOption({ label: 'Интеграции' });

  // Outlets: the site with its INN; its legal entity has two outlets, so each store gets one, proposed by name.
  const sites = pos.getByTestId('field-pos-outlet-sites');
  // Read when the step was first shown; the merchant changed LIFE POS since, so reads it again.
  await sites.getByRole('button', { name: 'Обновить' }).click();
  await expect(sites.getByTestId('outlet-site-shop')).toContainText('772814390271');
  await expect(sites.getByTestId('outlet-site-shop')).toContainText('по складу');
  await expect(sites.getByTestId('outlet-site-shop')).toContainText('Индивидуальный предприниматель Соколова Анна Викторовна');
  const stores = pos.getByTestId('field-pos-outlet-stores');
  await expect(pos.getByLabel('Торговая точка для склада «Склад на Автозаводской»').locator('option:checked')).toHaveText('Склад на Автозаводской');
  await expect(pos.getByLabel('Торговая точка для склада «Магазин на Петроградской»').locator('option:checked')).toHaveText('Магазин на Петроградской');
  await expect(stores.getByTestId('proposed')).toHaveCount(2);
  // Couriers get a role the organisation's employees have.
  await expect(pos.getByLabel('Роль курьера в LIFE POS').locator('option')).toContainText(['— роль с названием «Курьер» —', 'Курьер — Курьер Штатный']);
  await pos.getByLabel('Роль курьера в LIFE POS').selectOption({ label: 'Курьер — Курьер Штатный' });
  await shot(page, 'pos-outlets');
  await pos.getByRole('region', { name: 'Торговые точки' }).screenshot({ path: `${shots}/wizard-pos-outlets-table.png`, animations: 'disabled' });
  await pos.getByTestId('save').click();
  await expect(pos.getByRole('status').filter({ hasText: 'Сохранено' })).toBeVisible();
  // Saving checks what was saved, as the vendor's connector form does: rights, codes, group, outlets.
  await expect(pos.getByTestId('test-result')).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(pos.getByTestId('test-message')).toHaveText(
    'Настройки LIFE POS проверены: права ключа RetailCRM, типы оплаты, группа для задач и торговые точки в порядке. Магазины: «Интернет-магазин «Прилавок»» (ИНН 772814390271) → по складам. Склады: склад «Склад на Автозаводской» → Склад на Автозаводской; склад «Магазин на Петроградской» → Магазин на Петроградской.',
  );
  await expect(page.getByTestId('step-link-pos')).toContainText('Готово');
  await shot(page, 'pos');

  // What was saved is what the engine now holds; the password is only «set».
  const saved = await settingsGet(page);
  expect(saved.result.values.lifepos).toMatchObject({ url: lp.url, orgGuid: lp.orgGuid, phone: '+7 999 000-00-01', moneyUnit: 'minor', pollIntervalSec: 30 });
  expect(saved.result.values.pos).toEqual({
    enabled: true,
    createStatuses: ['client-confirmed'],
    closeStatuses: ['refund', 'cancel-other', 'no-product'],
    refundPaymentStatuses: ['returned'],
    cashPaymentType: 'cash',
    cardPaymentType: 'bank-card',
    paidPaymentStatus: 'paid',
    statusMap: { InProgress: 'assembling', Completed: 'complete', Cancelled: 'cancel-other' },
    taskUserGroup: 'integration-support',
    outletBySite: {},
    outletByStore: { main: expect.any(String), spb: expect.any(String) },
    courierRoleGuid: expect.any(String),
  });
  const byName = Object.fromEntries(lp.outlets().map((o) => [o.name, o.guid]));
  expect(saved.result.values.pos!.outletByStore).toEqual({ main: byName['Склад на Автозаводской'], spb: byName['Магазин на Петроградской'] });
  expect(saved.result.secrets['lifepos.password']?.set).toBe(true);
  expect(JSON.stringify(saved)).not.toContain('owner-pass');

  // With the mapping saved, the connection check still passes (it checks the chosen codes too).
  await page.getByTestId('step-link-lifepos').click();
  await lps.getByTestId('test-connection').click();
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(lps.getByTestId('test-message')).not.toContainText('выключена');
});
