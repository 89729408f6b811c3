/**
 * `npm run demo`: the whole courier flow in a browser with no accounts. Local RetailCRM and MeaSoft
 * emulators are seeded with about 200 realistic orders; Prilavok runs in headless mode against them; a
 * manager moves an order to «Передан в доставку» every few seconds and a simulated courier delivers. A call
 * centre with its own API (a local partner emulator) answers the statuses of «one-click» orders every minute.
 *
 * Environment: PRILAVOK_DEMO_DIR (data directory, default .demo-data, recreated on every start),
 * PRILAVOK_UI_PORT (default 47801), PRILAVOK_DEMO_ORDERS (default 200).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../src-main/engine/engine.js';
import { CRM_HISTORY_POLLER } from '../src-main/engine/flows/crm/index.js';
import { createChromiumPdfRenderer } from '../src-main/engine/printforms/pdf.js';
import { startBridge } from '../src-main/headless/bridge.js';
import { addCourierTriggers, connectEngine, startEmulators } from '../test/emulators/courier-world.js';
import { makeOrders } from '../test/emulators/retailcrm/seed.js';
import { startPartnerEmulator } from '../test/emulators/partner/server.js';
import { secretKey } from '../src-main/engine/flows/statuscheck/index.js';
import { partnerTemplate } from '../src-main/engine/flows/statuscheck/templates.js';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(process.env.PRILAVOK_DEMO_DIR ?? path.join(root, '.demo-data'));
const count = Number(process.env.PRILAVOK_DEMO_ORDERS ?? 200);

fs.rmSync(dataDir, { recursive: true, force: true });
fs.mkdirSync(dataDir, { recursive: true });

const emu = await startEmulators({ ms: { courier: { intervalMs: 12_000 }, seed: 7 } });

// The shop's recent orders: every stage of the pipeline, about a third delivered by MeaSoft couriers,
// cash on delivery and prepaid alike.
const measoftTypes = ['measoft-city', 'measoft-region'];
for (const [i, o] of makeOrders(count, { seed: 2026 }).entries()) {
  const courier = i % 3 === 0;
  emu.crm.createOrder(
    (courier
      ? { ...o, delivery: { ...o.delivery, code: measoftTypes[i % 2]!, address: o.delivery.address ?? { index: '101000', region: 'Москва', city: 'Москва', street: 'ул. Мясницкая', building: String(10 + (i % 40)), flat: String(1 + (i % 90)), text: `ул. Мясницкая, д. ${10 + (i % 40)}, кв. ${1 + (i % 90)}` } } }
      : o) as never,
    { source: 'user' },
  );
}

const engine = await Engine.open({
  dataDir,
  webhookPort: 0,
  backoff: { baseMs: 1_000, maxMs: 30_000, maxRetryAfterMs: 60_000 },
  pdfRenderer: createChromiumPdfRenderer(),
});
await connectEngine(engine, emu, { historyIntervalSec: 15, pollIntervalSec: 5 });

// A call centre confirms «one-click» orders by phone; it has its own API and answers statuses as words.
const partner = await startPartnerEmulator({ token: 'demo-cc-token' });
const callCentreWords = ['В обработке', 'Подтвержден', 'Перезвонить', 'Отказ'];
for (const o of emu.crm.orders()) {
  if (o.orderMethod === 'one-click' && o.status === 'new') {
    partner.set({ id: String(o.id), status: callCentreWords[o.id % callCentreWords.length]!, reason: o.id % 4 === 3 ? 'Дорого' : null, createdAt: o.createdAt ?? '' });
  }
}
engine.flows.statuscheck.save({
  enabled: true,
  partners: [
    {
      ...partnerTemplate('json', 'call-centre', 'Колл-центр «Дозвон»', partner.url),
      enabled: true,
      holds: { sites: [], orderMethods: ['one-click'], deliveryTypes: [], customField: null },
      partnerId: { source: 'id', field: null },
      modes: {
        processing: { enabled: true, intervalMin: 1, batchSize: 50 },
        accepted: { enabled: false, intervalMin: 180, batchSize: 100 },
        range: { enabled: false, intervalMin: 60, maxDays: 7, lookbackDays: 60 },
      },
      statusMap: { '2': 'new', '3': 'offer-analog', '5': 'cancel-other' },
      approveStatus: 'client-confirmed',
    },
  ],
});
await engine.secrets.set(secretKey('call-centre', 'token'), 'demo-cc-token');
await engine.start();
addCourierTriggers(emu.crm, engine.webhookUrl('retailcrm')!);
// First look at RetailCRM: the cursor starts now and orders already waiting for the courier go out.
await engine.scheduler.syncNow(CRM_HISTORY_POLLER);

const bridge = await startBridge({
  engine,
  token: 'demo',
  port: Number(process.env.PRILAVOK_UI_PORT ?? 47801),
  staticDir: path.join(root, 'out', 'renderer'),
});

// A manager at work: every few seconds one more order is handed to the courier service.
const manager = setInterval(() => {
  const waiting = emu.crm
    .orders()
    .filter((o) => measoftTypes.includes(o.delivery?.code ?? '') && ['new', 'client-confirmed', 'assembling', 'assembled'].includes(o.status));
  const next = waiting[Math.floor(Math.random() * waiting.length)];
  if (next) emu.crm.editOrder(next.id, { status: 'send-to-delivery' }, { source: 'user' });
}, 8_000);

console.log('');
console.log('Демо Прилавка запущено: RetailCRM и MeaSoft — локальные эмуляторы, ничего настоящего не трогаем.');
console.log(`Окно Прилавка:   ${bridge.url}`);
console.log(`RetailCRM (эмулятор): ${emu.crm.url}   MeaSoft (эмулятор): ${emu.ms.url}   Колл-центр (эмулятор): ${partner.url}`);
console.log(`Заказов в RetailCRM: ${emu.crm.orders().length}. Менеджер передаёт заказ курьеру каждые 8 с, курьер развозит каждые 12 с.`);
console.log('Остановить: Ctrl+C.');
console.log(`PRILAVOK_READY ${JSON.stringify({ ui: bridge.url, uiPort: bridge.port, webhooks: engine.webhooks.localUrl, dataDir })}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(manager);
  emu.ms.stopCourier();
  await bridge.close();
  await engine.stop();
  await emu.close();
  await partner.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
