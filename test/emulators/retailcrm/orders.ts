/*
 * Orders of the account: creating one from an API or test payload (items resolved against the catalogue,
 * references checked, a customer found or made) and editing one so that nothing changes unless all of the
 * patch is valid. Each change is written to history (history.ts).
 */
import { ApiError } from './errors.js';
import { checkNewPayment, commitChanges, newPayment, record } from './history.js';
import { deliveryCodes, statusCodes, storeCodes } from './references.js';
import * as seed from './seed.js';
import { wire } from './serialise.js';
import type { Account } from './state.js';
import { recalc } from './totals.js';
import type { As, Item, Json, Order } from './types.js';
import { clone, now, numOr, str } from './util.js';

function makeItem(acc: Account, raw: Json, index: number, errors: Record<string, string>): Item | null {
  const offerIn = (raw.offer ?? null) as Json | null;
  const product = offerIn
    ? seed.products.find((p) => (offerIn.id !== undefined && p.offerId === Number(offerIn.id)) || (offerIn.externalId !== undefined && p.externalId === offerIn.externalId))
    : undefined;
  if (offerIn && (offerIn.id !== undefined || offerIn.externalId !== undefined) && !product && raw.productName === undefined) {
    errors[`items[${index}].offer.id`] = `Offer with id ${String(offerIn.id ?? offerIn.externalId)} not found.`;
    return null;
  }
  const quantity = numOr(raw.quantity, 1);
  if (quantity <= 0) errors[`items[${index}].quantity`] = 'This value should be greater than 0.';
  const discountManualAmount = numOr(raw.discountManualAmount, 0);
  return {
    id: acc.ids.item++,
    offer: product
      ? { id: product.offerId, externalId: product.externalId, xmlId: null, name: product.name, article: product.article }
      : offerIn
        ? { id: offerIn.id === undefined ? null : Number(offerIn.id), externalId: str(offerIn.externalId), xmlId: str(offerIn.xmlId), name: str(raw.productName), article: null }
        : null,
    productName: str(raw.productName) ?? product?.name ?? 'Товар',
    quantity,
    initialPrice: numOr(raw.initialPrice, product?.price ?? 0),
    discountTotal: discountManualAmount,
    discountManualAmount,
    vatRate: str(raw.vatRate) ?? product?.vatRate ?? 'none',
    purchasePrice: raw.purchasePrice === undefined ? (product?.purchasePrice ?? null) : numOr(raw.purchasePrice, 0),
    status: str(raw.status) ?? 'new',
    properties: (raw.properties && typeof raw.properties === 'object' ? raw.properties : {}) as Json,
    comment: str(raw.comment),
  };
}

function checkRefs(input: Json, errors: Record<string, string>): void {
  if (input.status !== undefined && !statusCodes.has(String(input.status))) errors.status = `Status with code "${String(input.status)}" not found.`;
  const d = input.delivery as Json | undefined;
  if (d?.code !== undefined && d.code !== null && !deliveryCodes.has(String(d.code))) errors['delivery.code'] = `Delivery type with code "${String(d.code)}" not found.`;
  if (input.shipmentStore !== undefined && input.shipmentStore !== null && !storeCodes.has(String(input.shipmentStore))) {
    errors.shipmentStore = `Store with code "${String(input.shipmentStore)}" not found.`;
  }
  if (input.phone !== undefined && input.phone !== null && String(input.phone).replace(/\D/g, '').length > 0 && String(input.phone).replace(/\D/g, '').length < 5) {
    errors.phone = 'Phone number is too short.';
  }
}

function findCustomer(acc: Account, ref: Json): Json | undefined {
  if (ref.id !== undefined) return acc.customers.find((c) => c.id === Number(ref.id)) ?? acc.corporate.find((c) => c.id === Number(ref.id));
  if (ref.externalId !== undefined) return acc.customers.find((c) => c.externalId === String(ref.externalId)) ?? acc.corporate.find((c) => c.externalId === String(ref.externalId));
  return undefined;
}

export function doCreateOrder(acc: Account, input: Json, as: As, site: string): Order {
  const errors: Record<string, string> = {};
  checkRefs(input, errors);
  if (input.externalId !== undefined && input.externalId !== null) {
    for (const o of acc.orders.values()) if (o.externalId === String(input.externalId) && o.site === site) throw new ApiError(400, 'Order already exists.', { externalId: 'Order already exists.' });
  }
  const items = (Array.isArray(input.items) ? input.items : []).map((i: unknown, idx: number) => makeItem(acc, (i ?? {}) as Json, idx, errors));
  const paymentsIn = Array.isArray(input.payments) ? (input.payments as Json[]) : input.payments && typeof input.payments === 'object' ? Object.values(input.payments as Json) : [];
  paymentsIn.forEach((p, idx) => checkNewPayment((p ?? {}) as Json, errors, `payments[${idx}].`));
  let customer: Json | null = null;
  const custRef = input.customer as Json | undefined;
  if (custRef && (custRef.id !== undefined || custRef.externalId !== undefined)) {
    const c = findCustomer(acc, custRef);
    if (!c) {
      const f = custRef.id !== undefined ? 'customer.id' : 'customer.externalId';
      throw new ApiError(400, 'Order is not loaded', { [f]: `Customer with ${custRef.id !== undefined ? 'id' : 'externalId'}=${String(custRef.id ?? custRef.externalId)} not found.` });
    }
    customer = c;
  }
  if (Object.keys(errors).length) throw new ApiError(400, 'Errors in the entity format', errors);

  if (!customer) {
    customer = {
      type: 'customer',
      id: acc.ids.customer++,
      externalId: null,
      site,
      createdAt: now(),
      firstName: str(input.firstName),
      lastName: str(input.lastName),
      patronymic: str(input.patronymic),
      email: str(input.email),
      phones: input.phone ? [{ number: String(input.phone) }] : [],
    };
    acc.customers.push(customer);
  }
  const idv = acc.ids.order++;
  const d = (input.delivery ?? {}) as Json;
  const o: Order = {
    id: idv,
    externalId: str(input.externalId),
    number: str(input.number) ?? `${idv}A`,
    site,
    status: str(input.status) ?? 'new',
    statusUpdatedAt: str(input.createdAt) ?? now(),
    statusComment: str(input.statusComment),
    createdAt: str(input.createdAt) ?? now(),
    orderType: str(input.orderType) ?? 'eshop-individual',
    orderMethod: str(input.orderMethod) ?? 'shopping-cart',
    managerId: input.managerId === undefined ? null : numOr(input.managerId, 0),
    firstName: str(input.firstName),
    lastName: str(input.lastName),
    patronymic: str(input.patronymic),
    phone: str(input.phone),
    additionalPhone: str(input.additionalPhone),
    email: str(input.email),
    customerComment: str(input.customerComment),
    managerComment: str(input.managerComment),
    weight: input.weight === undefined || input.weight === null ? null : numOr(input.weight, 0),
    length: input.length === undefined || input.length === null ? null : numOr(input.length, 0),
    width: input.width === undefined || input.width === null ? null : numOr(input.width, 0),
    height: input.height === undefined || input.height === null ? null : numOr(input.height, 0),
    shipmentStore: str(input.shipmentStore),
    shipmentDate: str(input.shipmentDate),
    shipped: input.shipped === true,
    customer: { type: customer.type ?? 'customer', id: customer.id, externalId: customer.externalId ?? null, site: customer.site ?? site, firstName: customer.firstName ?? null, lastName: customer.lastName ?? null },
    items: items.filter((i): i is Item => i !== null),
    delivery: {
      code: str(d.code),
      cost: numOr(d.cost, 0),
      netCost: numOr(d.netCost, 0),
      date: str(d.date),
      time: d.time && typeof d.time === 'object' ? clone(d.time as { from?: string; to?: string }) : {},
      address: d.address && typeof d.address === 'object' ? clone(d.address as Json) : {},
      data: d.data && typeof d.data === 'object' && !Array.isArray(d.data) ? clone(d.data as Json) : {},
    },
    payments: paymentsIn.map((p) => newPayment(acc, p as Json)),
    customFields: input.customFields && typeof input.customFields === 'object' && !Array.isArray(input.customFields) ? clone(input.customFields as Json) : {},
    summ: 0,
    totalSumm: 0,
    prepaySum: 0,
    purchaseSumm: 0,
    fullPaidAt: null,
    discountManualAmount: numOr(input.discountManualAmount, 0),
    fromApi: as.source === 'api',
  };
  recalc(o);
  // A payment without an amount takes the order total (as the CRM does for a single payment).
  if (o.payments.length === 1 && paymentsIn[0] && (paymentsIn[0] as Json).amount === undefined) {
    o.payments[0]!.amount = o.totalSumm;
    recalc(o);
  }
  acc.orders.set(o.id, o);
  record(acc, o, as, 'status', null, { code: o.status }, { created: true, order: wire(o, 'list') });
  return o;
}

function applyPatch(acc: Account, o: Order, patch: Json): void {
  const errors: Record<string, string> = {};
  checkRefs(patch, errors);
  let newItems: Item[] | null = null;
  if (Array.isArray(patch.items)) {
    newItems = [];
    (patch.items as Json[]).forEach((raw, idx) => {
      const existing = raw.id !== undefined ? o.items.find((i) => i.id === Number(raw.id)) : undefined;
      if (raw.id !== undefined && !existing) {
        errors[`items[${idx}].id`] = `Order product with id ${String(raw.id)} not found.`;
        return;
      }
      if (existing) {
        const upd = clone(existing);
        if (raw.quantity !== undefined) upd.quantity = numOr(raw.quantity, upd.quantity);
        if (raw.initialPrice !== undefined) upd.initialPrice = numOr(raw.initialPrice, upd.initialPrice);
        if (raw.discountManualAmount !== undefined) upd.discountTotal = upd.discountManualAmount = numOr(raw.discountManualAmount, 0);
        if (raw.status !== undefined) upd.status = String(raw.status);
        if (raw.productName !== undefined) upd.productName = String(raw.productName);
        if (raw.vatRate !== undefined) upd.vatRate = String(raw.vatRate);
        newItems!.push(upd);
      } else {
        const it = makeItem(acc, raw, idx, errors);
        if (it) newItems!.push(it);
      }
    });
  }
  if (Object.keys(errors).length) throw new ApiError(400, 'Errors in the entity format', errors);

  const scalar: Array<keyof Order> = [
    'externalId', 'status', 'orderType', 'orderMethod', 'firstName', 'lastName', 'patronymic', 'phone', 'additionalPhone', 'email',
    'customerComment', 'managerComment', 'shipmentStore', 'shipmentDate', 'statusComment',
  ];
  for (const k of scalar) if (k in patch) (o as unknown as Json)[k] = str(patch[k]);
  for (const k of ['weight', 'length', 'width', 'height', 'managerId'] as const) {
    if (k in patch) o[k] = patch[k] === null || patch[k] === '' ? null : numOr(patch[k], 0);
  }
  if ('discountManualAmount' in patch) o.discountManualAmount = numOr(patch.discountManualAmount, 0);
  if ('shipped' in patch) o.shipped = patch.shipped === true;
  if (patch.delivery && typeof patch.delivery === 'object') {
    const d = patch.delivery as Json;
    if ('code' in d) o.delivery.code = str(d.code);
    if ('cost' in d) o.delivery.cost = numOr(d.cost, 0);
    if ('netCost' in d) o.delivery.netCost = numOr(d.netCost, 0);
    if ('date' in d) o.delivery.date = str(d.date);
    if ('time' in d) o.delivery.time = d.time && typeof d.time === 'object' ? clone(d.time as { from?: string }) : {};
    if (d.address && typeof d.address === 'object') Object.assign(o.delivery.address, clone(d.address as Json));
    if ('data' in d) o.delivery.data = d.data && typeof d.data === 'object' && !Array.isArray(d.data) ? { ...o.delivery.data, ...clone(d.data as Json) } : {};
  }
  if (patch.customFields && typeof patch.customFields === 'object' && !Array.isArray(patch.customFields)) Object.assign(o.customFields, clone(patch.customFields as Json));
  if (newItems) o.items = newItems;
}

export function doEditOrder(acc: Account, o: Order, patch: Json, as: As): Order {
  const before = clone(o);
  const draft = clone(o);
  applyPatch(acc, draft, patch); // throws before anything changes
  Object.assign(o, draft);
  commitChanges(acc, o, before, as);
  return o;
}
