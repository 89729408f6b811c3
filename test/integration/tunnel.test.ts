import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { addCourierTriggers, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startLifePosEmulator, type LifePosEmulator } from '../emulators/lifepos/server.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { startLocalTunnelServer, type LocalTunnelServer } from '../fixtures/localtunnel-server.js';
import { tempDir, waitFor } from '../helpers/temp.js';

/**
 * The webhook server reached through a real localtunnel tunnel: the `localtunnel` client inside the engine, a
 * localtunnel-compatible server on 127.0.0.1 in front of it, RetailCRM's triggers posting to the public URL.
 */

let emu: Emulators;
let lp: LifePosEmulator;
let lt: LocalTunnelServer;
let engine: Engine;
let cleanup: () => void;

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  emu = await startEmulators();
  lp = await startLifePosEmulator();
  lt = await startLocalTunnelServer({ maxConn: 4 });
  engine = await Engine.open({
    dataDir: t.dir,
    webhookPort: 0,
    backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 500 },
    runner: { idleMs: 50 },
    tunnelBackoff: { baseMs: 100, maxMs: 500 },
  });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  engine.settings.update('lifepos', { url: lp.url, phone: '+7 999 000-00-01', orgGuid: lp.orgGuid, pollIntervalSec: 3600 });
  await engine.secrets.set('lifepos.password', 'owner-pass');
  engine.settings.update('tunnel', { provider: 'localtunnel', localtunnelHost: lt.url });
  await engine.start();
  await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
});

afterEach(async () => {
  await engine.stop(0);
  await lt.close();
  await emu.close();
  await lp.close();
  cleanup();
});

function newOrder() {
  const [seed] = makeOrders(1, { seed: Math.floor(Math.random() * 1e9), statuses: ['new'] });
  return emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'new',
      phone: '+7 916 555-12-34',
      delivery: { ...seed!.delivery, code: 'measoft-city', address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' } },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
}

const up = (what: string) => waitFor(() => engine.tunnel.status().state === 'up', what, 15_000);
const inboxRows = () => sql(engine.db, `SELECT external_id FROM inbox WHERE source = 'retailcrm'`).all() as Array<{ external_id: string }>;
const sentToCourier = (number: string) => emu.ms.orders().filter((o) => o.orderno === number);
const idle = () => waitFor(() => { const d = engine.queue.depth(); return d.queued + d.running + d.retrying === 0; }, 'the queue to drain', 20_000);

describe('tunnel through a localtunnel server', () => {
  it('carries a RetailCRM trigger end to end; a drop loses nothing; a new address re-subscribes LIFE POS and tells the merchant', async () => {
    await up('the tunnel');
    const first = engine.tunnel.status().url!;
    expect(first).toMatch(new RegExp(`^${lt.url}/t/[a-z0-9]+$`));
    // Every address the engine hands out is the public one now.
    const hook = engine.webhookUrl('retailcrm')!;
    expect(hook.startsWith(`${first}/hooks/retailcrm/`)).toBe(true);
    expect(engine.status()).toMatchObject({ tunnel: { provider: 'localtunnel', state: 'up', url: first, error: null }, webhooks: { publicUrl: first } });
    const check = (await engine.api('connections.test', { system: 'tunnel' })) as { result: { ok: boolean; message: string } };
    expect(check.result).toEqual({ ok: true, message: `Доступ из интернета работает: запросы по адресу ${first} доходят до Прилавка.`, detail: null });

    // RetailCRM's trigger posts through the tunnel: into the inbox, and on to the courier service.
    addCourierTriggers(emu.crm, hook);
    const a = newOrder();
    emu.crm.editOrder(a.id, { status: 'send-to-delivery' }, { source: 'user' });
    await emu.crm.triggersSettled();
    expect(emu.crm.triggerLog.at(-1)).toMatchObject({ status: 200, error: null });
    expect(lt.forwarded()).toBeGreaterThan(0);
    await waitFor(() => inboxRows().length >= 1, 'the trigger in the inbox', 10_000);
    await waitFor(() => sentToCourier(a.number).length === 1, 'the order at the courier service', 20_000);

    // The tunnel server goes away: the state says so, and a trigger fired meanwhile fails at the sender.
    const port = lt.port;
    await lt.close();
    await waitFor(() => engine.tunnel.status().state !== 'up', 'the tunnel to go down', 15_000);
    const b = newOrder();
    emu.crm.editOrder(b.id, { status: 'send-to-delivery' }, { source: 'user' });
    await emu.crm.triggersSettled();
    expect(emu.crm.triggerLog.at(-1)!.status).not.toBe(200);
    // Polling catches up: the order reaches the courier service without its webhook.
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await waitFor(() => sentToCourier(b.number).length === 1, 'the order sent after the history poll', 20_000);

    // The server comes back on the same port (having forgotten its tunnels): the engine reconnects by itself,
    // gets a new address, re-subscribes LIFE POS to it and tells the merchant to update the RetailCRM triggers.
    lt = await startLocalTunnelServer({ port, maxConn: 4 });
    await up('the tunnel to come back');
    const second = engine.tunnel.status().url!;
    expect(second).not.toBe(first);
    await waitFor(() => lp.subscription()?.primary_url_for_notifications === engine.webhookUrl('lifepos'), 'LIFE POS re-subscribed', 10_000);
    expect(lp.subscription()!.primary_url_for_notifications!.startsWith(`${second}/hooks/lifepos/`)).toBe(true);
    const notice = engine.errors.list({ limit: 20 }).find((e) => e.system === 'tunnel' && e.message.includes(second));
    expect(notice?.message).toMatch(/^Адрес Прилавка в интернете изменился: теперь .*Замените адрес во всех триггерах RetailCRM/);
    expect(notice?.detail).toContain(first);
    const triggers = (await engine.api('setup.triggers', {})) as { result: { url: string; triggers: Array<{ url: string }> } };
    expect(triggers.result.triggers.every((t) => t.url.startsWith(`${second}/hooks/retailcrm/`))).toBe(true);

    // A trigger to the new address goes through again; nothing was sent twice.
    const c = newOrder();
    emu.crm.editOrder(c.id, { status: 'send-to-delivery' }, { source: 'user' });
    const res = await fetch(engine.webhookUrl('retailcrm')!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `id=${c.id}&status=send-to-delivery` });
    expect(res.status).toBe(200);
    await waitFor(() => sentToCourier(c.number).length === 1, 'the third order at the courier service', 20_000);
    await idle();
    for (const o of [a, b, c]) expect(sentToCourier(o.number)).toHaveLength(1);
  }, 120_000);

  it('a subdomain keeps the address through dropped sockets and a server restart; a refused one stops reconnecting and is explained', async () => {
    // The engine is on its random address first: the named one replaces it.
    await up('the tunnel with a random address');
    engine.settings.update('tunnel', { localtunnelSubdomain: 'moy-magazin' });
    await engine.restartTunnel();
    await up('the tunnel with a subdomain');
    const url = engine.tunnel.status().url!;
    expect(url).toBe(`${lt.url}/t/moy-magazin`);
    // Moving from the random address to the named one is a change the merchant hears about, once.
    const tunnelErrors = () => engine.errors.list({ limit: 20 }).filter((e) => e.system === 'tunnel');
    await waitFor(() => tunnelErrors().length === 1, 'the notice about the named address', 5_000);
    expect(tunnelErrors()[0]!.message).toContain(`теперь ${url}.`);

    // Every socket of the pool dropped: the client reopens them, the address stays.
    lt.dropSockets();
    await waitFor(() => lt.sockets('moy-magazin') > 0, 'the client to reopen its sockets', 10_000);
    expect(await (await fetch(`${url}/hooks/health`)).json()).toMatchObject({ app: 'prilavok' });

    // The server restarts and forgets the tunnel: the engine asks for the same name again.
    const port = lt.port;
    await lt.close();
    await waitFor(() => engine.tunnel.status().state !== 'up', 'the tunnel to go down', 15_000);
    lt = await startLocalTunnelServer({ port, reserved: ['prilavok'] });
    await up('the tunnel to come back');
    expect(engine.tunnel.status().url).toBe(url);
    expect(await (await fetch(`${url}/hooks/health`)).json()).toMatchObject({ app: 'prilavok' });
    // Same address: nothing for the merchant to change.
    expect(tunnelErrors()).toHaveLength(1);

    // A name the server refuses is the merchant's to fix: explained once, no endless retries.
    const save = await engine.api('settings.update', { section: 'tunnel', values: { localtunnelSubdomain: 'prilavok' } });
    expect(save).toHaveProperty('result');
    await waitFor(() => engine.tunnel.status().state === 'down', 'the refusal', 10_000);
    expect(engine.tunnel.status().error).toBe(`Сервер туннелей ${lt.url} отказал: Subdomain prilavok is reserved. Проверьте поддомен в настройках туннеля.`);
    const asked = lt.asked();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(lt.asked()).toBe(asked);
    const logged = tunnelErrors();
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ kind: 'needsAttention', severity: 'error', message: engine.tunnel.status().error });
    const check = (await engine.api('connections.test', { system: 'tunnel' })) as { result: { ok: boolean; message: string } };
    expect(check.result.ok).toBe(false);
    expect(check.result.message).toContain('Проверьте поддомен');
  }, 60_000);
});
