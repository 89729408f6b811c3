import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SyncError } from '../../src-main/engine/errors.js';
import { defineJob, retryStopped } from '../../src-main/engine/jobs/define.js';
import { openCore, type Core } from './support.js';

let core: Core;
beforeEach(() => {
  core = openCore();
});
afterEach(async () => {
  await core.close();
});

const report = defineJob({
  kind: 'kassa.report',
  system: 'kassa',
  lane: 'kassa-report',
  title: 'Результат чека',
  payload: z.object({ receiptId: z.number().int(), attempt: z.number().int().optional() }),
  key: (p) => `kassa:report:${p.receiptId}:${p.attempt ?? 1}`,
  maxAttempts: 60,
  run: async () => undefined,
});

describe('job definitions', () => {
  it('the key comes from the payload: the same operation twice is one job, another attempt is another', () => {
    const first = report.enqueue(core.queue, { receiptId: 7 }, { orderId: null });
    const again = report.enqueue(core.queue, { receiptId: 7, attempt: 1 });
    const next = report.enqueue(core.queue, { receiptId: 7, attempt: 2 });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });
    expect(next.created).toBe(true);
    expect(report.byKey(core.queue, { receiptId: 7, attempt: 2 })?.id).toBe(next.job.id);
    expect(report.byKey(core.queue, { receiptId: 8 })).toBeNull();
  });

  it('a job runs in its lane and belongs to its system; its own limits travel with it', () => {
    const { job } = report.enqueue(core.queue, { receiptId: 1 });
    expect(job).toMatchObject({ kind: 'kassa.report', connector: 'kassa-report', system: 'kassa', maxAttempts: 60, key: 'kassa:report:1:1' });
    expect(core.queue.claim('kassa', 5, 60_000)).toHaveLength(0);
    expect(core.queue.claim('kassa-report', 5, 60_000).map((j) => j.id)).toEqual([job.id]);
  });

  it('new credentials of its system bring it back from any lane; another system\'s stay put', () => {
    const { job } = report.enqueue(core.queue, { receiptId: 1 });
    const other = core.queue.enqueue({ kind: 'measoft.createOrder', connector: 'measoft', key: 'measoft:create:1:1', payload: {} }).job;
    const auth = new SyncError({ kind: 'auth', message: 'Неверный пароль' });
    core.queue.fail(core.queue.claim('kassa-report', 1, 60_000)[0]!, auth, 1);
    core.queue.fail(core.queue.claim('measoft', 1, 60_000)[0]!, auth, 1);
    expect(core.queue.retryAuthFailures('kassa')).toBe(1);
    expect(core.queue.get(job.id)?.state).toBe('queued');
    expect(core.queue.get(other.id)?.state).toBe('attention');
  });

  it('retryStopped sends a stopped job again, and leaves a queued or missing one alone', () => {
    const { job } = report.enqueue(core.queue, { receiptId: 1 });
    expect(retryStopped(core.queue, core.queue.get(job.id))).toBe(false);
    expect(retryStopped(core.queue, null)).toBe(false);
    core.queue.fail(core.queue.claim('kassa-report', 1, 60_000)[0]!, new SyncError({ kind: 'needsAttention', message: 'Проверьте кассу' }), 1);
    expect(retryStopped(core.queue, core.queue.get(job.id))).toBe(true);
    expect(core.queue.get(job.id)?.state).toBe('queued');
  });
});
