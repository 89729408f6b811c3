import { Engine } from '../src-main/engine/engine.js';
import { CRM_HISTORY_POLLER } from '../src-main/engine/flows/crm/index.js';
import { pollerId, secretKey } from '../src-main/engine/flows/statuscheck/index.js';
import { partnerTemplate } from '../src-main/engine/flows/statuscheck/templates.js';
import { PRILAVOK_KEY, connectEngine, startEmulators } from '../test/emulators/courier-world.js';
import { startPartnerEmulator, type PartnerOrder } from '../test/emulators/partner/server.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

const TOTAL = 10_000;
const BATCH = 100;
/** Orders whose partner status really changed in the measured cycle. */
const CHANGED = 500;

/**
 * 10,000 orders in processing held by one call centre, checked in batches of 100: the partner allows 5 requests/s
 * (its emulator answers 429 beyond that), RetailCRM 10/s. A first cycle learns the orders (the sweep) with
 * nothing to change; then 500 partner statuses change and the second cycle is measured: partner requests ÷ the
 * floor of 100, RetailCRM requests ÷ orders really changed, and its wall time until the last edit is done.
 */
export async function benchStatuscheck(): Promise<Figure[]> {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const emu = await startEmulators({ crm: { rateLimit: 10 } });
  const partner = await startPartnerEmulator({ token: 'T0K', ratePerSec: 5 });
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0, runner: { idleMs: 50 } });
  try {
    await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600, courier: { enabled: false } });
    engine.flows.statuscheck.save({
      enabled: true,
      partners: [
        {
          ...partnerTemplate('json', 'cc', 'Колл-центр', partner.url),
          enabled: true,
          modes: {
            processing: { enabled: true, intervalMin: 600, batchSize: BATCH },
            accepted: { enabled: false, intervalMin: 600, batchSize: BATCH },
            range: { enabled: false, intervalMin: 600, maxDays: 7, lookbackDays: 60 },
          },
          statusMap: { '2': 'availability-confirmed', '3': 'offer-analog', '5': 'cancel-other' },
          approveStatus: 'client-confirmed',
          ratePerSec: 5,
        },
      ],
    });
    await engine.secrets.set(secretKey('cc', 'token'), 'T0K');
    const answers: PartnerOrder[] = [];
    for (let i = 1; i <= TOTAL; i++) {
      emu.crm.createOrder({ externalId: `cc-${i}`, status: 'availability-confirmed', site: 'shop' }, { source: 'user' });
      answers.push({ id: `cc-${i}`, status: 'В обработке', createdAt: '2025-03-05 10:00:00' });
    }
    partner.setMany(answers);
    await engine.start();
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);

    const poller = pollerId('cc', 'processing');
    const drained = async () => {
      const deadline = Date.now() + 20 * 60_000;
      for (;;) {
        const d = engine.queue.depth();
        if (d.queued + d.running + d.retrying === 0) return;
        if (Date.now() > deadline) throw new Error('the status check did not finish in 20 minutes');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await engine.scheduler.syncNow(poller);
    await drained();
    const firstEdits = emu.crm.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/edit')).length;
    if (firstEdits !== 0) throw new Error(`the first cycle edited ${firstEdits} orders that did not change`);

    const before = new Map(emu.crm.orders().map((o) => [o.id, o.status]));
    const words = ['Подтвержден', 'Отказ', 'перезвонить'];
    for (let i = 0; i < CHANGED; i++) {
      const n = 1 + Math.floor((i * TOTAL) / CHANGED);
      partner.set({ id: `cc-${n}`, status: words[i % words.length]!, reason: i % 3 === 1 ? 'Дорого' : null, createdAt: '2025-03-05 10:00:00' });
    }
    emu.crm.resetRequests();
    partner.clearRequests();
    await new Promise((r) => setTimeout(r, 1_100));
    const started = performance.now();
    await engine.scheduler.syncNow(poller);
    await drained();
    const seconds = (performance.now() - started) / 1000;

    const partnerRequests = partner.requests().length;
    const crmRequests = emu.crm.requests.filter((r) => r.key === PRILAVOK_KEY).length;
    const changed = emu.crm.orders().filter((o) => before.get(o.id) !== o.status).length;
    console.error(
      `status checks: ${TOTAL} orders, ${partnerRequests} partner requests (${partner.rateViolations()} over its limit), ` +
        `${crmRequests} RetailCRM requests for ${changed} changed orders, ${seconds.toFixed(1)} s`,
    );
    if (changed !== CHANGED) throw new Error(`${changed} orders changed, expected ${CHANGED}`);
    return [
      { id: 'statuscheck.orders_10000_requests_ratio', value: partnerRequests / (TOTAL / BATCH), unit: 'ratio' },
      { id: 'statuscheck.edit_requests_ratio', value: crmRequests / changed, unit: 'ratio' },
      { id: 'statuscheck.cycle_s', value: seconds, unit: 's' },
    ];
  } finally {
    await engine.stop();
    await emu.close();
    await partner.close();
    cleanup();
  }
}
