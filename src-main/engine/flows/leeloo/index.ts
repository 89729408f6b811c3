import { z } from 'zod';
import { retailcrm, type CrmOrder, type CrmOrderInput } from '../../connectors/retailcrm/index.js';
import { toKopecks } from '../../core/money.js';
import type { Db } from '../../db/open.js';
import { SyncError } from '../../errors.js';
import { defineJob } from '../../jobs/define.js';
import { contentId, type InboxInput, type InboxSource } from '../../jobs/inbox.js';
import { crmOrderRef } from '../crm/store.js';
import '../fiscal/events.js';
import { crmPaymentReceiptKey } from '../fiscal/rules.js';
import type { FlowModule } from '../types.js';
import { EVENT_TYPES, INVALID_SALE_KIND, checkSale, findCustomer, invalidSaleError, invalidSaleSchema, leelooEvents, leelooRef, saleData, type InvalidSale } from './rules.js';

export { INVALID_SALE_KIND, checkSale, leelooEvents, type InvalidSale, type LeelooSale } from './rules.js';

export const LEELOO_WEBHOOK: InboxSource = { source: 'leeloo', system: 'leeloo' };
export const LEELOO_SOURCE = LEELOO_WEBHOOK.source;

/**
 * Payloads differ by kind: a sale ready to go, a sale that cannot be taken, or another event kept as Leeloo
 * sent it; each kind's is validated where it is acted on.
 */
const leelooPayload = z.unknown();

/**
 * Leeloo.ai SALE webhooks → RetailCRM order with its paid payment → 54-FZ receipt. Events arrive in delayed
 * batches (`{events:[…]}`, or one `{type,data}`), each stored in the inbox by its own id; other event types are
 * stored and shown, not acted on; a SALE that cannot be read is stored too and lands in the error log with what
 * is wrong, so a batch is never refused for one bad event. The buyer is the RetailCRM customer with the sale's
 * phone, else with its e-mail; only when neither exists does the order bring a new customer. The merchant maps
 * Leeloo's `payment_method` (their payment integration id) to a cash-register profile: an unknown one waits for
 * the merchant, it is never dropped. The receipt is asked of the fiscal flow (`fiscal.receiptRequested`).
 */
export const leelooFlow = {
  id: 'leeloo',
  async install({ engine: e, connectors, jobs }) {
    const sale = defineJob({
      kind: 'leeloo.sale',
      system: 'retailcrm',
      title: 'Продажа Leeloo → заказ RetailCRM и чек',
      payload: saleData,
      key: (p) => `leeloo:sale:${p.order_id}`,
      run: async ({ payload: sale, job, signal, note }) => {
        const s = e.settings.get('leeloo');
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
        const crm = connectors.client(retailcrm);
        const externalId = `leeloo-${sale.order_id}`;
        const opts = { signal };
        const kopecks = toKopecks(sale.price);
        // A later attempt may follow a lost answer: look for the order made then before making one. (The first
        // attempt cannot have made one, which spares a request per sale at RetailCRM's 10 requests/s.)
        let order: CrmOrder | undefined = job.attempt > 1 ? (await crm.ordersList({ externalIds: [externalId] }, 1, 20, opts)).orders[0] : undefined;
        if (!order) {
          const customerId = await findCustomer(crm, sale, opts);
          // Not found by phone nor by e-mail: RetailCRM creates the customer from the order's contact data itself,
          // in the same call, so a lost answer cannot leave a customer behind without its order.
          const input: CrmOrderInput = {
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
          const created = await crm.orderCreate(input, s.site, opts);
          order = created.order && created.order.payments.length > 0 ? created.order : await crm.orderGet(created.id, 'id', s.site, opts);
        }
        const payment = order.payments.find((p) => p.externalId === externalId) ?? order.payments[0];
        note({ received: { crmId: order.id, number: order.number, payment: payment?.id ?? null } });
        const found = order;
        return {
          result: { crmId: found.id },
          commit: (db: Db) => {
            // The Leeloo sale and the RetailCRM order are one order in the queue from now on.
            e.orders.adoptRef(leelooRef(sale.order_id), crmOrderRef(found.id));
            const localId = e.orders.upsert({ ref: crmOrderRef(found.id), number: found.number, phone: sale.phone ?? null, crmStatus: found.status });
            e.orders.setChip(localId, 'leeloo', { state: 'SALE', label: 'Продажа оплачена', attention: false });
            // Same key as a RetailCRM payment of this order would get: one receipt, whichever path sees it first.
            e.events.emit('fiscal.receiptRequested', {
              db,
              request: {
                key: crmPaymentReceiptKey(found.id, payment?.id ?? externalId),
                op: 'sell',
                profileId,
                orderId: localId,
                crmId: found.id,
                input: {
                  items: [{ name: sale.offer_name, priceKopecks: kopecks, quantity: 1, paymentObject: 'service' }],
                  payments: [{ kind: 'cashless', kopecks }],
                  customer: { email: sale.email ?? null, phone: sale.phone ?? null },
                  settlement: 'full_payment',
                },
              },
            });
          },
        };
      },
    });
    jobs({ sale });

    await e.addWebhookRoute({
      ...LEELOO_WEBHOOK,
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
    e.inbox.handle(LEELOO_WEBHOOK, leelooPayload, (item) => {
      // Stored by kind: a SALE was checked on arrival; other types are stored and shown, not acted on.
      if (item.kind === INVALID_SALE_KIND) throw invalidSaleError(invalidSaleSchema.parse(item.payload));
      if (item.kind !== 'SALE') return;
      const s = saleData.parse(item.payload);
      const localId = e.orders.upsert({ ref: leelooRef(s.order_id), number: `Leeloo ${s.order_id.slice(-6)}`, phone: s.phone ?? null, customer: s.email ?? null });
      e.orders.setChip(localId, 'leeloo', { state: 'SALE', label: 'Продажа оплачена', attention: false });
      sale.enqueue(e.queue, s, { orderId: localId });
    });

    return { sale };
  },
} satisfies FlowModule<unknown>;
