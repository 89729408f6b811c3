import { type Db, sql } from '../db/open.js';
import type { EngineEvents } from '../events.js';
import type { Orders } from './orders.js';
import type { Timeline } from './timeline.js';

/**
 * «Снять отметку»: the merchant has dealt with the order's problem outside Prilavok (told the courier service by
 * phone, fixed it by hand). The order leaves «Требуют внимания»: its waiting jobs are closed as resolved by hand
 * (not run again), its chips stop asking for attention, its log entries are read — and the history says so.
 * The other way the flag goes is the problem itself being resolved: a job that succeeds after «Повторить».
 */
export class Attention {
  constructor(
    private readonly deps: { db: Db; orders: Orders; timeline: Timeline; events: EngineEvents },
  ) {}

  /** Jobs of the order that wait for the merchant (a retry of them can help). */
  waitingJobs(orderId: number): number {
    return (sql(this.deps.db, `SELECT count(*) AS n FROM jobs WHERE order_id = ? AND state IN ('attention', 'dead')`).get(orderId) as { n: number }).n;
  }

  clear(orderId: number): { jobs: number; chips: number; errors: number } {
    const { db, orders, timeline, events } = this.deps;
    const now = Date.now();
    const out = db.transaction(() => {
      const jobs = sql(
        db,
        `UPDATE jobs SET state = 'done', result = json_object('resolvedByHand', json('true')), lease_until = NULL, finished_at = ?, updated_at = ?
          WHERE order_id = ? AND state IN ('attention', 'dead')`,
      ).run(now, now, orderId).changes;
      const chips = (sql(db, `SELECT key FROM orders, json_each(orders.systems) WHERE orders.id = ? AND json_extract(value, '$.attention') = 1`).all(orderId) as Array<{ key: string }>).map((r) => r.key);
      for (const key of chips) {
        sql(db, `UPDATE orders SET systems = json_set(systems, '$.' || ? || '.attention', json('false')) WHERE id = ?`).run(key, orderId);
      }
      const errors = sql(db, 'UPDATE error_log SET acknowledged_at = ? WHERE order_id = ? AND acknowledged_at IS NULL').run(now, orderId).changes;
      orders.refreshAttention(orderId);
      timeline.record({ orderId, system: 'engine', action: 'Отметка «Требует внимания» снята вручную', outcome: 'info' });
      return { jobs, chips: chips.length, errors };
    })();
    events.emit('queue.changed', undefined);
    events.emit('orders.changed', { ids: [orderId] });
    return out;
  }
}
