import { createHash } from 'node:crypto';
import type { Settings } from '../../../../src-shared/settings.js';
import type { CrmOrder, CrmPayment } from '../../connectors/retailcrm/index.js';
import { MEASOFT_STATUSES, type MeasoftOrderInput } from '../../connectors/measoft/index.js';
import { fromKopecks, toKopecks } from '../../core/money.js';

/**
 * The courier flow's pure rules: what a RetailCRM order becomes in MeaSoft, when it is sent, cancelled or
 * updated, and what MeaSoft's delivery result does to the order's payments. No I/O here.
 */

export type CourierSettings = Settings['courier'];

/** MeaSoft keeps order numbers unique within a year: an order sent again after a cancel gets a suffix. */
export function measoftOrderNo(crmNumber: string, generation: number): string {
  return generation <= 1 ? crmNumber : `${crmNumber}-${generation}`;
}

export function isCourierDelivery(order: CrmOrder, s: CourierSettings): boolean {
  const code = order.delivery?.code;
  return !!code && s.deliveryTypes.includes(code);
}

export function isTriggerStatus(order: CrmOrder, s: CourierSettings): boolean {
  return s.triggerStatuses.includes(order.status);
}

function settled(p: CrmPayment, s: CourierSettings): boolean {
  return p.status === 'paid' || (s.paidPaymentStatus !== null && p.status === s.paidPaymentStatus) || !!p.paidAt;
}

/** What the courier collects: the unpaid remainder when the order is paid on delivery, else nothing. */
export function cashOnDelivery(order: CrmOrder, s: CourierSettings): { paytype: MeasoftOrderInput['paytype']; kopecks: number } {
  const remaining = Math.max(0, toKopecks(order.totalSumm ?? 0) - toKopecks(order.prepaySum ?? 0));
  if (remaining === 0) return { paytype: 'NO', kopecks: 0 };
  const open = order.payments.filter((p) => !settled(p, s));
  const card = open.some((p) => s.cardOnDeliveryPaymentTypes.includes(p.type ?? ''));
  const cash = open.some((p) => s.codPaymentTypes.includes(p.type ?? ''));
  // An order without any payment has nobody else to collect the money: the courier does. An order whose
  // payments are all of other types (paid on the site, by invoice) is not cash on delivery — the mistake
  // MeaSoft's own triggers make.
  if (card) return { paytype: 'CARD', kopecks: remaining };
  if (cash || order.payments.length === 0) return { paytype: 'CASH', kopecks: remaining };
  return { paytype: 'NO', kopecks: 0 };
}

function vat(rate: string | number | null | undefined): number | 'none' | undefined {
  if (rate === null || rate === undefined || rate === '') return undefined;
  if (rate === 'none') return 'none';
  const n = Number(rate);
  return Number.isFinite(n) ? n : undefined;
}

function joinName(...parts: Array<string | null | undefined>): string {
  return parts.map((p) => p?.trim()).filter(Boolean).join(' ');
}

export function deliveryAddress(order: CrmOrder): { town: string; address: string; zipcode: string | undefined } {
  const a: Partial<NonNullable<NonNullable<CrmOrder["delivery"]>["address"]>> = order.delivery?.address ?? {};
  const street = joinName(a.street ? `${a.street}` : null, a.building ? `д. ${a.building}` : a.house ? `д. ${a.house}` : null, a.flat ? `кв. ${a.flat}` : null);
  const address = (a.text?.trim() || street || '').replace(/\s+/g, ' ');
  return { town: a.city?.trim() ?? '', address, zipcode: a.index?.trim() || undefined };
}

/** The MeaSoft order for a RetailCRM order: receiver, address, window, weight, items, declared value, COD. */
export function toMeasoftOrder(order: CrmOrder, s: CourierSettings, orderno: string): MeasoftOrderInput {
  const cod = cashOnDelivery(order, s);
  const { town, address, zipcode } = deliveryAddress(order);
  const items: MeasoftOrderInput['items'] = order.items
    .filter((i) => (i.quantity ?? 0) > 0)
    .map((i) => ({
      name: (i.offer?.displayName || i.offer?.name || i.productName || 'Товар').slice(0, 250),
      ...(i.offer?.article ? { article: i.offer.article } : {}),
      ...(i.offer?.externalId ? { extcode: i.offer.externalId } : i.offer?.id ? { extcode: String(i.offer.id) } : {}),
      quantity: i.quantity ?? 1,
      retpriceKopecks: Math.max(0, toKopecks(i.initialPrice ?? 0) - toKopecks(i.discountTotal ?? 0)),
      ...(vat(i.vatRate) !== undefined ? { vatRate: vat(i.vatRate)! } : {}),
    }));
  const deliveryCost = toKopecks(order.delivery?.cost ?? 0);
  if (cod.kopecks > 0 && deliveryCost > 0) items.push({ name: 'Доставка', quantity: 1, retpriceKopecks: deliveryCost });
  const prepaid = toKopecks(order.prepaySum ?? 0);
  // Partly prepaid and the rest on delivery: MeaSoft's prepayment line (type 4, negative price) keeps the
  // receipt lines summing to what the courier collects.
  if (cod.kopecks > 0 && prepaid > 0) items.push({ name: 'Предоплата', quantity: 1, retpriceKopecks: -prepaid, type: 4 });
  const sender = s.sender;
  const hasSender = !!(sender.company || sender.person || sender.phone || sender.town || sender.address);
  const goods = toKopecks(order.summ ?? order.totalSumm ?? 0);
  return {
    orderno,
    ...(hasSender
      ? {
          sender: {
            company: sender.company ?? '',
            person: sender.person ?? '',
            phone: sender.phone ?? '',
            town: sender.town ?? '',
            address: sender.address ?? '',
          },
        }
      : {}),
    receiver: {
      person: joinName(order.lastName, order.firstName, order.patronymic) || 'Получатель',
      phone: order.phone ?? order.additionalPhone ?? '',
      ...(zipcode ? { zipcode } : {}),
      town,
      address,
      ...(order.delivery?.date ? { date: order.delivery.date } : {}),
      ...(order.delivery?.time?.from ? { timeMin: order.delivery.time.from } : {}),
      ...(order.delivery?.time?.to ? { timeMax: order.delivery.time.to } : {}),
    },
    weightKg: order.weight ? Math.round(order.weight) / 1000 : s.defaultWeightKg,
    quantity: 1,
    paytype: cod.paytype,
    priceKopecks: cod.kopecks,
    inshpriceKopecks: goods,
    ...(deliveryCost > 0 ? { deliverypriceKopecks: deliveryCost } : {}),
    ...(s.service !== null ? { service: s.service } : {}),
    ...(order.customerComment?.trim() ? { instruction: order.customerComment.trim().slice(0, 500) } : {}),
    items,
  };
}

/** Fingerprint of what MeaSoft would receive (the number aside): an update is due when it changes. */
export function measoftHash(input: MeasoftOrderInput): string {
  const { orderno: _orderno, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32);
}

export interface CourierRowView {
  state: 'sending' | 'sent' | 'cancelling' | 'cancelled';
  generation: number;
  orderno: string | null;
  sentHash: string | null;
}

export type CourierDecision =
  | { kind: 'create'; generation: number }
  | { kind: 'cancel' }
  | { kind: 'update'; hash: string }
  | { kind: 'retryCreate' }
  | { kind: 'none'; reason: string };

/**
 * Level-triggered: decides from the order as it is now and what we did before, not from which field a
 * trigger said changed. So duplicate triggers, missed triggers and a catch-up after a night off all end
 * in the same place.
 */
export function decideCourier(order: CrmOrder, row: CourierRowView | null, s: CourierSettings): CourierDecision {
  if (!s.enabled) return { kind: 'none', reason: 'disabled' };
  const ours = isCourierDelivery(order, s);
  if (!row || row.state === 'cancelled') {
    if (ours && isTriggerStatus(order, s)) return { kind: 'create', generation: row ? row.generation : 1 };
    return { kind: 'none', reason: ours ? 'status is not a sending status' : 'not a courier delivery' };
  }
  if (row.state === 'cancelling') return { kind: 'none', reason: 'cancel in progress' };
  if (!ours) return { kind: 'cancel' };
  if (row.state === 'sending') return { kind: 'retryCreate' };
  const hash = measoftHash(toMeasoftOrder(order, s, row.orderno ?? ''));
  return hash === row.sentHash ? { kind: 'none', reason: 'unchanged' } : { kind: 'update', hash };
}

export const DELIVERED_STATUSES = new Set(['COMPLETE', 'PARTIALLY']);

export type PaymentOp =
  | { op: 'delete'; id: number; type: string | null; amountKopecks: number }
  | { op: 'create'; type: string; amountKopecks: number; status: string | null; externalId: string }
  | { op: 'setStatus'; id: number; status: string; amountKopecks?: number };

/**
 * What delivery does to the order's payments, as MeaSoft's own module does it: when the courier took a
 * payment of another type than the order has (and a non-zero sum), the open payment is replaced by one of
 * MeaSoft's type and sum; the configured payment status is set when exactly one amount remained to pay.
 */
export function planPayments(
  order: CrmOrder,
  delivered: { orderno: string; paytype: string | null; priceKopecks: number | null },
  s: CourierSettings,
): PaymentOp[] {
  const open = order.payments.filter((p) => !settled(p, s));
  const price = delivered.priceKopecks ?? 0;
  const collectedType = delivered.paytype === 'CASH' || delivered.paytype === 'CARD' ? s.paymentTypeMap[delivered.paytype] : null;
  const externalId = `measoft-${delivered.orderno}`;
  if (s.replacePayment && collectedType && price > 0) {
    const already = order.payments.find((p) => p.externalId === externalId);
    if (already) {
      return s.paidPaymentStatus && already.status !== s.paidPaymentStatus && already.id !== null
        ? [{ op: 'setStatus', id: already.id, status: s.paidPaymentStatus }]
        : [];
    }
    const mismatching = open.filter((p) => p.type !== collectedType);
    const sameType = open.filter((p) => p.type === collectedType);
    if (mismatching.length > 0) {
      return [
        ...mismatching
          .filter((p) => p.id !== null)
          .map((p): PaymentOp => ({ op: 'delete', id: p.id!, type: p.type ?? null, amountKopecks: toKopecks(p.amount ?? 0) })),
        ...sameType
          .filter((p) => p.id !== null)
          .map((p): PaymentOp => ({ op: 'delete', id: p.id!, type: p.type ?? null, amountKopecks: toKopecks(p.amount ?? 0) })),
        { op: 'create', type: collectedType, amountKopecks: price, status: s.paidPaymentStatus, externalId },
      ];
    }
    if (sameType.length === 1 && s.paidPaymentStatus && sameType[0]!.id !== null) {
      const p = sameType[0]!;
      const amount = toKopecks(p.amount ?? 0);
      return [{ op: 'setStatus', id: p.id!, status: s.paidPaymentStatus, ...(amount !== price ? { amountKopecks: price } : {}) }];
    }
    if (sameType.length === 0) return [{ op: 'create', type: collectedType, amountKopecks: price, status: s.paidPaymentStatus, externalId }];
    return [];
  }
  if (s.paidPaymentStatus && open.length === 1 && open[0]!.id !== null) {
    return [{ op: 'setStatus', id: open[0]!.id!, status: s.paidPaymentStatus }];
  }
  return [];
}

/** MeaSoft's name of a status code, as the order card shows it. */
export function statusTitle(code: string | null): string {
  if (!code) return 'Нет статуса';
  return (MEASOFT_STATUSES as Record<string, string | undefined>)[code] ?? code;
}

/** Statuses that need the merchant: unconfirmed, cancelled by the courier, lost. */
export function needsAttention(code: string): boolean {
  return code === 'UNCONFIRM' || code === 'COURIERCANCELED' || code === 'LOST';
}

/** The timeline keeps what was sent in short: who, where, how much — not the whole document. */
export function summarize(o: MeasoftOrderInput) {
  return {
    orderno: o.orderno,
    receiver: `${o.receiver.person}, ${o.receiver.phone}`,
    address: `${o.receiver.town}, ${o.receiver.address}`,
    window: o.receiver.date ? `${o.receiver.date} ${o.receiver.timeMin ?? ''}–${o.receiver.timeMax ?? ''}` : null,
    weightKg: o.weightKg,
    cod: fromKopecks(o.priceKopecks),
    declared: fromKopecks(o.inshpriceKopecks),
    items: o.items.length,
  };
}
