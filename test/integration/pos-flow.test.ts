import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { LIFEPOS_POLLER } from '../../src-main/engine/flows/pos/index.js';
import { OTHER_KEY, PRILAVOK_KEY, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { allScopes } from '../emulators/retailcrm/server.js';
import { startLifePosEmulator, type LifePosEmulator } from '../emulators/lifepos/server.js';
import { createLifePosClient } from '../../src-main/engine/connectors/lifepos/index.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { makeOrders, type SeedOrder } from '../emulators/retailcrm/seed.js';
import { tempDir, waitFor } from '../helpers/temp.js';

const LIMITED_KEY = 'limited-key';
let emu: Emulators;
let lp: LifePosEmulator;
let engine: Engine;
let dataDir: string;
let cleanup: () => void;

async function openEngine(): Promise<Engine> {
  const e = await Engine.open({ dataDir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 500 }, runner: { idleMs: 50 } });
  await connectEngine(e, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600, courier: { enabled: false } });
  e.settings.update('lifepos', { url: lp.url, phone: '+7 999 000-00-01', orgGuid: lp.orgGuid, pollIntervalSec: 3600 });
  e.settings.update('pos', {
    enabled: true,
    createStatuses: ['new'],
    closeStatuses: ['cancel-other'],
    refundPaymentStatuses: ['returned'],
    cashPaymentType: 'cash',
    cardPaymentType: 'bank-card',
    paidPaymentStatus: 'paid',
    statusMap: { Completed: 'complete' },
    taskUserGroup: 'integration-support',
  });
  await e.secrets.set('lifepos.password', 'owner-pass');
  await e.start();
  return e;
}

beforeEach(async () => {
  const t = tempDir();
  dataDir = t.dir;
  cleanup = t.cleanup;
  // A third RetailCRM key without the rights to read users and write tasks (a key made for something else).
  const limited = allScopes.filter((x) => x !== 'user_read' && x !== 'task_write');
  emu = await startEmulators({ crm: { keys: [{ key: PRILAVOK_KEY, scopes: [...allScopes] }, { key: OTHER_KEY, scopes: [...allScopes] }, { key: LIMITED_KEY, scopes: limited }] } });
  // The owner the flow signs in as, and a manager whose phone a merchant might type by mistake.
  lp = await startLifePosEmulator({ accounts: [{ phone: '+7 999 000-00-01', password: 'owner-pass', role: 'Owner' }, { phone: '+7 999 000-00-02', password: 'manager-pass', role: 'Manager' }] });
  // The shop's two legal entities exist in LIFE POS too (same INN), each with an outlet.
  const ip = lp.addLegalEntity({ inn: '772814390271', name: 'ИП Соколова' });
  lp.addOutlet({ name: 'Склад на Автозаводской', legalEntityGuid: ip, address: 'Москва, ул. Ленинская Слобода, 19' });
  const ooo = lp.addLegalEntity({ inn: '7813629154', name: 'ООО «Прилавок»' });
  lp.addOutlet({ name: 'Магазин на Петроградской', legalEntityGuid: ooo, address: 'Санкт-Петербург, Каменноостровский пр-т, 26' });
  engine = await openEngine();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
});

afterEach(async () => {
  await engine.stop(0);
  await emu.close();
  await lp.close();
  cleanup();
});

let seq = 0;
/** A new order as a manager creates it: status «Новый», so the trigger status of the POS flow. */
function newOrder(over: Partial<SeedOrder> & Record<string, unknown> = {}) {
  const [base] = makeOrders(1, { seed: 9000 + seq++, statuses: ['new'] });
  return emu.crm.createOrder({ ...base!, externalId: undefined, status: 'new', shipmentStore: 'main', payments: [{ type: 'cash', amount: 0, status: 'not-paid' }], ...over } as never, { source: 'user' });
}

const idle = () => waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 20_000);
const salesOf = (number: string) => lp.sales().filter((s) => s.number === number);
const sync = async () => {
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  await idle();
};
const jobs = (kind: string) => sql(engine.db, 'SELECT state, last_error FROM jobs WHERE kind = ?').all(kind) as Array<{ state: string; last_error: string | null }>;

describe('RetailCRM → LIFE POS', () => {
  it('a new order becomes one sale, again after duplicate triggers, a re-read and a restart', async () => {
    const o = newOrder();
    await sync();
    expect(salesOf(o.number)).toHaveLength(1);
    const sale = salesOf(o.number)[0]!;
    expect(sale.outletGuid).toBe(lp.outlets().find((x) => x.name === 'Склад на Автозаводской')!.guid);
    expect(sale.totalKopecks).toBe(Math.round((o.totalSumm as number) * 100));
    emu.crm.editOrder(o.id, { managerComment: 'перезвонить' }, { source: 'user' });
    await sync();
    const id = engine.orders.idByRef(`retailcrm:${o.id}`)!;
    await engine.api('orders.action', { id, action: 'refresh' });
    await idle();
    await engine.stop(0);
    engine = await openEngine();
    await sync();
    expect(salesOf(o.number)).toHaveLength(1);
    expect(engine.orders.get(id)!.systems.lifepos).toMatchObject({ state: 'New', attention: false });
  });

  it('closed and unpaid → cancelled; closed but paid → refused with a clear message and exactly one RetailCRM task', async () => {
    const unpaid = newOrder();
    const paid = newOrder();
    await sync();
    lp.pay(paid.number, { method: 'Card' });
    emu.crm.editOrder(unpaid.id, { status: 'cancel-other' }, { source: 'user' });
    emu.crm.editOrder(paid.id, { status: 'cancel-other' }, { source: 'user' });
    await sync();
    expect(salesOf(unpaid.number)[0]!.state).toBe('Cancelled');
    expect(salesOf(paid.number)[0]!.state).not.toBe('Cancelled');
    const refused = jobs('lifepos.closeSale').find((j) => j.state === 'attention')!;
    expect(refused.last_error).toMatch(new RegExp(`Заказ №${paid.number} закрыт в RetailCRM, но в LIFE POS он оплачен: отменять оплаченную продажу нельзя`));
    await waitFor(() => emu.crm.tasks().length === 1, 'the task in RetailCRM');
    // More changes and a manual retry of the same problem do not flood the group with tasks.
    emu.crm.editOrder(paid.id, { managerComment: 'клиент звонил' }, { source: 'user' });
    await sync();
    await engine.api('orders.retry', { id: engine.orders.idByRef(`retailcrm:${paid.id}`)! });
    await idle();
    expect(emu.crm.tasks()).toHaveLength(1);
    const task = emu.crm.tasks()[0] as { text: string; performerId: number; order?: { id?: number } };
    expect(task.text).toContain(`заказ №${paid.number}`);
    expect(task.performerId).toBe(12); // the active member of «integration-support»
  });

  it('a returned payment refunds a paid sale; without a LIFE POS payment the refund is a clear error', async () => {
    const a = newOrder();
    const b = newOrder();
    await sync();
    lp.pay(a.number, { method: 'Cash' });
    // A manager marks each order's payment «Возвращён» (payments change through their own endpoint).
    for (const o of [a, b]) {
      const p = Object.values(emu.crm.getOrder(o.id)!.payments)[0]!;
      const res = await fetch(`${emu.crm.url}/api/v5/orders/payments/${p.id}/edit`, {
        method: 'POST',
        headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ by: 'id', payment: JSON.stringify({ status: 'returned' }) }),
      });
      expect(res.status).toBe(200);
    }
    await sync();
    expect(salesOf(a.number)[0]!.payment_status).toBe('Refunded');
    const failed = jobs('lifepos.refundSale').find((j) => j.state === 'attention');
    expect(failed?.last_error).toBe(`Возврат по заказу №${b.number} невозможен: в LIFE POS по нему не было оплаты.`);
  });

  it('an order goes to the outlet of its site\'s legal entity (INN from the site\'s contragent); a missing INN is shown, not guessed', async () => {
    const map = await engine.flows.pos.outletMap(true);
    expect(map.sites).toEqual([
      expect.objectContaining({ site: 'shop', inn: '772814390271', outlets: [expect.objectContaining({ name: 'Склад на Автозаводской' })], problem: null }),
    ]);
    expect(map.stores.map((s) => s.store)).toEqual(['main', 'spb']);
    // LIFE POS loses the site's INN: the connection test and the order both say why.
    await lp.close();
    lp = await startLifePosEmulator();
    const ooo = lp.addLegalEntity({ inn: '7813629154', name: 'ООО «Прилавок»' });
    lp.addOutlet({ name: 'Склад', legalEntityGuid: ooo, address: 'Москва' });
    engine.settings.update('lifepos', { url: lp.url, orgGuid: lp.orgGuid });
    const test = await engine.api('connections.test', { system: 'lifepos' });
    expect(test).toMatchObject({ ok: true, result: { ok: false } });
    const message = (test as { result: { message: string } }).result.message;
    expect(message).toContain('В LIFE POS нет юрлица с ИНН 772814390271');
    expect(message).toContain('«Интернет-магазин «Прилавок»» (ИНН 772814390271) → нет точки');
    const o = newOrder({ shipmentStore: 'spb' });
    await sync();
    const [job] = jobs('lifepos.createSale');
    expect(job!.state).toBe('attention');
    expect(job!.last_error).toMatch(/В LIFE POS нет юрлица с ИНН 772814390271 \(магазин «Интернет-магазин «Прилавок»»\)/);
    expect(salesOf(o.number)).toHaveLength(0);
  });

  it('several outlets of one legal entity: the order waits for the merchant\'s choice per store, then goes there', async () => {
    const ip = lp.legalEntities().find((l) => l.inn === '772814390271')!.guid;
    const second = lp.addOutlet({ name: 'Магазин на Петроградской (ИП)', legalEntityGuid: ip, address: 'Санкт-Петербург' });
    const map = await engine.flows.pos.outletMap(true);
    expect(map.sites[0]).toMatchObject({ site: 'shop', outletGuid: null, problem: expect.stringContaining('несколько торговых точек') });
    // The store «Магазин на Петроградской» is proposed the outlet of the same name.
    expect(map.stores.find((s) => s.store === 'spb')!.proposedGuid).toBe(second);
    const o = newOrder({ shipmentStore: 'spb' });
    await sync();
    expect(jobs('lifepos.createSale')[0]).toMatchObject({ state: 'attention', last_error: expect.stringMatching(/несколько торговых точек.*Выберите её в настройках LIFE POS/) });
    engine.settings.update('pos', { outletByStore: { spb: second } });
    await engine.api('orders.retry', { id: engine.orders.idByRef(`retailcrm:${o.id}`)! });
    await idle();
    expect(salesOf(o.number).map((x) => x.outletGuid)).toEqual([second]);
  });

  it('with no courier role to give, the connection check says so and a courier order waits for the choice', async () => {
    await lp.close();
    lp = await startLifePosEmulator({ staffCourier: false });
    const le = lp.addLegalEntity({ inn: '772814390271', name: 'ИП Соколова' });
    lp.addOutlet({ name: 'Склад на Автозаводской', legalEntityGuid: le, address: 'Москва' });
    engine.settings.update('lifepos', { url: lp.url, orgGuid: lp.orgGuid });
    const test = (await engine.api('connections.test', { system: 'lifepos' })) as { result: { ok: boolean; message: string } };
    expect(test.result.ok).toBe(true);
    expect(test.result.message).toContain('роль для курьеров не выбрана');
    const o = newOrder({ delivery: { code: 'courier', cost: 300, data: { courierId: 2 } } } as never);
    await sync();
    expect(jobs('lifepos.createSale')[0]).toMatchObject({ state: 'attention', last_error: expect.stringContaining('не выбрана роль для курьеров') });
    expect(salesOf(o.number)).toHaveLength(0);
    // The merchant picks a role (here: the owner's) and retries: the courier becomes an employee with it.
    const owner = lp.employees().find((e) => e.role === 'Owner')!;
    const roleGuid = (await createLifePosClient({ config: { url: lp.url, phone: '+7 999 000-00-01', password: 'owner-pass', orgGuid: lp.orgGuid, clientId: 'x' }, redactor: new Redactor() }).rolesInUse())[0]!.guid;
    engine.settings.update('pos', { courierRoleGuid: roleGuid });
    await engine.api('orders.retry', { id: engine.orders.idByRef(`retailcrm:${o.id}`)! });
    await idle();
    expect(salesOf(o.number)).toHaveLength(1);
    expect(lp.employees().find((e) => e.username === 'courier-2')!.role).toBe(owner.role);
  });

  it('a courier on 20 orders becomes one employee with one mobile workplace', async () => {
    const orders = Array.from({ length: 20 }, () => newOrder({ delivery: { code: 'courier', cost: 300, data: { courierId: 2 } } } as never));
    await sync();
    for (const o of orders) expect(salesOf(o.number)).toHaveLength(1);
    const couriers = lp.employees().filter((x) => x.username === 'courier-2');
    expect(couriers).toHaveLength(1);
    const places = lp.workplaces().filter((w) => w.employeeGuid === couriers[0]!.guid);
    expect(places).toHaveLength(1);
    expect(places[0]!.workplace_type).toBe('Mobile');
    expect(new Set(orders.map((o) => salesOf(o.number)[0]!.delivery?.courierGuid))).toEqual(new Set([couriers[0]!.guid]));
  });

  it('cash and card payments taken in LIFE POS become RetailCRM payments of the configured types, once', async () => {
    const cash = newOrder();
    const card = newOrder({ payments: [] } as never);
    await sync();
    lp.pay(cash.number, { method: 'Cash' });
    lp.pay(card.number, { method: 'Card' });
    lp.setState(card.number, { state: 'Completed' });
    await engine.scheduler.syncNow(LIFEPOS_POLLER);
    await idle();
    await engine.scheduler.syncNow(LIFEPOS_POLLER);
    await idle();
    const cashPays = Object.values(emu.crm.getOrder(cash.id)!.payments);
    expect(cashPays).toHaveLength(1);
    expect(cashPays[0]).toMatchObject({ type: 'cash', status: 'paid' });
    const cardPays = Object.values(emu.crm.getOrder(card.id)!.payments);
    expect(cardPays).toHaveLength(1);
    expect(cardPays[0]).toMatchObject({ type: 'bank-card', status: 'paid', amount: card.totalSumm });
    expect(emu.crm.getOrder(card.id)!.status).toBe('complete');
  });

  it('a split payment read from the sale\'s money documents reaches RetailCRM once per part, however often it is seen', async () => {
    const o = newOrder({ payments: [] } as never);
    await sync();
    const sale = salesOf(o.number)[0]!;
    // The line went out in the real shape: sale_price, total_sum, a unit of measure.
    expect(sale.positions[0]).toMatchObject({ uomGuid: lp.uoms()[0]!.guid, type: 'Product' });
    lp.duplicateNotifications(3);
    lp.pay(o.number, { method: 'Mixed', cashKopecks: 10_000 });
    for (let i = 0; i < 3; i++) {
      await engine.scheduler.syncNow(LIFEPOS_POLLER);
      await idle();
    }
    const pays = Object.values(emu.crm.getOrder(o.id)!.payments) as Array<{ type: string; amount: number; status: string; externalId?: string }>;
    expect(pays.map((p) => [p.type, Math.round(p.amount * 100), p.status]).sort()).toEqual([
      ['bank-card', sale.totalKopecks - 10_000, 'paid'],
      ['cash', 10_000, 'paid'],
    ]);
    expect(new Set(pays.map((p) => p.externalId)).size).toBe(2);
  });

  it('the sales poll reads newest first and stops at its cursor: a long history is not walked again', async () => {
    // 250 sales made at the till, then one from RetailCRM.
    const till = createLifePosClient({ config: { url: lp.url, phone: '+7 999 000-00-01', password: 'owner-pass', orgGuid: lp.orgGuid, clientId: 'till' }, redactor: new Redactor() });
    const outlet = lp.outlets()[0]!.guid;
    for (let i = 0; i < 250; i++) await till.createSale({ number: `T-${i}`, outletGuid: outlet, positions: [{ name: 'Товар', quantity: 1, priceKopecks: 100 }] });
    const o = newOrder({ payments: [] } as never);
    await sync();
    const lists = () => lp.requests.filter((r) => r.method === 'GET' && /\/deals\/sales$/.test(r.path)).length;
    await engine.scheduler.syncNow(LIFEPOS_POLLER);
    await idle();
    expect(lists()).toBe(3);
    // One sale changes: the next poll reads one page (the changed sale, then those already seen) and stops.
    lp.pay(o.number, { method: 'Card' });
    await engine.scheduler.syncNow(LIFEPOS_POLLER);
    await idle();
    expect(lists()).toBe(4);
    expect(Object.values(emu.crm.getOrder(o.id)!.payments)).toHaveLength(1);
    // Nothing changed: one page again, nothing written to RetailCRM.
    const posts = emu.crm.requests.filter((r) => r.method === 'POST').length;
    await engine.scheduler.syncNow(LIFEPOS_POLLER);
    await idle();
    expect(lists()).toBe(5);
    expect(emu.crm.requests.filter((r) => r.method === 'POST').length).toBe(posts);
  });

  it('payments that cannot be read are a needs-attention error, not silence', async () => {
    await lp.close();
    lp = await startLifePosEmulator({ moneyDocVersions: [] });
    const le = lp.addLegalEntity({ inn: '772814390271', name: 'ИП Соколова' });
    lp.addOutlet({ name: 'Склад на Автозаводской', legalEntityGuid: le, address: 'Москва' });
    engine.settings.update('lifepos', { url: lp.url, orgGuid: lp.orgGuid });
    const o = newOrder({ payments: [] } as never);
    await sync();
    lp.pay(o.number, { method: 'Cash' });
    await engine.scheduler.syncNow(LIFEPOS_POLLER);
    await idle();
    const [job] = jobs('lifepos.readPayments');
    expect(job).toMatchObject({ state: 'attention', last_error: expect.stringMatching(/оплаты продажи .* не удалось прочитать/) });
    expect(Object.values(emu.crm.getOrder(o.id)!.payments)).toHaveLength(0);
    await waitFor(() => emu.crm.tasks().length === 1, 'the task in RetailCRM');
  });

  it('an expired LIFE POS token is renewed without the merchant noticing', async () => {
    const a = newOrder();
    await sync();
    lp.expireTokens();
    const b = newOrder();
    await sync();
    expect(salesOf(a.number)).toHaveLength(1);
    expect(salesOf(b.number)).toHaveLength(1);
    expect(jobs('lifepos.createSale').every((j) => j.state === 'done')).toBe(true);
  });

  for (const target of ['pos', 'lifepos'] as const) {
    it(`saving the sale settings checks them (${target}): each wrong thing is named exactly; ok when all is right`, async () => {
      const check = async () => ((await engine.api('connections.test', { system: target })) as { ok: boolean; result: { ok: boolean; message: string } }).result;
      const ok = await check();
      expect(ok.ok).toBe(true);
      if (target === 'pos') {
        expect(ok.message).toBe('Настройки LIFE POS проверены: права ключа RetailCRM, типы оплаты, группа для задач и торговые точки в порядке. Магазины: «Интернет-магазин «Прилавок»» (ИНН 772814390271) → Склад на Автозаводской.');
      }
      else expect(ok.message).toBe('LIFE POS подключён: Владелец Тестовый 1, Владелец. Магазины: «Интернет-магазин «Прилавок»» (ИНН 772814390271) → Склад на Автозаводской.');

      // A RetailCRM key without the rights the flow needs: the rights by their names in RetailCRM.
      await engine.secrets.set('retailcrm.apiKey', LIMITED_KEY);
      expect(await check()).toEqual({
        ok: false,
        message: 'У API-ключа RetailCRM не хватает прав для LIFE POS: «Пользователи — получение» (user_read), «Задачи — редактирование» (task_write). Включите их в RetailCRM: Настройки → Интеграция → Ключи доступа к API.',
        detail: null,
      });
      await engine.secrets.set('retailcrm.apiKey', PRILAVOK_KEY);

      // The payment-type codes, cash and card.
      engine.settings.update('pos', { cashPaymentType: 'cash-in-shop' });
      expect((await check()).message).toBe('Тип оплаты наличными «cash-in-shop» не найден в RetailCRM: выберите существующий.');
      engine.settings.update('pos', { cashPaymentType: 'cash', cardPaymentType: 'terminal' });
      expect((await check()).message).toBe('Тип оплаты безналичными «terminal» не найден в RetailCRM: выберите существующий.');
      engine.settings.update('pos', { cardPaymentType: 'bank-card' });

      // The user group for tasks.
      engine.settings.update('pos', { taskUserGroup: 'couriers-night' });
      expect((await check()).message).toBe('Группа пользователей «couriers-night» для задач не найдена в RetailCRM.');
      engine.settings.update('pos', { taskUserGroup: 'integration-support' });

      // An employee who is neither Owner nor Administrator.
      engine.settings.update('lifepos', { phone: '+7 999 000-00-02' });
      await engine.secrets.set('lifepos.password', 'manager-pass');
      expect((await check()).message).toBe('Сотрудник «Менеджер Тестовый 2» в LIFE POS — Менеджер. Нужен Владелец или Администратор: укажите телефон и пароль такого сотрудника.');
      engine.settings.update('lifepos', { phone: '+7 999 000-00-01' });

      // A wrong password (the owner's phone with the manager's password), never echoed.
      const wrong = await check();
      expect(wrong).toMatchObject({ ok: false, message: 'LIFE POS: неверный телефон или пароль. Проверьте их в настройках (сотрудник с ролью Владелец или Администратор).' });
      expect(JSON.stringify(wrong)).not.toContain('manager-pass');
      await engine.secrets.set('lifepos.password', 'owner-pass');

      // A wrong organisation id: the organisations this employee does see, to copy from.
      engine.settings.update('lifepos', { orgGuid: 'no-such-org' });
      expect((await check()).message).toBe(`Организация с ID no-such-org не найдена у этого сотрудника. Доступны: ООО «Прилавок-Тест» (${lp.orgGuid}).`);
      engine.settings.update('lifepos', { orgGuid: lp.orgGuid });

      expect((await check()).ok).toBe(true);
    });
  }

  it('a sale total that matches the order only in the other money unit holds its payments with a clear message', async () => {
    const o = newOrder();
    await sync();
    // The merchant switched «Суммы в API» to roubles while LIFE POS sends kopecks.
    engine.settings.update('lifepos', { moneyUnit: 'major' });
    lp.pay(o.number, { method: 'Cash' });
    await engine.scheduler.syncNow(LIFEPOS_POLLER);
    await idle();
    const [held] = jobs('retailcrm.posPayment');
    expect(held!.state).toBe('attention');
    const total = o.totalSumm as number;
    const wire = Math.round(total * 100);
    const shown = `${total.toFixed(2).replace('.', ',').replace(/,00$/, '')} ₽`;
    expect(held!.last_error).toBe(
      `Оплата из LIFE POS по заказу №${o.number} не записана: сумма продажи в LIFE POS (${wire}) равна сумме заказа в RetailCRM (${shown}), только если считать её в копейках, а в настройках LIFE POS выбрано «Суммы в API» — в рублях. Исправьте настройку и нажмите «Повторить».`,
    );
    // Nothing reached RetailCRM: no payment a hundred times too big.
    expect(Object.values(emu.crm.getOrder(o.id)!.payments).every((p) => p.status !== 'paid')).toBe(true);
    // The setting corrected and the job retried: the payment is written once, with the right amount.
    engine.settings.update('lifepos', { moneyUnit: 'minor' });
    await engine.api('orders.retry', { id: engine.orders.idByRef(`retailcrm:${o.id}`)! });
    await idle();
    const pays = Object.values(emu.crm.getOrder(o.id)!.payments);
    expect(pays).toHaveLength(1);
    expect(pays[0]).toMatchObject({ type: 'cash', status: 'paid', amount: total });
  });

  it('LIFE POS notifications (subscribed on the connection check) bring a payment at once; a duplicate changes nothing', async () => {
    const o = newOrder();
    await sync();
    // The shop's public address (here the local one): the check subscribes LIFE POS to our webhook route.
    engine.settings.update('tunnel', { provider: 'own', ownUrl: engine.webhooks.localUrl });
    expect(await engine.api('connections.test', { system: 'lifepos' })).toMatchObject({ result: { ok: true } });
    expect(lp.subscription()?.primary_url_for_notifications).toBe(engine.webhookUrl('lifepos'));
    lp.duplicateNotifications(1);
    lp.pay(o.number, { method: 'Cash' });
    await lp.notificationsSettled();
    await waitFor(() => Object.values(emu.crm.getOrder(o.id)!.payments).some((p) => p.status === 'paid'), 'the payment in RetailCRM', 10_000);
    await idle();
    expect(Object.values(emu.crm.getOrder(o.id)!.payments)).toHaveLength(1);
    expect(lp.notifications.every((n) => n.status === 200)).toBe(true);
    // The payment's receipt came too: it is not a sale, so nothing looked it up or complained.
    const receipts = lp.notifications.filter((n) => (JSON.parse(n.body) as { type_of?: string }).type_of === 'FiscalDocumentReceipt');
    expect(receipts.length).toBeGreaterThanOrEqual(1);
    const receiptGuid = (JSON.parse(receipts[0]!.body) as { guid: string }).guid;
    const synced = sql(engine.db, "SELECT payload FROM jobs WHERE kind = 'lifepos.syncSale'").all() as Array<{ payload: string }>;
    expect(synced.length).toBeGreaterThan(0);
    expect(synced.every((j) => (JSON.parse(j.payload) as { guid: string }).guid === lp.getSale(o.number)!.guid)).toBe(true);
    expect(synced.some((j) => j.payload.includes(receiptGuid))).toBe(false);
    expect(engine.errors.list({ limit: 100, unreadOnly: false }).filter((e) => e.system === 'lifepos')).toEqual([]);
  });

  it('after hand-off only the store may change: the store moves the sale to its outlet (JSON-Patch, 204); «cancel and resend» makes a new sale', async () => {
    // The site's legal entity has an outlet per store, chosen by the merchant.
    const ip = lp.legalEntities().find((l) => l.inn === '772814390271')!.guid;
    const main = lp.outlets().find((x) => x.name === 'Склад на Автозаводской')!.guid;
    const petrogradka = lp.addOutlet({ name: 'Петроградская (ИП)', legalEntityGuid: ip, address: 'Санкт-Петербург' });
    engine.settings.update('pos', { outletByStore: { main, spb: petrogradka } });
    const o = newOrder();
    await sync();
    const first = salesOf(o.number)[0]!;
    expect(first.outletGuid).toBe(main);
    emu.crm.editOrder(o.id, { shipmentStore: 'spb' }, { source: 'user' });
    await sync();
    expect(lp.getSale(first.guid)!.outletGuid).toBe(petrogradka);
    expect(lp.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(first.guid)).map((r) => r.status)).toEqual([204]);
    // The seed's workaround for other edits: a status that cancels in LIFE POS, then back to the sending status.
    emu.crm.editOrder(o.id, { status: 'cancel-other' }, { source: 'user' });
    await sync();
    expect(lp.getSale(first.guid)!.state).toBe('Cancelled');
    emu.crm.editOrder(o.id, { status: 'new', managerComment: 'состав изменён' }, { source: 'user' });
    await sync();
    expect(salesOf(`${o.number}-2`)).toHaveLength(1);
    expect(salesOf(`${o.number}-2`)[0]!.state).toBe('New');
  });

  it('RetailCRM triggers reach the flow at once: duplicates of the same trigger still make one sale', async () => {
    const t = await engine.api('setup.triggers', {});
    const pos = (t as { result: { triggers: Array<{ name: string; url: string }> } }).result.triggers.find((x) => x.name === 'Прилавок: продажи LIFE POS');
    expect(pos?.url).toBe(engine.webhookUrl('retailcrm'));
    emu.crm.addTrigger({ name: 'LIFE POS', fields: ['status'], url: pos!.url, params: { id: '{{ order.getId() }}', status: '{{ order.getStatus().getCode() }}' } });
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'assembling' }, { source: 'user' });
    emu.crm.editOrder(o.id, { status: 'new' }, { source: 'user' });
    await emu.crm.triggersSettled();
    for (let i = 0; i < 3; i++) {
      await fetch(pos!.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `id=${o.id}&status=new&copy=${i}` });
    }
    await waitFor(() => salesOf(o.number).length === 1, 'the sale from the trigger', 10_000);
    await idle();
    expect(salesOf(o.number)).toHaveLength(1);
  });
});

