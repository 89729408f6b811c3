/*
 * A faithful local RetailCRM API v5 for integration tests, the demo and benchmarks.
 * Follows /contracts/retailcrm.md: envelopes, status codes, form-encoded JSON writes, `site` rules, scopes,
 * payments as a map in order answers and a list in history, one history record per changed field with a
 * global id, `apiKey.current` relative to the caller, per-key rate limit, triggers, fault injection.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crmOrderSchema, historyRecordSchema, type CrmOrder, type HistoryRecord } from '../../../src-main/engine/connectors/retailcrm/types.js';
import * as seed from './seed.js';
import { AnswerLost, createFormsEmulator, type FormsEmulatorView } from './forms.js';

export interface EmulatorKey {
  key: string;
  scopes: string[];
  /** Site codes the key may use; default: all. */
  sites?: string[];
}

export interface RetailCrmEmulatorOptions {
  keys?: EmulatorKey[];
  /** Requests per second per key; default 10; 0 turns the limit off. */
  rateLimit?: number;
  limitStatus?: 503 | 429;
  /** Site codes; default ['shop']. */
  sites?: string[];
}

export type ChangeSource = 'user' | 'api' | 'rule' | 'code';

export interface EmulatorTrigger {
  name: string;
  /** Fires when any of these history fields changed; omitted = any change. */
  fields?: string[];
  when?: (order: CrmOrder, changedFields: string[]) => boolean;
  url: string;
  /** Twig-like templates: '{{ order.getId() }}', '{{ order.getStatus().getCode() }}'… */
  params: Record<string, string>;
}

export interface TriggerLogEntry {
  name: string;
  url: string;
  status: number | null;
  /** The form body sent. */
  body: string;
  response: string | null;
  error: string | null;
}

export interface EmulatorRequest {
  method: string;
  path: string;
  key: string | null;
  status: number;
  at: number;
}

export interface RetailCrmEmulator {
  url: string;
  close(): Promise<void>;
  /** Live switches. */
  config: { rateLimit: number; limitStatus: 503 | 429 };
  createOrder(o: Partial<seed.SeedOrder> | Record<string, unknown>, as?: { source: 'user' | 'api'; key?: string }): CrmOrder;
  editOrder(id: number, patch: Record<string, unknown>, as?: { source: ChangeSource; key?: string }): CrmOrder;
  getOrder(id: number): CrmOrder | undefined;
  /** The account's administrator changes a key's rights (Настройки → Интеграция → Ключи доступа к API). */
  setKeyScopes(key: string, scopes: string[]): void;
  /** The payment endpoints as another integration or a manager uses them (history records the change per field). */
  createPayment(orderId: number, payment: Record<string, unknown>, as?: { source: ChangeSource; key?: string }): number;
  editPayment(paymentId: number, patch: Record<string, unknown>, as?: { source: ChangeSource; key?: string }): void;
  deletePayment(paymentId: number, as?: { source: ChangeSource; key?: string }): void;
  orders(): CrmOrder[];
  /** History as a caller with `forKey` would see it (apiKey.current relative to that key). */
  history(forKey?: string): HistoryRecord[];
  tasks(): Array<Record<string, unknown>>;
  customers(): Array<Record<string, unknown>>;
  corporateCustomers(): Array<Record<string, unknown>>;
  /** Files, notes, contact persons (test/emulators/retailcrm/forms.ts). */
  forms: FormsEmulatorView;
  addTrigger(t: EmulatorTrigger): void;
  triggerLog: TriggerLogEntry[];
  /** Resolves when every trigger request started so far has finished. */
  triggersSettled(): Promise<void>;
  faults: {
    latencyMs: number;
    failNext(n: number, status?: number): void;
    dropNext(n: number): void;
    malformedNext(n: number): void;
  };
  requests: EmulatorRequest[];
  resetRequests(): void;
}

type Json = Record<string, unknown>;

interface Payment {
  id: number;
  externalId: string | null;
  type: string;
  status: string;
  amount: number;
  paidAt: string | null;
  comment: string | null;
}

interface Item {
  id: number;
  offer: { id: number | null; externalId: string | null; xmlId: string | null; name: string | null; article: string | null } | null;
  productName: string;
  quantity: number;
  initialPrice: number;
  discountTotal: number;
  discountManualAmount: number;
  vatRate: string;
  purchasePrice: number | null;
  status: string;
  properties: Json | [];
  comment: string | null;
}

interface Order {
  id: number;
  externalId: string | null;
  number: string;
  site: string;
  status: string;
  statusUpdatedAt: string;
  /** The comment to the last status change (`order[statusComment]`). */
  statusComment: string | null;
  createdAt: string;
  orderType: string;
  orderMethod: string;
  managerId: number | null;
  firstName: string | null;
  lastName: string | null;
  patronymic: string | null;
  phone: string | null;
  additionalPhone: string | null;
  email: string | null;
  customerComment: string | null;
  managerComment: string | null;
  weight: number | null;
  length: number | null;
  width: number | null;
  height: number | null;
  shipmentStore: string | null;
  shipmentDate: string | null;
  shipped: boolean;
  customer: Json | null;
  items: Item[];
  delivery: {
    code: string | null;
    cost: number;
    netCost: number;
    date: string | null;
    time: { from?: string; to?: string; custom?: string };
    address: Json;
    data: Json;
  };
  payments: Payment[];
  customFields: Json;
  summ: number;
  totalSumm: number;
  prepaySum: number;
  purchaseSumm: number;
  fullPaidAt: string | null;
  discountManualAmount: number;
  fromApi: boolean;
}

interface StoredHistory {
  id: number;
  createdAt: string;
  created?: true;
  deleted?: true;
  source: ChangeSource;
  userId: number | null;
  key: string | null;
  field: string;
  oldValue: unknown;
  newValue: unknown;
  order: Json;
  item?: Json;
  payment?: Json;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorMsg: string,
    readonly errors?: Record<string, string> | string[],
  ) {
    super(errorMsg);
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const clone = <T>(v: T): T => structuredClone(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const now = () => seed.crmDateTime(new Date());
const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
const numOr = (v: unknown, d: number): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : d);

/** Which scope each method needs. */
function scopeFor(method: string, path: string): string | null {
  if (path === '/api/credentials' || path === '/api/api-versions' || path === '/api/system-info') return null;
  if (path.startsWith('/api/v5/reference/')) return method === 'GET' ? 'reference_read' : 'reference_write';
  if (path.startsWith('/api/v5/orders')) return method === 'GET' ? 'order_read' : 'order_write';
  if (path.startsWith('/api/v5/customers')) return method === 'GET' ? 'customer_read' : 'customer_write';
  if (path.startsWith('/api/v5/users') || path.startsWith('/api/v5/user-groups')) return method === 'GET' ? 'user_read' : 'user_write';
  if (path.startsWith('/api/v5/tasks')) return method === 'GET' ? 'task_read' : 'task_write';
  return null;
}

export const allScopes = [
  'order_read', 'order_write', 'customer_read', 'customer_write', 'reference_read', 'reference_write',
  'user_read', 'user_write', 'task_read', 'task_write', 'integration_read', 'integration_write',
];

/** `filter[ids][]=1` and `filter[ids][0]=1` both. */
function arr(q: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}(\\[\\d*\\])?$`);
  for (const [k, v] of q) if (re.test(k) && k !== name) out.push(v);
  const single = q.get(name);
  if (single !== null && out.length === 0) out.push(single);
  return out;
}

const dateRe = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/;

export async function startRetailCrmEmulator(opts: RetailCrmEmulatorOptions = {}): Promise<RetailCrmEmulator> {
  const sites = opts.sites ?? ['shop'];
  const keys = new Map<string, EmulatorKey>((opts.keys ?? [{ key: 'test-key', scopes: allScopes }]).map((k) => [k.key, k]));
  const config = { rateLimit: opts.rateLimit ?? 10, limitStatus: opts.limitStatus ?? (503 as 503 | 429) };

  const orders = new Map<number, Order>();
  const historyLog: StoredHistory[] = [];
  const tasks: Json[] = [];
  const customers: Json[] = [];
  const corporate: Json[] = [];
  const triggers: EmulatorTrigger[] = [];
  const triggerLog: TriggerLogEntry[] = [];
  const pendingTriggers = new Set<Promise<void>>();
  const requests: EmulatorRequest[] = [];
  let nextOrderId = 1;
  let nextHistoryId = 1;
  let nextPaymentId = 1;
  let nextItemId = 1;
  let nextTaskId = 1;
  let nextCustomerId = 1;

  const faults = { latencyMs: 0, fail: [] as number[], drop: 0, malformed: 0 };
  const buckets = new Map<string, { tokens: number; at: number }>();

  const statusCodes = new Set(seed.statuses.map((s) => s.code));
  const deliveryCodes = new Set(seed.deliveryTypes.map((d) => d.code));
  const paymentTypeCodes = new Set(seed.paymentTypes.map((p) => p.code));
  const paymentStatusByCode = new Map(seed.paymentStatuses.map((p) => [p.code, p]));
  const storeCodes = new Set(seed.stores.map((s) => s.code));
  const groupOf = new Map(seed.statuses.map((s) => [s.code, s.group]));

  // ------------------------------------------------------------------------------ serialisation

  function wire(o: Order, paymentsAs: 'map' | 'list'): Json {
    const w = clone(o) as unknown as Json;
    w.slug = o.id;
    w.countryIso = 'RU';
    w.currency = 'RUB';
    w.items = o.items.map((i) => ({ ...clone(i), properties: Object.keys(i.properties).length ? i.properties : [] }));
    w.customFields = Object.keys(o.customFields).length ? clone(o.customFields) : [];
    w.payments = paymentsAs === 'list' ? clone(o.payments) : Object.fromEntries(o.payments.map((p) => [String(p.id), clone(p)]));
    const d = o.delivery;
    w.delivery = { ...clone(d), data: Object.keys(d.data).length ? clone(d.data) : [] };
    return w;
  }

  function stub(o: Order): Json {
    return { id: o.id, ...(o.externalId ? { externalId: o.externalId } : {}), number: o.number, site: o.site, status: o.status, managerId: o.managerId };
  }

  const normalise = (o: Order): CrmOrder => crmOrderSchema.parse(wire(o, 'map'));

  function historyView(h: StoredHistory, forKey: string | null): Json {
    return {
      id: h.id,
      createdAt: h.createdAt,
      ...(h.created ? { created: true } : {}),
      ...(h.deleted ? { deleted: true } : {}),
      source: h.source,
      ...(h.source === 'user' ? { user: { id: h.userId ?? 12 } } : {}),
      ...(h.source === 'api' ? { apiKey: { current: h.key !== null && h.key === forKey } } : {}),
      field: h.field,
      oldValue: h.oldValue,
      newValue: h.newValue,
      order: h.order,
      ...(h.item ? { item: h.item } : {}),
      ...(h.payment ? { payment: h.payment } : {}),
    };
  }

  // ------------------------------------------------------------------------------ state changes

  interface As {
    source: ChangeSource;
    key?: string | null | undefined;
  }

  function recalc(o: Order): void {
    o.summ = round2(o.items.reduce((s, i) => s + (i.initialPrice - i.discountTotal) * i.quantity, 0));
    o.purchaseSumm = round2(o.items.reduce((s, i) => s + (i.purchasePrice ?? 0) * i.quantity, 0));
    o.totalSumm = round2(o.summ + (o.delivery.cost ?? 0) - o.discountManualAmount);
    const paid = o.payments.filter((p) => paymentStatusByCode.get(p.status)?.paymentComplete);
    o.prepaySum = round2(paid.reduce((s, p) => s + p.amount, 0));
    o.fullPaidAt = o.prepaySum >= o.totalSumm && o.totalSumm > 0 ? (o.fullPaidAt ?? now()) : null;
  }

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

  function record(o: Order, as: As, field: string, oldValue: unknown, newValue: unknown, extra: Partial<StoredHistory> = {}): StoredHistory {
    const h: StoredHistory = {
      id: nextHistoryId++,
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
    historyLog.push(h);
    return h;
  }

  /** Records one history entry per changed field between `before` and the current order, then fires triggers. */
  function commitChanges(o: Order, before: Order, as: As, extraFields: string[] = []): string[] {
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
      record(o, as, k, ov, nv);
      changed.push(k);
    }
    // Items: added, removed, quantity and price changes.
    const oldItems = new Map(before.items.map((i) => [i.id, i]));
    const newItems = new Map(o.items.map((i) => [i.id, i]));
    const itemRef = (i: Item) => ({ id: i.id, offer: { id: i.offer?.id ?? null, externalId: i.offer?.externalId ?? null, xmlId: i.offer?.xmlId ?? null } });
    for (const [idv, i] of newItems) {
      const prev = oldItems.get(idv);
      if (!prev) {
        record(o, as, 'order_product', null, itemRef(i), { item: itemRef(i) });
        changed.push('order_product');
        continue;
      }
      for (const [f, name] of [['quantity', 'order_product.quantity'], ['initialPrice', 'order_product.initial_price'], ['discountTotal', 'order_product.discount_total'], ['status', 'order_product.status']] as const) {
        if (!same(prev[f], i[f])) {
          record(o, as, name, f === 'status' ? { code: prev[f] } : prev[f], f === 'status' ? { code: i[f] } : i[f], { item: itemRef(i) });
          changed.push(name);
        }
      }
    }
    for (const [idv, i] of oldItems) {
      if (!newItems.has(idv)) {
        record(o, as, 'order_product', itemRef(i), null, { item: itemRef(i) });
        changed.push('order_product');
      }
    }
    if (changed.length > 0) fireTriggers(o, [...new Set(changed)]);
    return changed;
  }

  function makeItem(raw: Json, index: number, errors: Record<string, string>): Item | null {
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
      id: nextItemId++,
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

  function findCustomer(ref: Json): Json | undefined {
    if (ref.id !== undefined) return customers.find((c) => c.id === Number(ref.id)) ?? corporate.find((c) => c.id === Number(ref.id));
    if (ref.externalId !== undefined) return customers.find((c) => c.externalId === String(ref.externalId)) ?? corporate.find((c) => c.externalId === String(ref.externalId));
    return undefined;
  }

  function doCreateOrder(input: Json, as: As, site: string): Order {
    const errors: Record<string, string> = {};
    checkRefs(input, errors);
    if (input.externalId !== undefined && input.externalId !== null) {
      for (const o of orders.values()) if (o.externalId === String(input.externalId) && o.site === site) throw new ApiError(400, 'Order already exists.', { externalId: 'Order already exists.' });
    }
    const items = (Array.isArray(input.items) ? input.items : []).map((i: unknown, idx: number) => makeItem((i ?? {}) as Json, idx, errors));
    const paymentsIn = Array.isArray(input.payments) ? (input.payments as Json[]) : input.payments && typeof input.payments === 'object' ? Object.values(input.payments as Json) : [];
    paymentsIn.forEach((p, idx) => {
      const pj = (p ?? {}) as Json;
      if (pj.type === undefined || !paymentTypeCodes.has(String(pj.type))) errors[`payments[${idx}].type`] = `Payment type with code "${String(pj.type)}" not found.`;
      if (pj.status !== undefined && !paymentStatusByCode.has(String(pj.status))) errors[`payments[${idx}].status`] = `Payment status with code "${String(pj.status)}" not found.`;
    });
    let customer: Json | null = null;
    const custRef = input.customer as Json | undefined;
    if (custRef && (custRef.id !== undefined || custRef.externalId !== undefined)) {
      const c = findCustomer(custRef);
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
        id: nextCustomerId++,
        externalId: null,
        site,
        createdAt: now(),
        firstName: str(input.firstName),
        lastName: str(input.lastName),
        patronymic: str(input.patronymic),
        email: str(input.email),
        phones: input.phone ? [{ number: String(input.phone) }] : [],
      };
      customers.push(customer);
    }
    const idv = nextOrderId++;
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
      payments: paymentsIn.map((p) => {
        const pj = p as Json;
        return {
          id: nextPaymentId++,
          externalId: str(pj.externalId),
          type: String(pj.type),
          status: str(pj.status) ?? 'not-paid',
          amount: numOr(pj.amount, 0),
          paidAt: str(pj.paidAt),
          comment: str(pj.comment),
        };
      }),
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
    orders.set(o.id, o);
    record(o, as, 'status', null, { code: o.status }, { created: true, order: wire(o, 'list') });
    return o;
  }

  function applyPatch(o: Order, patch: Json): void {
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
          const it = makeItem(raw, idx, errors);
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

  function doEditOrder(o: Order, patch: Json, as: As): Order {
    const before = clone(o);
    const draft = clone(o);
    applyPatch(draft, patch); // throws before anything changes
    Object.assign(o, draft);
    commitChanges(o, before, as);
    return o;
  }

  function paymentRef(p: Payment): Json {
    return { id: p.id, type: p.type, ...(p.externalId ? { externalId: p.externalId } : {}), amount: p.amount };
  }

  function doPaymentCreate(input: Json, as: As, site: string | null): Payment {
    const ref = (input.order ?? {}) as Json;
    if (ref.id === undefined && ref.externalId === undefined && ref.number === undefined) {
      throw new ApiError(400, 'Errors in the entity format', { order: 'Set one of the following fields: id, externalId, number' });
    }
    const o = [...orders.values()].find(
      (x) =>
        (site === null || x.site === site) &&
        ((ref.id !== undefined && x.id === Number(ref.id)) ||
          (ref.externalId !== undefined && x.externalId === String(ref.externalId)) ||
          (ref.number !== undefined && x.number === String(ref.number))),
    );
    if (!o) throw new ApiError(400, 'Errors in the entity format', { order: 'Order not found.' });
    const errors: Record<string, string> = {};
    if (input.type === undefined || !paymentTypeCodes.has(String(input.type))) errors.type = `Payment type with code "${String(input.type)}" not found.`;
    if (input.status !== undefined && !paymentStatusByCode.has(String(input.status))) errors.status = `Payment status with code "${String(input.status)}" not found.`;
    if (input.externalId !== undefined && o.payments.some((p) => p.externalId === String(input.externalId))) errors.externalId = 'Payment with this externalId already exists.';
    if (Object.keys(errors).length) throw new ApiError(400, 'Errors in the entity format', errors);
    const before = clone(o);
    const p: Payment = {
      id: nextPaymentId++,
      externalId: str(input.externalId),
      type: String(input.type),
      status: str(input.status) ?? 'not-paid',
      amount: numOr(input.amount, 0),
      paidAt: str(input.paidAt),
      comment: str(input.comment),
    };
    o.payments.push(p);
    record(o, as, 'payments', null, { id: p.id, type: p.type }, { payment: paymentRef(p) });
    commitChanges(o, before, as, ['payments']);
    return p;
  }

  function findPayment(idv: string, by: string): { o: Order; p: Payment } | undefined {
    for (const o of orders.values()) {
      const p = o.payments.find((x) => (by === 'id' ? String(x.id) === idv : x.externalId === idv));
      if (p) return { o, p };
    }
    return undefined;
  }

  function doPaymentEdit(idv: string, by: string, patch: Json, as: As): Payment {
    const found = findPayment(idv, by);
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
      record(o, as, field, wrap ? wrap(old) : old, wrap ? wrap(v) : v, { payment: paymentRef(p) });
      changed.push(field);
    };
    if (patch.status !== undefined) set('status', String(patch.status), 'payments.status', (x) => ({ code: x }));
    if (patch.type !== undefined) set('type', String(patch.type), 'payments.type', (x) => ({ code: x }));
    if (patch.amount !== undefined) set('amount', numOr(patch.amount, p.amount), 'payments.amount');
    if (patch.paidAt !== undefined) set('paidAt', str(patch.paidAt), 'payments.paid_at');
    if (patch.comment !== undefined) set('comment', str(patch.comment), 'payments.comment');
    if (patch.externalId !== undefined) set('externalId', str(patch.externalId), 'payments.external_id');
    commitChanges(o, before, as, changed);
    return p;
  }

  function doPaymentDelete(idv: string, as: As): void {
    const found = findPayment(idv, 'id');
    if (!found) throw new ApiError(404, 'Payment not found');
    const { o, p } = found;
    const before = clone(o);
    o.payments = o.payments.filter((x) => x !== p);
    record(o, as, 'payments', { id: p.id, type: p.type }, null, { payment: paymentRef(p) });
    commitChanges(o, before, as, ['payments']);
  }

  // ------------------------------------------------------------------------------ triggers

  function render(template: string, o: Order): string {
    return template.replace(/\{\{\s*order\.([\w().]+?)\s*\}\}/g, (_m, chain: string) => {
      const path = chain
        .split('.')
        .map((p) => p.replace(/\(\)$/, '').replace(/^get([A-Z])/, (_x, c: string) => c.toLowerCase()))
        .join('.');
      const aliases: Record<string, string> = {
        'status.code': 'status',
        'deliveryType.code': 'delivery.code',
        'site.code': 'site',
        'shipmentStore.code': 'shipmentStore',
        'paymentType.code': 'payments.0.type',
        'orderType.code': 'orderType',
        'orderMethod.code': 'orderMethod',
      };
      let v: unknown = o;
      for (const part of (aliases[path] ?? path).split('.')) v = v && typeof v === 'object' ? (v as Json)[part] : undefined;
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }

  function fireTriggers(o: Order, changed: string[]): void {
    if (triggers.length === 0) return;
    const view = normalise(o);
    for (const t of triggers) {
      if (t.fields && !t.fields.some((f) => changed.includes(f))) continue;
      if (t.when && !t.when(view, changed)) continue;
      const body = new URLSearchParams(Object.entries(t.params).map(([k, v]) => [k, render(v, o)])).toString();
      const entry: TriggerLogEntry = { name: t.name, url: t.url, status: null, body, response: null, error: null };
      const p = (async () => {
        try {
          const res = await fetch(t.url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
            signal: AbortSignal.timeout(5000),
          });
          entry.status = res.status;
          entry.response = await res.text();
        } catch (err) {
          entry.error = err instanceof Error ? err.message : String(err);
        } finally {
          triggerLog.push(entry);
        }
      })();
      pendingTriggers.add(p);
      void p.finally(() => pendingTriggers.delete(p));
    }
  }

  // ------------------------------------------------------------------------------ HTTP

  function rateLimited(key: string): boolean {
    if (config.rateLimit <= 0) return false;
    const t = performance.now();
    const b = buckets.get(key) ?? { tokens: config.rateLimit, at: t };
    b.tokens = Math.min(config.rateLimit, b.tokens + ((t - b.at) / 1000) * config.rateLimit);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  }

  function paginate<T>(list: T[], q: URLSearchParams, def = 20): { page: T[]; pagination: Json } {
    const limitRaw = q.get('limit');
    const limit = limitRaw === null ? def : Number(limitRaw);
    if (![20, 50, 100].includes(limit)) throw new ApiError(400, 'Errors in the input parameters', { limit: 'This value is not valid.' });
    const pageRaw = q.get('page');
    const page = pageRaw === null ? 1 : Number(pageRaw);
    if (!Number.isInteger(page) || page < 1) throw new ApiError(400, 'Errors in the input parameters', { page: 'This value should be 1 or more.' });
    const totalPageCount = Math.ceil(list.length / limit);
    return {
      page: list.slice((page - 1) * limit, page * limit),
      pagination: { limit, totalCount: list.length, currentPage: page, totalPageCount },
    };
  }

  function keySites(k: EmulatorKey): string[] {
    return k.sites ?? sites;
  }

  /** The `site` a write runs in: required when the key spans several sites. */
  function writeSite(k: EmulatorKey, body: URLSearchParams): string {
    const avail = keySites(k);
    const s = body.get('site');
    if (s === null || s === '') {
      if (avail.length > 1) throw new ApiError(400, "Parameter 'site' is missing");
      return avail[0] ?? sites[0]!;
    }
    if (!sites.includes(s)) throw new ApiError(400, 'Errors in the input parameters', { site: `Site with code "${s}" not found.` });
    if (!avail.includes(s)) throw new ApiError(403, 'Access denied.');
    return s;
  }

  function entity(body: URLSearchParams, field: string): Json {
    const raw = body.get(field);
    if (raw === null) throw new ApiError(400, `Parameter '${field}' is missing`);
    try {
      const v: unknown = JSON.parse(raw);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      return v as Json;
    } catch {
      throw new ApiError(400, 'Errors in the entity format', { [field]: 'This value is not valid JSON.' });
    }
  }

  function findOrder(k: EmulatorKey, idv: string, by: string, site: string | null): Order {
    const avail = keySites(k);
    for (const o of orders.values()) {
      const hit = by === 'id' ? String(o.id) === idv : o.externalId === idv;
      if (hit && avail.includes(o.site) && (site === null || site === '' || o.site === site)) return o;
    }
    throw new ApiError(404, 'Not found');
  }

  const referencesView = (): Record<string, unknown> => ({
    statuses: Object.fromEntries(seed.statuses.map((s) => [s.code, { ...s }])),
    'status-groups': Object.fromEntries(
      seed.statusGroups.map((g) => [g.code, { ...g, active: true, statuses: seed.statuses.filter((s) => s.group === g.code).map((s) => s.code) }]),
    ),
    'delivery-types': Object.fromEntries(
      seed.deliveryTypes.map((d) => [
        d.code,
        {
          name: d.name,
          code: d.code,
          active: true,
          defaultCost: d.defaultCost,
          defaultNetCost: 0,
          description: null,
          paymentTypes: d.paymentTypes,
          deliveryPaymentTypes: d.paymentTypes.map((p) => ({ code: p, cod: d.codPaymentTypes.includes(p) })),
          deliveryServices: [],
          ...(d.integrationCode ? { integrationCode: d.integrationCode } : {}),
          isDynamicCostCalculation: false,
          isAutoCostCalculation: false,
          isAutoNetCostCalculation: false,
          isCostDependsOnRegionAndWeightAndSum: false,
          isCostDependsOnDateTime: false,
          currency: 'RUB',
          defaultForCrm: d.code === 'courier',
          sites: [],
        },
      ]),
    ),
    'payment-types': Object.fromEntries(
      seed.paymentTypes.map((p) => [
        p.code,
        {
          ...p,
          active: true,
          deliveryTypes: seed.deliveryTypes.filter((d) => d.paymentTypes.includes(p.code)).map((d) => d.code),
          paymentStatuses: seed.paymentStatuses.map((s) => s.code),
          sites: [],
        },
      ]),
    ),
    'payment-statuses': Object.fromEntries(
      seed.paymentStatuses.map((s) => [s.code, { ...s, active: true, paymentTypes: seed.paymentTypes.map((p) => p.code) }]),
    ),
    stores: seed.stores.map((s) => ({ ...s, workTime: { mo: [], tu: [], we: [], th: [], fr: [], sa: [], su: [] } })),
    sites: Object.fromEntries(
      sites.map((code, i) => [
        code,
        {
          id: i + 1,
          name: seed.siteNames[code] ?? `Магазин ${code}`,
          url: `https://${code}.prilavok.test`,
          code,
          description: null,
          defaultForCrm: i === 0,
          ymlUrl: null,
          loadFromYml: false,
          // The site's legal entity in full, requisites upper case (reference/sites as recorded by the official clients).
          contragent: (({ name: _n, ...l }) => l)(seed.legalEntities.find((l) => l.code === seed.siteLegalEntity[code]) ?? seed.legalEntities[0]!),
          countryIso: 'RU',
          currency: 'RUB',
          ordering: (i + 1) * 10,
          isDemo: false,
        },
      ]),
    ),
    'legal-entities': seed.legalEntities.map(({ name: _n, ...l }) => ({ ...l })),
    couriers: seed.couriers.map((c) => ({ ...c })),
    'order-types': {
      'eshop-individual': { name: 'Физическое лицо', code: 'eshop-individual', active: true, defaultForCrm: true, defaultForApi: true },
      'eshop-legal': { name: 'Юридическое лицо', code: 'eshop-legal', active: true, defaultForCrm: false, defaultForApi: false },
    },
    'order-methods': {
      'shopping-cart': { name: 'Оформлен через корзину', code: 'shopping-cart', active: true },
      phone: { name: 'По телефону', code: 'phone', active: true },
      'one-click': { name: 'В один клик', code: 'one-click', active: true },
      'landing-page': { name: 'Лендинг', code: 'landing-page', active: true },
    },
  });

  const referenceField: Record<string, string> = {
    statuses: 'statuses',
    'status-groups': 'statusGroups',
    'delivery-types': 'deliveryTypes',
    'payment-types': 'paymentTypes',
    'payment-statuses': 'paymentStatuses',
    stores: 'stores',
    sites: 'sites',
    'legal-entities': 'legalEntities',
    couriers: 'couriers',
    'order-types': 'orderTypes',
    'order-methods': 'orderMethods',
  };

  function userView(u: (typeof seed.users)[number]): Json {
    return {
      id: u.id,
      createdAt: '2023-03-01 10:00:00',
      active: (u as { active?: boolean }).active ?? true,
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      patronymic: u.patronymic,
      phone: u.phone,
      position: u.position,
      status: 'free',
      online: false,
      isAdmin: u.isAdmin,
      isManager: u.isManager,
      groups: seed.userGroups.filter((g) => u.groups.includes(g.code)).map((g) => ({ id: g.id, name: g.name, code: g.code })),
    };
  }

  function listOrders(k: EmulatorKey, q: URLSearchParams): Json {
    const f = (n: string) => arr(q, `filter[${n}]`);
    const one = (n: string) => q.get(`filter[${n}]`);
    for (const n of ['createdAtFrom', 'createdAtTo', 'statusUpdatedAtFrom', 'statusUpdatedAtTo']) {
      const v = one(n);
      if (v !== null && !dateRe.test(v)) throw new ApiError(400, 'Errors in the input parameters', { [`children[${n}]`]: 'This value is not valid.' });
    }
    const ids = f('ids');
    const ext = f('externalIds');
    const numbers = f('numbers');
    const ext2 = f('extendedStatus');
    const dts = f('deliveryTypes');
    const pts = f('paymentTypes');
    const pss = f('paymentStatuses');
    const sts = f('sites');
    const stores = f('shipmentStores');
    const avail = keySites(k);
    const cfFilters = [...q.keys()].map((key) => /^filter\[customFields\]\[([^\]]+)\]$/.exec(key)).filter((m): m is RegExpExecArray => m !== null);
    const list = [...orders.values()]
      .filter((o) => avail.includes(o.site))
      .filter((o) => ids.length === 0 || ids.includes(String(o.id)))
      .filter((o) => ext.length === 0 || (o.externalId !== null && ext.includes(o.externalId)))
      .filter((o) => numbers.length === 0 || numbers.includes(o.number))
      .filter((o) => ext2.length === 0 || ext2.includes(o.status) || ext2.includes(groupOf.get(o.status) ?? ''))
      .filter((o) => dts.length === 0 || (o.delivery.code !== null && dts.includes(o.delivery.code)))
      .filter((o) => pts.length === 0 || o.payments.some((p) => pts.includes(p.type)))
      .filter((o) => pss.length === 0 || o.payments.some((p) => pss.includes(p.status)))
      .filter((o) => sts.length === 0 || sts.includes(o.site))
      .filter((o) => stores.length === 0 || (o.shipmentStore !== null && stores.includes(o.shipmentStore)))
      .filter((o) => one('customerId') === null || String(o.customer?.id) === one('customerId'))
      .filter((o) => one('email') === null || o.email === one('email'))
      .filter((o) => one('createdAtFrom') === null || o.createdAt >= one('createdAtFrom')!)
      .filter((o) => one('createdAtTo') === null || o.createdAt <= withEnd(one('createdAtTo')!))
      .filter((o) => one('statusUpdatedAtFrom') === null || o.statusUpdatedAt >= one('statusUpdatedAtFrom')!)
      .filter((o) => one('statusUpdatedAtTo') === null || o.statusUpdatedAt <= withEnd(one('statusUpdatedAtTo')!))
      .filter((o) => cfFilters.every((m) => String(o.customFields[m[1]!] ?? '') === q.get(m[0])))
      .sort((a, b) => b.id - a.id);
    const { page, pagination } = paginate(list, q);
    return { success: true, pagination, orders: page.map((o) => wire(o, 'map')) };
  }

  const withEnd = (d: string) => (d.length === 10 ? `${d} 23:59:59` : d);

  function listHistory(k: EmulatorKey, q: URLSearchParams): Json {
    const sinceId = q.get('filter[sinceId]');
    const startDate = q.get('filter[startDate]');
    const endDate = q.get('filter[endDate]');
    const orderId = q.get('filter[orderId]');
    const orderExt = q.get('filter[orderExternalId]');
    for (const [n, v] of [['startDate', startDate], ['endDate', endDate]] as const) {
      if (v !== null && !dateRe.test(v)) throw new ApiError(400, 'Errors in the input parameters', { [`children[${n}]`]: 'This value is not valid.' });
    }
    if (sinceId !== null && !/^\d+$/.test(sinceId)) throw new ApiError(400, 'Errors in the input parameters', { 'children[sinceId]': 'This value is not valid.' });
    const avail = keySites(k);
    const list = historyLog.filter(
      (h) =>
        avail.includes(String(h.order.site)) &&
        (sinceId === null || h.id > Number(sinceId)) &&
        (startDate === null || h.createdAt >= startDate) &&
        (endDate === null || h.createdAt <= withEnd(endDate)) &&
        (orderId === null || String(h.order.id) === orderId) &&
        (orderExt === null || h.order.externalId === orderExt),
    );
    const { page, pagination } = paginate(list, q, 100);
    return { success: true, generatedAt: now(), history: page.map((h) => historyView(h, k.key)), pagination };
  }

  const forms = createFormsEmulator({ customers, corporate, orders, writeSite, entity, paginate, error: (st, msg, errs) => new ApiError(st, msg, errs), nextCustomerId: () => nextCustomerId++, now, route });

  async function route(method: string, path: string, q: URLSearchParams, body: URLSearchParams, k: EmulatorKey): Promise<[number, Json]> {
    const as: As = { source: 'api', key: k.key };
    const get = method === 'GET';
    const post = method === 'POST';
    let m: RegExpExecArray | null;

    if (path === '/api/credentials' && get) {
      return [200, { success: true, scopes: k.scopes, credentials: [], siteAccess: k.sites ? 'access_selective' : 'access_full', sitesAvailable: keySites(k) }];
    }
    if (path === '/api/api-versions' && get) return [200, { success: true, versions: ['3.0', '4.0', '5.0'] }];
    if (path === '/api/system-info' && get) return [200, { success: true, systemVersion: '8.1.51', publicUrl: 'http://127.0.0.1', technicalUrl: 'http://127.0.0.1' }];

    if ((m = /^\/api\/v5\/reference\/([\w-]+)$/.exec(path)) && get) {
      const name = m[1]!;
      const field = referenceField[name];
      if (!field) throw new ApiError(404, 'API method not found');
      return [200, { success: true, [field]: referencesView()[name] }];
    }

    if (path === '/api/v5/orders' && get) return [200, listOrders(k, q)];
    if (path === '/api/v5/orders/history' && get) return [200, listHistory(k, q)];
    if (path === '/api/v5/orders/create' && post) {
      const site = writeSite(k, body);
      const o = doCreateOrder(entity(body, 'order'), as, site);
      return [201, { success: true, id: o.id, order: wire(o, 'map') }];
    }
    if (path === '/api/v5/orders/payments/create' && post) {
      const site = writeSite(k, body);
      const p = doPaymentCreate(entity(body, 'payment'), as, site);
      return [201, { success: true, id: p.id }];
    }
    if ((m = /^\/api\/v5\/orders\/payments\/([^/]+)\/edit$/.exec(path)) && post) {
      writeSite(k, body);
      const by = body.get('by') === 'id' ? 'id' : 'externalId';
      const p = doPaymentEdit(decodeURIComponent(m[1]!), by, entity(body, 'payment'), as);
      return [200, { success: true, id: p.id }];
    }
    if ((m = /^\/api\/v5\/orders\/payments\/([^/]+)\/delete$/.exec(path)) && post) {
      doPaymentDelete(decodeURIComponent(m[1]!), as);
      return [200, { success: true }];
    }
    if ((m = /^\/api\/v5\/orders\/([^/]+)\/edit$/.exec(path)) && post) {
      const site = writeSite(k, body);
      const by = body.get('by') === 'id' ? 'id' : 'externalId';
      const patch = entity(body, 'order');
      const o = findOrder(k, decodeURIComponent(m[1]!), by, site);
      doEditOrder(o, patch, as);
      return [200, { success: true, id: o.id, order: wire(o, 'map') }];
    }
    if ((m = /^\/api\/v5\/orders\/([^/]+)$/.exec(path)) && get && m[1] !== 'statuses') {
      const by = q.get('by') === 'id' ? 'id' : 'externalId';
      const o = findOrder(k, decodeURIComponent(m[1]!), by, q.get('site'));
      return [200, { success: true, order: wire(o, 'map') }];
    }
    if (path === '/api/v5/orders/statuses' && get) {
      const ids = arr(q, 'ids');
      const ext = arr(q, 'externalIds');
      const list = [...orders.values()].filter((o) => ids.includes(String(o.id)) || (o.externalId !== null && ext.includes(o.externalId)));
      return [200, { success: true, orders: list.map((o) => ({ id: o.id, externalId: o.externalId, status: o.status, group: groupOf.get(o.status) })) }];
    }

    if (path === '/api/v5/users' && get) {
      const groups = arr(q, 'filter[groups]');
      const active = q.get('filter[active]');
      const isManager = q.get('filter[isManager]');
      const email = q.get('filter[email]');
      const list = seed.users
        .map(userView)
        .filter((u) => groups.length === 0 || (u.groups as Array<{ code: string }>).some((g) => groups.includes(g.code)))
        .filter((u) => active === null || u.active === (active === '1' || active === 'true'))
        .filter((u) => isManager === null || u.isManager === (isManager === '1' || isManager === 'true'))
        .filter((u) => email === null || u.email === email);
      const { page, pagination } = paginate(list, q);
      return [200, { success: true, pagination, users: page }];
    }
    if ((m = /^\/api\/v5\/users\/(\d+)$/.exec(path)) && get) {
      const u = seed.users.find((x) => x.id === Number(m![1]));
      if (!u) throw new ApiError(404, 'Not found');
      return [200, { success: true, user: userView(u) }];
    }
    if (path === '/api/v5/user-groups' && get) {
      const { page, pagination } = paginate(seed.userGroups.map((g) => ({ ...g, breakdownOrderTypes: [], breakdownSites: [], breakdownOrderMethods: [], grantedOrderTypes: [] })), q);
      return [200, { success: true, pagination, groups: page }];
    }

    if (path === '/api/v5/tasks/create' && post) {
      const site = writeSite(k, body);
      const t = entity(body, 'task');
      const errors: Record<string, string> = {};
      if (t.text === undefined || t.text === null || String(t.text).trim() === '') errors.text = 'This value should not be blank.';
      if (t.performerId === undefined || t.performerId === null || t.performerId === '') errors.performerId = 'This value should not be blank.';
      else if (!seed.users.some((u) => u.id === Number(t.performerId))) errors.performerId = `User with id ${String(t.performerId)} not found.`;
      if (t.datetime !== undefined && t.datetime !== null && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(String(t.datetime))) errors.datetime = 'This value is not a valid datetime.';
      const oref = t.order as Json | undefined;
      if (oref && !Object.keys(errors).length) {
        const o = [...orders.values()].find((x) => (oref.id !== undefined && x.id === Number(oref.id)) || (oref.number !== undefined && x.number === String(oref.number)));
        if (!o) errors['order'] = 'Order not found.';
      }
      if (Object.keys(errors).length) throw new ApiError(400, 'Task is not loaded', errors);
      const task = { ...t, id: nextTaskId++, site, createdAt: now(), complete: false, performer: Number(t.performerId) };
      tasks.push(task);
      return [201, { success: true, id: task.id }];
    }
    if (path === '/api/v5/tasks' && get) {
      const { page, pagination } = paginate(tasks, q);
      return [200, { success: true, pagination, tasks: page }];
    }

    if (path === '/api/v5/customers' && get) {
      const name = q.get('filter[name]');
      const email = q.get('filter[email]');
      const ext = arr(q, 'filter[externalIds]');
      const digits = (s: string) => s.replace(/\D/g, '').replace(/^8(?=\d{10}$)/, '7');
      const list = customers.filter((c) => {
        if (email !== null && c.email !== email) return false;
        if (ext.length && !ext.includes(String(c.externalId))) return false;
        if (name !== null) {
          const phones = (c.phones as Array<{ number: string }>).map((p) => digits(p.number));
          const n = digits(name);
          const byPhone = n.length >= 5 && phones.some((p) => p.endsWith(n.slice(-10)));
          const byName = `${String(c.lastName ?? '')} ${String(c.firstName ?? '')}`.toLowerCase().includes(name.toLowerCase());
          if (!byPhone && !byName) return false;
        }
        return true;
      });
      const { page, pagination } = paginate(list, q);
      return [200, { success: true, pagination, customers: page }];
    }
    if (path === '/api/v5/customers/create' && post) {
      const site = writeSite(k, body);
      const c = entity(body, 'customer');
      if (c.externalId !== undefined && customers.some((x) => x.externalId === String(c.externalId))) {
        throw new ApiError(400, 'Customer already exists.', { externalId: 'Customer with this externalId already exists.' });
      }
      const cust = { type: 'customer', ...c, id: nextCustomerId++, site, createdAt: now(), phones: Array.isArray(c.phones) ? c.phones : [] };
      customers.push(cust);
      return [201, { success: true, id: cust.id }];
    }
    if (path === '/api/v5/customers-corporate' && get) {
      // `nickName` is a list filter (string[] in the official clients): `filter[nickName][]=…`; any of them matches.
      const nicks = q.getAll('filter[nickName][]');
      if (q.has('filter[nickName]')) throw new ApiError(400, 'Errors in the input parameters', { nickName: 'This value should be of type array.' });
      const inn = q.get('filter[contragentInn]');
      const list = corporate.filter(
        (c) =>
          (nicks.length === 0 || nicks.some((nick) => String(c.nickName ?? '').toLowerCase().includes(nick.toLowerCase()))) &&
          (inn === null || ((c.companies ?? []) as Array<{ contragent?: { INN?: string } }>).some((co) => co.contragent?.INN === inn)),
      );
      const { page, pagination } = paginate(list, q);
      return [200, { success: true, pagination, customersCorporate: page }];
    }
    if (path === '/api/v5/customers-corporate/create' && post) {
      const site = writeSite(k, body);
      const c = entity(body, 'customerCorporate');
      if (!c.nickName && !(Array.isArray(c.companies) && c.companies.length)) throw new ApiError(400, 'Errors in the entity format', { nickName: 'This value should not be blank.' });
      const cust = { type: 'customer_corporate', ...c, id: nextCustomerId++, site, createdAt: now(), companies: Array.isArray(c.companies) ? c.companies : [] };
      corporate.push(cust);
      return [201, { success: true, id: cust.id }];
    }

    throw new ApiError(404, 'API method not found');
  }

  function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    let rawBytes = Buffer.alloc(0);
    const raw = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve((rawBytes = Buffer.concat(chunks)).toString('utf8')));
      req.on('error', reject);
    });
    const body = /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') || method === 'POST' ? new URLSearchParams(raw) : new URLSearchParams();
    const headerKey = req.headers['x-api-key'];
    const keyStr = (Array.isArray(headerKey) ? headerKey[0] : headerKey) ?? u.searchParams.get('apiKey') ?? body.get('apiKey');
    const entry: EmulatorRequest = { method, path: u.pathname, key: keyStr ?? null, status: 0, at: Date.now() };
    requests.push(entry);
    const reply = (status: number, json: Json) => {
      entry.status = status;
      send(res, status, JSON.stringify(json));
    };

    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.drop > 0) {
      faults.drop--;
      entry.status = 0;
      req.socket.destroy();
      return;
    }
    const fail = faults.fail.shift();
    if (fail !== undefined) {
      entry.status = fail;
      send(res, fail, fail === 502 ? '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>' : JSON.stringify({ success: false, errorMsg: 'Internal Server Error' }), fail === 502 ? 'text/html' : undefined);
      return;
    }
    if (faults.malformed > 0) {
      faults.malformed--;
      entry.status = 200;
      send(res, 200, '{"success":true,"orders":[{"id":1,');
      return;
    }

    const page = method === 'GET' ? /^\/orders\/(\d+)\/edit\/?$/.exec(u.pathname) : null;
    if (page) {
      // The account's own order page, as «Открыть в RetailCRM» opens it: a small stand-in (no login in the emulator).
      const o = orders.get(Number(page[1]));
      entry.status = o ? 200 : 404;
      send(res, entry.status, orderPage(o ? normalise(o) : null, seed.statuses), 'text/html; charset=utf-8');
      return;
    }
    if (!u.pathname.startsWith('/api/')) {
      entry.status = 405;
      send(res, 405, '<html><head><title>405 Not Allowed</title></head><body><center><h1>405 Not Allowed</h1></center><hr><center>nginx</center></body></html>', 'text/html');
      return;
    }
    if (keyStr === null || keyStr === '') return reply(403, { success: false, errorMsg: '"apiKey" is missing.' });
    if (rateLimited(keyStr)) return reply(config.limitStatus, { success: false, errorMsg: 'Rate limit exceeded' });
    const k = keys.get(keyStr);
    if (!k) return reply(403, { success: false, errorMsg: 'Wrong "apiKey" value.' });
    const scope = scopeFor(method, u.pathname);
    if (scope && !k.scopes.includes(scope)) return reply(403, { success: false, errorMsg: 'Access denied.' });
    try {
      const [status, json] = (await forms.route(method, u.pathname, u.searchParams, body, k, rawBytes)) ?? (await route(method, u.pathname, u.searchParams, body, k));
      reply(status, json);
    } catch (err) {
      if (err instanceof AnswerLost) return void req.socket.destroy();
      if (err instanceof ApiError) {
        reply(err.status, { success: false, errorMsg: err.errorMsg, ...(err.errors ? { errors: err.errors } : {}) });
      } else {
        reply(500, { success: false, errorMsg: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ success: false, errorMsg: 'Internal Server Error' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const orderOrThrow = (idv: number): Order => {
    const o = orders.get(idv);
    if (!o) throw new Error(`emulator: no order ${idv}`);
    return o;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    config,
    close: async () => {
      await Promise.allSettled([...pendingTriggers]);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
    createOrder(o, as = { source: 'user' }) {
      const site = typeof o.site === 'string' ? o.site : sites[0]!;
      return normalise(doCreateOrder(o as Json, { source: as.source, key: as.key ?? null }, site));
    },
    editOrder(idv, patch, as = { source: 'user' }) {
      return normalise(doEditOrder(orderOrThrow(idv), patch, { source: as.source, key: as.key ?? null }));
    },
    setKeyScopes(key, scopes) {
      const k = keys.get(key);
      if (!k) throw new Error(`no key ${key}`);
      k.scopes = [...scopes];
    },
    createPayment(orderId, payment, as = { source: 'user' }) {
      return doPaymentCreate({ ...payment, order: { id: orderId } }, { source: as.source, key: as.key ?? null }, null).id;
    },
    editPayment(paymentId, patch, as = { source: 'user' }) {
      doPaymentEdit(String(paymentId), 'id', patch, { source: as.source, key: as.key ?? null });
    },
    deletePayment(paymentId, as = { source: 'user' }) {
      doPaymentDelete(String(paymentId), { source: as.source, key: as.key ?? null });
    },
    getOrder(idv) {
      const o = orders.get(idv);
      return o ? normalise(o) : undefined;
    },
    orders: () => [...orders.values()].map(normalise),
    history: (forKey) => historyLog.map((h) => historyRecordSchema.parse(historyView(h, forKey ?? null))),
    tasks: () => clone(tasks),
    customers: () => clone(customers),
    corporateCustomers: () => clone(corporate),
    forms: forms.view,
    addTrigger: (t) => void triggers.push(t),
    triggerLog,
    triggersSettled: async () => {
      await Promise.allSettled([...pendingTriggers]);
    },
    faults: {
      get latencyMs() {
        return faults.latencyMs;
      },
      set latencyMs(v: number) {
        faults.latencyMs = v;
      },
      failNext(n, status = 500) {
        for (let i = 0; i < n; i++) faults.fail.push(status);
      },
      dropNext(n) {
        faults.drop += n;
      },
      malformedNext(n) {
        faults.malformed += n;
      },
    },
    requests,
    resetRequests: () => void requests.splice(0),
  };
}

function escHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A plain page for one order: what a merchant would see first in RetailCRM (number, status, customer, sum). */
function orderPage(o: CrmOrder | null, statuses: Array<{ code: string; name: string }>): string {
  const head = '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>RetailCRM</title><style>body{font:15px system-ui,sans-serif;margin:40px;color:#1f2933}dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 18px}dt{color:#5f6b7a}.note{color:#8a94a3;font-size:13px;margin-top:24px}</style></head><body>';
  if (!o) return `${head}<h1>Заказ не найден</h1><p class="note">Эмулятор RetailCRM для демонстрации Прилавка.</p></body></html>`;
  const status = statuses.find((s) => s.code === o.status)?.name ?? o.status;
  const name = [o.lastName, o.firstName, o.patronymic].filter(Boolean).join(' ');
  const rows: Array<[string, unknown]> = [
    ['Статус', status],
    ['Покупатель', name || '—'],
    ['Телефон', o.phone ?? '—'],
    ['Доставка', o.delivery?.address?.text ?? '—'],
    ['Сумма', `${o.totalSumm ?? 0} ₽`],
    ['Трек-номер', (o.delivery as { data?: { trackNumber?: string } } | undefined)?.data?.trackNumber ?? '—'],
  ];
  return `${head}<h1>Заказ №${escHtml(o.number)}</h1><dl>${rows.map(([k, v]) => `<dt>${escHtml(k)}</dt><dd>${escHtml(v)}</dd>`).join('')}</dl><p class="note">Эмулятор RetailCRM для демонстрации Прилавка: в настоящем RetailCRM здесь открывается карточка заказа.</p></body></html>`;
}
