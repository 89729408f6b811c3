import { z } from 'zod';
import { isCourierResendStatus } from '../../../../src-shared/courier-resend.js';
import { isEditableStatus, measoft } from '../../connectors/measoft/index.js';
import { retailcrm } from '../../connectors/retailcrm/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { fromKopecks } from '../../core/money.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import { defineJob } from '../../jobs/define.js';
import { crmOrderRef } from '../crm/store.js';
import { DELIVERED_STATUSES, isCourierDelivery, measoftHash, measoftOrderNo, planPayments, statusTitle, summarize, toMeasoftOrder } from './rules.js';
import { courierStore, type CourierRow } from './store.js';

const generationPayload = z.object({
  crmId: z.number().int().positive(),
  generation: z.number().int().positive(),
  manual: z.boolean().optional(),
  /** Sent again by hand: the MeaSoft order this one replaces, checked to be over before the new one is made. */
  previous: z.string().nullable().optional(),
});
/** `hash`: the order's contents the update is for, so each distinct change is its own job. */
const updatePayload = generationPayload.extend({ hash: z.string().optional() });
const statusPayload = z.object({
  crmId: z.number().int().positive(),
  orderno: z.string(),
  code: z.string(),
  title: z.string().nullable(),
  eventTime: z.string().nullable(),
  paytype: z.string().nullable(),
  priceKopecks: z.number().int().nullable(),
  deliveredTo: z.string().nullable(),
});

/** The courier flow's jobs: MeaSoft orders made, changed and cancelled; track numbers and statuses back to RetailCRM. */
export function courierJobs(e: Engine, connectors: ConnectorRegistry) {
  const db = e.db;
  const crm = () => connectors.client(retailcrm);
  const ms = () => connectors.client(measoft);
  const orderOf = (crmId: number, signal: AbortSignal) => crm().orderGet(crmId, 'id', undefined, { signal });
  /** The row a job of this generation acts on, unless the order moved on (another state, a newer generation). */
  const current = (p: { crmId: number; generation: number }, state: CourierRow['state']): CourierRow | null => {
    const row = courierStore.byCrmId(db, p.crmId);
    return row && row.state === state && row.generation === p.generation ? row : null;
  };

  const writeBack = defineJob({
    kind: 'retailcrm.courierWriteBack',
    system: 'retailcrm',
    title: 'Трек-номер MeaSoft в заказ RetailCRM',
    payload: z.object({ crmId: z.number().int().positive(), orderno: z.string(), barcode: z.string().nullable(), generation: z.number().int().optional() }),
    key: (p) => `crm:courier-writeback:${p.crmId}:${p.generation ?? 1}`,
    run: async (ctx) => {
      const { crmId, orderno, barcode } = ctx.payload;
      const patch = { delivery: { data: { externalId: orderno, trackNumber: barcode ?? orderno } } };
      ctx.note({ sent: patch });
      await crm().orderEdit(crmId, 'id', patch, undefined, { signal: ctx.signal });
      return {};
    },
  });

  const createOrder = defineJob({
    kind: 'measoft.createOrder',
    system: 'measoft',
    title: 'Создание заказа в MeaSoft',
    payload: generationPayload,
    key: (p) => `measoft:create:${p.crmId}:${p.generation}`,
    run: async ({ payload: p, signal, note }) => {
      const row = current(p, 'sending');
      if (!row) return { result: { skipped: 'superseded' } };
      const s = e.settings.get('courier');
      const order = await orderOf(p.crmId, signal);
      if (p.previous && p.previous !== measoftOrderNo(order.number, p.generation)) {
        // Sent again by hand: the order it replaces must be over at MeaSoft, whatever we last heard.
        const before = await ms().status(p.previous, { signal });
        const code = before?.status.code ?? null;
        if (code && !isCourierResendStatus(code)) {
          throw new SyncError({
            kind: 'needsAttention',
            system: 'measoft',
            message: `Заказ №${order.number} не отправлен заново: прежний заказ ${p.previous} у курьерской службы снова в работе (статус «${statusTitle(code)}»). Второй заказ не создаём — уточните у курьерской службы.`,
            detail: `previous MeaSoft order ${p.previous} status ${code}`,
          });
        }
        note({ received: { previous: p.previous, status: code } });
      }
      if (!isCourierDelivery(order, s)) {
        // The delivery type changed before anything reached MeaSoft: nothing to cancel there.
        return {
          result: { skipped: 'not a courier delivery any more' },
          commit: (tx: Db) => {
            courierStore.setState(tx, p.crmId, p.generation, 'cancelled', true);
            e.orders.setChip(row.order_id, 'measoft', { state: 'skipped', label: 'Не отправлен', attention: false });
          },
        };
      }
      const orderno = measoftOrderNo(order.number, p.generation);
      const input = toMeasoftOrder(order, s, orderno);
      note({ sent: summarize(input) });
      const res = await ms().createOrder(input, { signal });
      let barcode = res.barcode;
      let status = 'AWAITING_SYNC';
      if (res.outcome === 'exists') {
        // Sent before (a restart between MeaSoft's answer and our commit): adopt the order MeaSoft has.
        const st = await ms().status(orderno, { signal });
        barcode = st?.barcode ?? barcode;
        status = st?.status.code ?? status;
      }
      note({ received: { outcome: res.outcome, orderno: res.orderno, barcode } });
      return {
        result: { orderno: res.orderno, outcome: res.outcome },
        commit: (tx: Db) => {
          courierStore.sent(tx, { crmId: p.crmId, generation: p.generation, orderno: res.orderno || orderno, barcode, hash: measoftHash(input), input, status });
          e.orders.setChip(row.order_id, 'measoft', { state: status, label: statusTitle(status), attention: false });
          writeBack.enqueue(e.queue, { crmId: p.crmId, orderno: res.orderno || orderno, barcode, generation: p.generation }, { orderId: row.order_id });
        },
      };
    },
  });

  const updateOrder = defineJob({
    kind: 'measoft.updateOrder',
    system: 'measoft',
    title: 'Изменение заказа в MeaSoft',
    payload: updatePayload,
    key: (p) => `measoft:update:${p.crmId}:${p.generation}:${p.hash ?? ''}`,
    run: async ({ payload: p, signal, note }) => {
      const row = current(p, 'sent');
      if (!row?.orderno) return { result: { skipped: 'not sent' } };
      const s = e.settings.get('courier');
      const order = await orderOf(p.crmId, signal);
      const input = toMeasoftOrder(order, s, row.orderno);
      const hash = measoftHash(input);
      if (hash === row.sent_hash) return { result: { skipped: 'unchanged' } };
      const st = await ms().status(row.orderno, { signal });
      const code = st?.status.code ?? null;
      if (code && !isEditableStatus(code)) {
        throw new SyncError({
          kind: 'needsAttention',
          system: 'measoft',
          message: `Заказ №${order.number} изменён в RetailCRM, но курьерская служба уже взяла его в работу (статус «${statusTitle(code)}»): изменения не переданы. Сообщите их курьерской службе по телефону.`,
          detail: `MeaSoft order ${row.orderno} status ${code}; edits are accepted only while NEW or AWAITING_SYNC`,
        });
      }
      note({ sent: summarize(input) });
      await ms().editOrder(input, { signal });
      return { result: { orderno: row.orderno }, commit: (tx: Db) => courierStore.updated(tx, { crmId: p.crmId, generation: p.generation, hash, input }) };
    },
  });

  const cancelOrder = defineJob({
    kind: 'measoft.cancelOrder',
    system: 'measoft',
    title: 'Отмена заказа в MeaSoft',
    payload: generationPayload,
    key: (p) => `measoft:cancel:${p.crmId}:${p.generation}`,
    run: async ({ payload: p, signal, note }) => {
      const row = current(p, 'cancelling');
      if (!row) return { result: { skipped: 'superseded' } };
      const s = e.settings.get('courier');
      const order = await orderOf(p.crmId, signal);
      const setState = (tx: Db, state: CourierRow['state'], bump: boolean, chip: { state: string; label: string }) => {
        courierStore.setState(tx, p.crmId, p.generation, state, bump);
        e.orders.setChip(row.order_id, 'measoft', { ...chip, attention: false });
      };
      if (!p.manual && isCourierDelivery(order, s) && row.orderno) {
        // Changed back before we got to it: the MeaSoft order stays.
        return { result: { skipped: 'courier delivery again' }, commit: (tx: Db) => setState(tx, 'sent', false, { state: row.measoft_status ?? 'NEW', label: statusTitle(row.measoft_status) }) };
      }
      if (!row.orderno) {
        const create = createOrder.byKey(e.queue, { crmId: p.crmId, generation: p.generation });
        if (create && create.state === 'running') {
          throw new SyncError({ kind: 'retryable', system: 'measoft', retryAfterMs: 2_000, message: 'Заказ ещё отправляется в MeaSoft; отменим сразу после отправки.' });
        }
        return { result: { skipped: 'never reached MeaSoft' }, commit: (tx: Db) => setState(tx, 'cancelled', true, { state: 'skipped', label: 'Не отправлен' }) };
      }
      const st = await ms().status(row.orderno, { signal });
      const code = st?.status.code ?? null;
      if (code === 'CANCELED') {
        return { result: { already: true }, commit: (tx: Db) => setState(tx, 'cancelled', true, { state: 'CANCELED', label: 'Отменён' }) };
      }
      if (code && !isEditableStatus(code)) {
        throw new SyncError({
          kind: 'needsAttention',
          system: 'measoft',
          message: `Тип доставки заказа №${order.number} изменён, но курьерская служба уже взяла заказ в работу (статус «${statusTitle(code)}»): отменить его автоматически нельзя. Позвоните в курьерскую службу.`,
          detail: `MeaSoft order ${row.orderno} status ${code}; cancel is accepted only while NEW or AWAITING_SYNC`,
        });
      }
      note({ sent: { cancel: row.orderno } });
      await ms().cancelOrder(row.orderno, { signal });
      return {
        result: { cancelled: row.orderno },
        commit: (tx: Db) => {
          setState(tx, 'cancelled', true, { state: 'CANCELED', label: 'Отменён' });
          courierStore.setStatus(tx, p.crmId, 'CANCELED');
        },
      };
    },
  });

  const applyStatus = defineJob({
    kind: 'retailcrm.courierStatus',
    system: 'retailcrm',
    title: 'Статус доставки MeaSoft в RetailCRM',
    payload: statusPayload,
    key: (p) => `crm:courier-status:${p.crmId}:${p.orderno}:${p.code}:${p.eventTime ?? ''}`,
    run: async ({ payload: p, signal, note }) => {
      const row = courierStore.byCrmId(db, p.crmId);
      // Jobs of one order may run out of order; the newest status wins and older ones step aside.
      if (row && row.measoft_status !== p.code) return { result: { skipped: `superseded by ${row.measoft_status ?? 'none'}` } };
      const s = e.settings.get('courier');
      const client = crm();
      const order = await client.orderGet(p.crmId, 'id', undefined, { signal });
      const mapped = s.statusMap[p.code];
      const patch: Record<string, unknown> = {
        delivery: { data: { status: p.code, statusText: p.title ?? statusTitle(p.code), ...(p.eventTime ? { statusDate: p.eventTime } : {}) } },
      };
      if (mapped && mapped !== order.status) patch.status = mapped;
      note({ sent: patch });
      await client.orderEdit(p.crmId, 'id', patch, undefined, { signal });
      const ops = DELIVERED_STATUSES.has(p.code) ? planPayments(order, { orderno: p.orderno, paytype: p.paytype, priceKopecks: p.priceKopecks }, s) : [];
      for (const op of ops) {
        note({ sent: op });
        if (op.op === 'delete') await client.paymentDelete(op.id, { signal });
        else if (op.op === 'create') {
          await client.paymentCreate(
            {
              order: { id: p.crmId },
              type: op.type,
              amount: fromKopecks(op.amountKopecks),
              ...(op.status ? { status: op.status } : {}),
              externalId: op.externalId,
              comment: `Оплата курьеру MeaSoft (${p.paytype === 'CARD' ? 'картой' : 'наличными'})`,
            },
            undefined,
            { signal },
          );
        } else {
          await client.paymentEdit(op.id, 'id', { status: op.status, ...(op.amountKopecks !== undefined ? { amount: fromKopecks(op.amountKopecks) } : {}) }, undefined, { signal });
        }
      }
      return {
        result: { status: mapped ?? null, payments: ops.length },
        // Our own edit does not come back through history (no echo), so the local copy learns it here.
        commit: () => {
          if (patch.status) e.orders.upsert({ ref: crmOrderRef(p.crmId), number: order.number, crmStatus: String(patch.status) });
        },
      };
    },
  });

  return { createOrder, updateOrder, cancelOrder, writeBack, applyStatus };
}

export type CourierJobs = ReturnType<typeof courierJobs>;
