import { courierResendChipStates } from './courier-resend.js';
import { measoftStatuses } from './measoft-statuses.js';

/**
 * Which actions an order offers in its current state, and why the others cannot work. The window shows only
 * the allowed ones; the engine checks the same table before doing anything and answers a refused action with
 * the reason — so «Отменить у курьера» on a delivered order is neither offered nor accepted.
 */

export type OrderActionId = 'refresh' | 'cancelCourier' | 'resend' | 'retry' | 'dismiss';

/** The reason «Отменить у курьера» cannot work for an order in this courier state, or null when it can. */
export function cancelRefusal(chip: string | null): string | null {
  const v = cancelVerdict(chip);
  return v.ok ? null : v.reason;
}

export interface OrderActionFacts {
  /** `retailcrm:<id>`, `leeloo:<id>`… */
  ref: string;
  /** The order's chips by system; the courier chip's `state` is MeaSoft's status code or our own step. */
  systems: Record<string, { state: string }>;
  /** Flagged «Требует внимания». */
  attention: boolean;
  /** Jobs of the order waiting for the merchant — what «Повторить» runs again; unknown when absent. */
  waitingJobs?: number;
}

export type ActionVerdict = { ok: true } | { ok: false; reason: string };

/** MeaSoft accepts a cancel (and an edit) only while it has not taken the order into work. */
export const courierEditableStatuses: readonly string[] = ['NEW', 'AWAITING_SYNC'];
/** The courier has handed the goods over: nothing left to cancel or tell. */
export const courierDeliveredStatuses: readonly string[] = ['COMPLETE', 'PARTIALLY', 'COURIERDELIVERED', 'COURIERPARTIALLY'];
/** The delivery is over, one way or another (delivered, or not and on its way back): the courier no longer needs to hear about changes. */
export const courierFinalStatuses: readonly string[] = ['COMPLETE', 'PARTIALLY', 'RETURNED', 'PARTLYRETURNED', 'LOST', 'CANCELED', 'RETURNING'];

function title(code: string): string {
  return measoftStatuses.find((s) => s.code === code)?.title ?? code;
}

function cancelVerdict(chip: string | null): ActionVerdict {
  if (chip === null) return { ok: false, reason: 'Заказ не передавался в курьерскую службу — отменять нечего.' };
  if (chip === 'sending') return { ok: false, reason: 'Заказ ещё передаётся в курьерскую службу: отменить его можно, когда он там появится.' };
  if (chip === 'cancelling') return { ok: false, reason: 'Заказ уже отменяется в курьерской службе.' };
  if (courierDeliveredStatuses.includes(chip)) return { ok: false, reason: `Заказ уже доставлен (статус «${title(chip)}») — отменять у курьера нечего.` };
  if (courierResendChipStates.includes(chip)) return { ok: false, reason: 'Курьерская служба этот заказ уже не везёт — отменять нечего.' };
  // A state Prilavok does not know is left to the engine, which checks its own record of the order.
  if (measoftStatuses.some((m) => m.code === chip) && !courierEditableStatuses.includes(chip)) {
    return { ok: false, reason: `Курьерская служба уже взяла заказ в работу (статус «${title(chip)}»): отменить его можно только по телефону курьерской службы.` };
  }
  return { ok: true };
}

export function orderActionsFor(o: OrderActionFacts): Record<OrderActionId, ActionVerdict> {
  const chip = o.systems.measoft?.state ?? null;
  const fromCrm = /^retailcrm:\d+$/.test(o.ref);
  return {
    refresh: fromCrm ? { ok: true } : { ok: false, reason: 'Этот заказ пришёл не из RetailCRM: перечитывать неоткуда.' },
    cancelCourier: cancelVerdict(chip),
    resend:
      chip !== null && courierResendChipStates.includes(chip)
        ? { ok: true }
        : { ok: false, reason: chip === null ? 'Заказ не передавался в курьерскую службу.' : 'Курьерская служба ещё работает с этим заказом: второй заказ не создаём.' },
    // «Повторить» runs the waiting jobs again; a flag with nothing to run (the courier must be told by phone) is not retried.
    retry: (o.waitingJobs ?? (o.attention ? 1 : 0)) > 0 ? { ok: true } : { ok: false, reason: 'Повторять нечего: незавершённых ошибок у заказа нет.' },
    dismiss: o.attention ? { ok: true } : { ok: false, reason: 'Отметки «Требует внимания» у заказа нет.' },
  };
}
