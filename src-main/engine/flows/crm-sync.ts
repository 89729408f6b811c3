import { z } from 'zod';
import type { Db } from '../db/open.js';
import { SyncError } from '../errors.js';
import type { Engine } from '../engine.js';
import type { Connections } from '../connectors/connections.js';
import { isOwnChange, type CrmOrder, type HistoryRecord } from '../connectors/retailcrm/index.js';
import type { PollerContext } from '../jobs/scheduler.js';

/**
 * A flow's view of a RetailCRM order that changed: called inside the transaction that records the change,
 * so it must only touch the database (enqueue jobs, update its rows) — never the network.
 */
export type OrderReconciler = (order: CrmOrder, localOrderId: number, db: Db) => void;

export const CRM_HISTORY_POLLER = 'retailcrm.history';
export const CRM_WEBHOOK_SOURCE = 'retailcrm';
/** Orders read per request when catching up (`filter[ids][]`, the largest page RetailCRM allows). */
const READ_BATCH = 100;
/** A run stops after this many history pages and continues on the next run, so one poll never runs for hours. */
const MAX_PAGES_PER_RUN = 2_000;

export function crmOrderRef(id: number): string {
  return `retailcrm:${id}`;
}

/**
 * RetailCRM → flows. Triggers («Выполнить HTTP-запрос») are hints that make us re-read one order at once;
 * `orders/history` with the `sinceId` cursor is the truth that catches whatever a trigger missed (the PC was
 * off, the tunnel was down). Our own changes (`apiKey.current`) are skipped, so nothing echoes.
 */
export class CrmSync {
  private readonly reconcilers = new Map<string, OrderReconciler>();

  constructor(
    private readonly engine: Engine,
    private readonly connections: Connections,
  ) {}

  addReconciler(name: string, fn: OrderReconciler): void {
    this.reconcilers.set(name, fn);
  }

  async install(): Promise<void> {
    const e = this.engine;
    const settings = e.settings;
    e.scheduler.register({
      id: CRM_HISTORY_POLLER,
      title: 'Изменения заказов RetailCRM',
      system: 'retailcrm',
      // Read on every scheduling, so a changed setting applies from the next run.
      get intervalMs() {
        return settings.get('retailcrm').historyIntervalSec * 1000;
      },
      active: () => this.connections.retailcrmConfigured(),
      run: (ctx) => this.pollHistory(ctx),
    });

    e.runner.register({
      kind: 'retailcrm.refreshOrder',
      connector: 'retailcrm',
      title: 'Чтение заказа из RetailCRM',
      payload: z.object({ crmId: z.number().int().positive() }),
      run: async (ctx) => {
        const order = await this.connections.retailcrm().orderGet(ctx.payload.crmId, 'id', undefined, { signal: ctx.signal });
        ctx.note({ received: { number: order.number, status: order.status, delivery: order.delivery?.code ?? null } });
        return { result: { status: order.status }, commit: (db) => this.apply([order], db) };
      },
    });

    await e.addWebhookRoute({
      source: CRM_WEBHOOK_SOURCE,
      system: 'retailcrm',
      toInbox: (req) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const raw = Array.isArray(body.id) ? body.id[0] : body.id;
        const id = Number(raw);
        if (!Number.isSafeInteger(id) || id <= 0) {
          throw new SyncError({
            kind: 'needsAttention',
            system: 'retailcrm',
            message: 'Триггер RetailCRM прислал запрос без номера заказа: добавьте параметр id = {{ order.getId() }}.',
            detail: `body: ${JSON.stringify(body).slice(0, 500)}`,
          });
        }
        // Triggers carry no event id. Repeats of the same request within a few seconds are one hint; a later
        // change of the same order is a new one (and history polling is the safety net either way).
        const bucket = Math.floor(Date.now() / 5_000);
        return [{ source: CRM_WEBHOOK_SOURCE, externalId: `${id}:${String(body.status ?? '')}:${bucket}`, kind: 'trigger', payload: { id, status: body.status ?? null } }];
      },
    });

    e.inbox.handle(CRM_WEBHOOK_SOURCE, 'retailcrm', (item, db) => {
      const { id } = item.payload as { id: number };
      const local = e.orders.idByRef(crmOrderRef(id));
      e.queue.enqueue({ kind: 'retailcrm.refreshOrder', connector: 'retailcrm', key: `crm:refresh:${id}:${item.id}`, payload: { crmId: id }, orderId: local });
      void db;
    });

    e.connectionTests.set('retailcrm', async () => {
      const crm = this.connections.retailcrm();
      const required = ['order_read', 'order_write', 'reference_read'];
      const r = await crm.checkScopes(required);
      if (!r.ok) {
        return {
          ok: false,
          message: `У API-ключа RetailCRM не хватает прав: ${r.missing.join(', ')}. Добавьте их в RetailCRM: Настройки → Интеграция → Ключи доступа к API.`,
          detail: null,
        };
      }
      const site = e.settings.get('retailcrm').site;
      if (site && r.sitesAvailable.length > 0 && !r.sitesAvailable.includes(site)) {
        return { ok: false, message: `Ключ не даёт доступа к магазину «${site}». Доступны: ${r.sitesAvailable.join(', ')}.`, detail: null };
      }
      if (!site && r.sitesAvailable.length > 1) {
        return {
          ok: false,
          message: `Ключ открывает несколько магазинов (${r.sitesAvailable.join(', ')}): выберите магазин в настройках.`,
          detail: null,
        };
      }
      return { ok: true, message: 'RetailCRM подключён, права ключа в порядке.', detail: null };
    });
  }

  /** Records what RetailCRM says the orders are now and lets each flow react; call inside a transaction. */
  apply(orders: CrmOrder[], db: Db): void {
    for (const order of orders) {
      const localId = this.engine.orders.upsert({
        ref: crmOrderRef(order.id),
        number: order.number,
        customer: [order.lastName, order.firstName].filter(Boolean).join(' ') || null,
        phone: order.phone ?? null,
        crmStatus: order.status,
      });
      for (const fn of this.reconcilers.values()) fn(order, localId, db);
    }
    if (orders.length) this.engine.events.emit('orders.changed', { ids: orders.map((o) => this.engine.orders.idByRef(crmOrderRef(o.id))!).filter(Boolean) });
  }

  private async pollHistory(ctx: PollerContext): Promise<void> {
    if (!this.connections.retailcrmConfigured()) return;
    const crm = this.connections.retailcrm();
    const opts = { signal: ctx.signal };
    const cursor = ctx.cursor();
    if (cursor === null) {
      await this.firstRun(ctx);
      return;
    }
    let sinceId = Number(cursor);
    const pending = new Set<number>();
    for (let pages = 0; pages < MAX_PAGES_PER_RUN; pages++) {
      const page = await crm.history({ sinceId, limit: 100 }, opts);
      for (const r of page.history) {
        sinceId = Math.max(sinceId, r.id);
        const orderId = historyOrderId(r);
        if (orderId !== null && !isOwnChange(r)) pending.add(orderId);
      }
      const last = page.history.length === 0 || page.pagination.totalPageCount <= 1;
      if (pending.size >= READ_BATCH || last) {
        await this.flush(pending, sinceId, ctx);
        pending.clear();
      }
      if (last) break;
    }
    if (pending.size) await this.flush(pending, sinceId, ctx);
  }

  /** Reads the changed orders in pages of 100 and commits them together with the cursor that covers them. */
  private async flush(ids: Set<number>, cursor: number, ctx: PollerContext): Promise<void> {
    const all = [...ids];
    const orders: CrmOrder[] = [];
    for (let i = 0; i < all.length; i += READ_BATCH) {
      const chunk = all.slice(i, i + READ_BATCH);
      const res = await this.connections.retailcrm().ordersList({ ids: chunk }, 1, 100, { signal: ctx.signal });
      orders.push(...res.orders);
    }
    const db = this.engine.db;
    db.transaction(() => {
      this.apply(orders, db);
      ctx.setCursor(String(cursor));
    })();
  }

  /**
   * A new connection starts at the newest history record (it does not replay the account's past) and sweeps
   * the orders already waiting in a sending status, so nothing that is due now is missed.
   */
  private async firstRun(ctx: PollerContext): Promise<void> {
    const crm = this.connections.retailcrm();
    const opts = { signal: ctx.signal };
    const head = await crm.history({ limit: 100, page: 1 }, opts);
    let newest = head.history.reduce((m, r) => Math.max(m, r.id), 0);
    if (head.pagination.totalPageCount > 1) {
      const tail = await crm.history({ limit: 100, page: head.pagination.totalPageCount }, opts);
      newest = tail.history.reduce((m, r) => Math.max(m, r.id), newest);
    }
    const courier = this.engine.settings.get('courier');
    const orders: CrmOrder[] = [];
    if (courier.enabled && courier.triggerStatuses.length && courier.deliveryTypes.length) {
      for (let page = 1; page <= 100; page++) {
        const res = await crm.ordersList({ extendedStatus: courier.triggerStatuses, deliveryTypes: courier.deliveryTypes }, page, 100, opts);
        orders.push(...res.orders);
        if (page >= res.pagination.totalPageCount) break;
      }
    }
    const db = this.engine.db;
    db.transaction(() => {
      this.apply(orders, db);
      ctx.setCursor(String(newest));
    })();
  }
}

function historyOrderId(r: HistoryRecord): number | null {
  const id = r.order?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}
