import { describe, expect, it } from 'vitest';
import type { OrderSummary } from '../../src-shared/api.js';
import { mergeHeld } from '../../src-renderer/lib/held-list.js';

const order = (id: number, createdAt: number, label = 'Новый'): OrderSummary => ({
  id, ref: `retailcrm:${id}`, number: `${id}A`, customer: null, phone: null, crmStatus: null,
  systems: { measoft: { state: 'NEW', label, attention: false } }, attention: false, createdAt, updatedAt: createdAt,
});

describe('the print-form order list does not move under the mouse', () => {
  it('newest first by arrival: a status change does not reorder', () => {
    const { items } = mergeHeld([], [order(1, 100, 'Доставлен'), order(3, 300), order(2, 200)], false);
    expect(items.map((o) => o.id)).toEqual([3, 2, 1]);
  });

  it('while held, rows keep their places and update in place; new orders wait and are counted', () => {
    const shown = [order(3, 300), order(2, 200), order(1, 100)];
    const fresh = [order(4, 400), order(2, 200, 'Выдан курьеру на доставку'), order(3, 300), order(1, 100)];
    const held = mergeHeld(shown, fresh, true);
    expect(held.items.map((o) => o.id)).toEqual([3, 2, 1]);
    expect(held.items[1]!.systems.measoft!.label).toBe('Выдан курьеру на доставку');
    expect(held.pending).toBe(1);
    // Released: the new order takes its place on top.
    expect(mergeHeld(held.items, fresh, false)).toEqual({ items: [fresh[0], fresh[2], fresh[1], fresh[3]], pending: 0 });
  });
});
