/* An order's sums as RetailCRM derives them from items, delivery, discount and completed payments. */
import { paymentStatusByCode } from './references.js';
import type { Order } from './types.js';
import { now, round2 } from './util.js';

export function recalc(o: Order): void {
  o.summ = round2(o.items.reduce((s, i) => s + (i.initialPrice - i.discountTotal) * i.quantity, 0));
  o.purchaseSumm = round2(o.items.reduce((s, i) => s + (i.purchasePrice ?? 0) * i.quantity, 0));
  o.totalSumm = round2(o.summ + (o.delivery.cost ?? 0) - o.discountManualAmount);
  const paid = o.payments.filter((p) => paymentStatusByCode.get(p.status)?.paymentComplete);
  o.prepaySum = round2(paid.reduce((s, p) => s + p.amount, 0));
  o.fullPaidAt = o.prepaySum >= o.totalSumm && o.totalSumm > 0 ? (o.fullPaidAt ?? now()) : null;
}
