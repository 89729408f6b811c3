import { z } from 'zod';
import { num, str } from '../wire.js';

/*
 * RetailCRM API v5 wire shapes and the normalised types the flows use.
 *
 * The API is loose about shapes: empty maps come as `[]`, `payments` is an object keyed by id in order
 * answers and a list inside history, ids sometimes travel as strings. The schemas below accept every variant
 * and produce one shape. Money stays in roubles (the API's numbers) here; flows convert with `toKopecks`.
 */

// ---------------------------------------------------------------------------------------------- money

export { fromKopecks, toKopecks } from '../../core/money.js';

// ------------------------------------------------------------------------------------ tolerant atoms

const num0 = num.transform((v) => v ?? 0);

const bool = z.unknown().optional().transform((v) => v === true || v === 1 || v === '1' || v === 'true');

const boolDefaultTrue = z.unknown().optional().transform((v) => (v === undefined || v === null ? true : v === true || v === 1 || v === '1' || v === 'true'));

/** An integer id; numeric strings accepted. */
const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform((v) => Number(v));

/** A map that may arrive as `[]` when empty (PHP serialises empty arrays that way). */
const looseMap = z.unknown().optional().transform((v): Record<string, unknown> => {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x as unknown]));
  return {};
});

/** A list that may arrive as an object keyed by id, as a list, or be missing. */
function listOrMap<T extends z.ZodType>(item: T) {
  return z
    .unknown()
    .optional()
    .transform((v): unknown[] => {
      if (Array.isArray(v)) return v;
      if (v && typeof v === 'object') return Object.values(v);
      return [];
    })
    .pipe(z.array(item));
}

const stringList = z.unknown().optional().transform((v): string[] => {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (v && typeof v === 'object') return Object.values(v).map((x) => String(x));
  return [];
});

// ------------------------------------------------------------------------------------------ envelope

export const paginationSchema = z.object({
  limit: num0,
  totalCount: num0,
  currentPage: num.transform((v) => v ?? 1),
  totalPageCount: num0,
});
export type Pagination = z.output<typeof paginationSchema>;

/** `{"success":false,"errorMsg":"…","errors":{field: msg} | [msg]}`. */
export const errorEnvelopeSchema = z.looseObject({
  success: z.unknown().optional(),
  errorMsg: z.string().optional(),
  errors: z.unknown().optional(),
});
export type ErrorEnvelope = z.output<typeof errorEnvelopeSchema>;

/** Field errors as `field: message` lines whatever shape they came in. */
export function fieldErrors(errors: unknown): string[] {
  if (errors == null) return [];
  if (typeof errors === 'string') return [errors];
  if (Array.isArray(errors)) return errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
  if (typeof errors === 'object') {
    return Object.entries(errors as Record<string, unknown>).map(([k, v]) => {
      const text = typeof v === 'string' ? v : Array.isArray(v) ? v.map((x) => String(x)).join('; ') : JSON.stringify(v);
      // Go-style normalised lists are keyed "0", "1"…: the key adds nothing.
      return /^\d+$/.test(k) ? text : `${k}: ${text}`;
    });
  }
  return [String(errors)];
}

// ------------------------------------------------------------------------------------------ credentials

export const credentialsSchema = z.object({
  scopes: stringList,
  credentials: stringList,
  siteAccess: str.transform((v) => v ?? 'access_full'),
  sitesAvailable: stringList,
});
export type CrmCredentials = z.output<typeof credentialsSchema>;

// ------------------------------------------------------------------------------------------ references

const refBase = { code: z.string(), name: str.transform((v) => v ?? ''), active: boolDefaultTrue };

export const statusSchema = z.looseObject({ ...refBase, ordering: num, group: str });
export type CrmStatus = z.output<typeof statusSchema>;

export const statusGroupSchema = z.looseObject({ ...refBase, ordering: num, process: bool, statuses: stringList });
export type CrmStatusGroup = z.output<typeof statusGroupSchema>;

export const deliveryTypeSchema = z.looseObject({
  ...refBase,
  defaultCost: num,
  description: str,
  integrationCode: str,
  paymentTypes: stringList,
  deliveryPaymentTypes: z
    .unknown()
    .transform((v) => (Array.isArray(v) ? v : []))
    .pipe(z.array(z.looseObject({ code: z.string(), cod: bool }))),
  sites: stringList,
});
export type CrmDeliveryType = z.output<typeof deliveryTypeSchema>;

export const paymentTypeSchema = z.looseObject({
  ...refBase,
  defaultForCrm: bool,
  defaultForApi: bool,
  deliveryTypes: stringList,
  paymentStatuses: stringList,
  sites: stringList,
});
export type CrmPaymentType = z.output<typeof paymentTypeSchema>;

export const paymentStatusSchema = z.looseObject({
  ...refBase,
  paymentComplete: bool,
  ordering: num,
  paymentTypes: stringList,
});
export type CrmPaymentStatus = z.output<typeof paymentStatusSchema>;

export const storeSchema = z.looseObject({
  ...refBase,
  type: str,
  description: str,
  address: z
    .looseObject({ text: str, city: str, region: str, index: str })
    .nullish()
    .transform((v) => v ?? null),
});
export type CrmStore = z.output<typeof storeSchema>;

/**
 * A legal entity as `reference/legal-entities` and a site's `contragent` carry it: the requisites are upper case
 * (`INN`, `KPP`, `OGRN`, as both official API clients model them); lower case is read too, for old answers.
 */
const legalEntityWire = z.looseObject({
  code: str,
  name: str,
  legalName: str,
  INN: str,
  inn: str,
  KPP: str,
  kpp: str,
  OGRN: str,
  ogrn: str,
  OGRNIP: str,
  legalAddress: str,
  contragentType: str,
  vatRate: str,
  countryIso: str,
  active: boolDefaultTrue,
});

const digits = (v: string | null): string | null => {
  const d = (v ?? '').replace(/\D/g, '');
  return d === '' ? null : d;
};

function normaliseLegalEntity(l: z.output<typeof legalEntityWire>) {
  return {
    code: l.code ?? '',
    name: l.name ?? l.legalName ?? l.code ?? '',
    active: l.active,
    legalName: l.legalName,
    /** Digits only, or null. */
    inn: digits(l.INN ?? l.inn),
    kpp: l.KPP ?? l.kpp,
    ogrn: l.OGRN ?? l.ogrn ?? l.OGRNIP,
    legalAddress: l.legalAddress,
    contragentType: l.contragentType,
    vatRate: l.vatRate,
    countryIso: l.countryIso,
  };
}

export const legalEntitySchema = legalEntityWire.transform(normaliseLegalEntity);

/**
 * A site («магазин»). Its legal entity hangs here as `contragent` (the full legal entity; some answers carry only
 * its code, as a string or in `contragentCode`): the INN the LIFE POS outlet matching starts from.
 */
export const siteSchema = z
  .looseObject({ ...refBase, id: num, url: str, currency: str, defaultForCrm: bool, contragent: z.unknown().optional(), contragentCode: str })
  .transform(({ contragent, contragentCode, ...site }) => {
    let legal: CrmLegalEntity | null = null;
    if (contragent && typeof contragent === 'object' && !Array.isArray(contragent)) {
      const r = legalEntityWire.safeParse(contragent);
      if (r.success) legal = normaliseLegalEntity(r.data);
    }
    const code = legal?.code || (typeof contragent === 'string' && contragent !== '' ? contragent : null) || contragentCode;
    return { ...site, contragent: legal, contragentCode: code || null };
  });
export type CrmSite = z.output<typeof siteSchema>;
export type CrmLegalEntity = ReturnType<typeof normaliseLegalEntity>;

export const courierSchema = z.looseObject({
  id,
  firstName: str,
  lastName: str,
  patronymic: str,
  phone: z.unknown().optional().transform((v): string | null => {
    if (typeof v === 'string') return v || null;
    if (v && typeof v === 'object' && 'number' in v) return String((v as { number: unknown }).number);
    return null;
  }),
  email: str,
  description: str,
  active: boolDefaultTrue,
});
export type CrmCourier = z.output<typeof courierSchema>;

// ------------------------------------------------------------------------------------------ orders

export const crmPaymentSchema = z.looseObject({
  id: id.optional().transform((v) => v ?? null),
  externalId: str,
  type: str.transform((v) => v ?? ''),
  status: str,
  amount: num0,
  paidAt: str,
  comment: str,
});
export type CrmPayment = z.output<typeof crmPaymentSchema>;

export const crmItemSchema = z.looseObject({
  id: num,
  externalId: str,
  offer: z
    .looseObject({ id: num, externalId: str, xmlId: str, name: str, article: str, displayName: str })
    .nullish()
    .transform((v) => v ?? null),
  productName: str,
  quantity: num0,
  initialPrice: num0,
  discountTotal: num0,
  vatRate: str,
  purchasePrice: num,
  status: str,
  comment: str,
  properties: looseMap,
});
export type CrmItem = z.output<typeof crmItemSchema>;

export const crmAddressSchema = z.looseObject({
  index: str,
  countryIso: str,
  region: str,
  city: str,
  street: str,
  building: str,
  house: str,
  housing: str,
  block: str,
  flat: str,
  floor: str,
  metro: str,
  notes: str,
  text: str,
});
export type CrmAddress = z.output<typeof crmAddressSchema>;

export const crmDeliverySchema = z.looseObject({
  code: str,
  integrationCode: str,
  cost: num,
  netCost: num,
  date: str,
  time: z
    .looseObject({ from: str, to: str, custom: str })
    .nullish()
    .transform((v) => v ?? { from: null, to: null, custom: null }),
  address: crmAddressSchema.nullish().transform((v) => v ?? null),
  service: z.looseObject({ code: str, name: str }).nullish().transform((v) => v ?? null),
  data: looseMap,
});
export type CrmDelivery = z.output<typeof crmDeliverySchema>;

const customerRefSchema = z
  .looseObject({ id: num, externalId: str, type: str, site: str, firstName: str, lastName: str, nickName: str })
  .nullish()
  .transform((v) => v ?? null);

export const crmOrderSchema = z.looseObject({
  id,
  externalId: str,
  number: str.transform((v) => v ?? ''),
  site: str.transform((v) => v ?? ''),
  status: str.transform((v) => v ?? ''),
  statusComment: str,
  orderType: str,
  orderMethod: str,
  createdAt: str,
  statusUpdatedAt: str,
  firstName: str,
  lastName: str,
  patronymic: str,
  phone: str,
  additionalPhone: str,
  email: str,
  customerComment: str,
  managerComment: str,
  managerId: num,
  weight: num,
  length: num,
  width: num,
  height: num,
  summ: num0,
  totalSumm: num0,
  prepaySum: num0,
  purchaseSumm: num,
  fullPaidAt: str,
  shipmentStore: str,
  shipmentDate: str,
  shipped: bool,
  items: listOrMap(crmItemSchema),
  delivery: crmDeliverySchema.nullish().transform((v) => v ?? null),
  payments: listOrMap(crmPaymentSchema),
  customFields: looseMap,
  customer: customerRefSchema,
  contact: customerRefSchema,
  company: z.looseObject({ id: num, name: str }).nullish().transform((v) => v ?? null),
  contragent: looseMap,
});
export type CrmOrder = z.output<typeof crmOrderSchema>;

/** What we send on create/edit (wire shape, roubles). Payments are a list here. */
export interface CrmOrderInput {
  externalId?: string;
  number?: string;
  status?: string;
  orderType?: string;
  orderMethod?: string;
  firstName?: string;
  lastName?: string;
  patronymic?: string;
  phone?: string;
  additionalPhone?: string;
  email?: string;
  customerComment?: string;
  managerComment?: string;
  weight?: number;
  length?: number;
  width?: number;
  height?: number;
  shipmentStore?: string;
  customer?: { id?: number; externalId?: string };
  contact?: { id?: number; externalId?: string };
  company?: { id?: number };
  items?: Array<{
    offer?: { id?: number; externalId?: string; xmlId?: string };
    productName?: string;
    quantity: number;
    initialPrice?: number;
    discountManualAmount?: number;
    vatRate?: string;
    purchasePrice?: number;
    comment?: string;
  }>;
  delivery?: {
    code?: string;
    cost?: number;
    netCost?: number;
    date?: string;
    time?: { from?: string; to?: string; custom?: string };
    address?: Partial<Record<keyof CrmAddress, string | null>>;
    data?: Record<string, unknown>;
  };
  payments?: Array<{ type: string; amount?: number; status?: string; paidAt?: string; comment?: string; externalId?: string }>;
  customFields?: Record<string, unknown>;
}

export interface OrdersFilter {
  ids?: Array<number | string>;
  externalIds?: string[];
  numbers?: string[];
  /** Status codes and/or status-group codes. */
  extendedStatus?: string[];
  deliveryTypes?: string[];
  paymentTypes?: string[];
  paymentStatuses?: string[];
  sites?: string[];
  shipmentStores?: string[];
  couriers?: Array<number | string>;
  customerId?: number | string;
  email?: string;
  createdAtFrom?: string;
  createdAtTo?: string;
  statusUpdatedAtFrom?: string;
  statusUpdatedAtTo?: string;
  customFields?: Record<string, string>;
}

// ------------------------------------------------------------------------------------------ history

export const historyRecordSchema = z.looseObject({
  id,
  createdAt: str,
  created: bool.optional(),
  deleted: bool.optional(),
  source: str.transform((v) => v ?? ''),
  user: z.looseObject({ id: num }).nullish().transform((v) => v ?? null),
  apiKey: z.looseObject({ current: bool }).nullish().transform((v) => v ?? null),
  field: str.transform((v) => v ?? ''),
  oldValue: z.unknown().optional().transform((v) => v ?? null),
  newValue: z.unknown().optional().transform((v) => v ?? null),
  /** A stub `{id, externalId?, number?, site, status}` — or the full order on the `created` record. */
  order: z.looseObject({ id, externalId: str, number: str, site: str, status: str }),
  item: z.looseObject({ id: num }).nullish().transform((v) => v ?? null),
  payment: z.looseObject({ id: num, type: str, externalId: str, amount: num }).nullish().transform((v) => v ?? null),
});
export type HistoryRecord = z.output<typeof historyRecordSchema>;

/** A change made by the key that asked for the history: our own write echoing back. */
export function isOwnChange(r: Pick<HistoryRecord, 'source' | 'apiKey'>): boolean {
  return r.source === 'api' && r.apiKey?.current === true;
}

// ------------------------------------------------------------------------------------------ users, tasks

export const userGroupSchema = z.looseObject({
  id: num,
  name: str,
  code: str.transform((v) => v ?? ''),
  isManager: bool,
  isDeliveryMen: bool,
  isPosManager: bool,
});
export type CrmUserGroup = z.output<typeof userGroupSchema>;

export const userSchema = z.looseObject({
  id,
  active: boolDefaultTrue,
  email: str,
  firstName: str,
  lastName: str,
  patronymic: str,
  phone: str,
  position: str,
  status: str,
  isAdmin: bool,
  isManager: bool,
  groups: z
    .unknown()
    .transform((v) => (Array.isArray(v) ? v : []))
    .pipe(z.array(z.looseObject({ id: num, name: str, code: str }))),
});
export type CrmUser = z.output<typeof userSchema>;

export interface UsersFilter {
  email?: string;
  status?: string;
  active?: boolean;
  isManager?: boolean;
  isAdmin?: boolean;
  groups?: string[];
}

export interface CrmTaskInput {
  text: string;
  commentary?: string;
  /** `Y-m-d H:i`. */
  datetime?: string;
  performerId: number;
  order?: { id?: number; number?: string };
  customer?: { id?: number };
}

// ------------------------------------------------------------------------------------------ customers

export const customerSchema = z.looseObject({
  id,
  externalId: str,
  type: str,
  site: str,
  firstName: str,
  lastName: str,
  patronymic: str,
  email: str,
  phones: z
    .unknown()
    .transform((v) => (Array.isArray(v) ? v : []))
    .pipe(z.array(z.looseObject({ number: str }))),
  createdAt: str,
});
export type CrmCustomer = z.output<typeof customerSchema>;

export interface CrmCustomerInput {
  externalId?: string;
  firstName?: string;
  lastName?: string;
  patronymic?: string;
  email?: string;
  phones?: Array<{ number: string }>;
  [field: string]: unknown;
}

export const corporateCustomerSchema = z.looseObject({
  id,
  externalId: str,
  nickName: str,
  site: str,
  createdAt: str,
  mainCompany: z.looseObject({ id: num, name: str }).nullish().transform((v) => v ?? null),
  /** INN lives in the companies' contragent; kept raw. */
  companies: z.unknown().optional().transform((v) => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [])),
});
export type CrmCorporateCustomer = z.output<typeof corporateCustomerSchema>;

export interface CrmCorporateInput {
  externalId?: string;
  nickName: string;
  companies?: Array<{ name: string; isMain?: boolean; contragent?: { contragentType?: string; legalName?: string; INN?: string; KPP?: string } }>;
  customerContacts?: Array<{ isMain?: boolean; customer: { id?: number; externalId?: string } }>;
  [field: string]: unknown;
}

export interface PaymentCreateInput {
  order: { id?: number; externalId?: string; number?: string };
  type: string;
  /** Roubles at the wire. */
  amount: number;
  status?: string;
  paidAt?: string;
  comment?: string;
  externalId?: string;
}

export type PaymentPatch = Partial<Omit<PaymentCreateInput, 'order'>>;
