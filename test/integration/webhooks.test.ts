import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine } from '../../src-main/engine/engine.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { contentId, type InboxItem } from '../../src-main/engine/jobs/inbox.js';
import { tempDir, waitFor } from '../helpers/temp.js';

let engine: Engine;
let cleanup: () => void;
let url: string;
const handled: InboxItem[] = [];

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  engine = await Engine.open({ dataDir: t.dir, webhookPort: 0, webhookLimits: { bodyBytes: 64 * 1024, fileBytes: 100 * 1024, files: 3, fields: 50 } });
  handled.length = 0;
  // A sender that batches events with ids (like Leeloo) and, without ids, is deduplicated by body.
  await engine.addWebhookRoute({
    source: 'shop',
    system: 'forms',
    toInbox: (req) => {
      const body = req.body as { events?: Array<{ id: string; type: string }> } | Record<string, unknown> | null;
      if (body && 'events' in body && Array.isArray(body.events)) {
        return body.events.map((e) => ({ source: 'shop', externalId: String(e.id), kind: e.type, payload: e }));
      }
      if (body && typeof body === 'object' && 'reject' in body) {
        throw new SyncError({ kind: 'needsAttention', message: 'В заявке нет телефона', system: 'forms' });
      }
      return [{ source: 'shop', externalId: contentId(req.rawBody.length ? req.rawBody : JSON.stringify(body)), kind: 'form', payload: body, files: req.files }];
    },
  });
  engine.inbox.handle({ source: 'shop', system: 'forms' }, z.unknown(), (item) => void handled.push(item));
  await engine.start();
  url = engine.webhookUrl('shop')!;
});

afterEach(async () => {
  await engine.stop();
  cleanup();
});

const inboxCount = () => (engine.db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n;
const post = (body: string, type = 'application/json', target = url) =>
  fetch(target, { method: 'POST', headers: { 'content-type': type }, body });

describe('webhook server', () => {
  it('listens on 127.0.0.1 only and the route carries the secret', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/shop\/[A-Za-z0-9_-]{20,}$/);
  });

  it('50 concurrent identical webhooks make exactly one inbox row, all answered 200', async () => {
    const body = JSON.stringify({ name: 'Иван', phone: '+7 900 000-00-00' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{ accepted: number; duplicates: number }>;
    expect(bodies.reduce((s, b) => s + b.accepted, 0)).toBe(1);
    expect(bodies.reduce((s, b) => s + b.duplicates, 0)).toBe(49);
    expect(inboxCount()).toBe(1);
    await waitFor(() => handled.length === 1, 'the flow to see the item');
    // Processed exactly once, however many copies arrived.
    await new Promise((r) => setTimeout(r, 100));
    expect(handled).toHaveLength(1);
    expect(engine.inbox.counts()).toEqual({ pending: 0, failed: 0 });
  });

  it('a batch is stored event by event, and a repeated batch adds only the new events', async () => {
    const first = await post(JSON.stringify({ events: [{ id: '1', type: 'SALE' }, { id: '2', type: 'LEAD' }] }));
    expect(await first.json()).toEqual({ ok: true, accepted: 2, duplicates: 0 });
    const again = await post(JSON.stringify({ events: [{ id: '2', type: 'LEAD' }, { id: '3', type: 'SALE' }] }));
    expect(await again.json()).toEqual({ ok: true, accepted: 1, duplicates: 1 });
    expect(inboxCount()).toBe(3);
  });

  it('never answers 200 when the commit fails, and stores nothing', async () => {
    engine.db.exec(`CREATE TRIGGER fail_inbox BEFORE INSERT ON inbox BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    const res = await post(JSON.stringify({ events: [{ id: 'a', type: 'SALE' }, { id: 'b', type: 'SALE' }] }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(false);
    expect(inboxCount()).toBe(0);
    // Once the database works again, the sender's retry goes through.
    engine.db.exec('DROP TRIGGER fail_inbox');
    const retry = await post(JSON.stringify({ events: [{ id: 'a', type: 'SALE' }, { id: 'b', type: 'SALE' }] }));
    expect(retry.status).toBe(200);
    expect(inboxCount()).toBe(2);
  });

  it('a failing second event rolls back the first: a batch is all or nothing', async () => {
    engine.db.exec(`CREATE TRIGGER fail_b BEFORE INSERT ON inbox WHEN NEW.external_id = 'b' BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    const res = await post(JSON.stringify({ events: [{ id: 'a', type: 'SALE' }, { id: 'b', type: 'SALE' }] }));
    expect(res.status).toBe(503);
    expect(inboxCount()).toBe(0);
  });

  it('refuses a wrong secret and an unknown source the same way, storing nothing', async () => {
    const wrong = url.replace(/\/[^/]+$/, '/not-the-secret');
    const unknown = url.replace('/shop/', '/other/');
    for (const target of [wrong, unknown]) {
      const res = await post('{"a":1}', 'application/json', target);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ ok: false });
    }
    expect(inboxCount()).toBe(0);
  });

  it('answers bad input with a 4xx and a JSON reason, storing nothing', async () => {
    const cases: Array<[RequestInit, number]> = [
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken":' }, 400],
      [{ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }, 415],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ big: 'x'.repeat(70 * 1024) }) }, 413],
      [{ method: 'GET' }, 405],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reject":true}' }, 422],
    ];
    for (const [init, status] of cases) {
      const res = await fetch(url, init);
      expect(res.status, JSON.stringify(init.headers)).toBe(status);
      const body = (await res.json()) as { ok: boolean; error: string };
      expect(body.ok).toBe(false);
      expect(body.error).toMatch(/[а-яА-Я]/);
    }
    expect(inboxCount()).toBe(0);
  });

  it('takes urlencoded triggers as fields, a repeated field as a list', async () => {
    const res = await post('id=15&status=send-to-delivery&tag=a&tag=b', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    await waitFor(() => handled.length === 1, 'the trigger to be processed');
    expect(handled[0]!.payload).toEqual({ id: '15', status: 'send-to-delivery', tag: ['a', 'b'] });
  });

  it('takes multipart forms with files, and refuses a file over the limit', async () => {
    const form = new FormData();
    form.append('company', 'ООО «Ромашка»');
    form.append('file', new Blob([Buffer.from('%PDF-1.4 test')], { type: 'application/pdf' }), 'реквизиты.pdf');
    const res = await fetch(url, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    await waitFor(() => handled.length === 1, 'the form to be processed');
    expect(handled[0]!.payload).toEqual({ company: 'ООО «Ромашка»' });
    expect(handled[0]!.files).toMatchObject([{ field: 'file', filename: 'реквизиты.pdf', mime: 'application/pdf', size: 13 }]);
    expect(engine.inbox.fileContent(handled[0]!.files[0]!.id)?.toString()).toBe('%PDF-1.4 test');
    // Kept on disk in the data directory, not in memory or the database; readable as a stream too.
    const filesDir = engine.inbox.filesDir!;
    expect(fs.readdirSync(filesDir)).toHaveLength(1);
    if (process.platform !== 'win32') expect(fs.statSync(path.join(filesDir, fs.readdirSync(filesDir)[0]!)).mode & 0o777).toBe(0o600);
    const streamed: Buffer[] = [];
    for await (const c of engine.inbox.fileStream(handled[0]!.files[0]!.id)!) streamed.push(c as Buffer);
    expect(Buffer.concat(streamed).toString()).toBe('%PDF-1.4 test');
    // The same form again is a duplicate: its copy of the file is not kept.
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(200);
    expect(fs.readdirSync(filesDir)).toHaveLength(1);

    const big = new FormData();
    big.append('file', new Blob([Buffer.alloc(200 * 1024, 1)]), 'big.bin');
    const refused = await fetch(url, { method: 'POST', body: big });
    expect(refused.status).toBe(413);
    expect(inboxCount()).toBe(1);
    expect(fs.readdirSync(filesDir)).toHaveLength(1);

    // Housekeeping forgets the processed item and its file with it, and what a crash mid-upload left behind
    // (a file no row refers to, older than any upload in progress).
    const leftover = path.join(filesDir, 'crashed-upload.bin');
    fs.writeFileSync(leftover, 'partial');
    fs.utimesSync(leftover, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    expect(engine.inbox.prune(Date.now() + 1)).toBe(1);
    expect(fs.readdirSync(filesDir)).toEqual([]);
    expect(engine.inbox.fileContent(handled[0]!.files[0]!.id)).toBeNull();
  });

  it('answers the health check for the connection test', async () => {
    const res = await fetch(`${engine.webhooks.localUrl}/hooks/health`);
    expect(await res.json()).toEqual({ ok: true, app: 'prilavok' });
    const test = await engine.api('connections.test', { system: 'webhooks' });
    expect(test).toMatchObject({ ok: true, result: { ok: true } });
  });
});
