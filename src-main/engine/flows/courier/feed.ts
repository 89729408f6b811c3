import { MEASOFT_STATUSES, measoft, type MeasoftOrderInput, type MeasoftOrderState } from '../../connectors/measoft/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import type { PollerContext } from '../../jobs/scheduler.js';
import './events.js';
import type { CourierJobs } from './jobs.js';
import { DELIVERED_STATUSES, needsAttention, statusTitle } from './rules.js';
import { courierStore } from './store.js';

/**
 * MeaSoft's changes feed → our rows, the order card and RetailCRM. The feed is committed at MeaSoft only after
 * our own transaction, so a crash in between reads the same changes again.
 */
export function courierFeed(e: Engine, connectors: ConnectorRegistry, jobs: CourierJobs) {
  async function poll(ctx: PollerContext): Promise<void> {
    if (!e.settings.get('courier').enabled || !connectors.isConfigured(measoft)) return;
    const ms = connectors.client(measoft);
    const stream = e.settings.get('measoft').streamId;
    const changes = await ms.changes(stream, { signal: ctx.signal });
    if (changes.length) {
      const touched: number[] = [];
      e.db.transaction(() => {
        for (const c of changes) {
          const id = apply(c, e.db);
          if (id !== null) touched.push(id);
        }
      })();
      if (touched.length) e.events.emit('orders.changed', { ids: touched });
    }
    // Only now, with our transaction committed, may MeaSoft forget what it gave us.
    await ms.commitChanges(stream, { signal: ctx.signal });
  }

  function apply(c: MeasoftOrderState, db: Db): number | null {
    const row = courierStore.byOrderno(db, c.orderno);
    if (!row) {
      e.log.info('MeaSoft change for an order Prilavok did not send; ignored', { orderno: c.orderno, status: c.status.code });
      return null;
    }
    const code = c.status.code;
    if (!(code in MEASOFT_STATUSES)) {
      // Unknown codes are logged and change nothing: never guess «in transit».
      e.log.warn('unknown MeaSoft status code; order kept as is', { orderno: c.orderno, status: code });
      return null;
    }
    const delivered = DELIVERED_STATUSES.has(code)
      ? JSON.stringify({ paytype: c.paytype, priceKopecks: c.priceKopecks, deliveredTo: c.deliveredTo, date: c.deliveredDate, time: c.deliveredTime })
      : row.delivered;
    courierStore.statusChanged(db, row.crm_id, { code, at: c.status.eventTime, barcode: c.barcode, delivered });
    if (DELIVERED_STATUSES.has(code) && row.measoft_status !== code && row.sent) {
      const sent = JSON.parse(row.sent) as MeasoftOrderInput;
      e.events.emit('courier.delivered', {
        db,
        orderId: row.order_id,
        crmId: row.crm_id,
        number: row.crm_number,
        paytype: c.paytype ?? sent.paytype,
        priceKopecks: c.priceKopecks ?? sent.priceKopecks,
        items: sent.items.filter((i) => i.type !== 4),
        email: null,
        phone: sent.receiver.phone || null,
      });
    }
    e.orders.setChip(row.order_id, 'measoft', { state: code, label: statusTitle(code), attention: needsAttention(code) });
    if (code === 'CANCELED' && (row.state === 'cancelling' || row.state === 'cancelled')) {
      // Our own cancel coming back (the delivery type changed away, or «Отменить у курьера»): the order left the
      // courier flow by the manager's choice, so its RetailCRM status is not turned into a cancelled order.
      return row.order_id;
    }
    jobs.applyStatus.enqueue(
      e.queue,
      {
        crmId: row.crm_id,
        orderno: c.orderno,
        code,
        title: c.status.title,
        eventTime: c.status.eventTime,
        paytype: c.paytype,
        priceKopecks: c.priceKopecks,
        deliveredTo: c.deliveredTo,
      },
      { orderId: row.order_id },
    );
    return row.order_id;
  }

  return { poll };
}
