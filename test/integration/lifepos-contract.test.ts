import { afterEach, describe, expect, it } from 'vitest';
import {
  createLifePosClient,
  parseLifePosNotification,
  type LifePosConfig,
  type LpSaleInput,
} from '../../src-main/engine/connectors/lifepos/index.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { RateLimiters } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { startLifePosEmulator, type LifePosEmulatorOptions } from '../emulators/lifepos/server.js';
import { listen, readBody, type TestServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/temp.js';

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

const OWNER = { phone: '+7 999 000-00-01', password: 'owner-pass', role: 'Owner' as const };
const MANAGER = { phone: '8 (999) 000-00-02', password: 'manager-pass', role: 'Manager' as const };
const CASHIER = { phone: '+79990000003', password: 'cashier-pass', role: 'Cashier' as const };
const CLIENT_ID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

async function setup(opts: LifePosEmulatorOptions = {}, creds: Partial<LifePosConfig> = {}) {
  const emu = await startLifePosEmulator({ accounts: [OWNER, MANAGER, CASHIER], ...opts });
  closers.push(emu);
  const redactor = new Redactor();
  const config: LifePosConfig = { url: emu.url, phone: OWNER.phone, password: OWNER.password, orgGuid: emu.orgGuid, clientId: CLIENT_ID, ...creds };
  const client = createLifePosClient({ config, redactor, timeoutMs: 2000 });
  return { emu, client, redactor, config };
}

function sale(number: string, outletGuid: string, patch: Partial<LpSaleInput> = {}): LpSaleInput {
  return {
    number,
    outletGuid,
    comment: `Заказ ${number} из RetailCRM`,
    positions: [
      { name: 'Чайник «Уют»', quantity: 1, priceKopecks: 150_050 },
      { name: 'Чашка', quantity: 2, priceKopecks: 25_000 },
    ],
    customer: { name: 'Иванов Иван', phone: '+79161234567', email: 'ivanov@example.ru' },
    delivery: { address: 'г. Москва, ул. Ленина, д. 1, кв. 2', date: '2030-01-15', timeFrom: '10:00', timeTo: '14:00' },
    ...patch,
  };
}

async function failureOf(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

describe('LIFE POS client against the emulator', () => {
  it('signs in with the client headers, reads the structure and creates a sale in kopecks', async () => {
    const { emu, client } = await setup();
    const orgs = await client.orgs();
    expect(orgs).toEqual([{ guid: emu.orgGuid, name: 'ООО «Прилавок-Тест»' }]);
    const me = await client.me();
    expect(me.role).toBe('Owner');

    const les = await client.legalEntities();
    expect(les.map((l) => l.inn).sort()).toEqual(['500100732259', '7701234567']);
    const outlets = await client.outlets();
    expect(outlets).toHaveLength(2);
    const le1 = les.find((l) => l.inn === '7701234567')!;
    const outlet = outlets.find((x) => x.legalEntityGuid === le1.guid)!;
    expect(outlet.name).toBe('Магазин на Ленина');

    // A courier from RetailCRM becomes an employee with its own mobile workplace.
    // No roles list is documented: the roles are those the organisation's employees have.
    const roles = await client.rolesInUse();
    const courierRole = roles.find((r) => r.name === 'Курьер')!;
    expect(roles.map((r) => r.name).sort()).toEqual(['Владелец', 'Кассир', 'Курьер', 'Менеджер']);
    expect(courierRole.employees).toEqual(['Курьер Штатный']);
    const courier = await client.createEmployee({ name: 'Петров Пётр', username: 'courier-7', phone: '+79160000007', roleGuid: courierRole.guid });
    expect(courier.roleGuid).toBe(courierRole.guid);
    const wp = await client.createWorkplace({ workplaceType: 'Mobile', name: 'Курьер Петров', employeeGuid: courier.guid, outletGuid: outlet.guid });
    expect(wp).toMatchObject({ workplaceType: 'Mobile', employeeGuid: courier.guid, outletGuid: outlet.guid });
    expect((await client.employees()).map((e) => e.username)).toContain('courier-7');
    expect((await client.workplaces()).map((w) => w.guid)).toEqual([wp.guid]);

    const created = await client.createSale(sale('7141C', outlet.guid, { workplaceGuid: wp.guid, employeeGuid: courier.guid }));
    expect(created.outcome).toBe('created');
    expect(created.sale).toMatchObject({
      number: '7141C',
      state: 'New',
      paymentStatus: 'NotPaid',
      shippingStatus: 'NotShipped',
      totalKopecks: 200_050,
      outletGuid: outlet.guid,
      workplaceGuid: wp.guid,
      employeeGuid: courier.guid,
      openedByGuid: me.guid,
      customer: { name: 'Иванов Иван', phone: '+79161234567', email: 'ivanov@example.ru' },
      delivery: { address: 'г. Москва, ул. Ленина, д. 1, кв. 2', date: '2030-01-15', timeFrom: '10:00', timeTo: '14:00' },
    });
    const stored = emu.getSale('7141C')!;
    expect(stored.totalKopecks).toBe(200_050);
    expect(stored.positions.map((p) => [p.priceKopecks, p.quantity, p.totalKopecks])).toEqual([
      [150_050, 1, 150_050],
      [25_000, 2, 50_000],
    ]);
    const back = await client.getSale(created.sale.guid);
    expect(back?.guid).toBe(created.sale.guid);
    expect(await client.getSale('00000000-0000-0000-0000-000000000000')).toBeNull();
    expect((await client.findSaleByNumber('7141C'))?.guid).toBe(created.sale.guid);
    expect(await client.findSaleByNumber('7141')).toBeNull();
    // One sign-in served every call.
    expect(emu.requests.filter((r) => r.path === '/auth/sign-in-by-phone')).toHaveLength(1);
  });

  it('signs in again once on 401 after the tokens expire, and renews a token older than its lifetime', async () => {
    const { emu, client } = await setup();
    await client.orgs();
    emu.expireTokens();
    const before = emu.requests.length;
    await client.outlets();
    const seen = emu.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(seen[0]).toMatch(/GET \/v6\/orgs\/.+\/outlets 401/);
    expect(seen[1]).toBe('POST /auth/sign-in-by-phone 200');
    expect(seen[2]).toMatch(/GET \/v6\/orgs\/.+\/outlets 200/);

    // Proactive renewal: a lifetime of ~0 makes every call sign in first, without any 401.
    const short = await setup({}, { tokenTtlHours: 1e-9 });
    await short.client.orgs();
    await new Promise((r) => setTimeout(r, 5));
    await short.client.orgs();
    expect(short.emu.requests.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(short.emu.requests.filter((r) => r.path === '/auth/sign-in-by-phone')).toHaveLength(2);
  });

  it('gives up with auth (no loop) when signing in again is refused too', async () => {
    const { emu, client } = await setup();
    await client.orgs();
    const before = emu.requests.length;
    // The call → 401, the new sign-in → 401: the client stops there.
    emu.faults.failNext(2, 401);
    const err = await failureOf(client.outlets());
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('неверный телефон или пароль');
    expect(emu.requests.slice(before).map((r) => `${r.path.endsWith('/outlets') ? 'outlets' : r.path} ${r.status}`)).toEqual([
      'outlets 401',
      '/auth/sign-in-by-phone 401',
    ]);
  });

  it('a wrong password is an auth error that names the fix and never shows the password', async () => {
    const { client, redactor } = await setup({}, { password: 'wrong-pass-123' });
    const err = await failureOf(client.orgs());
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('неверный телефон или пароль');
    expect(err.message).toContain('Владелец или Администратор');
    expect(`${err.message}${err.detail ?? ''}`).not.toContain('wrong-pass-123');
    expect(redactor.redact('password wrong-pass-123')).not.toContain('wrong-pass-123');

    const bad = await setup({}, { password: '123' });
    const e2 = await failureOf(bad.client.signIn());
    expect(e2.kind).toBe('auth');
    expect(e2.message).toMatch(/пароль — 6–32/);
  });

  it('follows the roles: a manager sells but cannot create employees; a cashier has no API access', async () => {
    const { emu, client: owner } = await setup();
    const roles = await owner.rolesInUse();
    const outlet = emu.outlets()[0]!.guid;

    const manager = createLifePosClient({
      config: { url: emu.url, phone: MANAGER.phone, password: MANAGER.password, orgGuid: emu.orgGuid, clientId: CLIENT_ID },
      redactor: new Redactor(),
    });
    expect((await manager.createSale(sale('M-1', outlet))).outcome).toBe('created');
    await manager.cancelSale(emu.getSale('M-1')!.guid);
    expect(emu.getSale('M-1')!.state).toBe('Cancelled');
    const denied = await failureOf(manager.createEmployee({ name: 'Сидоров Сидор', username: 'sidorov', phone: '+79160000009', roleGuid: roles[0]!.guid }));
    expect(denied.kind).toBe('auth');
    expect(denied.code).toBe('NoPermissions');
    expect(denied.message).toContain('Владелец или Администратор');
    expect((await failureOf(manager.subscribe({ primary: 'http://127.0.0.1:1/hook' }))).kind).toBe('auth');
    expect((await failureOf(manager.createWorkplace({ workplaceType: 'Mobile' }))).kind).toBe('auth');

    const cashier = createLifePosClient({
      config: { url: emu.url, phone: CASHIER.phone, password: CASHIER.password, orgGuid: emu.orgGuid, clientId: CLIENT_ID },
      redactor: new Redactor(),
    });
    await cashier.signIn();
    const e = await failureOf(cashier.outlets());
    expect(e.kind).toBe('auth');
    expect(e.message).toContain('Владелец или Администратор');
  });

  it('adopts a sale whose number already exists: outcome «exists» with the same guid, nothing doubled', async () => {
    const { emu, client } = await setup();
    const outlet = emu.outlets()[0]!.guid;
    const first = await client.createSale(sale('R-100', outlet));
    const again = await client.createSale(sale('R-100', outlet));
    expect(again.outcome).toBe('exists');
    expect(again.sale.guid).toBe(first.sale.guid);
    expect(emu.sales().filter((s) => s.number === 'R-100')).toHaveLength(1);
    expect(emu.requests.some((r) => r.method === 'POST' && r.path.endsWith('/deals/sales') && r.status === 422)).toBe(true);
    // A number that is a prefix of another is not mistaken for it.
    await client.createSale(sale('R-1000', outlet));
    expect((await client.createSale(sale('R-100', outlet))).sale.guid).toBe(first.sale.guid);
  });

  it('refuses an invalid sale with the fields named, as needs attention', async () => {
    const { emu, client } = await setup();
    const outlet = emu.outlets()[0]!.guid;
    const e1 = await failureOf(client.createSale(sale('X'.repeat(37), outlet)));
    expect(e1.kind).toBe('needsAttention');
    expect(e1.message).toContain('number');
    const e2 = await failureOf(client.createSale(sale('X-2', '11111111-1111-1111-1111-111111111111')));
    expect(e2.kind).toBe('needsAttention');
    expect(e2.message).toContain('outlet');
    const e3 = await failureOf(client.createSale(sale('X-3', outlet, { positions: [] })));
    expect(e3.message).toContain('positions');
    expect(emu.sales()).toHaveLength(0);
  });

  it('cancels only unpaid sales (JSON-Patch, 204) and refunds payments through money documents, with clear refusals', async () => {
    const { emu, client } = await setup();
    const outlet = emu.outlets()[0]!.guid;
    const a = (await client.createSale(sale('C-1', outlet))).sale;
    await client.cancelSale(a.guid);
    expect(emu.getSale('C-1')!.state).toBe('Cancelled');
    await client.cancelSale(a.guid);
    const patches = emu.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(a.guid));
    expect(patches.map((r) => r.status)).toEqual([204, 204]);

    const b = (await client.createSale(sale('C-2', outlet))).sale;
    expect(await client.saleMoneyDocs(b.guid)).toEqual([]);

    emu.pay('C-2', { method: 'Mixed', cashKopecks: 50_000 });
    const paidCancel = await failureOf(client.cancelSale(b.guid));
    expect(paidCancel.kind).toBe('needsAttention');
    expect(paidCancel.message).toContain('оформите возврат');
    expect(emu.getSale('C-2')!.state).toBe('New');

    emu.setState('C-2', { state: 'Completed', shipping_status: 'Shipped' });
    const [payment] = await client.saleMoneyDocs(b.guid);
    expect(payment).toMatchObject({ kind: 'payment', typeOf: 'SalePayment', totalKopecks: 200_050, cashKopecks: 50_000, cardKopecks: 150_050, saleGuid: b.guid });
    await client.refundPayment(b.guid, payment!);
    const after = (await client.getSale(b.guid))!;
    expect(after.paymentStatus).toBe('Refunded');
    expect(after.shippingStatus).toBe('Returned');
    const docs = await client.saleMoneyDocs(b.guid);
    expect(docs.map((d) => [d.kind, d.forPaymentGuid, d.totalKopecks])).toEqual([
      ['payment', null, 200_050],
      ['refund', payment!.guid, 200_050],
    ]);
    // A second refund of the same payment is refused, not doubled.
    const twice = await failureOf(client.refundPayment(b.guid, payment!));
    expect(twice.code).toBe('Duplicate');
    expect(emu.transactions().filter((t) => t.operation === 'Refund')).toHaveLength(1);

    const missing = await failureOf(client.cancelSale('00000000-0000-0000-0000-000000000000'));
    expect(missing.kind).toBe('needsAttention');
  });

  it('reads money documents at v5 when v6 has no such route, and fails loudly when neither has them', async () => {
    const v5 = await setup({ moneyDocVersions: ['v5'] });
    const outlet = v5.emu.outlets()[0]!.guid;
    const s = (await v5.client.createSale(sale('V5-1', outlet))).sale;
    v5.emu.pay('V5-1', { method: 'Cash' });
    expect((await v5.client.saleMoneyDocs(s.guid)).map((d) => [d.typeOf, d.cashKopecks])).toEqual([['SalePayment', 200_050]]);
    expect(v5.emu.requests.filter((r) => r.path.includes('/docs/money')).map((r) => [r.path.split('/')[1], r.status])).toEqual([
      ['v6', 404],
      ['v5', 200],
    ]);

    const none = await setup({ moneyDocVersions: [] });
    const n = (await none.client.createSale(sale('N-1', none.emu.outlets()[0]!.guid))).sale;
    const e = await failureOf(none.client.saleMoneyDocs(n.guid));
    expect(e.kind).toBe('needsAttention');
    expect(e.message).toMatch(/оплаты продажи .* не удалось прочитать/);
  });

  it('reads a returned shipment spelled «Refunded» as «Returned»', async () => {
    const { emu, client } = await setup({ returnedSpelling: 'Refunded' });
    const outlet = emu.outlets()[0]!.guid;
    const s = (await client.createSale(sale('RS-1', outlet))).sale;
    emu.pay('RS-1', { method: 'Cash' });
    emu.setState('RS-1', { shipping_status: 'Shipped' });
    const [payment] = await client.saleMoneyDocs(s.guid);
    await client.refundPayment(s.guid, payment!);
    expect(emu.getSale('RS-1')!.shipping_status).toBe('Refunded');
    expect((await client.getSale(s.guid))!.shippingStatus).toBe('Returned');
  });

  it('pages through sales with the cursor and filters by payment status', async () => {
    const { emu, client } = await setup();
    const outlet = emu.outlets()[0]!.guid;
    for (let i = 1; i <= 5; i++) await client.createSale(sale(`P-${i}`, outlet));
    emu.pay('P-2', { method: 'Cash' });
    emu.pay('P-4', { method: 'Card', amountKopecks: 100 });

    const numbers: string[] = [];
    let token: string | undefined;
    let pages = 0;
    for (; pages < 10; pages++) {
      const p = await client.listSales({ itemsPerPage: 2, ...(token ? { pageToken: token } : {}), orderBy: 'created_at_asc' });
      numbers.push(...p.items.map((s) => s.number ?? ''));
      if (!p.nextPageToken) break;
      token = p.nextPageToken;
    }
    expect(pages).toBe(2);
    expect(numbers).toEqual(['P-1', 'P-2', 'P-3', 'P-4', 'P-5']);

    const paid = await client.listSales({ paymentStatus: 'Paid' });
    expect(paid.items.map((s) => s.number)).toEqual(['P-2']);
    const partly = await client.listSales({ paymentStatus: 'PartiallyPaid' });
    expect(partly.items.map((s) => s.number)).toEqual(['P-4']);
    const recent = await client.listSales({ orderBy: 'updated_at_desc', itemsPerPage: 2 });
    expect(recent.items.map((s) => s.number)).toEqual(['P-4', 'P-2']);
    const bad = await failureOf(client.listSales({ pageToken: 'garbage' }));
    expect(bad.kind).toBe('needsAttention');
  });

  it('turns payments taken in LIFE POS into transactions matched to the sale number', async () => {
    const { emu, client } = await setup();
    const outlet = emu.outlets()[0]!.guid;
    const from = new Date(Date.now() - 1000).toISOString();
    await client.createSale(sale('T-1', outlet));
    await client.createSale(sale('T-2', outlet));
    emu.pay('T-1', { method: 'Cash' });
    emu.pay('T-2', { method: 'Card', amountKopecks: 100_000 });
    emu.pay('T-2', { method: 'Cash', amountKopecks: 100_050 });

    const tx = await client.transactions({ from });
    expect(tx.map((t) => [t.saleNumber, t.paymentType, t.operation, t.amountKopecks])).toEqual([
      ['T-1', 'Cash', 'Payment', 200_050],
      ['T-2', 'Card', 'Payment', 100_000],
      ['T-2', 'Cash', 'Payment', 100_050],
    ]);
    expect(tx[1]!.cardNumber).toMatch(/\*{6}/);
    const t2 = (await client.findSaleByNumber('T-2'))!;
    expect(t2.paymentStatus).toBe('Paid');
    expect((await client.saleMoneyDocs(t2.guid)).map((d) => [d.cashKopecks, d.cardKopecks])).toEqual([
      [0, 100_000],
      [100_050, 0],
    ]);
    expect(await client.transactions({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
  });

  it('subscribes to organisation updates; notifications arrive at a local server, fall back to the secondary URL, and may repeat', async () => {
    const { emu, client } = await setup();
    const received: Array<{ path: string; body: string }> = [];
    let primaryFails = false;
    const hook: TestServer = await listen((req, res) => {
      void readBody(req).then((body) => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(primaryFails && req.url?.startsWith('/primary') ? 500 : 200).end('ok');
      });
    });
    closers.push(hook);

    await client.subscribe({ primary: `${hook.url}/primary/s3cr3t`, secondary: `${hook.url}/secondary/s3cr3t` });
    expect(emu.subscription()).toMatchObject({ turned_on: true, primary_url_for_notifications: `${hook.url}/primary/s3cr3t`, version: '1.0' });
    const patch = emu.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe(`/v6/orgs/${emu.orgGuid}`);

    const outlet = emu.outlets()[0]!.guid;
    const created = (await client.createSale(sale('N-1', outlet))).sale;
    await waitFor(() => received.length >= 1, 'sale.created notification', 5000);
    // The notification is the object itself, tagged type_of (as a production integration receives it).
    const first = JSON.parse(received[0]!.body) as Record<string, unknown>;
    expect(first).toMatchObject({ type_of: 'Sale', guid: created.guid, number: 'N-1', state: 'New', payment_status: 'NotPaid' });
    expect(parseLifePosNotification(received[0]!.body)).toEqual({ event: 'Sale', guid: created.guid, number: 'N-1', objectGuid: created.guid });

    const before = received.length;
    emu.pay('N-1', { method: 'Cash' });
    await emu.notificationsSettled();
    const bodies = received.slice(before).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const byType = (t: string) => bodies.find((b) => b.type_of === t)!;
    expect(byType('SalePayment')).toMatchObject({ sale: { guid: created.guid }, total_sum: { value: 200_050 }, sum_by_cash: { value: 200_050 }, sum_by_card: { value: 0 } });
    expect(byType('Sale')).toMatchObject({ guid: created.guid, payment_status: 'Paid' });
    const receipt = byType('FiscalDocumentReceipt');
    expect(receipt.guid).toBe((byType('SalePayment').fiscal_document as { guid: string }).guid);
    expect(parseLifePosNotification(receipt)?.guid).toBeNull();
    expect(parseLifePosNotification(byType('SalePayment'))?.guid).toBe(created.guid);

    primaryFails = true;
    emu.setState('N-1', { state: 'Completed', shipping_status: 'Shipped' });
    await emu.notificationsSettled();
    expect(received.slice(-2).map((r) => r.path)).toEqual(['/primary/s3cr3t', '/secondary/s3cr3t']);
    expect(emu.notifications.slice(-2).map((n) => n.status)).toEqual([500, 200]);
    primaryFails = false;

    emu.duplicateNotifications(1);
    const count = received.length;
    const res = await fetch(`${emu.url}/__emulator/notify`, { method: 'POST', body: JSON.stringify({ number: 'N-1' }) });
    expect(res.status).toBe(200);
    await emu.notificationsSettled();
    expect(received.length - count).toBe(2);
    expect(received.at(-1)!.body).toBe(received.at(-2)!.body);
  });

  it('a 429 over the rate limit is retryable with the server’s Retry-After', async () => {
    const { emu, client } = await setup({ rateLimit: 2 });
    const results = await Promise.allSettled([client.outlets(), client.outlets(), client.outlets(), client.outlets()]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as SyncError);
    expect(rejected.length).toBeGreaterThan(0);
    for (const e of rejected) {
      expect(e).toBeInstanceOf(SyncError);
      expect(e.kind).toBe('retryable');
      expect(e.retryAfterMs).toBe(1000);
    }
    expect(emu.requests.some((r) => r.status === 429)).toBe(true);
  });

  it('a shared limiter keeps the client under the rate limit', async () => {
    const emu = await startLifePosEmulator({ accounts: [OWNER], rateLimit: 5 });
    closers.push(emu);
    const client = createLifePosClient({
      config: { url: emu.url, phone: OWNER.phone, password: OWNER.password, orgGuid: emu.orgGuid, clientId: CLIENT_ID },
      redactor: new Redactor(),
      limiters: new RateLimiters(),
      ratePerSec: 4,
    });
    await Promise.all(Array.from({ length: 8 }, () => client.outlets()));
    expect(emu.requests.every((r) => r.status !== 429)).toBe(true);
  });

  it('maps injected faults to the right kinds', async () => {
    const { emu, client, config } = await setup();
    await client.signIn();
    emu.faults.failNext(1, 500);
    expect((await failureOf(client.outlets())).kind).toBe('retryable');
    emu.faults.failNext(1, 500);
    // Creating a workplace is not deduplicated: a 5xx leaves it unknown, so the merchant checks.
    expect((await failureOf(client.createWorkplace({ workplaceType: 'Mobile' }))).kind).toBe('needsAttention');
    // A sale is deduplicated by its number: a 5xx is retried, and the retry adopts it.
    emu.faults.failNext(1, 503);
    const e503 = await failureOf(client.createSale(sale('F-1', emu.outlets()[0]!.guid)));
    expect(e503.kind).toBe('retryable');
    expect(e503.retryAfterMs).toBe(2000);
    emu.faults.dropNext(1);
    expect((await failureOf(client.employees())).kind).toBe('retryable');
    emu.faults.malformedNext(1);
    expect((await failureOf(client.listSales({}))).kind).toBe('retryable');
    emu.faults.latencyMs = 300;
    const slow = createLifePosClient({ config, redactor: new Redactor(), timeoutMs: 100 });
    expect((await failureOf(slow.orgs())).kind).toBe('retryable');
    emu.faults.latencyMs = 0;
    const wrongOrg = createLifePosClient({ config: { ...config, orgGuid: 'no-such-org' }, redactor: new Redactor() });
    const nf = await failureOf(wrongOrg.outlets());
    expect(nf.kind).toBe('needsAttention');
    expect(nf.code).toBe('NotFound');
    // And after all that the client still works.
    expect(await client.outlets()).toHaveLength(2);
  });

  it('the emulator refuses calls without the X-LP client headers', async () => {
    const { emu } = await setup();
    const res = await fetch(`${emu.url}/auth/sign-in-by-phone`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: OWNER.phone, password: OWNER.password }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; errors: Array<{ field: string }> };
    expect(body.code).toBe('RequestIsNotValid');
    // (fetch sends its own Accept-Language, so only the two X-LP headers are missing here.)
    expect(body.errors.map((e) => e.field)).toEqual(['X-LP-Client-Identifier', 'X-LP-Client-Type']);
    expect(emu.requests.at(-1)).toMatchObject({ path: '/auth/sign-in-by-phone', status: 400 });
  });

  it('keeps the token out of error details', async () => {
    const { emu, client } = await setup();
    await client.signIn();
    const signIn = emu.requests.find((r) => r.path === '/auth/sign-in-by-phone');
    expect(signIn?.status).toBe(200);
    emu.faults.failNext(1, 500);
    const err = await failureOf(client.outlets());
    expect(err.detail ?? '').not.toMatch(/lp_[0-9a-f]{32}/);
    expect(err.detail ?? '').not.toContain(OWNER.password);
  });
});
