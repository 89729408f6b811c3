/*
 * The account's history: one record per changed field with a global id, items and payments as their own
 * records, triggers fired after each change. Payment changes live here because each one is, above all, a set
 * of history records (`payments`, `payments.status`…) next to the order's recomputed sums.
 */
import { ApiError } from './errors.js';
import { paymentStatusByCode, paymentTypeCodes } from './references.js';
import { stub } from './serialise.js';
import type { Account } from './state.js';
import { recalc } from './totals.js';
import { fireTriggers } from './triggers.js';
import type { As, Item, Json, Order, Payment, StoredHistory } from './types.js';
import { clone, now, numOr, same, str } from './util.js';

/** The fields history tracks, flattened to their snake_case history names. */
function tracked(o: Order): Map<string, unknown> {
  const m = new Map<string, unknown>();
  m.set('status', { code: o.status });
  m.set('external_id', o.externalId);
  m.set('order_type', { code: o.orderType });
  m.set('order_method', { code: o.orderMethod });
  m.set('manager', o.managerId === null ? null : { id: o.managerId });
  m.set('first_name', o.firstName);
  m.set('last_name', o.lastName);
  m.set('patronymic', o.patronymic);
  m.set('phone', o.phone);
  m.set('additional_phone', o.additionalPhone);
  m.set('email', o.email);
  m.set('customer_comment', o.customerComment);
  m.set('manager_comment', o.managerComment);
  m.set('weight', o.weight);
  m.set('length', o.length);
  m.set('width', o.width);
  m.set('height', o.height);
  m.set('shipment_store', o.shipmentStore === null ? null : { code: o.shipmentStore });
  m.set('shipment_date', o.shipmentDate);
  m.set('shipped', o.shipped);
  m.set('delivery_type', o.delivery.code === null ? null : { code: o.delivery.code });
  m.set('delivery_cost', o.delivery.cost);
  m.set('delivery_net_cost', o.delivery.netCost);
  m.set('delivery_date', o.delivery.date);
  m.set('delivery_time', o.delivery.time.from || o.delivery.time.to || o.delivery.time.custom ? clone(o.delivery.time) : null);
  const addrKeys = new Set(['index', 'region', 'city', 'street', 'building', 'house', 'flat', 'floor', 'block', 'housing', 'metro', 'notes', 'text']);
  for (const k of Object.keys(o.delivery.address)) addrKeys.add(k);
  for (const k of addrKeys) m.set(`delivery_address.${k}`, o.delivery.address[k] ?? null);
  m.set('delivery_data', Object.keys(o.delivery.data).length ? clone(o.delivery.data) : null);
  for (const [k, v] of Object.entries(o.customFields)) m.set(`custom_${k}`, v);
  m.set('summ', o.summ);
  m.set('total_summ', o.totalSumm);
  m.set('prepay_sum', o.prepaySum);
  m.set('full_paid_at', o.fullPaidAt);
  return m;
}

export function record(acc: Account, o: Order, as: As, field: string, oldValue: unknown, newValue: unknown, extra: Partial<StoredHistory> = {}): StoredHistory {
  const h: StoredHistory = {
    id: acc.ids.history++,
    createdAt: now(),
    source: as.source,
    userId: as.source === 'user' ? 12 : null,
    key: as.source === 'api' ? (as.key ?? null) : null,
    field,
    oldValue: oldValue ?? null,
    newValue: newValue ?? null,
    order: stub(o),
    ...extra,
  };
  acc.history.push(h);
  return h;
}

/** Records one history entry per changed field between `before` and the current order, then fires triggers. */
export function commitChanges(acc: Account, o: Order, before: Order, as: As, extraFields: string[] = []): string[] {
  recalc(o);
  const a = tracked(before);
  const b = tracked(o);
  const changed: string[] = [...extraFields];
  const keysAll = new Set([...a.keys(), ...b.keys()]);
  for (const k of keysAll) {
    const ov = a.get(k) ?? null;
    const nv = b.get(k) ?? null;
    if (same(ov, nv)) continue;
    if (k === 'status') o.statusUpdatedAt = now();
    record(acc, o, as, k, ov, nv);
    changed.push(k);
  }
  // Items: added, removed, quantity and price changes.
  const oldItems = new Map(before.items.map((i) => [i.id, i]));
  const newItems = new Map(o.items.map((i) => [i.id, i]));
  const itemRef = (i: Item) => ({ id: i.id, offer: { id: i.offer?.id ?? null, externalId: i.offer?.externalId ?? null, xmlId: i.offer?.xmlId ?? null } });
  for (const [idv, i] of newItems) {
    const prev = oldItems.get(idv);
    if (!prev) {
      record(acc, o, as, 'order_product', null, itemRef(i), { item: itemRef(i) });
      changed.push('order_product');
      continue;
    }
    for (const [f, name] of [['quantity', 'order_product.quantity'], ['initialPrice', 'order_product.initial_price'], ['discountTotal', 'order_product.discount_total'], ['status', 'order_product.status']] as const) {
      if (!same(prev[f], i[f])) {
        record(acc, o, as, name, f === 'status' ? { code: prev[f] } : prev[f], f === 'status' ? { code: i[f] } : i[f], { item: itemRef(i) });
        changed.push(name);
      }
    }
  }
  for (const [idv, i] of oldItems) {
    if (!newItems.has(idv)) {
      record(acc, o, as, 'order_product', itemRef(i), null, { item: itemRef(i) });
      changed.push('order_product');
    }
  }
  if (changed.length > 0) fireTriggers(acc, o, [...new Set(changed)]);
  return changed;
}

/** A payment as a write brings it (`payments[]` of an order, or `orders/payments/create`). */
export function newPayment(acc: Account, input: Json): Payment {
  return {
    id: acc.ids.payment++,
    externalId: str(input.externalId),
    type: String(input.type),
    status: str(input.status) ?? 'not-paid',
    amount: numOr(input.amount, 0),
    paidAt: str(input.paidAt),
    comment: str(input.comment),
  };
}

/** A new payment needs a known type; its status, when given, must be known too. `at` prefixes the error keys. */
export function checkNewPayment(input: Json, errors: Record<string, string>, at: string): void {
  if (input.type === undefined || !paymentTypeCodes.has(String(input.type))) errors[`${at}type`] = `Payment type with code "${String(input.type)}" not found.`;
  if (input.status !== undefined && !paymentStatusByCode.has(String(input.status))) errors[`${at}status`] = `Payment status with code "${String(input.status)}" not found.`;
}

/** The payment a history record about it carries. */
function paymentRef(p: Payment): Json {
  return { id: p.id, type: p.type, ...(p.externalId ? { externalId: p.externalId } : {}), amount: p.amount };
}

export function doPaymentCreate(acc: Account, input: Json, as: As, site: string | null): Payment {
  const ref = (input.order ?? {}) as Json;
  if (ref.id === undefined && ref.externalId === undefined && ref.number === undefined) {
    throw new ApiError(400, 'Errors in the entity format', { order: 'Set one of the following fields: id, externalId, number' });
  }
  const o = [...acc.orders.values()].find(
    (x) =>
      (site === null || x.site === site) &&
      ((ref.id !== undefined && x.id === Number(ref.id)) ||
        (ref.externalId !== undefined && x.externalId === String(ref.externalId)) ||
        (ref.number !== undefined && x.number === String(ref.number))),
  );
  if (!o) throw new ApiError(400, 'Errors in the entity format', { order: 'Order not found.' });
  const errors: Record<string, string> = {};
  checkNewPayment(input, errors, '');
  if (input.externalId !== undefined && o.payments.some((p) => p.externalId === String(input.externalId))) errors.externalId = 'Payment with this externalId already exists.';
  if (Object.keys(errors).length) throw new ApiError(400, 'Errors in the entity format', errors);
  const before = clone(o);
  const p = newPayment(acc, input);
  o.payments.push(p);
  record(acc, o, as, 'payments', null, { id: p.id, type: p.type }, { payment: paymentRef(p) });
  commitChanges(acc, o, before, as, ['payments']);
  return p;
}

function findPayment(acc: Account, idv: string, by: string): { o: Order; p: Payment } | undefined {
  for (const o of acc.orders.values()) {
    const p = o.payments.find((x) => (by === 'id' ? String(x.id) === idv : x.externalId === idv));
    if (p) return { o, p };
  }
  return undefined;
}

export function doPaymentEdit(acc: Account, idv: string, by: string, patch: Json, as: As): Payment {
  const found = findPayment(acc, idv, by);
  if (!found) throw new ApiError(404, 'Payment not found');
  const { o, p } = found;
  const errors: Record<string, string> = {};
  if (patch.type !== undefined && !paymentTypeCodes.has(String(patch.type))) errors.type = `Payment type with code "${String(patch.type)}" not found.`;
  if (patch.status !== undefined && !paymentStatusByCode.has(String(patch.status))) errors.status = `Payment status with code "${String(patch.status)}" not found.`;
  if (patch.externalId !== undefined && by !== 'id') errors.externalId = 'externalId can be changed only with by=id.';
  if (Object.keys(errors).length) throw new ApiError(400, 'Errors in the entity format', errors);
  const before = clone(o);
  const changed: string[] = [];
  const set = <K extends keyof Payment>(k: K, v: Payment[K], field: string, wrap?: (x: Payment[K]) => unknown) => {
    if (same(p[k], v)) return;
    const old = p[k];
    p[k] = v;
    record(acc, o, as, field, wrap ? wrap(old) : old, wrap ? wrap(v) : v, { payment: paymentRef(p) });
    changed.push(field);
  };
  if (patch.status !== undefined) set('status', String(patch.status), 'payments.status', (x) => ({ code: x }));
  if (patch.type !== undefined) set('type', String(patch.type), 'payments.type', (x) => ({ code: x }));
  if (patch.amount !== undefined) set('amount', numOr(patch.amount, p.amount), 'payments.amount');
  if (patch.paidAt !== undefined) set('paidAt', str(patch.paidAt), 'payments.paid_at');
  if (patch.comment !== undefined) set('comment', str(patch.comment), 'payments.comment');
  if (patch.externalId !== undefined) set('externalId', str(patch.externalId), 'payments.external_id');
  commitChanges(acc, o, before, as, changed);
  return p;
}

export function doPaymentDelete(acc: Account, idv: string, as: As): void {
  const found = findPayment(acc, idv, 'id');
  if (!found) throw new ApiError(404, 'Payment not found');
  const { o, p } = found;
  const before = clone(o);
  o.payments = o.payments.filter((x) => x !== p);
  record(acc, o, as, 'payments', { id: p.id, type: p.type }, null, { payment: paymentRef(p) });
  commitChanges(acc, o, before, as, ['payments']);
}
