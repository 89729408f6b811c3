import type { z } from 'zod';
import { SyncError } from '../../errors.js';
import { createHttpClient, type HttpMethod, type HttpResponse } from '../../http/client.js';
import type { RateLimiters } from '../../http/rate-limit.js';
import type { Redactor } from '../../redact.js';
import {
  employeeSchema,
  legalEntitySchema,
  meSchema,
  orgSchema,
  outletSchema,
  pageSchema,
  parseErrorBody,
  parseMoneyDoc,
  parseSale,
  parseTransaction,
  saleBody,
  uomSchema,
  workplaceSchema,
  type LpEmployee,
  type LpErrorBody,
  type LpLegalEntity,
  type LpMe,
  type LpMoneyDoc,
  type LpOrg,
  type LpOutlet,
  type LpRole,
  type LpSale,
  type LpSaleInput,
  type LpTransaction,
  type LpUom,
  type LpWorkplace,
  type MoneyUnit,
} from './types.js';

export interface LifePosConfig {
  /** API address, e.g. https://api.life-pos.ru */
  url: string;
  /** Phone of an Owner or Administrator employee. */
  phone: string;
  password: string;
  orgGuid: string;
  /** X-LP-Client-Identifier: a GUID, stable per installation. */
  clientId: string;
  /** Unit of money on the wire (default `minor`: kopecks). */
  moneyUnit?: MoneyUnit;
  /** Proactive token renewal after this many hours (default 24). */
  tokenTtlHours?: number;
}

export interface LifePosClientOptions {
  config: LifePosConfig;
  redactor: Redactor;
  limiters?: RateLimiters;
  /** Requests per second for the account (default 5; the vendor's per-second limit is not published). */
  ratePerSec?: number;
  /** Requests that may go at once after a quiet period (default 1). */
  burst?: number;
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListSalesQuery {
  pageToken?: string;
  itemsPerPage?: number;
  state?: string;
  paymentStatus?: string;
  /** `created_at_asc`, `updated_at_desc`, … (values from the v6 list reference). */
  orderBy?: string;
}

export interface LifePosClient {
  signIn(o?: CallOptions): Promise<void>;
  orgs(o?: CallOptions): Promise<LpOrg[]>;
  me(o?: CallOptions): Promise<LpMe>;
  legalEntities(o?: CallOptions): Promise<LpLegalEntity[]>;
  outlets(o?: CallOptions): Promise<LpOutlet[]>;
  employees(o?: CallOptions): Promise<LpEmployee[]>;
  createEmployee(e: { name: string; username: string; phone: string; roleGuid: string; inn?: string | null }, o?: CallOptions): Promise<LpEmployee>;
  /**
   * The roles the organisation's employees have, read from the employees list (documented), not from a roles
   * endpoint (none is documented): the merchant picks the courier role among them.
   */
  rolesInUse(o?: CallOptions): Promise<LpRole[]>;
  /** Units of measure (`uom` is required on a sale line). */
  uoms(o?: CallOptions): Promise<LpUom[]>;
  workplaces(o?: CallOptions): Promise<LpWorkplace[]>;
  createWorkplace(
    w: { workplaceType: 'Mobile' | 'Stationary' | 'Automat'; name?: string; employeeGuid?: string; outletGuid?: string },
    o?: CallOptions,
  ): Promise<LpWorkplace>;
  /** Creates a sale; a sale with the same number already there is adopted (`exists`), not a failure. */
  createSale(s: LpSaleInput, o?: CallOptions): Promise<{ outcome: 'created' | 'exists'; sale: LpSale }>;
  getSale(guid: string, o?: CallOptions): Promise<LpSale | null>;
  findSaleByNumber(number: string, o?: CallOptions): Promise<LpSale | null>;
  listSales(q: ListSalesQuery, o?: CallOptions): Promise<{ items: LpSale[]; nextPageToken: string | null }>;
  /** Cancels a sale: a JSON-Patch replacing its state, answered 204 with no body. */
  cancelSale(guid: string, o?: CallOptions): Promise<void>;
  /**
   * The sale's money documents (`…/deals/sales/{guid}/docs/money`): every payment taken and refund given. A sale
   * whose documents cannot be read is an error, never an empty list.
   */
  saleMoneyDocs(guid: string, o?: CallOptions): Promise<LpMoneyDoc[]>;
  /** Returns a payment: `POST …/deals/sales/{guid}/docs/money/refunds` for that payment document. */
  refundPayment(saleGuid: string, payment: LpMoneyDoc, o?: CallOptions): Promise<void>;
  /** Moves a sale to another outlet (the shop changed in RetailCRM): a JSON-Patch array, answered 204. */
  updateSaleOutlet(guid: string, outletGuid: string, o?: CallOptions): Promise<void>;
  transactions(q: { from?: string }, o?: CallOptions): Promise<LpTransaction[]>;
  subscribe(urls: { primary: string; secondary?: string | null }, o?: CallOptions): Promise<void>;
}

const seg = (v: string) => encodeURIComponent(v);

/**
 * Every path the client uses, in one place (the API version is the first segment). Vendor-documented: sign-in,
 * orgs, me, legal entities, outlets, employees, workplaces, uoms, sales (list/create/get/JSON-Patch), the sale's
 * money documents and their refunds (v5 reference, a production v4 integration), the org PATCH for notifications.
 * The money documents are read at v6 first and at v5 when v6 has no such route (see README.md).
 */
export const LIFEPOS_PATHS = {
  signIn: 'auth/sign-in-by-phone',
  orgs: 'v6/orgs',
  org: (org: string) => `v6/orgs/${seg(org)}`,
  me: (org: string) => `v6/orgs/${seg(org)}/me`,
  legalEntities: (org: string) => `v6/orgs/${seg(org)}/legal-entities`,
  outlets: (org: string) => `v6/orgs/${seg(org)}/outlets`,
  employees: (org: string) => `v6/orgs/${seg(org)}/employees`,
  uoms: (org: string, v = 'v6') => `${v}/orgs/${seg(org)}/uoms`,
  workplaces: (org: string) => `v6/orgs/${seg(org)}/workplaces`,
  sales: (org: string) => `v6/orgs/${seg(org)}/deals/sales`,
  sale: (org: string, guid: string) => `v6/orgs/${seg(org)}/deals/sales/${seg(guid)}`,
  moneyDocs: (org: string, guid: string, v = 'v6') => `${v}/orgs/${seg(org)}/deals/sales/${seg(guid)}/docs/money`,
  refunds: (org: string, guid: string, v = 'v6') => `${v}/orgs/${seg(org)}/deals/sales/${seg(guid)}/docs/money/refunds`,
  transactions: (org: string) => `v6/orgs/${seg(org)}/transactions`,
} as const;

/** API versions tried in turn for the money documents: v6 first, v5 (documented there) when v6 has no route. */
const MONEY_DOC_VERSIONS = ['v6', 'v5'] as const;

const TITLE = 'LIFE POS';
const ROLE_HINT = 'Укажите в настройках телефон и пароль сотрудника с ролью Владелец или Администратор.';
/** Pages followed by the list-everything calls; guards against a server whose cursor never ends. */
const MAX_PAGES = 100;

/** `https://API.life-pos.ru/` → `https://api.life-pos.ru`. */
export function normaliseLifePosUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  const u = new URL(withScheme);
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
}

/** Statuses whose error body the client reads itself (429 and 5xx stay with the HTTP client). */
const readOwn = (s: number): boolean => s >= 400 && s < 500 && s !== 429;

interface CallReq {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  idempotent?: boolean;
  /** What the call does, in Russian, for the merchant's message («создание продажи 7141C»). */
  action: string;
  signal?: AbortSignal | undefined;
  /** Answer 404 with null instead of an error. */
  nullOn404?: boolean;
}

const PATCH_HEADERS = { 'content-type': 'application/json-patch+json' };

/** What `call` answers for a 404 the caller asked to see (an empty 2xx body answers null). */
const NOT_FOUND = Symbol('not found');

export function createLifePosClient(opts: LifePosClientOptions): LifePosClient {
  const { config, redactor } = opts;
  const base = normaliseLifePosUrl(config.url);
  const unit: MoneyUnit = config.moneyUnit ?? 'minor';
  const ttlMs = (config.tokenTtlHours ?? 24) * 3_600_000;
  const org = config.orgGuid;
  redactor.addSecret(config.password);
  const limiter = opts.limiters?.get(`lifepos:${base}:${config.phone}`, opts.ratePerSec ?? 5, opts.burst ?? 1);
  const http = createHttpClient({
    system: 'lifepos',
    baseUrl: base,
    ...(limiter ? { limiter } : {}),
    redactor,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    headers: {
      'x-lp-client-identifier': config.clientId,
      'x-lp-client-type': 'Service',
      'x-lp-client-name': 'Prilavok',
      'accept-language': 'ru-RU',
      accept: 'application/json',
    },
  });

  let token: string | null = null;
  let tokenAt = 0;
  let signingIn: Promise<void> | null = null;
  let meCache: LpMe | null = null;

  const detailOf = (method: string, path: string, res: HttpResponse): string =>
    redactor.summarize(`${method} ${base}/${path} → HTTP ${res.status}\n${res.body}`, 4000) ?? '';

  async function doSignIn(signal?: AbortSignal): Promise<void> {
    const path = LIFEPOS_PATHS.signIn;
    const res = await http.request({
      method: 'POST',
      url: path,
      json: { phone: config.phone, password: config.password },
      // Signing in twice is harmless.
      idempotent: true,
      accept: readOwn,
      ...(signal ? { signal } : {}),
    });
    const detail = () => detailOf('POST', path, res);
    if (res.status >= 400) {
      const err = parseErrorBody(res.body);
      if (res.status === 401 || err.code === 'Unauthorized') {
        throw new SyncError({
          kind: 'auth',
          system: 'lifepos',
          code: err.code ?? res.status,
          detail: detail(),
          message: `${TITLE}: неверный телефон или пароль. Проверьте их в настройках (сотрудник с ролью Владелец или Администратор).`,
        });
      }
      if (res.status === 422 || err.code === 'RequestIsNotValid') {
        throw new SyncError({
          kind: 'auth',
          system: 'lifepos',
          code: err.code ?? res.status,
          detail: detail(),
          message: `${TITLE} не принял телефон или пароль${explain(err)}. Телефон — 10–18 символов (8… или +7…), пароль — 6–32 символа.`,
        });
      }
      throw errorFor(res.status, err, detail(), 'вход по телефону и паролю');
    }
    const body = res.json<unknown>();
    const t = tokenOf(body);
    if (!t) {
      throw new SyncError({
        kind: 'auth',
        system: 'lifepos',
        detail: detail(),
        message: `${TITLE} не выдал ключ доступа при входе. Проверьте телефон и пароль сотрудника в настройках.`,
      });
    }
    redactor.addSecret(t);
    token = t;
    tokenAt = Date.now();
  }

  /** One sign-in at a time: concurrent calls share it. */
  function signIn(signal?: AbortSignal): Promise<void> {
    signingIn ??= doSignIn(signal).finally(() => {
      signingIn = null;
    });
    return signingIn;
  }

  async function ensureToken(signal?: AbortSignal): Promise<string> {
    if (!token || Date.now() - tokenAt >= ttlMs) {
      token = null;
      await signIn(signal);
    }
    if (!token) throw new SyncError({ kind: 'auth', system: 'lifepos', message: `${TITLE}: вход не выполнен. ${ROLE_HINT}` });
    return token;
  }

  /** One API call with the bearer token; a 401 signs in again once and repeats the call. */
  async function call(method: HttpMethod, path: string, req: CallReq): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const t = await ensureToken(req.signal);
      const res = await http.request({
        method,
        url: path,
        ...(req.query ? { searchParams: req.query } : {}),
        ...(req.json !== undefined ? { json: req.json } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
        headers: { authorization: `Bearer ${t}`, ...req.headers },
        idempotent: req.idempotent ?? method === 'GET',
        accept: readOwn,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      if (res.status < 300) return res.body.trim() === '' ? null : res.json<unknown>();
      const err = parseErrorBody(res.body);
      if (res.status === 401 && attempt === 0) {
        // The token expired or was revoked: sign in again and repeat once.
        if (token === t) token = null;
        continue;
      }
      if (res.status === 404 && req.nullOn404) return NOT_FOUND;
      throw errorFor(res.status, err, detailOf(method, path, res), req.action);
    }
  }

  function parse<T>(schema: z.ZodType<T, unknown>, value: unknown, what: string): T {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    throw shapeError(what, r.error.message, value);
  }

  function shapeError(what: string, why: string, value: unknown): SyncError {
    return new SyncError({
      kind: 'needsAttention',
      system: 'lifepos',
      detail: redactor.summarize(`${what}: ${why}\n${JSON.stringify(value)?.slice(0, 2000) ?? ''}`, 4000),
      message: `${TITLE} прислал ответ неожиданного вида (${what}). Сообщите в поддержку.`,
    });
  }

  function sale(value: unknown, what: string): LpSale {
    try {
      return parseSale(value, unit);
    } catch (e) {
      throw shapeError(what, e instanceof Error ? e.message : String(e), value);
    }
  }

  /** An entity answered directly or wrapped as `{item}` / `{data}`. */
  const unwrap = (v: unknown): unknown => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (o.guid === undefined) {
        for (const key of ['item', 'data', 'sale', 'result']) if (o[key] && typeof o[key] === 'object') return o[key];
      }
    }
    return v;
  };

  async function page(path: string, query: Record<string, string | number | undefined>, action: string, signal?: AbortSignal) {
    const body = await call('GET', path, { query, action, signal });
    // A bare list is a single page.
    if (Array.isArray(body)) return { items: body as unknown[], next: null };
    const p = parse(pageSchema, body ?? {}, action);
    return { items: p.items, next: p.next_page_token };
  }

  async function all<T>(path: string, query: Record<string, string | number | undefined>, action: string, map: (v: unknown) => T, signal?: AbortSignal): Promise<T[]> {
    const out: T[] = [];
    let pageToken: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const p = await page(path, { ...query, items_per_page: 100, page_token: pageToken }, action, signal);
      out.push(...p.items.map(map));
      if (!p.next || p.items.length === 0) break;
      pageToken = p.next;
    }
    return out;
  }

  const one = <T>(schema: z.ZodType<T, unknown>, what: string) => (v: unknown) => parse(schema, v, what);

  async function me(signal?: AbortSignal): Promise<LpMe> {
    const body = await call('GET', LIFEPOS_PATHS.me(org), { action: 'чтение текущего сотрудника', signal, query: { presentation: 'full' } });
    meCache = parse(meSchema, unwrap(body), 'me');
    return meCache;
  }

  let uomCache: string | null | undefined;

  /** The unit every sale line is counted in (a line needs one): the organisation's «шт», else its first unit. */
  async function defaultUom(signal?: AbortSignal): Promise<string | null> {
    if (uomCache !== undefined) return uomCache;
    const list = await client.uoms(signal ? { signal } : {});
    const piece = list.find((u) => /^(шт|штук)/i.test(u.name ?? '') || /^(796|pcs|piece)$/i.test(u.code ?? ''));
    uomCache = (piece ?? list[0])?.guid ?? null;
    return uomCache;
  }

  async function findByNumber(number: string, signal?: AbortSignal): Promise<LpSale | null> {
    let pageToken: string | undefined;
    // The search also matches comments and custom properties: keep only the exact number.
    for (let i = 0; i < 10; i++) {
      const p = await page(
        LIFEPOS_PATHS.sales(org),
        { search: number, selection: 'all', presentation: 'full', items_per_page: 100, page_token: pageToken },
        `поиск продажи ${number}`,
        signal,
      );
      for (const item of p.items) {
        const s = sale(item, 'sale');
        if (s.number === number) return s;
      }
      if (!p.next || p.items.length === 0) return null;
      pageToken = p.next;
    }
    return null;
  }

  const client: LifePosClient = {
    async signIn(o) {
      token = null;
      await signIn(o?.signal);
    },

    async orgs(o) {
      return all(LIFEPOS_PATHS.orgs, { presentation: 'full' }, 'чтение организаций', one(orgSchema, 'org'), o?.signal);
    },

    me: (o) => me(o?.signal),

    legalEntities: (o) => all(LIFEPOS_PATHS.legalEntities(org), { presentation: 'full' }, 'чтение юрлиц', one(legalEntitySchema, 'legal entity'), o?.signal),
    outlets: (o) => all(LIFEPOS_PATHS.outlets(org), { presentation: 'full' }, 'чтение торговых точек', one(outletSchema, 'outlet'), o?.signal),
    employees: (o) => all(LIFEPOS_PATHS.employees(org), { presentation: 'full' }, 'чтение сотрудников', one(employeeSchema, 'employee'), o?.signal),
    async rolesInUse(o) {
      const byGuid = new Map<string, LpRole>();
      for (const e of await all(LIFEPOS_PATHS.employees(org), { presentation: 'full' }, 'чтение сотрудников', one(employeeSchema, 'employee'), o?.signal)) {
        if (!e.roleGuid) continue;
        const known = byGuid.get(e.roleGuid);
        if (known) known.employees.push(e.name ?? e.username ?? e.guid);
        else byGuid.set(e.roleGuid, { guid: e.roleGuid, name: e.role, employees: [e.name ?? e.username ?? e.guid] });
      }
      return [...byGuid.values()];
    },

    async uoms(o) {
      for (const v of MONEY_DOC_VERSIONS) {
        const body = await call('GET', LIFEPOS_PATHS.uoms(org, v), { query: { items_per_page: 100 }, action: 'чтение единиц измерения', nullOn404: true, signal: o?.signal });
        if (body === NOT_FOUND) continue;
        const items = Array.isArray(body) ? body : parse(pageSchema, body, 'единицы измерения').items;
        return items.map(one(uomSchema, 'uom'));
      }
      return [];
    },
    workplaces: (o) => all(LIFEPOS_PATHS.workplaces(org), { presentation: 'full' }, 'чтение рабочих мест', one(workplaceSchema, 'workplace'), o?.signal),

    async createEmployee(e, o) {
      const body = await call('POST', LIFEPOS_PATHS.employees(org), {
        json: { name: e.name, username: e.username, phone: e.phone, role: { guid: e.roleGuid, type_of: 'Role' }, inn: e.inn ?? null },
        // The username is unique: a repeat answers NotUnique rather than creating a second employee.
        idempotent: true,
        action: `создание сотрудника «${e.name}»`,
        signal: o?.signal,
      });
      return parse(employeeSchema, unwrap(body), 'employee');
    },

    async createWorkplace(w, o) {
      const json: Record<string, unknown> = { workplace_type: w.workplaceType };
      if (w.name) json.name = w.name;
      if (w.employeeGuid) json.employee = { guid: w.employeeGuid, type_of: 'Employee' };
      if (w.outletGuid) json.outlet = { guid: w.outletGuid, type_of: 'Outlet' };
      const body = await call('POST', LIFEPOS_PATHS.workplaces(org), {
        json,
        idempotent: false,
        action: `создание рабочего места${w.name ? ` «${w.name}»` : ''}`,
        signal: o?.signal,
      });
      return parse(workplaceSchema, unwrap(body), 'workplace');
    },

    async createSale(s, o) {
      const openedBy = s.openedByGuid ?? (meCache ?? (await me(o?.signal))).guid;
      if (s.uomGuid === undefined) s = { ...s, uomGuid: await defaultUom(o?.signal) };
      try {
        const body = await call('POST', LIFEPOS_PATHS.sales(org), {
          json: saleBody(s, openedBy, unit),
          // The number is unique in the organisation: a repeat answers Duplicate, which is adoption.
          idempotent: true,
          action: `создание продажи ${s.number}`,
          signal: o?.signal,
        });
        return { outcome: 'created', sale: sale(unwrap(body), 'sale') };
      } catch (err) {
        if (!(err instanceof SyncError) || err.code !== 'Duplicate') throw err;
        const existing = await findByNumber(s.number, o?.signal);
        if (!existing) {
          throw new SyncError({
            kind: 'needsAttention',
            system: 'lifepos',
            code: 'Duplicate',
            detail: err.detail,
            message: `${TITLE}: продажа с номером ${s.number} уже есть, но найти её не удалось. Проверьте продажу в LIFE POS.`,
          });
        }
        return { outcome: 'exists', sale: existing };
      }
    },

    async getSale(guid, o) {
      const body = await call('GET', LIFEPOS_PATHS.sale(org, guid), {
        query: { presentation: 'full' },
        action: `чтение продажи ${guid}`,
        nullOn404: true,
        signal: o?.signal,
      });
      return body === NOT_FOUND || body === null ? null : sale(unwrap(body), 'sale');
    },

    findSaleByNumber: (number, o) => findByNumber(number, o?.signal),

    async listSales(q, o) {
      const p = await page(
        LIFEPOS_PATHS.sales(org),
        {
          presentation: 'full',
          page_token: q.pageToken,
          items_per_page: q.itemsPerPage,
          state: q.state,
          payment_status: q.paymentStatus,
          order_by: q.orderBy,
        },
        'чтение списка продаж',
        o?.signal,
      );
      return { items: p.items.map((v) => sale(v, 'sale')), nextPageToken: p.next };
    },

    async cancelSale(guid, o) {
      // v6 keeps the deal state in `state`; a v4 account answers that path as invalid and takes `/status` instead
      // (the production integration's spelling), so that is tried once before giving up.
      const attempts = [
        [{ op: 'replace', path: '/state', value: 'Cancelled' }],
        [{ op: 'replace', path: '/status', value: 'Canceled' }],
      ];
      let first: unknown = null;
      for (const patch of attempts) {
        try {
          await call('PATCH', LIFEPOS_PATHS.sale(org, guid), { body: JSON.stringify(patch), headers: PATCH_HEADERS, idempotent: true, action: 'отмена продажи', signal: o?.signal });
          return;
        } catch (err) {
          if (!(err instanceof SyncError) || err.code !== 'RequestIsNotValid' || first) throw first ?? err;
          first = err;
        }
      }
    },

    async saleMoneyDocs(guid, o) {
      for (const v of MONEY_DOC_VERSIONS) {
        const out: LpMoneyDoc[] = [];
        let pageToken: string | undefined;
        let found = true;
        for (let i = 0; i < MAX_PAGES; i++) {
          const body = await call('GET', LIFEPOS_PATHS.moneyDocs(org, guid, v), {
            query: { presentation: 'full', page_token: pageToken },
            action: 'чтение оплат продажи',
            nullOn404: true,
            signal: o?.signal,
          });
          if (body === NOT_FOUND) {
            found = false;
            break;
          }
          const p = Array.isArray(body) ? { items: body as unknown[], next_page_token: null } : parse(pageSchema, body, 'оплаты продажи');
          for (const item of p.items) {
            try {
              out.push(parseMoneyDoc(item, unit));
            } catch (e) {
              throw shapeError('оплата продажи', e instanceof Error ? e.message : String(e), item);
            }
          }
          if (!p.next_page_token || p.items.length === 0) break;
          pageToken = p.next_page_token;
        }
        if (found) return out;
      }
      throw new SyncError({
        kind: 'needsAttention',
        system: 'lifepos',
        code: 'NotFound',
        detail: `GET ${MONEY_DOC_VERSIONS.map((v) => LIFEPOS_PATHS.moneyDocs(org, guid, v)).join(' | ')} → 404`,
        message: `${TITLE}: оплаты продажи ${guid} не удалось прочитать (LIFE POS не нашёл её денежные документы). Деньги по ней не попадут в RetailCRM, пока оплаты не прочитаются: проверьте продажу в LIFE POS и нажмите «Повторить».`,
      });
    },

    async refundPayment(saleGuid, payment, o) {
      const money = (wire: number | null) => ({ value: wire ?? 0, currency: 'RUB' });
      const json = {
        for_payment: { guid: payment.guid, type_of: payment.typeOf ?? 'SalePayment' },
        total_sum: money(payment.totalWire),
        sum_by_cash: money(payment.cashWire),
        sum_by_card: money(payment.cardWire),
      };
      for (const v of MONEY_DOC_VERSIONS) {
        const body = await call('POST', LIFEPOS_PATHS.refunds(org, saleGuid, v), { json, idempotent: false, action: 'возврат оплаты', nullOn404: true, signal: o?.signal });
        if (body !== NOT_FOUND) return;
      }
      throw new SyncError({
        kind: 'needsAttention',
        system: 'lifepos',
        code: 'NotFound',
        message: `${TITLE}: возврат оплаты по продаже ${saleGuid} не принят — LIFE POS не нашёл продажу или её оплату. Проверьте продажу в LIFE POS.`,
      });
    },

    async updateSaleOutlet(guid, outletGuid, o) {
      const patch = [{ op: 'replace', path: '/outlet', value: { guid: outletGuid, type_of: 'Outlet' } }];
      await call('PATCH', LIFEPOS_PATHS.sale(org, guid), { body: JSON.stringify(patch), headers: PATCH_HEADERS, idempotent: true, action: 'смена торговой точки', signal: o?.signal });
    },

    transactions: (q, o) =>
      all(
        LIFEPOS_PATHS.transactions(org),
        { registered_at_from: q.from },
        'чтение оплат',
        (v) => {
          try {
            return parseTransaction(v, unit);
          } catch (e) {
            throw shapeError('transaction', e instanceof Error ? e.message : String(e), v);
          }
        },
        o?.signal,
      ),

    async subscribe(urls, o) {
      const patch = [
        {
          op: 'add',
          path: '/extensions/notification_service',
          value: {
            turned_on: true,
            primary_url_for_notifications: urls.primary,
            secondary_url_for_notifications: urls.secondary ?? null,
            version: '1.0',
          },
        },
      ];
      await call('PATCH', LIFEPOS_PATHS.org(org), {
        body: JSON.stringify(patch),
        headers: { ...PATCH_HEADERS, 'x-lp-client-extensions': 'notification_service' },
        idempotent: true,
        action: 'подписка на обновления организации',
        signal: o?.signal,
      });
    },
  };
  return client;
}

function tokenOf(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const o = body as Record<string, unknown>;
  const t = o.token ?? o.access_token ?? (o.data && typeof o.data === 'object' ? (o.data as Record<string, unknown>).token : undefined);
  return typeof t === 'string' && t !== '' ? t : null;
}

function explain(err: LpErrorBody): string {
  const parts = [err.message, ...err.fields].filter((x): x is string => !!x);
  return parts.length ? `: ${parts.join('; ')}` : '';
}

/** A LIFE POS error answer (4xx read by the client) → the engine's error. `code` carries the vendor code. */
export function errorFor(status: number, err: LpErrorBody, detail: string, action: string): SyncError {
  const code = err.code ?? status;
  const base = { system: 'lifepos' as const, detail, code };
  const why = explain(err);
  if (err.code === 'Duplicate') {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE}: запись уже существует (${action})${why}.` });
  }
  if (status === 401 || err.code === 'Unauthorized') {
    return new SyncError({ ...base, kind: 'auth', message: `${TITLE}: неверный телефон или пароль, или вход больше не действует. ${ROLE_HINT}` });
  }
  if (status === 403 || err.code === 'NoPermissions') {
    return new SyncError({
      ...base,
      kind: 'auth',
      message: `${TITLE}: у сотрудника нет прав (${action}). Нужна роль Владелец или Администратор: ${ROLE_HINT.charAt(0).toLowerCase()}${ROLE_HINT.slice(1)}`,
    });
  }
  if (status === 404 || err.code === 'NotFound') {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE}: не найдено (${action})${why}. Проверьте организацию и данные в настройках.` });
  }
  if (err.code === 'NotAllowedForArchived') {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE}: запись в архиве, изменить её нельзя (${action}).` });
  }
  if (err.code === 'NotUnique') {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE}: такое значение уже занято (${action})${why}. Исправьте и нажмите «Повторить».` });
  }
  if (action === 'возврат оплаты' && /no payment|нет оплат/i.test(`${err.message ?? ''} ${err.fields.join(' ')}`)) {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE}: по продаже нет оплаты — возвращать нечего. Проверьте оплату в LIFE POS.` });
  }
  if (action === 'отмена продажи') {
    return new SyncError({
      ...base,
      kind: 'needsAttention',
      message: `${TITLE} не отменил продажу${why}. Оплаченную или завершённую продажу отменить нельзя — оформите возврат.`,
    });
  }
  return new SyncError({ ...base, kind: 'needsAttention', message: `${TITLE} отклонил данные (${action})${why || ` (HTTP ${status})`}. Исправьте и нажмите «Повторить».` });
}
