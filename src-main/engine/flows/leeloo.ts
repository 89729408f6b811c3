import { z } from 'zod';
import { sql, type Db } from '../db/open.js';
import { SyncError } from '../errors.js';
import type { Engine } from '../engine.js';
import type { Connections } from '../connectors/connections.js';
import { toKopecks, type CrmOrder } from '../connectors/retailcrm/index.js';
import type { FiscalFlow } from './fiscal/flow.js';
import { crmOrderRef } from './crm-sync.js';

export const LEELOO_SOURCE = 'leeloo';
const EVENT_TYPES = ['SALE', 'ORDER', 'SUBSCRIPTION', 'INCOMING_MESSAGE'] as const;

const saleData = z.looseObject({
  order_id: z.string().min(1).max(64),
  offer_name: z.string().default('Оплата'),
  price: z.union([z.number(), z.string()]).transform((v) => Number(v)),
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

/**
 * Leeloo.ai SALE webhooks → RetailCRM order with its paid payment → 54-FZ receipt. Events arrive in delayed
 * batches (`{events:[…]}`, or one `{type,data}`), each stored in the inbox by its own id; other event types are
 * stored and shown, not acted on. The merchant maps Leeloo's `payment_method` (their payment integration id) to
 * a cash-register profile: an unknown one waits for the merchant, it is never dropped.
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
        const body = req.body as { events?: unknown } | null;
        const raw = body && Array.isArray(body.events) ? body.events : body && typeof body === 'object' && 'type' in body ? [body] : null;
        if (!raw) throw new SyncError({ kind: 'needsAttention', system: 'leeloo', message: 'Leeloo прислал запрос без событий.', detail: req.rawBody.toString('utf8').slice(0, 500) });
        return raw.map((ev, i) => {
          const { type, data } = (ev ?? {}) as { type?: unknown; data?: Record<string, unknown> };
          const t = typeof type === 'string' && (EVENT_TYPES as readonly string[]).includes(type) ? type : 'UNKNOWN';
          if (t === 'SALE') {
            const d = saleData.safeParse(data);
            if (!d.success || !Number.isFinite(d.data.price)) {
              throw new SyncError({ kind: 'needsAttention', system: 'leeloo', message: `Событие SALE №${i + 1} без номера заказа или суммы.`, detail: JSON.stringify(ev).slice(0, 500) });
            }
            return { source: LEELOO_SOURCE, externalId: `SALE:${d.data.order_id}`, kind: 'SALE', payload: d.data };
          }
          const id = typeof data?.order_id === 'string' ? data.order_id : typeof data?.id === 'string' ? data.id : JSON.stringify(ev);
          return { source: LEELOO_SOURCE, externalId: `${t}:${id}`.slice(0, 300), kind: t, payload: ev };
        });
      },
    });
    e.inbox.handle(LEELOO_SOURCE, 'leeloo', (item) => {
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
      const found = sale.phone ? await crm.customersSearch({ phone: sale.phone }, opts) : sale.email ? await crm.customersSearch({ email: sale.email }, opts) : [];
      const customerId = found[0]?.id ?? null;
      // Not found: RetailCRM creates the customer from the order's contact data itself.
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
