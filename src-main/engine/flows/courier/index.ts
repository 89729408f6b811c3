import { z } from 'zod';
import { measoft } from '../../connectors/measoft/index.js';
import { retailcrm, type CrmOrder } from '../../connectors/retailcrm/index.js';
import type { Db } from '../../db/open.js';
import { defineJob, retryStopped } from '../../jobs/define.js';
import '../crm/events.js';
import { recordCrmOrders, sweepProgress } from '../crm/store.js';
import type { FlowModule } from '../types.js';
import { courierActions } from './actions.js';
import { courierFeed } from './feed.js';
import { courierJobs } from './jobs.js';
import { decideCourier, type CourierRowView } from './rules.js';
import { courierStore } from './store.js';

export { courierStore, type CourierOrderView } from './store.js';
export type { DeliveredOrder } from './events.js';

export const MEASOFT_CHANGES_POLLER = 'measoft.changes';

/** Where the first connection's sweep has got to: the next page to read (pages go from the last to the first). */
const sweepPayload = z.object({
  since: z.string(),
  page: z.number().int().min(1).optional(),
  pages: z.number().int().min(1).optional(),
  total: z.number().int().min(0).optional(),
  read: z.number().int().min(0).optional(),
  /** How many orders were waiting at the last page read. */
  count: z.number().int().min(0).optional(),
});

/** Pages of 100 orders each sweep job reads (tests lower it). */
export const sweep = { pagesPerJob: 10 };

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
     * A new RetailCRM connection does not replay the account's past (its history cursor is taken first, so what
     * changes from then on comes from the history), so the orders already waiting in a sending status are swept,
     * as jobs of their own: a few pages each, oldest orders first (an order that leaves the sending statuses once
     * handled does not shift the pages still to read), each job committing its orders with the next one. A
     * restart continues where the last committed job left off; «Обзор» shows how far it is.
     */
    const catchUp = defineJob({
      kind: 'retailcrm.courierCatchUp',
      system: 'retailcrm',
      title: 'Заказы, уже ждущие отправки курьером',
      payload: sweepPayload,
      key: (p) => `crm:courier-catchup:${p.since}${p.page === undefined ? '' : `:${p.page}`}`,
      run: async ({ payload: p, signal }) => {
        const s = e.settings.get('courier');
        if (!s.enabled || !s.triggerStatuses.length || !s.deliveryTypes.length) return { result: { skipped: 'courier flow off' }, commit: (db: Db) => sweepProgress.set(db, null) };
        const crm = connectors.client(retailcrm);
        const filter = { extendedStatus: s.triggerStatuses, deliveryTypes: s.deliveryTypes };
        if (p.page === undefined) {
          const first = await crm.ordersList(filter, 1, 100, { signal });
          const pages = Math.max(1, first.pagination.totalPageCount);
          const total = first.pagination.totalCount;
          if (pages === 1) return { result: { orders: first.orders.length }, commit: (db: Db) => (recordCrmOrders(e, first.orders, db), sweepProgress.set(db, null)) };
          return {
            result: { total, pages },
            commit: (db: Db) => {
              sweepProgress.set(db, { read: 0, total });
              catchUp.enqueue(e.queue, { since: p.since, page: pages, pages, total, read: 0, count: total });
            },
          };
        }
        const orders: CrmOrder[] = [];
        let { page, read, count } = { page: p.page, read: p.read ?? 0, count: p.count ?? p.total ?? 0 };
        for (let n = 0; n < sweep.pagesPerJob && page >= 1; n++, page--) {
          const res = await crm.ordersList(filter, page, 100, { signal });
          orders.push(...res.orders);
          read += res.orders.length;
          // Orders entering the sending statuses meanwhile push the rest towards older pages, so one not yet read
          // could slip into the page just read: when the count moved, that page is read again (an order recorded
          // twice changes nothing).
          if (res.pagination.totalCount !== count && page + 1 <= (p.pages ?? page)) orders.push(...(await crm.ordersList(filter, page + 1, 100, { signal })).orders);
          count = res.pagination.totalCount;
        }
        const next = { since: p.since, page, pages: p.pages, total: p.total, read, count };
        return {
          result: { read, next: page >= 1 ? page : null },
          commit: (db: Db) => {
            recordCrmOrders(e, orders, db);
            if (page >= 1) {
              sweepProgress.set(db, { read, total: p.total ?? read });
              catchUp.enqueue(e.queue, next);
            } else sweepProgress.set(db, null);
            e.events.emit('status.changed', undefined);
          },
        };
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
