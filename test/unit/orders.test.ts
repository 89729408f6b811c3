import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { phoneDigits, type OrderFilter } from '../../src-main/engine/core/orders.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { openCore, type Core } from './support.js';

let core: Core;
beforeEach(() => {
  core = openCore();
});
afterEach(async () => {
  await core.close();
});

const page = (f: Partial<OrderFilter> = {}): OrderFilter => ({ limit: 50, offset: 0, ...f });
const numbers = (f: Partial<OrderFilter> = {}) => core.orders.list(page(f)).items.map((o) => o.number);

/** Sets an order's timestamps directly, so date filters and ordering are deterministic. */
function stamp(id: number, createdAt: number, updatedAt = createdAt): void {
  core.db.prepare('UPDATE orders SET created_at = ?, updated_at = ? WHERE id = ?').run(createdAt, updatedAt, id);
}

describe('phoneDigits', () => {
  it('8… and +7… spellings of a Russian number become the same digits', () => {
    expect(phoneDigits('8 (912) 345-67-89')).toBe('79123456789');
    expect(phoneDigits('+7 912 345 67 89')).toBe('79123456789');
    expect(phoneDigits('79123456789')).toBe('79123456789');
  });

  it('other lengths are kept as they are; nothing gives null', () => {
    expect(phoneDigits('8-800')).toBe('8800');
    expect(phoneDigits('+375 29 123-45-67')).toBe('375291234567');
    expect(phoneDigits('нет телефона')).toBeNull();
    expect(phoneDigits('')).toBeNull();
    expect(phoneDigits(null)).toBeNull();
  });
});

describe('Orders', () => {
  it('an order is known by its ref: a second upsert refreshes it and keeps what the new data leaves out', () => {
    const id = core.orders.upsert({ ref: 'retailcrm:1001', number: '1001A', customer: 'Иванова Мария', phone: '+7 912 345-67-89', crmStatus: 'new' });
    const again = core.orders.upsert({ ref: 'retailcrm:1001', number: '1001A-2', crmStatus: 'assembling' });
    expect(again).toBe(id);
    expect(core.orders.idByRef('retailcrm:1001')).toBe(id);
    expect(core.orders.get(id)).toMatchObject({
      ref: 'retailcrm:1001',
      number: '1001A-2',
      customer: 'Иванова Мария',
      phone: '+7 912 345-67-89',
      crmStatus: 'assembling',
      systems: {},
      attention: false,
    });
    expect(core.orders.list(page()).total).toBe(1);
    expect(core.orders.idByRef('retailcrm:404')).toBeNull();
    expect(core.orders.get(9_999)).toBeNull();
  });

  it('the merchant finds an order by phone however it was typed, 8… or +7…', () => {
    core.orders.upsert({ ref: 'retailcrm:1', number: '1001A', phone: '+7 (912) 345-67-89' });
    core.orders.upsert({ ref: 'retailcrm:2', number: '1002A', phone: '8 922 000-11-22' });
    core.orders.upsert({ ref: 'retailcrm:3', number: '1003A', phone: null });

    expect(numbers({ search: '89123456789' })).toEqual(['1001A']);
    expect(numbers({ search: '8 (912) 345-67-89' })).toEqual(['1001A']);
    expect(numbers({ search: '+7 922 000 11 22' })).toEqual(['1002A']);
    expect(numbers({ search: '79220001122' })).toEqual(['1002A']);
    // A fragment of the number finds it too.
    expect(numbers({ search: '345-67' })).toEqual(['1001A']);
  });

  it('finds names in any case, Cyrillic included, and keeps the name when a later update omits it', () => {
    core.orders.upsert({ ref: 'retailcrm:1', number: '1001A', customer: 'Смирнова Анна' });
    core.orders.upsert({ ref: 'retailcrm:2', number: '1002A', customer: 'Ёлкин Пётр' });
    expect(numbers({ search: 'СМИРНОВА' })).toEqual(['1001A']);
    expect(numbers({ search: 'смирнова ан' })).toEqual(['1001A']);
    expect(numbers({ search: 'ЁЛКИН' })).toEqual(['1002A']);
    expect(numbers({ search: '1001a' })).toEqual(['1001A']);
    core.orders.upsert({ ref: 'retailcrm:1', number: '1001A', crmStatus: 'complete' });
    expect(numbers({ search: 'смирнова' })).toEqual(['1001A']);
  });

  it('searches by order number and customer name; LIKE wildcards in the query are taken literally', () => {
    core.orders.upsert({ ref: 'retailcrm:1', number: '1001A', customer: 'ООО «Ромашка»' });
    core.orders.upsert({ ref: 'retailcrm:2', number: '2002B', customer: 'Петров Иван' });
    core.orders.upsert({ ref: 'retailcrm:3', number: '50%_OFF', customer: 'Акция' });

    expect(numbers({ search: '1001' })).toEqual(['1001A']);
    expect(numbers({ search: 'Петров' })).toEqual(['2002B']);
    expect(numbers({ search: 'Ромашка' })).toEqual(['1001A']);
    expect(numbers({ search: '%' })).toEqual(['50%_OFF']);
    expect(numbers({ search: '_' })).toEqual(['50%_OFF']);
    expect(numbers({ search: '   ' }).sort()).toEqual(['1001A', '2002B', '50%_OFF']);
  });

  it('finds a name typed first name first, and a number typed with a Russian look-alike letter', () => {
    core.orders.upsert({ ref: 'retailcrm:1', number: '17A', customer: 'Петров Иван' });
    core.orders.upsert({ ref: 'retailcrm:2', number: '170B', customer: 'Иванова Мария' });
    expect(numbers({ search: 'Иван Петров' })).toEqual(['17A']);
    expect(numbers({ search: 'петров иван' })).toEqual(['17A']);
    expect(numbers({ search: '17а' })).toEqual(['17A']); // Cyrillic «а»
    expect(numbers({ search: '170в' })).toEqual(['170B']); // Cyrillic «в»
    expect(numbers({ search: 'Мария Петров' })).toEqual([]);
  });

  it('a system chip that needs attention makes the order need attention, until it is cleared', () => {
    const id = core.orders.upsert({ ref: 'retailcrm:1', number: '1001A' });
    core.orders.setChip(id, 'measoft', { state: 'error', label: 'Не создан в MeaSoft', attention: true });
    expect(core.orders.get(id)).toMatchObject({
      attention: true,
      systems: { measoft: { state: 'error', label: 'Не создан в MeaSoft', attention: true } },
    });

    core.orders.setChip(id, 'kassa', { state: 'done', label: 'Чек пробит', attention: false });
    expect(core.orders.get(id)?.attention).toBe(true);

    core.orders.setChip(id, 'measoft', { state: 'created', label: 'В MeaSoft', attention: false });
    expect(core.orders.get(id)).toMatchObject({ attention: false, systems: { measoft: { state: 'created' }, kassa: { state: 'done' } } });
  });

  it('an order with a job waiting for the merchant (attention or dead) needs attention; after a retry it does not', () => {
    const id = core.orders.upsert({ ref: 'retailcrm:1', number: '1001A' });
    const { job } = core.queue.enqueue({ kind: 'kassa.sell', connector: 'kassa', key: 'receipt:sell:1:1', payload: {}, orderId: id });
    const [claimed] = core.queue.claim('kassa', 1, 60_000);
    core.queue.fail(claimed!, new SyncError({ kind: 'needsAttention', message: 'Неверный ИНН' }), 1);
    core.orders.refreshAttention(id);
    expect(core.orders.get(id)?.attention).toBe(true);

    core.queue.retry(job.id);
    core.orders.refreshAttention(id);
    expect(core.orders.get(id)?.attention).toBe(false);
  });

  it('filters by attention, system, CRM status and creation date, and reports the total beside each page', () => {
    const t = Date.parse('2025-03-01T00:00:00Z');
    const day = 24 * 3600_000;
    for (let i = 0; i < 6; i++) {
      const id = core.orders.upsert({ ref: `retailcrm:${i}`, number: `N${i}`, crmStatus: i % 2 ? 'delivering' : 'new' });
      if (i < 3) core.orders.setChip(id, 'measoft', { state: 'created', label: 'В MeaSoft', attention: i === 0 });
      stamp(id, t + i * day);
    }

    expect(numbers({ attention: true })).toEqual(['N0']);
    expect(core.orders.list(page({ attention: false })).total).toBe(5);
    expect(numbers({ system: 'measoft' })).toEqual(['N2', 'N1', 'N0']);
    expect(numbers({ system: 'kassa' })).toEqual([]);
    expect(numbers({ crmStatus: 'delivering' })).toEqual(['N5', 'N3', 'N1']);
    expect(numbers({ from: t + day, to: t + 3 * day })).toEqual(['N2', 'N1']);
    expect(numbers({ system: 'measoft', crmStatus: 'new' })).toEqual(['N2', 'N0']);

    const second = core.orders.list(page({ limit: 2, offset: 2 }));
    expect(second.total).toBe(6);
    expect(second.items.map((o) => o.number)).toEqual(['N3', 'N2']);
  });

  it('the most recently changed orders come first', () => {
    const a = core.orders.upsert({ ref: 'r:a', number: 'A' });
    const b = core.orders.upsert({ ref: 'r:b', number: 'B' });
    stamp(a, 1_000, 5_000);
    stamp(b, 2_000, 3_000);
    expect(numbers()).toEqual(['A', 'B']);
  });
});
