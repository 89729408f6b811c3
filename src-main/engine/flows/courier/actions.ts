import { isCourierResendStatus } from '../../../../src-shared/courier-resend.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import { retryStopped } from '../../jobs/define.js';
import type { CourierJobs } from './jobs.js';
import { measoftOrderNo, statusTitle } from './rules.js';
import { courierStore } from './store.js';

/** The order card's courier buttons: «Отменить у курьера» and «Отправить заново». */
export function courierActions(e: Engine, jobs: CourierJobs) {
  const db = e.db;

  /** «Отменить у курьера» from the window: cancels at MeaSoft now, whatever RetailCRM says. */
  function cancelByHand(orderId: number): string {
    const row = courierStore.byOrderId(db, orderId);
    if (!row || row.state !== 'sent' || !row.orderno) {
      throw new SyncError({ kind: 'needsAttention', system: 'measoft', message: 'Отменять нечего: заказ не передан в курьерскую службу или уже отменён.' });
    }
    db.transaction(() => {
      courierStore.startCancelling(db, row.crm_id, true);
      jobs.cancelOrder.enqueue(e.queue, { crmId: row.crm_id, generation: row.generation, manual: true }, { orderId: row.order_id });
      e.orders.setChip(row.order_id, 'measoft', { state: 'cancelling', label: 'Отменяется', attention: false });
    })();
    e.events.emit('orders.changed', { ids: [row.order_id] });
    return `Заказ №${row.crm_number} отменяется в курьерской службе.`;
  }

  /**
   * «Отправить заново» from the window: a new MeaSoft order (the next generation, its own number and
   * idempotency key) after the previous one was cancelled, refused, brought back or lost. Never next to a
   * live one: refused while MeaSoft has the order in work, and the send itself checks the previous order's
   * status at MeaSoft first. A send that is still waiting for the merchant is simply tried again.
   */
  function resendByHand(orderId: number): string {
    const row = courierStore.byOrderId(db, orderId);
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
      if (retryStopped(e.queue, jobs.createOrder.byKey(e.queue, { crmId: row.crm_id, generation: row.generation }))) {
        // Same generation, same number: a send that may have reached MeaSoft is adopted, never doubled.
        e.orders.refreshAttention(row.order_id);
        e.events.emit('orders.changed', { ids: [row.order_id] });
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
      if (!courierStore.restart(db, row, generation)) {
        throw new SyncError({ kind: 'retryable', system: 'measoft', message: `Заказ №${number} только что изменился. Попробуйте ещё раз.` });
      }
      jobs.createOrder.enqueue(e.queue, { crmId: row.crm_id, generation, manual: true, previous }, { orderId: row.order_id });
      e.orders.setChip(row.order_id, 'measoft', { state: 'sending', label: 'Отправляется', attention: false });
    })();
    e.orders.refreshAttention(row.order_id);
    e.events.emit('orders.changed', { ids: [row.order_id] });
    return `Заказ №${number} будет отправлен в курьерскую службу заново под номером ${measoftOrderNo(number, generation)}.`;
  }

  return { cancelByHand, resendByHand };
}
