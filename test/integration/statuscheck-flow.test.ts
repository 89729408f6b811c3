import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { pollerId, secretKey } from '../../src-main/engine/flows/statuscheck/index.js';
import { partnerTemplate } from '../../src-main/engine/flows/statuscheck/templates.js';
import { addDays, dayIn } from '../../src-main/engine/flows/statuscheck/macros.js';
import { connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startPartnerEmulator, type PartnerEmulator } from '../emulators/partner/server.js';
import { tempDir, waitFor } from '../helpers/temp.js';
import type { StatuscheckPreview } from '../../src-shared/api.js';

let emu: Emulators;
let partner: PartnerEmulator;
let engine: Engine;
let dataDir: string;
let cleanup: () => void;

/** A call centre that holds the shop's orders under its own ids (RetailCRM externalId «cc-N»). */
function partnerSettings(over: Record<string, unknown> = {}) {
  return {
    ...partnerTemplate('json', 'cc', 'Колл-центр', partner.url),
    enabled: true,
    holds: { sites: ['shop'], orderMethods: [], deliveryTypes: [], customField: null },
    modes: {
      processing: { enabled: true, intervalMin: 600, batchSize: 2 },
      accepted: { enabled: false, intervalMin: 600, batchSize: 100 },
      range: { enabled: false, intervalMin: 600, maxDays: 7, lookbackDays: 60 },
    },
    statusMap: { '2': 'availability-confirmed', '3': 'offer-analog', '5': 'cancel-other', '6': 'send-to-assembling', '8': 'delivering', '10': 'complete' },
    approveStatus: 'client-confirmed',
    ratePerSec: 20,
    ...over,
  };
}

async function openEngine(over: Record<string, unknown> = {}): Promise<Engine> {
  const e = await Engine.open({ dataDir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 500 }, runner: { idleMs: 50 } });
  await connectEngine(e, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600, courier: { enabled: false } });
  e.flows.statuscheck.save({ enabled: true, partners: [partnerSettings(over)] });
  await e.secrets.set(secretKey('cc', 'token'), 'T0K');
  await e.start();
  return e;
}

beforeEach(async () => {
  const t = tempDir();
  dataDir = t.dir;
  cleanup = t.cleanup;
  emu = await startEmulators();
  partner = await startPartnerEmulator({ token: 'T0K' });
});

afterEach(async () => {
  await engine.stop(0);
  await emu.close();
  await partner.close();
  cleanup();
});

const idle = () => waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 20_000);
const edits = () => emu.crm.requests.filter((r) => r.method === 'POST' && /\/api\/v5\/orders\/[^/]+\/edit$/.test(r.path));
const count = (table: string, where = '1 = 1') => (sql(engine.db, `SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;

async function check(mode: 'processing' | 'accepted' | 'range' = 'processing') {
  await engine.scheduler.syncNow(pollerId('cc', mode));
  await idle();
}

function fiveOrders() {
  const ids = [1, 2, 3, 4, 5].map((n) => emu.crm.createOrder({ externalId: `cc-${n}`, status: 'availability-confirmed', site: 'shop' }, { source: 'user' }).id);
  partner.setMany([
    { id: 'cc-1', status: 'Подтвержден', createdAt: '2025-03-05 10:00:00' },
    { id: 'cc-2', status: 'Отказ', reason: 'Дорого', comment: 'сказал, что дорого', createdAt: '2025-03-05 10:00:00' },
    { id: 'cc-3', status: 'В обработке', createdAt: '2025-03-05 10:00:00' },
    { id: 'cc-4', status: 'перезвонить', createdAt: '2025-03-05 10:00:00' },
    { id: 'cc-5', status: 'ZZZ', createdAt: '2025-03-05 10:00:00' },
  ]);
  return ids;
}

describe('проверка статусов у партнёра', () => {
  it('меняются только отличающиеся заказы, по одному разу — и после повторной проверки, и после перезапуска', async () => {
    const ids = fiveOrders();
    engine = await openEngine();
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    emu.crm.resetRequests();
    partner.clearRequests();

    await check();
    const status = (i: number) => emu.crm.getOrder(ids[i]!)!.status;
    expect([0, 1, 2, 3, 4].map(status)).toEqual(['client-confirmed', 'cancel-other', 'availability-confirmed', 'offer-analog', 'availability-confirmed']);
    expect(emu.crm.getOrder(ids[1]!)!.statusComment).toBe('Колл-центр: Отказ; причина отказа: Дорого; сказал, что дорого');
    expect(edits()).toHaveLength(3);
    // 5 orders in batches of 2: three requests, each listing its ids.
    expect(partner.requests().map((r) => JSON.parse(r.body).ids)).toEqual([['cc-1', 'cc-2'], ['cc-3', 'cc-4'], ['cc-5']]);

    // Our own edits come back through history and are skipped; the next check edits nothing.
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    await check();
    expect(edits()).toHaveLength(3);

    // The timeline of the refused order: the partner's answer and the edit.
    const local = engine.orders.idByRef(`retailcrm:${ids[1]}`)!;
    const actions = engine.timeline.forOrder(local).map((t) => t.action);
    expect(actions).toContain('Проверка у партнёра «Колл-центр»');
    expect(actions).toContain('Статус от партнёра в RetailCRM');

    await engine.stop(0);
    engine = await openEngine();
    await check();
    expect(edits()).toHaveLength(3);
    // A manager moves order 3 back to «Предложить замену»: the partner still says «В обработке», so it goes back — once.
    emu.crm.editOrder(ids[2]!, { status: 'offer-analog' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await check();
    expect(status(2)).toBe('availability-confirmed');
    await check();
    expect(edits()).toHaveLength(4);
    expect(count('error_log', "system = 'statuscheck'")).toBe(0);
  });

  it('«Проверить сейчас» отправляет один настоящий запрос и ничего не записывает', async () => {
    const ids = fiveOrders();
    engine = await openEngine({ enabled: false });
    const before = { jobs: count('jobs'), timeline: count('timeline'), errors: count('error_log'), store: count('statuscheck_orders'), health: count('statuscheck_partners') };
    partner.clearRequests();
    emu.crm.resetRequests();
    const r = await engine.api('statuscheck.preview', { partner: partnerSettings(), mode: 'processing' });
    expect(r.ok).toBe(true);
    const p = (r as { ok: true; result: StatuscheckPreview }).result;
    expect(partner.requests()).toHaveLength(1);
    expect(p.request!.headers.Authorization).toBe('Bearer •••token•••');
    expect(p.request!.body).toBe(JSON.stringify({ ids: ['cc-1', 'cc-2'] }));
    expect(p.rows.map((x) => x.status)).toEqual(['Подтвержден', 'Отказ']);
    expect(p.changes.map((c) => [c.number, c.to, c.willEdit])).toEqual([
      [emu.crm.getOrder(ids[0]!)!.number, 'client-confirmed', true],
      [emu.crm.getOrder(ids[1]!)!.number, 'cancel-other', true],
    ]);
    expect(p.message).toBe('Спросили о 2 заказах, получили 2 строк; изменилось бы заказов: 2. Ничего не записано.');
    expect(edits()).toHaveLength(0);
    expect(emu.crm.requests.every((q) => q.method === 'GET')).toBe(true);
    expect({ jobs: count('jobs'), timeline: count('timeline'), errors: count('error_log'), store: count('statuscheck_orders'), health: count('statuscheck_partners') }).toEqual(before);

    // Saving a partner with a bad code is refused with the field named, and the saved partners stay.
    const bad = await engine.api('statuscheck.save', { values: { enabled: true, partners: [{ ...partnerSettings(), id: 'Колл центр' }] } });
    expect(bad.ok).toBe(false);
    expect((bad as { ok: false; error: { message: string } }).error.message).toMatch(/^Настройки не сохранены: поле «partners\.0\.id»/);
    expect(engine.settings.get('statuscheck').partners.map((x) => x.id)).toEqual(['cc']);
  });

  it('партнёр, который падает, даёт одну запись в журнале ошибок, а не по одной на заказ или запрос', async () => {
    fiveOrders();
    engine = await openEngine({ modes: { processing: { enabled: true, intervalMin: 600, batchSize: 1 }, accepted: { enabled: false, intervalMin: 600, batchSize: 1 }, range: { enabled: false, intervalMin: 600, maxDays: 7, lookbackDays: 60 } } });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    partner.clearRequests();
    partner.fail({ status: 500, times: 1000 });
    await check();
    // The first request failed; the other four of the cycle were not sent while the partner is backed off.
    expect(partner.requests()).toHaveLength(1);
    await check();
    expect(partner.requests()).toHaveLength(1);
    // The backoff ends: the same problem again is not a new entry.
    sql(engine.db, "UPDATE statuscheck_partners SET blocked_until = 0 WHERE partner = 'cc'").run();
    await check();
    expect(partner.requests()).toHaveLength(2);
    const entries = sql(engine.db, "SELECT message, order_id FROM error_log WHERE system = 'statuscheck'").all() as Array<{ message: string; order_id: number | null }>;
    expect(entries).toEqual([{ message: 'Партнёр «Колл-центр» ответил ошибкой сервера (HTTP 500). Повторим автоматически.', order_id: null }]);
    expect(edits()).toHaveLength(0);

    // The partner is back: the checks go on and the orders are edited.
    partner.fail({ times: 0 });
    sql(engine.db, "UPDATE statuscheck_partners SET blocked_until = 0 WHERE partner = 'cc'").run();
    await check();
    expect(edits()).toHaveLength(3);
  });

  it('по диапазону дат, ответ в XML: только дни с заказами, строки о чужих заказах отклонены', async () => {
    const yesterday = addDays(dayIn(Date.now(), 'Europe/Moscow'), -1);
    const weekAgo = addDays(yesterday, -6);
    const ours = [
      emu.crm.createOrder({ externalId: 'cc-1', status: 'new', site: 'shop', createdAt: `${weekAgo} 10:00:00` }, { source: 'user' }).id,
      emu.crm.createOrder({ externalId: 'cc-2', status: 'assembling', site: 'shop', createdAt: `${yesterday} 23:30:00` }, { source: 'user' }).id,
    ];
    partner.setFormat('xml');
    partner.setMany([
      { id: 'cc-1', status: '8', createdAt: `${weekAgo} 10:00:00` },
      { id: 'cc-2', status: 'Доставлен', createdAt: `${yesterday} 23:30:00` },
      { id: 'cc-77', status: 'cancel', createdAt: `${yesterday} 11:00:00` },
    ]);
    engine = await openEngine({
      modes: {
        processing: { enabled: false, intervalMin: 600, batchSize: 100 },
        accepted: { enabled: false, intervalMin: 600, batchSize: 100 },
        range: { enabled: true, intervalMin: 600, maxDays: 3, lookbackDays: 30 },
      },
      answerFormat: 'auto',
      expression: 'response.orders.order.{ "id": id, "status": status }',
      paging: { param: 'page', totalPages: 'response.pages', maxPages: 5 },
      statusMap: { '2': 'new', '5': 'cancel-other', '6': 'assembling', '8': 'delivering', '9': 'ready-for-self-pickup' },
    });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    partner.clearRequests();
    await check('range');
    // Two days hold orders, six days apart: two ranges of one day each, whole days in Moscow time.
    expect(partner.requests().map((r) => JSON.parse(r.body))).toEqual([
      { from: `${weekAgo} 00:00:00`, to: `${weekAgo} 23:59:59`, page: '1' },
      { from: `${yesterday} 00:00:00`, to: `${yesterday} 23:59:59`, page: '1' },
    ]);
    expect(ours.map((id) => emu.crm.getOrder(id)!.status)).toEqual(['delivering', 'ready-for-self-pickup']);
    expect(edits()).toHaveLength(2);
    const results = (sql(engine.db, "SELECT result FROM jobs WHERE kind = 'statuscheck.check' ORDER BY id").all() as Array<{ result: string }>).map((r) => JSON.parse(r.result) as { notAsked: number; rows: number });
    expect(results.map((r) => [r.rows, r.notAsked])).toEqual([[1, 0], [2, 1]]);
  });

  it('статус у партнёра ходит по кругу (Перезвонить → Обработка → Перезвонить): каждая смена — одна правка, ожидающая правка не удваивается', async () => {
    const id = emu.crm.createOrder({ externalId: 'cc-1', status: 'availability-confirmed', site: 'shop' }, { source: 'user' }).id;
    engine = await openEngine();
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    emu.crm.resetRequests();
    const answer = (status: string) => partner.set({ id: 'cc-1', status, createdAt: '2025-03-05 10:00:00' });
    const seen: string[] = [];
    for (const word of ['Перезвонить', 'В обработке', 'Перезвонить', 'Перезвонить']) {
      answer(word);
      await check();
      seen.push(emu.crm.getOrder(id)!.status);
    }
    expect(seen).toEqual(['offer-analog', 'availability-confirmed', 'offer-analog', 'offer-analog']);
    expect(edits()).toHaveLength(3);

    // RetailCRM refuses for a while: the next checks plan the same pending edit, not another one.
    answer('В обработке');
    emu.crm.faults.failNext(1000, 503);
    await engine.scheduler.syncNow(pollerId('cc', 'processing'));
    await waitFor(() => count('jobs', "kind = 'statuscheck.edit' AND state = 'retrying'") === 1, 'the edit to wait for RetailCRM');
    await engine.scheduler.syncNow(pollerId('cc', 'processing'));
    await waitFor(() => count('jobs', "kind = 'statuscheck.check' AND state IN ('queued', 'running')") === 0, 'the second check');
    expect(count('jobs', "kind = 'statuscheck.edit'")).toBe(4);
  });
});
