import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { connectEngine, startEmulators } from '../emulators/courier-world.js';
import { startAtolEmulator } from '../emulators/atol/server.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir, waitFor } from '../helpers/temp.js';

const METHOD = '5fa0c1d2e3f4a5b6c7d8e9f0';

describe('fiscal crash safety', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('SIGKILL between «receipt registered» and «result stored»: after the restart the receipt is adopted, never made twice', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const emu = await startEmulators();
    cleanups.push(() => emu.close());
    const atol = await startAtolEmulator({ processingMs: 50 });
    cleanups.push(() => atol.close());

    // Set up as the wizard would, then hand the data directory to a real headless Prilavok process.
    const setup = await Engine.open({ dataDir: dir, webhookPort: 0 });
    await connectEngine(setup, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
    setup.settings.update('kassa', {
      enabled: true,
      baseUrl: atol.url,
      login: 'v5-online-atol-ru',
      profiles: [{ id: 'shop', name: 'Касса', version: 'v5', groupCode: 'v5-online-atol-ru_5179', inn: '5544332219', sno: 'usn_income', email: 'kassa@prilavok.test', paymentAddress: 'https://v5.online.atol.ru' }],
    });
    setup.settings.update('leeloo', { enabled: true, paymentMethods: { [METHOD]: 'shop' }, paymentType: 'bank-card' });
    await setup.secrets.set('kassa.password', 'zUr0OxfI');
    const hookPath = `/hooks/leeloo/${setup.secrets.get('webhook.leeloo')!}`;
    await setup.stop(0);

    const env = { PRILAVOK_LEASE_MS: '1500' };
    let h: Headless = await startHeadless({ dataDir: dir, token: 'crash-test', env });
    cleanups.push(() => void h.stop('SIGKILL'));
    atol.faults.latencyMs = 1_200; // the register keeps the receipt; its answer arrives too late
    const body = JSON.stringify({ events: [{ type: 'SALE', data: { order_id: '60a7000000000000000000aa', offer_name: 'Курс', price: 2990, currency: 'RUB', email: 'buyer@example.ru', payment_method: METHOD } }] });
    const res = await fetch(`${h.webhooks}${hookPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);

    const db = new Database(path.join(dir, 'prilavok.db'), { readonly: true });
    cleanups.push(() => void db.close());
    await waitFor(() => db.prepare(`SELECT 1 FROM jobs WHERE kind = 'kassa.register' AND state = 'running'`).get(), 'the registration to start', 30_000);
    // The new process signs in first; the receipt itself goes right after the token.
    await waitFor(() => atol.tokensIssued() >= 1, 'the token', 10_000);
    await new Promise((r) => setTimeout(r, 400));
    await h.stop('SIGKILL');
    await waitFor(() => atol.documents().length === 1, 'the register to keep the receipt', 10_000);
    expect(db.prepare(`SELECT state FROM receipts`).get()).toEqual({ state: 'pending' });

    atol.faults.latencyMs = 0;
    h = await startHeadless({ dataDir: dir, token: 'crash-test', env });
    await waitFor(() => (db.prepare(`SELECT state FROM receipts`).get() as { state: string }).state === 'done', 'the receipt done after the restart', 30_000);
    expect(atol.documents()).toHaveLength(1);
    const row = db.prepare('SELECT uuid FROM receipts').get() as { uuid: string };
    expect(row.uuid).toBe(atol.documents()[0]!.uuid);
    expect(atol.requests.some((r) => r.code === 33)).toBe(true);
    await h.stop('SIGTERM');
  }, 90_000);
});
