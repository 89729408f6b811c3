import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { connectEngine, startEmulators } from '../emulators/courier-world.js';
import { startLifePosEmulator } from '../emulators/lifepos/server.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir, waitFor } from '../helpers/temp.js';

describe('LIFE POS crash safety', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('SIGKILL between «sale created in LIFE POS» and «result stored»: after the restart the sale is adopted, never made twice', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const emu = await startEmulators();
    cleanups.push(() => emu.close());
    const lp = await startLifePosEmulator();
    cleanups.push(() => lp.close());
    const ip = lp.addLegalEntity({ inn: '772814390271', name: 'ИП Соколова' });
    lp.addOutlet({ name: 'Склад на Автозаводской', legalEntityGuid: ip, address: 'Москва, ул. Ленинская Слобода, 19' });

    // Set up as the wizard would, then hand the data directory to a real headless Prilavok process.
    const setup = await Engine.open({ dataDir: dir, webhookPort: 0 });
    await connectEngine(setup, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600, courier: { enabled: false } });
    setup.settings.update('lifepos', { url: lp.url, phone: '+7 999 000-00-01', orgGuid: lp.orgGuid, pollIntervalSec: 3600 });
    setup.settings.update('pos', { enabled: true, createStatuses: ['new'], cashPaymentType: 'cash', cardPaymentType: 'bank-card' });
    await setup.secrets.set('lifepos.password', 'owner-pass');
    const hookPath = `/hooks/retailcrm/${setup.secrets.get('webhook.retailcrm')!}`;
    await setup.stop(0);

    const [base] = makeOrders(1, { seed: 4242, statuses: ['new'] });
    const order = emu.crm.createOrder({ ...base!, externalId: undefined, status: 'new', shipmentStore: 'main', payments: [] } as never, { source: 'user' });

    const env = { PRILAVOK_LEASE_MS: '1500' };
    let h: Headless = await startHeadless({ dataDir: dir, token: 'pos-crash', env });
    cleanups.push(() => void h.stop('SIGKILL'));
    // LIFE POS makes the sale at once; its answer (with the sale's GUID) comes too late for this process.
    lp.faults.answerLatencyMs = 5_000;
    const res = await fetch(`${h.webhooks}${hookPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `id=${order.id}&status=new` });
    expect(res.status).toBe(200);

    const db = new Database(path.join(dir, 'prilavok.db'), { readonly: true });
    cleanups.push(() => void db.close());
    await waitFor(() => lp.sales().some((s) => s.number === order.number), 'the sale in LIFE POS', 30_000);
    await h.stop('SIGKILL');
    lp.faults.answerLatencyMs = 0;
    // The process died before it could store the result: locally the sale is still being created.
    expect(db.prepare('SELECT state, sale_guid FROM pos_sales WHERE crm_id = ?').get(order.id)).toEqual({ state: 'creating', sale_guid: null });
    expect(db.prepare(`SELECT state FROM jobs WHERE kind = 'lifepos.createSale'`).get()).toEqual({ state: 'running' });

    h = await startHeadless({ dataDir: dir, token: 'pos-crash', env });
    const stored = () => db.prepare('SELECT state, sale_guid FROM pos_sales WHERE crm_id = ?').get(order.id) as { state: string; sale_guid: string | null };
    await waitFor(() => stored().state === 'created', 'the sale stored after the restart', 30_000);
    const sales = lp.sales().filter((s) => s.number === order.number);
    expect(sales).toHaveLength(1);
    expect(stored().sale_guid).toBe(sales[0]!.guid);
    // The repeat was answered «Duplicate» and adopted, not failed.
    const creates = lp.requests.filter((r) => r.method === 'POST' && /\/deals\/sales$/.test(r.path));
    expect(creates.map((r) => r.status)).toEqual([201, 422]);
    expect(db.prepare(`SELECT state FROM jobs WHERE kind = 'lifepos.createSale'`).get()).toEqual({ state: 'done' });
    await h.stop('SIGTERM');
  }, 90_000);
});
