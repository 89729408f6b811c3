import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir } from '../helpers/temp.js';

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
