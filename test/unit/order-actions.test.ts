import { describe, expect, it } from 'vitest';
import { orderActionsFor, type OrderActionFacts, type OrderActionId } from '../../src-shared/order-actions.js';

const order = (courier: string | null, attention = false, ref = 'retailcrm:47'): OrderActionFacts => ({
  ref,
  attention,
  systems: courier === null ? {} : { measoft: { state: courier } },
});

const allowed = (o: ReturnType<typeof order>) =>
  (Object.entries(orderActionsFor(o)) as Array<[OrderActionId, { ok: boolean }]>).filter(([, v]) => v.ok).map(([k]) => k).sort();

describe('the actions an order offers, per state', () => {
  const table: Array<[string, ReturnType<typeof order>, OrderActionId[]]> = [
    ['not sent to the courier', order(null), ['refresh']],
    ['being sent', order('sending'), ['refresh']],
    ['new at MeaSoft: can still be cancelled', order('NEW'), ['cancelCourier', 'refresh']],
    ['awaiting sync at MeaSoft', order('AWAITING_SYNC'), ['cancelCourier', 'refresh']],
    ['in work: no cancel from here', order('DELIVERY'), ['refresh']],
    ['delivered: no cancel', order('COMPLETE'), ['refresh']],
    ['delivered in part: no cancel', order('PARTIALLY'), ['refresh']],
    ['being cancelled', order('cancelling'), ['refresh']],
    ['not delivered: sent again, not cancelled', order('CANCELED'), ['refresh', 'resend']],
    ['returned', order('RETURNED'), ['refresh', 'resend']],
    ['never reached MeaSoft', order('skipped'), ['refresh', 'resend']],
    ['needs attention: retry and «Снять отметку»', order('DELIVERY', true), ['dismiss', 'refresh', 'retry']],
    ['from Leeloo: nothing to re-read', order(null, false, 'leeloo:abc'), []],
  ];
  it.each(table)('%s', (_name, o, expected) => {
    expect(allowed(o)).toEqual([...expected].sort());
  });

  it('«Повторить» only when there is a job to run again; «Снять отметку» whenever the order is flagged', () => {
    const told = { ...order('DELIVERY', true), waitingJobs: 0 };
    expect(orderActionsFor(told).retry).toMatchObject({ ok: false });
    expect(orderActionsFor(told).dismiss).toEqual({ ok: true });
    expect(orderActionsFor({ ...order('NEW', true), waitingJobs: 2 }).retry).toEqual({ ok: true });
  });

  it('refusals give the real reason', () => {
    expect(orderActionsFor(order('COMPLETE')).cancelCourier).toEqual({ ok: false, reason: 'Заказ уже доставлен (статус «Доставлен») — отменять у курьера нечего.' });
    expect(orderActionsFor(order('DELIVERY')).cancelCourier).toMatchObject({ ok: false, reason: expect.stringContaining('только по телефону курьерской службы') });
    expect(orderActionsFor(order(null)).cancelCourier).toMatchObject({ ok: false, reason: expect.stringContaining('не передавался') });
    expect(orderActionsFor(order('NEW')).dismiss).toMatchObject({ ok: false });
  });
});
