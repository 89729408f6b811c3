import { z } from 'zod';
import { lifepos, parseLifePosNotification } from '../../connectors/lifepos/index.js';
import { retailcrm, type CrmOrder } from '../../connectors/retailcrm/index.js';
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

export type { OutletMap } from './directory.js';

export const LIFEPOS_POLLER = 'lifepos.sales';
export const LIFEPOS_WEBHOOK: InboxSource = { source: 'lifepos', system: 'lifepos' };
/** Sales read per poll at most; the newest first, so a server that ignores the filter still gives the fresh ones. */
const POLL_MAX_PAGES = 10;

/**
 * RetailCRM ↔ LIFE POS, as the vendor's connector does it and a merchant expects: the creating status makes one
 * sale (its number is the RetailCRM order number, so a repeat is adopted), closing cancels an unpaid sale and
 * refuses a paid one with a clear message, a returned payment refunds; the outlet is the one of the legal entity
 * of the order's site (its INN), chosen per store or site where it has several; each courier becomes one employee
 * with one mobile workplace; payments taken in LIFE POS (the sale's money documents) come back as RetailCRM
 * payments; every problem becomes one RetailCRM task for the configured group.
 */
export const posFlow = {
  id: 'pos',
  async install({ engine: e, connectors, jobs: registerJobs, connectionTest, poll, api }) {
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
        // A fiscal receipt is not a sale: nothing to look up (its payment comes as its own notification).
        if (n && !n.guid && n.event && /^Fiscal/.test(n.event)) return [];
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
          jobs.moveOutlet.enqueue(q, { crmId: order.id, store: d.store, site: order.site }, at);
          break;
        case 'none':
          break;
      }
    }

    /**
     * Reads the sales changed since the cursor, newest first. The vendor documents the ordering but no «updated
     * since» filter for sales, so none is relied on: the walk stops at the first sale older than the cursor, or
     * after a bounded number of pages; the cursor only ever moves forward. Notifications carry changes at once.
     */
    async function pollSales(ctx: PollerContext): Promise<void> {
      if (!settings.get('pos').enabled || !connectors.isConfigured(lifepos)) return;
      const lp = connectors.client(lifepos);
      const since = ctx.cursor();
      let newest = since;
      let pageToken: string | undefined;
      let reached = false;
      for (let pages = 0; pages < POLL_MAX_PAGES && !reached; pages++) {
        const page = await lp.listSales({ orderBy: 'updated_at_desc', itemsPerPage: 100, ...(pageToken ? { pageToken } : {}) }, { signal: ctx.signal });
        const touched: number[] = [];
        e.db.transaction(() => {
          for (const sale of page.items) {
            // Sales updated at the cursor's own instant are read again (harmless): none is lost to a tie.
            if (since && sale.updatedAt && sale.updatedAt < since) {
              reached = true;
              continue;
            }
            const id = applySale(sale, e.db);
            if (id !== null) touched.push(id);
            if (sale.updatedAt && (!newest || sale.updatedAt > newest)) newest = sale.updatedAt;
          }
          ctx.setCursor(newest);
        })();
        if (touched.length) e.events.emit('orders.changed', { ids: touched });
        if (!page.nextPageToken || page.items.length === 0) {
          reached = true;
          break;
        }
        pageToken = page.nextPageToken;
      }
      if (!reached && since) {
        e.log.warn('LIFE POS poll stopped at its page limit before reaching the cursor; older changes rely on notifications and re-reads', { since, newest, pages: POLL_MAX_PAGES });
      }
    }

    /** For the wizard: every site and store with its outlet, and the roles a courier employee can get. */
    api.handle('pos.outlets', async ({ refresh }: { refresh?: boolean | undefined }) => {
      if (!connectors.isConfigured(lifepos)) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: 'Сначала подключите LIFE POS: ID организации, телефон и пароль сотрудника.' });
      if (!connectors.isConfigured(retailcrm)) throw new SyncError({ kind: 'needsAttention', system: 'retailcrm', message: 'Сначала подключите RetailCRM: адрес и API-ключ.' });
      const [map, roles] = await Promise.all([dir.outletMap(refresh ?? false), connectors.client(lifepos).rolesInUse()]);
      return { ...map, roles };
    });

    return { outletMap: dir.outletMap, subscribeNotifications: checks.subscribeNotifications };
  },
} satisfies FlowModule<unknown>;
