import { buildReceipt, type ReceiptInput } from '../../connectors/kassa/receipt.js';
import type { CrmOrder, CrmPayment } from '../../connectors/retailcrm/index.js';
import { toKopecks } from '../../core/money.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import { toSyncError } from '../../errors.js';
import type { DeliveredOrder } from '../courier/events.js';
import { courierStore } from '../courier/store.js';
import { kassaProfile, type FiscalJobs } from './jobs.js';
import { codReceiptKey, crmPaymentReceiptKey, crmReceiptInput, externalIdFor, type ReceiptRequest } from './rules.js';
import { receiptStore } from './store.js';

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

  /** RetailCRM payments → receipts: paid, settled after a prepayment, refunded. Inside the CRM transaction. */
  function reconcile(order: CrmOrder, localId: number, db: Db): void {
    const s = e.settings.get('kassa');
    if (!s.enabled) return;
    for (const p of order.payments) {
      const profileId = p.type ? s.crmPaymentTypes[p.type] : undefined;
      if (!profileId || p.id === null) continue;
      if (fiscalisedAsCod(order, p, db)) continue;
      try {
        fiscalisePayment(order, p, profileId, localId, db);
      } catch (err) {
        refused(err, localId);
      }
    }
  }

  function fiscalisePayment(order: CrmOrder, p: CrmPayment, profileId: string, localId: number, db: Db): void {
    const s = e.settings.get('kassa');
    const profile = kassaProfile(e, profileId);
    const kop = toKopecks(p.amount ?? 0);
    const base = { profileId, orderId: localId, crmId: order.id };
    const sellKey = crmPaymentReceiptKey(order.id, p.id!);
    const complete = s.completeStatuses.includes(order.status);
    if (p.status && s.paidPaymentStatuses.includes(p.status) && kop > 0) {
      const advance = s.prepaymentUntilComplete && !complete;
      const kind = p.type && s.cashPaymentTypes.includes(p.type) ? 'cash' : 'cashless';
      request(db, { ...base, key: sellKey, op: 'sell', input: crmReceiptInput(order, { kopecks: kop, kind }, profile, advance ? 'full_prepayment' : 'full_payment') });
    }
    // Goods handed over after a prepayment: the settlement receipt offsets the advance (payment type «prepayment»).
    if (s.prepaymentUntilComplete && complete && kop > 0) {
      if (receiptStore.inputByKey(db, sellKey)?.settlement === 'full_prepayment') {
        request(db, { ...base, key: `${sellKey}:settlement`, op: 'sell', input: crmReceiptInput(order, { kopecks: kop, kind: 'prepayment' }, profile, 'full_payment') });
      }
    }
    if (p.status && s.refundPaymentStatuses.includes(p.status)) {
      const original = receiptStore.inputByKey(db, sellKey);
      if (!original) return; // nothing was fiscalised for this payment: nothing to refund
      // A refund carries the same items and settlement method as the sale.
      request(db, {
        ...base,
        key: `receipt:sell_refund:retailcrm:${order.id}:${p.id}`,
        op: 'sell_refund',
        input: { items: original.items, ...(original.deliveryKopecks ? { deliveryKopecks: original.deliveryKopecks } : {}), ...(original.discountKopecks ? { discountKopecks: original.discountKopecks } : {}), payments: original.payments, customer: original.customer, settlement: original.settlement },
      });
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
