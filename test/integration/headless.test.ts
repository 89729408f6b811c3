import Database from 'better-sqlite3';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEmulators } from '../emulators/courier-world.js';
import { databaseState, newCourierOrder, prepareCourierDataDir, sendCourierTrigger } from '../helpers/courier.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir, waitFor } from '../helpers/temp.js';

const TOKEN = 'test-token-4f1c2a9e';

describe('headless mode', () => {
  let h: Headless | null = null;
  let cleanup = () => {};
  afterEach(async () => {
    await h?.stop('SIGKILL');
    h = null;
    cleanup();
  });

  const call = (method: string, body: unknown, token: string | null = TOKEN) =>
    fetch(`http://127.0.0.1:${h!.uiPort}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('serves the API with the token, refuses without it, pushes events, and stops cleanly on SIGTERM', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    h = await startHeadless({ dataDir: t.dir, token: TOKEN });
    expect(h.ui).toBe(`http://127.0.0.1:${h.uiPort}/?token=${TOKEN}`);

    expect((await call('engine.status', {}, null)).status).toBe(401);
    expect((await call('engine.status', {}, 'wrong-token')).status).toBe(401);
    const status = (await (await call('engine.status', {})).json()) as { ok: boolean; result: { paused: boolean; pollers: Array<{ id: string }> } };
    expect(status.ok).toBe(true);
    expect(status.result.paused).toBe(false);
    expect(status.result.pollers.map((p) => p.id)).toContain('housekeeping');

    // Invalid input is a Russian error, not a crash.
    const bad = (await (await call('orders.get', { id: 'x' })).json()) as { ok: boolean; error: { message: string } };
    expect(bad.ok).toBe(false);
    expect(bad.error.message).toMatch(/Неверный запрос/);

    // A browser page elsewhere cannot reach the bridge through another host name.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: h!.uiPort, path: '/api/engine.status', method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(rebound).toBe(421);

    // Events: refused without the token; with it, the current status first, then changes.
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${h!.uiPort}/events`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    const ws = new WebSocket(`ws://127.0.0.1:${h.uiPort}/events?token=${TOKEN}`);
    const frames: Array<{ event: string; payload: { paused?: boolean } }> = [];
    ws.on('message', (m) => frames.push(JSON.parse(String(m)) as (typeof frames)[number]));
    await new Promise((r) => ws.once('open', r));
    await call('engine.pause', {});
    const deadline = Date.now() + 5000;
    while (!frames.some((f) => f.event === 'engine.status' && f.payload.paused === true) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(frames[0]).toMatchObject({ event: 'engine.status', payload: { paused: false } });
    expect(frames.some((f) => f.event === 'engine.status' && f.payload.paused === true)).toBe(true);
    ws.close();

    const code = await h.stop('SIGTERM');
    expect(code).toBe(0);
    expect(h.output()).toContain('Прилавок остановлен.');
    // Closed cleanly: the write-ahead log was checkpointed and removed.
    expect(fs.existsSync(path.join(t.dir, 'prilavok.db-wal'))).toBe(false);

    // Pause is remembered across restarts.
    h = await startHeadless({ dataDir: t.dir, token: TOKEN });
    const after = (await (await call('engine.status', {})).json()) as { result: { paused: boolean } };
    expect(after.result.paused).toBe(true);
  }, 60_000);

  it('refuses to start on a database from a newer version, with a clear message', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    h = await startHeadless({ dataDir: t.dir, token: TOKEN });
    await h.stop('SIGTERM');
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(t.dir, 'prilavok.db'));
    db.prepare(`INSERT INTO schema_migrations (id, name, checksum, applied_at) VALUES (999, 'future', 'x', 0)`).run();
    db.close();
    const failed = await startHeadless({ dataDir: t.dir, token: TOKEN }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(failed).toMatch(/exited with 1/);
    expect(failed).toContain('База данных создана более новой версией Прилавка');
    h = null;
  }, 60_000);
});

describe('headless mode stops on a signal without losing a job in flight', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s while MeaSoft is answering: the call finishes, its result is recorded once, the process exits 0 and the database is clean',
    async (signal) => {
      const t = tempDir();
      cleanups.push(t.cleanup);
      const emu = await startEmulators();
      cleanups.push(() => emu.close());
      const { crmHookPath } = await prepareCourierDataDir(t.dir, emu);

      let proc = await startHeadless({ dataDir: t.dir, token: TOKEN });
      cleanups.push(() => void proc.stop('SIGKILL'));
      const order = newCourierOrder(emu);
      emu.crm.editOrder(order.id, { status: 'send-to-delivery' }, { source: 'user' });
      emu.ms.faults.latencyMs = 2_500; // MeaSoft takes its time over the new order
      expect(await sendCourierTrigger(proc.webhooks!, crmHookPath, order.id)).toBe(200);

      const db = new Database(path.join(t.dir, 'prilavok.db'), { readonly: true });
      const createJob = () =>
        db.prepare(`SELECT state, attempts, result FROM jobs WHERE kind = 'measoft.createOrder'`).get() as
          | { state: string; attempts: number; result: string | null }
          | undefined;
      try {
        await waitFor(() => createJob()?.state === 'running', 'the MeaSoft send to start', 20_000);
        await new Promise((r) => setTimeout(r, 600));
      } finally {
        db.close();
      }
      // The request is with MeaSoft and has not been answered yet.
      expect(emu.ms.requests.filter((r) => r.op === 'neworder')).toHaveLength(0);

      const signalledAt = Date.now();
      const code = await proc.stop(signal);
      const exitedAt = Date.now();
      expect(code).toBe(0);
      expect(proc.output()).toContain(`Получен ${signal}: завершаю текущие операции…`);
      expect(proc.output()).toContain('Прилавок остановлен.');
      // It waited for MeaSoft's answer instead of dropping the call.
      const answered = emu.ms.requests.filter((r) => r.op === 'neworder');
      expect(answered).toHaveLength(1);
      expect(answered[0]!.status).toBe(200);
      expect(answered[0]!.at).toBeGreaterThan(signalledAt);
      expect(answered[0]!.at).toBeLessThanOrEqual(exitedAt);
      expect(emu.ms.orders().filter((o) => o.orderno === order.number)).toHaveLength(1);

      // Closed cleanly: no write-ahead log to recover, and the file passes the integrity check.
      expect(databaseState(t.dir)).toMatchObject({ walLeft: false, integrity: 'ok' });
      const check = new Database(path.join(t.dir, 'prilavok.db'), { readonly: true });
      try {
        const job = check.prepare(`SELECT state, attempts, result FROM jobs WHERE kind = 'measoft.createOrder'`).get() as { state: string; attempts: number; result: string };
        expect(job).toMatchObject({ state: 'done', attempts: 1 });
        expect(JSON.parse(job.result)).toEqual({ orderno: order.number, outcome: 'created' });
        expect(check.prepare(`SELECT state, orderno FROM courier_orders WHERE crm_id = ?`).get(order.id)).toEqual({ state: 'sent', orderno: order.number });
        const outcomes = check.prepare(`SELECT a.outcome FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.kind = 'measoft.createOrder'`).all();
        expect(outcomes).toEqual([{ outcome: 'done' }]);
      } finally {
        check.close();
      }

      // Started again: the recorded send is not repeated; only the track number still goes to RetailCRM.
      emu.ms.faults.latencyMs = 0;
      proc = await startHeadless({ dataDir: t.dir, token: TOKEN });
      await waitFor(
        () => (emu.crm.getOrder(order.id)!.delivery?.data as Record<string, unknown> | undefined)?.trackNumber,
        'the track number in RetailCRM after the restart',
        20_000,
      );
      expect(emu.ms.requests.filter((r) => r.op === 'neworder')).toHaveLength(1);
      expect(await proc.stop('SIGTERM')).toBe(0);
      expect(databaseState(t.dir)).toMatchObject({ walLeft: false, integrity: 'ok' });
    },
    90_000,
  );
});
