import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.js';
import { sql } from '../../src-main/engine/db/open.js';
import { CRM_HISTORY_POLLER } from '../../src-main/engine/flows/crm/index.js';
import { connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import type { MeasoftAccount } from '../emulators/measoft/server.js';
import { newCourierOrder } from '../helpers/courier.js';
import { tempDir, waitFor } from '../helpers/temp.js';

describe('an access error pauses the system, not every job on its own', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function world() {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    // The account's password in MeaSoft is not the one Prilavok has.
    const account: MeasoftAccount = { extra: '8', login: 'test', pass: 'changed-in-measoft', allowCancelEdit: true };
    const emu: Emulators = await startEmulators({ ms: { accounts: [account] } });
    cleanups.push(() => emu.close());
    const open = async () => {
      const e = await Engine.open({ dataDir: dir, webhookPort: 0, backoff: { baseMs: 40, maxMs: 400, maxRetryAfterMs: 300 }, runner: { idleMs: 50 }, authPause: { probeMs: 300, maxProbeMs: 600 } });
      await connectEngine(e, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
      await e.start();
      return e;
    };
    return { emu, account, open };
  }

  const authErrors = (e: Engine) => e.errors.list({ limit: 500 }).filter((x) => x.system === 'measoft' && x.kind === 'auth');
  const jobs = (e: Engine) => sql(e.db, `SELECT state, count(*) AS n FROM jobs WHERE kind = 'measoft.createOrder' GROUP BY state`).all() as Array<{ state: string; n: number }>;
  const count = (e: Engine, state: string) => jobs(e).find((j) => j.state === state)?.n ?? 0;
  const orderRequests = (emu: Emulators) => emu.ms.requests.filter((r) => r.op === 'neworder').length;

  it('60 courier orders with a wrong MeaSoft password: one failed sign-in per lane, one error-log entry, the rest wait; a new password sends them all', async () => {
    const { emu, open } = await world();
    let engine = await open();
    cleanups.push(() => engine.stop(0));
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    for (let i = 0; i < 60; i++) emu.crm.editOrder(newCourierOrder(emu).id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await waitFor(() => authErrors(engine).length > 0, 'the access error', 20_000);
    // Time for every job to have failed on its own, as they did before; the connection is checked meanwhile.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(authErrors(engine)).toHaveLength(1);
    expect(authErrors(engine)[0]!.message).toMatch(/приостановлены/);
    expect(orderRequests(emu)).toBeLessThanOrEqual(2);
    expect(count(engine, 'queued')).toBeGreaterThanOrEqual(58);
    expect(engine.authPause.systems().map((s) => s.system)).toEqual(['measoft']);

    // The pause outlives a restart: still nothing sent, still one entry.
    await engine.stop(0);
    engine = await open();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(orderRequests(emu)).toBeLessThanOrEqual(2);
    expect(authErrors(engine)).toHaveLength(1);

    // The merchant enters the right password: everything goes, including the jobs that stopped on the error.
    await engine.api('settings.setSecret', { key: 'measoft.password', value: 'changed-in-measoft' });
    await waitFor(() => count(engine, 'done') === 60, 'all 60 courier orders sent', 60_000, 100);
    expect(engine.authPause.systems()).toEqual([]);
    expect(emu.ms.orders()).toHaveLength(60);
    expect(authErrors(engine)).toHaveLength(1);
  }, 120_000);

  it('the password is fixed on the service side: the next connection check succeeds and the work resumes by itself', async () => {
    const { emu, account, open } = await world();
    const engine = await open();
    cleanups.push(() => engine.stop(0));
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    for (let i = 0; i < 5; i++) emu.crm.editOrder(newCourierOrder(emu).id, { status: 'send-to-delivery' }, { source: 'user' });
    await engine.scheduler.syncNow(CRM_HISTORY_POLLER);
    await waitFor(() => engine.authPause.systems().length === 1, 'the pause', 20_000);
    const probesBefore = emu.ms.requests.length;
    await new Promise((r) => setTimeout(r, 1_000));
    // Checks only, not jobs: a handful of requests while paused.
    expect(emu.ms.requests.length - probesBefore).toBeLessThanOrEqual(4);
    account.pass = 'testm';
    await waitFor(() => count(engine, 'done') === 5, 'the five orders sent after the check', 30_000, 100);
    expect(authErrors(engine)).toHaveLength(1);
  }, 60_000);
});
