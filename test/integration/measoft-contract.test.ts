import { afterEach, describe, expect, it } from 'vitest';
import { createMeasoftClient, type MeasoftOrderInput } from '../../src-main/engine/connectors/measoft/index.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { createWebSession } from '../../src-main/engine/http/session.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { startMeasoftEmulator, type MeasoftEmulator, type MeasoftEmulatorOptions } from '../emulators/measoft/server.js';
import { waitFor } from '../helpers/temp.js';

const emulators: MeasoftEmulator[] = [];
afterEach(async () => {
  for (const e of emulators.splice(0)) await e.close();
});

async function setup(opts: MeasoftEmulatorOptions = {}, creds: { login?: string; password?: string; extra?: string } = {}) {
  const emu = await startMeasoftEmulator(opts);
  emulators.push(emu);
  const redactor = new Redactor();
  const client = createMeasoftClient({
    config: { url: `${emu.url}/api/`, extra: creds.extra ?? '8', login: creds.login ?? 'test', password: creds.password ?? 'testm' },
    redactor,
    timeoutMs: 2000,
  });
  return { emu, client, redactor };
}

function order(orderno: string, patch: Partial<MeasoftOrderInput> = {}): MeasoftOrderInput {
  return {
    orderno,
    receiver: { person: 'Иванов Иван', phone: '+7 (916) 123-45-67', town: 'Москва', address: 'ул. Ленина, д. 1, кв. 2', date: '2030-01-15', timeMin: '10:00', timeMax: '14:00' },
    weightKg: 1.25,
    quantity: 1,
    paytype: 'CASH',
    priceKopecks: 150_050,
    inshpriceKopecks: 150_050,
    items: [
      { name: 'Чайник «Уют» & чашки', article: 'CH-1', quantity: 1, retpriceKopecks: 100_050, vatRate: 20 },
      { name: 'Доставка', quantity: 1, retpriceKopecks: 50_000, vatRate: 'none' },
    ],
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

describe('MeaSoft client against the emulator', () => {
  it('creates an order and reads its status back, money in kopecks', async () => {
    const { emu, client } = await setup({ syncAfterMs: 0 });
    const created = await client.createOrder(order('A-1001'));
    expect(created).toMatchObject({ outcome: 'created', orderno: 'A-1001', barcode: 'A-1001' });
    expect(created.orderprice).toBeGreaterThan(0);
    const stored = emu.getOrder('A-1001')!;
    expect(stored.priceKopecks).toBe(150_050);
    expect(stored.items.map((i) => i.name)).toEqual(['Чайник «Уют» & чашки', 'Доставка']);
    expect(stored.items[0]!.attrs).toMatchObject({ retprice: '1000.50', VATrate: '20', article: 'CH-1' });

    const st = await client.status('A-1001');
    expect(st).not.toBeNull();
    expect(st!.orderno).toBe('A-1001');
    // Awaiting sync at creation, new by the first status request.
    expect(st!.status.code).toBe('NEW');
    expect(st!.status.title).toBe('Новый');
    expect(st!.history.map((h) => h.code)).toEqual(['AWAITING_SYNC', 'NEW']);
    expect(st!.priceKopecks).toBe(150_050);
    expect(st!.paytype).toBe('CASH');
    expect(st!.weightKg).toBe(1.25);
    expect(st!.deliveryPriceKopecks).toBeGreaterThan(0);
    expect(await client.status('NOPE')).toBeNull();
  });

  it('adopts an order number that already exists this year instead of failing', async () => {
    const { emu, client } = await setup();
    await client.createOrder(order('A-2001', { barcode: 'BC-2001' }));
    const again = await client.createOrder(order('A-2001', { barcode: 'BC-2001' }));
    expect(again).toMatchObject({ outcome: 'exists', orderno: 'A-2001', barcode: 'BC-2001' });
    expect(emu.orders()).toHaveLength(1);
  });

  it('an invalid phone is a needs-attention error with MeaSoft’s Russian reason', async () => {
    const { emu, client } = await setup();
    const err = await failureOf(client.createOrder(order('A-3001', { receiver: { ...order('x').receiver, phone: '12-34' } })));
    expect(err.kind).toBe('needsAttention');
    expect(err.message).toContain('MeaSoft отклонил заказ A-3001');
    expect(err.message).toContain('не содержит корректного номера телефона');
    expect(err.detail).toContain('has no valid phone number');
    expect(emu.orders()).toHaveLength(0);
    const noAddress = await failureOf(client.createOrder(order('A-3002', { receiver: { ...order('x').receiver, address: '' } })));
    expect(noAddress.message).toContain('Не указан адрес');
  });

  it('edits and cancels only while the order is new or awaiting sync', async () => {
    const { emu, client } = await setup({ syncAfterMs: 60_000 });
    await client.createOrder(order('A-4001'));
    expect(emu.getOrder('A-4001')!.status).toBe('AWAITING_SYNC');
    await client.editOrder(order('A-4001', { receiver: { ...order('x').receiver, address: 'ул. Мира, д. 5' }, priceKopecks: 99_900 }));
    expect(emu.getOrder('A-4001')!.receiver['address']).toBe('ул. Мира, д. 5');
    expect(emu.getOrder('A-4001')!.priceKopecks).toBe(99_900);

    await client.cancelOrder('A-4001');
    const canceled = await client.status('A-4001');
    expect(canceled!.status.code).toBe('CANCELED');
    expect(canceled!.deliveredTo).toBe('Отменено заказчиком');
    // Repeating the cancel (its first answer lost) is not a failure.
    await client.cancelOrder('A-4001');

    await client.createOrder(order('A-4002'));
    emu.setStatus('A-4002', 'PICKUP');
    const refusedEdit = await failureOf(client.editOrder(order('A-4002')));
    expect(refusedEdit.kind).toBe('needsAttention');
    expect(refusedEdit.message).toContain('MeaSoft отклонил заказ A-4002: Изменение невозможно: заказ уже в работе');
    const refusedCancel = await failureOf(client.cancelOrder('A-4002'));
    expect(refusedCancel.message).toContain('Отмена невозможна: заказ уже в работе');
    expect(emu.getOrder('A-4002')!.status).toBe('PICKUP');
  });

  it('refuses cancel and edit when the account does not allow them, with the Russian reason', async () => {
    const { emu, client } = await setup({ accounts: [{ extra: '8', login: 'test', pass: 'testm', allowCancelEdit: false }], syncAfterMs: 60_000 });
    await client.createOrder(order('A-5001'));
    const err = await failureOf(client.cancelOrder('A-5001'));
    expect(err.kind).toBe('needsAttention');
    expect(err.message).toContain('Разрешить отмену и изменение заказов');
    expect(emu.getOrder('A-5001')!.status).toBe('AWAITING_SYNC');
  });

  it('changes feed: repeated until committed, then only new changes; streams are independent', async () => {
    const { emu, client } = await setup();
    await client.createOrder(order('F-1'));
    await client.createOrder(order('F-2'));

    const first = await client.changes(101);
    expect(first.map((o) => o.orderno).sort()).toEqual(['F-1', 'F-2']);
    const again = await client.changes(101);
    expect(again.map((o) => o.orderno).sort()).toEqual(['F-1', 'F-2']);

    await client.commitChanges(101);
    expect(await client.changes(101)).toEqual([]);

    emu.setStatus('F-1', 'PICKUP');
    const next = await client.changes(101);
    expect(next.map((o) => [o.orderno, o.status.code])).toEqual([['F-1', 'PICKUP']]);
    // A change that arrives between the poll and the commit is not lost.
    emu.setStatus('F-2', 'PICKUP');
    await client.commitChanges(101);
    expect((await client.changes(101)).map((o) => o.orderno)).toEqual(['F-2']);

    // Another stream has its own cursor: it still sees everything.
    expect((await client.changes(202)).map((o) => o.orderno).sort()).toEqual(['F-1', 'F-2']);
  });

  it('delivered orders carry payment type, COD sum and who received it', async () => {
    const { emu, client } = await setup();
    await client.createOrder(order('D-1'));
    emu.setStatus('D-1', 'COMPLETE', { paytype: 'CARD', priceKopecks: 120_000, deliveredTo: 'Иванова М.' });
    const st = await client.status('D-1');
    expect(st).toMatchObject({ paytype: 'CARD', priceKopecks: 120_000, deliveredTo: 'Иванова М.', status: { code: 'COMPLETE', title: 'Доставлен' } });
    expect(st!.deliveredDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(st!.deliveredTime).toMatch(/^\d{2}:\d{2}$/);
    expect(st!.courier?.name).toBeTruthy();
  });

  it('the simulated courier walks orders to a final status', async () => {
    const { emu, client } = await setup();
    for (let i = 0; i < 5; i++) await client.createOrder(order(`C-${i}`));
    emu.startCourier(10);
    await waitFor(() => emu.orders().every((o) => ['COMPLETE', 'RETURNED'].includes(o.status)), 'courier to finish', 5000);
    emu.stopCourier();
    const st = await client.status('C-0');
    expect(st!.history[0]!.code).toBe('AWAITING_SYNC');
    expect(st!.history.map((h) => h.code)).toContain('DELIVERY');
  });

  it('calculator, town list and anonymous tracking', async () => {
    const { client } = await setup();
    const tariffs = await client.calculator({ townfrom: 'Москва', townto: '153361', mass: 2.5, inshprice: 1000 });
    expect(tariffs.length).toBeGreaterThanOrEqual(2);
    expect(tariffs[0]).toMatchObject({ service: 1, serviceName: 'Не срочно', minDays: 2, maxDays: 3 });
    expect(tariffs[0]!.price).toBeGreaterThan(0);
    const one = await client.calculator({ townfrom: 'Москва', townto: 'Москва', mass: 1, service: 2 });
    expect(one.map((t) => t.service)).toEqual([2]);
    const unknownTown = await failureOf(client.calculator({ townfrom: 'Москва', townto: 'Нигдебург', mass: 1 }));
    expect(unknownTown.kind).toBe('needsAttention');
    expect(unknownTown.message).toContain('Город получателя не найден');

    const towns = await client.townList({ nameStarts: 'Моск' });
    expect(towns.map((t) => t.name)).toContain('Москва');
    expect(towns.find((t) => t.name === 'Москва')).toMatchObject({ code: '1', region: 'Москва' });
    expect(await client.townList({ name: 'Санкт-Петербург' })).toEqual([{ code: '153361', name: 'Санкт-Петербург', region: 'Санкт-Петербург' }]);
    expect(await client.townList({ nameStarts: 'М', limit: 1 })).toHaveLength(1);

    await client.createOrder(order('T-1'));
    expect(await client.tracking('T-1')).toEqual({ status: 'NEW', title: 'Новый' });
    expect(await client.tracking('T-404')).toBeNull();
  });

  it('wrong credentials: a bare error="1" (and a coded 25 in both forms) is an auth error, and checkCredentials says so', async () => {
    const bare = await setup({}, { password: 'wrong-password' });
    const e1 = await failureOf(bare.client.createOrder(order('W-1')));
    expect({ kind: e1.kind, code: e1.code }).toEqual({ kind: 'auth', code: 1 });
    expect(e1.message).toBe('MeaSoft: неверный логин, пароль или код службы. Проверьте их в настройках курьерской службы.');
    expect(e1.detail ?? '').not.toContain('wrong-password');
    expect((await failureOf(bare.client.waybill(['W-1']))).kind).toBe('auth');
    for (const errorForm of ['element', 'attribute'] as const) {
      const { client, emu } = await setup({ errorForm, authErrorForm: 'coded' }, { password: 'wrong-password' });
      const err = await failureOf(client.createOrder(order('W-1')));
      expect(err.kind).toBe('auth');
      expect(err.message).toContain('Ошибка авторизации');
      expect(err.detail ?? '').not.toContain('wrong-password');
      expect(emu.orders()).toHaveLength(0);
      expect((await failureOf(client.changes(100))).kind).toBe('auth');
    }
    const bad = await setup({}, { password: 'wrong-password' });
    expect(await bad.client.checkCredentials()).toMatchObject({ ok: false });
    const good = await setup();
    const ok = await good.client.checkCredentials();
    expect(ok.ok).toBe(true);
    expect(ok.ok && ok.clientCode).toMatch(/^8\d{4}$/);
  });

  it('faults map to the right kinds: 5xx and dropped connections retry, malformed bodies retry', async () => {
    const { emu, client } = await setup();
    emu.faults.failNext(1, 502);
    expect(await failureOf(client.status('X'))).toMatchObject({ kind: 'retryable', code: 502 });
    // neworder is safe to repeat (MeaSoft deduplicates by orderno), so a 5xx on it is retryable too.
    emu.faults.failNext(1, 500);
    expect((await failureOf(client.createOrder(order('R-1')))).kind).toBe('retryable');
    emu.faults.dropNext(1);
    expect((await failureOf(client.createOrder(order('R-1')))).kind).toBe('retryable');
    emu.faults.malformedNext(1);
    const malformed = await failureOf(client.changes(100));
    expect(malformed).toMatchObject({ kind: 'retryable', code: 'MALFORMED' });
    emu.faults.failNext(1, 401);
    expect((await failureOf(client.status('X'))).kind).toBe('auth');
    // After the faults, the repeated create lands once.
    expect((await client.createOrder(order('R-1'))).outcome).toBe('created');
    expect(emu.orders().filter((o) => o.orderno === 'R-1')).toHaveLength(1);
    expect(emu.requests.filter((r) => r.op === 'neworder').map((r) => r.status)).toEqual([500, 0, 200]);
  });

  it('timeouts are retryable', async () => {
    const { emu, client } = await setup();
    emu.faults.latencyMs = 3000;
    const err = await failureOf(client.status('X'));
    expect(err.kind).toBe('retryable');
    emu.faults.latencyMs = 0;
  });

  it('credentials travel in the XML body, so the client hands them to the redactor', async () => {
    const { redactor } = await setup({}, { login: 'shop-login', password: 'S3cr3t-pass' });
    const body = '<statusreq><auth extra="8" login="shop-login" pass="S3cr3t-pass"/></statusreq>\nlogin shop-login, pass S3cr3t-pass';
    const red = redactor.redact(body);
    expect(red).not.toContain('S3cr3t-pass');
    expect(red).toContain('shop-login'); // an account name, not a secret: it stays readable in the log
  });
});

describe('MeaSoft print forms through <waybill>', () => {
  it('a label arrives as the PDF from <waybill>: one page per order, the chosen form, Russian errors', async () => {
    const { emu, client } = await setup();
    await client.createOrder(order('L-1'));
    await client.createOrder(order('L-2'));
    const pdf = await client.waybill(['L-1', 'L-2'], { form: 'label' });
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.4')).toBe(true);
    expect(text.match(/\/Type \/Page\b/g)).toHaveLength(2);
    expect(text).toContain('Order L-1');
    expect(text).toContain('Order L-2');
    expect(emu.waybills()).toEqual([{ ordernos: ['L-1', 'L-2'], form: 'label' }]);
    // No cabinet login was needed.
    expect(emu.webLogins()).toBe(0);
    const missingOrder = await failureOf(client.waybill(['NOPE']));
    expect(missingOrder.kind).toBe('needsAttention');
    expect(missingOrder.message).toMatch(/Заказы не найдены/);
    expect((await failureOf(client.waybill([]))).kind).toBe('fatal');
  });
});

describe('MeaSoft cabinet web session', () => {
  it('logs in with the CSRF form and fetches the print page', async () => {
    const { emu, client } = await setup();
    await client.createOrder(order('P-1'));
    await client.createOrder(order('P-2'));
    const html = await client.printPage(['P-1', 'P-2']);
    expect(html).toContain('data-orderno="P-1"');
    expect(html).toContain('data-orderno="P-2"');
    expect(html).toContain('Иванов Иван');
    expect(emu.webLogins()).toBe(1);
    await client.printPage(['P-1']);
    expect(emu.webLogins()).toBe(1);
    // The cabinet's session ends: the next page lands on the login form, we log in again and repeat once.
    emu.expireWebSessions();
    expect(await client.printPage(['P-2'])).toContain('data-orderno="P-2"');
    expect(emu.webLogins()).toBe(2);
    // No credentials in any URL we asked for.
    expect(emu.requests.filter((r) => r.op.startsWith('web:')).every((r) => !r.op.includes('testm'))).toBe(true);
  });

  it('a wrong cabinet password is an auth error with a Russian message', async () => {
    const { client } = await setup({}, { password: 'bad-pass' });
    const err = await failureOf(client.printPage(['P-1']));
    expect(err.kind).toBe('auth');
    expect(err.message).toBe('MeaSoft: неверный логин или пароль для входа в личный кабинет');
  });

  it('re-logs in when the lifetime passed, and when the cookie expired on the site', async () => {
    const emu = await startMeasoftEmulator({ webSessionTtlMs: 1000 });
    emulators.push(emu);
    const redactor = new Redactor();
    const session = createWebSession({
      system: 'measoft',
      baseUrl: emu.url,
      redactor,
      lifetimeMs: 150,
      login: { path: '/extraauth/login', csrfField: '_csrf', fields: { 'ExtraLoginForm[login]': 'test', 'ExtraLoginForm[password]': 'testm' } },
    });
    expect(session.loggedInAt).toBeNull();
    const page = await session.get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Личный кабинет: test');
    expect(page.contentType).toContain('text/html');
    const first = session.loggedInAt!;
    expect(emu.webLogins()).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    await session.get('/');
    expect(emu.webLogins()).toBe(2);
    expect(session.loggedInAt!).toBeGreaterThan(first);
    // The cookie outlives our lifetime setting here: expire it on the site and watch the retry.
    const long = createWebSession({
      system: 'measoft',
      baseUrl: emu.url,
      redactor,
      login: { path: '/extraauth/login', csrfField: '_csrf', fields: { 'ExtraLoginForm[login]': 'test', 'ExtraLoginForm[password]': 'testm' } },
    });
    await long.get('/');
    await new Promise((r) => setTimeout(r, 1100));
    const after = await long.get('/print/', { searchParams: { orderno: 'none' } });
    expect(after.body).toContain('Заказы не найдены');
    expect(emu.webLogins()).toBe(4);
    // Concurrent first requests share one login.
    const shared = createWebSession({
      system: 'measoft',
      baseUrl: emu.url,
      redactor,
      login: { path: '/extraauth/login', csrfField: '_csrf', fields: { 'ExtraLoginForm[login]': 'test', 'ExtraLoginForm[password]': 'testm' } },
    });
    await Promise.all([shared.get('/'), shared.get('/'), shared.get('/')]);
    expect(emu.webLogins()).toBe(5);
  });
});
