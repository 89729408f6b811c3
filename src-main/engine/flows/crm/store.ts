import type { CrmOrder, HistoryRecord } from '../../connectors/retailcrm/index.js';
import { sql, type Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import './events.js';

/** The local order of a RetailCRM order. */
export function crmOrderRef(id: number): string {
  return `retailcrm:${id}`;
}

/** The RetailCRM id of a local order's ref, or null when the order did not come from RetailCRM. */
export function crmIdOf(ref: string): number | null {
  const m = /^retailcrm:(\d+)$/.exec(ref);
  return m ? Number(m[1]) : null;
}

/**
 * Records what RetailCRM says the orders are now and lets every flow react (`retailcrm.order`); call inside a
 * transaction.
 */
export function recordCrmOrders(engine: Engine, orders: CrmOrder[], db: Db, read: { readAt?: number; history?: Map<number, HistoryRecord[]>; generatedAt?: string | null } = {}): void {
  for (const order of orders) {
    const localId = engine.orders.upsert({
      ref: crmOrderRef(order.id),
      number: order.number,
      customer: [order.lastName, order.firstName].filter(Boolean).join(' ') || null,
      phone: order.phone ?? null,
      crmStatus: order.status,
    });
    engine.events.emit('retailcrm.order', { order, localId, db, history: read.history?.get(order.id) ?? [], generatedAt: read.generatedAt ?? null, readAt: read.readAt ?? Date.now() });
  }
  if (orders.length) engine.events.emit('orders.changed', { ids: orders.map((o) => engine.orders.idByRef(crmOrderRef(o.id))!).filter(Boolean) });
}

/** How far the first connection's sweep of orders already waiting has got (shown on «Обзор» until it is done). */
export interface SweepProgress {
  read: number;
  total: number;
}

const SWEEP_KEY = 'retailcrm.sweep';

export const sweepProgress = {
  get(db: Db): SweepProgress | null {
    const row = sql(db, 'SELECT value FROM kv WHERE key = ?').get(SWEEP_KEY) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as SweepProgress) : null;
  },
  set(db: Db, p: SweepProgress | null): void {
    if (p) sql(db, `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(SWEEP_KEY, JSON.stringify(p));
    else sql(db, 'DELETE FROM kv WHERE key = ?').run(SWEEP_KEY);
  },
};

const PAYMENT_STATUSES_KEY = 'retailcrm.paymentStatuses';

/** RetailCRM's payment statuses (code → «paymentComplete»), as last read: a complete one means money received. */
export const paymentStatusBook = {
  get(db: Db): Record<string, boolean> | null {
    const row = sql(db, 'SELECT value FROM kv WHERE key = ?').get(PAYMENT_STATUSES_KEY) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Record<string, boolean>) : null;
  },
  set(db: Db, book: Record<string, boolean>): void {
    sql(db, `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(PAYMENT_STATUSES_KEY, JSON.stringify(book));
  },
  /** Codes of the statuses that mean the payment is complete. */
  complete(db: Db): string[] {
    return Object.entries(paymentStatusBook.get(db) ?? {})
      .filter(([, complete]) => complete)
      .map(([code]) => code);
  },
};
