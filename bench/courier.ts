import { Engine } from '../src-main/engine/engine.js';
import { CRM_HISTORY_POLLER } from '../src-main/engine/flows/crm/index.js';
import { PRILAVOK_KEY, connectEngine, startEmulators } from '../test/emulators/courier-world.js';
import { makeOrders } from '../test/emulators/retailcrm/seed.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

const RATE = 10;

/**
 * Catch-up after a night off: 5,000 orders changed in RetailCRM (two fields each, so 10,000 history records)
 * while Prilavok was not looking, read back through the emulator's 10 requests/s limit. The floor is what no
 * client can do with less: every history page of 100 records plus the changed orders read 100 per request
 * (`filter[ids][]`), at 10 requests a second.
 */
export async function benchCatchup(): Promise<Figure[]> {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const emu = await startEmulators({ crm: { rateLimit: RATE } });
  const total = 5_000;
  const orders = makeOrders(total, { seed: 11, statuses: ['new', 'client-confirmed', 'assembling'] });
  const ids = orders.map((o) => emu.crm.createOrder({ ...o, externalId: undefined } as never, { source: 'user' }).id);
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0 });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600, courier: { enabled: false } });
  await engine.start();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER); // the cursor starts here

  for (const id of ids) {
    emu.crm.editOrder(id, { status: 'assembled', managerComment: 'Собран, ждёт курьера' }, { source: 'user' });
  }
  const records = emu.crm.history().filter((r) => ids.includes(r.order?.id as number) && r.source === 'user' && !r.created).length;
  const floorRequests = Math.ceil(records / 100) + Math.ceil(total / 100);
  emu.crm.resetRequests();
  // Start with a full second of budget, as after a night off.
  await new Promise((r) => setTimeout(r, 1_100));
  const started = performance.now();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  const seconds = (performance.now() - started) / 1000;
  const used = emu.crm.requests.filter((r) => r.key === PRILAVOK_KEY).length;
  const refused = emu.crm.requests.filter((r) => r.status === 503 || r.status === 429).length;
  const seen = (engine.db.prepare(`SELECT count(*) AS n FROM orders WHERE crm_status = 'assembled'`).get() as { n: number }).n;
  await engine.stop();
  await emu.close();
  cleanup();
  if (seen !== total) throw new Error(`catch-up saw ${seen} of ${total} changed orders`);
  if (refused) throw new Error(`catch-up tripped the rate limit ${refused} times`);
  const floorSeconds = floorRequests / RATE;
  console.error(`catch-up: ${total} orders, ${records} history records, ${used} requests (floor ${floorRequests}), ${seconds.toFixed(1)} s (floor ${floorSeconds.toFixed(1)} s)`);
  return [
    { id: 'retailcrm.catchup_requests_ratio', value: used / floorRequests, unit: 'ratio' },
    { id: 'retailcrm.catchup_time_ratio', value: seconds / floorSeconds, unit: 'ratio' },
  ];
}

/**
 * MeaSoft status change → RetailCRM order edited, with the changes feed polled every 5 s. The figure is the
 * worst of several changes made at random moments of the poll cycle (target: interval + 1 s).
 */
export async function benchStatusLatency(): Promise<Figure[]> {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const emu = await startEmulators();
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0, runner: { idleMs: 50 } });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 5 });
  await engine.start();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  const samples = 6;
  const sent = makeOrders(samples, { seed: 5, statuses: ['new'] }).map((o) =>
    emu.crm.createOrder(
      {
        ...o,
        externalId: undefined,
        delivery: { ...o.delivery, code: 'measoft-city', address: { index: '101000', region: 'Москва', city: 'Москва', street: 'ул. Мясницкая', building: '20', flat: '5', text: 'ул. Мясницкая, д. 20, кв. 5' } },
      } as never,
      { source: 'user' },
    ),
  );
  for (const o of sent) emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  const deadline = Date.now() + 30_000;
  while (emu.ms.orders().length < samples && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (emu.ms.orders().length < samples) throw new Error('orders did not reach MeaSoft');

  const latencies: number[] = [];
  for (const o of sent) {
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 4_000));
    const changed = performance.now();
    emu.ms.setStatus(o.number, 'DELIVERY');
    const until = Date.now() + 20_000;
    while (emu.crm.getOrder(o.id)!.status !== 'delivering' && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    if (emu.crm.getOrder(o.id)!.status !== 'delivering') throw new Error(`status of ${o.number} did not reach RetailCRM`);
    latencies.push(performance.now() - changed);
  }
  await engine.stop();
  await emu.close();
  cleanup();
  console.error(`status latency, poll 5 s: ${latencies.map((l) => Math.round(l)).join(', ')} ms`);
  return [{ id: 'measoft.status_latency_ms', value: Math.max(...latencies), unit: 'ms' }];
}
