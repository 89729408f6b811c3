import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { MEASOFT_CHANGES_POLLER } from '../../src-main/engine/flows/courier/index.js';
import { OTHER_KEY, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startAtolEmulator, type AtolEmulator } from '../emulators/atol/server.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { MAX_AUTO_RESENDS } from '../../src-main/engine/flows/fiscal/index.js';
import type { FiscalData } from '../../src-main/engine/connectors/kassa/types.js';
import { tempDir, waitFor } from '../helpers/temp.js';

let emu: Emulators;
let atol: AtolEmulator;
let engine: Engine;
let dataDir: string;
let cleanup: () => void;
const METHOD = '5fa0c1d2e3f4a5b6c7d8e9f0';

async function openEngine(extra: Partial<EngineOptions> = {}): Promise<Engine> {
  const e = await Engine.open({ ...extra, dataDir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 300 }, runner: { idleMs: 50 } });
  await connectEngine(e, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  e.settings.update('kassa', {
    enabled: true,
    baseUrl: atol.url,
    login: 'v5-online-atol-ru',
    profiles: [
      { id: 'shop', name: 'Касса магазина', version: 'v5', groupCode: 'v5-online-atol-ru_5179', inn: '5544332219', sno: 'usn_income', email: 'kassa@prilavok.test', paymentAddress: 'https://v5.online.atol.ru', vat: 'none' },
    ],
    crmPaymentTypes: { 'bank-card': 'shop' },
    cod: { enabled: true, profileId: 'shop', courierPrints: false },
  });
  e.settings.update('leeloo', { enabled: true, paymentMethods: { [METHOD]: 'shop' }, paymentType: 'bank-card', paidStatus: 'paid' });
  await e.secrets.set('kassa.password', 'zUr0OxfI');
  await e.start();
  return e;
}

beforeEach(async () => {
  const t = tempDir();
  dataDir = t.dir;
  cleanup = t.cleanup;
  emu = await startEmulators();
  atol = await startAtolEmulator({ processingMs: 50 });
  engine = await openEngine();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
});

afterEach(async () => {
  await engine.stop(0);
  await emu.close();
  await atol.close();
  cleanup();
});

const idle = async () => {
  // Webhooks reach the queue through the inbox first.
  await waitFor(() => engine.inbox.counts().pending === 0, 'the inbox to be processed', 10_000);
  await waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 30_000);
};
const receipts = () => sql(engine.db, 'SELECT key, op, state, uuid, external_id, fiscal FROM receipts ORDER BY id').all() as Array<{ key: string; op: string; state: string; uuid: string | null; external_id: string; fiscal: string | null }>;
const docs = (op?: string) => atol.documents().filter((d) => !op || d.operation === op);

let n = 0;
function sale(over: Record<string, unknown> = {}) {
  n += 1;
  const id = (0x60a7000000000000000000n + BigInt(n)).toString(16).padStart(24, '0');
  return { type: 'SALE', data: { order_id: id, account_id: '5f1c00000000000000000001', person_id: '5f1c00000000000000000002', offer_id: '5f9e00000000000000000003', offer_name: 'Онлайн-курс «Домашняя выпечка»', price: 4990, price_usd: 54.2, currency: 'RUB', email: `buyer${n}@example.ru`, phone: '+79991234567', payment_method: METHOD, created_at: '2026-11-20T10:15:30.123Z', ...over } };
}
const postLeeloo = (events: unknown[]) =>
  fetch(engine.webhookUrl('leeloo')!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
const jobs = (kind: string) => sql(engine.db, 'SELECT state, last_error, idempotency_key FROM jobs WHERE kind = ? ORDER BY id').all(kind) as Array<{ state: string; last_error: string | null; idempotency_key: string }>;

/** A RetailCRM order with one payment of `type`, paid in full by a RetailCRM user (not by Prilavok). */
async function paidCrmOrder(seed: number, type: string) {
  const [base] = makeOrders(1, { seed, statuses: ['new'] });
  const o = emu.crm.createOrder({ ...base!, externalId: undefined, email: `buyer${seed}@example.ru`, payments: [{ type, amount: 0, status: 'not-paid' }] } as never, { source: 'user' });
  const total = emu.crm.getOrder(o.id)!.totalSumm as number;
  const p = Object.values(emu.crm.getOrder(o.id)!.payments)[0]!;
  const res = await fetch(`${emu.crm.url}/api/v5/orders/payments/${p.id}/edit`, {
    method: 'POST',
    headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ by: 'id', payment: JSON.stringify({ status: 'paid', amount: total }) }),
  });
  expect(res.status).toBe(200);
  return { id: o.id, total };
}

/** A COD order sent to MeaSoft and delivered there (the courier took cash); returns the COD amount. */
async function deliveredCodOrder(seed: number) {
  const [base] = makeOrders(1, { seed, statuses: ['new'] });
  const o = emu.crm.createOrder(
    {
      ...base!,
      externalId: undefined,
      status: 'new',
      phone: '+7 916 555-12-34',
      delivery: { ...base!.delivery, code: 'measoft-city', address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' } },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    } as never,
    { source: 'user' },
  );
  emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  await idle();
  const ms = emu.ms.orders().find((x) => x.orderno === o.number)!;
  emu.ms.setStatus(o.number, 'COMPLETE', { paytype: 'CASH', priceKopecks: ms.priceKopecks });
  await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
  await idle();
  return { id: o.id, priceKopecks: ms.priceKopecks };
}

describe('fiscal receipts', () => {
  it('a Leeloo batch → one RetailCRM order and one receipt per SALE, again when the batch is replayed; other events are stored only', async () => {
    const batch = [sale(), sale(), { type: 'SUBSCRIPTION', data: { id: 'abc', leadgentool_id: 'x' } }, sale()];
    expect((await postLeeloo(batch)).status).toBe(200);
    await idle();
    expect(docs('sell')).toHaveLength(3);
    await waitFor(() => receipts().every((r) => r.state === 'done'), 'receipts done', 15_000);
    // Replayed as Leeloo does with its delayed batches: nothing new anywhere.
    expect((await postLeeloo(batch)).status).toBe(200);
    await idle();
    expect(docs('sell')).toHaveLength(3);
    const orders = emu.crm.orders().filter((o) => o.externalId?.startsWith('leeloo-'));
    expect(orders).toHaveLength(3);
    for (const o of orders) {
      const pays = Object.values(o.payments);
      expect(pays).toHaveLength(1);
      expect(pays[0]).toMatchObject({ type: 'bank-card', status: 'paid', amount: 4990 });
    }
    const r = receipts()[0]!;
    const fiscal = JSON.parse(r.fiscal!) as { fiscal_receipt_number: number; fn_number: string };
    expect(fiscal.fn_number).toMatch(/^\d+$/);
    const localId = engine.orders.idByRef(`retailcrm:${orders[0]!.id}`)!;
    expect(engine.orders.get(localId)!.systems.kassa).toMatchObject({ state: 'done' });
    const inbox = sql(engine.db, `SELECT kind, count(*) AS n FROM inbox WHERE source = 'leeloo' GROUP BY kind ORDER BY kind`).all();
    expect(inbox).toEqual([{ kind: 'SALE', n: 3 }, { kind: 'SUBSCRIPTION', n: 1 }]);
  });

  it('an unknown Leeloo payment method waits for the merchant with a clear message, then goes through once mapped', async () => {
    await postLeeloo([sale({ payment_method: 'ffffffffffffffffffffffff' })]);
    await idle();
    const [job] = sql(engine.db, `SELECT id, state, last_error FROM jobs WHERE kind = 'leeloo.sale'`).all() as Array<{ id: number; state: string; last_error: string }>;
    expect(job!.state).toBe('attention');
    expect(job!.last_error).toContain('оплачена способом с id ffffffffffffffffffffffff, для которого не выбрана касса');
    engine.settings.update('leeloo', { paymentMethods: { [METHOD]: 'shop', ffffffffffffffffffffffff: 'shop' } });
    engine.queue.retry(job!.id);
    await idle();
    expect(docs('sell')).toHaveLength(1);
  });

  it('the ATOL token expires mid-run: renewed, receipts keep going', async () => {
    await postLeeloo([sale()]);
    await idle();
    atol.expireTokens();
    await postLeeloo([sale()]);
    await idle();
    await waitFor(() => receipts().length === 2 && receipts().every((r) => r.state === 'done'), 'both receipts done', 15_000);
    expect(atol.tokensIssued()).toBeGreaterThanOrEqual(2);
  });

  it('a restart between «registered at the register» and «result stored» adopts the receipt (error 33), never a second one', async () => {
    await postLeeloo([sale()]); // the token is fetched and cached on the way
    await idle();
    atol.faults.latencyMs = 600;
    await postLeeloo([sale()]);
    await waitFor(() => sql(engine.db, `SELECT 1 FROM jobs WHERE kind = 'kassa.register' AND state = 'running'`).get(), 'the registration to start', 10_000);
    await new Promise((r) => setTimeout(r, 150));
    await engine.stop(0); // the answer is lost; the register keeps the receipt
    await waitFor(() => docs('sell').length === 2, 'the register to accept the receipt');
    atol.faults.latencyMs = 0;
    engine = await openEngine();
    await idle();
    await waitFor(() => receipts()[1]?.state === 'done', 'the receipt result', 15_000);
    expect(docs('sell')).toHaveLength(2);
    expect(receipts()).toHaveLength(2);
    expect(receipts()[1]!.uuid).toBe(docs('sell')[1]!.uuid);
    // The second registration was answered «already have it» (33), not a new receipt.
    expect(atol.requests.some((r) => r.code === 33)).toBe(true);
  });

  it('RetailCRM: a card payment becoming paid gets a sell receipt; returned gets a refund with the same items; a receipt whose sums disagree is refused before sending', async () => {
    const [base] = makeOrders(1, { seed: 31, statuses: ['new'] });
    const o = emu.crm.createOrder({ ...base!, externalId: undefined, email: 'anna@example.ru', payments: [{ type: 'bank-card', amount: 0, status: 'not-paid' }] } as never, { source: 'user' });
    const total = emu.crm.getOrder(o.id)!.totalSumm as number;
    const p = Object.values(emu.crm.getOrder(o.id)!.payments)[0]!;
    const editPayment = (patch: Record<string, unknown>) =>
      fetch(`${emu.crm.url}/api/v5/orders/payments/${p.id}/edit`, {
        method: 'POST',
        headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ by: 'id', payment: JSON.stringify(patch) }),
      });
    expect((await editPayment({ status: 'paid', amount: total })).status).toBe(200);
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs('sell')).toHaveLength(1);
    const sell = docs('sell')[0]!.body as { receipt: { items: unknown[]; total: number; payments: Array<{ sum: number }> } };
    expect(sell.receipt.total).toBe(total);
    expect(await editPayment({ status: 'returned' })).toMatchObject({ status: 200 });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs('sell_refund')).toHaveLength(1);
    const refund = docs('sell_refund')[0]!.body as { receipt: { items: unknown[]; total: number } };
    expect(refund.receipt.items).toEqual(sell.receipt.items);
    expect(refund.receipt.total).toBe(total);

    // A receipt whose payments do not cover the total: refused in Russian before anything is sent.
    const before = atol.requests.length;
    expect(() =>
      engine.db.transaction(() =>
        engine.flows.fiscal.request(engine.db, {
          key: 'receipt:sell:test:broken',
          op: 'sell',
          profileId: 'shop',
          orderId: null,
          crmId: null,
          input: { items: [{ name: 'Плед', priceKopecks: 150_000, quantity: 1, vat: 'none' }], payments: [{ kind: 'cashless', kopecks: 100_000 }], customer: { email: 'a@b.ru' }, settlement: 'full_payment' },
        }),
      )(),
    ).toThrow(/оплат|сумм/i);
    expect(atol.requests.length).toBe(before);
  });

  it('RetailCRM: a payment of a cash type is fiscalised as cash (type 0), any other as cashless (type 1); the list is the merchant\'s', async () => {
    engine.settings.update('kassa', { crmPaymentTypes: { 'bank-card': 'shop', cash: 'shop', 'e-money': 'shop' } });
    expect(engine.settings.get('kassa').cashPaymentTypes).toEqual(['cash']); // the default
    const cash = await paidCrmOrder(71, 'cash');
    const card = await paidCrmOrder(72, 'bank-card');
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const payments = (o: { total: number }) =>
      docs('sell')
        .map((d) => (d.body as { receipt: { total: number; payments: Array<{ type: number; sum: number }> } }).receipt)
        .filter((r) => r.total === o.total)
        .map((r) => r.payments);
    expect(docs('sell')).toHaveLength(2);
    expect(payments(cash)).toEqual([[{ type: 0, sum: cash.total }]]);
    expect(payments(card)).toEqual([[{ type: 1, sum: card.total }]]);
    // The merchant says electronic money is cash for this shop (a till that takes it): its receipt says so.
    engine.settings.update('kassa', { cashPaymentTypes: ['cash', 'e-money'] });
    const emoney = await paidCrmOrder(73, 'e-money');
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(payments(emoney)).toEqual([[{ type: 0, sum: emoney.total }]]);
    await waitFor(() => receipts().every((r) => r.state === 'done'), 'receipts done', 15_000);
  });

  it('a receipt the register failed for a temporary reason (queue timeout, KKT busy) is sent again by itself under a new id; a data error waits for the merchant', async () => {
    engine.flows.fiscal.resendBackoff = { baseMs: 50, maxMs: 200, maxRetryAfterMs: 0 };
    atol.failNextDocuments(1, { code: 1, type: 'timeout', text: 'Истекло время ожидания обработки чека' });
    atol.failNextDocuments(1, { code: -3830 });
    await postLeeloo([sale()]);
    await idle();
    await waitFor(() => receipts()[0]?.state === 'done', 'the receipt done after two re-sends', 20_000);
    // Three documents at the register, only the last one a receipt; each under its own external_id.
    const sent = docs('sell');
    expect(sent.map((d) => d.status)).toEqual(['fail', 'fail', 'done']);
    const r = receipts()[0]!;
    expect(sent.map((d) => d.externalId)).toEqual([r.key, `${r.key}:r2`, `${r.key}:r3`]);
    expect(r.external_id).toBe(`${r.key}:r3`);
    expect(r.uuid).toBe(sent[2]!.uuid);
    const body = (d: (typeof sent)[number]) => (d.body as { receipt: unknown }).receipt;
    expect(body(sent[2]!)).toEqual(body(sent[0]!));
    expect(jobs('kassa.report').map((j) => j.state)).toEqual(['done', 'done', 'done']);
    expect(jobs('kassa.register').map((j) => j.idempotency_key.endsWith(':auto'))).toEqual([false, true, true]);
    expect(sql(engine.db, `SELECT count(*) AS n FROM jobs WHERE state IN ('attention', 'dead')`).get()).toEqual({ n: 0 });

    // «Fix the receipt» errors are not re-sent: the merchant sees the reason.
    atol.failNextDocuments(1, { code: -3803 });
    await postLeeloo([sale()]);
    await idle();
    expect(docs('sell')).toHaveLength(4);
    const failed = jobs('kassa.report').at(-1)!;
    expect(failed.state).toBe('attention');
    expect(failed.last_error).toMatch(/неверная цена или сумма позиции/);
  });

  it('a register that keeps timing out is re-sent a bounded number of times, then waits for the merchant; «Повторить» sends it again', async () => {
    engine.flows.fiscal.resendBackoff = { baseMs: 20, maxMs: 50, maxRetryAfterMs: 0 };
    atol.failNextDocuments(MAX_AUTO_RESENDS + 1, { code: 1, type: 'timeout' });
    await postLeeloo([sale()]);
    await idle();
    expect(docs('sell')).toHaveLength(MAX_AUTO_RESENDS + 1);
    const last = jobs('kassa.report').at(-1)!;
    expect(last.state).toBe('attention');
    expect(last.last_error).toMatch(new RegExp(`не успела пробить чек.*отправлялся заново ${MAX_AUTO_RESENDS} раз`));
    const [job] = sql(engine.db, `SELECT id FROM jobs WHERE kind = 'kassa.report' AND state = 'attention'`).all() as Array<{ id: number }>;
    engine.queue.retry(job!.id);
    await idle();
    await waitFor(() => receipts()[0]?.state === 'done', 'the receipt done after «Повторить»', 15_000);
    expect(docs('sell')).toHaveLength(MAX_AUTO_RESENDS + 2);
    expect(receipts()[0]!.external_id).toBe(`${receipts()[0]!.key}:r${MAX_AUTO_RESENDS + 2}`);
  });

  it('the courier\'s money gets one receipt: a COD payment type also mapped to a receipt is not fiscalised again when the courier flow marks it paid', async () => {
    // The types the courier flow uses (cod, and cash for what MeaSoft says was paid in cash) are mapped too.
    engine.settings.update('kassa', { crmPaymentTypes: { 'bank-card': 'shop', cash: 'shop', cod: 'shop' } });
    const o = await deliveredCodOrder(43);
    expect(docs('sell')).toHaveLength(1);
    // The courier flow replaced the COD payment by a paid cash one; the merchant edits the order afterwards,
    // so RetailCRM's history brings the paid payment to the cash-register flow.
    const paid = Object.values(emu.crm.getOrder(o.id)!.payments);
    expect(paid).toEqual([expect.objectContaining({ type: 'cash', status: 'paid' })]);
    emu.crm.editOrder(o.id, { managerComment: 'деньги сданы в кассу' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs('sell')).toHaveLength(1);
    expect(receipts().map((r) => r.key)).toEqual([`receipt:sell:retailcrm:${o.id}:cod`]);
    expect((docs('sell')[0]!.body as { receipt: { payments: unknown } }).receipt.payments).toEqual([{ type: 0, sum: o.priceKopecks / 100 }]);
  });

  it('cash on delivery with «the courier prints the receipt»: Prilavok makes none, not even through the payment mapping', async () => {
    engine.settings.update('kassa', { cod: { enabled: true, profileId: 'shop', courierPrints: true }, crmPaymentTypes: { 'bank-card': 'shop', cash: 'shop', cod: 'shop' } });
    const o = await deliveredCodOrder(44);
    emu.crm.editOrder(o.id, { managerComment: 'доставлен' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(Object.values(emu.crm.getOrder(o.id)!.payments)).toEqual([expect.objectContaining({ type: 'cash', status: 'paid' })]);
    expect(docs()).toHaveLength(0);
    expect(receipts()).toHaveLength(0);
    // The same delivery with Prilavok printing: one receipt (the guard is the setting, not a broken flow).
    engine.settings.update('kassa', { cod: { enabled: true, profileId: 'shop', courierPrints: false } });
    await deliveredCodOrder(45);
    expect(docs('sell')).toHaveLength(1);
  });

  it('cash on delivery: MeaSoft «Доставлен» gets one full-settlement receipt, however often the status arrives', async () => {
    const [base] = makeOrders(1, { seed: 41, statuses: ['new'] });
    const o = emu.crm.createOrder(
      {
        ...base!,
        externalId: undefined,
        status: 'new',
        phone: '+7 916 555-12-34',
        delivery: { ...base!.delivery, code: 'measoft-city', address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' } },
        payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
      } as never,
      { source: 'user' },
    );
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const ms = emu.ms.orders().find((x) => x.orderno === o.number)!;
    emu.ms.setStatus(o.number, 'COMPLETE', { paytype: 'CASH', priceKopecks: ms.priceKopecks });
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    emu.ms.setStatus(o.number, 'COMPLETE', { paytype: 'CASH', priceKopecks: ms.priceKopecks });
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    const cod = docs('sell');
    expect(cod).toHaveLength(1);
    const body = cod[0]!.body as { receipt: { payments: Array<{ type: number; sum: number }>; total: number; client: { phone?: string } } };
    expect(body.receipt.payments).toEqual([{ type: 0, sum: ms.priceKopecks / 100 }]);
    expect(body.receipt.client.phone).toBe('+79165551234');
  });

  it('with a public address the register calls back to our route; the fiscal attributes reach the RetailCRM field and the timeline', async () => {
    engine.settings.update('tunnel', { provider: 'own', ownUrl: engine.webhooks.localUrl });
    engine.settings.update('kassa', { writeBackField: 'fiscal_receipt' });
    await postLeeloo([sale()]);
    await idle();
    await atol.callbacksSettled();
    expect(atol.callbacks).toHaveLength(1);
    expect(atol.callbacks[0]!.url).toBe(engine.webhookUrl('kassa'));
    expect(atol.callbacks[0]!.status).toBe(200);
    await waitFor(() => receipts()[0]?.state === 'done', 'the receipt done', 15_000);
    await idle();
    const order = emu.crm.orders().find((o) => o.externalId?.startsWith('leeloo-'))!;
    const text = String((emu.crm.getOrder(order.id)!.customFields as Record<string, unknown>).fiscal_receipt ?? '');
    const f = JSON.parse(receipts()[0]!.fiscal!) as FiscalData;
    expect(f.ofd_receipt_url).toMatch(/^https:\/\//);
    expect(f.receipt_datetime).toMatch(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/);
    expect(text).toBe(
      `Чек №${f.fiscal_receipt_number}, смена ${f.shift_number}, ${f.receipt_datetime}, РН ККТ 0000000001002292, ФН ${f.fn_number}, ФД ${f.fiscal_document_number}, ФП ${f.fiscal_document_attribute}, ${f.ofd_receipt_url}`,
    );
    const localId = engine.orders.idByRef(`retailcrm:${order.id}`)!;
    const timeline = engine.timeline.forOrder(localId);
    const steps = timeline.map((t) => t.action);
    expect(steps).toEqual(expect.arrayContaining(['Регистрация чека в онлайн-кассе', 'Чек пробит (уведомление онлайн-кассы)', 'Результат чека онлайн-кассы', 'Реквизиты чека в RetailCRM']));
    // The receipt's attributes on the timeline: the date and the OFD link among them, from the callback and from the report step.
    for (const action of ['Чек пробит (уведомление онлайн-кассы)', 'Результат чека онлайн-кассы']) {
      const received = JSON.parse(timeline.find((t) => t.action === action)!.received!) as Record<string, unknown>;
      expect(received).toMatchObject({ number: f.fiscal_receipt_number, datetime: f.receipt_datetime, rn: '0000000001002292', fn: f.fn_number, fd: f.fiscal_document_number, fp: f.fiscal_document_attribute, ofd: f.ofd_receipt_url });
    }
    const written = JSON.parse(timeline.find((t) => t.action === 'Реквизиты чека в RetailCRM')!.sent!) as Record<string, string>;
    expect(written).toEqual({ fiscal_receipt: text });
  });

  it('goods handed over later: a prepayment receipt when paid, the settlement receipt (offsetting the advance) when the order completes', async () => {
    engine.settings.update('kassa', { prepaymentUntilComplete: true, completeStatuses: ['complete'] });
    const [base] = makeOrders(1, { seed: 57, statuses: ['new'] });
    const o = emu.crm.createOrder({ ...base!, externalId: undefined, email: 'ivan@example.ru', payments: [{ type: 'bank-card', amount: 0, status: 'not-paid' }] } as never, { source: 'user' });
    const total = emu.crm.getOrder(o.id)!.totalSumm as number;
    const p = Object.values(emu.crm.getOrder(o.id)!.payments)[0]!;
    await fetch(`${emu.crm.url}/api/v5/orders/payments/${p.id}/edit`, {
      method: 'POST',
      headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ by: 'id', payment: JSON.stringify({ status: 'paid', amount: total }) }),
    });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const first = docs('sell')[0]!.body as { receipt: { items: Array<{ payment_method: string }>; payments: Array<{ type: number }> } };
    expect(first.receipt.items.every((i) => i.payment_method === 'full_prepayment')).toBe(true);
    expect(first.receipt.payments.map((x) => x.type)).toEqual([1]);
    emu.crm.editOrder(o.id, { status: 'complete' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs('sell')).toHaveLength(2);
    const settlement = docs('sell')[1]!.body as { receipt: { items: Array<{ payment_method: string }>; payments: Array<{ type: number; sum: number }> } };
    expect(settlement.receipt.items.every((i) => i.payment_method === 'full_payment')).toBe(true);
    expect(settlement.receipt.payments).toEqual([{ type: 2, sum: total }]);
    // Further changes change nothing: still two receipts.
    emu.crm.editOrder(o.id, { managerComment: 'выдан' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs('sell')).toHaveLength(2);
  });
});

