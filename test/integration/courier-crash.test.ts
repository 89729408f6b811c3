import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulators } from '../emulators/courier-world.js';
import { databaseState, newCourierOrder, prepareCourierDataDir, sendCourierTrigger } from '../helpers/courier.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir, waitFor } from '../helpers/temp.js';

describe('courier flow across a killed process', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('SIGKILL while MeaSoft is creating the order, then 503 storms on RetailCRM and MeaSoft: exactly one MeaSoft order', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const emu = await startEmulators();
    cleanups.push(() => emu.close());
    const { crmHookPath } = await prepareCourierDataDir(dir, emu);
    const env = { PRILAVOK_LEASE_MS: '1500', PRILAVOK_BACKOFF_MS: '100' };

    let h: Headless = await startHeadless({ dataDir: dir, token: 'courier-crash', env });
    cleanups.push(() => void h.stop('SIGKILL'));
    const order = newCourierOrder(emu);
    emu.crm.editOrder(order.id, { status: 'send-to-delivery' }, { source: 'user' });
    emu.ms.faults.latencyMs = 1_500; // MeaSoft creates the order, but answers too late for the process
    expect(await sendCourierTrigger(h.webhooks!, crmHookPath, order.id)).toBe(200);

    const db = new Database(path.join(dir, 'prilavok.db'), { readonly: true });
    cleanups.push(() => void db.close());
    const createJob = () =>
      db.prepare(`SELECT id, state, attempts, result FROM jobs WHERE kind = 'measoft.createOrder'`).get() as
        | { id: number; state: string; attempts: number; result: string | null }
        | undefined;
    await waitFor(() => createJob()?.state === 'running', 'the MeaSoft send to start', 20_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(emu.ms.requests.filter((r) => r.op === 'neworder')).toHaveLength(0);
    await h.stop('SIGKILL');
    // The abandoned request still goes through at MeaSoft; Prilavok never heard the answer.
    await waitFor(() => emu.ms.orders().some((o) => o.orderno === order.number), 'MeaSoft to finish the abandoned request', 10_000);
    expect(createJob()).toMatchObject({ state: 'running', attempts: 1 });

    // Both services are overloaded when Prilavok comes back.
    emu.ms.faults.latencyMs = 0;
    emu.crm.faults.failNext(3, 503);
    emu.ms.faults.failNext(3, 503);
    h = await startHeadless({ dataDir: dir, token: 'courier-crash', env });
    await waitFor(() => createJob()?.state === 'done', 'the send to finish after the restart', 30_000);
    await waitFor(
      () => (emu.crm.getOrder(order.id)!.delivery?.data as Record<string, unknown> | undefined)?.trackNumber,
      'the track number in RetailCRM',
      20_000,
    );

    // The storms were real and were weathered: every injected 503 was answered.
    expect(emu.crm.requests.filter((r) => r.status === 503)).toHaveLength(3);
    expect(emu.ms.requests.filter((r) => r.status === 503)).toHaveLength(3);
    // Exactly one MeaSoft order: the second send found the first one and adopted it.
    const ms = emu.ms.orders().filter((o) => o.orderno === order.number || o.orderno.startsWith(`${order.number}-`));
    expect(ms).toHaveLength(1);
    const job = createJob()!;
    expect(JSON.parse(job.result!)).toEqual({ orderno: order.number, outcome: 'exists' });
    const outcomes = (db.prepare('SELECT outcome FROM job_attempts WHERE job_id = ? ORDER BY id').all(job.id) as Array<{ outcome: string }>).map((a) => a.outcome);
    expect(outcomes[0]).toBe('lost');
    expect(outcomes.at(-1)).toBe('done');
    expect(outcomes.filter((o) => o === 'retry').length).toBeGreaterThanOrEqual(1);
    expect(db.prepare(`SELECT count(*) AS n FROM jobs WHERE kind = 'measoft.createOrder'`).get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT state, orderno, barcode FROM courier_orders WHERE crm_id = ?').get(order.id)).toEqual({
      state: 'sent',
      orderno: order.number,
      barcode: ms[0]!.barcode,
    });
    expect((emu.crm.getOrder(order.id)!.delivery?.data as Record<string, unknown>).trackNumber).toBe(ms[0]!.barcode);

    // Our reader goes first, so the process is the last to close the database and can fold the log in.
    db.close();
    expect(await h.stop('SIGTERM')).toBe(0);
    expect(databaseState(dir)).toMatchObject({ walLeft: false, integrity: 'ok' });
  }, 90_000);
});
