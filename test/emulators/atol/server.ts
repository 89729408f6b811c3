import { randomBytes, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  issuesText,
  operationSupported,
  validateAtolRequest,
  type AtolOperation,
  type AtolVersion,
} from '../../../src-main/engine/connectors/kassa/schema.js';

/**
 * A local ATOL Online (contracts/atol-online.md), both `/possystem/v4/…` and `/possystem/v5/…`:
 * getToken (POST JSON or legacy GET) with a configurable lifetime and a new token per call; registration
 * validated by the same current request schemas and arithmetic the connector uses — v4 document 5.23, v5
 * document 3.12: the VAT list with 5/7/22 %, amounts up to 10 000 000 000, quantities with six decimals,
 * sum = price × quantity, lengths in UTF-16 units, v5's phone/sno rules (32 «Ошибочные поля»), 41 on a wrong Content-Type,
 * 10/11 on a missing/expired token, 20 for a foreign group, 21 for a group of the other protocol version,
 * 31 for an unsupported operation; (group, external_id) → uuid with 33 and the first uuid; reports `wait` →
 * `done`/`fail` after a configurable delay, 34 with HTTP 200 while a document is unknown (or older than 32
 * days); the callback POST to `service.callback_url`; injectable KKT errors; KKT checks of INN/payment_address
 * and payments; 1 report request/s per group; fault injection (latency, 5xx, dropped connections, malformed
 * bodies).
 *
 * The answer to a report request over the 1 rps limit is not documented: the emulator answers HTTP 429 with
 * `Retry-After: 1` and an ATOL-shaped `system` error, and counts it in `rateViolations`.
 */

export interface AtolGroup {
  code: string;
  version: AtolVersion;
  /** The KKT's registration: a receipt with another INN or payment_address fails with driver error 2. */
  inn?: string;
  paymentAddress?: string;
}

export interface AtolAccount {
  login: string;
  password: string;
  groups: AtolGroup[];
}

export interface AtolEmulatorOptions {
  accounts?: AtolAccount[];
  /** Token lifetime (default 24 h). */
  tokenTtlMs?: number;
  /** From registration to `done`/`fail` (default 100 ms). */
  processingMs?: number;
  /** While a fresh document is not yet visible to reports: 34 (default 0). */
  invisibleMs?: number;
  /** Report requests per second per group; 0 = unlimited (default 1). */
  reportRatePerSec?: number;
  /** Callbacks on `done`/`fail` when the request had `service.callback_url` (default on). */
  callbacks?: 'on' | 'off';
  /** Extra delay before the callback, e.g. beyond 300 s to make the client poll (default 0). */
  callbackDelayMs?: number;
  /** HTTP status of a wrong login or password: 401 (v4) or 400 (older deployments). */
  badLoginStatus?: 400 | 401;
}

export interface AtolDocument {
  uuid: string;
  groupCode: string;
  version: AtolVersion;
  operation: AtolOperation;
  externalId: string;
  body: Record<string, unknown>;
  callbackUrl: string | null;
  createdAt: number;
  readyAt: number;
  status: 'wait' | 'done' | 'fail';
  error: { code: number; text: string; type: string } | null;
  payload: Record<string, unknown> | null;
}

export interface AtolEmulator {
  url: string;
  close(): Promise<void>;
  documents(): AtolDocument[];
  document(uuidOrExternalId: string): AtolDocument | undefined;
  tokensIssued(): number;
  /** Every token issued so far expires now (the next call gets 11). */
  expireTokens(): void;
  /** The next n documents fail in the KKT with this error (driver codes are negative; `timeout` is code 1). */
  failNextDocuments(n: number, error: { code: number; text?: string; type?: 'driver' | 'timeout' | 'system' | 'unknown' }): void;
  /** The next n register requests are answered with this service error (HTTP status per the protocol). */
  serviceErrorNext(n: number, code: number): void;
  /** Moves every document's creation back (to test the 32-day report window). */
  ageDocuments(ms: number): void;
  faults: { latencyMs: number; failNext(n: number, status?: number): void; dropNext(n: number): void; malformedNext(n: number): void };
  requests: Array<{ method: string; path: string; status: number; code: number | null; at: number; headers: Record<string, string | string[] | undefined>; body: string }>;
  /** Arrival times of report requests, per group. */
  reportTimes(group: string): number[];
  rateViolations(): number;
  callbacks: Array<{ url: string; status: number | null; body: string }>;
  callbacksSettled(): Promise<void>;
}

type Json = Record<string, unknown>;

const ERRORS: Record<number, { http: number; text: string }> = {
  0: { http: 400, text: 'Неизвестная ошибка' },
  1: { http: 400, text: 'Ошибка обработки входящего документа' },
  10: { http: 401, text: 'Не передан токен доступа' },
  11: { http: 401, text: 'Срок действия переданного токена доступа истёк' },
  12: { http: 401, text: 'Неверный логин или пароль' },
  13: { http: 400, text: 'Ошибка валидации запроса авторизации' },
  14: { http: 401, text: 'Пользователь заблокирован' },
  20: { http: 401, text: 'Переданный код группы не соответствует токену' },
  21: { http: 401, text: 'Группа не поддерживает данную версию протокола' },
  30: { http: 400, text: 'Не передан uuid' },
  31: { http: 400, text: 'Операция не поддерживается' },
  32: { http: 400, text: 'Ошибка валидации входящего чека' },
  33: { http: 400, text: 'В системе существует чек с external_id и group_code' },
  34: { http: 200, text: 'Состояние чека не найдено. Попробуйте позднее' },
  40: { http: 400, text: 'Некорректный запрос' },
  41: { http: 415, text: 'Неверный Content-Type' },
  50: { http: 500, text: 'Ошибка конфигурации сервера' },
};

const DEFAULT_ACCOUNTS: AtolAccount[] = [
  { login: 'v4-online-atol-ru', password: 'iGFFuihss', groups: [{ code: 'v4-online-atol-ru_4179', version: 'v4', inn: '5544332219', paymentAddress: 'https://v4.online.atol.ru' }] },
  { login: 'v5-online-atol-ru', password: 'zUr0OxfI', groups: [{ code: 'v5-online-atol-ru_5179', version: 'v5', inn: '5544332219', paymentAddress: 'https://v5.online.atol.ru' }] },
];

const DAY = 86_400_000;

/** `dd.mm.yyyy HH:MM:SS` in Moscow time (UTC+3, no DST). */
function stamp(ms: number): string {
  const d = new Date(ms + 3 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

const toKop = (v: unknown): number => (typeof v === 'number' ? Math.round(v * 100) : 0);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startAtolEmulator(o: AtolEmulatorOptions = {}): Promise<AtolEmulator> {
  const accounts = o.accounts ?? DEFAULT_ACCOUNTS;
  const tokenTtlMs = o.tokenTtlMs ?? DAY;
  const processingMs = o.processingMs ?? 100;
  const invisibleMs = o.invisibleMs ?? 0;
  const reportRate = o.reportRatePerSec ?? 1;
  const callbacksOn = (o.callbacks ?? 'on') === 'on';

  const tokens = new Map<string, { login: string; expiresAt: number }>();
  let issued = 0;
  const docs = new Map<string, AtolDocument>();
  const byExternal = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  let injectedDocErrors: Array<{ code: number; text: string; type: string }> = [];
  let injectedService: number[] = [];
  let fiscalSeq = 0;
  const shift = 1;
  const reportLog = new Map<string, number[]>();
  let violations = 0;

  const requests: AtolEmulator['requests'] = [];
  let failQueue: number[] = [];
  let drop = 0;
  let malformed = 0;
  const faults: AtolEmulator['faults'] = {
    latencyMs: 0,
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

  // ------------------------------------------------------------------------------------ callbacks

  const callbacks: AtolEmulator['callbacks'] = [];
  const pending = new Set<Promise<void>>();
  async function postCallback(url: string, body: string): Promise<void> {
    let status: number | null;
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body, signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      status = r.status;
    } catch {
      status = null;
    }
    callbacks.push({ url, status, body });
  }

  // ------------------------------------------------------------------------------------ documents

  const reportOf = (d: AtolDocument): Json => ({
    uuid: d.uuid,
    error: d.error ? { error_id: randomUUID(), code: d.error.code, text: d.error.text, type: d.error.type } : null,
    status: d.status,
    payload: d.payload,
    timestamp: stamp(Date.now()),
    group_code: d.groupCode,
    daemon_code: 'prod-agent-1',
    device_code: 'KKT014034',
    callback_url: d.callbackUrl ?? '',
    external_id: d.externalId,
    ...(d.version === 'v5' ? { warnings: null } : {}),
  });

  const marks = (r: Json): Array<{ position: number; mark_code: string; result: number }> =>
    (Array.isArray(r.items) ? (r.items as Json[]) : []).flatMap((it, position) => {
      const code = it.mark_code && typeof it.mark_code === 'object' ? Object.values(it.mark_code as Json)[0] : undefined;
      return typeof code === 'string' ? [{ position, mark_code: code, result: 15 }] : [];
    });

  /** What the KKT does with a receipt: the injected error, the registration checks, or the fiscal data. */
  function fiscalise(d: AtolDocument, group: AtolGroup): void {
    if (d.status !== 'wait') return;
    const injected = injectedDocErrors.shift();
    const r = (d.body.receipt ?? d.body.correction) as Json;
    const company = (r.company ?? {}) as Json;
    const total = toKop(r.total);
    const payments = Array.isArray(r.payments) ? (r.payments as Json[]) : [];
    const paid = payments.reduce((a, p) => a + toKop(p.sum), 0);
    const cashless = payments.filter((p) => p.type !== 0).reduce((a, p) => a + toKop(p.sum), 0);
    let error: AtolDocument['error'] = null;
    if (injected) error = injected;
    else if ((group.inn && company.inn !== group.inn) || (group.paymentAddress && company.payment_address !== group.paymentAddress)) {
      error = { code: 2, text: 'ИНН и/или адрес расчётов не совпадают с регистрационными данными ККТ', type: 'driver' };
    } else if (d.body.receipt && cashless > total) error = { code: -3896, text: 'Сумма безналичных оплат больше суммы чека', type: 'driver' };
    else if (d.body.receipt && paid < total) error = { code: -3897, text: 'Чек оплачен не полностью', type: 'driver' };
    if (error) {
      d.status = 'fail';
      d.error = error;
      d.payload = null;
    } else {
      fiscalSeq++;
      d.status = 'done';
      d.payload = {
        fiscal_receipt_number: fiscalSeq,
        shift_number: shift,
        receipt_datetime: stamp(Date.now()),
        total: total / 100,
        fn_number: '9999078900004792',
        ecr_registration_number: '0000000001002292',
        fiscal_document_number: 1000 + fiscalSeq,
        fiscal_document_attribute: 1_000_000_000 + (randomBytes(4).readUInt32BE(0) % 3_000_000_000),
        fns_site: 'www.nalog.gov.ru',
        // Both documents' report examples carry the OFD (5.23 §6.3, 3.12 §5.3).
        ofd_inn: '7704211201',
        ofd_receipt_url: `https://consumer.1-ofd.ru/v1?fn=9999078900004792&i=${1000 + fiscalSeq}`,
        // v5 reports the check of every marked item (3.12 §5.3); 15 is the value of the document's example.
        ...(d.version === 'v5' && marks(r).length ? { marks_result: marks(r) } : {}),
      };
    }
    if (callbacksOn && d.callbackUrl) {
      const url = d.callbackUrl;
      const body = JSON.stringify(reportOf(d));
      const send = () => {
        const p = postCallback(url, body).finally(() => pending.delete(p));
        pending.add(p);
      };
      if ((o.callbackDelayMs ?? 0) > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, o.callbackDelayMs);
        timers.add(t);
      } else send();
    }
  }

  // ------------------------------------------------------------------------------------ answers

  const now = () => Date.now();
  const errorBody = (code: number, extra: Json = {}, text?: string): { status: number; body: Json } => ({
    status: ERRORS[code]?.http ?? 400,
    body: { error: { error_id: randomUUID(), code, text: text ?? ERRORS[code]?.text ?? 'Ошибка', type: 'system' }, status: 'fail', timestamp: stamp(now()), ...extra },
  });

  function accountOfToken(req: IncomingMessage, url: URL): { login: string } | { error: number } {
    const raw = req.headers.token ?? url.searchParams.get('token') ?? undefined;
    const t = Array.isArray(raw) ? raw[0] : raw;
    if (!t) return { error: 10 };
    const entry = tokens.get(t);
    if (!entry || entry.expiresAt <= now()) return { error: 11 };
    return { login: entry.login };
  }

  function getToken(login: unknown, pass: unknown, version: AtolVersion): { status: number; body: Json } {
    if (typeof login !== 'string' || typeof pass !== 'string' || !login || !pass || login.length > 100 || pass.length > 100) {
      return errorBody(version === 'v5' ? 13 : 12);
    }
    const acc = accounts.find((a) => a.login === login && a.password === pass);
    if (!acc) {
      const e = errorBody(12);
      return { status: o.badLoginStatus ?? 401, body: { error: e.body.error, timestamp: e.body.timestamp } };
    }
    const token = randomBytes(64).toString('hex');
    issued++;
    tokens.set(token, { login, expiresAt: now() + tokenTtlMs });
    return { status: 200, body: { error: null, token, timestamp: stamp(now()) } };
  }

  async function api(req: IncomingMessage, url: URL, raw: string): Promise<{ status: number; body: Json }> {
    const method = req.method ?? 'GET';
    const m = /^\/possystem\/(v4|v5)\/(.+)$/.exec(url.pathname);
    if (!m) return errorBody(40, {}, 'Неизвестный адрес');
    const version = m[1] as AtolVersion;
    const rest = m[2]!.split('/').map(decodeURIComponent);

    if (rest.length === 1 && rest[0] === 'getToken') {
      if (method === 'GET') return getToken(url.searchParams.get('login'), url.searchParams.get('pass'), version);
      if (method !== 'POST') return errorBody(40);
      const ct = String(req.headers['content-type'] ?? '');
      if (!ct.toLowerCase().startsWith('application/json')) return errorBody(41);
      let b: Json;
      try {
        b = JSON.parse(raw) as Json;
      } catch {
        return errorBody(0, {}, 'Некорректный JSON');
      }
      return getToken(b.login, b.pass, version);
    }

    const groupCode = rest[0]!;
    const auth = accountOfToken(req, url);
    if ('error' in auth) return errorBody(auth.error);
    const account = accounts.find((a) => a.login === auth.login)!;
    const group = account.groups.find((g) => g.code === groupCode);
    if (!group) return errorBody(20);
    if (group.version !== version) return errorBody(21);

    // ---- report
    if (rest.length === 3 && rest[1] === 'report' && method === 'GET') {
      const uuid = rest[2]!;
      if (reportRate > 0) {
        const log = reportLog.get(groupCode) ?? [];
        const t = now();
        const last = log[log.length - 1];
        log.push(t);
        reportLog.set(groupCode, log);
        // 50 ms of tolerance for scheduling jitter between the client's timer and our clock.
        if (last !== undefined && t - last < 1000 / reportRate - 50) {
          violations++;
          return { status: 429, body: { ...errorBody(0, {}, 'Превышен лимит: не больше 1 запроса отчёта в секунду на кассу').body } };
        }
      }
      const d = docs.get(uuid);
      if (!d || d.groupCode !== groupCode || now() - d.createdAt < invisibleMs || now() - d.createdAt > 32 * DAY) {
        return { status: 200, body: { ...errorBody(34).body, status: 'wait', uuid, callback_url: '' } };
      }
      if (d.status === 'wait' && now() >= d.readyAt) fiscalise(d, group);
      return { status: 200, body: reportOf(d) };
    }

    // ---- registration
    if (rest.length !== 2 || method !== 'POST') return errorBody(40);
    const op = rest[1]!;
    if (!operationSupported(version, op)) return errorBody(31);
    const ct = String(req.headers['content-type'] ?? '');
    if (!ct.toLowerCase().startsWith('application/json')) return errorBody(41);
    const injected = injectedService.shift();
    if (injected !== undefined) return errorBody(injected);
    let body: Json;
    try {
      body = JSON.parse(raw) as Json;
    } catch {
      return errorBody(0, {}, 'Некорректный JSON');
    }
    const issues = validateAtolRequest(version, op, body);
    if (issues.length > 0) return errorBody(32, {}, `Ошибочные поля: ${issuesText(issues)}`);

    const externalId = String(body.external_id);
    const key = `${groupCode}\u0000${externalId}`;
    const existing = byExternal.get(key);
    if (existing) {
      const d = docs.get(existing)!;
      return { status: 400, body: { ...errorBody(33, {}, `В системе существует чек с external_id : ${externalId} и group_code: ${groupCode}`).body, uuid: d.uuid, status: d.status === 'wait' ? 'wait' : d.status } };
    }
    const uuid = randomUUID();
    const service = (body.service ?? {}) as Json;
    const t = now();
    const d: AtolDocument = {
      uuid,
      groupCode,
      version,
      operation: op,
      externalId,
      body,
      callbackUrl: typeof service.callback_url === 'string' ? service.callback_url : null,
      createdAt: t,
      readyAt: t + processingMs,
      status: 'wait',
      error: null,
      payload: null,
    };
    docs.set(uuid, d);
    byExternal.set(key, uuid);
    const timer = setTimeout(() => {
      timers.delete(timer);
      fiscalise(d, group);
    }, processingMs);
    timers.add(timer);
    return { status: 200, body: { uuid, timestamp: stamp(t), error: null, status: 'wait' } };
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const entry: AtolEmulator['requests'][number] = { method: req.method ?? 'GET', path: url.pathname, status: 0, code: null, at: Date.now(), headers: req.headers, body: raw };
    requests.push(entry);
    const send = (status: number, body: Json, headers: Record<string, string> = {}) => {
      entry.status = status;
      const err = body.error as Json | null | undefined;
      entry.code = err && typeof err.code === 'number' ? err.code : null;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
    };

    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (drop > 0) {
      drop--;
      req.socket.destroy();
      return;
    }
    const failStatus = failQueue.shift();
    if (failStatus !== undefined) {
      if (failStatus === 500) return send(500, errorBody(50).body);
      return send(failStatus, { error: { error_id: randomUUID(), code: 0, text: `HTTP ${failStatus}`, type: 'system' } }, failStatus === 503 || failStatus === 429 ? { 'retry-after': '1' } : {});
    }
    if (malformed > 0) {
      malformed--;
      entry.status = 200;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"uuid":"');
      return;
    }
    const out = await api(req, url, raw);
    send(out.status, out.body, out.status === 429 ? { 'retry-after': '1' } : {});
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 50, text: String(err), type: 'system' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const emulator: AtolEmulator = {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await emulator.callbacksSettled();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
    documents: () => [...docs.values()],
    document: (key) => docs.get(key) ?? [...docs.values()].find((d) => d.externalId === key),
    tokensIssued: () => issued,
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    failNextDocuments(n, error) {
      const e = { code: error.code, text: error.text ?? `Ошибка ККТ ${error.code}`, type: error.type ?? (error.code < 0 ? 'driver' : 'system') };
      injectedDocErrors = [...injectedDocErrors, ...Array.from({ length: n }, () => e)];
    },
    serviceErrorNext(n, code) {
      injectedService = [...injectedService, ...Array.from({ length: n }, () => code)];
    },
    ageDocuments(ms) {
      for (const d of docs.values()) d.createdAt -= ms;
    },
    faults,
    requests,
    reportTimes: (g) => [...(reportLog.get(g) ?? [])],
    rateViolations: () => violations,
    callbacks,
    async callbacksSettled() {
      // Bounded: each delivery has its own 5 s timeout.
      for (let i = 0; i < 20 && pending.size > 0; i++) await Promise.allSettled([...pending]);
    },
  };
  return emulator;
}
