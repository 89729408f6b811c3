import type { Engine } from '../../src-main/engine/engine.js';
import { phoneDigits } from '../../src-main/engine/core/orders.js';
import { SyncError } from '../../src-main/engine/errors.js';

/** A shop's order history for the queue: realistic Russian names, phones, RetailCRM statuses and chips. */
const surnames = [
  ['Смирнов', 'Смирнова'],
  ['Иванов', 'Иванова'],
  ['Кузнецов', 'Кузнецова'],
  ['Попов', 'Попова'],
  ['Васильев', 'Васильева'],
  ['Петров', 'Петрова'],
  ['Соколов', 'Соколова'],
  ['Михайлов', 'Михайлова'],
  ['Новиков', 'Новикова'],
  ['Фёдоров', 'Фёдорова'],
  ['Морозов', 'Морозова'],
  ['Волков', 'Волкова'],
  ['Алексеев', 'Алексеева'],
] as const;
const male = ['Александр', 'Дмитрий', 'Максим', 'Сергей', 'Андрей', 'Алексей', 'Иван', 'Михаил', 'Никита', 'Егор'];
const female = ['Анна', 'Мария', 'Елена', 'Ольга', 'Наталья', 'Татьяна', 'Ирина', 'Екатерина', 'Светлана', 'Юлия'];
export const seedStatuses = ['new', 'assembling', 'send-to-delivery', 'delivering', 'complete', 'cancel-other'] as const;

export interface SeededOrder {
  i: number;
  id: number;
  number: string;
  customer: string;
  phone: string;
  crmStatus: string;
  attention: boolean;
  measoft: boolean;
  createdAt: number;
}

const MINUTE = 60_000;

/**
 * Seeds `count` orders. Order i is updated i minutes before `now`, so the queue (newest change first) lists
 * them by i. Every 3rd is at the courier, every 41st of those has a courier problem; every 53rd has a POS chip
 * waiting for the merchant. The first order was refused by MeaSoft: its chip says so and its timeline shows why.
 */
export function seedOrders(engine: Engine, count: number, now = Date.now()): SeededOrder[] {
  const out: SeededOrder[] = [];
  const setTimes = engine.db.prepare('UPDATE orders SET created_at = ?, updated_at = ? WHERE id = ?');
  engine.db.transaction(() => {
    for (let i = 1; i <= count; i++) {
      const [m, f] = surnames[i % surnames.length]!;
      const woman = i % 2 === 0;
      const customer = woman ? `${f} ${female[(i * 7) % female.length]}` : `${m} ${male[(i * 3) % male.length]}`;
      const d = String(i).padStart(7, '0');
      const phone = `+7 (916) ${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`;
      const crmStatus = seedStatuses[i % seedStatuses.length]!;
      const number = `${1000 + i}A`;
      const id = engine.orders.upsert({ ref: `retailcrm:${5000 + i}`, number, customer, phone, crmStatus });
      // Order 1 is the one whose MeaSoft step failed (its timeline below).
      const measoft = i % 3 === 0 || i === 1;
      let attention = false;
      if (measoft) {
        attention = i % 41 === 0 || i === 1;
        engine.orders.setChip(
          id,
          'measoft',
          attention ? { state: 'error', label: 'Не принят курьером', attention: true } : { state: 'DELIVERY', label: 'На доставке', attention: false },
        );
      }
      if (i % 53 === 0) {
        engine.orders.setChip(id, 'lifepos', { state: 'error', label: 'Продажа не создана', attention: true });
        attention = true;
      }
      const createdAt = now - i * MINUTE - 2 * 60 * MINUTE;
      setTimes.run(createdAt, now - i * MINUTE, id);
      out.push({ i, id, number, customer, phone, crmStatus, attention, measoft, createdAt });
    }
    const first = out[0]!;
    engine.timeline.record({
      orderId: first.id,
      system: 'retailcrm',
      action: 'Получение заказа из RetailCRM',
      outcome: 'ok',
      sent: { by: 'id', id: 5001 },
      received: { number: first.number, status: first.crmStatus, delivery: { code: 'courier' } },
      durationMs: 184,
      attempt: 1,
    });
    engine.timeline.record({
      orderId: first.id,
      system: 'measoft',
      action: 'Создание заказа в MeaSoft',
      outcome: 'error',
      sent: '<neworder><receiver><phone>+79160000001</phone></receiver></neworder>',
      received: '<error>Не указан адрес получателя</error>',
      durationMs: 1240,
      attempt: 2,
      error: new SyncError({ kind: 'needsAttention', system: 'measoft', message: 'MeaSoft не принял заказ: не указан адрес получателя.' }),
    });
    engine.errors.record(new SyncError({ kind: 'needsAttention', system: 'measoft', message: 'MeaSoft не принял заказ: не указан адрес получателя.' }), {
      orderId: first.id,
    });
  })();
  return out;
}

/** What the engine's search matches: number or name (Cyrillic case folded), or phone digits (3 or more). */
export function matchesSearch(o: SeededOrder, q: string): boolean {
  const text = `${o.number} ${o.customer}`.toLocaleLowerCase('ru');
  if (text.includes(q.trim().toLocaleLowerCase('ru'))) return true;
  const digits = phoneDigits(q);
  return !!digits && digits.length >= 3 && phoneDigits(o.phone)!.includes(digits);
}
