import { z } from 'zod';
import type { CrmReferences } from '../../../../src-shared/api.js';
import { retailcrm, type CrmOrder, type HistoryRecord } from '../../connectors/retailcrm/index.js';
import { SyncError } from '../../errors.js';
import { defineJob } from '../../jobs/define.js';
import type { InboxSource } from '../../jobs/inbox.js';
import type { PollerContext } from '../../jobs/scheduler.js';
import type { FlowModule } from '../types.js';
import { changedOrderId, triggerOf } from './rules.js';
import { crmIdOf, crmOrderRef, paymentStatusBook, recordCrmOrders, sweepProgress } from './store.js';
import { crmTriggers } from './triggers.js';

export { crmOrderRef, paymentStatusBook, recordCrmOrders, sweepProgress } from './store.js';

export const CRM_HISTORY_POLLER = 'retailcrm.history';
export const CRM_WEBHOOK: InboxSource = { source: 'retailcrm', system: 'retailcrm' };
/** Orders read per request when catching up (`filter[ids][]`, the largest page RetailCRM allows). */
const READ_BATCH = 100;
/** A run stops after this many history pages and continues on the next run, so one poll never runs for hours. */
const MAX_PAGES_PER_RUN = 2_000;
const REFERENCES_TTL_MS = 5 * 60_000;
/** History fields the flows replay record by record (the rest only says «re-read the order»). */
const REPLAYED_FIELDS = new Set(['payments', 'payments.status', 'payments.amount', 'payments.type']);

/** `cause`: what asked for the read (an inbox item, «Перечитать» at a moment), so each ask is its own job. */
const refreshPayload = z.object({ crmId: z.number().int().positive(), cause: z.string().optional() });

/**
 * RetailCRM → every flow. Triggers («Выполнить HTTP-запрос») are hints that make us re-read one order at once;
 * `orders/history` with the `sinceId` cursor is the truth that catches whatever a trigger missed (the PC was
 * off, the tunnel was down). Our own changes (`apiKey.current`) are skipped, so nothing echoes. Each recorded
 * order reaches the flows as the `retailcrm.order` event.
 */
export const crmFlow = {
  id: 'retailcrm',
  async install({ engine: e, connectors, api, jobs, orderAction, poll }) {
    const crm = () => connectors.client(retailcrm);

    const refreshOrder = defineJob({
      kind: 'retailcrm.refreshOrder',
      system: 'retailcrm',
      title: 'Чтение заказа из RetailCRM',
      payload: refreshPayload,
      key: (p) => `crm:refresh:${p.crmId}:${p.cause ?? ''}`,
      run: async (ctx) => {
        const readAt = Date.now();
        const order = await crm().orderGet(ctx.payload.crmId, 'id', undefined, { signal: ctx.signal });
        ctx.note({ received: { number: order.number, status: order.status, delivery: order.delivery?.code ?? null } });
        return { result: { status: order.status }, commit: (db) => recordCrmOrders(e, [order], db, { readAt }) };
      },
    });
    jobs({ refreshOrder });

    const settings = e.settings;
    poll({
      id: CRM_HISTORY_POLLER,
      title: 'Изменения заказов RetailCRM',
      of: retailcrm,
      everySec: () => settings.get('retailcrm').historyIntervalSec,
      progress: () => {
        const p = sweepProgress.get(e.db);
        return p ? `Первое подключение: прочитано ${Math.min(p.read, p.total)} из ${p.total} заказов, ожидающих отправки; продолжаем.` : null;
      },
      run: pollHistory,
    });

    await e.addWebhookRoute({
      ...CRM_WEBHOOK,
      toInbox: (req) => {
        const t = triggerOf(req.body);
        return [{ source: CRM_WEBHOOK.source, externalId: t.externalId, kind: 'trigger', payload: { id: t.id, status: t.status } }];
      },
    });
    e.inbox.handle(CRM_WEBHOOK, z.object({ id: z.number().int().positive() }), (item) => {
      const id = item.payload.id;
      refreshOrder.enqueue(e.queue, { crmId: id, cause: String(item.id) }, { orderId: e.orders.idByRef(crmOrderRef(id)) });
    });

    orderAction('refresh', (orderId) => {
      const order = e.orders.get(orderId)!;
      const crmId = crmIdOf(order.ref);
      if (crmId === null) throw new SyncError({ kind: 'needsAttention', message: 'Этот заказ пришёл не из RetailCRM: перечитывать неоткуда.' });
      refreshOrder.enqueue(e.queue, { crmId, cause: `manual:${Date.now()}` }, { orderId });
      return { message: `Заказ №${order.number} будет перечитан из RetailCRM и отправлен дальше по правилам.` };
    });

    let references: { key: string; value: CrmReferences } | null = null;
    const loadReferences = async (refresh: boolean): Promise<CrmReferences> => {
      const client = crm();
      const key = JSON.stringify(settings.get('retailcrm'));
      if (!refresh && references?.key === key && Date.now() - references.value.fetchedAt < REFERENCES_TTL_MS) return references.value;
      references = { key, value: await retailcrm.references(client) };
      return references.value;
    };
    // The order history names RetailCRM statuses as the account calls them; a cold book loads in the background.
    let namesAskedAt = 0;
    e.timeline.statusName = (code) => {
      const name = references?.value.statuses.find((x) => x.code === code)?.name ?? null;
      if (name === null && connectors.isConfigured(retailcrm) && Date.now() - namesAskedAt > 60_000) {
        namesAskedAt = Date.now();
        void loadReferences(false).catch(() => undefined);
      }
      return name;
    };
    api.handleAll({
      // The merchant's reference books for the wizard's dropdowns (cached for a few minutes).
      'references.get': ({ refresh }) => loadReferences(refresh ?? false),
      'setup.triggers': () => crmTriggers(e, CRM_WEBHOOK.source),
    });

    async function pollHistory(ctx: PollerContext): Promise<void> {
      if (!connectors.isConfigured(retailcrm)) return;
      const cursor = ctx.cursor();
      if (cursor === null) return firstRun(ctx);
      let sinceId = Number(cursor);
      const pending = new Set<number>();
      // Payment changes and creation records of the orders to re-read: the fiscal flow replays them in order.
      const replay = new Map<number, HistoryRecord[]>();
      let generatedAt: string | null = null;
      for (let pages = 0; pages < MAX_PAGES_PER_RUN; pages++) {
        const page = await crm().history({ sinceId, limit: 100 }, { signal: ctx.signal });
        generatedAt = page.generatedAt ?? generatedAt;
        for (const r of page.history) {
          sinceId = Math.max(sinceId, r.id);
          const orderId = changedOrderId(r);
          if (orderId !== null) pending.add(orderId);
          const about = r.order?.id;
          if (typeof about === 'number' && (REPLAYED_FIELDS.has(r.field) || r.created)) {
            const list = replay.get(about) ?? [];
            list.push(r);
            replay.set(about, list);
          }
        }
        const last = page.history.length === 0 || page.pagination.totalPageCount <= 1;
        if (pending.size >= READ_BATCH || last) {
          await flush(pending, sinceId, ctx, replay, generatedAt);
          pending.clear();
          replay.clear();
        }
        if (last) break;
      }
      if (pending.size) await flush(pending, sinceId, ctx, replay, generatedAt);
    }

    /**
     * A payment status the stored reference book does not know (a new one, or none read yet): the book is read
     * again, at most once a minute, so «paymentComplete» decides what counts as money received.
     */
    let bookReadAt = 0;
    async function knowPaymentStatuses(history: Map<number, HistoryRecord[]>, ctx: PollerContext): Promise<void> {
      const book = paymentStatusBook.get(e.db) ?? {};
      let unknown = false;
      for (const list of history.values()) {
        for (const r of list) {
          const v = r.field === 'payments.status' ? (r.newValue as { code?: unknown } | null)?.code : undefined;
          if (typeof v === 'string' && !(v in book)) unknown = true;
        }
      }
      if (!unknown || Date.now() - bookReadAt < 60_000) return;
      bookReadAt = Date.now();
      try {
        const list = await crm().paymentStatuses({ signal: ctx.signal });
        paymentStatusBook.set(e.db, Object.fromEntries(list.map((x) => [x.code, x.paymentComplete])));
      } catch (err) {
        // The merchant's own list of paid statuses still applies; the book is read again next time.
        e.log.warn('payment statuses could not be read', { err: err instanceof Error ? err.message : String(err) });
      }
    }

    /** Reads the changed orders in pages of 100 and commits them together with the cursor that covers them. */
    async function flush(ids: Set<number>, cursor: number, ctx: PollerContext, history: Map<number, HistoryRecord[]>, generatedAt: string | null): Promise<void> {
      await knowPaymentStatuses(history, ctx);
      const all = [...ids];
      const orders: CrmOrder[] = [];
      const readAt = Date.now();
      for (let i = 0; i < all.length; i += READ_BATCH) {
        const res = await crm().ordersList({ ids: all.slice(i, i + READ_BATCH) }, 1, 100, { signal: ctx.signal });
        orders.push(...res.orders);
      }
      e.db.transaction(() => {
        recordCrmOrders(e, orders, e.db, { readAt, history, generatedAt });
        ctx.setCursor(String(cursor));
      })();
    }

    /**
     * A new connection starts at the newest history record (it does not replay the account's past); flows that
     * must not miss what is already due now sweep for it on `retailcrm.connected`.
     */
    async function firstRun(ctx: PollerContext): Promise<void> {
      const opts = { signal: ctx.signal };
      const head = await crm().history({ limit: 100, page: 1 }, opts);
      let newest = head.history.reduce((m, r) => Math.max(m, r.id), 0);
      if (head.pagination.totalPageCount > 1) {
        const tail = await crm().history({ limit: 100, page: head.pagination.totalPageCount }, opts);
        newest = tail.history.reduce((m, r) => Math.max(m, r.id), newest);
      }
      e.db.transaction(() => {
        ctx.setCursor(String(newest));
        e.events.emit('retailcrm.connected', { db: e.db });
      })();
    }

    return { refreshOrder };
  },
} satisfies FlowModule<unknown>;
