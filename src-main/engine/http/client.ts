import type { Got, OptionsInit, Response } from 'got';
import { systemTitles, type SystemId } from '../../../src-shared/systems.js';
import { SyncError } from '../errors.js';
import { parseRetryAfter } from '../jobs/backoff.js';
import type { Redactor } from '../redact.js';
import type { RateLimiter } from './rate-limit.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method?: HttpMethod;
  /** Relative to the client's base URL, or absolute. */
  url: string;
  searchParams?: Record<string, string | number | boolean | undefined> | URLSearchParams;
  json?: unknown;
  form?: Record<string, string> | URLSearchParams;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * Safe to send twice: a read, or a write the API deduplicates by a key we send. Decides whether an
   * ambiguous failure (timeout, dropped connection, 5xx after sending) is retried or handed to the merchant.
   * Defaults to true for GET, false otherwise.
   */
  idempotent?: boolean;
  /** Statuses that are answers for the connector to read, not failures (RetailCRM's 400 with field errors). */
  accept?: (status: number) => boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  durationMs: number;
  /** Parses the body; a malformed body is a failure of the kind an ambiguous answer gets. */
  json<T = unknown>(): T;
}

export interface HttpClientOptions {
  system: SystemId;
  baseUrl?: string;
  limiter?: RateLimiter;
  redactor: Redactor;
  timeoutMs?: number;
  headers?: Record<string, string>;
  userAgent?: string;
}

export interface HttpClient {
  readonly system: SystemId;
  request(req: HttpRequest): Promise<HttpResponse>;
}

let gotModule: Promise<Got> | null = null;

/**
 * got is loaded with the first request, not at startup: an engine with nothing to talk to (just installed, or
 * paused) does not pay for it — its dependencies build Intl formatters at load, which alone cost ~6 MB resident.
 */
function loadGot(): Promise<Got> {
  return (gotModule ??= import('got').then((m) => m.default));
}

/**
 * Settles once the HTTP library has loaded, if a client has asked for it; at once otherwise. The engine waits
 * for it before taking jobs, so no job's lease runs out while a library loads.
 */
export async function httpClientsReady(): Promise<void> {
  await gotModule?.catch(() => undefined);
}

/** Network failures that happen before the request could reach the server: always safe to retry. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

/**
 * The HTTP client every connector uses. It owns timeouts, the per-account rate limit, secret redaction and the
 * mapping of failures to error kinds; it never retries by itself — retries belong to the job engine.
 */
export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const title = systemTitles[opts.system];
  // A client is made when a connector is about to talk: start loading got now, not on the first request.
  void loadGot().catch(() => undefined);
  let instance: Got | null = null;
  const client = async (): Promise<Got> =>
    (instance ??= (await loadGot()).extend({
      ...(opts.baseUrl ? { prefixUrl: opts.baseUrl } : {}),
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      headers: { 'user-agent': opts.userAgent ?? 'Prilavok/0.1', ...opts.headers },
    }));

  const describe = (req: HttpRequest, status?: number, body?: string): string => {
    const method = req.method ?? 'GET';
    const query = req.searchParams
      ? `?${new URLSearchParams(
          req.searchParams instanceof URLSearchParams
            ? req.searchParams
            : Object.entries(req.searchParams)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, String(v)]),
        ).toString()}`
      : '';
    const target = `${opts.baseUrl ? `${opts.baseUrl.replace(/\/$/, '')}/` : ''}${req.url}${query}`;
    const head = `${method} ${target}${status !== undefined ? ` → HTTP ${status}` : ''}`;
    return opts.redactor.summarize(body ? `${head}\n${body}` : head, 4000) ?? head;
  };

  return {
    system: opts.system,
    async request(req) {
      const idempotent = req.idempotent ?? (req.method ?? 'GET') === 'GET';
      if (opts.limiter) {
        try {
          await opts.limiter.take(req.signal);
        } catch (err) {
          // Aborted while waiting for a slot: nothing was sent, so it is the same retryable «прерван» as an
          // aborted request, not an unknown throw (which would make the job dead as an internal error).
          throw networkFailure(err, req, idempotent, title, opts.system, describe(req), 0);
        }
      }
      const started = performance.now();
      const options: OptionsInit = {
        method: req.method ?? 'GET',
        timeout: { request: req.timeoutMs ?? opts.timeoutMs ?? 30_000 },
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      };
      if (req.searchParams) {
        options.searchParams = req.searchParams instanceof URLSearchParams
          ? req.searchParams
          : (Object.fromEntries(Object.entries(req.searchParams).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>);
      }
      if (req.json !== undefined) options.json = req.json;
      else if (req.form !== undefined) options.form = req.form instanceof URLSearchParams ? Object.fromEntries(req.form) : req.form;
      else if (req.body !== undefined) options.body = req.body;

      let res: Response<string>;
      try {
        res = (await (await client())(req.url.replace(/^\//, opts.baseUrl ? '' : '/'), options)) as Response<string>;
      } catch (err) {
        const durationMs = performance.now() - started;
        throw networkFailure(err, req, idempotent, title, opts.system, describe(req), durationMs);
      }
      const durationMs = performance.now() - started;
      const body = typeof res.body === 'string' ? res.body : String(res.body);
      const status = res.statusCode;
      const response: HttpResponse = {
        status,
        headers: res.headers,
        body,
        durationMs,
        json<T>() {
          try {
            return JSON.parse(body) as T;
          } catch {
            throw new SyncError({
              kind: idempotent ? 'retryable' : 'needsAttention',
              system: opts.system,
              message: idempotent
                ? `${title} прислал неразборчивый ответ. Повторим позже.`
                : `${title} прислал неразборчивый ответ; неизвестно, выполнена ли операция. Проверьте в ${title} и нажмите «Повторить».`,
              detail: describe(req, status, body),
              code: status,
            });
          }
        },
      };
      if ((status >= 200 && status < 300) || req.accept?.(status)) return response;
      throw httpFailure(status, res.headers['retry-after'], req, idempotent, title, opts.system, describe(req, status, body));
    },
  };
}

function httpFailure(
  status: number,
  retryAfter: string | string[] | undefined,
  _req: HttpRequest,
  idempotent: boolean,
  title: string,
  system: SystemId,
  detail: string,
): SyncError {
  const base = { system, detail, code: status };
  if (status === 429 || status === 503) {
    // Rate limited or temporarily down: the request was not processed, so repeating it is safe.
    return new SyncError({
      ...base,
      kind: 'retryable',
      retryAfterMs: parseRetryAfter(retryAfter),
      message: `${title} временно не принимает запросы (HTTP ${status}). Повторим автоматически.`,
    });
  }
  if (status === 401 || status === 403) {
    return new SyncError({
      ...base,
      kind: 'auth',
      message: `${title} отказал в доступе (HTTP ${status}). Проверьте ключ или пароль и права доступа в настройках.`,
    });
  }
  if (status >= 500) {
    return idempotent
      ? new SyncError({ ...base, kind: 'retryable', message: `${title} ответил ошибкой сервера (HTTP ${status}). Повторим автоматически.` })
      : new SyncError({
          ...base,
          kind: 'needsAttention',
          message: `${title} ответил ошибкой сервера (HTTP ${status}); неизвестно, выполнена ли операция. Проверьте в ${title} и нажмите «Повторить».`,
        });
  }
  if (status === 404) {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${title}: объект не найден (HTTP 404). Проверьте адрес и данные.` });
  }
  if (status >= 400) {
    return new SyncError({ ...base, kind: 'needsAttention', message: `${title} отклонил данные (HTTP ${status}). Исправьте их и нажмите «Повторить».` });
  }
  return new SyncError({ ...base, kind: 'fatal', message: `${title} ответил неожиданно (HTTP ${status}).` });
}

function networkFailure(
  err: unknown,
  req: HttpRequest,
  idempotent: boolean,
  title: string,
  system: SystemId,
  detail: string,
  durationMs: number,
): SyncError {
  // got's RequestError carries the system error code as `code`, as Node's own errors do.
  const code = (err as { code?: string } | null)?.code;
  const full = `${detail}\n${code ?? ''} ${err instanceof Error ? err.message : String(err)} (${Math.round(durationMs)} мс)`;
  if (req.signal?.aborted) {
    return new SyncError({ kind: 'retryable', system, code: 'ABORTED', detail: full, message: `Запрос к ${title} прерван: Прилавок останавливается.` });
  }
  if (code && NOT_SENT.has(code)) {
    return new SyncError({
      kind: 'retryable',
      system,
      code,
      detail: full,
      message:
        code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `Не удаётся найти адрес ${title}. Проверьте интернет и адрес в настройках.`
          : `${title} недоступен: соединение не установлено. Повторим автоматически.`,
    });
  }
  const timeout = code === 'ETIMEDOUT';
  const what = timeout ? `${title} не ответил вовремя` : `Связь с ${title} оборвалась`;
  return idempotent
    ? new SyncError({ kind: 'retryable', system, code: code ?? null, detail: full, message: `${what}. Повторим автоматически.` })
    : new SyncError({
        kind: 'needsAttention',
        system,
        code: code ?? null,
        detail: full,
        message: `${what}; неизвестно, выполнена ли операция. Проверьте в ${title} и нажмите «Повторить».`,
      });
}
