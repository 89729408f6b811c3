import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { MEASOFT_CHANGES_POLLER } from '../../src-main/engine/flows/courier/index.js';
import { sql } from '../../src-main/engine/db/open.js';
import { connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { tempDir, waitFor } from '../helpers/temp.js';

let emu: Emulators;
let engine: Engine;
let cleanup: () => void;

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  emu = await startEmulators({ crm: { rateLimit: 10 } });
  engine = await Engine.open({ dataDir: t.dir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 500 }, runner: { idleMs: 50 } });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  await engine.start();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
});

afterEach(async () => {
  await engine.stop(0);
  await emu.close();
  cleanup();
});

/** An order sent to MeaSoft the usual way: a courier delivery reaching the sending status. */
async function sentOrder() {
  const [seed] = makeOrders(1, { seed: Math.floor(Math.random() * 1e9), statuses: ['new'] });
  const o = emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'new',
      phone: '+7 916 555-12-34',
      delivery: {
        ...seed!.delivery,
        code: 'measoft-city',
        address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
  emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  await idle();
  expect(emu.ms.getOrder(o.number)).toBeTruthy();
  return { ...o, localId: engine.orders.idByRef(`retailcrm:${o.id}`)! };
}

const measoftOrders = (number: string) => emu.ms.orders().filter((o) => o.orderno === number || o.orderno.startsWith(`${number}-`));
const live = (number: string) => measoftOrders(number).filter((o) => !['CANCELED', 'COURIERCANCELED', 'RETURNED', 'RETURNING', 'COURIERRETURN', 'LOST'].includes(o.status));
const idle = () => waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 20_000);
const createJobs = (orderId: number) => sql(engine.db, `SELECT idempotency_key AS key, state, last_error FROM jobs WHERE kind = 'measoft.createOrder' AND order_id = ? ORDER BY id`).all(orderId) as Array<{ key: string; state: string; last_error: string | null }>;
const resend = async (id: number) => engine.api('orders.action', { id, action: 'resend' });

describe('«Отправить заново»: a new MeaSoft order only when the previous one is over', () => {
  it('not delivered at MeaSoft: sent again under the next number with its own key, the track number follows; a second press makes nothing', async () => {
    const o = await sentOrder();
    emu.ms.setStatus(o.number, 'CANCELED');
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(engine.orders.get(o.localId)!.systems.measoft).toMatchObject({ state: 'CANCELED' });

    const done = await resend(o.localId);
    expect(done).toEqual({ ok: true, result: { message: `Заказ №${o.number} будет отправлен в курьерскую службу заново под номером ${o.number}-2.` } });
    await idle();
    expect(measoftOrders(o.number).map((m) => m.orderno).sort()).toEqual([o.number, `${o.number}-2`]);
    expect(live(o.number).map((m) => m.orderno)).toEqual([`${o.number}-2`]);
    expect(createJobs(o.localId).map((j) => [j.key, j.state])).toEqual([
      [`measoft:create:${o.id}:1`, 'done'],
      [`measoft:create:${o.id}:2`, 'done'],
    ]);
    await waitFor(() => (emu.crm.getOrder(o.id)!.delivery?.data as Record<string, unknown> | undefined)?.externalId === `${o.number}-2`, 'the new number in RetailCRM');
    expect(engine.orders.get(o.localId)!.systems.measoft?.state).not.toBe('CANCELED');

    // The new order is live: pressing again is refused in words and creates nothing.
    const again = await resend(o.localId);
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.message).toMatch(new RegExp(`Заказ №${o.number} уже в курьерской службе \\(статус «.+»\\): второй заказ не создаём`));
    await idle();
    expect(measoftOrders(o.number)).toHaveLength(2);
    // A later status change of the old order does not touch the new delivery.
    emu.ms.setStatus(o.number, 'RETURNED');
    emu.ms.setStatus(`${o.number}-2`, 'DELIVERY');
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    expect(engine.orders.get(o.localId)!.systems.measoft).toMatchObject({ state: 'DELIVERY' });
  });

  it('MeaSoft has the old order in work again (our status was stale): the send stops for the merchant, no second live order', async () => {
    const o = await sentOrder();
    emu.ms.setStatus(o.number, 'COURIERCANCELED');
    await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
    await idle();
    // The courier service takes it back into delivery before Prilavok hears about it.
    emu.ms.setStatus(o.number, 'DELIVERY');
    expect((await resend(o.localId)).ok).toBe(true);
    await idle();
    expect(measoftOrders(o.number)).toHaveLength(1);
    const [, second] = createJobs(o.localId);
    expect(second!.state).toBe('attention');
    expect(second!.last_error).toMatch(/прежний заказ .+ у курьерской службы снова в работе \(статус «Выдан курьеру на доставку»\)/);
    expect(engine.orders.get(o.localId)!.attention).toBe(true);
  });

  it('cancelled by hand, then sent again at once; while it is being sent a second press is refused; a never-sent order has nothing to resend', async () => {
    const o = await sentOrder();
    expect((await engine.api('orders.action', { id: o.localId, action: 'cancelCourier' })).ok).toBe(true);
    await idle();
    expect(emu.ms.getOrder(o.number)!.status).toBe('CANCELED');

    emu.ms.faults.latencyMs = 600;
    expect((await resend(o.localId)).ok).toBe(true);
    const twice = await resend(o.localId);
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(twice.error.message).toBe(`Заказ №${o.number} уже отправляется в курьерскую службу.`);
    await idle();
    emu.ms.faults.latencyMs = 0;
    expect(live(o.number).map((m) => m.orderno)).toEqual([`${o.number}-2`]);
    // The hand-cancel hold is lifted: the order follows RetailCRM again (a changed phone updates MeaSoft).
    emu.crm.editOrder(o.id, { phone: '+7 903 111-22-33' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    expect(emu.ms.getOrder(`${o.number}-2`)!.receiver.phone).toBe('+7 903 111-22-33');

    const [seed] = makeOrders(1, { seed: 7, statuses: ['new'] });
    const plain = emu.crm.createOrder({ ...seed!, externalId: undefined, status: 'new' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await idle();
    const plainId = engine.orders.idByRef(`retailcrm:${plain.id}`)!;
    const none = await resend(plainId);
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.error.message).toMatch(/ещё не передавался в курьерскую службу/);
  });
});
