import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { OTHER_KEY, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startAtolEmulator, type AtolEmulator } from '../emulators/atol/server.js';
import { createLeelooSender, makeOtherEvent, makeSale, type LeelooEvent } from '../emulators/leeloo/sender.js';
import { tempDir, waitFor } from '../helpers/temp.js';

/*
 * Leeloo intake against the RetailCRM and ATOL emulators over real HTTP: every event of a batch is kept (a broken
 * SALE becomes an error-log entry, never a refused batch), and a sale finds its RetailCRM customer by phone, then
 * by e-mail, before one is created.
 */

let emu: Emulators;
let atol: AtolEmulator;
let engine: Engine;
let cleanup: () => void;
const METHOD = '603ca3e25875340012dc8c3a';

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  emu = await startEmulators();
  atol = await startAtolEmulator({ processingMs: 30 });
  engine = await Engine.open({ dataDir: t.dir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 300 }, runner: { idleMs: 50 } });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  engine.settings.update('kassa', {
    enabled: true,
    baseUrl: atol.url,
    login: 'v5-online-atol-ru',
    profiles: [
      { id: 'shop', name: 'Касса магазина', version: 'v5', groupCode: 'v5-online-atol-ru_5179', inn: '5544332219', sno: 'usn_income', email: 'kassa@prilavok.test', paymentAddress: 'https://v5.online.atol.ru', vat: 'none' },
    ],
  });
  engine.settings.update('leeloo', { enabled: true, paymentMethods: { [METHOD]: 'shop' }, paymentType: 'bank-card', paidStatus: 'paid' });
  await engine.secrets.set('kassa.password', 'zUr0OxfI');
  await engine.start();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
});

afterEach(async () => {
  await engine.stop(0);
  await emu.close();
  await atol.close();
  cleanup();
});

const idle = async () => {
  await waitFor(() => engine.inbox.counts().pending === 0, 'the inbox to be processed', 10_000);
  await waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 30_000);
};
const leelooOrders = () => emu.crm.orders().filter((o) => o.externalId?.startsWith('leeloo-'));
const orderOf = (orderId: string) => emu.crm.orders().find((o) => o.externalId === `leeloo-${orderId}`);
const errors = () => engine.errors.list({ limit: 100 }).filter((e) => e.system === 'leeloo');
const inboxRows = () => sql(engine.db, `SELECT kind, state, error FROM inbox WHERE source = 'leeloo' ORDER BY id`).all() as Array<{ kind: string; state: string; error: string | null }>;
const post = (body: string) => fetch(engine.webhookUrl('leeloo')!, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** A customer made in RetailCRM by someone else (the shop's site, a manager), as the CRM API does it. */
async function crmCustomer(c: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${emu.crm.url}/api/v5/customers/create`, {
    method: 'POST',
    headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ customer: JSON.stringify(c) }).toString(),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

function sale(seed: number, o: Parameters<typeof makeSale>[0] = {}): LeelooEvent {
  return makeSale({ seed, paymentMethod: METHOD, ...o });
}

describe('Leeloo intake: a batch is kept event by event', () => {
  it('a batch with broken SALE events: 200, the good sales go through, each broken one is an error-log entry naming it; a resend changes nothing', async () => {
    const good1 = sale(11);
    const good2 = sale(12);
    const noPrice = sale(13);
    delete noPrice.data.price;
    const noOrderId = sale(14);
    delete noOrderId.data.order_id;
    const textPrice = sale(15, { offerName: 'Курс «Выпечка»' });
    textPrice.data.price = 'бесплатно';
    const batch = [good1, noPrice, makeOtherEvent('SUBSCRIPTION', { seed: 3 }), noOrderId, textPrice, good2];
    const sender = createLeelooSender(engine.webhookUrl('leeloo')!);

    const first = await sender.send(batch);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ ok: true, accepted: 6, duplicates: 0 });
    await idle();

    // The valid sales of the batch were not lost with it.
    expect(leelooOrders().map((o) => o.externalId).sort()).toEqual([`leeloo-${String(good1.data.order_id)}`, `leeloo-${String(good2.data.order_id)}`].sort());
    await waitFor(() => atol.documents().filter((d) => d.operation === 'sell').length === 2, 'two receipts', 15_000);

    // Each broken one is in the error log, in Russian, saying which event and what is wrong.
    const log = errors();
    expect(log).toHaveLength(3);
    const byText = (s: string) => log.filter((e) => e.message.includes(s));
    const [missingPrice] = byText(`заказ Leeloo ${String(noPrice.data.order_id)}`);
    expect(missingPrice?.message).toContain('событие 2 из 6 в пакете');
    expect(missingPrice?.message).toContain('не указано: сумма (price)');
    expect(missingPrice?.message).toContain('чек не пробит');
    expect(missingPrice?.kind).toBe('needsAttention');
    const [missingId] = byText('событие 4 из 6 в пакете');
    expect(missingId?.message).toContain('не указано: номер заказа (order_id)');
    expect(missingId?.detail).toContain(String(noOrderId.data.offer_name));
    const [badPrice] = byText(`заказ Leeloo ${String(textPrice.data.order_id)}`);
    expect(badPrice?.message).toContain('сумма (price) — не число: "бесплатно"');

    expect(inboxRows().map((r) => `${r.kind}:${r.state}`)).toEqual([
      'SALE:processed', 'SALE_INVALID:failed', 'SUBSCRIPTION:processed', 'SALE_INVALID:failed', 'SALE_INVALID:failed', 'SALE:processed',
    ]);

    // Leeloo resends its batches: all six are known, nothing new anywhere.
    const again = await sender.send(batch);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ ok: true, accepted: 0, duplicates: 6 });
    await idle();
    expect(leelooOrders()).toHaveLength(2);
    expect(errors()).toHaveLength(3);

    // The sale corrected in Leeloo and sent again is a new event and goes through.
    const fixed = { ...noPrice, data: { ...noPrice.data, price: 2990 } };
    expect((await sender.send([fixed])).status).toBe(200);
    await idle();
    expect(orderOf(String(noPrice.data.order_id))).toBeDefined();
  });

  it('a single bare SALE that is broken is kept and reported as well', async () => {
    const broken = sale(21);
    broken.data.price = -100;
    const res = await createLeelooSender(engine.webhookUrl('leeloo')!).send([broken], { shape: 'single' });
    expect(res.status).toBe(200);
    await idle();
    const [entry] = errors();
    expect(entry?.message).toContain('событие 1 из 1 в пакете');
    expect(entry?.message).toContain('сумма (price) отрицательная: -100');
    expect(leelooOrders()).toHaveLength(0);
  });

  it('only a body that is no Leeloo batch at all is refused, with nothing stored and a warning for the merchant', async () => {
    for (const body of ['{"hello":"world"}', '[{"type":"SALE"}]', '{"events":"SALE"}', '"SALE"']) {
      const res = await post(body);
      expect(res.status, body).toBe(422);
    }
    expect(inboxRows()).toHaveLength(0);
    // Four refusals of the same kind are one warning that counts them, the last body in its detail.
    const log = errors();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ severity: 'warning', count: 4, detail: '"SALE"' });
    expect(log[0]!.message).toContain('Leeloo прислал запрос без событий');
    // An empty batch is a batch: acknowledged, nothing to do.
    expect((await post('{"events":[]}')).status).toBe(200);
  });
});

describe('Leeloo intake: the RetailCRM customer', () => {
  it('known only by e-mail: the order is linked to it, no new customer', async () => {
    const id = await crmCustomer({ firstName: 'Ольга', lastName: 'Никитина', email: 'olga_nikitina@mail.ru' });
    const before = emu.crm.customers().length;
    const ev = sale(31, { email: 'olga_nikitina@mail.ru', phone: '+79035550101' });
    expect((await post(JSON.stringify({ events: [ev] }))).status).toBe(200);
    await idle();
    const order = orderOf(String(ev.data.order_id));
    expect(order?.customer).toMatchObject({ id });
    expect(emu.crm.customers()).toHaveLength(before);
  });

  it('known by phone (written differently in RetailCRM): linked to it, even when another customer has the e-mail', async () => {
    const byPhone = await crmCustomer({ firstName: 'Дмитрий', email: 'old-address@yandex.ru', phones: [{ number: '8 (916) 555-01-02' }] });
    await crmCustomer({ firstName: 'Дмитрий В.', email: 'd.volkov@gmail.com' });
    const before = emu.crm.customers().length;
    const ev = sale(32, { email: 'd.volkov@gmail.com', phone: '+79165550102' });
    expect((await post(JSON.stringify({ events: [ev] }))).status).toBe(200);
    await idle();
    expect(orderOf(String(ev.data.order_id))?.customer).toMatchObject({ id: byPhone });
    expect(emu.crm.customers()).toHaveLength(before);
  });

  it('unknown by phone and e-mail: exactly one new customer, also when the sale is sent again', async () => {
    await crmCustomer({ firstName: 'Другой', email: 'someone@else.ru', phones: [{ number: '+79990000000' }] });
    const before = emu.crm.customers().length;
    const ev = sale(33, { email: 'new.buyer@bk.ru', phone: '+79261112233' });
    expect((await post(JSON.stringify({ events: [ev] }))).status).toBe(200);
    await idle();
    expect((await post(JSON.stringify({ events: [ev] }))).status).toBe(200);
    await idle();
    const customers = emu.crm.customers();
    expect(customers).toHaveLength(before + 1);
    const created = customers.at(-1)!;
    expect(created).toMatchObject({ email: 'new.buyer@bk.ru' });
    expect(orderOf(String(ev.data.order_id))?.customer).toMatchObject({ id: created.id });
    expect(leelooOrders()).toHaveLength(1);
  });
});
