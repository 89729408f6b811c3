import type { OrderSummary } from '../../src-shared/api';

/** Newest orders first by when they appeared, so a status change does not move a row. */
function byArrival(a: OrderSummary, b: OrderSummary): number {
  return b.createdAt - a.createdAt || b.id - a.id;
}

/**
 * Rows keep their place while the pointer is over the list: a fresh answer updates the rows in place, and
 * orders that arrived meanwhile wait behind «Новых заказов: N» until the pointer leaves or the button is pressed.
 */
export function mergeHeld(shown: OrderSummary[], fresh: OrderSummary[], held: boolean): { items: OrderSummary[]; pending: number } {
  const sorted = [...fresh].sort(byArrival);
  if (!held) return { items: sorted, pending: 0 };
  const byId = new Map(sorted.map((o) => [o.id, o]));
  const items = shown.map((o) => byId.get(o.id) ?? o);
  const known = new Set(shown.map((o) => o.id));
  return { items, pending: sorted.filter((o) => !known.has(o.id)).length };
}
