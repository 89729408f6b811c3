import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statuscheckPartnerSchema } from '../../src-shared/settings.js';
import { createHttpClient } from '../../src-main/engine/http/client.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { runCheck } from '../../src-main/engine/flows/statuscheck/check.js';
import { planBatches, planRanges, type Partner, type TrackedOrder } from '../../src-main/engine/flows/statuscheck/rules.js';
import { partnerTemplate } from '../../src-main/engine/flows/statuscheck/templates.js';
import { startPartnerEmulator, type PartnerEmulator } from '../emulators/partner/server.js';
import { startRetailCrmEmulator, type RetailCrmEmulator } from '../emulators/retailcrm/server.js';
import { SyncError } from '../../src-main/engine/errors.js';

const http = createHttpClient({ system: 'statuscheck', redactor: new Redactor(), timeoutMs: 5000 });
let partner: PartnerEmulator;
let crm2: RetailCrmEmulator;

beforeAll(async () => {
  partner = await startPartnerEmulator({ token: 'T0K', pageSize: 2 });
  crm2 = await startRetailCrmEmulator({ keys: [{ key: 'other-key', scopes: ['order_read'] }], rateLimit: 0 });
});
afterAll(async () => {
  await partner.close();
  await crm2.close();
});

function json(over: Record<string, unknown> = {}): Partner {
  return statuscheckPartnerSchema.parse({
    ...partnerTemplate('json', 'cc', 'Колл-центр', partner.url),
    statusMap: { '3': 'cc-callback', '5': 'cancel-other', '10': 'complete' },
    approveStatus: 'client-confirmed',
    ...over,
  });
}
const secrets = (n: string) => ({ token: 'T0K', apiKey: 'other-key' })[n] ?? null;

function tracked(crmId: number, partnerId: string, createdAt: number | null = null): TrackedOrder {
  return { crmId, number: `${crmId}A`, partnerId, status: 'new', createdAt, track: null, reasonValue: null, lastCheckedAt: null };
}

describe('одна проверка у партнёра по настоящему HTTP', () => {
  it('по списку: JSON-запрос с массивом внешних id, ответ — строки и решения; токен скрыт в показанном запросе', async () => {
    partner.setMany([
      { id: 'E1', status: 'Подтвержден', createdAt: '2025-03-05 10:00:00' },
      { id: 'E2', status: 'Отказ', reason: 'Дорого', createdAt: '2025-03-05 11:00:00' },
      { id: 'E9', status: 'cancel', createdAt: '2025-03-05 11:00:00' },
    ]);
    partner.clearRequests();
    const [ask] = planBatches('processing', [tracked(1, 'E1'), tracked(2, 'E2'), tracked(3, 'E3')], 100);
    const r = await runCheck(json(), ask!, { http, secret: secrets });
    const sent = partner.requests()[0]!;
    expect(sent.method).toBe('POST');
    expect(JSON.parse(sent.body)).toEqual({ ids: ['E1', 'E2', 'E3'] });
    expect(sent.headers.authorization).toBe('Bearer T0K');
    expect(r.requests[0]!.shown.headers.Authorization).toBe('Bearer •••token•••');
    expect(r.rows.map((x) => [x.id, x.status[0]])).toEqual([['E1', 'Подтвержден'], ['E2', 'Отказ']]);
    expect(r.decisions.verdicts.map((v) => v.patch?.status)).toEqual(['client-confirmed', 'cancel-other']);
    expect(r.decisions.silent).toBe(1);
  });

  it('XML-ответ по диапазону дат с {ffrom}/{fto} и страницами', async () => {
    partner.setFormat('xml');
    partner.clearRequests();
    try {
      const p = json({
        answerFormat: 'auto',
        expression: 'response.orders.order.{ "id": id, "status": status, "reason": reason }',
        paging: { param: 'page', totalPages: 'response.pages', maxPages: 10 },
      });
      const at = Date.parse('2025-03-05T12:00:00+03:00');
      const [ask] = planRanges([tracked(1, 'E1', at), tracked(2, 'E2', at)], { timeZone: 'Europe/Moscow', maxDays: 7, lookbackDays: 30, now: at });
      const r = await runCheck(p, ask!, { http, secret: secrets });
      const bodies = partner.requests().map((q) => JSON.parse(q.body) as Record<string, unknown>);
      expect(bodies).toEqual([
        { from: '2025-03-05 00:00:00', to: '2025-03-05 23:59:59', page: '1' },
        { from: '2025-03-05 00:00:00', to: '2025-03-05 23:59:59', page: '2' },
      ]);
      expect(r.rows.map((x) => x.id).sort()).toEqual(['E1', 'E2', 'E9']);
      // E9 was not asked about: refused even though the partner sent it.
      expect(r.decisions.notAsked).toEqual(['E9']);
      expect(r.decisions.verdicts.map((v) => v.crmId).sort()).toEqual([1, 2]);
    } finally {
      partner.setFormat('json');
    }
  });

  it('ошибки партнёра: 500 — временная, 401 — доступ, битый ответ — по-русски', async () => {
    const [ask] = planBatches('processing', [tracked(1, 'E1')], 100);
    partner.fail({ status: 500 });
    await expect(runCheck(json(), ask!, { http, secret: secrets })).rejects.toMatchObject({ kind: 'retryable', message: 'Партнёр «Колл-центр» ответил ошибкой сервера (HTTP 500). Повторим автоматически.' });
    await expect(runCheck(json(), ask!, { http, secret: () => 'wrong' })).rejects.toMatchObject({ kind: 'auth', message: 'Партнёр «Колл-центр» отказал в доступе (HTTP 401): проверьте ключ в настройках партнёра.' });
    partner.fail({ malformed: true });
    const e = await runCheck(json(), ask!, { http, secret: secrets }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SyncError);
    expect((e as SyncError).message).toBe('Партнёр ответил не в формате JSON.');
  });

  it('шаблон «другой аккаунт RetailCRM»: orders/statuses по externalIds[] и orders по датам', async () => {
    const a = crm2.createOrder({ externalId: '101', status: 'delivering' });
    crm2.createOrder({ externalId: '102', status: 'cancel-other' });
    crm2.createOrder({ externalId: '999', status: 'complete' });
    const p = statuscheckPartnerSchema.parse({
      ...partnerTemplate('retailcrm', 'shop2', 'Второй магазин', crm2.url),
      statusMap: { '5': 'cancel-other', '8': 'delivering-here' },
    });
    const [ask] = planBatches('accepted', [tracked(101, '101'), tracked(102, '102')], 100);
    crm2.resetRequests();
    const r = await runCheck(p, ask!, { http, secret: secrets });
    expect(crm2.requests.map((q) => [q.method, q.path, q.status])).toEqual([['GET', '/api/v5/orders/statuses', 200]]);
    expect(r.requests[0]!.shown.url).toBe(`${crm2.url}/api/v5/orders/statuses?externalIds%5B%5D=101&externalIds%5B%5D=102`);
    expect(r.decisions.verdicts.map((v) => [v.crmId, v.patch?.status])).toEqual([[101, 'delivering-here'], [102, 'cancel-other']]);

    const created = Date.parse(a.createdAt!.replace(' ', 'T') + '+03:00');
    const [range] = planRanges([tracked(101, '101', created)], { timeZone: 'Europe/Moscow', maxDays: 7, lookbackDays: 30, now: created });
    const rr = await runCheck(p, range!, { http, secret: secrets });
    expect(rr.requests[0]!.shown.url).toContain('/api/v5/orders?filter%5BcreatedAtFrom%5D=');
    expect(rr.decisions.verdicts.map((v) => v.crmId)).toEqual([101]);
    expect(rr.decisions.notAsked.sort()).toEqual(['102', '999']);
  });

  it('партнёр с исключающей датой конца: {to} теряет последний день, {tom} — нет', async () => {
    const excl = await startPartnerEmulator({ exclusiveEnd: true });
    try {
      excl.setMany([
        { id: 'E1', status: 'accept', createdAt: '2025-03-05 09:00:00' },
        { id: 'E2', status: 'cancel', createdAt: '2025-03-06 23:30:00' },
      ]);
      const at = (s: string) => Date.parse(s);
      const [range] = planRanges([tracked(1, 'E1', at('2025-03-05T09:00:00+03:00')), tracked(2, 'E2', at('2025-03-06T23:30:00+03:00'))], {
        timeZone: 'Europe/Moscow',
        maxDays: 7,
        lookbackDays: 30,
        now: at('2025-03-07T12:00:00+03:00'),
      });
      expect(range!.range).toEqual({ from: '2025-03-05', to: '2025-03-06' });
      const base = { ...partnerTemplate('json', 'x', 'Партнёр', excl.url), secrets: [], rangeRequest: null };
      const withTo = statuscheckPartnerSchema.parse({ ...base, request: { method: 'GET', url: `${excl.url}/status?from={from}&to={to}` } });
      const withTom = statuscheckPartnerSchema.parse({ ...base, request: { method: 'GET', url: `${excl.url}/status?from={from}&to={tom}` } });
      const r1 = await runCheck(withTo, range!, { http, secret: secrets });
      const r2 = await runCheck(withTom, range!, { http, secret: secrets });
      expect(r1.requests[0]!.shown.url).toBe(`${excl.url}/status?from=2025-03-05&to=2025-03-06`);
      expect(r2.requests[0]!.shown.url).toBe(`${excl.url}/status?from=2025-03-05&to=2025-03-07`);
      expect(r1.rows.map((x) => x.id)).toEqual(['E1']);
      expect(r2.rows.map((x) => x.id)).toEqual(['E1', 'E2']);
    } finally {
      await excl.close();
    }
  });
});
