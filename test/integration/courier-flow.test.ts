import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../src-main/engine/engine.js';
import { createChromiumPdfRenderer } from '../../src-main/engine/printforms/pdf.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { MEASOFT_CHANGES_POLLER } from '../../src-main/engine/flows/courier/index.js';
import { sql } from '../../src-main/engine/db/open.js';
import { addCourierTriggers, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { makeOrders, type SeedOrder } from '../emulators/retailcrm/seed.js';
import { tempDir, waitFor } from '../helpers/temp.js';

let emu: Emulators;
let engine: Engine;
let dataDir: string;
let cleanup: () => void;

async function openEngine(extra: Partial<EngineOptions> = {}): Promise<Engine> {
  const e = await Engine.open({
    ...extra,
    dataDir,
    webhookPort: 0,
    backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 500 },
    runner: { idleMs: 50 },
  });
  await connectEngine(e, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  await e.start();
  return e;
}

beforeEach(async () => {
  const t = tempDir();
  dataDir = t.dir;
  cleanup = t.cleanup;
  emu = await startEmulators({ crm: { rateLimit: 10 } });
  engine = await openEngine();
  // The first history read starts the cursor at «now».
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
});

afterEach(async () => {
  await engine.stop(0);
  await emu.close();
  cleanup();
});

/** A fresh order as a manager creates it in RetailCRM: measoft city delivery, cash on delivery. */
function newOrder(over: Partial<SeedOrder> = {}) {
  const [seed] = makeOrders(1, { seed: Math.floor(Math.random() * 1e9), statuses: ['new'] });
  const base = seed!;
  return emu.crm.createOrder(
    {
      ...base,
      externalId: undefined,
      status: 'new',
      phone: '+7 916 555-12-34',
      delivery: {
        ...base.delivery,
        code: 'measoft-city',
        address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
      ...over,
    },
    { source: 'user' },
  );
}

const measoftOrders = (number: string) => emu.ms.orders().filter((o) => o.orderno === number || o.orderno.startsWith(`${number}-`));
const neworderCalls = () => emu.ms.requests.filter((r) => r.op === 'neworder').length;
const jobs = (kind: string) => sql(engine.db, 'SELECT * FROM jobs WHERE kind = ?').all(kind) as Array<{ state: string; last_error: string | null; order_id: number }>;
const idle = () => waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 20_000);

describe('RetailCRM → MeaSoft courier flow', () => {
  it('a trigger sends the order once: track number written back, duplicates and history add nothing', async () => {
    addCourierTriggers(emu.crm, engine.webhookUrl('retailcrm')!);
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await emu.crm.triggersSettled();
    expect(emu.crm.triggerLog.at(-1)!.status).toBe(200);
    await waitFor(() => measoftOrders(o.number).length === 1, 'the MeaSoft order');
    await waitFor(() => (emu.crm.getOrder(o.id)!.delivery?.data as Record<string, unknown> | undefined)?.trackNumber, 'the track number in RetailCRM');
    // The same trigger again, three times, and the history poll that sees the same change.
    for (let i = 0; i < 3; i++) {
      await fetch(engine.webhookUrl('retailcrm')!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `id=${o.id}&status=send-to-delivery&n=${i}` });
    }
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(measoftOrders(o.number)).toHaveLength(1);
    expect(neworderCalls()).toBe(1);
    const ms = measoftOrders(o.number)[0]!;
    expect(ms.receiver.phone).toBe('+7 916 555-12-34');
    expect(ms.priceKopecks).toBeGreaterThan(0);
    const local = engine.orders.get(engine.orders.idByRef(`retailcrm:${o.id}`)!)!;
    expect(local.systems.measoft?.attention).toBe(false);
  });

  it('a restart in the middle of sending and a 503 storm still make exactly one MeaSoft order', async () => {
    const o = newOrder();
    emu.ms.faults.latencyMs = 800;
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await waitFor(() => emu.ms.requests.length > 0 || jobs('measoft.createOrder').some((j) => j.state === 'running'), 'the send to start', 10_000);
    await new Promise((r) => setTimeout(r, 200));
    // Prilavok quits while MeaSoft is still working on the request; MeaSoft creates the order anyway.
    await engine.stop(0);
    await waitFor(() => measoftOrders(o.number).length === 1, 'MeaSoft to finish the abandoned request');
    emu.ms.faults.latencyMs = 0;
    emu.ms.faults.failNext(4, 503);
    engine = await openEngine();
    await waitFor(() => jobs('measoft.createOrder')[0]?.state === 'done', 'the send to finish after the restart', 20_000);
    await idle();
    expect(measoftOrders(o.number)).toHaveLength(1);
    expect(jobs('measoft.createOrder')).toHaveLength(1);
    const row = sql(engine.db, 'SELECT state, orderno FROM courier_orders WHERE crm_id = ?').get(o.id) as { state: string; orderno: string };
    expect(row).toEqual({ state: 'sent', orderno: o.number });
  });

  it('delivery type changed away cancels while MeaSoft has the order as new; a changed phone updates it', async () => {
    const a = newOrder();
    const b = newOrder();
    for (const o of [a, b]) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(measoftOrders(a.number)).toHaveLength(1);

    emu.crm.editOrder(a.id, { delivery: { code: 'self-delivery' } }, { source: 'user' });
    emu.crm.editOrder(b.id, { phone: '+7 903 111-22-33' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(emu.ms.getOrder(a.number)!.status).toBe('CANCELED');
    expect(emu.ms.getOrder(b.number)!.receiver.phone).toBe('+7 903 111-22-33');
    expect(emu.ms.getOrder(b.number)!.editCount).toBe(1);
    const chip = engine.orders.get(engine.orders.idByRef(`retailcrm:${a.id}`)!)!.systems.measoft;
    expect(chip).toMatchObject({ state: 'CANCELED', attention: false });
  });

  it('once the courier has the order, a change is refused with a clear Russian explanation and the order is marked', async () => {
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    emu.ms.setStatus(o.number, 'DELIVERY');
    emu.crm.editOrder(o.id, { phone: '+7 903 999-00-11' }, { source: 'user' });
    emu.crm.editOrder(o.id, { delivery: { code: 'russian-post' } }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const cancel = jobs('measoft.cancelOrder');
    expect(cancel).toHaveLength(1);
    expect(cancel[0]!.state).toBe('attention');
    expect(cancel[0]!.last_error).toMatch(/курьерская служба уже взяла заказ в работу \(статус «.+»\): отменить его автоматически нельзя/);
    expect(emu.ms.getOrder(o.number)!.status).toBe('DELIVERY');
    const local = engine.orders.get(engine.orders.idByRef(`retailcrm:${o.id}`)!)!;
    expect(local.attention).toBe(true);
    const logged = engine.errors.list({ limit: 10, unreadOnly: true });
    expect(logged.some((e) => e.orderId === local.id && e.system === 'measoft' && /Позвоните в курьерскую службу/.test(e.message))).toBe(true);
  });

  it('a changed phone alone, once the courier has the order: no edit reaches MeaSoft, the merchant gets a Russian explanation', async () => {
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const localId = engine.orders.idByRef(`retailcrm:${o.id}`)!;
    // MeaSoft moves the order on, and Prilavok hears of it through the feed.
    emu.ms.setStatus(o.number, 'NEW');
    emu.ms.setStatus(o.number, 'PICKUP');
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(engine.orders.get(localId)!.attention).toBe(false);

    emu.crm.editOrder(o.id, { phone: '+7 903 999-00-11' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const update = jobs('measoft.updateOrder');
    expect(update).toHaveLength(1);
    expect(update[0]!.state).toBe('attention');
    expect(update[0]!.last_error).toBe(
      `Заказ №${o.number} изменён в RetailCRM, но курьерская служба уже взяла его в работу (статус «Забран у отправителя»): изменения не переданы. Сообщите их курьерской службе по телефону.`,
    );
    // Nothing was sent to change the order: MeaSoft keeps what it had.
    expect(emu.ms.requests.filter((r) => r.op === 'editorder')).toHaveLength(0);
    expect(emu.ms.getOrder(o.number)).toMatchObject({ status: 'PICKUP', editCount: 0 });
    expect(emu.ms.getOrder(o.number)!.receiver.phone).toBe('+7 916 555-12-34');
    expect(jobs('measoft.cancelOrder')).toHaveLength(0);
    const local = engine.orders.get(localId)!;
    expect(local.attention).toBe(true);
    const logged = engine.errors.list({ limit: 10, unreadOnly: true });
    expect(logged.some((e) => e.orderId === localId && e.system === 'measoft' && /изменения не переданы/.test(e.message))).toBe(true);
  });

  it('on delivery the configured payment status lands on the one amount left to pay; two open amounts are left alone', async () => {
    engine.settings.update('courier', { paidPaymentStatus: 'credited' });
    const one = newOrder({ payments: [{ type: 'cash', status: 'not-paid' }] as SeedOrder['payments'] });
    const two = newOrder({ payments: [{ type: 'cash', amount: 100, status: 'not-paid' }, { type: 'cash', amount: 200, status: 'not-paid' }] as SeedOrder['payments'] });
    for (const o of [one, two]) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const before = Object.values(emu.crm.getOrder(one.id)!.payments);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ type: 'cash', status: 'not-paid' });
    const total = emu.crm.getOrder(one.id)!.totalSumm as number;
    expect(before[0]!.amount).toBe(total);

    // The courier takes the cash, the whole sum, for both orders.
    emu.ms.setStatus(one.number, 'COMPLETE', { paytype: 'CASH', priceKopecks: Math.round(total * 100) });
    emu.ms.setStatus(two.number, 'COMPLETE', { paytype: 'CASH', priceKopecks: 30_000 });
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();

    const after = emu.crm.getOrder(one.id)!;
    expect(after.status).toBe('complete');
    const paid = Object.values(after.payments);
    // The same payment, now in the merchant's chosen status; nothing deleted, nothing added.
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ id: before[0]!.id, type: 'cash', amount: total, status: 'credited' });
    const untouched = Object.values(emu.crm.getOrder(two.id)!.payments);
    expect(untouched).toHaveLength(2);
    expect(untouched.map((p) => p.status)).toEqual(['not-paid', 'not-paid']);
    expect(emu.crm.getOrder(two.id)!.status).toBe('complete');

    // Done once: the next poll of the feed changes nothing in RetailCRM.
    emu.crm.resetRequests();
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(emu.crm.requests.filter((r) => r.path.includes('/payments/'))).toHaveLength(0);
  });

  it('statuses and the courier payment come back: mapped status, replaced payment, feed committed after our commit', async () => {
    const o = newOrder({ payments: [{ type: 'cash', amount: 0, status: 'not-paid' }] });
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const total = emu.crm.getOrder(o.id)!.totalSumm as number;

    emu.ms.setStatus(o.number, 'DELIVERY');
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(emu.crm.getOrder(o.id)!.status).toBe('delivering');

    emu.ms.setStatus(o.number, 'COMPLETE', { paytype: 'CARD', priceKopecks: Math.round(total * 100) });
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    const after = emu.crm.getOrder(o.id)!;
    expect(after.status).toBe('complete');
    const payments = Object.values(after.payments);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ type: 'bank-card', status: 'paid', amount: total });
    expect((after.delivery?.data as Record<string, unknown>).status).toBe('COMPLETE');
    const local = engine.orders.get(engine.orders.idByRef(`retailcrm:${o.id}`)!)!;
    expect(local.crmStatus).toBe('complete');
    expect(local.systems.measoft).toMatchObject({ state: 'COMPLETE', label: 'Доставлен' });

    // Committed: the next poll brings nothing new and changes nothing.
    const statusJobs = jobs('retailcrm.courierStatus').length;
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(jobs('retailcrm.courierStatus')).toHaveLength(statusJobs);
  });

  it('when our commit fails, the MeaSoft feed is not committed and the same change arrives again', async () => {
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    emu.ms.setStatus(o.number, 'DELIVERY');
    // The database refuses the write (a full disk, say) while the feed is applied.
    engine.db.exec(`CREATE TRIGGER fail_status BEFORE UPDATE OF measoft_status ON courier_orders BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    expect(emu.ms.requests.filter((r) => r.op === 'commitlaststatus')).toHaveLength(0);
    engine.db.exec('DROP TRIGGER fail_status');
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(emu.ms.requests.filter((r) => r.op === 'commitlaststatus')).toHaveLength(1);
    expect(emu.crm.getOrder(o.id)!.status).toBe('delivering');
  });

  it('our own writes do not echo: history made by our key costs no order reads', async () => {
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    emu.ms.setStatus(o.number, 'DELIVERY');
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    // Everything since the last poll was written by Prilavok (track number, status): nothing to read back.
    emu.crm.resetRequests();
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const paths = emu.crm.requests.map((r) => r.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p === '/api/v5/orders/history')).toBe(true);
    expect(jobs('measoft.updateOrder')).toHaveLength(0);
  });

  it('a new connection sends the orders already waiting for the courier, once, without replaying the account\'s past', async () => {
    await engine.stop(0);
    // Before Prilavok is connected: two orders already wait in the sending status, one is still new.
    const waiting = [newOrder(), newOrder()];
    for (const o of waiting) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    const fresh = newOrder();
    const t = tempDir();
    const first = cleanup;
    cleanup = () => (t.cleanup(), first());
    dataDir = t.dir;
    engine = await openEngine();

    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    for (const o of waiting) expect(measoftOrders(o.number)).toHaveLength(1);
    expect(measoftOrders(fresh.number)).toHaveLength(0);
    expect(jobs('retailcrm.courierCatchUp').map((j) => j.state)).toEqual(['done']);
    // The history before the connection is not read again: a second poll sends nothing more.
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(neworderCalls()).toBe(2);
    expect(jobs('retailcrm.courierCatchUp')).toHaveLength(1);
  });

  it('catch-up after 30 minutes offline: orders changed while Prilavok was off are all sent, once', async () => {
    addCourierTriggers(emu.crm, engine.webhookUrl('retailcrm')!);
    await engine.stop(0);
    // While the PC is off: triggers fire into the void, managers keep working.
    const missed = Array.from({ length: 12 }, () => newOrder());
    for (const o of missed) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await emu.crm.triggersSettled();
    expect(emu.crm.triggerLog.filter((t) => t.status === 200)).toHaveLength(0);
    engine = await openEngine();
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    for (const o of missed) expect(measoftOrders(o.number)).toHaveLength(1);
    expect(neworderCalls()).toBe(12);
  });

  it('catch-up after 30 minutes offline with changes on both sides: the pollers catch up on their own, everything arrives once', async () => {
    const [a, b, c, d] = [newOrder(), newOrder(), newOrder(), newOrder({ payments: [{ type: 'cash', status: 'not-paid' }] as SeedOrder['payments'] })];
    for (const o of [a, b, c, d]) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    const dTotal = emu.crm.getOrder(d.id)!.totalSumm as number;
    await engine.stop(0);

    // Half an hour with the PC off. In RetailCRM: a new order to send, a changed phone, a delivery type changed away.
    const e = newOrder();
    emu.crm.editOrder(e.id, { status: 'send-to-delivery' }, { source: 'user' });
    emu.crm.editOrder(a.id, { phone: '+7 903 444-55-66' }, { source: 'user' });
    emu.crm.editOrder(b.id, { delivery: { code: 'self-delivery' } }, { source: 'user' });
    // At MeaSoft: one order out for delivery, another delivered and paid in cash.
    emu.ms.setStatus(c.number, 'DELIVERY');
    emu.ms.setStatus(d.number, 'DELIVERY');
    emu.ms.setStatus(d.number, 'COMPLETE', { paytype: 'CASH', priceKopecks: Math.round(dTotal * 100) });
    // The clock: both pollers last ran 30 minutes ago; the merchant polls every 10 minutes.
    const off = new Database(path.join(dataDir, 'prilavok.db'));
    off.prepare('UPDATE pollers SET last_run_at = ?, last_ok_at = ? WHERE id IN (?, ?)').run(Date.now() - 30 * 60_000, Date.now() - 30 * 60_000, CRM_HISTORY_POLLER, MEASOFT_CHANGES_POLLER);
    off.close();
    const sentBefore = neworderCalls();
    emu.crm.resetRequests();

    // Started again: nobody presses «sync now».
    engine = await Engine.open({ dataDir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 500 }, runner: { idleMs: 50 } });
    await connectEngine(engine, emu, { historyIntervalSec: 600, pollIntervalSec: 600 });
    await engine.start();
    await waitFor(() => measoftOrders(e.number).length === 1, 'the order made while offline to reach MeaSoft', 15_000);
    await waitFor(() => emu.ms.getOrder(a.number)!.receiver.phone === '+7 903 444-55-66', 'the new phone at MeaSoft', 15_000);
    await waitFor(() => emu.ms.getOrder(b.number)!.status === 'CANCELED', 'the cancel at MeaSoft', 15_000);
    await waitFor(() => emu.crm.getOrder(c.id)!.status === 'delivering', 'the delivery status in RetailCRM', 15_000);
    await waitFor(() => emu.crm.getOrder(d.id)!.status === 'complete', 'the delivered order completed in RetailCRM', 15_000);
    await idle();
    // Everything due is done; the feed is committed: each poller ran once, on its own, and is not due again for minutes.
    for (const p of engine.scheduler.status().filter((x) => x.id === CRM_HISTORY_POLLER || x.id === MEASOFT_CHANGES_POLLER)) {
      expect(p.lastOkAt).toBeGreaterThan(Date.now() - 20_000);
      expect(p.nextRunAt! - Date.now()).toBeGreaterThan(5 * 60_000);
    }

    // Once each: one new MeaSoft order, one edit, one cancel, one payment.
    expect(neworderCalls() - sentBefore).toBe(1);
    expect(emu.ms.getOrder(a.number)!.editCount).toBe(1);
    expect(emu.ms.requests.filter((r) => r.op === 'cancelorder')).toHaveLength(1);
    const dPayments = Object.values(emu.crm.getOrder(d.id)!.payments);
    expect(dPayments).toHaveLength(1);
    expect(dPayments[0]).toMatchObject({ type: 'cash', status: 'paid', amount: dTotal });
    expect((emu.crm.getOrder(c.id)!.delivery?.data as Record<string, unknown>).status).toBe('DELIVERY');
    for (const o of [a, b, c, d, e]) expect(measoftOrders(o.number)).toHaveLength(1);

    // MeaSoft reports back what Prilavok did (the new order, the cancel): only delivery data follows; the order
    // switched to self-delivery keeps the manager's status, it is not turned into a cancelled order.
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(emu.crm.getOrder(b.id)).toMatchObject({ status: 'send-to-delivery', delivery: expect.objectContaining({ code: 'self-delivery' }) });
    expect(engine.orders.get(engine.orders.idByRef(`retailcrm:${b.id}`)!)!.systems.measoft).toMatchObject({ state: 'CANCELED', attention: false });

    // Nothing more to do: polling both sides again sends nothing anywhere.
    const msCalls = emu.ms.requests.length;
    emu.crm.resetRequests();
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(emu.crm.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(emu.ms.requests.slice(msCalls).map((r) => r.op).filter((op) => op !== 'statusreq' && op !== 'commitlaststatus')).toEqual([]);
  });

  it('an invalid phone ends as a Russian error with the order marked, and goes through once the phone is fixed', async () => {
    const o = newOrder({ phone: '916-12-34' });
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const [job] = jobs('measoft.createOrder');
    expect(job!.state).toBe('attention');
    expect(job!.last_error).toMatch(/MeaSoft отклонил заказ/);
    expect(job!.last_error).toMatch(/телефон/i);
    const localId = engine.orders.idByRef(`retailcrm:${o.id}`)!;
    expect(engine.orders.get(localId)!.attention).toBe(true);
    expect(measoftOrders(o.number)).toHaveLength(0);

    emu.crm.editOrder(o.id, { phone: '+7 916 700-80-90' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(measoftOrders(o.number)).toHaveLength(1);
    expect(engine.orders.get(localId)!.attention).toBe(false);
  });

  it('a sent order prints: label and waybill carry the MeaSoft number, unsent orders are named as skipped', async () => {
    const a = newOrder();
    const b = newOrder();
    emu.crm.editOrder(a.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const ids = [a, b].map((o) => engine.orders.upsert({ ref: `retailcrm:${o.id}`, number: o.number }));
    const r = await engine.flows.print.render(ids, 'label-100x150');
    expect(r.source).toBe('prilavok');
    expect(r.html).toContain(a.number);
    expect(r.skipped).toEqual([{ id: ids[1], number: b.number, reason: 'Заказ ещё не передан в курьерскую службу.' }]);
    const w = await engine.api('print.render', { orderIds: ids, form: 'waybill-a4' });
    expect(w).toMatchObject({ ok: true });
  });

  it('MeaSoft\'s own print page when chosen, and our form when the cabinet refuses', async () => {
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const id = engine.orders.idByRef(`retailcrm:${o.id}`)!;
    engine.settings.update('measoft', { printSource: 'measoft' });
    const theirs = await engine.flows.print.render([id], 'label-100x150');
    expect(theirs.source).toBe('measoft');
    expect(theirs.html).toContain(o.number);
    expect(emu.ms.webLogins()).toBe(1);

    // A wrong cabinet password: the merchant still gets a label, with a notice saying why it is ours.
    await engine.secrets.set('measoft.password', 'wrong-password');
    const ours = await engine.flows.print.render([id], 'label-100x150');
    expect(ours.source).toBe('prilavok');
    expect(ours.notice).toMatch(/^Печатная форма MeaSoft недоступна \(.+\); показана форма Прилавка\.$/);
    expect(ours.html).toContain(o.number);
  });

  it('print.pdf returns a PDF of the selected labels, one page per order', async () => {
    await engine.stop(0);
    engine = await openEngine({ pdfRenderer: createChromiumPdfRenderer() });
    const orders = [newOrder(), newOrder()];
    for (const o of orders) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const ids = orders.map((o) => engine.orders.idByRef(`retailcrm:${o.id}`)!);
    const r = await engine.api('print.pdf', { orderIds: ids, form: 'label-75x120' });
    if (!r.ok) throw new Error(r.error.message);
    const result = r.result as { pdfBase64: string; filename: string };
    const pdf = Buffer.from(result.pdfBase64, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(2);
    expect(result.filename).toBe('label-75x120-2-orders.pdf');
  });

  it('print.pdf with MeaSoft\'s forms chosen: the label arrives as the PDF from MeaSoft\'s <waybill>', async () => {
    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const id = engine.orders.idByRef(`retailcrm:${o.id}`)!;
    engine.settings.update('measoft', { printSource: 'measoft' });
    const r = await engine.api('print.pdf', { orderIds: [id], form: 'label-100x150' });
    if (!r.ok) throw new Error(r.error.message);
    const result = r.result as { pdfBase64: string; filename: string };
    const pdf = Buffer.from(result.pdfBase64, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain(`Order ${o.number}`);
    expect(emu.ms.waybills().map((w) => w.ordernos)).toEqual([[o.number]]);
    expect(result.filename).toBe(`measoft-${o.number}.pdf`.replace(/[^\w.-]+/g, '_'));
    // No cabinet login for it.
    expect(emu.ms.webLogins()).toBe(0);
  });

  it('the window\'s helpers: reference books for the dropdowns, trigger texts with our URL, cancel at the courier by hand', async () => {
    const refs = await engine.api('references.get', {});
    if (!refs.ok) throw new Error(refs.error.message);
    const r = refs.result as { statuses: Array<{ code: string; name: string }>; deliveryTypes: Array<{ code: string }>; userGroups: Array<{ id: number | null }> };
    expect(r.statuses).toContainEqual(expect.objectContaining({ code: 'send-to-delivery', name: 'Передан в доставку' }));
    expect(r.deliveryTypes.map((d) => d.code)).toContain('measoft-city');
    expect(r.userGroups.length).toBeGreaterThan(0);

    const t = await engine.api('setup.triggers', {});
    if (!t.ok) throw new Error(t.error.message);
    const triggers = (t.result as { triggers: Array<{ url: string; condition: string; params: Array<{ name: string }> }> }).triggers;
    expect(triggers[0]!.url).toBe(engine.webhookUrl('retailcrm'));
    expect(triggers[0]!.condition).toContain('"measoft-city"');
    expect(triggers[0]!.params[0]!.name).toBe('id');

    const o = newOrder();
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const id = engine.orders.idByRef(`retailcrm:${o.id}`)!;
    const done = await engine.api('orders.action', { id, action: 'cancelCourier' });
    expect(done).toMatchObject({ ok: true });
    await idle();
    expect(emu.ms.getOrder(o.number)!.status).toBe('CANCELED');
    // MeaSoft's feed reports the cancel back; the RetailCRM order is not cancelled for it.
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(emu.crm.getOrder(o.id)!.status).toBe('send-to-delivery');
    // Still in the sending status in RetailCRM: a later change does not send it again…
    emu.crm.editOrder(o.id, { managerComment: 'клиент передумал' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(measoftOrders(o.number)).toHaveLength(1);
    // …until the status leaves the sending statuses and comes back.
    emu.crm.editOrder(o.id, { status: 'assembled' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(measoftOrders(o.number).map((m) => m.orderno).sort()).toEqual([o.number, `${o.number}-2`]);
  });

  it('the dashboard status names each system: connected, last sync, current problem', async () => {
    const [crm, ms] = engine.status().systems;
    expect(crm).toMatchObject({ id: 'retailcrm', configured: true, lastError: null });
    expect(crm!.lastOkAt).toBeGreaterThan(Date.now() - 60_000);
    expect(ms).toMatchObject({ id: 'measoft', configured: true, lastOkAt: null });
    await engine.secrets.set('retailcrm.apiKey', 'wrong-key');
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    expect(engine.status().systems[0]!.lastError).toMatch(/RetailCRM отказал в доступе/);
  });
});

