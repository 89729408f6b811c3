import { z } from 'zod';
import type { CallOptions, CrmCustomer, RetailCrmClient } from '../../connectors/retailcrm/index.js';
import { phoneDigits } from '../../core/orders.js';
import { SyncError } from '../../errors.js';

/*
 * The Leeloo flow's rules: what a Leeloo request holds, whether a SALE can be taken (and, if not, what is wrong
 * in the merchant's words), and which RetailCRM customer a sale belongs to.
 */

export const EVENT_TYPES = ['SALE', 'ORDER', 'SUBSCRIPTION', 'INCOMING_MESSAGE'] as const;
/** Inbox kind of a SALE event that cannot be taken as it is: stored, then failed with a reason for the merchant. */
export const INVALID_SALE_KIND = 'SALE_INVALID';

export const saleData = z.looseObject({
  order_id: z.string().min(1).max(64),
  offer_name: z.string().default('Оплата'),
  // Roubles as a number, or as a string («4990», «4990.50», «4990,50»); an empty string is no price.
  price: z.union([z.number(), z.string().trim().min(1)]).transform((v) => (typeof v === 'number' ? v : Number(v.replace(',', '.')))),
  currency: z.string().default('RUB'),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  payment_method: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type LeelooSale = z.output<typeof saleData>;

export function leelooRef(orderId: string): string {
  return `leeloo:${orderId}`;
}

/** The events of a Leeloo request: the `{events:[…]}` batch or one bare `{type,data}`; null when it is neither. */
export function leelooEvents(body: unknown): unknown[] | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as { events?: unknown };
  if (Array.isArray(b.events)) return b.events;
  return 'type' in b ? [b] : null;
}

/** A SALE event that could not be taken, as kept in the inbox. */
export const invalidSaleSchema = z.object({
  /** 1-based place in its batch, and the batch size. */
  position: z.number().int(),
  total: z.number().int(),
  orderId: z.string().nullable(),
  /** What is wrong, in Russian, one entry per field. */
  problems: z.array(z.string()),
  event: z.unknown(),
});
export type InvalidSale = z.output<typeof invalidSaleSchema>;

const FIELD_NAMES: Record<string, string> = {
  order_id: 'номер заказа (order_id)',
  price: 'сумма (price)',
  offer_name: 'название предложения (offer_name)',
  currency: 'валюта (currency)',
  email: 'e-mail покупателя (email)',
  phone: 'телефон покупателя (phone)',
  payment_method: 'способ оплаты (payment_method)',
  created_at: 'время продажи (created_at)',
};

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Validates a SALE event's `data`: the sale ready for the queue, or what is wrong with it in the merchant's words. */
export function checkSale(data: unknown): { sale: LeelooSale } | { orderId: string | null; problems: string[] } {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { orderId: null, problems: ['в событии нет данных продажи (data)'] };
  const d = data as Record<string, unknown>;
  const orderId = typeof d.order_id === 'string' && d.order_id.length > 0 ? d.order_id.slice(0, 64) : null;
  const parsed = saleData.safeParse(d);
  const problems: string[] = [];
  if (parsed.success) {
    const price = parsed.data.price;
    if (!Number.isFinite(price)) problems.push(`${FIELD_NAMES.price} — не число: ${shown(d.price)}`);
    else if (price < 0) problems.push(`${FIELD_NAMES.price} отрицательная: ${price}`);
    if (problems.length === 0) return { sale: parsed.data };
    return { orderId, problems };
  }
  const seen = new Set<string>();
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (seen.has(field)) continue;
    seen.add(field);
    const name = FIELD_NAMES[field] ?? `поле «${field}»`;
    const value = d[field];
    if (value === undefined || value === null || value === '') problems.push(`не указано: ${name}`);
    else if (field === 'order_id' && typeof value === 'string') problems.push(`${name} длиннее 64 символов`);
    else if (field === 'price') problems.push(`${name} — не число: ${shown(value)}`);
    else problems.push(`${name} неверного вида: ${shown(value)}`);
  }
  return { orderId, problems };
}

export function invalidSaleError(bad: InvalidSale): SyncError {
  const which = `событие ${bad.position} из ${bad.total} в пакете${bad.orderId ? `, заказ Leeloo ${bad.orderId}` : ''}`;
  return new SyncError({
    kind: 'needsAttention',
    system: 'leeloo',
    message: `Продажа из Leeloo (${which}) не принята: ${bad.problems.join('; ')}. Заказ в RetailCRM не создан, чек не пробит — проверьте эту продажу в Leeloo и оформите её вручную.`,
    detail: JSON.stringify(bad.event).slice(0, 2000),
  });
}

function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = phoneDigits(a);
  const y = phoneDigits(b);
  if (!x || !y || x.length < 5 || y.length < 5) return false;
  return x === y || (x.length >= 10 && y.length >= 10 && x.slice(-10) === y.slice(-10));
}

const sameEmail = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/** The oldest customer of a search answer, if any. */
function oldest(list: CrmCustomer[]): number | null {
  return list.reduce<number | null>((min, c) => (min === null || c.id < min ? c.id : min), null);
}

/**
 * The RetailCRM customer of a sale: by phone first, then by e-mail; null when neither finds one. RetailCRM's
 * filters are loose (the phone goes through its name/phone filter), so only exact matches count.
 */
export async function findCustomer(crm: RetailCrmClient, sale: Pick<LeelooSale, 'phone' | 'email'>, opts: CallOptions): Promise<number | null> {
  if (sale.phone && (phoneDigits(sale.phone)?.length ?? 0) >= 5) {
    const byPhone = (await crm.customersSearch({ phone: sale.phone }, opts)).filter((c) => c.phones.some((p) => samePhone(p.number, sale.phone)));
    const id = oldest(byPhone);
    if (id !== null) return id;
  }
  if (sale.email && sale.email.trim()) {
    const byEmail = (await crm.customersSearch({ email: sale.email.trim() }, opts)).filter((c) => sameEmail(c.email, sale.email));
    const id = oldest(byEmail);
    if (id !== null) return id;
  }
  return null;
}
