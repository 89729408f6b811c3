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
export type OrderReconciler = (order: CrmOrder, localOrderId: number, db: Db, ctx: ReconcileContext) => void;

/** What came with an order besides its current state. */
export interface ReconcileContext {
  /**
   * The order's history records read with it (payment changes and its creation record), oldest first, each
   * applied exactly once: the history cursor commits with them. Empty when the order was read on its own.
   */
  history: HistoryRecord[];
  /** When RetailCRM generated the history page, in its own clock (to tell how late a change is seen). */
  generatedAt: string | null;
  /** When the read of the order started (ms): anything committed after it is newer than this order state. */
  readAt: number;
}

export const CRM_HISTORY_POLLER = 'retailcrm.history';
export const CRM_WEBHOOK_SOURCE = 'retailcrm';
/** Orders read per request when catching up (`filter[ids][]`, the largest page RetailCRM allows). */
const READ_BATCH = 100;
/** A run stops after this many history pages and continues on the next run, so one poll never runs for hours. */
const MAX_PAGES_PER_RUN = 2_000;
/** History fields the flows replay record by record (the rest only says «re-read the order»). */
const REPLAYED_FIELDS = new Set(['payments', 'payments.status', 'payments.amount', 'payments.type']);
/** The first-run sweep's progress lives in the poller's cursor until it is done: `sweep:{…}`. */
const SWEEP_PREFIX = 'sweep:';

/** Where the first-run sweep of orders waiting in a sending status has got to (saved after every page). */
export interface SweepProgress {
  /** The history cursor taken before the sweep: changes during the sweep are read from there afterwards. */
  cursor: number;
  /** Next page to read; pages go from the last (oldest orders) to the first. */
  page: number;
  pages: number;
  /** Orders in the sending statuses when the sweep began, and read so far. */
  total: number;
  read: number;
  /** How many there were at the last page read. */
  count: number;
}

export function parseSweep(cursor: string | null): SweepProgress | null {
  if (!cursor?.startsWith(SWEEP_PREFIX)) return null;
  try {
    return JSON.parse(cursor.slice(SWEEP_PREFIX.length)) as SweepProgress;
  } catch {
    return null;
  }
}

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
  /** Pages of the first-run sweep read per poll run; the rest continues on the next run (tests lower it). */
  sweepPagesPerRun = 50;

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
      progress: () => {
        const sweep = parseSweep(e.scheduler.cursorOf(CRM_HISTORY_POLLER));
        if (!sweep) return null;
        return `Первое подключение: прочитано ${Math.min(sweep.read, sweep.total)} из ${sweep.total} заказов, ожидающих отправки; продолжаем.`;
      },
      run: (ctx) => this.pollHistory(ctx),
    });

    e.runner.register({
      kind: 'retailcrm.refreshOrder',
      connector: 'retailcrm',
      title: 'Чтение заказа из RetailCRM',
      payload: z.object({ crmId: z.number().int().positive() }),
      run: async (ctx) => {
        const readAt = Date.now();
        const order = await this.connections.retailcrm().orderGet(ctx.payload.crmId, 'id', undefined, { signal: ctx.signal });
        ctx.note({ received: { number: order.number, status: order.status, delivery: order.delivery?.code ?? null } });
        return { result: { status: order.status }, commit: (db) => this.apply([order], db, { readAt }) };
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
  apply(orders: CrmOrder[], db: Db, read: { readAt?: number; history?: Map<number, HistoryRecord[]>; generatedAt?: string | null } = {}): void {
    for (const order of orders) {
      const localId = this.engine.orders.upsert({
        ref: crmOrderRef(order.id),
        number: order.number,
        customer: [order.lastName, order.firstName].filter(Boolean).join(' ') || null,
        phone: order.phone ?? null,
        crmStatus: order.status,
      });
      const ctx: ReconcileContext = { history: read.history?.get(order.id) ?? [], generatedAt: read.generatedAt ?? null, readAt: read.readAt ?? Date.now() };
      for (const fn of this.reconcilers.values()) fn(order, localId, db, ctx);
    }
    if (orders.length) this.engine.events.emit('orders.changed', { ids: orders.map((o) => this.engine.orders.idByRef(crmOrderRef(o.id))!).filter(Boolean) });
  }

  private async pollHistory(ctx: PollerContext): Promise<void> {
    if (!this.connections.retailcrmConfigured()) return;
    const crm = this.connections.retailcrm();
    const opts = { signal: ctx.signal };
    const cursor = ctx.cursor();
    if (cursor === null || parseSweep(cursor)) {
      await this.firstRun(ctx);
      return;
    }
    let sinceId = Number(cursor);
    const pending = new Set<number>();
    // Payment changes and creation records of the orders to re-read, replayed by the flows in order.
    const replay = new Map<number, HistoryRecord[]>();
    let generatedAt: string | null = null;
    for (let pages = 0; pages < MAX_PAGES_PER_RUN; pages++) {
      const page = await crm.history({ sinceId, limit: 100 }, opts);
      generatedAt = page.generatedAt ?? generatedAt;
      for (const r of page.history) {
        sinceId = Math.max(sinceId, r.id);
        const orderId = historyOrderId(r);
        if (orderId === null) continue;
        if (!isOwnChange(r)) pending.add(orderId);
        if (REPLAYED_FIELDS.has(r.field) || r.created) {
          const list = replay.get(orderId) ?? [];
          list.push(r);
          replay.set(orderId, list);
        }
      }
      const last = page.history.length === 0 || page.pagination.totalPageCount <= 1;
      if (pending.size >= READ_BATCH || last) {
        await this.flush(pending, sinceId, ctx, replay, generatedAt);
        pending.clear();
        replay.clear();
      }
      if (last) break;
    }
    if (pending.size) await this.flush(pending, sinceId, ctx, replay, generatedAt);
  }

  /** Reads the changed orders in pages of 100 and commits them together with the cursor that covers them. */
  private async flush(ids: Set<number>, cursor: number, ctx: PollerContext, history: Map<number, HistoryRecord[]>, generatedAt: string | null): Promise<void> {
    const all = [...ids];
    const orders: CrmOrder[] = [];
    const readAt = Date.now();
    for (let i = 0; i < all.length; i += READ_BATCH) {
      const chunk = all.slice(i, i + READ_BATCH);
      const res = await this.connections.retailcrm().ordersList({ ids: chunk }, 1, 100, { signal: ctx.signal });
      orders.push(...res.orders);
    }
    const db = this.engine.db;
    db.transaction(() => {
      this.apply(orders, db, { readAt, history, generatedAt });
      ctx.setCursor(String(cursor));
    })();
  }

  /**
   * A new connection starts at the newest history record (it does not replay the account's past) and sweeps
   * the orders already waiting in a sending status, so nothing that is due now is missed. The history cursor
   * is taken before the sweep, so whatever changes while it reads is read from the history afterwards. The
   * sweep reads every page, oldest orders first (an order that leaves the sending statuses once handled does
   * not shift the pages still to read), a bounded number of pages per run, and saves where it got to with
   * every page: a restart continues there. The overview shows how far it is.
   */
  private async firstRun(ctx: PollerContext): Promise<void> {
    const crm = this.connections.retailcrm();
    const opts = { signal: ctx.signal };
    const db = this.engine.db;
    const courier = this.engine.settings.get('courier');
    const filter = { extendedStatus: courier.triggerStatuses, deliveryTypes: courier.deliveryTypes };
    let sweep = parseSweep(ctx.cursor());
    if (!sweep) {
      const head = await crm.history({ limit: 100, page: 1 }, opts);
      let newest = head.history.reduce((m, r) => Math.max(m, r.id), 0);
      if (head.pagination.totalPageCount > 1) {
        const tail = await crm.history({ limit: 100, page: head.pagination.totalPageCount }, opts);
        newest = tail.history.reduce((m, r) => Math.max(m, r.id), newest);
      }
      if (!(courier.enabled && courier.triggerStatuses.length && courier.deliveryTypes.length)) {
        ctx.setCursor(String(newest));
        return;
      }
      const first = await crm.ordersList(filter, 1, 100, opts);
      const pages = Math.max(1, first.pagination.totalPageCount);
      sweep = { cursor: newest, page: pages, pages, total: first.pagination.totalCount, read: 0, count: first.pagination.totalCount };
      if (pages === 1) {
        // Everything fits one page: read already.
        const done = sweep;
        db.transaction(() => {
          this.apply(first.orders, db, { readAt: Date.now() });
          ctx.setCursor(String(done.cursor));
        })();
        return;
      }
      ctx.setCursor(SWEEP_PREFIX + JSON.stringify(sweep));
    }
    for (let n = 0; n < this.sweepPagesPerRun && sweep.page >= 1; n++) {
      const readAt = Date.now();
      const res = await crm.ordersList(filter, sweep.page, 100, opts);
      const orders = [...res.orders];
      // Orders entering the sending statuses meanwhile push the rest towards older pages, so one not yet
      // read could slip into the page just read: when the count moved, that page is read again (applying an
      // order twice changes nothing).
      if (res.pagination.totalCount !== sweep.count && sweep.page + 1 <= sweep.pages) {
        orders.push(...(await crm.ordersList(filter, sweep.page + 1, 100, opts)).orders);
      }
      const next: SweepProgress = { ...sweep, page: sweep.page - 1, read: sweep.read + res.orders.length, count: res.pagination.totalCount };
      db.transaction(() => {
        this.apply(orders, db, { readAt });
        ctx.setCursor(next.page >= 1 ? SWEEP_PREFIX + JSON.stringify(next) : String(next.cursor));
      })();
      sweep = next;
    }
    this.engine.events.emit('status.changed', undefined);
  }
}

function historyOrderId(r: HistoryRecord): number | null {
  const id = r.order?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}
