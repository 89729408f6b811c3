import { z } from 'zod';
import { sql, type Db } from '../../db/open.js';
import { SyncError } from '../../errors.js';
import type { Engine } from '../../engine.js';
import type { Connections } from '../../connectors/connections.js';
import { fromKopecks, type CrmOrder } from '../../connectors/retailcrm/index.js';
import { MEASOFT_STATUSES, isEditableStatus, type MeasoftOrderInput, type MeasoftOrderState } from '../../connectors/measoft/index.js';
import type { PollerContext } from '../../jobs/scheduler.js';
import { crmOrderRef, type CrmSync } from '../crm-sync.js';
import { isCourierResendStatus } from '../../../../src-shared/courier-resend.js';
import {
  DELIVERED_STATUSES,
  decideCourier,
  isCourierDelivery,
  measoftHash,
  measoftOrderNo,
  planPayments,
  toMeasoftOrder,
  type CourierRowView,
} from './mapping.js';

export const MEASOFT_CHANGES_POLLER = 'measoft.changes';

interface Row {
  order_id: number;
  crm_id: number;
  crm_number: string;
  generation: number;
  state: CourierRowView['state'];
  orderno: string | null;
  barcode: string | null;
  measoft_status: string | null;
  measoft_status_at: string | null;
  sent_hash: string | null;
  sent: string | null;
  delivered: string | null;
  hold: number;
}

export interface CourierOrderView {
  orderId: number;
  crmId: number;
  crmNumber: string;
  state: Row['state'];
  orderno: string | null;
  barcode: string | null;
  measoftStatus: string | null;
  sent: MeasoftOrderInput | null;
}

function statusTitle(code: string | null): string {
  if (!code) return 'Нет статуса';
  return (MEASOFT_STATUSES as Record<string, string | undefined>)[code] ?? code;
}

const crmIdPayload = z.object({
  crmId: z.number().int().positive(),
  generation: z.number().int().positive(),
  manual: z.boolean().optional(),
  /** Sent again by hand: the MeaSoft order this one replaces, checked to be over before the new one is made. */
  previous: z.string().nullable().optional(),
});
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

/**
 * RetailCRM → MeaSoft, as the merchant configures it: an order reaching a sending status with a MeaSoft
 * delivery type becomes exactly one MeaSoft order; a delivery-type change cancels it and other changes update
 * it while MeaSoft still has it as new; MeaSoft's statuses and the courier's payment come back through the
 * changes feed, which is committed only after our own transaction.
 */
export class CourierFlow {
  /** Called in the transaction that records a delivery (the fiscal flow's cash-on-delivery receipt). */
  onDelivered: ((db: Db, o: { orderId: number; crmId: number; number: string; paytype: string | null; priceKopecks: number; items: Array<{ name: string; quantity: number; retpriceKopecks: number }>; email: string | null; phone: string | null }) => void) | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly connections: Connections,
  ) {}

  install(crm: CrmSync): void {
    const e = this.engine;
    crm.addReconciler('courier', (order, localId, db) => this.reconcile(order, localId, db));

    e.runner.register({
      kind: 'measoft.createOrder',
      connector: 'measoft',
      title: 'Создание заказа в MeaSoft',
      payload: crmIdPayload,
      run: (ctx) => this.createOrder(ctx.payload, ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'measoft.updateOrder',
      connector: 'measoft',
      title: 'Изменение заказа в MeaSoft',
      payload: crmIdPayload,
      run: (ctx) => this.updateOrder(ctx.payload, ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'measoft.cancelOrder',
      connector: 'measoft',
      title: 'Отмена заказа в MeaSoft',
      payload: crmIdPayload,
      run: (ctx) => this.cancelOrder(ctx.payload, ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'retailcrm.courierWriteBack',
      connector: 'retailcrm',
      title: 'Трек-номер MeaSoft в заказ RetailCRM',
      payload: z.object({ crmId: z.number().int().positive(), orderno: z.string(), barcode: z.string().nullable() }),
      run: async (ctx) => {
        const { crmId, orderno, barcode } = ctx.payload;
        const patch = { delivery: { data: { externalId: orderno, trackNumber: barcode ?? orderno } } };
        ctx.note({ sent: patch });
        await this.connections.retailcrm().orderEdit(crmId, 'id', patch, undefined, { signal: ctx.signal });
        return {};
      },
    });
    e.runner.register({
      kind: 'retailcrm.courierStatus',
      connector: 'retailcrm',
      title: 'Статус доставки MeaSoft в RetailCRM',
      payload: statusPayload,
      run: (ctx) => this.applyStatus(ctx.payload, ctx.signal, ctx.note),
    });

    const settings = e.settings;
    e.scheduler.register({
      id: MEASOFT_CHANGES_POLLER,
      title: 'Статусы доставки MeaSoft',
      system: 'measoft',
      get intervalMs() {
        return settings.get('measoft').pollIntervalSec * 1000;
      },
      active: () => this.engine.settings.get('courier').enabled && this.connections.measoftConfigured(),
      run: (ctx) => this.pollChanges(ctx),
    });

    e.connectionTests.set('measoft', async () => {
      const r = await this.connections.measoft().checkCredentials();
      return r.ok
        ? { ok: true, message: 'MeaSoft подключён: код службы, логин и пароль приняты.', detail: null }
        : { ok: false, message: r.message, detail: null };
    });
  }

  get(crmId: number): Row | null {
    return (sql(this.engine.db, 'SELECT * FROM courier_orders WHERE crm_id = ?').get(crmId) as Row | undefined) ?? null;
  }

  /** What was sent to MeaSoft for these local orders (print forms read it). */
  sentOrders(orderIds: number[]): CourierOrderView[] {
    const out: CourierOrderView[] = [];
    for (const id of orderIds) {
      const r = sql(this.engine.db, 'SELECT * FROM courier_orders WHERE order_id = ?').get(id) as Row | undefined;
      if (!r) continue;
      out.push({
        orderId: r.order_id,
        crmId: r.crm_id,
        crmNumber: r.crm_number,
        state: r.state,
        orderno: r.orderno,
        barcode: r.barcode,
        measoftStatus: r.measoft_status,
        sent: r.sent ? (JSON.parse(r.sent) as MeasoftOrderInput) : null,
      });
    }
    return out;
  }

  // ── decisions (inside the CRM transaction) ────────────────────────────────────────────────────────────

  private reconcile(order: CrmOrder, localId: number, db: Db): void {
    const s = this.engine.settings.get('courier');
    const row = this.get(order.id);
    if (row?.hold) {
      // Cancelled by hand: sent again only once the status has left the sending statuses and come back.
      if (!s.triggerStatuses.includes(order.status)) sql(db, 'UPDATE courier_orders SET hold = 0 WHERE crm_id = ?').run(order.id);
      return;
    }
    const view: CourierRowView | null = row ? { state: row.state, generation: row.generation, orderno: row.orderno, sentHash: row.sent_hash } : null;
    const d = decideCourier(order, view, s);
    const q = this.engine.queue;
    const now = Date.now();
    switch (d.kind) {
      case 'create': {
        sql(db, `INSERT INTO courier_orders (order_id, crm_id, crm_number, generation, state, updated_at)
                 VALUES (?, ?, ?, ?, 'sending', ?)
                 ON CONFLICT (crm_id) DO UPDATE SET state = 'sending', crm_number = excluded.crm_number, updated_at = excluded.updated_at`)
          .run(localId, order.id, order.number, d.generation, now);
        q.enqueue({ kind: 'measoft.createOrder', connector: 'measoft', key: `measoft:create:${order.id}:${d.generation}`, payload: { crmId: order.id, generation: d.generation }, orderId: localId });
        this.engine.orders.setChip(localId, 'measoft', { state: 'sending', label: 'Отправляется', attention: false });
        break;
      }
      case 'cancel':
        sql(db, `UPDATE courier_orders SET state = 'cancelling', updated_at = ? WHERE crm_id = ?`).run(now, order.id);
        q.enqueue({ kind: 'measoft.cancelOrder', connector: 'measoft', key: `measoft:cancel:${order.id}:${row!.generation}`, payload: { crmId: order.id, generation: row!.generation }, orderId: localId });
        this.engine.orders.setChip(localId, 'measoft', { state: 'cancelling', label: 'Отменяется', attention: false });
        break;
      case 'update':
        q.enqueue({ kind: 'measoft.updateOrder', connector: 'measoft', key: `measoft:update:${order.id}:${row!.generation}:${d.hash}`, payload: { crmId: order.id, generation: row!.generation }, orderId: localId });
        break;
      case 'retryCreate': {
        // The order changed while its sending waits for the merchant (a wrong phone, say): try again now.
        const job = q.byKey(`measoft:create:${order.id}:${row!.generation}`);
        if (job && (job.state === 'attention' || job.state === 'dead') && q.retry(job.id)) this.engine.orders.refreshAttention(localId);
        break;
      }
      case 'none':
        break;
    }
  }

  /** «Отменить у курьера» from the window: cancels at MeaSoft now, whatever RetailCRM says. */
  cancelByHand(orderId: number): string {
    const row = sql(this.engine.db, 'SELECT * FROM courier_orders WHERE order_id = ?').get(orderId) as Row | undefined;
    if (!row || row.state !== 'sent' || !row.orderno) {
      throw new SyncError({ kind: 'needsAttention', system: 'measoft', message: 'Отменять нечего: заказ не передан в курьерскую службу или уже отменён.' });
    }
    this.engine.db.transaction(() => {
      sql(this.engine.db, `UPDATE courier_orders SET state = 'cancelling', hold = 1, updated_at = ? WHERE crm_id = ?`).run(Date.now(), row.crm_id);
      this.engine.queue.enqueue({
        kind: 'measoft.cancelOrder',
        connector: 'measoft',
        key: `measoft:cancel:${row.crm_id}:${row.generation}`,
        payload: { crmId: row.crm_id, generation: row.generation, manual: true },
        orderId: row.order_id,
      });
      this.engine.orders.setChip(row.order_id, 'measoft', { state: 'cancelling', label: 'Отменяется', attention: false });
    })();
    this.engine.events.emit('orders.changed', { ids: [row.order_id] });
    return `Заказ №${row.crm_number} отменяется в курьерской службе.`;
  }

  /**
   * «Отправить заново» from the window: a new MeaSoft order (the next generation, its own number and
   * idempotency key) after the previous one was cancelled, refused, brought back or lost. Never next to a
   * live one: refused while MeaSoft has the order in work, and the send itself checks the previous order's
   * status at MeaSoft first. A send that is still waiting for the merchant is simply tried again.
   */
  resendByHand(orderId: number): string {
    const db = this.engine.db;
    const row = sql(db, 'SELECT * FROM courier_orders WHERE order_id = ?').get(orderId) as Row | undefined;
    if (!row) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'measoft',
        message: 'Заказ ещё не передавался в курьерскую службу: отправлять заново нечего. Он уйдёт сам, когда в RetailCRM получит статус отправки.',
      });
    }
    const number = row.crm_number;
    if (row.state === 'cancelling') {
      throw new SyncError({ kind: 'needsAttention', system: 'measoft', message: `Заказ №${number} сейчас отменяется в курьерской службе. Отправьте его заново, когда отмена завершится.` });
    }
    if (row.state === 'sending') {
      const job = this.engine.queue.byKey(`measoft:create:${row.crm_id}:${row.generation}`);
      if (job && (job.state === 'attention' || job.state === 'dead') && this.engine.queue.retry(job.id)) {
        // Same generation, same number: a send that may have reached MeaSoft is adopted, never doubled.
        this.engine.orders.refreshAttention(row.order_id);
        this.engine.events.emit('orders.changed', { ids: [row.order_id] });
        return `Заказ №${number} отправляется в курьерскую службу ещё раз.`;
      }
      throw new SyncError({ kind: 'needsAttention', system: 'measoft', message: `Заказ №${number} уже отправляется в курьерскую службу.` });
    }
    if (row.state === 'sent' && !isCourierResendStatus(row.measoft_status)) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'measoft',
        message: `Заказ №${number} уже в курьерской службе (статус «${statusTitle(row.measoft_status)}»): второй заказ не создаём. Чтобы отправить его заново, сначала отмените его у курьера.`,
        detail: `MeaSoft order ${row.orderno ?? '-'} status ${row.measoft_status ?? '-'}`,
      });
    }
    // A cancel of ours has already moved to the next generation; a cancel or refusal at MeaSoft has not.
    const generation = row.state === 'sent' ? row.generation + 1 : row.generation;
    const previous = row.orderno;
    db.transaction(() => {
      const changed = sql(db, `UPDATE courier_orders SET state = 'sending', generation = ?, hold = 0, orderno = NULL, barcode = NULL, sent_hash = NULL, sent = NULL,
                                 measoft_status = NULL, measoft_status_at = NULL, delivered = NULL, updated_at = ?
                               WHERE crm_id = ? AND generation = ? AND state = ?`)
        .run(generation, Date.now(), row.crm_id, row.generation, row.state).changes;
      if (changed !== 1) throw new SyncError({ kind: 'retryable', system: 'measoft', message: `Заказ №${number} только что изменился. Попробуйте ещё раз.` });
      this.engine.queue.enqueue({
        kind: 'measoft.createOrder',
        connector: 'measoft',
        key: `measoft:create:${row.crm_id}:${generation}`,
        payload: { crmId: row.crm_id, generation, manual: true, previous },
        orderId: row.order_id,
      });
      this.engine.orders.setChip(row.order_id, 'measoft', { state: 'sending', label: 'Отправляется', attention: false });
    })();
    this.engine.orders.refreshAttention(row.order_id);
    this.engine.events.emit('orders.changed', { ids: [row.order_id] });
    return `Заказ №${number} будет отправлен в курьерскую службу заново под номером ${measoftOrderNo(number, generation)}.`;
  }

  // ── jobs ─────────────────────────────────────────────────────────────────────────────────────────────

  private async createOrder(p: z.output<typeof crmIdPayload>, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.get(p.crmId);
    if (!row || row.state !== 'sending' || row.generation !== p.generation) return { result: { skipped: 'superseded' } };
    const s = this.engine.settings.get('courier');
    const order = await this.connections.retailcrm().orderGet(p.crmId, 'id', undefined, { signal });
    if (p.previous && p.previous !== measoftOrderNo(order.number, p.generation)) {
      // Sent again by hand: the order it replaces must be over at MeaSoft, whatever we last heard.
      const before = await this.connections.measoft().status(p.previous, { signal });
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
        commit: (db: Db) => {
          sql(db, `UPDATE courier_orders SET state = 'cancelled', generation = generation + 1, updated_at = ? WHERE crm_id = ? AND generation = ?`).run(Date.now(), p.crmId, p.generation);
          this.engine.orders.setChip(row.order_id, 'measoft', { state: 'skipped', label: 'Не отправлен', attention: false });
        },
      };
    }
    const orderno = measoftOrderNo(order.number, p.generation);
    const input = toMeasoftOrder(order, s, orderno);
    note({ sent: summarize(input) });
    const ms = this.connections.measoft();
    const res = await ms.createOrder(input, { signal });
    let barcode = res.barcode;
    let status = 'AWAITING_SYNC';
    if (res.outcome === 'exists') {
      // Sent before (a restart between MeaSoft's answer and our commit): adopt the order MeaSoft has.
      const st = await ms.status(orderno, { signal });
      barcode = st?.barcode ?? barcode;
      status = st?.status.code ?? status;
    }
    note({ received: { outcome: res.outcome, orderno: res.orderno, barcode } });
    return {
      result: { orderno: res.orderno, outcome: res.outcome },
      commit: (db: Db) => {
        sql(db, `UPDATE courier_orders SET state = 'sent', orderno = ?, barcode = ?, sent_hash = ?, sent = ?, measoft_status = coalesce(measoft_status, ?), updated_at = ?
                 WHERE crm_id = ? AND generation = ?`)
          .run(res.orderno || orderno, barcode, measoftHash(input), JSON.stringify(input), status, Date.now(), p.crmId, p.generation);
        this.engine.orders.setChip(row.order_id, 'measoft', { state: status, label: statusTitle(status), attention: false });
        this.engine.queue.enqueue({
          kind: 'retailcrm.courierWriteBack',
          connector: 'retailcrm',
          key: `crm:courier-writeback:${p.crmId}:${p.generation}`,
          payload: { crmId: p.crmId, orderno: res.orderno || orderno, barcode },
          orderId: row.order_id,
        });
      },
    };
  }

  private async updateOrder(p: { crmId: number; generation: number }, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.get(p.crmId);
    if (!row || row.state !== 'sent' || row.generation !== p.generation || !row.orderno) return { result: { skipped: 'not sent' } };
    const s = this.engine.settings.get('courier');
    const order = await this.connections.retailcrm().orderGet(p.crmId, 'id', undefined, { signal });
    const input = toMeasoftOrder(order, s, row.orderno);
    const hash = measoftHash(input);
    if (hash === row.sent_hash) return { result: { skipped: 'unchanged' } };
    const ms = this.connections.measoft();
    const st = await ms.status(row.orderno, { signal });
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
    await ms.editOrder(input, { signal });
    return {
      result: { orderno: row.orderno },
      commit: (db: Db) => {
        sql(db, `UPDATE courier_orders SET sent_hash = ?, sent = ?, updated_at = ? WHERE crm_id = ? AND generation = ?`).run(hash, JSON.stringify(input), Date.now(), p.crmId, p.generation);
      },
    };
  }

  private async cancelOrder(p: { crmId: number; generation: number; manual?: boolean | undefined }, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.get(p.crmId);
    if (!row || row.state !== 'cancelling' || row.generation !== p.generation) return { result: { skipped: 'superseded' } };
    const s = this.engine.settings.get('courier');
    const order = await this.connections.retailcrm().orderGet(p.crmId, 'id', undefined, { signal });
    const setState = (db: Db, state: Row['state'], bump: boolean, chip: { state: string; label: string }) => {
      sql(db, `UPDATE courier_orders SET state = ?, generation = generation + ?, updated_at = ? WHERE crm_id = ? AND generation = ?`).run(state, bump ? 1 : 0, Date.now(), p.crmId, p.generation);
      this.engine.orders.setChip(row.order_id, 'measoft', { ...chip, attention: false });
    };
    if (!p.manual && isCourierDelivery(order, s) && row.orderno) {
      // Changed back before we got to it: the MeaSoft order stays.
      return { result: { skipped: 'courier delivery again' }, commit: (db: Db) => setState(db, 'sent', false, { state: row.measoft_status ?? 'NEW', label: statusTitle(row.measoft_status) }) };
    }
    if (!row.orderno) {
      const create = this.engine.queue.byKey(`measoft:create:${p.crmId}:${p.generation}`);
      if (create && create.state === 'running') {
        throw new SyncError({ kind: 'retryable', system: 'measoft', retryAfterMs: 2_000, message: 'Заказ ещё отправляется в MeaSoft; отменим сразу после отправки.' });
      }
      return { result: { skipped: 'never reached MeaSoft' }, commit: (db: Db) => setState(db, 'cancelled', true, { state: 'skipped', label: 'Не отправлен' }) };
    }
    const ms = this.connections.measoft();
    const st = await ms.status(row.orderno, { signal });
    const code = st?.status.code ?? null;
    if (code === 'CANCELED') {
      return { result: { already: true }, commit: (db: Db) => setState(db, 'cancelled', true, { state: 'CANCELED', label: 'Отменён' }) };
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
    await ms.cancelOrder(row.orderno, { signal });
    return {
      result: { cancelled: row.orderno },
      commit: (db: Db) => {
        setState(db, 'cancelled', true, { state: 'CANCELED', label: 'Отменён' });
        sql(db, `UPDATE courier_orders SET measoft_status = 'CANCELED' WHERE crm_id = ?`).run(p.crmId);
      },
    };
  }

  private async applyStatus(p: z.output<typeof statusPayload>, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.get(p.crmId);
    // Jobs of one order may run out of order; the newest status wins and older ones step aside.
    if (row && row.measoft_status !== p.code) return { result: { skipped: `superseded by ${row.measoft_status ?? 'none'}` } };
    const s = this.engine.settings.get('courier');
    const crm = this.connections.retailcrm();
    const order = await crm.orderGet(p.crmId, 'id', undefined, { signal });
    const mapped = s.statusMap[p.code];
    const patch: Record<string, unknown> = {
      delivery: { data: { status: p.code, statusText: p.title ?? statusTitle(p.code), ...(p.eventTime ? { statusDate: p.eventTime } : {}) } },
    };
    if (mapped && mapped !== order.status) patch.status = mapped;
    note({ sent: patch });
    await crm.orderEdit(p.crmId, 'id', patch, undefined, { signal });
    const ops = DELIVERED_STATUSES.has(p.code) ? planPayments(order, { orderno: p.orderno, paytype: p.paytype, priceKopecks: p.priceKopecks }, s) : [];
    const done: unknown[] = [];
    for (const op of ops) {
      // The whole write-back for support: the order edit and every payment operation, not only the last one.
      done.push(op);
      note({ sent: { order: patch, payments: done } });
      if (op.op === 'delete') await crm.paymentDelete(op.id, { signal });
      else if (op.op === 'create') {
        await crm.paymentCreate(
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
        await crm.paymentEdit(op.id, 'id', { status: op.status, ...(op.amountKopecks !== undefined ? { amount: fromKopecks(op.amountKopecks) } : {}) }, undefined, { signal });
      }
    }
    return {
      result: { status: mapped ?? null, payments: ops.length },
      // Our own edit does not come back through history (no echo), so the local copy learns it here.
      commit: () => {
        if (patch.status) this.engine.orders.upsert({ ref: crmOrderRef(p.crmId), number: order.number, crmStatus: String(patch.status) });
      },
    };
  }

  // ── the changes feed ─────────────────────────────────────────────────────────────────────────────────

  private async pollChanges(ctx: PollerContext): Promise<void> {
    if (!this.engine.settings.get('courier').enabled || !this.connections.measoftConfigured()) return;
    const ms = this.connections.measoft();
    const stream = this.engine.settings.get('measoft').streamId;
    const changes = await ms.changes(stream, { signal: ctx.signal });
    if (changes.length) {
      const db = this.engine.db;
      const touched: number[] = [];
      db.transaction(() => {
        for (const c of changes) {
          const id = this.applyChange(c, db);
          if (id !== null) touched.push(id);
        }
      })();
      if (touched.length) this.engine.events.emit('orders.changed', { ids: touched });
    }
    // Only now, with our transaction committed, may MeaSoft forget what it gave us.
    await ms.commitChanges(stream, { signal: ctx.signal });
  }

  private applyChange(c: MeasoftOrderState, db: Db): number | null {
    const row = sql(db, 'SELECT * FROM courier_orders WHERE orderno = ?').get(c.orderno) as Row | undefined;
    if (!row) {
      this.engine.log.info('MeaSoft change for an order Prilavok did not send; ignored', { orderno: c.orderno, status: c.status.code });
      return null;
    }
    const code = c.status.code;
    if (!(code in MEASOFT_STATUSES)) {
      // Unknown codes are logged and change nothing: never guess «in transit».
      this.engine.log.warn('unknown MeaSoft status code; order kept as is', { orderno: c.orderno, status: code });
      return null;
    }
    const delivered = DELIVERED_STATUSES.has(code)
      ? JSON.stringify({ paytype: c.paytype, priceKopecks: c.priceKopecks, deliveredTo: c.deliveredTo, date: c.deliveredDate, time: c.deliveredTime })
      : row.delivered;
    sql(db, `UPDATE courier_orders SET measoft_status = ?, measoft_status_at = ?, barcode = coalesce(?, barcode), delivered = ?, updated_at = ? WHERE crm_id = ?`)
      .run(code, c.status.eventTime, c.barcode, delivered, Date.now(), row.crm_id);
    if (DELIVERED_STATUSES.has(code) && row.measoft_status !== code && row.sent && this.onDelivered) {
      const sent = JSON.parse(row.sent) as MeasoftOrderInput;
      this.onDelivered(db, {
        orderId: row.order_id,
        crmId: row.crm_id,
        number: row.crm_number,
        paytype: c.paytype ?? sent.paytype,
        priceKopecks: c.priceKopecks ?? sent.priceKopecks,
        items: sent.items.filter((i) => i.type !== 4),
        email: null,
        phone: sent.receiver.phone || null,
      });
    }
    const attention = code === 'UNCONFIRM' || code === 'COURIERCANCELED' || code === 'LOST';
    this.engine.orders.setChip(row.order_id, 'measoft', { state: code, label: statusTitle(code), attention });
    if (code === 'CANCELED' && (row.state === 'cancelling' || row.state === 'cancelled')) {
      // Our own cancel coming back (the delivery type changed away, or «Отменить у курьера»): the order left the
      // courier flow by the manager's choice, so its RetailCRM status is not turned into a cancelled order.
      return row.order_id;
    }
    this.engine.queue.enqueue({
      kind: 'retailcrm.courierStatus',
      connector: 'retailcrm',
      key: `crm:courier-status:${row.crm_id}:${c.orderno}:${code}:${c.status.eventTime ?? ''}`,
      payload: {
        crmId: row.crm_id,
        orderno: c.orderno,
        code,
        title: c.status.title,
        eventTime: c.status.eventTime,
        paytype: c.paytype,
        priceKopecks: c.priceKopecks,
        deliveredTo: c.deliveredTo,
      },
      orderId: row.order_id,
    });
    return row.order_id;
  }
}

/** The timeline keeps what was sent in short: who, where, how much — not the whole document. */
function summarize(o: MeasoftOrderInput) {
  return {
    orderno: o.orderno,
    receiver: `${o.receiver.person}, ${o.receiver.phone}`,
    address: `${o.receiver.town}, ${o.receiver.address}`,
    window: o.receiver.date ? `${o.receiver.date} ${o.receiver.timeMin ?? ''}–${o.receiver.timeMax ?? ''}` : null,
    weightKg: o.weightKg,
    cod: fromKopecks(o.priceKopecks),
    declared: fromKopecks(o.inshpriceKopecks),
    items: o.items.length,
  };
}

