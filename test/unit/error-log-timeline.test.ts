import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorEntry } from '../../src-shared/api.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { openCore, type Core } from './support.js';

let core: Core;
beforeEach(() => {
  core = openCore();
});
afterEach(async () => {
  await core.close();
});

const problem = (message: string, detail: string | null = null) => new SyncError({ kind: 'needsAttention', system: 'measoft', message, detail });

describe('the error log', () => {
  it('an entry carries the order number, the job and whether «Повторить» can help', () => {
    const orderId = core.orders.upsert({ ref: 'retailcrm:1', number: '1001A' });
    const { job } = core.queue.enqueue({ kind: 'measoft.createOrder', connector: 'measoft', key: 'measoft:1', payload: {}, orderId });
    const entry = core.errors.record(problem('MeaSoft не принял адрес'), { orderId, jobId: job.id });
    expect(entry).toMatchObject({ severity: 'error', kind: 'needsAttention', system: 'measoft', orderId, orderNumber: '1001A', jobId: job.id, acknowledged: false });
    // The job is still queued: nothing to retry yet.
    expect(entry.canRetry).toBe(false);

    const [claimed] = core.queue.claim('measoft', 1, 60_000);
    core.queue.fail(claimed!, problem('MeaSoft не принял адрес'), 1);
    expect(core.errors.get(entry.id)?.canRetry).toBe(true);
  });

  it('masks secrets in the message and the detail, and shortens a huge detail', () => {
    core.redactor.addSecret('hunter22-measoft');
    const entry = core.errors.record(problem('Пароль hunter22-measoft не подошёл', `<auth pass="hunter22-measoft"/>${'x'.repeat(20_000)}`));
    expect(entry.message).toBe('Пароль *** не подошёл');
    expect(entry.detail).not.toContain('hunter22-measoft');
    expect(entry.detail!.length).toBeLessThan(8_100);
    expect(entry.detail).toMatch(/симв\. скрыто\)$/);
  });

  it('announces each new entry, so the window and the tray show it at once', () => {
    const seen: ErrorEntry[] = [];
    core.events.on('errors.logged', (e) => seen.push(e));
    const entry = core.errors.record(problem('Ошибка'), { severity: 'warning' });
    expect(seen).toEqual([entry]);
    expect(entry.severity).toBe('warning');
  });

  it('groups a repeated problem into one unread entry with a count and the last time it happened', async () => {
    const seen: ErrorEntry[] = [];
    core.events.on('errors.logged', (e) => seen.push(e));
    const orderId = core.orders.upsert({ ref: 'retailcrm:2', number: '1002A' });
    const first = core.errors.record(problem('Пустой запрос', 'тело 1'), { severity: 'warning' });
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 2; i <= 600; i++) core.errors.record(problem('Пустой запрос', `тело ${i}`), { severity: 'warning' });
    const grouped = core.errors.get(first.id)!;
    expect(grouped).toMatchObject({ count: 600, at: first.at, detail: 'тело 600', severity: 'warning', acknowledged: false });
    expect(grouped.lastSeenAt).toBeGreaterThan(first.at);
    expect(core.errors.list({ limit: 10 })).toHaveLength(1);
    expect(core.errors.unread()).toBe(1);
    // Every repeat is announced with the entry as it is now, so the window and the tray update the count.
    expect(seen).toHaveLength(600);
    expect(seen.at(-1)).toEqual(grouped);

    // Another order, another system, another message: separate entries. An error raises a warning's severity.
    const forOrder = core.errors.record(problem('Пустой запрос'), { orderId });
    const other = core.errors.record(new SyncError({ kind: 'needsAttention', system: 'leeloo', message: 'Пустой запрос' }));
    expect(new Set([first.id, forOrder.id, other.id]).size).toBe(3);
    expect(core.errors.record(problem('Пустой запрос'), { orderId }).count).toBe(2);
    expect(core.errors.record(problem('Пустой запрос'), { severity: 'error' })).toMatchObject({ id: first.id, count: 601, severity: 'error' });

    // Once read, the next occurrence is news again: a new entry.
    core.errors.acknowledge({ ids: [first.id] });
    const again = core.errors.record(problem('Пустой запрос'));
    expect(again.id).not.toBe(first.id);
    expect(again.count).toBe(1);
  });

  it('pages newest first with beforeId, and can show only unread entries', () => {
    const ids = Array.from({ length: 5 }, (_, i) => core.errors.record(problem(`Ошибка ${i}`)).id);
    expect(core.errors.list({ limit: 2 }).map((e) => e.id)).toEqual([ids[4], ids[3]]);
    expect(core.errors.list({ limit: 2, beforeId: ids[3] }).map((e) => e.id)).toEqual([ids[2], ids[1]]);
    core.errors.acknowledge({ ids: [ids[4]!, ids[2]!] });
    expect(core.errors.list({ limit: 10, unreadOnly: true }).map((e) => e.id)).toEqual([ids[3], ids[1], ids[0]]);
    expect(core.errors.unread()).toBe(3);
    expect(core.errors.acknowledge({})).toBe(3);
    expect(core.errors.acknowledge({ all: true })).toBe(0);
  });

  it('prune forgets only acknowledged entries older than the cutoff', () => {
    const read = core.errors.record(problem('Прочитано'));
    const unread = core.errors.record(problem('Не прочитано'));
    core.errors.acknowledge({ ids: [read.id] });
    expect(core.errors.prune(Date.now() + 1)).toBe(1);
    expect(core.errors.get(read.id)).toBeNull();
    expect(core.errors.get(unread.id)).not.toBeNull();
  });
});

describe('the order timeline', () => {
  it('records each step in order, with what was sent and received redacted and shortened', () => {
    const orderId = core.orders.upsert({ ref: 'retailcrm:1', number: '1001A' });
    core.redactor.addSecret('Xk29fLq0vRT');
    core.timeline.record({ orderId, system: 'retailcrm', action: 'Получение заказа', outcome: 'info', sent: 'GET /orders/1?apiKey=Xk29fLq0vRT' });
    core.timeline.record({
      orderId,
      system: 'measoft',
      action: 'Создание заказа в MeaSoft',
      outcome: 'error',
      sent: { address: 'Москва, ул. Ленина, 1', pass: 'Xk29fLq0vRT' },
      received: 'y'.repeat(5_000),
      durationMs: 123.6,
      jobId: 7,
      attempt: 2,
      error: problem('MeaSoft не принял адрес: Xk29fLq0vRT'),
    });

    const steps = core.timeline.forOrder(orderId);
    expect(steps.map((s) => s.action)).toEqual(['Получение заказа', 'Создание заказа в MeaSoft']);
    expect(steps[0]).toMatchObject({ outcome: 'info', sent: 'GET /orders/1?apiKey=***', received: null, durationMs: null, errorKind: null });
    expect(steps[1]).toMatchObject({
      system: 'measoft',
      outcome: 'error',
      sent: '{"address":"Москва, ул. Ленина, 1","pass":"***"}',
      durationMs: 124,
      jobId: 7,
      attempt: 2,
      errorKind: 'needsAttention',
      errorMessage: 'MeaSoft не принял адрес: ***',
    });
    expect(steps[1]!.received!.length).toBeLessThan(2_100);
    expect(core.timeline.forOrder(9_999)).toEqual([]);
  });
});
