import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { connectEngine, startEmulators } from '../emulators/courier-world.js';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir, waitFor } from '../helpers/temp.js';

const TOKEN = 'first-run';

describe('first connection with a backlog', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('10,050 orders waiting in a sending status: every one is read, across a SIGKILL mid-sweep, with progress on the overview; an order arriving meanwhile is read too', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const emu = await startEmulators({ crm: { rateLimit: 0 } });
    cleanups.push(() => emu.close());
    // MeaSoft is slow: the courier jobs the sweep makes wait there, and this test looks only at what was read.
    emu.ms.faults.latencyMs = 120_000;
    const seeds = makeOrders(100, { seed: 77, statuses: ['new'] });
    const waiting = (i: number, number: string) => {
      const b = seeds[i % seeds.length]!;
      return emu.crm.createOrder({ ...b, externalId: undefined, number, status: 'send-to-delivery', delivery: { ...b.delivery, code: 'measoft-city' }, payments: [] } as never, { source: 'user' });
    };
    for (let i = 0; i < 10_050; i++) waiting(i, `W${i + 1}`);
    const newestBefore = emu.crm.history().at(-1)!.id;

    const setup = await Engine.open({ dataDir: dir, webhookPort: 0 });
    await connectEngine(setup, emu, { historyIntervalSec: 5, pollIntervalSec: 3600 });
    await setup.stop(0);

    // The sweep reads 10 pages (1,000 orders) per job, each committed with the next.
    const env = { PRILAVOK_LEASE_MS: '1500' };
    let h: Headless = await startHeadless({ dataDir: dir, token: TOKEN, env });
    cleanups.push(() => void h.stop('SIGKILL'));
    const db = new Database(path.join(dir, 'prilavok.db'), { readonly: true });
    cleanups.push(() => void db.close());
    const cursor = () => (db.prepare(`SELECT cursor FROM pollers WHERE id = 'retailcrm.history'`).get() as { cursor: string | null } | undefined)?.cursor ?? null;
    const progress = () => {
      const row = db.prepare(`SELECT value FROM kv WHERE key = 'retailcrm.sweep'`).get() as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as { read: number; total: number }) : null;
    };
    const read = () => (db.prepare('SELECT count(DISTINCT crm_id) AS n FROM courier_orders').get() as { n: number }).n;

    await waitFor(() => (progress()?.read ?? 0) > 0, 'the first part of the sweep', 60_000, 10);
    await h.stop('SIGKILL');
    const saved = progress()!;
    // The history cursor was taken before the sweep began; what is stored matches the progress.
    expect(Number(cursor())).toBe(newestBefore);
    expect(saved.total).toBe(10_050);
    expect(saved.read).toBeLessThan(10_050);
    expect(read()).toBeGreaterThanOrEqual(saved.read);

    // While Prilavok is down another order becomes due.
    const late = waiting(5, 'W-late');

    h = await startHeadless({ dataDir: dir, token: TOKEN, env });
    const status = (await (
      await fetch(`http://127.0.0.1:${h.uiPort}/api/engine.status`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{}' })
    ).json()) as { result: { pollers: Array<{ id: string; progress: string | null }> } };
    const shown = status.result.pollers.find((p) => p.id === 'retailcrm.history')!.progress;
    expect(shown).toMatch(/^Первое подключение: прочитано \d+ из 10050 заказов/);

    await waitFor(() => progress() === null, 'the sweep to finish', 120_000, 200);
    await waitFor(() => read() === 10_051, 'every waiting order and the late one', 60_000, 200);
    const ids = db.prepare('SELECT crm_id FROM courier_orders').all() as Array<{ crm_id: number }>;
    expect(new Set(ids.map((r) => r.crm_id)).size).toBe(10_051);
    expect(ids.some((r) => r.crm_id === late.id)).toBe(true);
    // One courier job per order, however often a page was read.
    expect(db.prepare(`SELECT count(*) AS n FROM jobs WHERE kind = 'measoft.createOrder'`).get()).toEqual({ n: 10_051 });
  }, 240_000);
});
