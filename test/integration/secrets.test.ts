import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src-main/engine/engine.js';
import { createHttpClient } from '../../src-main/engine/http/client.js';
import { listen, type TestServer } from '../helpers/servers.js';
import { tempDir, waitFor } from '../helpers/temp.js';

const SECRET = 'rcrm-Zq7XK2mB9vL4pW8n';

describe('secrets', () => {
  let server: TestServer | null = null;
  let engine: Engine | null = null;
  let cleanup = () => {};
  afterEach(async () => {
    if (engine) await engine.stop();
    await server?.close();
    cleanup();
  });

  it('a key set in settings never appears in the log file, the timeline, the error log or an API answer', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    // A remote API that echoes what it got, key included, in a 400 answer — the worst case.
    server = await listen((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, errorMsg: `bad request ${req.url}`, echo: req.headers['x-api-key'] }));
    });
    engine = await Engine.open({ dataDir: t.dir, webhookPort: 0, logLevel: 'debug' });
    const set = await engine.api('settings.setSecret', { key: 'retailcrm.apiKey', value: SECRET });
    expect(set.ok).toBe(true);

    const e = engine;
    const client = createHttpClient({ system: 'retailcrm', baseUrl: server.url, redactor: e.redactor });
    e.runner.register({
      kind: 'test.createOrder',
      system: 'retailcrm',
      title: 'Создание заказа в RetailCRM',
      payload: z.object({ number: z.string() }),
      async run({ payload, note, signal }) {
        const key = e.secrets.get('retailcrm.apiKey')!;
        note({ sent: { url: `api/v5/orders/create?apiKey=${key}`, order: payload } });
        const res = await client.request({
          method: 'POST',
          url: 'api/v5/orders/create',
          searchParams: { apiKey: key },
          headers: { 'x-api-key': key },
          form: { order: JSON.stringify(payload) },
          signal,
        });
        note({ received: res.body });
      },
    });
    const orderId = e.orders.upsert({ ref: 'retailcrm:1', number: '1001А', customer: 'Иван', phone: '+7 900 111-22-33' });
    e.queue.enqueue({ kind: 'test.createOrder', connector: 'retailcrm', key: 'create:1', payload: { number: '1001А' }, orderId });
    await e.start();
    await waitFor(() => e.queue.byKey('create:1')?.state === 'attention', 'the job to need attention');

    const answers = await Promise.all([
      e.api('settings.get', {}),
      e.api('errors.list', {}),
      e.api('orders.get', { id: orderId }),
      e.api('orders.list', {}),
      e.api('engine.status', {}),
    ]);
    const apiText = JSON.stringify(answers);
    expect(answers.every((a) => a.ok)).toBe(true);
    // The error reached the merchant, and the order card shows the failed step...
    expect(apiText).toContain('RetailCRM отклонил данные');
    expect(apiText).toContain('Создание заказа в RetailCRM');
    // ...but the key is nowhere: not in answers, not in the database's readable tables, not in the log file.
    expect(apiText).not.toContain(SECRET);
    const tables = ['timeline', 'error_log', 'jobs', 'job_attempts', 'settings', 'kv'];
    for (const table of tables) expect(JSON.stringify(e.db.prepare(`SELECT * FROM ${table}`).all()), table).not.toContain(SECRET);
    await e.stop();
    engine = null;
    const logText = fs.readFileSync(path.join(t.dir, 'logs', 'prilavok.log'), 'utf8');
    expect(logText).toContain('job attempt failed');
    expect(logText).not.toContain(SECRET);
    // Encrypted at rest: the database file itself does not hold the key in clear.
    for (const f of fs.readdirSync(t.dir).filter((n) => n.startsWith('prilavok.db'))) {
      expect(fs.readFileSync(path.join(t.dir, f)).includes(Buffer.from(SECRET)), f).toBe(false);
    }
    // And the key survives a restart, decrypted with the key file.
    const reopened = await Engine.open({ dataDir: t.dir, webhookPort: 0 });
    expect(reopened.secrets.get('retailcrm.apiKey')).toBe(SECRET);
    const view = await reopened.api('settings.get', {});
    expect(view).toMatchObject({ ok: true, result: { secrets: { 'retailcrm.apiKey': { set: true } } } });
    await reopened.stop();
  });
});
