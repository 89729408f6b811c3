import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Attention } from '../../src-main/engine/core/attention.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { openCore, type Core } from './support.js';

let core: Core;
let attention: Attention;
beforeEach(() => {
  core = openCore();
  attention = new Attention(core);
});
afterEach(async () => {
  await core.close();
});

/** An order whose courier job waits for the merchant, with its error in the log, and a chip asking for attention. */
function flaggedOrder() {
  const id = core.orders.upsert({ ref: 'retailcrm:47', number: '116A' });
  const { job } = core.queue.enqueue({ kind: 'measoft.updateOrder', connector: 'measoft', key: 'k1', payload: {}, orderId: id, maxAttempts: 1 });
  const [claimed] = core.queue.claim('measoft', 1, 10_000);
  const err = new SyncError({ kind: 'needsAttention', system: 'measoft', message: 'Курьерская служба уже взяла заказ в работу.' });
  core.queue.fail(claimed!, err, 5);
  core.errors.record(err, { orderId: id, jobId: job.id });
  core.orders.setChip(id, 'measoft', { state: 'DELIVERY', label: 'Выдан курьеру на доставку', attention: true });
  return { id, jobId: job.id };
}

describe('«Снять отметку» and what clears an order\'s flag', () => {
  it('«Прочитано» alone leaves the order flagged', () => {
    const { id } = flaggedOrder();
    core.errors.acknowledge({ all: true });
    expect(core.orders.get(id)!.attention).toBe(true);
    expect(attention.waitingJobs(id)).toBe(1);
  });

  it('«Снять отметку» closes the waiting job as resolved by hand, calms the chip, reads the log, says so in the history', () => {
    const { id, jobId } = flaggedOrder();
    const changed: number[][] = [];
    core.events.on('orders.changed', ({ ids }) => changed.push(ids));
    expect(attention.clear(id)).toEqual({ jobs: 1, chips: 1, errors: 1 });
    const order = core.orders.get(id)!;
    expect(order.attention).toBe(false);
    expect(order.systems.measoft).toEqual({ state: 'DELIVERY', label: 'Выдан курьеру на доставку', attention: false });
    expect(core.queue.get(jobId)!.state).toBe('done');
    expect(core.errors.unread()).toBe(0);
    expect(core.errors.list({ limit: 5 })[0]!.canRetry).toBe(false);
    expect(core.timeline.forOrder(id).at(-1)).toMatchObject({ system: 'engine', outcome: 'info', action: 'Отметка «Требует внимания» снята вручную' });
    expect(changed).toEqual([[id]]);
    expect(core.orders.list({ attention: true, limit: 10, offset: 0 }).total).toBe(0);
  });

  it('the problem resolved (the job succeeds after «Повторить») clears the flag too', () => {
    const { id, jobId } = flaggedOrder();
    core.orders.setChip(id, 'measoft', { state: 'DELIVERY', label: 'Выдан курьеру на доставку', attention: false });
    expect(core.queue.retry(jobId)).toBe(true);
    const [claimed] = core.queue.claim('measoft', 1, 10_000);
    core.queue.complete(claimed!, {}, 5);
    core.orders.refreshAttention(id);
    expect(core.orders.get(id)!.attention).toBe(false);
  });
});
