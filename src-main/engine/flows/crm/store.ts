import type { CrmOrder } from '../../connectors/retailcrm/index.js';
import type { Db } from '../../db/open.js';
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
export function recordCrmOrders(engine: Engine, orders: CrmOrder[], db: Db): void {
  for (const order of orders) {
    const localId = engine.orders.upsert({
      ref: crmOrderRef(order.id),
      number: order.number,
      customer: [order.lastName, order.firstName].filter(Boolean).join(' ') || null,
      phone: order.phone ?? null,
      crmStatus: order.status,
    });
    engine.events.emit('retailcrm.order', { order, localId, db });
  }
  if (orders.length) engine.events.emit('orders.changed', { ids: orders.map((o) => engine.orders.idByRef(crmOrderRef(o.id))!).filter(Boolean) });
}
