import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../src-shared/api.js';
import { Engine } from '../../src-main/engine/engine.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { makeTempDir, removeDir } from './support.js';

let dir: string;
let engine: Engine;

beforeEach(async () => {
  dir = makeTempDir();
  engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
});
afterEach(async () => {
  await engine.stop();
  removeDir(dir);
});

function failed(r: ApiResponse<unknown>) {
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('expected a failure');
  return r.error;
}

function result<T = Record<string, unknown>>(r: ApiResponse<unknown>): T {
  if (!r.ok) throw new Error(`expected success, got: ${r.error.message}`);
  return r.result as T;
}

describe('the API dispatcher', () => {
  it('an unknown method is refused as a value, not thrown', async () => {
    const error = failed(await engine.api('orders.delete', {}));
    expect(error).toEqual({ kind: 'fatal', message: 'Неизвестная команда', detail: 'unknown method orders.delete' });
    failed(await engine.api('toString', {}));
    failed(await engine.api('__proto__', {}));
  });

  it('invalid input is refused with a Russian message naming the field', async () => {
    const error = failed(await engine.api('orders.list', { limit: 0 }));
    expect(error.kind).toBe('needsAttention');
    expect(error.message).toMatch(/^Неверный запрос: поле «limit» — /);
    // zod itself speaks Russian inside the engine.
    expect(error.message.replace(/^Неверный запрос: поле «limit» — /, '')).toMatch(/[а-яё]{4,}/i);
  });

  it('unexpected fields and wrong types are refused too', async () => {
    expect(failed(await engine.api('engine.status', { extra: 1 })).kind).toBe('needsAttention');
    expect(failed(await engine.api('orders.get', { id: '5' })).message).toMatch(/поле «id»/);
    expect(failed(await engine.api('settings.setSecret', { key: 'retailcrm.apiKey' })).message).toMatch(/поле «value»/);
    expect(failed(await engine.api('settings.setSecret', { key: 'ssh.privateKey', value: 'x' })).message).toMatch(/поле «key»/);
  });

  it('a missing input counts as an empty object', async () => {
    expect(result(await engine.api('engine.status', undefined))).toMatchObject({ version: expect.any(String), paused: false });
  });

  it('a saved secret is never returned: settings.setSecret and settings.get only say it is set', async () => {
    const apiKey = 'Xk29fLq0vRT-retailcrm-key';
    const afterSet = await engine.api('settings.setSecret', { key: 'retailcrm.apiKey', value: apiKey });
    const got = await engine.api('settings.get', {});
    expect(JSON.stringify([afterSet, got])).not.toContain(apiKey);
    expect(result<{ secrets: Record<string, { set: boolean }> }>(got).secrets['retailcrm.apiKey']?.set).toBe(true);
    expect(result<{ secrets: Record<string, { set: boolean }> }>(got).secrets['measoft.password']?.set).toBe(false);
    expect(engine.secrets.get('retailcrm.apiKey')).toBe(apiKey);
  });

  it('a secret that slips into a failure is masked before it leaves the engine', async () => {
    const password = 'hunter22-measoft';
    result(await engine.api('settings.setSecret', { key: 'measoft.password', value: password }));
    engine.connectionTests.set('measoft', async () => {
      throw new SyncError({ kind: 'auth', system: 'measoft', message: `Пароль ${password} не подошёл`, detail: `<auth pass="${password}"/>` });
    });
    const r = await engine.api('connections.test', { system: 'measoft' });
    expect(JSON.stringify(r)).not.toContain(password);
    expect(result(r)).toMatchObject({ ok: false, message: 'Пароль *** не подошёл' });
  });

  it('new credentials send the jobs that stopped on an access error back to the queue', async () => {
    const { job } = engine.queue.enqueue({ kind: 'retailcrm.createOrder', connector: 'retailcrm', key: 'crm:1', payload: {} });
    const [claimed] = engine.queue.claim('retailcrm', 1, 60_000);
    engine.queue.fail(claimed!, new SyncError({ kind: 'auth', message: 'Неверный API-ключ' }), 1);

    result(await engine.api('settings.setSecret', { key: 'retailcrm.apiKey', value: 'new-key-123456' }));
    expect(engine.queue.get(job.id)?.state).toBe('queued');
  });

  it('a new cash-register password also sends back the receipt checks stopped on it (they run in their own lane)', async () => {
    // The fiscal flow polls receipt results in the `kassa-report` lane so they never hold up new receipts.
    const report = engine.flows.fiscal.jobs.report;
    expect(report.lane).toBe('kassa-report');
    const { job } = report.enqueue(engine.queue, { receiptId: 1, attempt: 1 });
    const [claimed] = engine.queue.claim('kassa-report', 1, 60_000);
    engine.queue.fail(claimed!, new SyncError({ kind: 'auth', system: 'kassa', message: 'Неверный логин или пароль онлайн-кассы' }), 1);
    expect(engine.queue.get(job.id)?.state).toBe('attention');

    result(await engine.api('settings.setSecret', { key: 'kassa.password', value: 'new-password-1' }));
    expect(engine.queue.get(job.id)?.state).toBe('queued');
  });

  it('invalid settings are refused with the field named; valid ones are saved and returned', async () => {
    const error = failed(await engine.api('settings.update', { section: 'general', values: { keepHistoryDays: 0 } }));
    expect(error.kind).toBe('needsAttention');
    expect(error.message).toMatch(/^Настройки не сохранены: поле «keepHistoryDays» — .*[а-я]/);

    const saved = result<{ values: { general: { keepHistoryDays: number } } }>(
      await engine.api('settings.update', { section: 'general', values: { keepHistoryDays: 90 } }),
    );
    expect(saved.values.general.keepHistoryDays).toBe(90);
    expect(failed(await engine.api('settings.update', { section: 'secrets', values: {} })).message).toMatch(/поле «section»/);
  });

  it('acknowledging errors updates the unread count the tray shows', async () => {
    const a = engine.errors.record(new SyncError({ kind: 'needsAttention', system: 'kassa', message: 'Неверный ИНН' }));
    engine.errors.record(new SyncError({ kind: 'auth', system: 'retailcrm', message: 'Неверный API-ключ' }));
    engine.errors.record(new SyncError({ kind: 'retryable', system: 'measoft', message: 'Нет связи' }));
    expect(result(await engine.api('errors.list', {}))).toMatchObject({ unread: 3 });

    expect(result(await engine.api('errors.acknowledge', { ids: [a.id] }))).toEqual({ unread: 2 });
    expect(result(await engine.api('errors.acknowledge', { ids: [a.id] }))).toEqual({ unread: 2 });
    expect(result<{ items: unknown[] }>(await engine.api('errors.list', { unreadOnly: true })).items).toHaveLength(2);
    expect(result(await engine.api('errors.acknowledge', { all: true }))).toEqual({ unread: 0 });
    expect(result(await engine.api('engine.status', {}))).toMatchObject({ errors: { unread: 0 } });
  });

  it('«Повторить» on an error-log entry re-queues its job and marks the entry read', async () => {
    const orderId = engine.orders.upsert({ ref: 'retailcrm:1', number: '1A' });
    const { job } = engine.queue.enqueue({ kind: 'kassa.sell', connector: 'kassa', key: 'receipt:1', payload: {}, orderId });
    const [claimed] = engine.queue.claim('kassa', 1, 60_000);
    const err = new SyncError({ kind: 'needsAttention', system: 'kassa', message: 'Неверный ИНН' });
    engine.queue.fail(claimed!, err, 1);
    const entry = engine.errors.record(err, { orderId, jobId: job.id });
    engine.orders.refreshAttention(orderId);
    expect(entry.canRetry).toBe(true);

    expect(result(await engine.api('errors.retry', { id: entry.id }))).toEqual({ retried: true });
    expect(engine.queue.get(job.id)?.state).toBe('queued');
    expect(engine.errors.get(entry.id)?.acknowledged).toBe(true);
    expect(engine.orders.get(orderId)?.attention).toBe(false);
    expect(result(await engine.api('errors.retry', { id: entry.id }))).toEqual({ retried: false });
  });

  it('an order that does not exist is a clear refusal', async () => {
    const error = failed(await engine.api('orders.get', { id: 12345 }));
    expect(error).toMatchObject({ kind: 'needsAttention', message: 'Заказ не найден' });
  });

  it('orders.list answers within the contract, with defaults applied', async () => {
    engine.orders.upsert({ ref: 'retailcrm:1', number: '1001A', phone: '+7 912 345-67-89' });
    const list = result<{ items: Array<{ number: string }>; total: number }>(await engine.api('orders.list', { search: '89123456789' }));
    expect(list.total).toBe(1);
    expect(list.items.map((o) => o.number)).toEqual(['1001A']);
  });
});
