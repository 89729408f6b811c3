import { z } from 'zod';
import { sql, type Db } from '../db/open.js';
import { SyncError } from '../errors.js';
import type { Engine } from '../engine.js';
import type { Connections } from '../connectors/connections.js';
import { toKopecks, type CallOptions, type CrmCustomer, type CrmOrder, type RetailCrmClient } from '../connectors/retailcrm/index.js';
import { phoneDigits } from '../core/orders.js';
import { contentId, type InboxInput } from '../jobs/inbox.js';
import type { FiscalFlow } from './fiscal/flow.js';
import { crmOrderRef } from './crm-sync.js';

export const LEELOO_SOURCE = 'leeloo';
const EVENT_TYPES = ['SALE', 'ORDER', 'SUBSCRIPTION', 'INCOMING_MESSAGE'] as const;
/** Inbox kind of a SALE event that cannot be taken as it is: stored, then failed with a reason for the merchant. */
export const INVALID_SALE_KIND = 'SALE_INVALID';

const saleData = z.looseObject({
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

function leelooRef(orderId: string): string {
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
export interface InvalidSale {
  /** 1-based place in its batch, and the batch size. */
  position: number;
  total: number;
  orderId: string | null;
  /** What is wrong, in Russian, one entry per field. */
  problems: string[];
  event: unknown;
}

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

function invalidSaleError(bad: InvalidSale): SyncError {
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

/**
 * Leeloo.ai SALE webhooks → RetailCRM order with its paid payment → 54-FZ receipt. Events arrive in delayed
 * batches (`{events:[…]}`, or one `{type,data}`), each stored in the inbox by its own id; other event types are
 * stored and shown, not acted on; a SALE that cannot be read is stored too and lands in the error log with what
 * is wrong, so a batch is never refused for one bad event. The buyer is the RetailCRM customer with the sale's
 * phone, else with its e-mail; only when neither exists does the order bring a new customer. The merchant maps
 * Leeloo's `payment_method` (their payment integration id) to a cash-register profile: an unknown one waits for
 * the merchant, it is never dropped.
 */
export class LeelooFlow {
  constructor(
    private readonly engine: Engine,
    private readonly connections: Connections,
    private readonly fiscal: FiscalFlow,
  ) {}

  async install(): Promise<void> {
    const e = this.engine;
    await e.addWebhookRoute({
      source: LEELOO_SOURCE,
      system: 'leeloo',
      toInbox: (req) => {
        const raw = leelooEvents(req.body);
        if (!raw) {
          // Only a body that is no Leeloo batch at all is refused; the merchant hears of it, not just the log.
          const err = new SyncError({
            kind: 'needsAttention',
            system: 'leeloo',
            message: 'Leeloo прислал запрос без событий: ни списка «events», ни одного события. Запрос отклонён; если это повторяется, проверьте адрес вебхука в настройках Leeloo.',
            detail: req.rawBody.toString('utf8').slice(0, 500),
          });
          e.errors.record(err, { severity: 'warning' });
          throw err;
        }
        // Every event is stored on its own, a malformed one too: it fails in processing with its own entry in
        // the error log, and the batch is acknowledged so that Leeloo does not send it again and again.
        return raw.map((ev, i): InboxInput => {
          const { type, data } = (ev !== null && typeof ev === 'object' ? ev : {}) as { type?: unknown; data?: unknown };
          const t = typeof type === 'string' && (EVENT_TYPES as readonly string[]).includes(type) ? type : 'UNKNOWN';
          if (t === 'SALE') {
            const checked = checkSale(data);
            if ('sale' in checked) return { source: LEELOO_SOURCE, externalId: `SALE:${checked.sale.order_id}`, kind: 'SALE', payload: checked.sale };
            const bad: InvalidSale = { position: i + 1, total: raw.length, orderId: checked.orderId, problems: checked.problems, event: ev };
            // Keyed by content: the same broken event resent is a duplicate, a corrected one is a new sale.
            return { source: LEELOO_SOURCE, externalId: `SALE_INVALID:${contentId(JSON.stringify(ev))}`, kind: INVALID_SALE_KIND, payload: bad };
          }
          const d = (data ?? {}) as Record<string, unknown>;
          const id = typeof d.order_id === 'string' ? d.order_id : typeof d.id === 'string' ? d.id : JSON.stringify(ev);
          return { source: LEELOO_SOURCE, externalId: `${t}:${id}`.slice(0, 300), kind: t, payload: ev };
        });
      },
    });
    e.inbox.handle(LEELOO_SOURCE, 'leeloo', (item) => {
      if (item.kind === INVALID_SALE_KIND) throw invalidSaleError(item.payload as InvalidSale);
      if (item.kind !== 'SALE') return; // stored and shown, not acted on
      const sale = item.payload as LeelooSale;
      const localId = e.orders.upsert({ ref: leelooRef(sale.order_id), number: `Leeloo ${sale.order_id.slice(-6)}`, phone: sale.phone ?? null, customer: sale.email ?? null });
      e.orders.setChip(localId, 'leeloo', { state: 'SALE', label: 'Продажа оплачена', attention: false });
      e.queue.enqueue({ kind: 'leeloo.sale', connector: 'retailcrm', key: `leeloo:sale:${sale.order_id}`, payload: sale, orderId: localId });
    });
    e.runner.register({
      kind: 'leeloo.sale',
      connector: 'retailcrm',
      title: 'Продажа Leeloo → заказ RetailCRM и чек',
      payload: saleData,
      run: (ctx) => this.sale(ctx.payload, ctx.job.attempt, ctx.signal, ctx.note),
    });
  }

  private async sale(sale: LeelooSale, attempt: number, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const s = this.engine.settings.get('leeloo');
    if (!s.enabled) throw new SyncError({ kind: 'needsAttention', system: 'leeloo', message: 'Продажа из Leeloo получена, но приём продаж Leeloo выключен в настройках. Включите его и нажмите «Повторить».' });
    const profileId = sale.payment_method ? s.paymentMethods[sale.payment_method] : undefined;
    if (!profileId) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'leeloo',
        message: `Продажа Leeloo ${sale.order_id} оплачена способом с id ${sale.payment_method ?? '—'}, для которого не выбрана касса. Укажите кассу для этого способа оплаты в настройках Leeloo и нажмите «Повторить».`,
      });
    }
    if (!sale.email && !sale.phone) {
      throw new SyncError({ kind: 'needsAttention', system: 'leeloo', message: `В продаже Leeloo ${sale.order_id} нет ни e-mail, ни телефона покупателя: чек по 54-ФЗ отправить некуда. Добавьте контакт покупателя в Leeloo.` });
    }
    if (!s.paymentType) throw new SyncError({ kind: 'needsAttention', system: 'leeloo', message: 'Не выбран тип оплаты RetailCRM для продаж Leeloo.' });
    const crm = this.connections.retailcrm();
    const externalId = `leeloo-${sale.order_id}`;
    const opts = { signal };
    const kopecks = toKopecks(sale.price);
    // A later attempt may follow a lost answer: look for the order made then before making one. (The first
    // attempt cannot have made one, which spares a request per sale at RetailCRM's 10 requests/s.)
    let order: CrmOrder | undefined = attempt > 1 ? (await crm.ordersList({ externalIds: [externalId] }, 1, 20, opts)).orders[0] : undefined;
    if (!order) {
      const customerId = await findCustomer(crm, sale, opts);
      // Not found by phone nor by e-mail: RetailCRM creates the customer from the order's contact data itself,
      // in the same call, so a lost answer cannot leave a customer behind without its order.
      const input = {
        externalId,
        ...(customerId ? { customer: { id: customerId } } : { firstName: sale.email?.split('@')[0] ?? 'Покупатель Leeloo' }),
        ...(sale.email ? { email: sale.email } : {}),
        ...(sale.phone ? { phone: sale.phone } : {}),
        ...(s.orderStatus ? { status: s.orderStatus } : {}),
        items: [{ productName: sale.offer_name.slice(0, 250), initialPrice: sale.price, quantity: 1 }],
        payments: [{ type: s.paymentType, amount: sale.price, status: s.paidStatus, externalId }],
        customerComment: `Продажа Leeloo.ai ${sale.order_id}`,
      };
      note({ sent: { externalId, customer: customerId, offer: sale.offer_name, price: sale.price } });
      const created = await crm.orderCreate(input as never, s.site, opts);
      order = created.order && created.order.payments.length > 0 ? created.order : await crm.orderGet(created.id, 'id', s.site, opts);
    }
    const payment = order.payments.find((p) => p.externalId === externalId) ?? order.payments[0];
    note({ received: { crmId: order.id, number: order.number, payment: payment?.id ?? null } });
    const found = order;
    return {
      result: { crmId: found.id },
      commit: (db: Db) => {
        // The Leeloo sale and the RetailCRM order are one order in the queue from now on.
        const leelooLocal = this.engine.orders.idByRef(leelooRef(sale.order_id));
        const crmLocal = this.engine.orders.idByRef(crmOrderRef(found.id));
        if (leelooLocal && !crmLocal) sql(db, 'UPDATE orders SET ref = ? WHERE id = ?').run(crmOrderRef(found.id), leelooLocal);
        const localId = this.engine.orders.upsert({ ref: crmOrderRef(found.id), number: found.number, phone: sale.phone ?? null, crmStatus: found.status });
        this.engine.orders.setChip(localId, 'leeloo', { state: 'SALE', label: 'Продажа оплачена', attention: false });
        const profile = this.fiscal.profile(profileId);
        // Same key as a RetailCRM payment of this order would get: one receipt, whichever path sees it first.
        this.fiscal.request(db, {
          key: `receipt:sell:retailcrm:${found.id}:${payment?.id ?? externalId}`,
          op: 'sell',
          profileId,
          orderId: localId,
          crmId: found.id,
          input: {
            items: [{ name: sale.offer_name, priceKopecks: kopecks, quantity: 1, vat: profile.vat, paymentObject: 'service' }],
            payments: [{ kind: 'cashless', kopecks }],
            customer: { email: sale.email ?? null, phone: sale.phone ?? null },
            settlement: 'full_payment',
          },
        });
      },
    };
  }
}
