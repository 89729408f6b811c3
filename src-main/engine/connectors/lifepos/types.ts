import { z } from 'zod';
import { num, strOrNull as str } from '../wire.js';

/*
 * LIFE POS API v6 wire shapes and the normalised types the flows use.
 *
 * Parsing is tolerant: an absent key becomes null (or an empty list), ids may travel as numbers, references
 * come as `{guid, type_of}` objects or bare GUID strings. Money inside the engine is integer kopecks; the wire
 * unit (kopecks by default, roubles when configured) is converted here and nowhere else.
 *
 * Confirmed shapes (see README.md here and test/fixtures/real/lifepos): sale lines carry `sale_price` and
 * `total_sum` as `{value, currency}` with `good_type`, `uom`, `tax`; money is kopecks on the wire; payments are the
 * sale's money documents (`…/deals/sales/{guid}/docs/money`: `SalePayment` / `SaleRefund` with `total_sum`,
 * `sum_by_cash`, `sum_by_card`); notifications are the object itself tagged `type_of`.
 *
 * Design contract (our choices where the vendor is silent; the emulator in test/emulators/lifepos implements
 * exactly this):
 * - Delivery data of a sale travels in `extensions.delivery`:
 *   `{address, date: "YYYY-MM-DD", time_from: "HH:MM", time_to: "HH:MM", courier: {guid, type_of: "Employee"}}`.
 *   The assigned courier is `extensions.delivery.courier`; the courier's own mobile workplace is the sale's
 *   top-level `workplace`.
 * - Errors are `{code, message, errors?: [{field, message}]}` with the v5 codes (Duplicate, TooManyRequests, …).
 */

// ---------------------------------------------------------------------------------------------- money

export type MoneyUnit = 'minor' | 'major';

/** Roubles → integer kopecks (the engine's one conversion). */
export { toKopecks as roublesToKopecks } from '../../core/money.js';
import { toKopecks as roublesToKopecks } from '../../core/money.js';

/** A wire amount in the configured unit → integer kopecks. */
export function wireToKopecks(value: number, unit: MoneyUnit): number {
  if (!Number.isFinite(value)) throw new RangeError(`not a sum of money: ${value}`);
  return unit === 'major' ? roublesToKopecks(value) : Math.round(value);
}

/** Integer kopecks → the wire amount in the configured unit. */
export function kopecksToWire(kopecks: number, unit: MoneyUnit): number {
  if (!Number.isInteger(kopecks)) throw new RangeError(`kopecks must be an integer: ${kopecks}`);
  return unit === 'major' ? kopecks / 100 : kopecks;
}

/**
 * The money unit a sale total implies, compared with the RetailCRM order total in kopecks: `minor` when the
 * wire value equals the kopecks, `major` when it equals the roubles, null when it matches neither.
 */
export function detectMoneyUnit(wireValue: number, expectedKopecks: number): MoneyUnit | null {
  if (wireValue === expectedKopecks) return 'minor';
  if (roublesToKopecks(wireValue) === expectedKopecks) return 'major';
  return null;
}

// ------------------------------------------------------------------------------------ tolerant atoms

/** A reference: `{guid, type_of}`, `{id}` or a bare GUID string → the GUID, or null. */
const ref = z
  .unknown()
  .optional()
  .transform((v): string | null => {
    if (typeof v === 'string' && v !== '') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const g = o.guid ?? o.id;
      if (typeof g === 'string' && g !== '') return g;
      if (typeof g === 'number') return String(g);
    }
    return null;
  });

/** `{value, currency}` or a bare number → the wire value (still in the wire unit), or null. */
const amount = z
  .unknown()
  .optional()
  .transform((v): number | null => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    if (v && typeof v === 'object') {
      const x = (v as Record<string, unknown>).value;
      if (typeof x === 'number' && Number.isFinite(x)) return x;
      if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
    }
    return null;
  });

const currencyOf = z
  .unknown()
  .optional()
  .transform((v): string | null => {
    if (v && typeof v === 'object') {
      const c = (v as Record<string, unknown>).currency;
      return typeof c === 'string' ? c : null;
    }
    return null;
  });

/** A list, or [] when absent or not a list. */
function list<T extends z.ZodType>(item: T) {
  return z
    .unknown()
    .optional()
    .transform((v): unknown[] => (Array.isArray(v) ? v : []))
    .pipe(z.array(item));
}

const obj = z
  .unknown()
  .optional()
  .transform((v): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}));

// ------------------------------------------------------------------------------------------ statuses

export const saleStates = ['New', 'InProgress', 'Completed', 'Cancelled'] as const;
export type LpDealState = (typeof saleStates)[number];
export const paymentStatuses = ['NotPaid', 'Paid', 'PartiallyPaid', 'Refunded', 'PartiallyRefunded'] as const;
export type LpPaymentStatus = (typeof paymentStatuses)[number];
/** Normalised shipping status: the v6 welcome page's `Refunded|PartiallyRefunded` read as `Returned|PartiallyReturned`. */
export const shippingStatuses = ['NotShipped', 'Shipped', 'PartiallyShipped', 'Returned', 'PartiallyReturned'] as const;
export type LpShippingStatus = (typeof shippingStatuses)[number];

/** Known values pass through typed; an unknown value is kept as sent (new vendor statuses must not break reads). */
export function normaliseShippingStatus(v: string | null): string | null {
  if (v === 'Refunded') return 'Returned';
  if (v === 'PartiallyRefunded') return 'PartiallyReturned';
  return v;
}

// ------------------------------------------------------------------------------------------ errors

export const lpErrorCodes = [
  'InternalServerError',
  'TooManyRequests',
  'Unauthorized',
  'NoPermissions',
  'NotFound',
  'RequestIsNotValid',
  'Duplicate',
  'NotAllowedForArchived',
  'NotUnique',
] as const;

export interface LpErrorBody {
  code: string | null;
  message: string | null;
  /** `field: message` lines. */
  fields: string[];
}

/** Reads an error body in any of the shapes seen: `{code, message, errors}`, `{error: {code, message}}`, `{type, title, detail}`. */
export function parseErrorBody(body: string): LpErrorBody {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return { code: null, message: body.trim() ? body.trim().slice(0, 300) : null, fields: [] };
  }
  if (!v || typeof v !== 'object') return { code: null, message: null, fields: [] };
  const root = v as Record<string, unknown>;
  const inner = root.error && typeof root.error === 'object' ? (root.error as Record<string, unknown>) : root;
  const s = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : typeof x === 'number' ? String(x) : null);
  const code = s(inner.code) ?? s(inner.error_code) ?? s(inner.type) ?? s(typeof root.error === 'string' ? root.error : null);
  const message = s(inner.message) ?? s(inner.description) ?? s(inner.detail) ?? s(inner.title);
  const rawFields = inner.errors ?? inner.details ?? inner.fields ?? inner.invalid_fields ?? root.errors;
  return { code, message, fields: fieldLines(rawFields) };
}

function fieldLines(v: unknown): string[] {
  if (v == null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    return v.map((e) => {
      if (typeof e === 'string') return e;
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        const field = o.field ?? o.path ?? o.name ?? o.property;
        const msg = o.message ?? o.description ?? o.error;
        if (typeof msg === 'string') return typeof field === 'string' ? `${field}: ${msg}` : msg;
      }
      return JSON.stringify(e);
    });
  }
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${Array.isArray(x) ? x.map(String).join('; ') : typeof x === 'string' ? x : JSON.stringify(x)}`);
  }
  return [String(v)];
}

// ------------------------------------------------------------------------------------------ structure

export const orgSchema = z.object({ guid: z.string(), name: str.transform((v) => v ?? '') });
export type LpOrg = z.output<typeof orgSchema>;

/** A role some employees have: its guid, its name when LIFE POS gives one, and who has it (to recognise it by). */
export interface LpRole {
  guid: string;
  name: string | null;
  employees: string[];
}

export const uomSchema = z.object({ guid: z.string(), name: str, code: str });
export type LpUom = z.output<typeof uomSchema>;

export const meSchema = z
  .object({ guid: z.string(), name: str.transform((v) => v ?? ''), role: z.unknown().optional() })
  .transform((m) => {
    let role: string | null = null;
    if (typeof m.role === 'string') role = m.role;
    else if (m.role && typeof m.role === 'object') {
      const r = m.role as Record<string, unknown>;
      const v = r.code ?? r.name ?? r.type_of;
      role = typeof v === 'string' ? v : null;
    }
    return { guid: m.guid, name: m.name, role };
  });
export type LpMe = z.output<typeof meSchema>;

export const legalEntitySchema = z.object({
  guid: z.string(),
  juridical_name: str,
  juridical_address: str,
  inn: str,
  kpp: str,
  ogrn: str,
  tax_systems: list(z.string()),
});
export type LpLegalEntity = z.output<typeof legalEntitySchema>;

export const outletSchema = z
  .object({ guid: z.string(), name: str, address: str, legal_entity: ref })
  .transform((o) => ({ guid: o.guid, name: o.name, address: o.address, legalEntityGuid: o.legal_entity }));
export type LpOutlet = z.output<typeof outletSchema>;

export const employeeSchema = z
  .object({ guid: z.string(), name: str, username: str, phone: str, inn: str, role: z.unknown().optional() })
  .transform((e) => {
    let roleGuid: string | null = null;
    let roleName: string | null = null;
    if (typeof e.role === 'string') roleGuid = e.role;
    else if (e.role && typeof e.role === 'object') {
      const r = e.role as Record<string, unknown>;
      roleGuid = typeof r.guid === 'string' ? r.guid : null;
      const n = r.name ?? r.code;
      roleName = typeof n === 'string' ? n : null;
    }
    return { guid: e.guid, name: e.name, username: e.username, phone: e.phone, inn: e.inn, roleGuid, role: roleName };
  });
export type LpEmployee = z.output<typeof employeeSchema>;

export const workplaceSchema = z
  .object({ guid: z.string(), name: str, workplace_type: str, employee: ref, outlet: ref })
  .transform((w) => ({ guid: w.guid, name: w.name, workplaceType: w.workplace_type, employeeGuid: w.employee, outletGuid: w.outlet }));
export type LpWorkplace = z.output<typeof workplaceSchema>;

// ------------------------------------------------------------------------------------------ sales

/** A sale line: `sale_price` and `good_type` (production and v6 reference); `price` / `type` read for old answers. */
const positionWire = z.object({
  good_type: str,
  type: str,
  name: str,
  quantity: num,
  sale_price: amount,
  price: amount,
  total_sum: amount,
  uom: ref,
  tax: str,
});

const customerWire = z.object({ name: str, phone: str, email: str });

const deliveryWire = z.object({
  address: str,
  date: str,
  time_from: str,
  time_to: str,
  courier: ref,
});

export const saleWireSchema = z.object({
  guid: z.union([z.string(), z.number()]).transform(String),
  number: str,
  state: str,
  payment_status: str,
  shipping_status: str,
  total_sum: amount,
  currency: z.unknown().optional(),
  positions: list(positionWire),
  outlet: ref,
  workplace: ref,
  opened_by: ref,
  opened_at: str,
  comment: str,
  customer: z.unknown().optional().transform((v) => customerWire.safeParse(v && typeof v === 'object' ? v : {}).data ?? null),
  extensions: obj,
  created_at: str,
  updated_at: str,
});
export type LpSaleWire = z.output<typeof saleWireSchema>;

export interface LpPosition {
  type: string | null;
  name: string | null;
  quantity: number;
  priceKopecks: number;
  totalKopecks: number;
  uomGuid: string | null;
  tax: string | null;
}

/** One part of a money document by how it was paid: what becomes one RetailCRM payment. */
export interface LpPayment {
  /** `{document guid}:cash` / `:card`: stable, the idempotency key of the RetailCRM payment. */
  guid: string;
  type: 'Cash' | 'Card';
  amountKopecks: number;
  /** The amount as sent, in the wire unit: converted again if the unit setting is corrected later. */
  amountWire: number | null;
  at: string | null;
}

/** A money document of a sale (`…/docs/money`): a payment taken or a refund given. */
export interface LpMoneyDoc {
  guid: string;
  /** `SalePayment`, `SaleRefund`, or whatever else LIFE POS tags it with. */
  typeOf: string | null;
  kind: 'payment' | 'refund' | 'other';
  saleGuid: string | null;
  /** A refund's payment. */
  forPaymentGuid: string | null;
  totalKopecks: number;
  cashKopecks: number;
  cardKopecks: number;
  totalWire: number | null;
  cashWire: number | null;
  cardWire: number | null;
  createdAt: string | null;
  fiscalDocumentGuid: string | null;
}

export interface LpDelivery {
  address: string | null;
  date: string | null;
  timeFrom: string | null;
  timeTo: string | null;
}

export interface LpSale {
  guid: string;
  number: string | null;
  state: string | null;
  paymentStatus: string | null;
  /** Normalised: `Refunded` spellings read as `Returned`. */
  shippingStatus: string | null;
  /** Integer kopecks whatever the wire unit. */
  totalKopecks: number | null;
  /** The wire value of the total as sent, for the money-unit check against the RetailCRM order. */
  totalWire: number | null;
  currency: string | null;
  positions: LpPosition[];
  outletGuid: string | null;
  workplaceGuid: string | null;
  /** The assigned courier (`extensions.delivery.courier`). */
  employeeGuid: string | null;
  openedByGuid: string | null;
  openedAt: string | null;
  comment: string | null;
  customer: { name: string | null; phone: string | null; email: string | null };
  delivery: LpDelivery | null;
  createdAt: string | null;
  updatedAt: string | null;
}

const k = (v: number | null, unit: MoneyUnit): number | null => (v === null ? null : wireToKopecks(v, unit));

/** A wire sale → the engine's sale, money in kopecks. Throws a ZodError on a shape without a guid. */
export function parseSale(raw: unknown, unit: MoneyUnit): LpSale {
  const w = saleWireSchema.parse(raw);
  const del = deliveryWire.safeParse(w.extensions.delivery && typeof w.extensions.delivery === 'object' ? w.extensions.delivery : null);
  const delivery = del.success ? del.data : null;
  const currency = currencyOf.parse(raw && typeof raw === 'object' ? (raw as Record<string, unknown>).total_sum : undefined);
  return {
    guid: w.guid,
    number: w.number,
    state: w.state,
    paymentStatus: w.payment_status,
    shippingStatus: normaliseShippingStatus(w.shipping_status),
    totalKopecks: k(w.total_sum, unit),
    totalWire: w.total_sum,
    currency,
    positions: w.positions.map((p) => {
      const quantity = p.quantity ?? 1;
      const priceKopecks = k(p.sale_price ?? p.price, unit) ?? 0;
      return {
        type: p.good_type ?? p.type,
        name: p.name,
        quantity,
        priceKopecks,
        totalKopecks: k(p.total_sum, unit) ?? Math.round(priceKopecks * quantity),
        uomGuid: p.uom,
        tax: p.tax,
      };
    }),
    outletGuid: w.outlet,
    workplaceGuid: w.workplace,
    employeeGuid: delivery?.courier ?? null,
    openedByGuid: w.opened_by,
    openedAt: w.opened_at,
    comment: w.comment,
    customer: { name: w.customer?.name ?? null, phone: w.customer?.phone ?? null, email: w.customer?.email ?? null },
    delivery: delivery ? { address: delivery.address, date: delivery.date, timeFrom: delivery.time_from, timeTo: delivery.time_to } : null,
    createdAt: w.created_at,
    updatedAt: w.updated_at,
  };
}

export interface LpSaleInput {
  /** Unique per organisation, ≤ 36 characters: our idempotency key (the RetailCRM order number). */
  number: string;
  outletGuid: string;
  workplaceGuid?: string | null;
  /** The courier the sale is assigned to. */
  employeeGuid?: string | null;
  /** Who opens the sale; defaults to the signed-in employee. */
  openedByGuid?: string | null;
  /** ISO 8601; defaults to now. */
  openedAt?: string;
  comment?: string | null;
  state?: LpDealState;
  /** Defaults to the sum of the positions. */
  totalKopecks?: number;
  positions: Array<{ name: string; quantity: number; priceKopecks: number; type?: string; tax?: string | null }>;
  /** Unit of measure for every line (`uom` is required on a line); null when the organisation has none to offer. */
  uomGuid?: string | null;
  customer?: { name?: string | null; phone?: string | null; email?: string | null } | null;
  delivery?: { address?: string | null; date?: string | null; timeFrom?: string | null; timeTo?: string | null } | null;
}

/** The sale body for `POST /v6/orgs/{org}/deals/sales`. */
export function saleBody(s: LpSaleInput, openedBy: string | null, unit: MoneyUnit, now = new Date()): Record<string, unknown> {
  const money = (kop: number) => ({ value: kopecksToWire(kop, unit), currency: 'RUB' });
  const positions = s.positions.map((p) => {
    const total = Math.round(p.priceKopecks * p.quantity);
    const line: Record<string, unknown> = {
      good_type: p.type ?? 'Product',
      name: p.name,
      quantity: p.quantity,
      sale_price: money(p.priceKopecks),
      total_sum: money(total),
    };
    if (s.uomGuid) line.uom = { guid: s.uomGuid, type_of: 'Uom' };
    if (p.tax) line.tax = p.tax;
    return line;
  });
  const total = s.totalKopecks ?? s.positions.reduce((sum, p) => sum + Math.round(p.priceKopecks * p.quantity), 0);
  const body: Record<string, unknown> = {
    number: s.number,
    outlet: { guid: s.outletGuid, type_of: 'Outlet' },
    opened_at: s.openedAt ?? now.toISOString(),
    state: s.state ?? 'New',
    payment_status: 'NotPaid',
    shipping_status: 'NotShipped',
    total_sum: money(total),
    positions,
  };
  if (openedBy) body.opened_by = { guid: openedBy, type_of: 'Employee' };
  if (s.workplaceGuid) body.workplace = { guid: s.workplaceGuid, type_of: 'Workplace' };
  if (s.comment) body.comment = s.comment.slice(0, 512);
  if (s.customer) body.customer = { name: s.customer.name ?? null, phone: s.customer.phone ?? null, email: s.customer.email ?? null };
  if (s.delivery || s.employeeGuid) {
    body.extensions = {
      delivery: {
        address: s.delivery?.address ?? null,
        date: s.delivery?.date ?? null,
        time_from: s.delivery?.timeFrom ?? null,
        time_to: s.delivery?.timeTo ?? null,
        courier: s.employeeGuid ? { guid: s.employeeGuid, type_of: 'Employee' } : null,
      },
    };
  }
  return body;
}

// ------------------------------------------------------------------------------------------ transactions

const transactionWire = z.object({
  guid: z.union([z.string(), z.number()]).transform(String),
  status: str,
  operation: str,
  payment_type: str,
  amount,
  registered_at: str,
  card_number: str,
  meta_data: obj,
  sale: ref,
});

export interface LpTransaction {
  guid: string;
  status: string | null;
  /** `Payment` or `Refund`. */
  operation: string | null;
  /** `Cash`, `Card`, … */
  paymentType: string | null;
  amountKopecks: number;
  at: string | null;
  cardNumber: string | null;
  /** `meta_data.purpose`: the sale number the payment belongs to. */
  saleNumber: string | null;
  saleGuid: string | null;
}

export function parseTransaction(raw: unknown, unit: MoneyUnit): LpTransaction {
  const t = transactionWire.parse(raw);
  const purpose = t.meta_data.purpose;
  return {
    guid: t.guid,
    status: t.status,
    operation: t.operation,
    paymentType: t.payment_type,
    amountKopecks: t.amount === null ? 0 : wireToKopecks(t.amount, unit),
    at: t.registered_at,
    cardNumber: t.card_number,
    saleNumber: typeof purpose === 'string' ? purpose : typeof purpose === 'number' ? String(purpose) : null,
    saleGuid: t.sale,
  };
}

// ------------------------------------------------------------------------------------------ pages

export const pageSchema = z.object({
  items: list(z.unknown()),
  next_page_token: str,
});

// ------------------------------------------------------------------------------------------ money documents

const moneyDocWire = z.object({
  guid: z.union([z.string(), z.number()]).transform(String),
  type_of: str,
  sale: ref,
  for_payment: ref,
  total_sum: amount,
  sum_by_cash: amount,
  sum_by_card: amount,
  created_at: str,
  fiscal_document: ref,
});

/** A wire money document → the engine's, kopecks. Throws a ZodError on a shape without a guid. */
export function parseMoneyDoc(raw: unknown, unit: MoneyUnit): LpMoneyDoc {
  const d = moneyDocWire.parse(raw);
  const kind = d.type_of === 'SalePayment' ? 'payment' : d.type_of === 'SaleRefund' ? 'refund' : 'other';
  return {
    guid: d.guid,
    typeOf: d.type_of,
    kind,
    saleGuid: d.sale,
    forPaymentGuid: d.for_payment,
    totalKopecks: k(d.total_sum, unit) ?? 0,
    cashKopecks: k(d.sum_by_cash, unit) ?? 0,
    cardKopecks: k(d.sum_by_card, unit) ?? 0,
    totalWire: d.total_sum,
    cashWire: d.sum_by_cash,
    cardWire: d.sum_by_card,
    createdAt: d.created_at,
    fiscalDocumentGuid: d.fiscal_document,
  };
}

/**
 * The payments a payment document stands for, one per way of paying: the cash part and the card part. A document
 * that splits nothing (both parts zero) is one card payment of its total: money that is not cash.
 */
export function paymentsOf(doc: LpMoneyDoc): LpPayment[] {
  if (doc.kind !== 'payment') return [];
  const out: LpPayment[] = [];
  if (doc.cashKopecks > 0) out.push({ guid: `${doc.guid}:cash`, type: 'Cash', amountKopecks: doc.cashKopecks, amountWire: doc.cashWire, at: doc.createdAt });
  if (doc.cardKopecks > 0) out.push({ guid: `${doc.guid}:card`, type: 'Card', amountKopecks: doc.cardKopecks, amountWire: doc.cardWire, at: doc.createdAt });
  if (out.length === 0 && doc.totalKopecks > 0) out.push({ guid: `${doc.guid}:card`, type: 'Card', amountKopecks: doc.totalKopecks, amountWire: doc.totalWire, at: doc.createdAt });
  return out;
}

// ------------------------------------------------------------------------------------------ notifications

export interface LpNotification {
  /** `type_of` of the object (`Sale`, `SalePayment`, `SaleRefund`, `FiscalDocumentReceipt`, …), or an older event name. */
  event: string | null;
  /** The sale the notification is about; null for objects that are not about a sale (a fiscal receipt). */
  guid: string | null;
  number: string | null;
  /** The object's own guid (a payment document's, a receipt's). */
  objectGuid: string | null;
}

const SALE_DOCS = new Set(['SalePayment', 'SaleRefund']);
const NOT_SALES = new Set(['FiscalDocumentReceipt', 'FiscalDocument', 'FiscalDocumentCorrection']);

/**
 * A notification body. LIFE POS posts the object itself tagged `type_of`: a `Sale` (its guid is the sale's), a
 * `SalePayment` / `SaleRefund` (the sale under `sale.guid`), a `FiscalDocumentReceipt` (not a sale: `guid` null).
 * Older shapes — the sale under `sale` / `deal` / `object` / `data` or at the root — are still read. Null when
 * nothing is recognisable.
 */
export function parseLifePosNotification(body: unknown): LpNotification | null {
  let v = body;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const root = v as Record<string, unknown>;
  const s = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : typeof x === 'number' ? String(x) : null);
  const refOf = (x: unknown): string | null => (x && typeof x === 'object' ? s((x as Record<string, unknown>).guid) : s(x));
  const typeOf = s(root.type_of);
  const own = s(root.guid) ?? s(root.id);
  if (typeOf && NOT_SALES.has(typeOf)) return { event: typeOf, guid: null, number: null, objectGuid: own };
  if (typeOf && SALE_DOCS.has(typeOf)) return { event: typeOf, guid: refOf(root.sale) ?? refOf(root.deal), number: null, objectGuid: own };
  if (typeOf === 'Sale') return { event: typeOf, guid: own, number: s(root.number), objectGuid: own };
  const event = typeOf ?? s(root.event) ?? s(root.type) ?? s(root.event_type);
  for (const key of ['sale', 'deal', 'object', 'data']) {
    const inner = root[key];
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      const o = inner as Record<string, unknown>;
      const guid = s(o.guid) ?? s(o.id);
      const number = s(o.number);
      if (guid || number) return { event, guid, number, objectGuid: guid };
    }
  }
  const number = s(root.number);
  return own || number ? { event, guid: own, number, objectGuid: own } : null;
}
