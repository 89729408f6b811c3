import { Engine } from '../src-main/engine/engine.js';
import { CRM_HISTORY_POLLER } from '../src-main/engine/flows/crm/index.js';
import { PRILAVOK_KEY, connectEngine, startEmulators } from '../test/emulators/courier-world.js';
import { startLifePosEmulator } from '../test/emulators/lifepos/server.js';
import { makeOrders } from '../test/emulators/retailcrm/seed.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

/**
 * 1,000 new RetailCRM orders handed to LIFE POS: RetailCRM read through its 10 requests/s budget (history pages
 * and orders 100 at a time), one sale per order at LIFE POS's own pace (the client keeps 5 requests/s).
 * Wall time from the first history read to the last sale, and requests per order over both APIs.
 */
export async function benchPos(): Promise<Figure[]> {
  const { dir, cleanup } = tempDir('prilavok-bench-');
  const emu = await startEmulators({ crm: { rateLimit: 10 } });
  const lp = await startLifePosEmulator();
  const ip = lp.addLegalEntity({ inn: '772814390271', name: 'ИП Соколова' });
  lp.addOutlet({ name: 'Склад на Автозаводской', legalEntityGuid: ip, address: 'Москва, ул. Ленинская Слобода, 19' });
  const engine = await Engine.open({ dataDir: dir, webhookPort: 0, runner: { idleMs: 50 } });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600, courier: { enabled: false } });
  engine.settings.update('lifepos', { url: lp.url, phone: '+7 999 000-00-01', orgGuid: lp.orgGuid, pollIntervalSec: 3600 });
  engine.settings.update('pos', { enabled: true, createStatuses: ['new'], cashPaymentType: 'cash', cardPaymentType: 'bank-card' });
  await engine.secrets.set('lifepos.password', 'owner-pass');
  await engine.start();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);

  const total = 1_000;
  for (const o of makeOrders(total, { seed: 77, statuses: ['new'] })) {
    emu.crm.createOrder({ ...o, externalId: undefined, status: 'new', shipmentStore: 'main' } as never, { source: 'user' });
  }
  emu.crm.resetRequests();
  const lpBefore = lp.requests.length;
  await new Promise((r) => setTimeout(r, 1_100));
  const started = performance.now();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
  const deadline = Date.now() + 20 * 60_000;
  while (lp.sales().length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - started) / 1000;
  const crmRequests = emu.crm.requests.filter((r) => r.key === PRILAVOK_KEY).length;
  const lpRequests = lp.requests.length - lpBefore;
  const sales = lp.sales().length;
  await engine.stop();
  await emu.close();
  await lp.close();
  cleanup();
  if (sales !== total) throw new Error(`only ${sales} of ${total} sales reached LIFE POS`);
  console.error(`LIFE POS hand-off: ${total} orders in ${seconds.toFixed(1)} s; RetailCRM ${crmRequests} requests, LIFE POS ${lpRequests}`);
  return [
    { id: 'lifepos.orders_1000_s', value: seconds, unit: 's' },
    { id: 'lifepos.requests_per_order', value: (crmRequests + lpRequests) / total, unit: 'requests' },
  ];
}
