import type { Settings } from '../../../../src-shared/settings.js';
import { toKopecks, type CrmOrder } from '../../connectors/retailcrm/index.js';
import { wireToKopecks, type LpSaleInput, type MoneyUnit } from '../../connectors/lifepos/index.js';

/** The RetailCRM ↔ LIFE POS rules, pure: what a sale looks like, which order change does what. */

export type PosSettings = Settings['pos'];

export interface PosRowView {
  state: 'creating' | 'created' | 'cancelled' | 'refunded';
  storeCode: string | null;
}

export type PosDecision =
  | { kind: 'create' }
  | { kind: 'retryCreate' }
  | { kind: 'close' }
  | { kind: 'refund' }
  | { kind: 'moveOutlet'; store: string }
  | { kind: 'none'; reason: string };

/**
 * The courier RetailCRM assigned to the order. Where RetailCRM keeps it is not documented in the contract:
 * the order's `courierId`, a `courier` object, or the delivery's data — the first one present wins.
 */
export function crmCourierId(order: CrmOrder): number | null {
  const o = order as Record<string, unknown>;
  const d = (order.delivery ?? {}) as Record<string, unknown>;
  const data = (order.delivery?.data ?? {}) as Record<string, unknown>;
  const candidates = [o.courierId, (o.courier as { id?: unknown } | null | undefined)?.id, (d.courier as { id?: unknown } | null | undefined)?.id, data.courierId];
  for (const c of candidates) {
    const n = Number(c);
    if (c !== null && c !== undefined && c !== '' && Number.isSafeInteger(n) && n > 0) return n;
  }
  return null;
}

/** Level-triggered like the courier flow: from the order as it is now and what was done before. */
export function decidePos(order: CrmOrder, row: PosRowView | null, s: PosSettings): PosDecision {
  if (!s.enabled) return { kind: 'none', reason: 'disabled' };
  // The seed's «cancel and resend» cycle: a cancelled sale and the creating status again make a new sale.
  if (!row || row.state === 'cancelled') return s.createStatuses.includes(order.status) ? { kind: 'create' } : { kind: 'none', reason: 'not a creating status' };
  if (row.state === 'creating') return { kind: 'retryCreate' };
  if (row.state !== 'created') return { kind: 'none', reason: row.state };
  if (order.payments.some((p) => p.status !== null && s.refundPaymentStatuses.includes(p.status))) return { kind: 'refund' };
  if (s.closeStatuses.includes(order.status)) return { kind: 'close' };
  if (order.shipmentStore && row.storeCode && order.shipmentStore !== row.storeCode) return { kind: 'moveOutlet', store: order.shipmentStore };
  return { kind: 'none', reason: 'unchanged' };
}

/** The LIFE POS sale for a RetailCRM order: number (the idempotency key), positions, customer, delivery. */
export function saleNumber(crmNumber: string, generation: number): string {
  return generation <= 1 ? crmNumber : `${crmNumber}-${generation}`;
}

export function toSaleInput(order: CrmOrder, outletGuid: string, courier: { employeeGuid: string; workplaceGuid: string } | null, generation = 1): LpSaleInput {
  const positions: LpSaleInput['positions'] = order.items
    .filter((i) => (i.quantity ?? 0) > 0)
    .map((i) => ({
      name: (i.offer?.displayName || i.offer?.name || i.productName || 'Товар').slice(0, 128),
      quantity: i.quantity,
      priceKopecks: Math.max(0, toKopecks(i.initialPrice ?? 0) - toKopecks(i.discountTotal ?? 0)),
    }));
  const delivery = toKopecks(order.delivery?.cost ?? 0);
  if (delivery > 0) positions.push({ name: 'Доставка', quantity: 1, priceKopecks: delivery, type: 'Service' });
  const a = order.delivery?.address;
  const address = a ? (a.text?.trim() || [a.city, a.street, a.building ? `д. ${a.building}` : null, a.flat ? `кв. ${a.flat}` : null].filter(Boolean).join(', ')) : null;
  return {
    number: saleNumber(order.number, generation),
    outletGuid,
    ...(courier ? { employeeGuid: courier.employeeGuid, workplaceGuid: courier.workplaceGuid } : {}),
    comment: order.customerComment?.slice(0, 512) ?? null,
    totalKopecks: toKopecks(order.totalSumm ?? 0),
    positions,
    customer: { name: [order.lastName, order.firstName].filter(Boolean).join(' ') || null, phone: order.phone ?? null, email: order.email ?? null },
    delivery: order.delivery?.code ? { address: address || null, date: order.delivery.date ?? null, timeFrom: order.delivery.time?.from ?? null, timeTo: order.delivery.time?.to ?? null } : null,
  };
}

const rub = (kopecks: number): string => `${(kopecks / 100).toFixed(2).replace('.', ',').replace(/,00$/, '')} ₽`;

/**
 * The money-unit tolerance check (design contract): a sale's wire total against the RetailCRM order total. The
 * configured unit reading it right is fine; the other unit reading it right means the setting is wrong; neither
 * means the sums differ. Either way payments are held: the merchant's message, or null when all is well.
 */
export function saleTotalProblem(wireTotal: number | null, crmTotalKopecks: number, unit: MoneyUnit, crmNumber: string): string | null {
  if (wireTotal === null || !Number.isFinite(wireTotal)) return null;
  if (wireToKopecks(wireTotal, unit) === crmTotalKopecks) return null;
  const head = `Оплата из LIFE POS по заказу №${crmNumber} не записана`;
  const other: MoneyUnit = unit === 'minor' ? 'major' : 'minor';
  if (wireToKopecks(wireTotal, other) === crmTotalKopecks) {
    return `${head}: сумма продажи в LIFE POS (${wireTotal}) равна сумме заказа в RetailCRM (${rub(crmTotalKopecks)}), только если считать её в ${other === 'major' ? 'рублях' : 'копейках'}, а в настройках LIFE POS выбрано «Суммы в API» — ${unit === 'minor' ? 'в копейках' : 'в рублях'}. Исправьте настройку и нажмите «Повторить».`;
  }
  return `${head}: сумма продажи в LIFE POS (${rub(wireToKopecks(wireTotal, unit))}) не совпадает с суммой заказа в RetailCRM (${rub(crmTotalKopecks)}). Сверьте заказ и продажу и нажмите «Повторить».`;
}

const STATE_TITLES: Record<string, string> = { New: 'Новая продажа', InProgress: 'В работе', Completed: 'Завершена', Cancelled: 'Отменена' };
const PAY_TITLES: Record<string, string> = { NotPaid: 'не оплачена', Paid: 'оплачена', PartiallyPaid: 'оплачена частично', Refunded: 'возврат', PartiallyRefunded: 'частичный возврат' };

/** The order card's LIFE POS chip for a sale. */
export function chipFor(sale: { state?: string | null; paymentStatus?: string | null }): { state: string; label: string; attention: boolean } {
  const st = sale.state ?? 'New';
  const pay = sale.paymentStatus ? PAY_TITLES[sale.paymentStatus] : null;
  return { state: st, label: `${STATE_TITLES[st] ?? st}${pay ? `, ${pay}` : ''}`, attention: false };
}

const ROLE_TITLES: Record<string, string> = { Owner: 'Владелец', Administrator: 'Администратор', Admin: 'Администратор', Manager: 'Менеджер', Cashier: 'Кассир', Courier: 'Курьер', Guest: 'Гость' };
export const roleTitle = (role: string): string => ROLE_TITLES[role] ?? role;

/** The RetailCRM key's rights the flow needs, with the names RetailCRM shows in the key's settings. */
export const POS_SCOPES: Record<string, string> = {
  order_read: 'Заказы — получение',
  order_write: 'Заказы — редактирование',
  customer_read: 'Клиенты — получение',
  reference_read: 'Справочники — получение',
  user_read: 'Пользователи — получение',
  task_write: 'Задачи — редактирование',
};
