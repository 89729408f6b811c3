import { z } from 'zod';
import { measoft } from '../../connectors/measoft/index.js';
import { retailcrm, type CrmOrder } from '../../connectors/retailcrm/index.js';
import type { Db } from '../../db/open.js';
import { defineJob, retryStopped } from '../../jobs/define.js';
import '../crm/events.js';
import { recordCrmOrders } from '../crm/store.js';
import type { FlowModule } from '../types.js';
import { courierActions } from './actions.js';
import { courierFeed } from './feed.js';
import { courierJobs } from './jobs.js';
import { decideCourier, type CourierRowView } from './rules.js';
import { courierStore } from './store.js';

export { courierStore, type CourierOrderView } from './store.js';
export type { DeliveredOrder } from './events.js';

export const MEASOFT_CHANGES_POLLER = 'measoft.changes';

/**
 * RetailCRM → MeaSoft, as the merchant configures it: an order reaching a sending status with a MeaSoft
 * delivery type becomes exactly one MeaSoft order; a delivery-type change cancels it and other changes update
 * it while MeaSoft still has it as new; MeaSoft's statuses and the courier's payment come back through the
 * changes feed (`feed.ts`), and a delivery is announced as `courier.delivered` for the receipt.
 */
export const courierFlow = {
  id: 'courier',
  install({ engine: e, connectors, jobs: registerJobs, orderAction, poll }) {
    const jobs = courierJobs(e, connectors);
    const feed = courierFeed(e, connectors, jobs);
    const actions = courierActions(e, jobs);

    /**
     * A new RetailCRM connection does not replay the account's past, so the orders already waiting in a sending
     * status are swept once, as a job of their own (retried like any other until it gets through).
     */
    const catchUp = defineJob({
      kind: 'retailcrm.courierCatchUp',
      system: 'retailcrm',
      title: 'Заказы, уже ждущие отправки курьером',
      payload: z.object({ since: z.string() }),
      key: (p) => `crm:courier-catchup:${p.since}`,
      run: async ({ signal }) => {
        const s = e.settings.get('courier');
        if (!s.enabled || !s.triggerStatuses.length || !s.deliveryTypes.length) return { result: { skipped: 'courier flow off' } };
        const crm = connectors.client(retailcrm);
        const orders: CrmOrder[] = [];
        for (let page = 1; page <= 100; page++) {
          const res = await crm.ordersList({ extendedStatus: s.triggerStatuses, deliveryTypes: s.deliveryTypes }, page, 100, { signal });
          orders.push(...res.orders);
          if (page >= res.pagination.totalPageCount) break;
        }
        return { result: { orders: orders.length }, commit: (db: Db) => recordCrmOrders(e, orders, db) };
      },
    });
    registerJobs({ ...jobs, catchUp });

    e.events.on('retailcrm.connected', () => {
      const s = e.settings.get('courier');
      if (s.enabled && s.triggerStatuses.length && s.deliveryTypes.length) catchUp.enqueue(e.queue, { since: String(Date.now()) });
    });
    e.events.on('retailcrm.order', ({ order, localId, db }) => reconcile(order, localId, db));

    const settings = e.settings;
    poll({ id: MEASOFT_CHANGES_POLLER, title: 'Статусы доставки MeaSoft', of: measoft, everySec: () => settings.get('measoft').pollIntervalSec, enabled: () => settings.get('courier').enabled, run: feed.poll });

    orderAction('cancelCourier', (id) => ({ message: actions.cancelByHand(id) }));
    orderAction('resend', (id) => ({ message: actions.resendByHand(id) }));

    /** What a RetailCRM order's change means for its MeaSoft order; inside the CRM transaction. */
    function reconcile(order: CrmOrder, localId: number, db: Db): void {
      const s = settings.get('courier');
      const row = courierStore.byCrmId(db, order.id);
      if (row?.hold) {
        // Cancelled by hand: sent again only once the status has left the sending statuses and come back.
        if (!s.triggerStatuses.includes(order.status)) courierStore.releaseHold(db, order.id);
        return;
      }
      const view: CourierRowView | null = row ? { state: row.state, generation: row.generation, orderno: row.orderno, sentHash: row.sent_hash, measoftStatus: row.measoft_status } : null;
      const d = decideCourier(order, view, s);
      const q = e.queue;
      const at = { orderId: localId };
      switch (d.kind) {
        case 'create':
          courierStore.startSending(db, { orderId: localId, crmId: order.id, number: order.number, generation: d.generation });
          jobs.createOrder.enqueue(q, { crmId: order.id, generation: d.generation }, at);
          e.orders.setChip(localId, 'measoft', { state: 'sending', label: 'Отправляется', attention: false });
          break;
        case 'cancel':
          courierStore.startCancelling(db, order.id, false);
          jobs.cancelOrder.enqueue(q, { crmId: order.id, generation: row!.generation }, at);
          e.orders.setChip(localId, 'measoft', { state: 'cancelling', label: 'Отменяется', attention: false });
          break;
        case 'update':
          jobs.updateOrder.enqueue(q, { crmId: order.id, generation: row!.generation, hash: d.hash }, at);
          break;
        case 'retryCreate':
          // The order changed while its sending waits for the merchant (a wrong phone, say): try again now.
          if (retryStopped(q, jobs.createOrder.byKey(q, { crmId: order.id, generation: row!.generation }))) e.orders.refreshAttention(localId);
          break;
        case 'none':
          break;
      }
    }

    return { ...actions, jobs, catchUp };
  },
} satisfies FlowModule<unknown>;
