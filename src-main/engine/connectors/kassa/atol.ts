import type { ErrorKind } from '../../../../src-shared/errors.js';
import { SyncError } from '../../errors.js';
import { createHttpClient, type HttpResponse } from '../../http/client.js';
import { RateLimiter, type RateLimiters } from '../../http/rate-limit.js';
import type { Redactor } from '../../redact.js';
import { draftIssues } from './receipt.js';
import { issuesText, validateAtolRequest, type AtolOperation, type AtolVersion } from './schema.js';
import { pad2, wallClock } from '../../core/time.js';
import {
  measures,
  paymentKindCodes,
  paymentObjectCodes,
  type FiscalData,
  type FiscalOp,
  type Issue,
  type KassaCallOptions,
  type KassaError,
  type KassaErrorKind,
  type KassaProvider,
  type KassaStatus,
  type ReceiptDraft,
} from './types.js';

/**
 * ATOL Online v4 (FFD 1.05) and v5 (FFD 1.2): token sign-in, receipt registration with `external_id` as the
 * idempotency key, report polling (≤ 1 request/s per register group) and the callback, every service and
 * KKT driver error classified with a Russian message for the merchant.
 */

export interface AtolConfig {
  version: AtolVersion;
  /** `https://online.atol.ru` or the full `…/possystem/v4`; the test host is `https://testonline.atol.ru`. */
  baseUrl: string;
  login: string;
  password: string;
  groupCode: string;
  /** Where ATOL posts the result; null or absent = polling only. */
  callbackUrl?: string | null;
}

export interface AtolProviderOptions {
  config: AtolConfig;
  redactor: Redactor;
  limiters?: RateLimiters;
  timeoutMs?: number;
  /** A token is renewed after this long (default 22 h: ATOL says 24 h, sometimes 23 h). */
  tokenRenewAfterMs?: number;
  /** Report requests per second for the group (default 1, ATOL's limit). */
  reportRatePerSec?: number;
  /** Time zone of the document timestamp (default Europe/Moscow). */
  timeZone?: string;
  now?: () => number;
}

export interface AtolStatusOptions extends KassaCallOptions {
  /** The receipt's operation, for the QR-code text (remembered from `submit` in the same process). */
  op?: FiscalOp;
}

export interface AtolProvider extends KassaProvider {
  readonly id: 'atol-v4' | 'atol-v5';
  status(ref: string, o?: AtolStatusOptions): Promise<KassaStatus>;
  /** The request that would be sent for a draft (for previews and tests). */
  request(d: ReceiptDraft): { operation: AtolOperation; body: Record<string, unknown> };
}

const TITLE = 'Онлайн-касса';
const DAY = 86_400_000;

/** `https://online.atol.ru` → `https://online.atol.ru/possystem/v4`; a path with `/possystem/` is kept. */
export function atolBaseUrl(baseUrl: string, version: AtolVersion): string {
  const trimmed = baseUrl.trim().replace(/\/+$/, '');
  const withScheme = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  if (/\/possystem(\/|$)/.test(withScheme)) {
    return withScheme.replace(/\/possystem(\/v\d+)?$/, `/possystem/${version}`);
  }
  return `${withScheme}/possystem/${version}`;
}

/** `dd.mm.yyyy HH:MM:SS`, zero-padded, in the given time zone. */
export function atolTimestamp(d: Date, timeZone = 'Europe/Moscow'): string {
  const c = wallClock(d, timeZone);
  return `${pad2(c.day)}.${pad2(c.month)}.${c.year} ${pad2(c.hour)}:${pad2(c.minute)}:${pad2(c.second)}`;
}

const atolDate = (d: Date, timeZone?: string): string => atolTimestamp(d, timeZone).slice(0, 10);

/** Kopecks → roubles with at most two decimals. */
export const kopToRub = (kop: number): number => Math.round(kop) / 100;
const rubToKop = (rub: unknown): number => (typeof rub === 'number' ? Math.round(rub * 100) : typeof rub === 'string' ? Math.round(Number(rub) * 100) : 0);

/** The ATOL request for a draft: the operation (path segment) and the JSON body of the given protocol version. */
export function atolRequest(
  d: ReceiptDraft,
  version: AtolVersion,
  o: { callbackUrl?: string | null; timeZone?: string } = {},
): { operation: AtolOperation; body: Record<string, unknown> } {
  const items = d.items.map((it) => {
    const vat: Record<string, unknown> = { type: it.vat };
    if (it.vatSumKop !== undefined) vat.sum = kopToRub(it.vatSumKop);
    const common = { name: it.name, price: kopToRub(it.priceKop), quantity: Math.round(it.qty * 1_000_000) / 1_000_000, sum: kopToRub(it.sumKop) };
    return version === 'v4'
      ? {
          ...common,
          ...(it.measure ? { measurement_unit: measures[it.measure].unit } : {}),
          payment_method: it.method,
          payment_object: it.object,
          vat,
        }
      : {
          ...common,
          measure: measures[it.measure ?? 'piece'].code,
          payment_method: it.method,
          payment_object: paymentObjectCodes[it.object],
          vat,
        };
  });
  const payments = d.payments.map((p) => ({ type: paymentKindCodes[p.kind], sum: kopToRub(p.sumKop) }));
  const vats = (d.vats ?? []).map((v) => ({ type: v.type, sum: kopToRub(v.sumKop) }));
  const client = d.customer.email ? { email: d.customer.email } : d.customer.phone ? { phone: d.customer.phone } : {};
  const company = { email: d.company.email, sno: d.company.sno, inn: d.company.inn, payment_address: d.company.paymentAddress };
  const head: Record<string, unknown> = {
    timestamp: atolTimestamp(d.createdAt, o.timeZone),
    external_id: d.idempotencyKey,
    ...(o.callbackUrl ? { service: { callback_url: o.callbackUrl } } : {}),
  };
  if (d.op !== 'sell_correction') {
    return { operation: d.op, body: { ...head, receipt: { client, company, items, payments, total: kopToRub(d.totalKop) } } };
  }
  const c = d.correction;
  const baseDate = c ? atolDate(c.baseDate, o.timeZone) : '';
  if (version === 'v4') {
    return {
      operation: 'sell_correction',
      body: {
        ...head,
        correction: {
          company: { sno: d.company.sno, inn: d.company.inn, payment_address: d.company.paymentAddress },
          // Document 5.23 knows type, base_date and base_number only (base_name is gone from the protocol).
          correction_info: { type: c?.type ?? 'self', base_date: baseDate, base_number: c?.baseNumber ?? '' },
          payments,
          vats,
        },
      },
    };
  }
  return {
    operation: 'sell_correction',
    body: {
      ...head,
      correction: {
        client,
        company,
        correction_info: { type: c?.type ?? 'self', base_date: baseDate, ...(c?.baseNumber ? { base_number: c.baseNumber } : {}) },
        items,
        payments,
        ...(vats.length ? { vats } : {}),
        total: kopToRub(d.totalKop),
      },
    },
  };
}

// ------------------------------------------------------------------------------------------- errors

interface ServiceRule {
  kind: KassaErrorKind;
  sync: ErrorKind;
  message: (text: string) => string;
}

const bug = (what: string) => `${TITLE} не приняла запрос (${what}) — это ошибка Прилавка, повтор не поможет. Сообщите в поддержку.`;

/** Service errors of ATOL Online v4/v5 (the same table for both; 13 and 14 are v5's). */
export const ATOL_SERVICE_ERRORS: Record<number, ServiceRule> = {
  0: {
    kind: 'validation',
    sync: 'needsAttention',
    message: (t) => `${TITLE} не смогла разобрать запрос (ошибка 0${t ? `: ${t}` : ''}). Проверьте чек и нажмите «Повторить»; если ошибка повторится — сообщите в поддержку.`,
  },
  1: { kind: 'transient', sync: 'retryable', message: () => `${TITLE} не смогла обработать чек. Повторим автоматически с тем же номером чека.` },
  10: { kind: 'transient', sync: 'retryable', message: () => `${TITLE} не получила токен доступа. Повторим автоматически.` },
  11: { kind: 'transient', sync: 'retryable', message: () => `Токен доступа к онлайн-кассе истёк и не обновился. Повторим автоматически.` },
  12: {
    kind: 'auth',
    sync: 'auth',
    message: () => `${TITLE} не приняла логин или пароль. Проверьте их в настройках кассы (личный кабинет АТОЛ Онлайн → «Настройки интегратора»).`,
  },
  13: { kind: 'config', sync: 'auth', message: () => `${TITLE} отклонила вход: логин или пароль в неверном формате. Проверьте настройки кассы.` },
  14: { kind: 'auth', sync: 'auth', message: () => `Пользователь онлайн-кассы заблокирован. Обратитесь в АТОЛ Онлайн, затем проверьте настройки кассы.` },
  20: { kind: 'config', sync: 'auth', message: () => `Код группы касс не подходит к логину. Проверьте код группы в настройках кассы.` },
  21: {
    kind: 'config',
    sync: 'auth',
    message: () => `Группа касс работает с другой версией протокола. Выберите в настройках кассы ту же версию, что в личном кабинете АТОЛ Онлайн: v4 (ФФД 1.05) или v5 (ФФД 1.2).`,
  },
  30: { kind: 'config', sync: 'fatal', message: () => bug('не передан номер документа') },
  31: { kind: 'config', sync: 'fatal', message: () => bug('операция не поддерживается этой версией протокола') },
  32: {
    kind: 'validation',
    sync: 'needsAttention',
    message: (t) => `${TITLE} отклонила данные чека${t ? `: ${t}` : ''}. Исправьте заказ или настройки кассы и нажмите «Повторить».`,
  },
  40: { kind: 'config', sync: 'fatal', message: () => bug('неверный запрос') },
  41: { kind: 'config', sync: 'fatal', message: () => bug('неверный Content-Type') },
  50: { kind: 'transient', sync: 'retryable', message: () => `Сервер онлайн-кассы временно неисправен. Повторим автоматически; если не пройдёт — обратитесь в АТОЛ Онлайн.` },
};

const DRIVER_FIX: Record<number, string> = {
  [-3803]: 'неверная цена или сумма позиции',
  [-3804]: 'неверное количество товара',
  [-3805]: 'нулевая цена товара',
  [-3810]: 'сумма возврата больше суммы продажи',
  [-3813]: 'неверная скидка',
  [-3816]: 'неверный вид оплаты',
  [-3835]: 'оплата меньше суммы чека',
  [-3863]: 'скидка на предыдущую операцию невозможна',
  [-3895]: 'не указан e-mail или телефон покупателя',
  [-3905]: 'не указан e-mail или телефон покупателя',
  [-3896]: 'безналичная оплата больше суммы чека',
  [-3897]: 'чек оплачен не полностью',
  [-3932]: 'неверный тип чека',
  [-4021]: 'система налогообложения не зарегистрирована в кассе',
  [-4022]: 'неверная ставка НДС',
};
const DRIVER_TRANSIENT = new Set([-3817, -3818, -3825, -3830, -3831, -3924, -3929, -3957]);
const DRIVER_ADMIN = new Set([-1, -6, -12, -15, -16, -20, -21, -199, -3822, -3965, -3969, -3970, -3975, -3976, -3978, -3979, -3980, -4025]);
const isAdminCode = (c: number): boolean => DRIVER_ADMIN.has(c) || (c <= -3910 && c >= -3936);

const clip = (s: string, n = 300): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** A report's or a response's `error` object → a classified error with a Russian message. */
export function classifyAtolError(err: { code?: unknown; text?: unknown; type?: unknown; error_id?: unknown }): KassaError & { sync: ErrorKind } {
  const code = typeof err.code === 'number' ? err.code : Number(err.code ?? 0);
  const text = typeof err.text === 'string' ? clip(err.text) : '';
  const type = typeof err.type === 'string' ? err.type : 'unknown';
  const detail = `ATOL error ${code} (${type})${err.error_id ? ` id ${String(err.error_id)}` : ''}: ${text}`;
  if (type === 'timeout') {
    return {
      kind: 'transient',
      sync: 'retryable',
      code,
      detail,
      message: `${TITLE} не успела пробить чек: кассы группы заняты или не в сети. Чек нужно отправить заново; если повторится — проверьте кассы в личном кабинете АТОЛ Онлайн.`,
    };
  }
  if (type === 'driver' || code < 0) {
    const fix = DRIVER_FIX[code];
    if (fix) {
      return {
        kind: 'kkt_fix_receipt',
        sync: 'needsAttention',
        code,
        detail,
        message: `Касса отклонила чек: ${fix} (ошибка ${code}). Исправьте заказ и нажмите «Повторить».`,
      };
    }
    if (DRIVER_TRANSIENT.has(code)) {
      return { kind: 'transient', sync: 'retryable', code, detail, message: `Касса временно не смогла пробить чек (ошибка ${code}). Чек будет отправлен заново.` };
    }
    if (code === 1) {
      return { kind: 'kkt_fix_receipt', sync: 'needsAttention', code, detail, message: `Касса признала документ неверным${text ? `: ${text}` : ''}. Проверьте чек и нажмите «Повторить».` };
    }
    if (code === 2) {
      return {
        kind: 'config',
        sync: 'needsAttention',
        code,
        detail,
        message: 'ИНН или место расчётов (адрес сайта) не совпадают с регистрацией кассы. Проверьте их в настройках кассы и в личном кабинете АТОЛ Онлайн.',
      };
    }
    if (code === 3) {
      return { kind: 'kkt_admin', sync: 'needsAttention', code, detail, message: 'На кассе неверные дата и время. Обратитесь в АТОЛ Онлайн.' };
    }
    if (code === 4) {
      return { kind: 'config', sync: 'needsAttention', code, detail, message: 'Этот тип документа недоступен для кассы. Проверьте настройки группы касс в личном кабинете АТОЛ Онлайн.' };
    }
    const admin = isAdminCode(code) ? '' : ' (неизвестная ошибка кассы)';
    return {
      kind: 'kkt_admin',
      sync: 'needsAttention',
      code,
      detail,
      message: `Касса или фискальный накопитель требуют вмешательства${admin}: ошибка ${code}${text ? ` «${text}»` : ''}${code === -3822 ? ' — смена открыта больше 24 часов' : ''}. Обратитесь в АТОЛ Онлайн, затем нажмите «Повторить».`,
    };
  }
  const rule = ATOL_SERVICE_ERRORS[code];
  if (rule) return { kind: rule.kind, sync: rule.sync, code, detail, message: rule.message(text) };
  return {
    kind: 'validation',
    sync: 'needsAttention',
    code,
    detail,
    message: `${TITLE} вернула неизвестную ошибку ${code}${text ? ` «${text}»` : ''}. Проверьте чек и нажмите «Повторить».`,
  };
}

const SYNC_OF: Record<KassaErrorKind, ErrorKind> = {
  auth: 'auth',
  config: 'auth',
  validation: 'needsAttention',
  transient: 'retryable',
  duplicate: 'needsAttention',
  kkt_fix_receipt: 'needsAttention',
  kkt_admin: 'needsAttention',
};

/** A failed receipt as the engine's error (for the job that polled it). */
export function kassaErrorToSyncError(e: KassaError, sync: ErrorKind = SYNC_OF[e.kind]): SyncError {
  return new SyncError({ kind: sync, system: 'kassa', code: e.code, message: e.message, detail: e.detail });
}

// ------------------------------------------------------------------------------------------- reports

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const int = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

const QR_OP: Record<FiscalOp, number | null> = { sell: 1, sell_refund: 2, sell_correction: null };

/** The FNS QR-code text of a receipt: `t=20240201T1345&s=300.00&fn=…&i=…&fp=…&n=1`. */
export function receiptQr(f: Omit<FiscalData, 'qr'>, op: FiscalOp): string | null {
  const n = QR_OP[op];
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})/.exec(f.receipt_datetime);
  if (n === null || !m || !f.fn_number) return null;
  const t = `${m[3]}${m[2]}${m[1]}T${m[4]}${m[5]}`;
  return `t=${t}&s=${(f.total / 100).toFixed(2)}&fn=${f.fn_number}&i=${f.fiscal_document_number}&fp=${f.fiscal_document_attribute}&n=${n}`;
}

export interface AtolReport extends KassaStatus {
  uuid: string | null;
  externalId: string | null;
}

/** A report (`GET report/{uuid}`) or a callback body → a status. Error 34 «not found yet» is `queued`. */
export function parseAtolReport(body: unknown, op?: FiscalOp): AtolReport {
  const b = obj(body);
  const uuid = str(b.uuid);
  const externalId = str(b.external_id);
  const error = b.error && typeof b.error === 'object' ? obj(b.error) : null;
  const status = str(b.status);
  if (status === 'done') {
    const p = obj(b.payload);
    const base: Omit<FiscalData, 'qr'> = {
      fiscal_receipt_number: int(p.fiscal_receipt_number),
      shift_number: int(p.shift_number),
      receipt_datetime: str(p.receipt_datetime) ?? '',
      total: rubToKop(p.total),
      fn_number: str(p.fn_number) ?? '',
      ecr_registration_number: str(p.ecr_registration_number) ?? '',
      fiscal_document_number: int(p.fiscal_document_number),
      fiscal_document_attribute: int(p.fiscal_document_attribute),
      fns_site: str(p.fns_site) ?? '',
      ofd_receipt_url: str(p.ofd_receipt_url),
      ofd_inn: str(p.ofd_inn),
    };
    return { uuid, externalId, state: 'done', fiscal: { ...base, qr: op ? receiptQr(base, op) : null } };
  }
  if (status === 'fail' || (error && int(error.code) !== 34 && status !== 'wait')) {
    const c = classifyAtolError(error ?? { code: 0, text: 'fail without error', type: 'unknown' });
    const { sync: _sync, ...e } = c;
    return { uuid, externalId, state: 'failed', error: e };
  }
  return { uuid, externalId, state: 'queued' };
}

/** ATOL's callback POST: the report's shape. Treat it as a hint and confirm with `status`. */
export function parseAtolCallback(raw: string): AtolReport {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SyncError({ kind: 'needsAttention', system: 'kassa', code: 'callback', message: 'Онлайн-касса прислала неразборчивое уведомление о чеке.', detail: clip(raw, 2000) });
  }
  return parseAtolReport(json);
}

// ------------------------------------------------------------------------------------------- provider

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/**
 * Statuses whose ATOL body the provider reads itself: 4xx and ATOL's own 500 (error 50). 429 and the other
 * 5xx (gateways) stay with the HTTP client.
 */
const readOwn = (s: number): boolean => (s >= 400 && s < 500 && s !== 429) || s === 500;

export function createAtolProvider(o: AtolProviderOptions): AtolProvider {
  const { config, redactor } = o;
  const version = config.version;
  const base = atolBaseUrl(config.baseUrl, version);
  const group = encodeURIComponent(config.groupCode);
  const now = o.now ?? Date.now;
  const renewAfter = o.tokenRenewAfterMs ?? 22 * 3_600_000;
  const timeZone = o.timeZone ?? 'Europe/Moscow';
  redactor.addSecret(config.password);

  const common = {
    system: 'kassa' as const,
    baseUrl: base,
    redactor,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    headers: { accept: 'application/json' },
  };
  const http = createHttpClient(common);
  const reportKey = `kassa:atol:${base}:${config.groupCode}:report`;
  const reportRate = o.reportRatePerSec ?? 1;
  const reportLimiter = o.limiters ? o.limiters.get(reportKey, reportRate, 1) : new RateLimiter(reportRate, 1);
  const reportHttp = createHttpClient({ ...common, limiter: reportLimiter });

  let token: { value: string; at: number } | null = null;
  let signingIn: Promise<string> | null = null;
  const opsByRef = new Map<string, FiscalOp>();

  const detailOf = (method: string, path: string, res: HttpResponse): string =>
    redactor.summarize(`${method} ${base}/${path} → HTTP ${res.status}\n${res.body}`, 4000) ?? '';

  const parse = (res: HttpResponse): Json => {
    if (res.status === 500) {
      try {
        return obj(JSON.parse(res.body));
      } catch {
        throw new SyncError({
          kind: 'retryable',
          system: 'kassa',
          code: 500,
          message: `${TITLE} ответила ошибкой сервера (HTTP 500). Повторим автоматически.`,
          detail: redactor.summarize(res.body, 2000),
        });
      }
    }
    return obj(res.json());
  };

  async function signIn(signal?: AbortSignal): Promise<string> {
    const res = await http.request({
      method: 'POST',
      url: 'getToken',
      body: JSON.stringify({ login: config.login, pass: config.password }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      idempotent: true,
      accept: readOwn,
      ...(signal ? { signal } : {}),
    });
    const b = parse(res);
    const value = str(b.token);
    const error = b.error && typeof b.error === 'object' ? obj(b.error) : null;
    if (error || !value) {
      const c = classifyAtolError(error ?? { code: res.status === 401 ? 12 : 0, text: 'no token in the answer' });
      // On sign-in, a 401 or 400 without a usable code is still a refusal of the credentials.
      const sync: ErrorKind = c.kind === 'transient' ? 'retryable' : c.sync === 'fatal' ? 'fatal' : 'auth';
      throw new SyncError({ kind: sync, system: 'kassa', code: c.code, message: c.message, detail: detailOf('POST', 'getToken', res) });
    }
    redactor.addSecret(value);
    token = { value, at: now() };
    return value;
  }

  function tokenFor(signal?: AbortSignal): Promise<string> {
    if (token && now() - token.at < renewAfter) return Promise.resolve(token.value);
    signingIn ??= signIn(signal).finally(() => {
      signingIn = null;
    });
    return signingIn;
  }

  /** A call with the token; an expired or missing token (10/11) is renewed and the call repeated once. */
  async function authed(
    kind: 'register' | 'report',
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ res: HttpResponse; json: Json; error: Json | null }> {
    for (let attempt = 0; ; attempt++) {
      const t = await tokenFor(signal);
      const res = await (kind === 'report' ? reportHttp : http).request({
        method,
        url: path,
        headers: { token: t, ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}) },
        ...(body !== undefined ? { body } : {}),
        // Registration is deduplicated by external_id (error 33 returns the first uuid), so a repeat is safe.
        idempotent: true,
        accept: readOwn,
        ...(signal ? { signal } : {}),
      });
      const json = parse(res);
      const error = json.error && typeof json.error === 'object' ? obj(json.error) : null;
      const code = error ? int(error.code) : null;
      if ((code === 10 || code === 11) && attempt === 0) {
        if (token?.value === t) token = null;
        continue;
      }
      return { res, json, error };
    }
  }

  const fail = (error: Json, res: HttpResponse, method: string, path: string): SyncError => {
    const c = classifyAtolError(error);
    return new SyncError({ kind: c.sync, system: 'kassa', code: c.code, message: c.message, detail: `${c.detail}\n${detailOf(method, path, res)}` });
  };

  const request = (d: ReceiptDraft) => atolRequest(d, version, { callbackUrl: config.callbackUrl ?? null, timeZone });

  const provider: AtolProvider = {
    id: version === 'v4' ? 'atol-v4' : 'atol-v5',
    request,

    validate(d) {
      const issues: Issue[] = [...draftIssues(d)];
      const want = version === 'v4' ? '1.05' : '1.2';
      if (d.ffd !== want) {
        issues.push({ field: 'ffd', message: `Чек собран для ФФД ${d.ffd}, а касса настроена на протокол ${version} (ФФД ${want}). Проверьте версию протокола в настройках кассы.` });
      }
      const { operation, body } = request(d);
      for (const i of validateAtolRequest(version, operation, body)) issues.push({ field: i.field, message: `Поле ${i.field}: ${i.message}.` });
      return issues;
    },

    async submit(d, opts) {
      const issues = provider.validate(d);
      if (issues.length > 0) {
        throw new SyncError({
          kind: 'needsAttention',
          system: 'kassa',
          code: 'schema',
          message: `Чек не отправлен в онлайн-кассу: ${issues
            .slice(0, 3)
            .map((i) => i.message)
            .join(' ')}${issues.length > 3 ? ` И ещё ${issues.length - 3}.` : ''} Исправьте заказ или настройки кассы и нажмите «Повторить».`,
          detail: `Ошибочные поля: ${issuesText(issues)}`,
        });
      }
      const { operation, body } = request(d);
      const path = `${group}/${operation}`;
      const { res, json, error } = await authed('register', 'POST', path, JSON.stringify(body), opts?.signal);
      const uuid = str(json.uuid);
      if (!error) {
        if (!uuid) {
          throw new SyncError({
            kind: 'retryable',
            system: 'kassa',
            code: 'no_uuid',
            message: `${TITLE} не вернула номер документа. Повторим с тем же номером чека.`,
            detail: detailOf('POST', path, res),
          });
        }
        opsByRef.set(uuid, d.op);
        return { providerRef: uuid, state: 'queued' };
      }
      if (int(error.code) === 33) {
        // The same external_id is already registered: adopt the first document.
        const original = uuid ?? UUID_RE.exec(str(error.text) ?? '')?.[0] ?? null;
        if (!original) {
          throw new SyncError({
            kind: 'needsAttention',
            system: 'kassa',
            code: 33,
            message: `Чек ${d.idempotencyKey} уже зарегистрирован в онлайн-кассе, но она не сообщила его номер. Найдите чек в личном кабинете АТОЛ Онлайн.`,
            detail: detailOf('POST', path, res),
          });
        }
        opsByRef.set(original, d.op);
        return { providerRef: original, state: 'duplicate' };
      }
      throw fail(error, res, 'POST', path);
    },

    async status(ref, opts) {
      const path = `${group}/report/${encodeURIComponent(ref)}`;
      const { res, json, error } = await authed('report', 'GET', path, undefined, opts?.signal);
      const code = error ? int(error.code) : null;
      const reportStatus = str(json.status);
      // 34: not processed yet — poll later, never resend.
      if (code === 34) return { state: 'queued' };
      if (error && reportStatus !== 'fail' && reportStatus !== 'done' && reportStatus !== 'wait') throw fail(error, res, 'GET', path);
      const r = parseAtolReport(json, opts?.op ?? opsByRef.get(ref));
      if (r.state === 'failed' && r.error && (r.error.code === 10 || r.error.code === 11 || r.error.code === 12 || r.error.code === 20)) {
        throw fail(error ?? {}, res, 'GET', path);
      }
      return { state: r.state, ...(r.fiscal ? { fiscal: r.fiscal } : {}), ...(r.error ? { error: r.error } : {}) };
    },
  };
  return provider;
}

/** How long ATOL keeps a report (older documents answer «not found»). */
export const ATOL_REPORT_WINDOW_MS = 32 * DAY;
