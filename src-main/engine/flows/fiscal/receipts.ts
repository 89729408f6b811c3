import { buildReceipt, type ReceiptInput } from '../../connectors/kassa/receipt.js';
import type { CrmOrder, CrmPayment } from '../../connectors/retailcrm/index.js';
import { toKopecks } from '../../core/money.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import { toSyncError } from '../../errors.js';
import type { DeliveredOrder } from '../courier/events.js';
import { courierStore } from '../courier/store.js';
import { kassaProfile, type FiscalJobs } from './jobs.js';
import { SyncError } from '../../errors.js';
import type { CrmOrderRead } from '../crm/events.js';
import { paymentStatusBook } from '../crm/store.js';
import { crmSecondsBetween, currentState, moneyEvents, outstanding, paymentReplays, receiptKey, stateEvent, type FiscalRules, type Ledger, type MoneyEvent } from './money-events.js';
import { codReceiptKey, crmPaymentReceiptKey, crmReceiptInput, externalIdFor, type ReceiptRequest } from './rules.js';
import { receiptStore, type ReceiptRow } from './store.js';

/** A receipt made this long after the money moved (in RetailCRM's clock) is a late one, and the merchant is told. */
export const LATE_RECEIPT_AFTER_S = 300;

const RUB = (kop: number) => `${(kop / 100).toFixed(2).replace('.', ',')} ₽`;

/** The receipts Prilavok owes: asked for by RetailCRM payments, deliveries and sales, each exactly once. */
export function fiscalReceipts(e: Engine, jobs: FiscalJobs) {
  /** Records the receipt and enqueues its registration; a second request for the same key is a no-op. */
  function request(db: Db, r: ReceiptRequest): { id: number; created: boolean } {
    const existing = receiptStore.idByKey(db, r.key);
    if (existing !== null) return { id: existing, created: false };
    const profile = kassaProfile(e, r.profileId);
    const input: ReceiptInput = {
      ...r.input,
      items: r.input.items.map((i) => ({ ...i, vat: i.vat ?? profile.vat })),
      op: r.op,
      externalId: externalIdFor(r.key, 1),
      company: { inn: profile.inn, sno: profile.sno, email: profile.email, paymentAddress: profile.paymentAddress },
      ffd: profile.version === 'v5' ? '1.2' : '1.05',
      createdAt: new Date(),
    };
    // Built now so a receipt that cannot be valid (no contact, sums that disagree) is refused before anything is sent.
    const draft = buildReceipt(input);
    const id = receiptStore.insert(db, { key: r.key, orderId: r.orderId, crmId: r.crmId, op: r.op, profileId: r.profileId, externalId: input.externalId, total: draft.totalKop, input });
    jobs.submit.enqueue(e.queue, { receiptId: id }, { orderId: r.orderId });
    if (r.orderId) e.orders.setChip(r.orderId, 'kassa', { state: 'pending', label: r.op === 'sell' ? 'Чек: отправляется' : 'Чек возврата: отправляется', attention: false });
    return { id, created: true };
  }

  /** A receipt that cannot be built (no buyer contact, say) is the merchant's to fix: logged on the order. */
  function refused(err: unknown, orderId: number): void {
    e.errors.record(toSyncError(err, 'kassa'), { orderId });
    e.orders.setChip(orderId, 'kassa', { state: 'invalid', label: 'Чек не сформирован', attention: true });
  }

  /**
   * RetailCRM payments → receipts, inside the CRM transaction. Receipts follow what happened to each payment, not
   * its state now: the order's history records (read with it, each once) are replayed into sales and refunds,
   * numbered per payment. Without history (a trigger, the first connection) the current state asks only for a
   * sale, and only when nothing is outstanding — unless a receipt of that payment was made after this order was
   * read, when the read is stale and the history decides.
   */
  function reconcile(order: CrmOrder, localId: number, db: Db, read: CrmOrderRead): void {
    const s = e.settings.get('kassa');
    if (!s.enabled) return;
    // Paid: the merchant's statuses and every status RetailCRM's reference marks «paymentComplete».
    const refund = new Set(s.refundPaymentStatuses);
    const rules: FiscalRules = { paid: new Set([...s.paidPaymentStatuses, ...paymentStatusBook.complete(db)].filter((c) => !refund.has(c))), refund };
    const guarded = (run: () => void) => {
      try {
        run();
      } catch (err) {
        refused(err, localId);
      }
    };
    for (const replay of paymentReplays(read.history, order.id, order)) {
      const events = moneyEvents(replay, ledgerOf(db, order.id, replay.paymentId), rules);
      for (const ev of events) guarded(() => fiscaliseEvent(order, replay.paymentId, ev, localId, db, read.generatedAt));
    }
    for (const p of order.payments) {
      if (p.id === null) continue;
      const paymentId = p.id;
      const ledger = ledgerOf(db, order.id, paymentId);
      if (ledger.latestAt !== null && ledger.latestAt >= read.readAt) continue;
      const ev = stateEvent(currentState(p), ledger, rules, p.paidAt ?? null);
      if (ev) guarded(() => fiscaliseEvent(order, paymentId, ev, localId, db, null));
      guarded(() => settlement(order, p, localId, db));
    }
  }

  /** The receipts made so far for one RetailCRM payment (by their keys), oldest ordinal first. */
  function ledgerOf(db: Db, crmId: number, paymentId: number): Ledger & { latestAt: number | null; sells: ReceiptRow[] } {
    const exact = new RegExp(`^receipt:(sell|sell_refund):retailcrm:${crmId}:${paymentId}(?::(\\d+))?$`);
    const rows = receiptStore
      .ofPayment(db, crmId, paymentId)
      .map((r) => ({ r, m: exact.exec(r.key) }))
      .filter((x) => x.m !== null)
      .map((x) => ({ row: x.r, op: x.m![1] as 'sell' | 'sell_refund', n: Number(x.m![2] ?? 1) }))
      .sort((a, b) => a.n - b.n);
    const sells = rows.filter((x) => x.op === 'sell');
    return {
      sold: sells.map((x) => x.row.total),
      refunded: rows.filter((x) => x.op === 'sell_refund').map((x) => x.row.total),
      latestAt: rows.reduce<number | null>((m, x) => (m === null || x.row.created_at > m ? x.row.created_at : m), null),
      sells: sells.map((x) => x.row),
    };
  }

  function fiscaliseEvent(order: CrmOrder, paymentId: number, ev: MoneyEvent, localId: number, db: Db, generatedAt: string | null): void {
    const s = e.settings.get('kassa');
    const current = order.payments.find((p) => p.id === paymentId) ?? null;
    const type = ev.type ?? current?.type ?? null;
    const ledger = ledgerOf(db, order.id, paymentId);
    const lastSell = ledger.sells.at(-1) ?? null;
    // A refund goes through the register that made the sale, whatever the payment's type became since.
    const profileId = (ev.op !== 'sell' && lastSell?.profile) || (type ? s.crmPaymentTypes[type] : undefined);
    if (!profileId) return;
    const asPayment: CrmPayment = current ?? { id: paymentId, externalId: null, type: type ?? '', status: null, amount: 0, paidAt: null, comment: null };
    if (fiscalisedAsCod(order, { ...asPayment, type: type ?? asPayment.type }, db)) return;
    if (ev.op === 'unpaid') {
      const what = ev.deleted ? 'удалена' : `переведена в статус «${ev.status ?? '—'}»`;
      const message = `Оплата заказа №${order.number} на ${RUB(ev.outstanding)} ${what} после того, как по ней пробит чек. RetailCRM не говорит, что деньги вернули, поэтому чек возврата не пробит. Если деньги вернули покупателю, отметьте оплату как возвращённую (Прилавок пробьёт чек возврата) или оформите возврат в кабинете кассы.`;
      e.errors.record(new SyncError({ kind: 'needsAttention', system: 'kassa', message, detail: `payment ${paymentId}, history ${ev.historyId}` }), { orderId: localId, severity: 'warning' });
      e.timeline.record({ orderId: localId, system: 'kassa', action: 'Оплата с чеком снята в RetailCRM', outcome: 'info', received: { payment: paymentId, outstanding: ev.outstanding / 100, deleted: ev.deleted } });
      return;
    }
    const profile = kassaProfile(e, profileId);
    const key = receiptKey(ev.op, order.id, paymentId, ev.ordinal);
    const base = { profileId, orderId: localId, crmId: order.id, key, op: ev.op };
    let created: boolean;
    if (ev.op === 'sell') {
      const complete = s.completeStatuses.includes(order.status);
      const advance = s.prepaymentUntilComplete && !complete;
      const kind = type && s.cashPaymentTypes.includes(type) ? 'cash' : 'cashless';
      created = request(db, { ...base, input: crmReceiptInput(order, { kopecks: ev.kopecks, kind }, profile, advance ? 'full_prepayment' : 'full_payment') }).created;
    } else {
      const original = lastSell ? (JSON.parse(lastSell.draft) as ReceiptInput) : null;
      // The whole of the last sale goes back: the refund repeats its items and settlement method. A part of it:
      // one line for that amount, as for a part payment.
      const input: ReceiptRequest['input'] =
        original && ev.kopecks === lastSell!.total
          ? { items: original.items, ...(original.deliveryKopecks ? { deliveryKopecks: original.deliveryKopecks } : {}), ...(original.discountKopecks ? { discountKopecks: original.discountKopecks } : {}), payments: original.payments, customer: original.customer, settlement: original.settlement }
          : {
              items: [{ name: `Возврат части оплаты по заказу №${order.number}`, priceKopecks: ev.kopecks, quantity: 1, vat: profile.vat, paymentObject: 'payment' }],
              payments: [{ kind: original?.payments[0]?.kind ?? 'cashless', kopecks: ev.kopecks }],
              customer: original?.customer ?? { email: order.email ?? null, phone: order.phone ?? null },
              settlement: 'prepayment',
            };
      created = request(db, { ...base, input }).created;
    }
    if (!created) return;
    const late = crmSecondsBetween(ev.at, generatedAt);
    if (late !== null && late > LATE_RECEIPT_AFTER_S) {
      const moved = ev.op === 'sell' ? 'получены' : 'возвращены';
      const kind = ev.op === 'sell' ? 'Чек' : 'Чек возврата';
      const minutes = Math.round(late / 60);
      const message = `${kind} по заказу №${order.number} на ${RUB(ev.kopecks)} пробит с опозданием: деньги ${moved} ${ev.at}, Прилавок узнал об этом через ${minutes} мин (был выключен или не получал изменений). Чек с текущей датой отправлен покупателю; если касса или налоговая требуют, оформите чек коррекции за день расчёта.`;
      e.errors.record(new SyncError({ kind: 'needsAttention', system: 'kassa', message, detail: `${key}, history ${ev.historyId}, ${late} s late` }), { orderId: localId, severity: 'warning' });
      e.timeline.record({ orderId: localId, system: 'kassa', action: `${kind} с опозданием`, outcome: 'info', received: { key, movedAt: ev.at, lateMinutes: minutes } });
    }
  }

  /** Goods handed over after a prepayment: the settlement receipt offsets the advance (payment type «prepayment»). */
  function settlement(order: CrmOrder, p: CrmPayment, localId: number, db: Db): void {
    const s = e.settings.get('kassa');
    const profileId = p.type ? s.crmPaymentTypes[p.type] : undefined;
    if (!profileId || p.id === null || !s.prepaymentUntilComplete || !s.completeStatuses.includes(order.status)) return;
    if (fiscalisedAsCod(order, p, db)) return;
    const kop = toKopecks(p.amount ?? 0);
    const sellKey = crmPaymentReceiptKey(order.id, p.id);
    if (kop <= 0 || outstanding(ledgerOf(db, order.id, p.id)) <= 0) return;
    if (receiptStore.inputByKey(db, sellKey)?.settlement === 'full_prepayment') {
      const profile = kassaProfile(e, profileId);
      request(db, { profileId, orderId: localId, crmId: order.id, key: `${sellKey}:settlement`, op: 'sell', input: crmReceiptInput(order, { kopecks: kop, kind: 'prepayment' }, profile, 'full_payment') });
    }
  }

  /**
   * Money the courier collected is fiscalised once: on delivery (`…:cod`) or by the courier's own register —
   * never a second time when the courier flow marks that payment paid and its type is also mapped to a
   * receipt. Guarded here rather than refused on save: the courier's payment types and the cash-register
   * mapping live in two settings sections saved separately, and a COD receipt made before a settings change
   * must still count. The courier collected a payment it created itself (`measoft-…`), one of a cash- or
   * card-on-delivery type, or — once the COD receipt exists — one of the types it records MeaSoft's payment as.
   * Such a payment is left to the COD path when a COD receipt exists, or when the order is with MeaSoft and COD
   * receipts are on (made by Prilavok or by the courier).
   */
  function fiscalisedAsCod(order: CrmOrder, p: CrmPayment, db: Db): boolean {
    const c = e.settings.get('courier');
    const codReceipt = receiptStore.idByKey(db, codReceiptKey(order.id)) !== null;
    const type = p.type ?? '';
    const collected =
      (p.externalId ?? '').startsWith('measoft-') ||
      c.codPaymentTypes.includes(type) ||
      c.cardOnDeliveryPaymentTypes.includes(type) ||
      (codReceipt && (type === c.paymentTypeMap.CASH || type === c.paymentTypeMap.CARD));
    if (!collected) return false;
    if (codReceipt) return true;
    return e.settings.get('kassa').cod.enabled && courierStore.isWithCourier(db, order.id);
  }

  /** Cash on delivery: MeaSoft reported the order delivered (`courier.delivered`). */
  function requestCod(db: Db, o: DeliveredOrder): void {
    const s = e.settings.get('kassa');
    const cod = s.cod;
    if (!s.enabled || !cod.enabled || cod.courierPrints || !cod.profileId || o.priceKopecks <= 0) return;
    const goods = o.items.filter((i) => i.retpriceKopecks > 0);
    const sum = goods.reduce((n, i) => n + Math.round(i.retpriceKopecks * i.quantity), 0);
    request(db, {
      key: codReceiptKey(o.crmId),
      op: 'sell',
      profileId: cod.profileId,
      orderId: o.orderId,
      crmId: o.crmId,
      input: {
        items: sum === o.priceKopecks
          ? goods.map((i) => ({ name: i.name, priceKopecks: i.retpriceKopecks, quantity: i.quantity }))
          : [{ name: `Оплата заказа №${o.number}`, priceKopecks: o.priceKopecks, quantity: 1 }],
        payments: [{ kind: o.paytype === 'CARD' ? 'cashless' : 'cash', kopecks: o.priceKopecks }],
        customer: { email: o.email, phone: o.phone },
        settlement: 'full_payment',
      },
    });
  }

  return { request, reconcile, requestCod, refused };
}
