import { z } from 'zod';
import { SyncError } from '../../errors.js';
import { createHttpClient, type HttpResponse } from '../../http/client.js';
import type { RateLimiters } from '../../http/rate-limit.js';
import type { Redactor } from '../../redact.js';
import {
  corporateCustomerSchema,
  courierSchema,
  credentialsSchema,
  crmOrderSchema,
  customerSchema,
  deliveryTypeSchema,
  errorEnvelopeSchema,
  fieldErrors,
  historyRecordSchema,
  legalEntitySchema,
  paginationSchema,
  paymentStatusSchema,
  paymentTypeSchema,
  siteSchema,
  statusGroupSchema,
  statusSchema,
  storeSchema,
  userGroupSchema,
  userSchema,
  type CrmCorporateCustomer,
  type CrmCorporateInput,
  type CrmCourier,
  type CrmCredentials,
  type CrmCustomer,
  type CrmCustomerInput,
  type CrmDeliveryType,
  type CrmLegalEntity,
  type CrmOrder,
  type CrmOrderInput,
  type CrmPaymentStatus,
  type CrmPaymentType,
  type CrmSite,
  type CrmStatus,
  type CrmStatusGroup,
  type CrmStore,
  type CrmTaskInput,
  type CrmUser,
  type CrmUserGroup,
  type HistoryRecord,
  type OrdersFilter,
  type Pagination,
  type PaymentCreateInput,
  type PaymentPatch,
  type UsersFilter,
} from './types.js';

export interface RetailCrmConfig {
  /** Account address, e.g. https://shop.retailcrm.ru */
  url: string;
  apiKey: string;
  /** Store (site) code sent with writes when the key spans several stores. */
  site?: string | null;
}

export interface RetailCrmClientOptions {
  config: RetailCrmConfig;
  redactor: Redactor;
  limiters: RateLimiters;
  /** Requests per second for the whole account (shared by every client of it). Default 10. */
  ratePerSec?: number;
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type By = 'id' | 'externalId';
export type PageLimit = 20 | 50 | 100;

export interface HistoryQuery {
  sinceId?: number;
  startDate?: string;
  orderId?: number;
  page?: number;
  limit?: PageLimit;
}

export interface RetailCrmClient {
  credentials(o?: CallOptions): Promise<CrmCredentials>;
  checkScopes(required: string[], o?: CallOptions): Promise<{ ok: boolean; missing: string[]; sitesAvailable: string[] }>;

  statuses(o?: CallOptions): Promise<CrmStatus[]>;
  statusGroups(o?: CallOptions): Promise<CrmStatusGroup[]>;
  deliveryTypes(o?: CallOptions): Promise<CrmDeliveryType[]>;
  paymentTypes(o?: CallOptions): Promise<CrmPaymentType[]>;
  paymentStatuses(o?: CallOptions): Promise<CrmPaymentStatus[]>;
  stores(o?: CallOptions): Promise<CrmStore[]>;
  sites(o?: CallOptions): Promise<CrmSite[]>;
  legalEntities(o?: CallOptions): Promise<CrmLegalEntity[]>;
  couriers(o?: CallOptions): Promise<CrmCourier[]>;

  ordersList(filter: OrdersFilter, page?: number, limit?: PageLimit, o?: CallOptions): Promise<{ orders: CrmOrder[]; pagination: Pagination }>;
  orderGet(id: number | string, by: By, site?: string | null, o?: CallOptions): Promise<CrmOrder>;
  orderCreate(order: CrmOrderInput, site?: string | null, o?: CallOptions): Promise<{ id: number; order: CrmOrder | null }>;
  orderEdit(
    id: number | string,
    by: By,
    patch: Partial<CrmOrderInput> & Record<string, unknown>,
    site?: string | null,
    o?: CallOptions,
  ): Promise<{ id: number | null }>;
  history(q: HistoryQuery, o?: CallOptions): Promise<{ history: HistoryRecord[]; pagination: Pagination; generatedAt: string | null }>;

  paymentCreate(p: PaymentCreateInput, site?: string | null, o?: CallOptions): Promise<{ id: number }>;
  paymentEdit(id: number | string, by: By, patch: PaymentPatch, site?: string | null, o?: CallOptions): Promise<{ id: number | null }>;
  paymentDelete(id: number, o?: CallOptions): Promise<void>;

  users(filter?: UsersFilter, o?: CallOptions): Promise<CrmUser[]>;
  userGroups(o?: CallOptions): Promise<CrmUserGroup[]>;
  taskCreate(t: CrmTaskInput, site?: string | null, o?: CallOptions): Promise<{ id: number }>;

  customersSearch(q: { phone?: string; email?: string; externalId?: string }, o?: CallOptions): Promise<CrmCustomer[]>;
  customerCreate(c: CrmCustomerInput, site?: string | null, o?: CallOptions): Promise<{ id: number }>;
  corporateSearch(q: { name?: string; inn?: string }, o?: CallOptions): Promise<CrmCorporateCustomer[]>;
  corporateCreate(c: CrmCorporateInput, site?: string | null, o?: CallOptions): Promise<{ id: number }>;

  /**
   * One enveloped call for the methods kept in sibling modules (`forms-api.ts`): the success envelope, or the
   * SyncError it stands for, exactly as the methods above get it.
   */
  send(method: 'GET' | 'POST', path: string, req?: RawCall): Promise<Record<string, unknown>>;
  /** Form fields of a write: the entity as JSON in `field`, plus `by` and the store (`site`). */
  writeForm(field: string, entity: unknown, extra?: { by?: By; site?: string | null }): Record<string, string>;
}

export interface RawCall {
  query?: URLSearchParams;
  form?: Record<string, string>;
  /** A raw body (`files/upload` takes the file itself), sent with `contentType`. */
  body?: Buffer;
  contentType?: string;
  signal?: AbortSignal | undefined;
}

/** `https://Shop.retailcrm.ru/` → `https://shop.retailcrm.ru` (the limiter key and the base URL). */
export function normaliseRetailCrmUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  const u = new URL(withScheme);
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.protocol}//${u.host.toLowerCase()}${path}`;
}

const TITLE = 'RetailCRM';

type Query = URLSearchParams;
type Schema<T> = z.ZodType<T, unknown>;

/** Statuses whose RetailCRM envelope we read ourselves instead of letting the HTTP client guess. */
const envelopeStatus = (s: number): boolean => s >= 400 && s < 500 && s !== 429;

export function createRetailCrmClient(opts: RetailCrmClientOptions): RetailCrmClient {
  const { config, redactor } = opts;
  const base = normaliseRetailCrmUrl(config.url);
  redactor.addSecret(config.apiKey);
  const limiter = opts.limiters.get(`retailcrm:${base}`, opts.ratePerSec ?? 10, 1);
  const http = createHttpClient({
    system: 'retailcrm',
    baseUrl: base,
    limiter,
    redactor,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    headers: { 'x-api-key': config.apiKey, accept: 'application/json' },
  });
  const defaultSite = config.site ?? null;

  const detailOf = (method: string, path: string, res: HttpResponse): string =>
    redactor.summarize(`${method} ${base}/${path} → HTTP ${res.status}\n${res.body}`, 4000) ?? '';

  /** Sends one request and returns the parsed success envelope; every failure becomes a SyncError. */
  async function call(
    method: 'GET' | 'POST',
    path: string,
    req: { query?: Query; form?: Record<string, string>; signal?: AbortSignal | undefined } & RawCall,
  ): Promise<Record<string, unknown>> {
    const res = await http.request({
      method,
      url: path,
      ...(req.query ? { searchParams: req.query } : {}),
      ...(req.form ? { form: req.form } : {}),
      ...(req.body ? { body: req.body, headers: { 'content-type': req.contentType ?? 'application/octet-stream' } } : {}),
      idempotent: method === 'GET',
      accept: envelopeStatus,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return readEnvelope(res.status, res.body, () => detailOf(method, path, res), () => res.json<unknown>());
  }

  function parse<T>(schema: Schema<T>, value: unknown, what: string, detail: () => string): T {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    throw new SyncError({
      kind: 'needsAttention',
      system: 'retailcrm',
      detail: `${what}: ${r.error.message}\n${detail()}`,
      message: `RetailCRM прислал ответ неожиданного вида (${what}). Сообщите в поддержку.`,
    });
  }

  /** A reference answer keyed by code (or a list, for stores) → a list. */
  async function reference<T>(path: string, field: string, schema: Schema<T>, o?: CallOptions): Promise<T[]> {
    const env = await call('GET', `api/v5/reference/${path}`, { signal: o?.signal });
    const value = env[field];
    const list = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : [];
    return parse(z.array(schema), list, field, () => JSON.stringify(env).slice(0, 2000));
  }

  const siteOf = (site: string | null | undefined): string | null => site ?? defaultSite;

  function writeForm(field: string, entity: unknown, extra: { by?: By; site?: string | null }): Record<string, string> {
    const form: Record<string, string> = { [field]: JSON.stringify(entity) };
    if (extra.by) form.by = extra.by;
    const site = siteOf(extra.site);
    if (site) form.site = site;
    return form;
  }

  function createdId(env: Record<string, unknown>): number {
    const idv = Number(env.id);
    if (!Number.isInteger(idv)) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'retailcrm',
        detail: redactor.summarize(env),
        message: 'RetailCRM не вернул номер созданной записи; проверьте в RetailCRM, создана ли она.',
      });
    }
    return idv;
  }

  const seg = (v: number | string) => encodeURIComponent(String(v));

  return {
    async credentials(o) {
      const env = await call('GET', 'api/credentials', { signal: o?.signal });
      return parse(credentialsSchema, env, 'credentials', () => JSON.stringify(env));
    },

    async checkScopes(required, o) {
      const c = await this.credentials(o);
      const have = new Set(c.scopes);
      const missing = required.filter((s) => !have.has(s));
      return { ok: missing.length === 0, missing, sitesAvailable: c.sitesAvailable };
    },

    statuses: (o) => reference('statuses', 'statuses', statusSchema, o),
    statusGroups: (o) => reference('status-groups', 'statusGroups', statusGroupSchema, o),
    deliveryTypes: (o) => reference('delivery-types', 'deliveryTypes', deliveryTypeSchema, o),
    paymentTypes: (o) => reference('payment-types', 'paymentTypes', paymentTypeSchema, o),
    paymentStatuses: (o) => reference('payment-statuses', 'paymentStatuses', paymentStatusSchema, o),
    stores: (o) => reference('stores', 'stores', storeSchema, o),
    sites: (o) => reference('sites', 'sites', siteSchema, o),
    legalEntities: (o) => reference('legal-entities', 'legalEntities', legalEntitySchema, o),
    couriers: (o) => reference('couriers', 'couriers', courierSchema, o),

    async ordersList(filter, page = 1, limit = 20, o) {
      const q = ordersFilterQuery(filter);
      q.set('page', String(page));
      q.set('limit', String(limit));
      const env = await call('GET', 'api/v5/orders', { query: q, signal: o?.signal });
      const d = () => JSON.stringify(env).slice(0, 2000);
      return {
        orders: parse(z.array(crmOrderSchema), env.orders ?? [], 'orders', d),
        pagination: parse(paginationSchema, env.pagination ?? {}, 'pagination', d),
      };
    },

    async orderGet(id, by, site, o) {
      const q = new URLSearchParams({ by });
      const s = siteOf(site);
      if (s) q.set('site', s);
      const env = await call('GET', `api/v5/orders/${seg(id)}`, { query: q, signal: o?.signal });
      return parse(crmOrderSchema, env.order, 'order', () => JSON.stringify(env).slice(0, 2000));
    },

    async orderCreate(order, site, o) {
      const env = await call('POST', 'api/v5/orders/create', { form: writeForm('order', order, { site }), signal: o?.signal });
      const idv = createdId(env);
      const parsed = env.order === undefined ? null : crmOrderSchema.safeParse(env.order);
      return { id: idv, order: parsed?.success ? parsed.data : null };
    },

    async orderEdit(id, by, patch, site, o) {
      const env = await call('POST', `api/v5/orders/${seg(id)}/edit`, { form: writeForm('order', patch, { by, site }), signal: o?.signal });
      const idv = Number(env.id ?? (by === 'id' ? id : NaN));
      return { id: Number.isInteger(idv) ? idv : null };
    },

    async history(qIn, o) {
      const q = new URLSearchParams();
      if (qIn.sinceId !== undefined) q.set('filter[sinceId]', String(qIn.sinceId));
      if (qIn.startDate !== undefined) q.set('filter[startDate]', qIn.startDate);
      if (qIn.orderId !== undefined) q.set('filter[orderId]', String(qIn.orderId));
      q.set('page', String(qIn.page ?? 1));
      q.set('limit', String(qIn.limit ?? 100));
      const env = await call('GET', 'api/v5/orders/history', { query: q, signal: o?.signal });
      const d = () => JSON.stringify(env).slice(0, 2000);
      return {
        history: parse(z.array(historyRecordSchema), env.history ?? [], 'history', d),
        pagination: parse(paginationSchema, env.pagination ?? {}, 'pagination', d),
        generatedAt: typeof env.generatedAt === 'string' ? env.generatedAt : null,
      };
    },

    async paymentCreate(p, site, o) {
      const env = await call('POST', 'api/v5/orders/payments/create', { form: writeForm('payment', p, { site }), signal: o?.signal });
      return { id: createdId(env) };
    },

    async paymentEdit(id, by, patch, site, o) {
      const env = await call('POST', `api/v5/orders/payments/${seg(id)}/edit`, {
        form: writeForm('payment', patch, { by, site }),
        signal: o?.signal,
      });
      const idv = Number(env.id ?? (by === 'id' ? id : NaN));
      return { id: Number.isInteger(idv) ? idv : null };
    },

    async paymentDelete(id, o) {
      await call('POST', `api/v5/orders/payments/${seg(id)}/delete`, { form: { id: String(id) }, signal: o?.signal });
    },

    async users(filter = {}, o) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(filter)) {
        if (v === undefined) continue;
        if (Array.isArray(v)) for (const x of v) q.append(`filter[${k}][]`, String(x));
        else q.set(`filter[${k}]`, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
      }
      q.set('limit', '100');
      const out: CrmUser[] = [];
      // Accounts have tens of users; the page cap only guards against a server that never ends.
      for (let page = 1; page <= 50; page++) {
        q.set('page', String(page));
        const env = await call('GET', 'api/v5/users', { query: q, signal: o?.signal });
        const d = () => JSON.stringify(env).slice(0, 2000);
        out.push(...parse(z.array(userSchema), env.users ?? [], 'users', d));
        const pg = parse(paginationSchema, env.pagination ?? {}, 'pagination', d);
        if (pg.currentPage >= pg.totalPageCount) break;
      }
      return out;
    },

    async userGroups(o) {
      const env = await call('GET', 'api/v5/user-groups', { query: new URLSearchParams({ limit: '100' }), signal: o?.signal });
      return parse(z.array(userGroupSchema), env.groups ?? [], 'groups', () => JSON.stringify(env).slice(0, 2000));
    },

    async taskCreate(t, site, o) {
      const env = await call('POST', 'api/v5/tasks/create', { form: writeForm('task', t, { site }), signal: o?.signal });
      return { id: createdId(env) };
    },

    async customersSearch(qIn, o) {
      const q = new URLSearchParams({ limit: '100' });
      if (qIn.phone) q.set('filter[name]', qIn.phone);
      if (qIn.email) q.set('filter[email]', qIn.email);
      if (qIn.externalId) q.append('filter[externalIds][]', qIn.externalId);
      const env = await call('GET', 'api/v5/customers', { query: q, signal: o?.signal });
      return parse(z.array(customerSchema), env.customers ?? [], 'customers', () => JSON.stringify(env).slice(0, 2000));
    },

    async customerCreate(c, site, o) {
      const env = await call('POST', 'api/v5/customers/create', { form: writeForm('customer', c, { site }), signal: o?.signal });
      return { id: createdId(env) };
    },

    async corporateSearch(qIn, o) {
      const q = new URLSearchParams({ limit: '100' });
      // A list filter in the API (string[]): sent with brackets, as both official clients do.
      if (qIn.name) q.append('filter[nickName][]', qIn.name);
      if (qIn.inn) q.set('filter[contragentInn]', qIn.inn);
      const env = await call('GET', 'api/v5/customers-corporate', { query: q, signal: o?.signal });
      return parse(
        z.array(corporateCustomerSchema),
        env.customersCorporate ?? [],
        'customersCorporate',
        () => JSON.stringify(env).slice(0, 2000),
      );
    },

    async corporateCreate(c, site, o) {
      const env = await call('POST', 'api/v5/customers-corporate/create', {
        form: writeForm('customerCorporate', c, { site }),
        signal: o?.signal,
      });
      return { id: createdId(env) };
    },

    send: (method, path, req = {}) => call(method, path, req),
    writeForm: (field, entity, extra = {}) => writeForm(field, entity, extra),
  };
}

/** `filter[ids][]=1&filter[ids][]=2…` as the Go client sends it. */
export function ordersFilterQuery(filter: OrdersFilter): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter) as Array<[string, unknown]>) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) q.append(`filter[${k}][]`, String(x));
    } else if (typeof v === 'object') {
      for (const [ck, cv] of Object.entries(v as Record<string, unknown>)) q.set(`filter[${k}][${ck}]`, String(cv));
    } else {
      q.set(`filter[${k}]`, String(v));
    }
  }
  return q;
}

/**
 * Reads a RetailCRM answer: the success envelope, or the SyncError it stands for. An HTML page (nginx's answer
 * for an account that does not exist) is recognised before JSON parsing. `parseJson` lets the HTTP client's
 * own malformed-body handling decide the kind of an unreadable answer.
 */
export function readEnvelope(
  status: number,
  body: string,
  detail: () => string,
  parseJson: () => unknown = () => JSON.parse(body) as unknown,
): Record<string, unknown> {
  if (body.trimStart().startsWith('<')) {
    throw new SyncError({
      kind: 'needsAttention',
      system: 'retailcrm',
      code: status,
      detail: detail(),
      message: 'Аккаунт RetailCRM не найден: проверьте адрес в настройках.',
    });
  }
  const env = errorEnvelopeSchema.safeParse(parseJson());
  if (status >= 200 && status < 300 && env.success && env.data.success !== false) {
    return env.data as Record<string, unknown>;
  }
  throw envelopeError(status, env.success ? env.data : {}, detail());
}

/** RetailCRM's error envelope → the engine's error, with every field error in the merchant's message. */
export function envelopeError(status: number, env: { errorMsg?: string | undefined; errors?: unknown }, detail: string): SyncError {
  const msg = env.errorMsg ?? '';
  const fields = fieldErrors(env.errors);
  const explained = [msg, ...fields].filter(Boolean).join('; ');
  const base = { system: 'retailcrm' as const, detail, code: status };
  if (/rate limit/i.test(msg)) {
    return new SyncError({ ...base, kind: 'retryable', message: `${TITLE} временно ограничил частоту запросов. Повторим автоматически.` });
  }
  if (status === 401 || status === 403 || /apiKey/.test(msg) || msg === 'Access denied.') {
    if (/Wrong "apiKey" value|"apiKey" is missing/.test(msg)) {
      return new SyncError({ ...base, kind: 'auth', message: `${TITLE} отказал в доступе: неверный API-ключ. Проверьте ключ в настройках.` });
    }
    if (msg === 'Access denied.') {
      return new SyncError({
        ...base,
        kind: 'auth',
        message: `${TITLE} отказал в доступе: у ключа нет доступа к методу или магазину. Добавьте права ключу в RetailCRM (Настройки → Интеграция → Ключи доступа к API).`,
      });
    }
    if (/Account does not exist/i.test(msg)) {
      return new SyncError({ ...base, kind: 'needsAttention', message: 'Аккаунт RetailCRM не найден: проверьте адрес в настройках.' });
    }
    return new SyncError({ ...base, kind: 'auth', message: `${TITLE} отказал в доступе${explained ? `: ${explained}` : ''}. Проверьте ключ в настройках.` });
  }
  if (/Account does not exist/i.test(msg)) {
    return new SyncError({ ...base, kind: 'needsAttention', message: 'Аккаунт RetailCRM не найден: проверьте адрес в настройках.' });
  }
  if (status === 404) {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE}: не найден${explained ? ` (${explained})` : ''}. Проверьте номер или код.` });
  }
  const missing = /^Parameter '([^']+)'(?: in '([^']+)')? is missing\.?$/.exec(msg);
  if (missing && missing[1] === 'site' && !missing[2]) {
    return new SyncError({
      ...base,
      kind: 'needsAttention',
      message: `${TITLE} отклонил запрос: не указан магазин. У ключа доступ к нескольким магазинам — укажите магазин в настройках RetailCRM.`,
    });
  }
  if (missing) {
    const where = missing[2] ? ` в «${missing[2]}»` : '';
    return new SyncError({
      ...base,
      kind: 'needsAttention',
      message: `${TITLE} отклонил запрос: не хватает обязательного поля «${missing[1]}»${where}${fields.length ? ` (${fields.join('; ')})` : ''}. Заполните его в заказе или в настройках и нажмите «Повторить».`,
    });
  }
  if (status >= 200 && status < 300) {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE} не выполнил операцию${explained ? `: ${explained}` : ''}.` });
  }
  return new SyncError({
    ...base,
    kind: 'needsAttention',
    message: `${TITLE} отклонил данные${explained ? `: ${explained}` : ` (HTTP ${status})`}. Исправьте и нажмите «Повторить».`,
  });
}
