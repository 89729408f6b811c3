import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentState, moneyEvents, paymentReplays, receiptKey, stateEvent, type FiscalRules, type Ledger, type MoneyEvent } from '../../src-main/engine/flows/fiscal/money-events.js';
import { allScopes, startRetailCrmEmulator, type RetailCrmEmulator } from '../emulators/retailcrm/server.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';

const rules: FiscalRules = { paid: new Set(['paid']), refund: new Set(['returned']) };
let crm: RetailCrmEmulator;

beforeAll(async () => {
  crm = await startRetailCrmEmulator({ keys: [{ key: 'k', scopes: [...allScopes] }] });
});
afterAll(() => crm.close());

/** An order with one card payment, not paid yet; its total in kopecks. */
function order(seed: number, payment: Record<string, unknown> = { type: 'bank-card', amount: 0, status: 'not-paid' }) {
  const [base] = makeOrders(1, { seed, statuses: ['new'] });
  const o = crm.createOrder({ ...base!, externalId: undefined, payments: [payment] } as never, { source: 'user' });
  const now = crm.getOrder(o.id)!;
  return { id: o.id, paymentId: now.payments[0]!.id!, total: Math.round((now.totalSumm ?? 0) * 100) };
}

/** Replays the emulator's history (optionally only records after `sinceId`) against a ledger. */
function replay(id: number, ledger: Ledger = { sold: [], refunded: [] }, sinceId = 0) {
  const records = crm.history().filter((r) => r.id > sinceId);
  const [r] = paymentReplays(records, id, crm.getOrder(id) ?? null);
  return r ? moneyEvents(r, ledger, rules) : [];
}

const brief = (es: MoneyEvent[]) => es.map((e) => (e.op === 'unpaid' ? `unpaid${e.deleted ? ':deleted' : ''}:${e.outstanding}` : `${e.op}#${e.ordinal}:${e.kopecks}`));
const lastId = () => crm.history().at(-1)!.id;

describe('fiscal events from RetailCRM history', () => {
  it('paid → returned before anyone looked: one sale and one refund, each with its own ordinal', () => {
    const o = order(1);
    crm.editPayment(o.paymentId, { status: 'paid', amount: o.total / 100 });
    crm.editPayment(o.paymentId, { status: 'returned' });
    expect(crm.getOrder(o.id)!.payments[0]!.status).toBe('returned');
    expect(brief(replay(o.id))).toEqual([`sell#1:${o.total}`, `sell_refund#1:${o.total}`]);
  });

  it('paid → returned → paid again: two sales and a refund in between', () => {
    const o = order(2);
    crm.editPayment(o.paymentId, { status: 'paid', amount: o.total / 100 });
    crm.editPayment(o.paymentId, { status: 'returned' });
    crm.editPayment(o.paymentId, { status: 'paid' });
    expect(brief(replay(o.id))).toEqual([`sell#1:${o.total}`, `sell_refund#1:${o.total}`, `sell#2:${o.total}`]);
  });

  it('status and amount set in one edit are one change: a single sale of the new amount', () => {
    const o = order(3, { type: 'bank-card', amount: 1000, status: 'not-paid' });
    crm.editPayment(o.paymentId, { status: 'paid', amount: 800 });
    expect(brief(replay(o.id))).toEqual(['sell#1:80000']);
  });

  it('a partial refund (amount edited down after it was paid) refunds the difference; edited up, the difference is sold', () => {
    const o = order(4, { type: 'bank-card', amount: 1000, status: 'not-paid' });
    crm.editPayment(o.paymentId, { status: 'paid' });
    crm.editPayment(o.paymentId, { amount: 700 });
    crm.editPayment(o.paymentId, { amount: 900 });
    expect(brief(replay(o.id))).toEqual(['sell#1:100000', 'sell_refund#1:30000', 'sell#2:20000']);
    // Returned afterwards: what is still outstanding (900 ₽) goes back.
    crm.editPayment(o.paymentId, { status: 'returned' });
    expect(brief(replay(o.id)).at(-1)).toBe('sell_refund#2:90000');
  });

  it('a paid payment deleted after its receipt: no refund receipt, the merchant is told', () => {
    const o = order(5, { type: 'bank-card', amount: 500, status: 'not-paid' });
    crm.editPayment(o.paymentId, { status: 'paid' });
    crm.deletePayment(o.paymentId);
    expect(crm.getOrder(o.id)!.payments).toHaveLength(0);
    expect(brief(replay(o.id))).toEqual(['sell#1:50000', 'unpaid:deleted:50000']);
  });

  it('paid moved back to «not paid»: no receipt, a warning; paid again at the same amount: nothing new', () => {
    const o = order(6, { type: 'bank-card', amount: 500, status: 'not-paid' });
    crm.editPayment(o.paymentId, { status: 'paid' });
    crm.editPayment(o.paymentId, { status: 'not-paid' });
    crm.editPayment(o.paymentId, { status: 'paid' });
    expect(brief(replay(o.id))).toEqual(['sell#1:50000', 'unpaid:50000']);
  });

  it('a payment created paid, with the order or on its own, is a sale', () => {
    const a = order(7, { type: 'bank-card', amount: 300, status: 'paid' });
    expect(brief(replay(a.id))).toEqual(['sell#1:30000']);
    const b = order(8, { type: 'bank-card', amount: 300, status: 'not-paid' });
    const p2 = crm.createPayment(b.id, { type: 'bank-card', amount: 150, status: 'paid' });
    const records = crm.history();
    const replays = paymentReplays(records, b.id, crm.getOrder(b.id)!);
    expect(replays.map((r) => r.paymentId)).toEqual([b.paymentId, p2]);
    expect(brief(moneyEvents(replays[1]!, { sold: [], refunded: [] }, rules))).toEqual(['sell#1:15000']);
    expect(brief(moneyEvents(replays[0]!, { sold: [], refunded: [] }, rules))).toEqual([]);
  });

  it('what a trigger already fiscalised is not sold again: the replay converges on the same receipts', () => {
    const o = order(9);
    crm.editPayment(o.paymentId, { status: 'paid', amount: o.total / 100 });
    // A trigger saw the paid state: the current-state path sold it (key #1).
    const seen = stateEvent(currentState(crm.getOrder(o.id)!.payments[0]!), { sold: [], refunded: [] }, rules, null);
    expect(seen).toMatchObject({ op: 'sell', ordinal: 1, kopecks: o.total });
    crm.editPayment(o.paymentId, { status: 'returned' });
    const cut = lastId();
    crm.editPayment(o.paymentId, { status: 'paid' });
    expect(brief(replay(o.id, { sold: [o.total], refunded: [] }))).toEqual([`sell_refund#1:${o.total}`, `sell#2:${o.total}`]);
    // The history read up to the refund; then a trigger saw the final paid state: sale #2 from the current
    // state, and the rest of the history adds nothing.
    expect(brief(replay(o.id, { sold: [o.total], refunded: [] }).filter((e) => (e.historyId ?? 0) <= cut))).toEqual([`sell_refund#1:${o.total}`]);
    const second = stateEvent(currentState(crm.getOrder(o.id)!.payments[0]!), { sold: [o.total], refunded: [o.total] }, rules, null);
    expect(second).toMatchObject({ op: 'sell', ordinal: 2 });
    expect(brief(replay(o.id, { sold: [o.total, o.total], refunded: [o.total] }, cut))).toEqual([]);
    // With something outstanding the current state asks for nothing: refunds are the history's to tell.
    expect(stateEvent(currentState(crm.getOrder(o.id)!.payments[0]!), { sold: [o.total], refunded: [] }, rules, null)).toBeNull();
  });

  it('history read in two pieces (the cursor in between) gives the same receipts as read at once', () => {
    const o = order(10);
    crm.editPayment(o.paymentId, { status: 'paid', amount: o.total / 100 });
    const cut = lastId();
    crm.editPayment(o.paymentId, { status: 'returned' });
    const first = replay(o.id, { sold: [], refunded: [] }, 0).filter((e) => (e.historyId ?? 0) <= cut);
    const ledger: Ledger = { sold: first.filter((e) => e.op === 'sell').map((e) => (e as { kopecks: number }).kopecks), refunded: [] };
    const second = replay(o.id, ledger, cut);
    expect(brief([...first, ...second])).toEqual(brief(replay(o.id)));
    expect(brief(second)).toEqual([`sell_refund#1:${o.total}`]);
  });

  it('receipt keys: the first sale keeps the key receipts always had; later ones are numbered', () => {
    expect(receiptKey('sell', 12, 34, 1)).toBe('receipt:sell:retailcrm:12:34');
    expect(receiptKey('sell', 12, 34, 2)).toBe('receipt:sell:retailcrm:12:34:2');
    expect(receiptKey('sell_refund', 12, 34, 1)).toBe('receipt:sell_refund:retailcrm:12:34');
    expect(receiptKey('sell_refund', 12, 34, 3)).toBe('receipt:sell_refund:retailcrm:12:34:3');
  });
});
