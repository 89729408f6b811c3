import jsonata from 'jsonata';
import { SyncError } from '../../errors.js';
import type { HttpClient } from '../../http/client.js';
import { decodeAnswer } from './decode.js';
import { dateMacros, idMacros, type MacroValues } from './macros.js';
import { evaluateMapping, type MappingResult, type PartnerRow } from './mapping.js';
import { describeRequest, maskedSecret, renderRequest, type RenderedRequest } from './request.js';
import { decide, type Ask, type Decisions, type Partner } from './rules.js';

/**
 * One check: the request for one batch or date range (page by page when the partner paginates), the answer
 * decoded, mapped to rows and judged against the orders asked about. No side effect: the caller decides what
 * to write — the poller writes the edits, «Проверить сейчас» only shows them.
 */

export interface SentRequest {
  /** As sent, with secrets shown as «•••name•••». */
  shown: RenderedRequest;
  summary: string;
  status: number;
  contentType: string | null;
  /** The first characters of the answer, for the preview and the log. */
  answer: string;
  durationMs: number;
}

export interface CheckResult {
  ask: Ask;
  requests: SentRequest[];
  /** Decoded answer of the first page (the preview shows it). */
  data: unknown;
  rows: PartnerRow[];
  invalid: MappingResult['invalid'];
  decisions: Decisions;
}

export interface CheckDeps {
  http: HttpClient;
  secret: (name: string) => string | null;
  signal?: AbortSignal;
  /** Expression override for the preview (the merchant's draft). */
  expression?: string;
}

const ANSWER_PREVIEW_CHARS = 20_000;

export function macroValues(p: Partner, ask: Ask): MacroValues {
  if (ask.batch) return idMacros(ask.batch);
  if (ask.range) return dateMacros(ask.range, p.timezone);
  throw new Error('ask without batch or range');
}

export async function runCheck(p: Partner, ask: Ask, deps: CheckDeps): Promise<CheckResult> {
  const template = ask.mode === 'range' ? (p.rangeRequest ?? p.request) : p.request;
  const values = macroValues(p, ask);
  const requests: SentRequest[] = [];
  const rows: PartnerRow[] = [];
  const invalid: MappingResult['invalid'] = [];
  let first: unknown = undefined;
  // Only a date range can be long; an id batch is as long as the batch size the merchant chose.
  const paging = ask.mode === 'range' ? p.paging : null;
  let pages = 1;
  for (let page = 1; page <= pages; page++) {
    const t = paging ? { ...template, fields: [...template.fields, { name: paging.param, value: String(page) }] } : template;
    const real = renderRequest(t, values, deps.secret);
    const shown = renderRequest(t, values, (name) => (deps.secret(name) === null ? null : maskedSecret(name)));
    const res = await send(p, real, deps);
    const contentType = headerText(res.headers['content-type']);
    requests.push({ shown, summary: describeRequest(shown), status: res.status, contentType, answer: res.body.slice(0, ANSWER_PREVIEW_CHARS), durationMs: Math.round(res.durationMs) });
    if (res.status < 200 || res.status >= 300) throw partnerHttpError(p, res.status, res.headers['retry-after'], describeRequest(shown), res.body);
    const { data } = decodeAnswer(res.body, contentType, p.answerFormat);
    if (page === 1) {
      first = data;
      if (paging) pages = Math.min(paging.maxPages, await totalPages(paging.totalPages, data));
    }
    const mapped = await evaluateMapping(deps.expression ?? p.expression, data, { asked: ask.orders.map((o) => o.partnerId), mode: ask.mode });
    rows.push(...mapped.rows);
    invalid.push(...mapped.invalid.map((x) => ({ ...x, message: pages > 1 ? `стр. ${page}: ${x.message}` : x.message })));
  }
  return { ask, requests, data: first, rows, invalid, decisions: decide(p, ask, rows) };
}

async function send(p: Partner, r: RenderedRequest, deps: CheckDeps) {
  try {
    return await deps.http.request({
      method: r.method,
      url: r.url,
      headers: r.headers,
      ...(r.body !== null ? { body: r.body } : {}),
      // A status request only reads: sending it twice is harmless.
      idempotent: true,
      accept: () => true,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (err) {
    const e = err instanceof SyncError ? err : null;
    throw new SyncError({
      kind: e?.kind ?? 'retryable',
      system: 'statuscheck',
      code: e?.code ?? null,
      message: `Партнёр «${p.name}» недоступен: ${e?.code === 'ETIMEDOUT' ? 'не ответил вовремя' : 'нет связи с его сервером'}. Повторим автоматически.`,
      detail: e?.detail ?? String(err),
      cause: err,
    });
  }
}

async function totalPages(expression: string, data: unknown): Promise<number> {
  let n: unknown;
  try {
    n = await jsonata(expression, { timeout: 200, stack: 50, sequence: 1000 }).evaluate(data);
  } catch (err) {
    throw new SyncError({
      kind: 'needsAttention',
      system: 'statuscheck',
      message: 'Выражение «число страниц» не выполнилось: проверьте его в настройках партнёра.',
      detail: String((err as Error).message ?? err),
    });
  }
  const v = Number(n);
  return Number.isInteger(v) && v >= 1 ? v : 1;
}

function headerText(v: string | string[] | undefined): string | null {
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

function partnerHttpError(p: Partner, status: number, retryAfter: string | string[] | undefined, summary: string, body: string): SyncError {
  const detail = `${summary} → HTTP ${status}\n${body.slice(0, 1000)}`;
  const name = `Партнёр «${p.name}»`;
  if (status === 429 || status === 503) {
    const ra = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    return new SyncError({
      kind: 'retryable',
      system: 'statuscheck',
      code: status,
      detail,
      retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : null,
      message: `${name} просит подождать (HTTP ${status}): проверим позже; если повторяется — уменьшите частоту запросов к нему.`,
    });
  }
  if (status === 401 || status === 403) {
    return new SyncError({ kind: 'auth', system: 'statuscheck', code: status, detail, message: `${name} отказал в доступе (HTTP ${status}): проверьте ключ в настройках партнёра.` });
  }
  if (status >= 500) {
    return new SyncError({ kind: 'retryable', system: 'statuscheck', code: status, detail, message: `${name} ответил ошибкой сервера (HTTP ${status}). Повторим автоматически.` });
  }
  return new SyncError({ kind: 'needsAttention', system: 'statuscheck', code: status, detail, message: `${name} отклонил запрос (HTTP ${status}): проверьте адрес, поля и макросы запроса.` });
}
