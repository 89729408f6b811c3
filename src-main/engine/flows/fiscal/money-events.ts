import type { CrmOrder, HistoryRecord } from '../../connectors/retailcrm/index.js';
import { toKopecks } from '../../core/money.js';

/*
 * 54-FZ wants a receipt for every movement of money, not for the state a payment is in when Prilavok looks.
 * RetailCRM's `orders/history` records every change of a payment (created, deleted, status, amount, type), so
 * the fiscal events are replayed from it: a payment that became paid and was returned while Prilavok was off
 * still yields one sale and one refund. Pure functions here; the fiscal flow stores the receipts.
 *
 * The rule, per payment, in kopecks. «Outstanding» is what the receipts made for the payment so far sold
 * minus what they refunded.
 *  - The payment is (or becomes) paid with amount A: when outstanding ≠ A, one receipt brings it to A — a sale
 *    of A − outstanding, or a refund of outstanding − A (an amount edited down after it was paid is a partial
 *    refund; edited up, an additional sale). Becoming paid from nothing is simply a sale of A.
 *  - The payment becomes a refund status (returned): a refund of the whole outstanding.
 *  - The payment is deleted or moves to another unpaid status while something is outstanding: no receipt
 *    (RetailCRM does not say the money went back) — the merchant is told to check it.
 * The n-th sale and n-th refund of a payment have their own keys; the first sale keeps the historical key.
 */

export interface PaymentState {
  exists: boolean;
  status: string | null;
  amountKop: number;
  type: string | null;
}

export interface PaymentStep {
  /** The last history record of the change (a change of several fields at once is one step). */
  historyId: number;
  /** `createdAt` of the record, in RetailCRM's clock. */
  at: string;
  state: PaymentState;
}

export interface PaymentReplay {
  paymentId: number;
  before: PaymentState;
  steps: PaymentStep[];
}

export interface FiscalRules {
  paid: ReadonlySet<string>;
  refund: ReadonlySet<string>;
}

/** Kopecks of the receipts already made for a payment, in ordinal order. */
export interface Ledger {
  sold: number[];
  refunded: number[];
}

export type MoneyEvent =
  | {
      op: 'sell' | 'sell_refund';
      /** 1 for the first sale (or refund) of this payment, 2 for the second… */
      ordinal: number;
      kopecks: number;
      /** What the payment is now owed in full (0 after a full refund). */
      outstandingAfter: number;
      reason: 'paid' | 'amount' | 'returned';
      historyId: number | null;
      at: string | null;
      type: string | null;
    }
  | { op: 'unpaid'; outstanding: number; deleted: boolean; status: string | null; historyId: number | null; at: string | null; type: string | null };

const PAYMENT_FIELDS = new Set(['payments', 'payments.status', 'payments.amount', 'payments.type']);

function code(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') {
    const c = (v as { code?: unknown }).code;
    return c === null || c === undefined ? null : String(c);
  }
  return String(v);
}

function kop(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? toKopecks(n) : null;
}

function paymentIdOf(r: HistoryRecord): number | null {
  const fromRecord = r.payment?.id;
  if (typeof fromRecord === 'number') return fromRecord;
  // A `payments` record names the payment in its value too ({id, type}).
  const v = (r.newValue ?? r.oldValue) as { id?: unknown } | null;
  const n = v && typeof v === 'object' ? Number(v.id) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

interface RawPayment {
  id?: unknown;
  status?: unknown;
  amount?: unknown;
  type?: unknown;
}

function createdOrderPayments(r: HistoryRecord): RawPayment[] {
  if (!r.created) return [];
  const p = (r.order as { payments?: unknown }).payments;
  if (Array.isArray(p)) return p as RawPayment[];
  if (p && typeof p === 'object') return Object.values(p) as RawPayment[];
  return [];
}

/**
 * The history of each payment of one order as a sequence of states: where it started before the first record
 * and where each change left it. Records of other orders are ignored. `current` (the order as RetailCRM has it
 * now) fills in what the records do not carry.
 */
export function paymentReplays(records: HistoryRecord[], orderId: number, current: CrmOrder | null): PaymentReplay[] {
  const sorted = records.filter((r) => r.order?.id === orderId).sort((a, b) => a.id - b.id);
  const position = new Map(sorted.map((r, i) => [r.id, i]));
  const byPayment = new Map<number, HistoryRecord[]>();
  const createdWith = new Map<number, { record: HistoryRecord; payment: RawPayment }>();
  for (const r of sorted) {
    for (const p of createdOrderPayments(r)) {
      const id = Number(p.id);
      if (Number.isSafeInteger(id)) {
        createdWith.set(id, { record: r, payment: p });
        if (!byPayment.has(id)) byPayment.set(id, []);
      }
    }
    if (!PAYMENT_FIELDS.has(r.field)) continue;
    const id = paymentIdOf(r);
    if (id === null) continue;
    const list = byPayment.get(id) ?? [];
    list.push(r);
    byPayment.set(id, list);
  }
  const now = new Map((current?.payments ?? []).filter((p) => p.id !== null).map((p) => [p.id!, p]));
  const out: PaymentReplay[] = [];
  for (const [paymentId, list] of byPayment) {
    const cur = now.get(paymentId);
    const firstStatus = list.find((r) => r.field === 'payments.status');
    const firstAmount = list.find((r) => r.field === 'payments.amount');
    const firstType = list.find((r) => r.field === 'payments.type');
    const creation = list.find((r) => r.field === 'payments' && r.newValue !== null && r.oldValue === null);
    const withOrder = createdWith.get(paymentId);
    // The state right after the payment appeared (or before the first record, for a payment that existed).
    const start: PaymentState = {
      exists: true,
      status: firstStatus ? code(firstStatus.oldValue) : (cur?.status ?? code(withOrder?.payment.status) ?? null),
      amountKop: firstAmount ? (kop(firstAmount.oldValue) ?? 0) : cur ? toKopecks(cur.amount) : (kop(withOrder?.payment.amount) ?? kop(creation?.payment?.amount) ?? 0),
      type: firstType ? code(firstType.oldValue) : (cur?.type ?? code(withOrder?.payment.type) ?? creation?.payment?.type ?? null),
    };
    if (withOrder) {
      // Created with the order: its state then is in the record's full order.
      start.status = code(withOrder.payment.status) ?? start.status;
      start.amountKop = kop(withOrder.payment.amount) ?? start.amountKop;
      start.type = code(withOrder.payment.type) ?? start.type;
    }
    const appears = withOrder ?? creation;
    const before: PaymentState = appears ? { exists: false, status: null, amountKop: 0, type: start.type } : { ...start };
    const steps: PaymentStep[] = [];
    let state: PaymentState = { ...before };
    if (withOrder) {
      state = { ...start };
      steps.push({ historyId: withOrder.record.id, at: withOrder.record.createdAt ?? '', state: { ...state } });
    }
    // One step per change: one edit of several fields leaves adjacent records of the same moment and source,
    // one per field. A change of whether the payment counts as paid also moves the order's `prepay_sum`,
    // which RetailCRM records in between, so two separate edits in the same second are never merged.
    let group: HistoryRecord[] = [];
    const flush = () => {
      if (!group.length) return;
      const last = group[group.length - 1]!;
      steps.push({ historyId: last.id, at: last.createdAt ?? '', state: { ...state } });
      group = [];
    };
    for (const r of list) {
      const g0 = group[0];
      const gl = group[group.length - 1];
      const adjacent = gl !== undefined && position.get(r.id) === (position.get(gl.id) ?? -2) + 1;
      if (g0 && (!adjacent || g0.createdAt !== r.createdAt || g0.source !== r.source || group.some((x) => x.field === r.field))) flush();
      group.push(r);
      if (r.field === 'payments') {
        if (r.newValue !== null && r.oldValue === null) state = { ...start, exists: true };
        else if (r.newValue === null) state = { ...state, exists: false };
      } else if (r.field === 'payments.status') state.status = code(r.newValue);
      else if (r.field === 'payments.amount') state.amountKop = kop(r.newValue) ?? 0;
      else if (r.field === 'payments.type') state.type = code(r.newValue);
    }
    flush();
    out.push({ paymentId, before, steps });
  }
  return out.sort((a, b) => a.paymentId - b.paymentId);
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

export function outstanding(l: Ledger): number {
  return sum(l.sold) - sum(l.refunded);
}

const isPaid = (s: PaymentState, rules: FiscalRules) => s.exists && s.status !== null && rules.paid.has(s.status);
const isRefund = (s: PaymentState, rules: FiscalRules) => s.exists && s.status !== null && rules.refund.has(s.status);

/**
 * The receipts a payment's replayed history calls for, given the receipts it already has. Steps are applied
 * in order; a state the receipts already match asks for nothing, so a replay of what another path already
 * fiscalised (a trigger that saw the paid state) converges on the same receipts.
 */
export function moneyEvents(replay: Pick<PaymentReplay, 'before' | 'steps'>, ledger: Ledger, rules: FiscalRules): MoneyEvent[] {
  const l: Ledger = { sold: [...ledger.sold], refunded: [...ledger.refunded] };
  const events: MoneyEvent[] = [];
  let prev = replay.before;
  for (const step of replay.steps) {
    const s = step.state;
    const owed = outstanding(l);
    const base = { historyId: step.historyId, at: step.at, type: s.type };
    if (isPaid(s, rules)) {
      const target = Math.max(0, s.amountKop);
      if (target > owed) {
        const kopecks = target - owed;
        l.sold.push(kopecks);
        events.push({ op: 'sell', ordinal: l.sold.length, kopecks, outstandingAfter: target, reason: owed === 0 ? 'paid' : 'amount', ...base });
      } else if (target < owed) {
        const kopecks = owed - target;
        l.refunded.push(kopecks);
        events.push({ op: 'sell_refund', ordinal: l.refunded.length, kopecks, outstandingAfter: target, reason: 'amount', ...base });
      }
    } else if (isRefund(s, rules)) {
      if (owed > 0) {
        l.refunded.push(owed);
        events.push({ op: 'sell_refund', ordinal: l.refunded.length, kopecks: owed, outstandingAfter: 0, reason: 'returned', ...base });
      }
    } else if (owed > 0 && (isPaid(prev, rules) || (prev.exists && !s.exists))) {
      events.push({ op: 'unpaid', outstanding: owed, deleted: !s.exists, status: s.status, ...base });
    }
    prev = s;
  }
  return events;
}

/**
 * What the payment's current state asks for when no history is at hand (a trigger, the first run): a sale only
 * when the payment is paid and nothing is outstanding. Refunds and amount corrections wait for the history,
 * which knows what happened in between.
 */
export function stateEvent(state: PaymentState, ledger: Ledger, rules: FiscalRules, at: string | null): MoneyEvent | null {
  if (!isPaid(state, rules) || state.amountKop <= 0 || outstanding(ledger) !== 0) return null;
  return { op: 'sell', ordinal: ledger.sold.length + 1, kopecks: state.amountKop, outstandingAfter: state.amountKop, reason: 'paid', historyId: null, at, type: state.type };
}

/** `receipt:sell:retailcrm:<order>:<payment>` for the first sale (the key receipts always had), `…:2`, `…:3` after. */
export function receiptKey(op: 'sell' | 'sell_refund', crmId: number, paymentId: number | string, ordinal: number): string {
  return `receipt:${op}:retailcrm:${crmId}:${paymentId}${ordinal > 1 ? `:${ordinal}` : ''}`;
}

/** The state of a payment as the order shows it now. */
export function currentState(p: { status: string | null; amount: number | null; type: string | null }): PaymentState {
  return { exists: true, status: p.status, amountKop: toKopecks(p.amount ?? 0), type: p.type };
}

/** RetailCRM's `Y-m-d H:i:s` → seconds between two such moments (both in RetailCRM's own clock); null if unreadable. */
export function crmSecondsBetween(from: string | null, to: string | null): number | null {
  const t = (s: string | null) => {
    const m = s ? /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(s) : null;
    return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : null;
  };
  const a = t(from);
  const b = t(to);
  return a === null || b === null ? null : Math.round((b - a) / 1000);
}
