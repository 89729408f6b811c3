import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local LIFE POS API v6 (contracts/lifepos.md): sign-in by phone and password with bearer tokens that
 * expire, the required X-LP-* headers, legal entities, outlets, employees, workplaces, units of measure, sales
 * with the v6 three-status model (state / payment_status / shipping_status), cursor paging, the organisation
 * PATCH that turns on notifications, and the notifications themselves (JSON POSTs, at least once).
 * Every path may carry the `/v6` prefix (money documents, refunds and units also `/v5`). Money is integer kopecks.
 *
 * Real shapes (test/fixtures/real/lifepos): sale lines with `good_type`, `uom`, `tax`, `sale_price`, `total_sum`;
 * changing a sale is a JSON-Patch array answered 204 with no body (cancel = replace `/state` with `Cancelled`);
 * payments are money documents `…/deals/sales/{guid}/docs/money` (`SalePayment` / `SaleRefund` with
 * `total_sum`, `sum_by_cash`, `sum_by_card`), a refund is `POST …/docs/money/refunds` for a payment; a
 * notification is the object itself tagged `type_of` (`Sale`, `SalePayment`, `SaleRefund`, `FiscalDocumentReceipt`).
 *
 * Design-contract parts (vendor silent), the same as the client's: sale delivery data in
 * `extensions.delivery{address, date, time_from, time_to, courier{guid}}`, `GET /orgs/{org}/transactions`, the
 * error body `{code, message, errors?: [{field, message}]}`. No roles list: none is documented.
 */

export type LpRoleCode = 'Owner' | 'Administrator' | 'Manager' | 'Cashier' | 'Courier' | 'Guest';

export interface LifePosAccount {
  phone: string;
  password: string;
  role: 'Owner' | 'Administrator' | 'Manager' | 'Cashier';
}

export interface LifePosEmulatorOptions {
  accounts?: LifePosAccount[];
  orgGuid?: string;
  /** Token lifetime (default 720 h). */
  tokenTtlMs?: number;
  /** Requests per second over all API calls; 0 = no limit (default). */
  rateLimit?: number;
  /** How a returned shipment is spelled: the reference's `Returned` (default) or the welcome page's `Refunded`. */
  returnedSpelling?: 'Returned' | 'Refunded';
  /** A courier employee on staff, so the Courier role is among the employees' roles (default true). */
  staffCourier?: boolean;
  /** API versions that serve the money documents and refunds (default both v6 and v5). */
  moneyDocVersions?: Array<'v5' | 'v6'>;
}

export interface LpSalePosition {
  type: string;
  name: string;
  quantity: number;
  priceKopecks: number;
  totalKopecks: number;
  uomGuid: string;
  tax: string | null;
}

export interface LpMoneyDocState {
  guid: string;
  type_of: 'SalePayment' | 'SaleRefund';
  saleGuid: string;
  forPaymentGuid: string | null;
  totalKopecks: number;
  cashKopecks: number;
  cardKopecks: number;
  fiscalGuid: string;
  createdAt: string;
}

export interface LpSaleState {
  guid: string;
  number: string;
  outletGuid: string;
  workplaceGuid: string | null;
  openedByGuid: string | null;
  openedAt: string;
  comment: string | null;
  state: string;
  payment_status: string;
  shipping_status: string;
  totalKopecks: number;
  positions: LpSalePosition[];
  customer: { name: string | null; phone: string | null; email: string | null } | null;
  delivery: { address: string | null; date: string | null; time_from: string | null; time_to: string | null; courierGuid: string | null } | null;
  moneyDocs: LpMoneyDocState[];
  createdAt: string;
  updatedAt: string;
  seq: number;
}

export interface LpEmployeeState {
  guid: string;
  name: string;
  username: string;
  phone: string;
  inn: string | null;
  role: LpRoleCode;
  password: string | null;
}

export interface LpWorkplaceState {
  guid: string;
  name: string | null;
  workplace_type: string;
  employeeGuid: string | null;
  outletGuid: string | null;
}

export interface LpLegalEntityState {
  guid: string;
  juridical_name: string;
  juridical_address: string;
  inn: string;
  kpp: string | null;
  tax_systems: string[];
}

export interface LpOutletState {
  guid: string;
  name: string;
  address: string;
  legalEntityGuid: string;
}

export interface LpTransactionState {
  guid: string;
  status: 'Completed';
  operation: 'Payment' | 'Refund';
  payment_type: string;
  amountKopecks: number;
  registered_at: string;
  saleGuid: string;
  saleNumber: string;
}

export interface LifePosEmulator {
  url: string;
  orgGuid: string;
  close(): Promise<void>;
  sales(): LpSaleState[];
  getSale(guidOrNumber: string): LpSaleState | undefined;
  employees(): LpEmployeeState[];
  workplaces(): LpWorkplaceState[];
  legalEntities(): LpLegalEntityState[];
  outlets(): LpOutletState[];
  transactions(): LpTransactionState[];
  addLegalEntity(e: { inn: string; name: string }): string;
  addOutlet(o: { name: string; legalEntityGuid: string; address: string }): string;
  /**
   * The cashier or courier takes a payment: a `SalePayment` money document (all cash, all card, or split), payment
   * status Paid (or PartiallyPaid), a transaction, and the notifications (the payment, its receipt, the sale).
   */
  pay(number: string, p: { method: 'Cash' | 'Card' | 'Mixed'; amountKopecks?: number; cashKopecks?: number }): void;
  uoms(): Array<{ guid: string; name: string; code: string }>;
  /** The courier delivers, the cashier closes…: the fields change and a notification goes out. */
  setState(number: string, patch: { state?: string; shipping_status?: string }): void;
  expireTokens(): void;
  /** The next n notifications are delivered twice (at-least-once delivery). */
  duplicateNotifications(n: number): void;
  /**
   * `latencyMs` delays every call before it is handled; `answerLatencyMs` handles the call at once (a sale is
   * created) and delays only its answer — the window in which a client that dies has not learnt the result.
   */
  faults: { latencyMs: number; answerLatencyMs: number; failNext(n: number, status?: number): void; dropNext(n: number): void; malformedNext(n: number): void };
  notifications: Array<{ url: string; status: number | null; body: string }>;
  notificationsSettled(): Promise<void>;
  requests: Array<{ method: string; path: string; status: number; at: number }>;
  /** The organisation's notification settings as last PATCHed, or null. */
  subscription(): { turned_on: boolean; primary_url_for_notifications: string | null; secondary_url_for_notifications: string | null; version: string | null } | null;
}

const ROLE_TITLES: Record<LpRoleCode, string> = {
  Owner: 'Владелец',
  Administrator: 'Администратор',
  Manager: 'Менеджер',
  Cashier: 'Кассир',
  Courier: 'Курьер',
  Guest: 'Гость',
};

const SALE_STATES = new Set(['New', 'InProgress', 'Completed', 'Cancelled']);
const PAYMENT_STATUSES = new Set(['NotPaid', 'Paid', 'PartiallyPaid', 'Refunded', 'PartiallyRefunded']);
const SHIPPING_STATUSES = new Set(['NotShipped', 'Shipped', 'PartiallyShipped', 'Returned', 'PartiallyReturned', 'Refunded', 'PartiallyRefunded']);
const WORKPLACE_TYPES = new Set(['Unknown', 'Mobile', 'Stationary', 'Automat']);
const CLIENT_TYPES = new Set(['Unknown', 'App', 'WebApp', 'Service']);
const TAX_SYSTEMS = new Set(['Osn', 'Usn', 'UsnMinus', 'Envd', 'Esn', 'Patent']);
const TAXES = new Set(['Tax20', 'Tax10', 'Tax0', 'TaxFree', 'Tax5', 'Tax7', 'Tax22']);
const GOOD_TYPES = new Set(['Product', 'ExciseProduct', 'Work', 'Service', 'Payment', 'AgentFee', 'Other']);

type Json = Record<string, unknown>;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: Array<{ field: string; message: string }> = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const invalid = (errors: Array<{ field: string; message: string }>) =>
  new ApiError(422, 'RequestIsNotValid', 'Запрос содержит ошибки / Request is not valid', errors);

/** `8 (999) 000-00-01`, `+7 999 000 00 01` → `79990000001`. */
function phoneKey(p: string): string {
  const d = p.replace(/\D/g, '');
  return d.length === 11 && d.startsWith('8') ? `7${d.slice(1)}` : d;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

function refGuid(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (v && typeof v === 'object') return str((v as Json).guid);
  return null;
}

function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function moneyValue(v: unknown): number | null {
  const x = v && typeof v === 'object' ? (v as Json).value : v;
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

const money = (k: number) => ({ value: k, currency: 'RUB' });
const ref = (guid: string | null, type: string) => (guid ? { guid, type_of: type } : null);

export async function startLifePosEmulator(o: LifePosEmulatorOptions = {}): Promise<LifePosEmulator> {
  const orgGuid = o.orgGuid ?? randomUUID();
  const tokenTtlMs = o.tokenTtlMs ?? 720 * 3_600_000;
  const returned = o.returnedSpelling ?? 'Returned';
  const org = { guid: orgGuid, name: 'ООО «Прилавок-Тест»', extensions: {} as Json };

  const roleGuids = new Map<LpRoleCode, string>();
  for (const code of Object.keys(ROLE_TITLES) as LpRoleCode[]) roleGuids.set(code, randomUUID());
  const roleByGuid = (g: string): LpRoleCode | undefined => [...roleGuids].find(([, v]) => v === g)?.[0];

  const employees = new Map<string, LpEmployeeState>();
  const accounts = o.accounts ?? [{ phone: '+7 999 000-00-01', password: 'owner-pass', role: 'Owner' as const }];
  accounts.forEach((a, i) => {
    const guid = randomUUID();
    employees.set(guid, {
      guid,
      name: `${ROLE_TITLES[a.role]} Тестовый ${i + 1}`,
      username: `${a.role.toLowerCase()}${i + 1}`,
      phone: a.phone,
      inn: null,
      role: a.role,
      password: a.password,
    });
  });

  const courierGuid = randomUUID();
  if (o.staffCourier !== false) employees.set(courierGuid, { guid: courierGuid, name: 'Курьер Штатный', username: 'courier-staff', phone: '+79990000099', inn: null, role: 'Courier', password: null });
  const uoms = [
    { guid: randomUUID(), name: 'шт', code: '796' },
    { guid: randomUUID(), name: 'кг', code: '166' },
  ];
  const moneyVersions = new Set(o.moneyDocVersions ?? ['v6', 'v5']);

  const legalEntities = new Map<string, LpLegalEntityState>();
  const outlets = new Map<string, LpOutletState>();
  const workplaces = new Map<string, LpWorkplaceState>();
  const sales = new Map<string, LpSaleState>();
  const transactions: LpTransactionState[] = [];
  const tokens = new Map<string, { employeeGuid: string; expiresAt: number }>();
  let saleSeq = 0;

  const addLegalEntity = (e: { inn: string; name: string }): string => {
    const guid = randomUUID();
    legalEntities.set(guid, { guid, juridical_name: e.name, juridical_address: 'г. Москва, ул. Тестовая, д. 1', inn: e.inn, kpp: e.inn.length === 10 ? `${e.inn.slice(0, 4)}01001` : null, tax_systems: ['Osn'] });
    return guid;
  };
  const addOutlet = (x: { name: string; legalEntityGuid: string; address: string }): string => {
    if (!legalEntities.has(x.legalEntityGuid)) throw new Error(`no legal entity ${x.legalEntityGuid}`);
    const guid = randomUUID();
    outlets.set(guid, { guid, name: x.name, address: x.address, legalEntityGuid: x.legalEntityGuid });
    return guid;
  };
  const le1 = addLegalEntity({ inn: '7701234567', name: 'ООО «Прилавок-Север»' });
  const le2 = addLegalEntity({ inn: '500100732259', name: 'ИП Иванов Иван Иванович' });
  addOutlet({ name: 'Магазин на Ленина', legalEntityGuid: le1, address: 'г. Москва, ул. Ленина, д. 1' });
  addOutlet({ name: 'Пункт выдачи Мытищи', legalEntityGuid: le2, address: 'г. Мытищи, ул. Мира, д. 7' });

  // ------------------------------------------------------------------------------------ faults & logs

  const requests: LifePosEmulator['requests'] = [];
  let failQueue: number[] = [];
  let drop = 0;
  let malformed = 0;
  let duplicate = 0;
  const faults: LifePosEmulator['faults'] = {
    latencyMs: 0,
    answerLatencyMs: 0,
    failNext(n, status = 500) {
      failQueue = [...failQueue, ...Array.from({ length: n }, () => status)];
    },
    dropNext(n) {
      drop += n;
    },
    malformedNext(n) {
      malformed += n;
    },
  };
  const recent: number[] = [];

  // ------------------------------------------------------------------------------------ notifications

  const notifications: LifePosEmulator['notifications'] = [];
  const pending = new Set<Promise<void>>();

  const subscription = (): ReturnType<LifePosEmulator['subscription']> => {
    const ns = obj(org.extensions.notification_service);
    if (Object.keys(ns).length === 0) return null;
    return {
      turned_on: ns.turned_on === true,
      primary_url_for_notifications: str(ns.primary_url_for_notifications),
      secondary_url_for_notifications: str(ns.secondary_url_for_notifications),
      version: str(ns.version),
    };
  };

  async function post(url: string, body: string): Promise<number | null> {
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      return r.status;
    } catch {
      return null;
    }
  }

  async function deliver(body: string): Promise<void> {
    const sub = subscription();
    if (!sub?.turned_on || !sub.primary_url_for_notifications) return;
    const status = await post(sub.primary_url_for_notifications, body);
    notifications.push({ url: sub.primary_url_for_notifications, status, body });
    const ok = status !== null && status >= 200 && status < 300;
    if (!ok && sub.secondary_url_for_notifications) {
      const s2 = await post(sub.secondary_url_for_notifications, body);
      notifications.push({ url: sub.secondary_url_for_notifications, status: s2, body });
    }
  }

  /** Posts the object itself tagged `type_of`, as LIFE POS does (at least once). */
  const send = (obj: Json): boolean => {
    const sub = subscription();
    if (!sub?.turned_on) return false;
    const body = JSON.stringify(obj);
    const times = duplicate > 0 ? 2 : 1;
    if (duplicate > 0) duplicate--;
    for (let i = 0; i < times; i++) {
      const p = deliver(body).finally(() => pending.delete(p));
      pending.add(p);
    }
    return true;
  };
  const notify = (_event: 'sale.created' | 'sale.updated' | 'sale.deleted', s: LpSaleState): boolean => send({ type_of: 'Sale', ...saleWire(s) });

  // ------------------------------------------------------------------------------------ wire forms

  const saleWire = (s: LpSaleState): Json => ({
    guid: s.guid,
    number: s.number,
    outlet: ref(s.outletGuid, 'Outlet'),
    workplace: ref(s.workplaceGuid, 'Workplace'),
    opened_by: ref(s.openedByGuid, 'Employee'),
    opened_at: s.openedAt,
    comment: s.comment,
    state: s.state,
    payment_status: s.payment_status,
    shipping_status: s.shipping_status,
    total_sum: money(s.totalKopecks),
    positions: s.positions.map((p) => ({
      good_type: p.type,
      name: p.name,
      uom: ref(p.uomGuid, 'Uom'),
      tax: p.tax,
      sale_price: money(p.priceKopecks),
      quantity: p.quantity,
      total_sum: money(p.totalKopecks),
    })),
    customer: s.customer,
    extensions: s.delivery
      ? {
          delivery: {
            address: s.delivery.address,
            date: s.delivery.date,
            time_from: s.delivery.time_from,
            time_to: s.delivery.time_to,
            courier: ref(s.delivery.courierGuid, 'Employee'),
          },
        }
      : {},
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  });

  const moneyDocWire = (d: LpMoneyDocState): Json => ({
    type_of: d.type_of,
    guid: d.guid,
    sale: ref(d.saleGuid, 'Sale'),
    ...(d.forPaymentGuid ? { for_payment: ref(d.forPaymentGuid, 'SalePayment') } : {}),
    total_sum: money(d.totalKopecks),
    sum_by_cash: money(d.cashKopecks),
    sum_by_card: money(d.cardKopecks),
    fiscal_document: ref(d.fiscalGuid, 'FiscalDocumentReceipt'),
    created_at: d.createdAt,
  });

  const employeeWire = (e: LpEmployeeState): Json => ({
    guid: e.guid,
    name: e.name,
    username: e.username,
    phone: e.phone,
    inn: e.inn,
    role: { guid: roleGuids.get(e.role), type_of: 'Role', name: ROLE_TITLES[e.role], code: e.role },
  });
  const workplaceWire = (w: LpWorkplaceState): Json => ({
    guid: w.guid,
    name: w.name,
    workplace_type: w.workplace_type,
    employee: ref(w.employeeGuid, 'Employee'),
    outlet: ref(w.outletGuid, 'Outlet'),
  });
  const legalEntityWire = (e: LpLegalEntityState): Json => ({ ...e, organization: { guid: orgGuid, type_of: 'Organization' } });
  const outletWire = (x: LpOutletState): Json => ({
    guid: x.guid,
    name: x.name,
    address: x.address,
    legal_entity: ref(x.legalEntityGuid, 'LegalEntity'),
    organization: { guid: orgGuid, type_of: 'Organization' },
  });
  const transactionWire = (t: LpTransactionState): Json => ({
    guid: t.guid,
    status: t.status,
    operation: t.operation,
    payment_type: t.payment_type,
    amount: money(t.amountKopecks),
    registered_at: t.registered_at,
    card_number: t.payment_type === 'Card' ? '220220******1234' : null,
    meta_data: { purpose: t.saleNumber },
    sale: ref(t.saleGuid, 'Sale'),
  });

  // ------------------------------------------------------------------------------------ paging

  function paged<T>(items: T[], q: URLSearchParams, wire: (x: T) => Json): Json {
    const perRaw = q.get('items_per_page');
    const per = perRaw === null || perRaw === '' ? 20 : Number(perRaw);
    if (!Number.isInteger(per) || per < 1 || per > 100) throw invalid([{ field: 'items_per_page', message: 'must be 1..100' }]);
    let offset = 0;
    const token = q.get('page_token');
    if (token) {
      const m = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
      if (!m) throw invalid([{ field: 'page_token', message: 'invalid page token' }]);
      offset = Number(m[1]);
    }
    const slice = items.slice(offset, offset + per);
    const next = offset + per < items.length ? Buffer.from(`o${offset + per}`).toString('base64url') : null;
    return { items: slice.map(wire), next_page_token: next };
  }

  // ------------------------------------------------------------------------------------ business rules

  const now = () => new Date().toISOString();
  const touch = (s: LpSaleState) => {
    s.updatedAt = now();
    s.seq = ++saleSeq;
  };
  const findSale = (guidOrNumber: string): LpSaleState | undefined =>
    sales.get(guidOrNumber) ?? [...sales.values()].find((s) => s.number === guidOrNumber);

  function createSale(body: Json): LpSaleState {
    const errors: Array<{ field: string; message: string }> = [];
    const number = str(body.number);
    if (!number) errors.push({ field: 'number', message: 'required' });
    else if (number.length > 36) errors.push({ field: 'number', message: 'must be at most 36 characters' });
    const outletGuid = refGuid(body.outlet);
    if (!outletGuid) errors.push({ field: 'outlet', message: 'required' });
    else if (!outlets.has(outletGuid)) errors.push({ field: 'outlet', message: 'outlet not found' });
    const openedBy = refGuid(body.opened_by);
    if (!openedBy) errors.push({ field: 'opened_by', message: 'required' });
    else if (!employees.has(openedBy)) errors.push({ field: 'opened_by', message: 'employee not found' });
    const openedAt = str(body.opened_at);
    if (!openedAt) errors.push({ field: 'opened_at', message: 'required' });
    else if (Number.isNaN(Date.parse(openedAt))) errors.push({ field: 'opened_at', message: 'not a date' });
    const workplaceGuid = refGuid(body.workplace);
    if (workplaceGuid && !workplaces.has(workplaceGuid)) errors.push({ field: 'workplace', message: 'workplace not found' });
    const comment = str(body.comment);
    if (comment && comment.length > 512) errors.push({ field: 'comment', message: 'must be at most 512 characters' });
    const state = str(body.state) ?? 'New';
    if (!SALE_STATES.has(state)) errors.push({ field: 'state', message: `unknown state ${state}` });
    const positions: LpSalePosition[] = [];
    if (!Array.isArray(body.positions) || body.positions.length === 0) errors.push({ field: 'positions', message: 'at least one position required' });
    else {
      body.positions.forEach((raw, i) => {
        const p = obj(raw);
        const name = str(p.name);
        const quantity = typeof p.quantity === 'number' ? p.quantity : NaN;
        const price = moneyValue(p.sale_price);
        const uom = refGuid(p.uom);
        const tax = str(p.tax);
        const goodType = str(p.good_type) ?? 'Product';
        if (!name) errors.push({ field: `positions[${i}].name`, message: 'required' });
        else if (name.length > 128) errors.push({ field: `positions[${i}].name`, message: 'must be at most 128 characters' });
        if (!(quantity > 0)) errors.push({ field: `positions[${i}].quantity`, message: 'must be positive' });
        if (price === null || !Number.isInteger(price) || price < 0) errors.push({ field: `positions[${i}].sale_price.value`, message: 'required: a non-negative integer (kopecks)' });
        if (!uom) errors.push({ field: `positions[${i}].uom`, message: 'required' });
        else if (!uoms.some((u) => u.guid === uom)) errors.push({ field: `positions[${i}].uom`, message: 'uom not found' });
        if (tax !== null && !TAXES.has(tax)) errors.push({ field: `positions[${i}].tax`, message: `unknown tax ${tax}` });
        if (!GOOD_TYPES.has(goodType)) errors.push({ field: `positions[${i}].good_type`, message: `unknown good type ${goodType}` });
        const total = p.total_sum === undefined ? null : moneyValue(p.total_sum);
        if (price !== null && total !== null && total !== Math.round(price * quantity)) errors.push({ field: `positions[${i}].total_sum.value`, message: 'must be sale_price × quantity' });
        if (name && quantity > 0 && price !== null && Number.isInteger(price) && price >= 0 && uom) {
          positions.push({ type: goodType, name, quantity, priceKopecks: price, totalKopecks: Math.round(price * quantity), uomGuid: uom, tax });
        }
      });
    }
    const totalRaw = body.total_sum === undefined ? null : moneyValue(body.total_sum);
    if (body.total_sum !== undefined && (totalRaw === null || !Number.isInteger(totalRaw) || totalRaw < 0)) {
      errors.push({ field: 'total_sum.value', message: 'must be a non-negative integer (kopecks)' });
    }
    const delivery = obj(obj(body.extensions).delivery);
    const courierGuid = refGuid(delivery.courier);
    if (courierGuid && !employees.has(courierGuid)) errors.push({ field: 'extensions.delivery.courier', message: 'employee not found' });
    if (errors.length) throw invalid(errors);
    if ([...sales.values()].some((x) => x.number === number)) {
      throw new ApiError(422, 'Duplicate', `Продажа с номером ${number} уже существует / Sale with the same number already exists`);
    }
    const cust = body.customer && typeof body.customer === 'object' ? obj(body.customer) : null;
    const at = now();
    const s: LpSaleState = {
      guid: randomUUID(),
      number: number!,
      outletGuid: outletGuid!,
      workplaceGuid,
      openedByGuid: openedBy,
      openedAt: openedAt!,
      comment,
      state,
      payment_status: 'NotPaid',
      shipping_status: 'NotShipped',
      totalKopecks: totalRaw ?? positions.reduce((sum, p) => sum + p.totalKopecks, 0),
      positions,
      customer: cust ? { name: str(cust.name), phone: str(cust.phone), email: str(cust.email) } : null,
      delivery:
        Object.keys(delivery).length > 0
          ? { address: str(delivery.address), date: str(delivery.date), time_from: str(delivery.time_from), time_to: str(delivery.time_to), courierGuid }
          : null,
      moneyDocs: [],
      createdAt: at,
      updatedAt: at,
      seq: ++saleSeq,
    };
    sales.set(s.guid, s);
    notify('sale.created', s);
    return s;
  }

  function cancel(s: LpSaleState): void {
    if (s.state === 'Cancelled') return;
    if (s.state === 'Completed' || s.payment_status === 'Paid' || s.payment_status === 'PartiallyPaid') {
      throw new ApiError(422, 'RequestIsNotValid', 'Продажа оплачена или завершена, отмена невозможна / Sale is paid or completed and cannot be cancelled', [
        { field: 'state', message: `state ${s.state}, payment_status ${s.payment_status}` },
      ]);
    }
    s.state = 'Cancelled';
  }

  const paidOf = (s: LpSaleState) => s.moneyDocs.reduce((sum, d) => sum + (d.type_of === 'SalePayment' ? d.totalKopecks : -d.totalKopecks), 0);

  /** A refund money document for one payment: the whole payment unless smaller sums are given. */
  function refund(s: LpSaleState, body: Json): LpMoneyDocState {
    const forPayment = refGuid(body.for_payment);
    const payment = s.moneyDocs.find((d) => d.guid === forPayment && d.type_of === 'SalePayment');
    if (!forPayment || !payment) throw invalid([{ field: 'for_payment', message: forPayment ? 'payment not found in this sale' : 'required' }]);
    if (s.moneyDocs.some((d) => d.type_of === 'SaleRefund' && d.forPaymentGuid === forPayment)) {
      throw new ApiError(422, 'Duplicate', 'Оплата уже возвращена / payment is already refunded');
    }
    const total = body.total_sum === undefined ? payment.totalKopecks : moneyValue(body.total_sum);
    const cash = body.sum_by_cash === undefined ? payment.cashKopecks : moneyValue(body.sum_by_cash);
    const card = body.sum_by_card === undefined ? payment.cardKopecks : moneyValue(body.sum_by_card);
    const errors: Array<{ field: string; message: string }> = [];
    if (total === null || !Number.isInteger(total) || total <= 0 || total > payment.totalKopecks) errors.push({ field: 'total_sum.value', message: 'must be 1..payment total (kopecks)' });
    if (cash === null || card === null || cash < 0 || card < 0 || cash > payment.cashKopecks || card > payment.cardKopecks) errors.push({ field: 'sum_by_cash', message: 'parts must not exceed the payment parts' });
    else if (total !== null && cash + card !== total && cash + card !== 0) errors.push({ field: 'sum_by_card', message: 'sum_by_cash + sum_by_card must equal total_sum' });
    if (errors.length) throw invalid(errors);
    const doc: LpMoneyDocState = { guid: randomUUID(), type_of: 'SaleRefund', saleGuid: s.guid, forPaymentGuid: forPayment, totalKopecks: total!, cashKopecks: cash!, cardKopecks: card!, fiscalGuid: randomUUID(), createdAt: now() };
    s.moneyDocs.push(doc);
    transactions.push({ guid: doc.guid, status: 'Completed', operation: 'Refund', payment_type: doc.cashKopecks > 0 ? 'Cash' : 'Card', amountKopecks: doc.totalKopecks, registered_at: doc.createdAt, saleGuid: s.guid, saleNumber: s.number });
    s.payment_status = paidOf(s) <= 0 ? 'Refunded' : 'PartiallyRefunded';
    if (s.payment_status === 'Refunded' && s.shipping_status === 'Shipped') s.shipping_status = returned;
    touch(s);
    send({ ...moneyDocWire(doc) });
    notify('sale.updated', s);
    return doc;
  }

  function pay(number: string, p: { method: 'Cash' | 'Card' | 'Mixed'; amountKopecks?: number; cashKopecks?: number }): void {
    const s = findSale(number);
    if (!s) throw new Error(`no sale ${number}`);
    if (s.state === 'Cancelled') throw new Error(`sale ${number} is cancelled`);
    const paid = paidOf(s);
    const amount = p.amountKopecks ?? s.totalKopecks - paid;
    const cash = p.method === 'Cash' ? amount : p.method === 'Card' ? 0 : Math.min(amount, p.cashKopecks ?? 0);
    const doc: LpMoneyDocState = { guid: randomUUID(), type_of: 'SalePayment', saleGuid: s.guid, forPaymentGuid: null, totalKopecks: amount, cashKopecks: cash, cardKopecks: amount - cash, fiscalGuid: randomUUID(), createdAt: now() };
    s.moneyDocs.push(doc);
    transactions.push({ guid: doc.guid, status: 'Completed', operation: 'Payment', payment_type: cash > 0 ? 'Cash' : 'Card', amountKopecks: amount, registered_at: doc.createdAt, saleGuid: s.guid, saleNumber: s.number });
    s.payment_status = paid + amount >= s.totalKopecks ? 'Paid' : 'PartiallyPaid';
    touch(s);
    send(moneyDocWire(doc));
    send({ type_of: 'FiscalDocumentReceipt', guid: doc.fiscalGuid, sources: { print_view: `КАССОВЫЙ ЧЕК\nПРИХОД\nИТОГ ${(amount / 100).toFixed(2)}` } });
    notify('sale.updated', s);
  }

  // ------------------------------------------------------------------------------------ HTTP

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const jsonBody = (raw: string): unknown => {
    if (raw.trim() === '') return {};
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw invalid([{ field: 'body', message: 'malformed JSON' }]);
    }
  };

  const canWrite = (role: LpRoleCode, what: 'sales' | 'structure' | 'org'): boolean => {
    if (role === 'Owner') return true;
    if (role === 'Administrator') return true;
    if (role === 'Manager') return what === 'sales';
    return false;
  };

  function authenticate(req: IncomingMessage): LpEmployeeState {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    const t = m?.[1] ? tokens.get(m[1]) : undefined;
    if (!t || t.expiresAt <= Date.now()) throw new ApiError(401, 'Unauthorized', 'Требуется авторизация / Unauthorized');
    const e = employees.get(t.employeeGuid);
    if (!e) throw new ApiError(401, 'Unauthorized', 'Требуется авторизация / Unauthorized');
    // Cashiers, couriers and guests have no API access.
    if (e.role === 'Cashier' || e.role === 'Courier' || e.role === 'Guest') throw new ApiError(403, 'NoPermissions', 'Недостаточно прав / No permissions');
    return e;
  }

  const forbid = () => new ApiError(403, 'NoPermissions', 'Недостаточно прав / No permissions');
  const notFound = (what: string) => new ApiError(404, 'NotFound', `${what} не найден(а) / not found`);

  async function api(req: IncomingMessage, method: string, path: string, q: URLSearchParams, raw: string, version: string): Promise<{ status: number; body: unknown }> {
    if (method === 'POST' && path === '/auth/sign-in-by-phone') {
      const b = obj(jsonBody(raw));
      const phone = str(b.phone);
      const password = str(b.password);
      const errors: Array<{ field: string; message: string }> = [];
      if (!phone || phone.length < 10 || phone.length > 18) errors.push({ field: 'phone', message: 'must be 10..18 characters' });
      if (!password || password.length < 6 || password.length > 32) errors.push({ field: 'password', message: 'must be 6..32 characters' });
      if (errors.length) throw invalid(errors);
      const e = [...employees.values()].find((x) => x.password !== null && phoneKey(x.phone) === phoneKey(phone!));
      if (!e || e.password !== password) throw new ApiError(401, 'Unauthorized', 'Неверный телефон или пароль / Wrong phone or password');
      const token = `lp_${randomUUID().replace(/-/g, '')}`;
      tokens.set(token, { employeeGuid: e.guid, expiresAt: Date.now() + tokenTtlMs });
      return { status: 200, body: { token } };
    }

    const me = authenticate(req);
    if (method === 'GET' && path === '/orgs') return { status: 200, body: { items: [{ guid: org.guid, name: org.name }], next_page_token: null } };

    const m = /^\/orgs\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) throw notFound('Ресурс');
    if (decodeURIComponent(m[1]!) !== orgGuid) throw notFound('Организация');
    const rest = m[2] ?? '';

    if (rest === '') {
      if (method === 'GET') return { status: 200, body: { guid: org.guid, name: org.name, extensions: org.extensions } };
      if (method === 'PATCH') {
        if (!canWrite(me.role, 'org')) throw forbid();
        const ops = jsonBody(raw);
        if (!Array.isArray(ops)) throw invalid([{ field: 'body', message: 'JSON Patch array expected' }]);
        const declared = String(req.headers['x-lp-client-extensions'] ?? '')
          .split(',')
          .map((x) => x.trim());
        for (const opRaw of ops) {
          const op = obj(opRaw);
          const p = str(op.path);
          if (op.op !== 'add' && op.op !== 'replace') throw invalid([{ field: 'op', message: `unsupported op ${String(op.op)}` }]);
          const em = /^\/extensions\/([A-Za-z_]+)$/.exec(p ?? '');
          if (!em) throw invalid([{ field: 'path', message: `unsupported path ${p ?? ''}` }]);
          const ext = em[1]!;
          if (!declared.includes(ext)) throw invalid([{ field: 'X-LP-Client-Extensions', message: `extension ${ext} is not declared` }]);
          const v = obj(op.value);
          if (ext === 'notification_service') {
            if (typeof v.turned_on !== 'boolean') throw invalid([{ field: 'value.turned_on', message: 'boolean required' }]);
            const primary = str(v.primary_url_for_notifications);
            if (v.turned_on && (!primary || !/^https?:\/\//.test(primary))) {
              throw invalid([{ field: 'value.primary_url_for_notifications', message: 'URL required' }]);
            }
          }
          org.extensions[ext] = v;
        }
        // As production sees it: the organisation PATCH answers 204 with no body.
        return { status: 204, body: null };
      }
    }

    if (method === 'GET' && rest === '/me') return { status: 200, body: employeeWire(me) };
    if (method === 'GET' && rest === '/uoms') return { status: 200, body: paged(uoms, q, (u) => ({ ...u, type_of: 'Uom' })) };

    if (rest === '/legal-entities' && method === 'GET') return { status: 200, body: paged([...legalEntities.values()], q, legalEntityWire) };
    if (rest === '/legal-entities' && method === 'POST') {
      if (!canWrite(me.role, 'structure')) throw forbid();
      const b = obj(jsonBody(raw));
      const errors: Array<{ field: string; message: string }> = [];
      const name = str(b.juridical_name);
      const address = str(b.juridical_address);
      const inn = str(b.inn);
      if (!name || name.length < 2 || name.length > 256) errors.push({ field: 'juridical_name', message: 'must be 2..256 characters' });
      if (!address || address.length < 2 || address.length > 256) errors.push({ field: 'juridical_address', message: 'must be 2..256 characters' });
      if (!inn || !/^(\d{10}|\d{12})$/.test(inn)) errors.push({ field: 'inn', message: '10 or 12 digits' });
      const tax = Array.isArray(b.tax_systems) ? b.tax_systems.map(String) : [];
      if (tax.length === 0 || tax.some((t) => !TAX_SYSTEMS.has(t))) errors.push({ field: 'tax_systems', message: 'subset of Osn, Usn, UsnMinus, Envd, Esn, Patent' });
      if (errors.length) throw invalid(errors);
      const guid = addLegalEntity({ inn: inn!, name: name! });
      const e = legalEntities.get(guid)!;
      e.juridical_address = address!;
      e.tax_systems = tax;
      e.kpp = str(b.kpp);
      return { status: 201, body: legalEntityWire(e) };
    }
    let mm = /^\/legal-entities\/([^/]+)$/.exec(rest);
    if (mm && method === 'GET') {
      const e = legalEntities.get(decodeURIComponent(mm[1]!));
      if (!e) throw notFound('Юрлицо');
      return { status: 200, body: legalEntityWire(e) };
    }

    if (rest === '/outlets' && method === 'GET') return { status: 200, body: paged([...outlets.values()], q, outletWire) };
    if (rest === '/outlets' && method === 'POST') {
      if (!canWrite(me.role, 'structure')) throw forbid();
      const b = obj(jsonBody(raw));
      const le = refGuid(b.legal_entity);
      const errors: Array<{ field: string; message: string }> = [];
      if (!str(b.name)) errors.push({ field: 'name', message: 'required' });
      if (!str(b.address)) errors.push({ field: 'address', message: 'required' });
      if (!le || !legalEntities.has(le)) errors.push({ field: 'legal_entity', message: 'legal entity not found' });
      if (errors.length) throw invalid(errors);
      const guid = addOutlet({ name: str(b.name)!, address: str(b.address)!, legalEntityGuid: le! });
      return { status: 201, body: outletWire(outlets.get(guid)!) };
    }
    mm = /^\/outlets\/([^/]+)$/.exec(rest);
    if (mm && method === 'GET') {
      const x = outlets.get(decodeURIComponent(mm[1]!));
      if (!x) throw notFound('Торговая точка');
      return { status: 200, body: outletWire(x) };
    }

    if (rest === '/employees' && method === 'GET') return { status: 200, body: paged([...employees.values()], q, employeeWire) };
    if (rest === '/employees' && method === 'POST') {
      if (!canWrite(me.role, 'structure')) throw forbid();
      const b = obj(jsonBody(raw));
      const errors: Array<{ field: string; message: string }> = [];
      const name = str(b.name);
      const username = str(b.username);
      const phone = str(b.phone);
      const roleGuid = refGuid(b.role);
      const inn = b.inn === null || b.inn === undefined ? null : str(b.inn);
      if (!name || name.length < 5 || name.length > 64) errors.push({ field: 'name', message: 'must be 5..64 characters' });
      if (!username || username.length < 2 || username.length > 24) errors.push({ field: 'username', message: 'must be 2..24 characters' });
      if (!phone) errors.push({ field: 'phone', message: 'required' });
      const role = roleGuid ? roleByGuid(roleGuid) : undefined;
      if (!role) errors.push({ field: 'role', message: 'role not found' });
      if (inn !== null && !/^\d{12}$/.test(inn)) errors.push({ field: 'inn', message: '12 digits' });
      if (errors.length) throw invalid(errors);
      if ([...employees.values()].some((e) => e.username === username)) {
        throw new ApiError(422, 'NotUnique', `Имя пользователя ${username} уже занято / username is not unique`, [{ field: 'username', message: 'not unique' }]);
      }
      const guid = randomUUID();
      const e: LpEmployeeState = { guid, name: name!, username: username!, phone: phone!, inn, role: role!, password: null };
      employees.set(guid, e);
      return { status: 201, body: employeeWire(e) };
    }

    if (rest === '/workplaces' && method === 'GET') return { status: 200, body: paged([...workplaces.values()], q, workplaceWire) };
    if (rest === '/workplaces' && method === 'POST') {
      if (!canWrite(me.role, 'structure')) throw forbid();
      const b = obj(jsonBody(raw));
      const errors: Array<{ field: string; message: string }> = [];
      const type = str(b.workplace_type);
      if (!type || !WORKPLACE_TYPES.has(type)) errors.push({ field: 'workplace_type', message: 'Unknown, Mobile, Stationary or Automat' });
      const emp = refGuid(b.employee);
      const out = refGuid(b.outlet);
      if (emp && !employees.has(emp)) errors.push({ field: 'employee', message: 'employee not found' });
      if (out && !outlets.has(out)) errors.push({ field: 'outlet', message: 'outlet not found' });
      if (errors.length) throw invalid(errors);
      const guid = randomUUID();
      const w: LpWorkplaceState = { guid, name: str(b.name), workplace_type: type!, employeeGuid: emp, outletGuid: out };
      workplaces.set(guid, w);
      return { status: 201, body: workplaceWire(w) };
    }

    if (rest === '/deals/sales' && method === 'GET') {
      let list = [...sales.values()];
      const search = q.get('search');
      if (search) {
        if (search.length > 64) throw invalid([{ field: 'search', message: 'must be at most 64 characters' }]);
        const needle = search.toLowerCase();
        list = list.filter((s) => s.number.toLowerCase().includes(needle) || (s.comment ?? '').toLowerCase().includes(needle));
      }
      for (const [param, field] of [
        ['state', 'state'],
        ['payment_status', 'payment_status'],
        ['shipping_status', 'shipping_status'],
      ] as const) {
        const v = q.get(param);
        if (v) list = list.filter((s) => s[field] === v);
      }
      const openedFrom = q.get('opened_at_from');
      if (openedFrom) list = list.filter((s) => Date.parse(s.openedAt) >= Date.parse(openedFrom));
      const openedTo = q.get('opened_at_to');
      if (openedTo) list = list.filter((s) => Date.parse(s.openedAt) <= Date.parse(openedTo));
      const order = q.get('order_by') ?? 'created_at_asc';
      const om = /^(created_at|updated_at|opened_at|number)_(asc|desc)$/.exec(order);
      if (!om) throw invalid([{ field: 'order_by', message: `unknown order ${order}` }]);
      const key = (s: LpSaleState): string | number =>
        om[1] === 'number' ? s.number : om[1] === 'updated_at' ? s.seq : om[1] === 'opened_at' ? Date.parse(s.openedAt) : 0;
      // Insertion order is creation order; a stable sort keeps it among equals.
      list.sort((a, b) => {
        const x = key(a);
        const y = key(b);
        return x < y ? -1 : x > y ? 1 : 0;
      });
      if (om[2] === 'desc') list.reverse();
      return { status: 200, body: paged(list, q, saleWire) };
    }
    if (rest === '/deals/sales' && method === 'POST') {
      if (!canWrite(me.role, 'sales')) throw forbid();
      const s = createSale(obj(jsonBody(raw)));
      return { status: 201, body: saleWire(s) };
    }
    mm = /^\/deals\/sales\/([^/]+)(\/docs\/money(?:\/refunds)?)?$/.exec(rest);
    if (mm) {
      const s = sales.get(decodeURIComponent(mm[1]!));
      if (mm[2]) {
        if (!moneyVersions.has(version)) throw notFound('Ресурс');
        if (!s) throw notFound('Продажа');
        if (mm[2] === '/docs/money' && method === 'GET') return { status: 200, body: paged(s.moneyDocs, q, moneyDocWire) };
        if (mm[2] === '/docs/money/refunds' && method === 'POST') {
          if (!canWrite(me.role, 'sales')) throw forbid();
          return { status: 201, body: moneyDocWire(refund(s, obj(jsonBody(raw)))) };
        }
        throw notFound('Ресурс');
      }
      if (version !== 'v6') throw notFound('Ресурс');
      if (method === 'GET') {
        if (!s) throw notFound('Продажа');
        return { status: 200, body: saleWire(s) };
      }
      if (method === 'PATCH') {
        if (!canWrite(me.role, 'sales')) throw forbid();
        if (!s) throw notFound('Продажа');
        const ops = jsonBody(raw);
        if (!Array.isArray(ops)) throw invalid([{ field: 'body', message: 'JSON Patch array expected (RFC 6902)' }]);
        // All or nothing: every operation is checked before any applies.
        const apply: Array<() => void> = [];
        for (const raw of ops) {
          const op = obj(raw);
          const p = (str(op.path) ?? '').replace(/^\/?/, '/');
          if (op.op !== 'replace') throw invalid([{ field: 'op', message: `unsupported op ${String(op.op)}` }]);
          if (p === '/state') {
            const v = str(op.value);
            if (!v || !SALE_STATES.has(v)) throw invalid([{ field: 'state', message: `unknown state ${String(op.value)}` }]);
            if (v === 'Cancelled') {
              const probe = { ...s };
              cancel(probe);
              apply.push(() => cancel(s));
            } else apply.push(() => void (s.state = v));
          } else if (p === '/outlet') {
            const g = refGuid(op.value);
            if (!g || !outlets.has(g)) throw invalid([{ field: 'outlet', message: 'outlet not found' }]);
            apply.push(() => void (s.outletGuid = g));
          } else if (p === '/comment') {
            const c = op.value === null ? null : str(op.value);
            if (c && c.length > 512) throw invalid([{ field: 'comment', message: 'must be at most 512 characters' }]);
            apply.push(() => void (s.comment = c));
          } else throw invalid([{ field: 'path', message: `unsupported path ${p}` }]);
        }
        for (const f of apply) f();
        touch(s);
        notify('sale.updated', s);
        return { status: 204, body: null };
      }
    }

    if (rest === '/transactions' && method === 'GET') {
      let list = [...transactions];
      const from = q.get('registered_at_from');
      if (from) {
        const t = Date.parse(from);
        if (Number.isNaN(t)) throw invalid([{ field: 'registered_at_from', message: 'not a date' }]);
        list = list.filter((x) => Date.parse(x.registered_at) >= t);
      }
      return { status: 200, body: paged(list, q, transactionWire) };
    }

    throw notFound('Ресурс');
  }

  const reply = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const vm = /^\/(v\d+)(?=\/)/.exec(url.pathname);
    const version = vm?.[1] ?? 'v6';
    const path = url.pathname.replace(/^\/v\d+(?=\/)/, '').replace(/\/+$/, '') || '/';
    const raw = await readBody(req);
    const log = (status: number) => requests.push({ method, path: url.pathname, status, at: Date.now() });

    if (path === '/__emulator/notify' && method === 'POST') {
      let b: Json = {};
      try {
        b = obj(JSON.parse(raw || '{}'));
      } catch {
        /* an empty control call */
      }
      const s = findSale(str(b.guid) ?? str(b.number) ?? '');
      if (!s) return reply(res, 404, { code: 'NotFound', message: 'sale not found' });
      const event = str(b.event);
      const ok = notify(event === 'sale.created' || event === 'sale.deleted' ? event : 'sale.updated', s);
      return reply(res, ok ? 200 : 409, ok ? { ok: true } : { code: 'NotSubscribed', message: 'notifications are not turned on' });
    }

    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (drop > 0) {
      drop--;
      log(0);
      req.socket.destroy();
      return;
    }
    const failStatus = failQueue.shift();
    if (failStatus !== undefined) {
      log(failStatus);
      const code = failStatus === 429 ? 'TooManyRequests' : failStatus === 401 ? 'Unauthorized' : failStatus === 403 ? 'NoPermissions' : 'InternalServerError';
      return reply(res, failStatus, { code, message: `HTTP ${failStatus}` }, failStatus === 429 || failStatus === 503 ? { 'retry-after': '2' } : {});
    }
    if (malformed > 0) {
      malformed--;
      log(200);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"items":[{"guid":"');
      return;
    }

    // Required client headers on every call, sign-in included.
    const missing: Array<{ field: string; message: string }> = [];
    if (!req.headers['x-lp-client-identifier']) missing.push({ field: 'X-LP-Client-Identifier', message: 'required header' });
    const type = req.headers['x-lp-client-type'];
    if (typeof type !== 'string' || !CLIENT_TYPES.has(type)) missing.push({ field: 'X-LP-Client-Type', message: 'Unknown, App, WebApp or Service' });
    if (!req.headers['accept-language']) missing.push({ field: 'Accept-Language', message: 'required header' });
    if (missing.length) {
      log(400);
      return reply(res, 400, { code: 'RequestIsNotValid', message: 'Required headers are missing', errors: missing });
    }

    if (o.rateLimit && o.rateLimit > 0) {
      const t = Date.now();
      while (recent.length && recent[0]! <= t - 1000) recent.shift();
      if (recent.length >= o.rateLimit) {
        log(429);
        return reply(res, 429, { code: 'TooManyRequests', message: 'Слишком много запросов / Too many requests' }, { 'retry-after': '1' });
      }
      recent.push(t);
    }

    const late = () => (faults.answerLatencyMs > 0 ? new Promise((r) => setTimeout(r, faults.answerLatencyMs)) : Promise.resolve());
    try {
      const out = await api(req, method, path, url.searchParams, raw, version);
      log(out.status);
      await late();
      if (out.status === 204) res.writeHead(204).end();
      else reply(res, out.status, out.body);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      log(err.status);
      await late();
      reply(res, err.status, { code: err.code, message: err.message, ...(err.errors.length ? { errors: err.errors } : {}) }, err.headers);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '', status: 500, at: Date.now() });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'InternalServerError', message: String(err) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const emulator: LifePosEmulator = {
    url: `http://127.0.0.1:${port}`,
    orgGuid,
    close: async () => {
      await emulator.notificationsSettled();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
    sales: () => [...sales.values()],
    getSale: findSale,
    employees: () => [...employees.values()],
    workplaces: () => [...workplaces.values()],
    legalEntities: () => [...legalEntities.values()],
    outlets: () => [...outlets.values()],
    transactions: () => [...transactions],
    addLegalEntity,
    addOutlet,
    pay,
    uoms: () => [...uoms],
    setState(number, patch) {
      const s = findSale(number);
      if (!s) throw new Error(`no sale ${number}`);
      if (patch.state !== undefined) {
        if (!SALE_STATES.has(patch.state)) throw new Error(`unknown state ${patch.state}`);
        s.state = patch.state;
      }
      if (patch.shipping_status !== undefined) {
        if (!SHIPPING_STATUSES.has(patch.shipping_status)) throw new Error(`unknown shipping status ${patch.shipping_status}`);
        s.shipping_status = patch.shipping_status;
      }
      touch(s);
      notify('sale.updated', s);
    },
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    duplicateNotifications(n) {
      duplicate += n;
    },
    faults,
    notifications,
    async notificationsSettled() {
      // Bounded: each delivery has its own 5 s timeout per URL.
      for (let i = 0; i < 50 && pending.size > 0; i++) await Promise.allSettled([...pending]);
    },
    requests,
    subscription,
  };
  return emulator;
}

export { PAYMENT_STATUSES as LIFEPOS_PAYMENT_STATUSES, ROLE_TITLES as LIFEPOS_ROLE_TITLES };
