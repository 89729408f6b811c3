import { z } from 'zod';
import { lifepos, paymentsOf, wireToKopecks, type LpSale } from '../../connectors/lifepos/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { crmOrderSchema, retailcrm } from '../../connectors/retailcrm/index.js';
import { fromKopecks, toKopecks } from '../../core/money.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import { defineJob } from '../../jobs/define.js';
import { crmOrderRef } from '../crm/store.js';
import type { PosDirectory } from './directory.js';
import { chipFor, crmCourierId, saleTotalProblem, toSaleInput } from './rules.js';
import { posStore, type PosRow } from './store.js';

/** `generation`: the sale's round (a sale cancelled and sent again is a new one), part of the job's identity. */
const crmIdPayload = z.object({ crmId: z.number().int().positive(), generation: z.number().int().positive().optional() });

/** The POS flow's jobs: sales made, cancelled, refunded and moved in LIFE POS; payments, statuses and tasks to RetailCRM. */
export function posJobs(e: Engine, connectors: ConnectorRegistry, dir: PosDirectory) {
  const db = e.db;
  const crm = () => connectors.client(retailcrm);
  const lp = () => connectors.client(lifepos);

  function setRow(tx: Db, row: PosRow, state: PosRow['state'], sale: LpSale): void {
    posStore.setState(tx, row.crm_id, state, sale.state, sale.paymentStatus);
    e.orders.setChip(row.order_id, 'lifepos', chipFor(sale));
  }

  async function saleOf(crmId: number, signal: AbortSignal): Promise<{ row: PosRow; sale: LpSale }> {
    const row = posStore.byCrmId(db, crmId);
    if (!row?.sale_guid) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: 'Продажа ещё не создана в LIFE POS.' });
    const sale = await lp().getSale(row.sale_guid, { signal });
    if (!sale) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: `Продажа заказа №${row.crm_number} не найдена в LIFE POS: возможно, её удалили вручную.` });
    return { row, sale };
  }

  const createSale = defineJob({
    kind: 'lifepos.createSale',
    system: 'lifepos',
    title: 'Создание продажи в LIFE POS',
    // The order as just read travels with the job: no second read of RetailCRM for the sale.
    payload: crmIdPayload.extend({ order: z.unknown() }),
    key: (p) => `lifepos:create:${p.crmId}:${p.generation ?? 1}`,
    run: async ({ payload: p, signal, note }) => {
      const row = posStore.byCrmId(db, p.crmId);
      if (!row || row.state !== 'creating') return { result: { skipped: row?.state ?? 'no row' } };
      const order = crmOrderSchema.parse(p.order);
      const outletGuid = await dir.outletFor(order, signal);
      const courierId = crmCourierId(order);
      const courier = courierId ? await dir.ensureCourier(courierId, signal) : null;
      const input = toSaleInput(order, outletGuid, courier, row.generation);
      note({ sent: { number: input.number, outlet: outletGuid, courier: courier?.employeeGuid ?? null, positions: input.positions.length, total: fromKopecks(input.totalKopecks ?? 0) } });
      const { outcome, sale } = await lp().createSale(input, { signal });
      note({ received: { outcome, guid: sale.guid, state: sale.state } });
      return {
        result: { guid: sale.guid, outcome },
        commit: (tx: Db) => {
          posStore.created(tx, p.crmId, { saleGuid: sale.guid, outletGuid, courierGuid: courier?.employeeGuid ?? null, lpState: sale.state, lpPayment: sale.paymentStatus });
          e.orders.setChip(row.order_id, 'lifepos', chipFor(sale));
        },
      };
    },
  });

  /**
   * A change of a sale RetailCRM asked for (cancel, refund): nothing to do when LIFE POS already shows it, refused
   * in the merchant's words when the sale is in a state that forbids it, otherwise made and recorded.
   */
  function saleChange(o: {
    kind: string;
    title: string;
    op: 'close' | 'refund';
    state: PosRow['state'];
    done(sale: LpSale): boolean;
    refusal(sale: LpSale, row: PosRow): { message: string; detail: string } | null;
    /** Makes the change and reads the sale as it is after it (the changes answer 204 with no body). */
    call(sale: LpSale, signal: AbortSignal, note: (x: { sent?: unknown }) => void): Promise<LpSale>;
  }) {
    return defineJob({
      kind: o.kind,
      system: 'lifepos',
      title: o.title,
      payload: crmIdPayload,
      key: (p) => `lifepos:${o.op}:${p.crmId}:${p.generation ?? 1}`,
      run: async ({ payload: p, signal, note }) => {
        const { row, sale } = await saleOf(p.crmId, signal);
        if (o.done(sale)) return { commit: (tx: Db) => setRow(tx, row, o.state, sale) };
        const refusal = o.refusal(sale, row);
        if (refusal) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', ...refusal });
        const after = await o.call(sale, signal, note);
        return { commit: (tx: Db) => setRow(tx, row, o.state, after) };
      },
    });
  }

  const closeSale = saleChange({
    kind: 'lifepos.closeSale',
    title: 'Отмена продажи в LIFE POS',
    op: 'close',
    state: 'cancelled',
    done: (sale) => sale.state === 'Cancelled',
    refusal: (sale, row) =>
      sale.state === 'Completed' || sale.paymentStatus === 'Paid' || sale.paymentStatus === 'PartiallyPaid'
        ? {
            message: `Заказ №${row.crm_number} закрыт в RetailCRM, но в LIFE POS он ${sale.state === 'Completed' ? 'уже завершён' : 'оплачен'}: отменять оплаченную продажу нельзя. Если деньги нужно вернуть, оформите возврат (статус оплаты «Возвращён»).`,
            detail: `sale ${sale.guid} state ${sale.state} payment ${sale.paymentStatus}`,
          }
        : null,
    call: async (sale, signal, note) => {
      note({ sent: { cancel: sale.guid } });
      await lp().cancelSale(sale.guid, { signal });
      return (await lp().getSale(sale.guid, { signal })) ?? { ...sale, state: 'Cancelled' };
    },
  });

  const refundSale = saleChange({
    kind: 'lifepos.refundSale',
    title: 'Возврат продажи в LIFE POS',
    op: 'refund',
    state: 'refunded',
    done: (sale) => sale.paymentStatus === 'Refunded' || sale.paymentStatus === 'Returned',
    refusal: (sale, row) =>
      sale.paymentStatus !== 'Paid' && sale.paymentStatus !== 'PartiallyPaid'
        ? { message: `Возврат по заказу №${row.crm_number} невозможен: в LIFE POS по нему не было оплаты.`, detail: `sale ${sale.guid} payment ${sale.paymentStatus}` }
        : null,
    call: async (sale, signal, note) => {
      const docs = await lp().saleMoneyDocs(sale.guid, { signal });
      // A payment already refunded (a repeat of this job, or a refund made at the till) is not refunded twice.
      const refunded = new Set(docs.filter((d) => d.kind === 'refund' && d.forPaymentGuid).map((d) => d.forPaymentGuid));
      const open = docs.filter((d) => d.kind === 'payment' && !refunded.has(d.guid));
      note({ sent: { refund: sale.guid, payments: open.map((d) => d.guid) } });
      for (const d of open) await lp().refundPayment(sale.guid, d, { signal });
      return (await lp().getSale(sale.guid, { signal })) ?? sale;
    },
  });

  /** `site`: the order's site, whose legal entity's outlets the store's choice is taken from. */
  const moveOutlet = defineJob({
    kind: 'lifepos.moveOutlet',
    system: 'lifepos',
    title: 'Смена торговой точки в LIFE POS',
    payload: z.object({ crmId: z.number().int().positive(), store: z.string(), site: z.string().optional() }),
    key: (p) => `lifepos:outlet:${p.crmId}:${p.store}`,
    run: async ({ payload: { crmId, store, site }, signal, note }) => {
      const row = posStore.byCrmId(db, crmId);
      if (!row?.sale_guid) return { result: { skipped: 'no sale' } };
      const siteCode = site ?? (await crm().orderGet(crmId, 'id', undefined, { signal })).site;
      const outletGuid = await dir.outletFor({ number: row.crm_number, site: siteCode, shipmentStore: store }, signal);
      // Another store of the same outlet: nothing changes in LIFE POS.
      if (outletGuid !== row.outlet_guid) {
        note({ sent: { sale: row.sale_guid, outlet: outletGuid } });
        await lp().updateSaleOutlet(row.sale_guid, outletGuid, { signal });
      }
      return { commit: (tx: Db) => posStore.movedOutlet(tx, crmId, outletGuid, store) };
    },
  });

  // `saleTotal` and `amount`: the sale's total and the payment as LIFE POS sent them (wire unit), for the
  // money-unit check and so a corrected unit setting applies when the held payment is retried.
  const writePayment = defineJob({
    kind: 'retailcrm.posPayment',
    system: 'retailcrm',
    title: 'Оплата из LIFE POS в RetailCRM',
    payload: z.object({
      crmId: z.number().int().positive(),
      paymentGuid: z.string(),
      type: z.string(),
      kopecks: z.number().int(),
      saleTotal: z.number().nullable().optional(),
      amount: z.number().nullable().optional(),
    }),
    key: (p) => `crm:pos-payment:${p.paymentGuid}`,
    run: async ({ payload: p, signal, note }) => {
      const s = e.settings.get('pos');
      const cash = /cash|налич/i.test(p.type);
      const type = cash ? s.cashPaymentType : s.cardPaymentType;
      if (!type) {
        throw new SyncError({
          kind: 'needsAttention',
          system: 'retailcrm',
          message: `Оплата ${cash ? 'наличными' : 'картой'} из LIFE POS не записана: укажите в настройках тип оплаты RetailCRM для оплаты ${cash ? 'наличными' : 'безналичными'}.`,
        });
      }
      const client = crm();
      const order = await client.orderGet(p.crmId, 'id', undefined, { signal });
      const externalId = `lifepos-${p.paymentGuid}`;
      if (order.payments.some((x) => x.externalId === externalId)) return { result: { already: true } };
      // Money units are not vendor-documented: a sale total that does not match the order holds its payments.
      const unit = e.settings.get('lifepos').moneyUnit;
      const mismatch = saleTotalProblem(p.saleTotal ?? null, toKopecks(order.totalSumm ?? 0), unit, order.number);
      if (mismatch) {
        e.log.warn('LIFE POS sale total does not match the RetailCRM order; payment held', { crmId: p.crmId, saleTotal: p.saleTotal, crmTotal: order.totalSumm, unit });
        throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: mismatch, detail: `sale total ${p.saleTotal} (${unit}), order total ${order.totalSumm}` });
      }
      // An open payment of the same type is the one the customer just paid; otherwise a new payment.
      const open = order.payments.find((x) => x.type === type && x.status !== s.paidPaymentStatus && !x.paidAt && x.id !== null);
      const amount = fromKopecks(p.amount !== null && p.amount !== undefined ? wireToKopecks(p.amount, unit) : p.kopecks);
      if (open) {
        note({ sent: { edit: open.id, amount, status: s.paidPaymentStatus } });
        await client.paymentEdit(open.id!, 'id', { amount, externalId, ...(s.paidPaymentStatus ? { status: s.paidPaymentStatus } : {}) }, undefined, { signal });
      } else {
        note({ sent: { create: type, amount } });
        await client.paymentCreate({ order: { id: p.crmId }, type, amount, externalId, ...(s.paidPaymentStatus ? { status: s.paidPaymentStatus } : {}), comment: 'Оплата в LIFE POS' }, undefined, { signal });
      }
      return {};
    },
  });

  /** `saleState`: the LIFE POS state the status follows (each state change is written once). */
  const writeStatus = defineJob({
    kind: 'retailcrm.posStatus',
    system: 'retailcrm',
    title: 'Статус из LIFE POS в RetailCRM',
    payload: z.object({ crmId: z.number().int().positive(), status: z.string(), saleState: z.string().nullable().optional() }),
    key: (p) => `crm:pos-status:${p.crmId}:${p.saleState ?? ''}`,
    run: async ({ payload: p, signal, note }) => {
      note({ sent: { status: p.status } });
      await crm().orderEdit(p.crmId, 'id', { status: p.status }, undefined, { signal });
      return { commit: () => void e.orders.upsert({ ref: crmOrderRef(p.crmId), number: posStore.byCrmId(db, p.crmId)?.crm_number ?? String(p.crmId), crmStatus: p.status }) };
    },
  });

  /** `orderId` and `about` (the job kind that failed): one task per order and problem, however many retries. */
  const task = defineJob({
    kind: 'retailcrm.task',
    system: 'retailcrm',
    title: 'Задача в RetailCRM о проблеме',
    payload: z.object({ crmId: z.number().int().positive(), text: z.string(), commentary: z.string(), orderId: z.number().int().optional(), about: z.string().optional() }),
    key: (p) => `crm:task:${p.orderId ?? ''}:${p.about ?? ''}`,
    run: async ({ payload: p, signal, note }) => {
      const group = e.settings.get('pos').taskUserGroup;
      if (!group) return { result: { skipped: 'no group' } };
      const client = crm();
      const users = await client.users({ groups: [group], active: true }, { signal });
      const performer = users.find((u) => u.active && (u.groups ?? []).some((g) => g.code === group)) ?? users[0];
      if (!performer) throw new SyncError({ kind: 'needsAttention', system: 'retailcrm', message: `В группе пользователей «${group}» RetailCRM нет активных сотрудников: задачу о проблеме некому поставить.` });
      note({ sent: { performer: performer.id, text: p.text } });
      const { id } = await client.taskCreate({ text: p.text, commentary: p.commentary, performerId: performer.id, order: { id: p.crmId } }, undefined, { signal });
      return { result: { taskId: id } };
    },
  });

  /**
   * The sale's money documents → one RetailCRM payment per document and way of paying, once each. Documents that
   * cannot be read fail the job (needs attention, retried): money never silently misses RetailCRM. `status` and
   * `updatedAt`: the sale as seen when asked, so each change of it reads the documents once.
   */
  const readPayments = defineJob({
    kind: 'lifepos.readPayments',
    system: 'lifepos',
    title: 'Чтение оплат продажи из LIFE POS',
    payload: z.object({ guid: z.string(), saleTotal: z.number().nullable().optional(), status: z.string().nullable().optional(), updatedAt: z.string().nullable().optional() }),
    key: (p) => `lp:payments:${p.guid}:${p.status ?? ''}:${p.updatedAt ?? ''}`,
    run: async ({ payload: p, signal, note }) => {
      const docs = await lp().saleMoneyDocs(p.guid, { signal });
      const payments = docs.flatMap(paymentsOf);
      note({ received: { documents: docs.map((d) => ({ guid: d.guid, type: d.typeOf, total: d.totalWire })), payments: payments.length } });
      return {
        commit: (tx: Db) => {
          const row = posStore.bySaleGuid(tx, p.guid);
          if (!row) return;
          for (const pay of payments) {
            if (pay.amountKopecks <= 0 || !posStore.firstSeenPayment(tx, pay.guid, p.guid, row.crm_id)) continue;
            writePayment.enqueue(
              e.queue,
              { crmId: row.crm_id, paymentGuid: pay.guid, type: pay.type, kopecks: pay.amountKopecks, saleTotal: p.saleTotal ?? null, amount: pay.amountWire },
              { orderId: row.order_id },
            );
          }
        },
      };
    },
  });

  /** A sale as LIFE POS has it now: state, chips, and the follow-ups (payments, status) — once each. */
  function applySale(sale: LpSale, tx: Db): number | null {
    const row = posStore.bySaleGuid(tx, sale.guid);
    if (!row) return null;
    const s = e.settings.get('pos');
    const stateChanged = row.lp_state !== sale.state;
    posStore.saleChanged(tx, row.crm_id, sale.state, sale.paymentStatus);
    e.orders.setChip(row.order_id, 'lifepos', chipFor(sale));
    // Payments are the sale's money documents, read by their own job: a paid status is the signal to read them.
    if (sale.paymentStatus && sale.paymentStatus !== 'NotPaid') {
      readPayments.enqueue(e.queue, { guid: sale.guid, saleTotal: sale.totalWire, status: sale.paymentStatus, updatedAt: sale.updatedAt }, { orderId: row.order_id });
    }
    const mapped = sale.state ? s.statusMap[sale.state as keyof typeof s.statusMap] : undefined;
    if (stateChanged && mapped) writeStatus.enqueue(e.queue, { crmId: row.crm_id, status: mapped, saleState: sale.state }, { orderId: row.order_id });
    return row.order_id;
  }

  /** `cause`: the notification that asked (each is its own read). */
  const syncSale = defineJob({
    kind: 'lifepos.syncSale',
    system: 'lifepos',
    title: 'Чтение продажи из LIFE POS',
    payload: z.object({ guid: z.string(), cause: z.string().optional() }),
    key: (p) => `lp:sync:${p.guid}:${p.cause ?? ''}`,
    run: async (ctx) => {
      const sale = await lp().getSale(ctx.payload.guid, { signal: ctx.signal });
      if (!sale) return { result: { missing: true } };
      ctx.note({ received: { number: sale.number, state: sale.state, payment: sale.paymentStatus } });
      return { commit: (tx: Db) => void applySale(sale, tx) };
    },
  });

  return { jobs: { createSale, closeSale, refundSale, moveOutlet, syncSale, readPayments, writePayment, writeStatus, task }, applySale };
}

export type PosJobs = ReturnType<typeof posJobs>['jobs'];
