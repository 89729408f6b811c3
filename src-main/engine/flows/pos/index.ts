import { z } from 'zod';
import { lifepos, parseLifePosNotification } from '../../connectors/lifepos/index.js';
import type { CrmOrder } from '../../connectors/retailcrm/index.js';
import type { Db } from '../../db/open.js';
import { SyncError, toSyncError } from '../../errors.js';
import { retryStopped } from '../../jobs/define.js';
import { contentId, type InboxSource } from '../../jobs/inbox.js';
import type { PollerContext } from '../../jobs/scheduler.js';
import '../crm/events.js';
import '../tunnel/events.js';
import type { FlowModule } from '../types.js';
import { posChecks } from './checks.js';
import { posDirectory } from './directory.js';
import { posJobs } from './jobs.js';
import { decidePos } from './rules.js';
import { posStore } from './store.js';

export type { OutletMatch } from './directory.js';

export const LIFEPOS_POLLER = 'lifepos.sales';
export const LIFEPOS_WEBHOOK: InboxSource = { source: 'lifepos', system: 'lifepos' };

/**
 * RetailCRM ↔ LIFE POS, as the vendor's connector does it and a merchant expects: the creating status makes one
 * sale (its number is the RetailCRM order number, so a repeat is adopted), closing cancels an unpaid sale and
 * refuses a paid one with a clear message, a returned payment refunds; outlets come from the store's legal
 * entity INN; each courier becomes one employee with one mobile workplace; payments taken in LIFE POS come back
 * as RetailCRM payments; every problem becomes one RetailCRM task for the configured group.
 */
export const posFlow = {
  id: 'pos',
  async install({ engine: e, connectors, jobs: registerJobs, connectionTest, poll }) {
    const dir = posDirectory(e, connectors);
    const { jobs, applySale } = posJobs(e, connectors, dir);
    const checks = posChecks(e, connectors, dir, LIFEPOS_WEBHOOK.source);
    registerJobs(jobs);

    e.events.on('retailcrm.order', ({ order, localId, db }) => reconcile(order, localId, db));

    const settings = e.settings;
    poll({ id: LIFEPOS_POLLER, title: 'Продажи и оплаты LIFE POS', of: lifepos, everySec: () => settings.get('lifepos').pollIntervalSec, enabled: () => settings.get('pos').enabled, run: pollSales });

    await e.addWebhookRoute({
      ...LIFEPOS_WEBHOOK,
      toInbox: (req) => {
        const n = parseLifePosNotification(req.body);
        if (!n?.guid) {
          throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: 'Уведомление LIFE POS без продажи: сохранено в журнале, продажи перечитаются по расписанию.', detail: req.rawBody.toString('utf8').slice(0, 500) });
        }
        return [{ source: LIFEPOS_WEBHOOK.source, externalId: contentId(req.rawBody), kind: n.event ?? 'sale.updated', payload: { guid: n.guid, number: n.number ?? null } }];
      },
    });
    e.inbox.handle(LIFEPOS_WEBHOOK, z.object({ guid: z.string() }), (item) => {
      jobs.syncSale.enqueue(e.queue, { guid: item.payload.guid, cause: String(item.id) });
    });

    // Every problem with an order becomes one RetailCRM task for the configured group — one per order and
    // problem, however many retries or repeats.
    e.events.on('errors.logged', (entry) => {
      if (!entry.orderId || !entry.jobId || (entry.system !== 'lifepos' && entry.kind === 'retryable')) return;
      const job = e.queue.get(entry.jobId);
      if (!job || !(job.kind.startsWith('lifepos.') || job.kind.startsWith('retailcrm.pos'))) return;
      const row = posStore.byOrderId(e.db, entry.orderId);
      if (!row || !settings.get('pos').taskUserGroup) return;
      jobs.task.enqueue(
        e.queue,
        { crmId: row.crm_id, text: `Прилавок: заказ №${row.crm_number} — ${entry.message}`.slice(0, 250), commentary: entry.message, orderId: entry.orderId, about: job.kind },
        { orderId: entry.orderId },
      );
    });

    // A new public address: LIFE POS notifications follow it.
    e.events.on('tunnel.addressChanged', ({ url }) => {
      checks.subscribeNotifications().then(
        (done) => done && e.log.info('LIFE POS notifications re-subscribed', { url }),
        (err: unknown) => {
          if (!e.db.open) return;
          const x = toSyncError(err, 'lifepos');
          e.errors.record(
            new SyncError({ kind: x.kind === 'fatal' ? 'fatal' : 'needsAttention', system: 'lifepos', message: `Не удалось перевести уведомления LIFE POS на новый адрес ${url}: ${x.message} Нажмите «Проверить подключение» на шаге LIFE POS, чтобы повторить.`, detail: x.detail }),
          );
        },
      );
    });

    connectionTest('lifepos', checks.testConnection);
    connectionTest('pos', checks.testSaleSettings);

    function reconcile(order: CrmOrder, localId: number, db: Db): void {
      const row = posStore.byCrmId(db, order.id);
      const d = decidePos(order, row ? { state: row.state, storeCode: row.store_code } : null, settings.get('pos'));
      const q = e.queue;
      const at = { orderId: localId };
      switch (d.kind) {
        case 'create': {
          const generation = row ? row.generation + 1 : 1;
          posStore.startCreating(db, { orderId: localId, crmId: order.id, number: order.number, store: order.shipmentStore ?? null, generation });
          jobs.createSale.enqueue(q, { crmId: order.id, generation, order }, at);
          e.orders.setChip(localId, 'lifepos', { state: 'creating', label: 'Создаётся', attention: false });
          break;
        }
        case 'retryCreate': {
          const job = jobs.createSale.byKey(q, { crmId: order.id, generation: row!.generation, order });
          // The stopped sale goes again with the order as it is now.
          if (job && (job.state === 'attention' || job.state === 'dead')) q.replacePayload(job.id, { crmId: order.id, generation: row!.generation, order });
          if (retryStopped(q, job)) e.orders.refreshAttention(localId);
          break;
        }
        case 'close':
          jobs.closeSale.enqueue(q, { crmId: order.id, generation: row!.generation }, at);
          break;
        case 'refund':
          jobs.refundSale.enqueue(q, { crmId: order.id, generation: row!.generation }, at);
          break;
        case 'moveOutlet':
          jobs.moveOutlet.enqueue(q, { crmId: order.id, store: d.store }, at);
          break;
        case 'none':
          break;
      }
    }

    async function pollSales(ctx: PollerContext): Promise<void> {
      if (!settings.get('pos').enabled || !connectors.isConfigured(lifepos)) return;
      const lp = connectors.client(lifepos);
      let cursor = ctx.cursor();
      let pageToken: string | undefined;
      for (let pages = 0; pages < 200; pages++) {
        const page = await lp.listSales({ ...(cursor ? { updatedFrom: cursor } : {}), orderBy: 'updated_at_asc', itemsPerPage: 100, ...(pageToken ? { pageToken } : {}) }, { signal: ctx.signal });
        const touched: number[] = [];
        e.db.transaction(() => {
          for (const sale of page.items) {
            const id = applySale(sale, e.db);
            if (id !== null) touched.push(id);
            if (sale.updatedAt && (!cursor || sale.updatedAt > cursor)) cursor = sale.updatedAt;
          }
          ctx.setCursor(cursor);
        })();
        if (touched.length) e.events.emit('orders.changed', { ids: touched });
        if (!page.nextPageToken) break;
        pageToken = page.nextPageToken;
      }
    }

    return { outletMatches: dir.outletMatches, subscribeNotifications: checks.subscribeNotifications };
  },
} satisfies FlowModule<unknown>;
