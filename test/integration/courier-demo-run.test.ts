import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { MEASOFT_CHANGES_POLLER } from '../../src-main/engine/flows/courier/index.js';
import { RateLimiter } from '../../src-main/engine/http/rate-limit.js';
import { addCourierTriggers, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { tempDir, waitFor } from '../helpers/temp.js';

/**
 * A day of the demo shop, end to end: 200 cash-on-delivery orders go to the courier through the RetailCRM
 * triggers, the courier takes them into work and delivers them, Prilavok writes the courier's payment back
 * (replacing the open «cod» payment by a paid «cash» one) and the delivery status. Prilavok's own writes echo
 * back through the triggers and the history like any change — and must never turn into work or alarms.
 */

const N = 200;
let emu: Emulators;
let engine: Engine;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  emu = await startEmulators({ crm: { rateLimit: 10_000 } });
  engine = await Engine.open({ dataDir: path.join(t.dir, 'data'), webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 500 }, runner: { idleMs: 50 } });
  // The account's 10 requests a second would make this run take minutes; the emulator lifts its limit, and so do we.
  const fast = new RateLimiter(5_000, 50);
  engine.rateLimiters.get = () => fast;
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  await engine.start();
  addCourierTriggers(emu.crm, engine.webhookUrl('retailcrm')!);
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
}, 60_000);

afterAll(async () => {
  await engine?.stop(0);
  await emu?.close();
  cleanup?.();
});

const idle = () =>
  waitFor(() => {
    const d = engine.queue.depth();
    return d.queued + d.running + d.retrying === 0 && engine.inbox.counts().pending === 0;
  }, 'the queue to drain', 120_000, 50);

async function settle(): Promise<void> {
  await emu.crm.triggersSettled();
  await idle();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  await emu.crm.triggersSettled();
  await idle();
}

describe('200 delivered cash-on-delivery orders, as in the demo', () => {
  it('end with every order delivered and paid in RetailCRM, none needing attention, nothing in the error log', async () => {
    const created = makeOrders(N, { seed: 2026, statuses: ['new'] }).map((o, i) =>
      emu.crm.createOrder(
        {
          ...o,
          externalId: undefined,
          status: 'new',
          delivery: {
            ...o.delivery,
            code: i % 2 ? 'measoft-region' : 'measoft-city',
            address: { index: '101000', region: 'Москва', city: 'Москва', street: 'ул. Мясницкая', building: String(10 + (i % 40)), flat: String(1 + (i % 90)), text: `ул. Мясницкая, д. ${10 + (i % 40)}, кв. ${1 + (i % 90)}` },
          },
          prepaySum: 0,
          payments: [{ type: 'cod', amount: o.items.reduce((t, i) => t + (i.initialPrice - (i.discountManualAmount ?? 0)) * i.quantity, 0) + o.delivery.cost, status: 'not-paid' }],
        } as never,
        { source: 'user' },
      ),
    );
    // The manager hands them to the courier service.
    for (const o of created) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
    await settle();
    expect(emu.ms.orders().filter((m) => created.some((o) => o.number === m.orderno))).toHaveLength(N);

    // The courier: picked up, at the warehouse, out for delivery, delivered — cash collected in full.
    for (const code of ['PICKUP', 'ACCEPTED', 'DELIVERY', 'COMPLETE']) {
      for (const o of created) {
        const ms = emu.ms.getOrder(o.number)!;
        emu.ms.setStatus(o.number, code, code === 'COMPLETE' ? { paytype: 'CASH', priceKopecks: ms.priceKopecks } : {});
      }
      await engine.scheduler.syncNow(MEASOFT_CHANGES_POLLER);
      await settle();
    }

    // RetailCRM: every order complete, the «cod» payment replaced by a paid «cash» one of the collected sum.
    for (const o of created) {
      const crm = emu.crm.getOrder(o.id)!;
      expect(crm.status, o.number).toBe('complete');
      const paid = crm.payments.filter((p) => p.status === 'paid');
      expect(paid.map((p) => p.type), o.number).toEqual(['cash']);
      expect(crm.payments.some((p) => p.type === 'cod'), o.number).toBe(false);
    }
    // Prilavok: nothing waits for the merchant, nothing was logged, no update was even tried at the courier.
    expect(engine.orders.list({ attention: true, limit: 10, offset: 0 }).total).toBe(0);
    expect(engine.errors.list({ limit: 10, unreadOnly: false })).toEqual([]);
    const states = sql(engine.db, `SELECT kind, state, count(*) AS n FROM jobs WHERE state <> 'done' GROUP BY kind, state`).all();
    expect(states).toEqual([]);
    expect(emu.ms.requests.filter((r) => r.op === 'editorder')).toHaveLength(0);
    // Our own writes made no work at all: not one update of a MeaSoft order was even queued.
    expect((sql(engine.db, `SELECT count(*) AS n FROM jobs WHERE kind = 'measoft.updateOrder'`).get() as { n: number }).n).toBe(0);
    const statuses = (sql(engine.db, 'SELECT measoft_status AS s, count(*) AS n FROM courier_orders GROUP BY s').all() as Array<{ s: string; n: number }>);
    expect(statuses).toEqual([{ s: 'COMPLETE', n: N }]);
  }, 300_000);
});
