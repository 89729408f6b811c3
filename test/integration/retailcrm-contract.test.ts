import { afterEach, describe, expect, it } from 'vitest';
import { createRetailCrmClient, isOwnChange, type RetailCrmClient } from '../../src-main/engine/connectors/retailcrm/index.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { RateLimiters } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { allScopes, startRetailCrmEmulator, type RetailCrmEmulator, type RetailCrmEmulatorOptions } from '../emulators/retailcrm/server.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { listen, readBody, type TestServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/temp.js';

const KEY = 'Rk-main-0123456789abcdef';
const OTHER = 'Rk-other-fedcba9876543210';
const READER = 'Rk-reader-55555555';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function emulator(opts: RetailCrmEmulatorOptions = {}): Promise<RetailCrmEmulator> {
  const emu = await startRetailCrmEmulator({
    keys: [
      { key: KEY, scopes: allScopes },
      { key: OTHER, scopes: allScopes },
      { key: READER, scopes: ['order_read', 'reference_read'] },
    ],
    rateLimit: 0,
    ...opts,
  });
  cleanups.push(() => emu.close());
  return emu;
}

function client(emu: RetailCrmEmulator, over: { apiKey?: string; site?: string | null; limiters?: RateLimiters; redactor?: Redactor; ratePerSec?: number } = {}): RetailCrmClient {
  return createRetailCrmClient({
    config: { url: emu.url, apiKey: over.apiKey ?? KEY, site: over.site ?? null },
    redactor: over.redactor ?? new Redactor(),
    limiters: over.limiters ?? new RateLimiters(),
    ratePerSec: over.ratePerSec ?? 200,
    timeoutMs: 5000,
  });
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

async function raw(emu: RetailCrmEmulator, path: string, init: { key?: string; form?: Record<string, string> } = {}) {
  const res = await fetch(`${emu.url}${path}`, {
    method: init.form ? 'POST' : 'GET',
    headers: { 'x-api-key': init.key ?? KEY, ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const sampleOrder = () => ({
  externalId: 'web-100500',
  firstName: 'Ольга',
  lastName: 'Морозова',
  phone: '+79161234567',
  email: 'olga@mail.ru',
  weight: 1250,
  items: [
    { offer: { id: 101 }, quantity: 2, initialPrice: 1890 },
    { productName: 'Пастила яблочная, 200 г', quantity: 1, initialPrice: 380 },
  ],
  delivery: {
    code: 'measoft-city',
    cost: 290,
    date: '2024-05-20',
    time: { from: '09:00', to: '13:00' },
    address: { city: 'Москва', street: 'ул. Тверская', building: '7', flat: '12', text: 'г. Москва, ул. Тверская, д. 7, кв. 12' },
  },
  payments: [{ type: 'cod', amount: 4450, status: 'not-paid' }],
});

describe('RetailCRM client against the emulator', () => {
  it('reads credentials, scopes and the reference books', async () => {
    const emu = await emulator({ sites: ['shop', 'spb'] });
    const c = client(emu);
    const cred = await c.credentials();
    expect(cred).toMatchObject({ siteAccess: 'access_full', sitesAvailable: ['shop', 'spb'] });
    expect(cred.scopes).toContain('order_write');
    expect(await client(emu, { apiKey: READER }).checkScopes(['order_read', 'order_write', 'task_write'])).toEqual({
      ok: false,
      missing: ['order_write', 'task_write'],
      sitesAvailable: ['shop', 'spb'],
    });

    const statuses = await c.statuses();
    expect(statuses.find((s) => s.code === 'send-to-delivery')).toMatchObject({ name: 'Передан в доставку', group: 'delivery', active: true });
    const groups = await c.statusGroups();
    expect(groups.find((g) => g.code === 'cancel')?.statuses).toContain('cancel-other');
    const dts = await c.deliveryTypes();
    expect(dts.find((d) => d.code === 'measoft-city')).toMatchObject({ name: 'Курьер по городу' });
    expect(dts.find((d) => d.code === 'measoft-region')?.deliveryPaymentTypes).toContainEqual(expect.objectContaining({ code: 'cod', cod: true }));
    expect((await c.paymentTypes()).find((p) => p.code === 'cod')?.name).toBe('Наложенный платёж');
    const ps = await c.paymentStatuses();
    expect(ps.find((p) => p.code === 'paid')?.paymentComplete).toBe(true);
    expect(ps.find((p) => p.code === 'not-paid')?.paymentComplete).toBe(false);
    const stores = await c.stores();
    expect(stores.map((s) => s.code)).toEqual(['main', 'spb']);
    expect((await c.sites()).map((s) => s.code)).toEqual(['shop', 'spb']);
    const les = await c.legalEntities();
    expect(les.find((l) => l.code === 'ooo-prilavok')).toMatchObject({ inn: '7813629154', legalName: expect.stringContaining('Прилавок') });
    const couriers = await c.couriers();
    expect(couriers[0]).toMatchObject({ id: 1, firstName: 'Дмитрий', lastName: 'Кузнецов', phone: '+79161112233', active: true });
    expect(couriers.some((x) => !x.active)).toBe(true);

    const users = await c.users({ groups: ['integration-support'], active: true });
    expect(users.map((u) => u.id)).toEqual([12]);
    expect((await c.userGroups()).find((g) => g.code === 'couriers')?.isDeliveryMen).toBe(true);
  });

  it('creates (201), reads and edits orders; payments are a map on the wire and a list in the client', async () => {
    const emu = await emulator();
    const c = client(emu);
    const created = await c.orderCreate(sampleOrder());
    expect(created.id).toBeGreaterThan(0);
    expect(created.order).toMatchObject({ externalId: 'web-100500', status: 'new', site: 'shop', summ: 4160, totalSumm: 4450, prepaySum: 0 });
    expect(emu.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v5/orders/create', status: 201, key: KEY });

    const wire = await raw(emu, `/api/v5/orders/${created.id}?by=id`);
    const payments = (wire.json.order as Record<string, unknown>).payments as Record<string, unknown>;
    expect(Array.isArray(payments)).toBe(false);
    expect(Object.keys(payments)).toHaveLength(1);

    const byId = await c.orderGet(created.id, 'id');
    expect(byId.payments).toEqual([expect.objectContaining({ type: 'cod', amount: 4450, status: 'not-paid' })]);
    expect(byId.delivery).toMatchObject({ code: 'measoft-city', cost: 290, date: '2024-05-20', time: { from: '09:00', to: '13:00' } });
    expect(byId.delivery?.address).toMatchObject({ city: 'Москва', street: 'ул. Тверская', flat: '12' });
    expect(byId.items[0]).toMatchObject({ quantity: 2, initialPrice: 1890, offer: { id: 101, article: 'TEA-357' } });
    expect(byId.weight).toBe(1250);
    const byExt = await c.orderGet('web-100500', 'externalId');
    expect(byExt.id).toBe(created.id);

    const edited = await c.orderEdit(created.id, 'id', { status: 'send-to-delivery', managerComment: 'Хрупкое' });
    expect(edited.id).toBe(created.id);
    expect(emu.getOrder(created.id)).toMatchObject({ status: 'send-to-delivery', managerComment: 'Хрупкое' });
    const sent = emu.requests.at(-1)!;
    expect(sent).toMatchObject({ path: `/api/v5/orders/${created.id}/edit`, status: 200 });
  });

  it('surfaces RetailCRM field errors in the merchant message', async () => {
    const emu = await emulator();
    const c = client(emu);
    const badStatus = await failure(c.orderCreate({ ...sampleOrder(), status: 'no-such-status' }));
    expect(badStatus.kind).toBe('needsAttention');
    expect(badStatus.code).toBe(400);
    expect(badStatus.message).toContain('Errors in the entity format');
    expect(badStatus.message).toContain('status: Status with code "no-such-status" not found.');

    const badDelivery = await failure(c.orderCreate({ ...sampleOrder(), delivery: { code: 'teleport' } }));
    expect(badDelivery.message).toContain('delivery.code');
    const badPay = await failure(c.orderCreate({ ...sampleOrder(), payments: [{ type: 'barter', amount: 1 }] }));
    expect(badPay.message).toContain('payments[0].type');

    const noRef = await failure(c.paymentCreate({ order: {}, type: 'cash', amount: 100 }));
    expect(noRef.message).toContain('order: Set one of the following fields: id, externalId, number');
    const noPerformer = await failure(c.taskCreate({ text: 'Проверить заказ' } as unknown as { text: string; performerId: number }));
    expect(noPerformer.message).toContain('Task is not loaded');
    expect(noPerformer.message).toContain('performerId: This value should not be blank.');
    const noCustomer = await failure(c.orderCreate({ ...sampleOrder(), customer: { externalId: 'c-2106' } }));
    expect(noCustomer.message).toContain('customer.externalId: Customer with externalId=c-2106 not found.');
    // Nothing was created by the failed calls.
    expect(emu.orders()).toHaveLength(0);
  });

  it('maps 403 and 404 answers and keeps the key out of every error', async () => {
    const emu = await emulator();
    const redactor = new Redactor();
    const wrong = await failure(client(emu, { apiKey: 'Rk-wrong-000000000', redactor }).statuses());
    expect(wrong.kind).toBe('auth');
    expect(wrong.message).toMatch(/неверный API-ключ/);
    expect(wrong.detail).not.toContain('Rk-wrong-000000000');

    const denied = await failure(client(emu, { apiKey: READER }).orderCreate(sampleOrder()));
    expect(denied.kind).toBe('auth');
    expect(denied.message).toMatch(/нет доступа к методу/);

    const missing = await raw(emu, '/api/v5/orders', { key: '' });
    expect(missing).toMatchObject({ status: 403, json: { success: false, errorMsg: '"apiKey" is missing.' } });
    // The historic apiKey parameter works as well.
    const byParam = await fetch(`${emu.url}/api/v5/reference/statuses?apiKey=${KEY}`);
    expect(byParam.status).toBe(200);

    const c = client(emu, { redactor });
    const nf = await failure(c.orderGet(424242, 'id'));
    expect(nf.kind).toBe('needsAttention');
    expect(nf.code).toBe(404);
    expect(nf.message).toMatch(/не найден/);
    expect(`${nf.message}${nf.detail}`).not.toContain(KEY);
    const nfPay = await failure(c.paymentEdit(999, 'id', { status: 'paid' }));
    expect(nfPay.message).toContain('Payment not found');
    // The key travels in a header, never in a URL.
    expect(emu.requests.every((r) => !r.path.includes(KEY))).toBe(true);
  });

  it('answers an HTML page for a missing account with a clear message', async () => {
    const s: TestServer = await listen((_req, res) => {
      res.writeHead(405, { 'content-type': 'text/html' }).end('<html><head><title>405 Not Allowed</title></head><body>nginx</body></html>');
    });
    cleanups.push(() => s.close());
    const c = createRetailCrmClient({ config: { url: s.url, apiKey: KEY }, redactor: new Redactor(), limiters: new RateLimiters() });
    const e = await failure(c.orderCreate(sampleOrder()));
    expect(e.kind).toBe('needsAttention');
    expect(e.message).toBe('Аккаунт RetailCRM не найден: проверьте адрес в настройках.');
  });

  it('requires site when the key spans several stores, and passes the configured one', async () => {
    const emu = await emulator({ sites: ['shop', 'spb'] });
    const e = await failure(client(emu).orderCreate(sampleOrder()));
    expect(e.kind).toBe('needsAttention');
    expect(e.message).toMatch(/не указан магазин.*укажите магазин в настройках/);
    expect(e.detail).toContain("Parameter 'site' is missing");
    const ok = await client(emu, { site: 'spb' }).orderCreate(sampleOrder());
    expect(emu.getOrder(ok.id)?.site).toBe('spb');
    const explicit = await client(emu).orderCreate({ ...sampleOrder(), externalId: 'web-2' }, 'shop');
    expect(emu.getOrder(explicit.id)?.site).toBe('shop');
    // A payment write needs it too.
    const pe = await failure(client(emu).paymentCreate({ order: { id: ok.id }, type: 'cash', amount: 10 }));
    expect(pe.message).toMatch(/укажите магазин в настройках/);
  });

  it('pages and filters the order list', async () => {
    const emu = await emulator();
    for (const o of makeOrders(45, { seed: 7 })) emu.createOrder(o);
    const c = client(emu);
    const p1 = await c.ordersList({}, 1, 20);
    expect(p1.pagination).toEqual({ limit: 20, totalCount: 45, currentPage: 1, totalPageCount: 3 });
    expect(p1.orders).toHaveLength(20);
    const p3 = await c.ordersList({}, 3, 20);
    expect(p3.orders).toHaveLength(5);
    const all = new Set([...p1.orders, ...(await c.ordersList({}, 2, 20)).orders, ...p3.orders].map((o) => o.id));
    expect(all.size).toBe(45);

    const ids = [...all].slice(0, 3);
    const byIds = await c.ordersList({ ids }, 1, 100);
    expect(byIds.orders.map((o) => o.id).sort()).toEqual([...ids].sort());
    // PHP-style indexed arrays work the same way.
    const php = await raw(emu, `/api/v5/orders?filter[ids][0]=${ids[0]}&filter[ids][1]=${ids[1]}`);
    expect((php.json.orders as unknown[]).length).toBe(2);

    const measoft = await c.ordersList({ deliveryTypes: ['measoft-city', 'measoft-region'] }, 1, 100);
    expect(measoft.orders.length).toBeGreaterThan(0);
    expect(measoft.orders.every((o) => o.delivery?.code?.startsWith('measoft-'))).toBe(true);
    const delivery = await c.ordersList({ extendedStatus: ['delivery'] }, 1, 100);
    expect(delivery.orders.every((o) => ['send-to-delivery', 'delivering', 'redirect', 'ready-for-self-pickup'].includes(o.status))).toBe(true);

    const badLimit = await raw(emu, '/api/v5/orders?limit=25');
    expect(badLimit.status).toBe(400);
    expect(badLimit.json.errorMsg).toBe('Errors in the input parameters');
    const badDate = await failure(c.ordersList({ createdAtFrom: 'вчера' }));
    expect(badDate.message).toContain('children[createdAtFrom]');
  });

  it('keeps a history with one record per changed field, a global id, sinceId and apiKey.current relative to the caller', async () => {
    const emu = await emulator();
    const mine = client(emu);
    const theirs = client(emu, { apiKey: OTHER });
    const a = await mine.orderCreate(sampleOrder());
    const b = emu.createOrder(makeOrders(1, { seed: 3 })[0]!, { source: 'user' });
    await theirs.orderEdit(a.id, 'id', { status: 'assembling', phone: '+79160000000', delivery: { address: { street: 'ул. Покровка' } } });
    emu.editOrder(b.id, { managerComment: 'Позвонить' });

    const first = await mine.history({});
    const recs = first.history;
    expect(recs.map((r) => r.id)).toEqual([...recs.map((r) => r.id)].sort((x, y) => x - y));
    expect(new Set(recs.map((r) => r.id)).size).toBe(recs.length);
    expect(first.generatedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const created = recs.find((r) => r.created && r.order.id === a.id)!;
    expect(created).toMatchObject({ source: 'api', apiKey: { current: true }, field: 'status', newValue: { code: 'new' } });
    expect(isOwnChange(created)).toBe(true);
    expect(Array.isArray((created.order as Record<string, unknown>).payments)).toBe(true);
    expect((created.order as Record<string, unknown>).firstName).toBe('Ольга');

    const theirEdits = recs.filter((r) => r.order.id === a.id && !r.created);
    const fields = theirEdits.map((r) => r.field);
    expect(fields).toEqual(expect.arrayContaining(['status', 'phone', 'delivery_address.street']));
    expect(theirEdits.every((r) => r.source === 'api' && r.apiKey?.current === false && !isOwnChange(r))).toBe(true);
    expect(theirEdits.find((r) => r.field === 'status')).toMatchObject({ oldValue: { code: 'new' }, newValue: { code: 'assembling' }, order: { id: a.id, status: 'assembling' } });
    expect(theirEdits.find((r) => r.field === 'delivery_address.street')).toMatchObject({ oldValue: 'ул. Тверская', newValue: 'ул. Покровка' });
    const userEdit = recs.find((r) => r.order.id === b.id && r.field === 'manager_comment')!;
    expect(userEdit).toMatchObject({ source: 'user', user: { id: 12 }, apiKey: null });

    // The same records seen by the other key flip `current`.
    const seenByOther = (await theirs.history({})).history;
    expect(seenByOther.find((r) => r.id === created.id)?.apiKey?.current).toBe(false);
    expect(seenByOther.find((r) => r.order.id === a.id && r.field === 'phone')?.apiKey?.current).toBe(true);

    const last = recs.at(-1)!.id;
    expect((await mine.history({ sinceId: last })).history).toEqual([]);
    emu.editOrder(a.id, { status: 'complete' }, { source: 'rule' });
    const next = await mine.history({ sinceId: last });
    expect(next.history.map((r) => r.field)).toEqual(['status']);
    expect(next.history[0]).toMatchObject({ source: 'rule', newValue: { code: 'complete' } });
    expect(next.history[0]!.id).toBeGreaterThan(last);

    // Paging with limit 20 walks every record exactly once.
    const seen: number[] = [];
    for (let page = 1; page <= 10; page++) {
      const r = await mine.history({ page, limit: 20 });
      seen.push(...r.history.map((h) => h.id));
      if (r.pagination.currentPage >= r.pagination.totalPageCount) break;
    }
    expect(seen).toEqual(emu.history().map((h) => h.id));
    expect((await mine.history({ orderId: b.id })).history.every((h) => h.order.id === b.id)).toBe(true);
  });

  it('creates, edits and deletes payments, recalculating prepaySum from completed ones', async () => {
    const emu = await emulator();
    const c = client(emu);
    const { id } = await c.orderCreate({ ...sampleOrder(), payments: [] });
    const before = (await c.history({})).history.at(-1)!.id;
    const p = await c.paymentCreate({ order: { id }, type: 'bank-card', amount: 1000, status: 'paid', paidAt: '2024-05-20 10:00:00', externalId: 'lifepos-1' });
    expect(p.id).toBeGreaterThan(0);
    expect(emu.requests.at(-1)?.status).toBe(201);
    expect(emu.getOrder(id)?.prepaySum).toBe(1000);
    const p2 = await c.paymentCreate({ order: { externalId: 'web-100500' }, type: 'cash', amount: 3450 });
    expect(emu.getOrder(id)?.prepaySum).toBe(1000);
    await c.paymentEdit(p2.id, 'id', { status: 'paid' });
    expect(emu.getOrder(id)?.prepaySum).toBe(4450);
    await c.paymentEdit('lifepos-1', 'externalId', { status: 'returned' });
    expect(emu.getOrder(id)?.prepaySum).toBe(3450);
    await c.paymentDelete(p2.id);
    const after = emu.getOrder(id)!;
    expect(after.prepaySum).toBe(0);
    expect(after.payments).toEqual([expect.objectContaining({ id: p.id, externalId: 'lifepos-1', status: 'returned' })]);

    const h = (await c.history({ sinceId: before })).history;
    const paymentFields = h.map((r) => r.field).filter((f) => f.startsWith('payments'));
    expect(paymentFields).toEqual(['payments', 'payments', 'payments.status', 'payments.status', 'payments']);
    expect(h.find((r) => r.field === 'payments')).toMatchObject({ newValue: { id: p.id, type: 'bank-card' }, payment: { id: p.id } });
    expect(h.every(isOwnChange)).toBe(true);
  });

  it('creates tasks, customers and corporate customers and finds them again', async () => {
    const emu = await emulator();
    const c = client(emu);
    const { id: orderId } = await c.orderCreate(sampleOrder());
    const t = await c.taskCreate({ text: 'Ошибка интеграции с LIFE POS', commentary: 'Заказ не создан', performerId: 12, order: { id: orderId }, datetime: '2024-05-20 12:00' });
    expect(emu.tasks()).toEqual([expect.objectContaining({ id: t.id, performerId: 12, text: 'Ошибка интеграции с LIFE POS' })]);

    const cust = await c.customerCreate({ externalId: 'leeloo-77', firstName: 'Иван', lastName: 'Петров', phones: [{ number: '+7 (903) 555-11-22' }], email: 'ivan@yandex.ru' });
    expect((await c.customersSearch({ phone: '89035551122' })).map((x) => x.id)).toContain(cust.id);
    expect((await c.customersSearch({ email: 'ivan@yandex.ru' }))[0]).toMatchObject({ id: cust.id, externalId: 'leeloo-77', phones: [{ number: '+7 (903) 555-11-22' }] });
    expect(await c.customersSearch({ email: 'nobody@mail.ru' })).toEqual([]);

    const corp = await c.corporateCreate({ nickName: 'ООО «Ромашка»', companies: [{ name: 'ООО «Ромашка»', isMain: true, contragent: { contragentType: 'legal-entity', INN: '7701234567' } }] });
    expect((await c.corporateSearch({ inn: '7701234567' })).map((x) => x.id)).toEqual([corp.id]);
    expect((await c.corporateSearch({ name: 'ромашка' }))[0]?.nickName).toBe('ООО «Ромашка»');
  });
});

describe('RetailCRM rate limit and faults', () => {
  it('answers 503 Rate limit exceeded over 10 req/s, which the client treats as retryable', async () => {
    const emu = await emulator({ rateLimit: 10 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => raw(emu, '/api/v5/reference/statuses')));
    const limited = answers.filter((a) => a.status === 503);
    expect(limited.length).toBeGreaterThanOrEqual(15);
    expect(limited[0]!.json).toEqual({ success: false, errorMsg: 'Rate limit exceeded' });
    const e = await failure(client(emu).statuses());
    expect(e.kind).toBe('retryable');
    expect(e.code).toBe(503);

    emu.config.limitStatus = 429;
    const again = await Promise.all(Array.from({ length: 15 }, () => raw(emu, '/api/v5/reference/statuses')));
    expect(again.some((a) => a.status === 429)).toBe(true);
  });

  it('two clients of one account share the 10 req/s budget and never trip the limit', async () => {
    const emu = await emulator({ rateLimit: 10 });
    const limiters = new RateLimiters();
    const a = createRetailCrmClient({ config: { url: emu.url, apiKey: KEY }, redactor: new Redactor(), limiters });
    const b = createRetailCrmClient({ config: { url: `${emu.url}/`, apiKey: KEY }, redactor: new Redactor(), limiters });
    const started = performance.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).statuses()));
    const elapsed = performance.now() - started;
    expect(emu.requests.filter((r) => r.status === 503)).toEqual([]);
    expect(emu.requests.filter((r) => r.status === 200)).toHaveLength(30);
    // 30 calls at 10/s: the last one cannot go before ~2.9 s.
    expect(elapsed).toBeGreaterThan(2700);

    // Control: clients with separate budgets go at 20 req/s together and do trip the account's limit.
    emu.resetRequests();
    await new Promise((r) => setTimeout(r, 1100));
    const c1 = createRetailCrmClient({ config: { url: emu.url, apiKey: KEY }, redactor: new Redactor(), limiters: new RateLimiters() });
    const c2 = createRetailCrmClient({ config: { url: emu.url, apiKey: KEY }, redactor: new Redactor(), limiters: new RateLimiters() });
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? c1 : c2).statuses().catch(() => null)));
    expect(emu.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
  }, 20_000);

  it('maps injected faults to the right kinds: reads retry, ambiguous writes need the merchant', async () => {
    const emu = await emulator();
    const c = client(emu);
    emu.faults.failNext(1, 500);
    expect((await failure(c.statuses())).kind).toBe('retryable');
    emu.faults.failNext(1, 502);
    expect((await failure(c.orderCreate(sampleOrder()))).kind).toBe('needsAttention');
    emu.faults.failNext(1, 503);
    expect((await failure(c.orderCreate(sampleOrder()))).kind).toBe('retryable');
    emu.faults.dropNext(1);
    expect((await failure(c.ordersList({}))).kind).toBe('retryable');
    emu.faults.dropNext(1);
    const dropped = await failure(c.orderCreate(sampleOrder()));
    expect(dropped.kind).toBe('needsAttention');
    expect(dropped.message).toMatch(/неизвестно, выполнена ли операция/);
    emu.faults.malformedNext(1);
    expect((await failure(c.ordersList({}))).kind).toBe('retryable');
    emu.faults.malformedNext(1);
    expect((await failure(c.paymentDelete(1))).kind).toBe('needsAttention');
    // After the faults the emulator answers normally again.
    expect((await c.statuses()).length).toBeGreaterThan(5);

    emu.faults.latencyMs = 400;
    const slow = createRetailCrmClient({ config: { url: emu.url, apiKey: KEY }, redactor: new Redactor(), limiters: new RateLimiters(), timeoutMs: 150 });
    expect((await failure(slow.statuses())).kind).toBe('retryable');
    expect((await failure(slow.orderCreate(sampleOrder()))).kind).toBe('needsAttention');
    emu.faults.latencyMs = 0;
  });
});

describe('RetailCRM triggers', () => {
  it('POSTs rendered params form-urlencoded to the trigger URL after a matching change', async () => {
    const got: Array<{ type: string | undefined; body: string }> = [];
    const hook = await listen((req, res) => {
      void readBody(req).then((body) => {
        got.push({ type: req.headers['content-type'], body });
        res.end('ok');
      });
    });
    cleanups.push(() => hook.close());
    const emu = await emulator();
    emu.addTrigger({
      name: 'Статус для Прилавка',
      fields: ['status'],
      url: `${hook.url}/hooks/retailcrm?token=abc`,
      params: {
        id: '{{ order.getId() }}',
        number: '{{ order.getNumber() }}',
        status: '{{ order.getStatus().getCode() }}',
        delivery: '{{ order.getDeliveryType().getCode() }}',
        externalId: '{{ order.getExternalId() }}',
      },
    });
    const o = emu.createOrder({ ...sampleOrder(), site: 'shop' });
    emu.editOrder(o.id, { managerComment: 'без статуса' });
    emu.editOrder(o.id, { status: 'send-to-delivery' });
    await waitFor(() => got.length >= 1, 'trigger POST', 5000);
    await emu.triggersSettled();
    expect(got).toHaveLength(1);
    expect(got[0]!.type).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(got[0]!.body))).toEqual({
      id: String(o.id),
      number: o.number,
      status: 'send-to-delivery',
      delivery: 'measoft-city',
      externalId: 'web-100500',
    });
    expect(emu.triggerLog).toEqual([expect.objectContaining({ status: 200, response: 'ok', url: `${hook.url}/hooks/retailcrm?token=abc` })]);

    // A change through the API fires it too; a failing endpoint is logged, not retried.
    emu.addTrigger({ name: 'Сломанный', url: 'http://127.0.0.1:9/nowhere', params: { id: '{{ order.getId() }}' } });
    await client(emu).orderEdit(o.id, 'id', { status: 'delivering' });
    await waitFor(() => got.length >= 2 && emu.triggerLog.length >= 3, 'second trigger round', 5000);
    expect(Object.fromEntries(new URLSearchParams(got[1]!.body)).status).toBe('delivering');
    expect(emu.triggerLog.find((t) => t.name === 'Сломанный')).toMatchObject({ status: null, error: expect.any(String) });
  });
});
