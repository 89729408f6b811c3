import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER, recordCrmOrders } from '../../src-main/engine/flows/crm/index.js';
import { connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startAtolEmulator, type AtolEmulator } from '../emulators/atol/server.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { tempDir, waitFor } from '../helpers/temp.js';

/*
 * Every movement of money on a RetailCRM card payment gets its receipt, whether or not Prilavok saw the state in
 * between: with Prilavok stopped, inside one history interval, and with the triggers on.
 */

let emu: Emulators;
let atol: AtolEmulator;
let engine: Engine | null = null;
let dataDir: string;
let cleanup: () => void;

async function openEngine(): Promise<Engine> {
  const e = await Engine.open({ dataDir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 300 }, runner: { idleMs: 50 } });
  await connectEngine(e, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  e.settings.update('courier', { enabled: false });
  e.settings.update('kassa', {
    enabled: true,
    baseUrl: atol.url,
    login: 'v5-online-atol-ru',
    profiles: [{ id: 'shop', name: 'Касса магазина', version: 'v5', groupCode: 'v5-online-atol-ru_5179', inn: '5544332219', sno: 'usn_income', email: 'kassa@prilavok.test', paymentAddress: 'https://v5.online.atol.ru', vat: 'none' }],
    crmPaymentTypes: { 'bank-card': 'shop' },
  });
  await e.secrets.set('kassa.password', 'zUr0OxfI');
  await e.start();
  return e;
}

beforeEach(async () => {
  const t = tempDir();
  dataDir = t.dir;
  cleanup = t.cleanup;
  emu = await startEmulators();
  atol = await startAtolEmulator({ processingMs: 30, reportRatePerSec: 0 });
  engine = await openEngine();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
});

afterEach(async () => {
  await engine?.stop(0);
  engine = null;
  await emu.close();
  await atol.close();
  cleanup();
});

const e = () => engine!;
const idle = async () => {
  await waitFor(() => e().inbox.counts().pending === 0, 'the inbox to be processed', 10_000);
  await waitFor(() => { const d = e().queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 30_000);
};
const docs = (crmId: number, op: string) => atol.documents().filter((d) => d.operation === op && d.externalId.startsWith(`receipt:${op}:retailcrm:${crmId}:`));
const keys = (crmId: number) => (sql(e().db, 'SELECT key FROM receipts WHERE crm_id = ? ORDER BY id').all(crmId) as Array<{ key: string }>).map((r) => r.key);

/** A new order with one unpaid card payment, made by a manager; its id, payment id and total (roubles). */
function cardOrder(seed: number) {
  const [base] = makeOrders(1, { seed, statuses: ['new'] });
  const o = emu.crm.createOrder({ ...base!, externalId: undefined, email: `buyer${seed}@example.ru`, payments: [{ type: 'bank-card', amount: 0, status: 'not-paid' }] } as never, { source: 'user' });
  const now = emu.crm.getOrder(o.id)!;
  return { id: o.id, paymentId: now.payments[0]!.id!, total: now.totalSumm! };
}

describe('receipts from what happened to a payment', () => {
  it('paid → returned while Prilavok is stopped: one sale and one refund receipt after it starts', async () => {
    const o = cardOrder(101);
    await e().stop(0);
    engine = null;
    emu.crm.editPayment(o.paymentId, { status: 'paid', amount: o.total });
    emu.crm.editPayment(o.paymentId, { status: 'returned' });
    engine = await openEngine();
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs(o.id, 'sell')).toHaveLength(1);
    expect(docs(o.id, 'sell_refund')).toHaveLength(1);
    const sell = docs(o.id, 'sell')[0]!.body as { receipt: { items: unknown[]; total: number } };
    const refund = docs(o.id, 'sell_refund')[0]!.body as { receipt: { items: unknown[]; total: number } };
    expect(sell.receipt.total).toBe(o.total);
    expect(refund.receipt.items).toEqual(sell.receipt.items);
    expect(keys(o.id)).toEqual([`receipt:sell:retailcrm:${o.id}:${o.paymentId}`, `receipt:sell_refund:retailcrm:${o.id}:${o.paymentId}`]);
    // Polling again changes nothing.
    emu.crm.editOrder(o.id, { managerComment: 'проверено' }, { source: 'user' });
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(atol.documents()).toHaveLength(2);
  });

  it('inside one history interval: paid → returned → paid again gives sale #1, refund #1 and sale #2', async () => {
    const o = cardOrder(102);
    emu.crm.editPayment(o.paymentId, { status: 'paid', amount: o.total });
    emu.crm.editPayment(o.paymentId, { status: 'returned' });
    emu.crm.editPayment(o.paymentId, { status: 'paid' });
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(keys(o.id)).toEqual([
      `receipt:sell:retailcrm:${o.id}:${o.paymentId}`,
      `receipt:sell_refund:retailcrm:${o.id}:${o.paymentId}`,
      `receipt:sell:retailcrm:${o.id}:${o.paymentId}:2`,
    ]);
    expect(docs(o.id, 'sell')).toHaveLength(2);
    expect(docs(o.id, 'sell_refund')).toHaveLength(1);
    expect(sql(e().db, `SELECT count(*) AS n FROM receipts WHERE state = 'done'`).get()).toEqual({ n: 3 });
  });

  it('with the triggers on: what a trigger fiscalised from the paid state and what the history replays converge on the same receipts', async () => {
    const hook = e().webhookUrl('retailcrm')!;
    emu.crm.addTrigger({ name: 'Оплата', fields: ['payments.status', 'payments.amount'], url: hook, params: { id: '{{ order.getId() }}' } });
    const a = cardOrder(103);
    const b = cardOrder(104);
    // a: paid and returned at once (the trigger may read either state); b: paid, seen, then returned and paid again.
    emu.crm.editPayment(a.paymentId, { status: 'paid', amount: a.total });
    emu.crm.editPayment(a.paymentId, { status: 'returned' });
    emu.crm.editPayment(b.paymentId, { status: 'paid', amount: b.total });
    await emu.crm.triggersSettled();
    await idle();
    expect(docs(b.id, 'sell')).toHaveLength(1);
    emu.crm.editPayment(b.paymentId, { status: 'returned' });
    emu.crm.editPayment(b.paymentId, { status: 'paid' });
    await emu.crm.triggersSettled();
    await idle();
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(emu.crm.triggerLog.filter((t) => t.status === 200).length).toBeGreaterThanOrEqual(5);
    expect([docs(a.id, 'sell').length, docs(a.id, 'sell_refund').length]).toEqual([1, 1]);
    expect([docs(b.id, 'sell').length, docs(b.id, 'sell_refund').length]).toEqual([2, 1]);
    expect(new Set(atol.documents().map((d) => d.externalId)).size).toBe(atol.documents().length);
  });

  it('a partial refund and a payment deleted after its receipt: the difference goes back; a deletion warns and makes no receipt', async () => {
    const o = cardOrder(105);
    emu.crm.editPayment(o.paymentId, { status: 'paid', amount: o.total });
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    emu.crm.editPayment(o.paymentId, { amount: o.total - 100 });
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const refunds = docs(o.id, 'sell_refund');
    expect(refunds).toHaveLength(1);
    expect((refunds[0]!.body as { receipt: { total: number } }).receipt.total).toBe(100);
    emu.crm.deletePayment(o.paymentId);
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(atol.documents()).toHaveLength(2);
    const warnings = e().errors.list({ limit: 10 }).filter((x) => x.severity === 'warning' && /удалена после того, как по ней пробит чек/.test(x.message));
    expect(warnings).toHaveLength(1);
  });

  it('a status RetailCRM marks «paymentComplete» counts as paid even when the merchant did not list it', async () => {
    const o = cardOrder(107);
    // «Зачислен курьерской службой»: complete in the reference, not in `paidPaymentStatuses` (['paid']).
    emu.crm.editPayment(o.paymentId, { status: 'credited', amount: o.total });
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs(o.id, 'sell')).toHaveLength(1);
    expect(emu.crm.requests.filter((r) => r.path === '/api/v5/reference/payment-statuses')).toHaveLength(1);
    emu.crm.editPayment(o.paymentId, { status: 'returned' });
    await e().scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(docs(o.id, 'sell_refund')).toHaveLength(1);
    // The book knows every status now: no second read.
    expect(emu.crm.requests.filter((r) => r.path === '/api/v5/reference/payment-statuses')).toHaveLength(1);
  });

  it('a change read long after it happened: the receipt is made and marked late in the timeline and the error log', async () => {
    const o = cardOrder(106);
    emu.crm.editPayment(o.paymentId, { status: 'paid', amount: o.total });
    const records = emu.crm.history('prilavok-key').filter((r) => r.order.id === o.id);
    const at = records.at(-1)!.createdAt!;
    // The history as RetailCRM would hand it over 40 minutes later.
    const later = new Date(Date.parse(at.replace(' ', 'T') + 'Z') + 40 * 60_000).toISOString().replace('T', ' ').slice(0, 19);
    const order = emu.crm.getOrder(o.id)!;
    e().db.transaction(() => recordCrmOrders(e(), [order], e().db, { readAt: Date.now(), history: new Map([[o.id, records]]), generatedAt: later }))();
    await idle();
    expect(docs(o.id, 'sell')).toHaveLength(1);
    const warning = e().errors.list({ limit: 10 }).find((x) => /пробит с опозданием/.test(x.message));
    expect(warning).toMatchObject({ severity: 'warning', system: 'kassa' });
    expect(warning!.message).toMatch(/через 40 мин/);
    expect(warning!.message).toMatch(/чек коррекции/);
    const local = e().orders.idByRef(`retailcrm:${o.id}`)!;
    expect(e().timeline.forOrder(local).some((t) => t.action === 'Чек с опозданием')).toBe(true);
  });
});
