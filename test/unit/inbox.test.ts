import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SyncError } from '../../src-main/engine/errors.js';
import { Inbox, contentId, type InboxItem } from '../../src-main/engine/jobs/inbox.js';
import { openCore, type Core } from './support.js';

let core: Core;
let inbox: Inbox;

beforeEach(() => {
  core = openCore();
  inbox = new Inbox(core.db, core.events, core.errors, core.log);
});
afterEach(async () => {
  await core.close();
});

const sale = (id: string, payload: unknown = { sum: 1500 }) => ({ source: 'leeloo', externalId: id, kind: 'SALE', payload });
const inboxRows = () => (core.db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n;

describe('receiving', () => {
  it('the same event delivered twice is stored once; the second copy counts as a duplicate, not an error', () => {
    const first = inbox.receive([sale('evt-1')]);
    expect(first).toMatchObject({ duplicates: 0, ids: [expect.any(Number)] });
    expect(inbox.receive([sale('evt-1', { sum: 9999 }), sale('evt-2')])).toMatchObject({ duplicates: 1 });
    expect(inbox.receive([sale('evt-3'), sale('evt-3')])).toMatchObject({ duplicates: 1 });
    expect(inboxRows()).toBe(3);
    // The first delivery is what counts; the repeat did not overwrite it.
    expect(inbox.get(first.ids[0]!)?.payload).toEqual({ sum: 1500 });
  });

  it('the same external id from another source is a different event', () => {
    inbox.receive([sale('42')]);
    const { ids, duplicates } = inbox.receive([{ source: 'retailcrm', externalId: '42', kind: 'trigger', payload: {} }]);
    expect(ids).toHaveLength(1);
    expect(duplicates).toBe(0);
  });

  it('a batch is stored all or nothing', () => {
    const unserialisable = { sum: 10n };
    expect(() => inbox.receive([sale('a'), sale('b', unserialisable)])).toThrow();
    expect(inboxRows()).toBe(0);
  });

  it('announces new items (so the engine processes them) but not pure duplicates', () => {
    let announced = 0;
    core.events.on('inbox.received', () => announced++);
    inbox.receive([sale('a')]);
    inbox.receive([sale('a')]);
    expect(announced).toBe(1);
  });

  it('keeps the files of a web form with the item, and only once for a repeated delivery', () => {
    const pdf = Buffer.from('%PDF-1.4 заявка', 'utf8');
    const form = {
      source: 'forms',
      externalId: contentId('form body 1'),
      kind: 'request',
      payload: { company: 'ООО «Ромашка»' },
      files: [
        { field: 'attachment', filename: 'заявка.pdf', mime: 'application/pdf', content: pdf },
        { field: 'attachment', filename: 'logo.png', mime: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
      ],
    };
    const { ids } = inbox.receive([form]);
    inbox.receive([form]);

    const item = inbox.get(ids[0]!)!;
    expect(item.files).toEqual([
      { id: expect.any(Number), field: 'attachment', filename: 'заявка.pdf', mime: 'application/pdf', size: pdf.length },
      { id: expect.any(Number), field: 'attachment', filename: 'logo.png', mime: 'image/png', size: 4 },
    ]);
    expect(inbox.fileContent(item.files[0]!.id)?.equals(pdf)).toBe(true);
    expect(inbox.fileContent(9_999)).toBeNull();
    expect((core.db.prepare('SELECT count(*) AS n FROM inbox_files').get() as { n: number }).n).toBe(2);
  });

  it('webhooks arriving in the same tick are committed together, yet a bad request fails alone', async () => {
    let announced = 0;
    core.events.on('inbox.received', () => announced++);
    const results = await Promise.allSettled([
      inbox.receiveGrouped([sale('g1'), sale('g2')]),
      inbox.receiveGrouped([sale('g3'), sale('g4', { sum: 1n })]),
      inbox.receiveGrouped([sale('g1'), sale('g5')]),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { duplicates: 0 } });
    expect(results[1]?.status).toBe('rejected');
    expect(results[2]).toMatchObject({ status: 'fulfilled', value: { duplicates: 1 } });
    const stored = (core.db.prepare('SELECT external_id FROM inbox ORDER BY id').all() as Array<{ external_id: string }>).map(
      (r) => r.external_id,
    );
    expect(stored).toEqual(['g1', 'g2', 'g5']);
    expect(announced).toBe(1);
  });

  it('contentId names a body by its content: same body, same id', () => {
    expect(contentId('{"a":1}')).toBe(contentId(Buffer.from('{"a":1}')));
    expect(contentId('{"a":1}')).not.toBe(contentId('{"a":2}'));
  });
});

describe('processing', () => {
  it('hands every item to its flow exactly once, in arrival order, and marks it processed', () => {
    const seen: string[] = [];
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), (item) => seen.push(item.externalId));
    inbox.receive([sale('e1'), sale('e2')]);
    inbox.receive([sale('e3')]);

    expect(inbox.processPending()).toBe(3);
    expect(seen).toEqual(['e1', 'e2', 'e3']);
    expect(inbox.processPending()).toBe(0);
    expect(seen).toHaveLength(3);
    expect(inbox.counts()).toEqual({ pending: 0, failed: 0 });
    expect(inbox.get(1)).toMatchObject({ state: 'processed', error: null });
  });

  it('the flow receives the stored item with its payload and file list', () => {
    let got: InboxItem | null = null;
    inbox.handle({ source: 'forms', system: 'forms' }, z.unknown(), (item) => (got = item));
    inbox.receive([
      {
        source: 'forms',
        externalId: 'f1',
        kind: 'request',
        payload: { inn: '7701234567' },
        files: [{ field: 'doc', filename: 'a.txt', mime: 'text/plain', content: Buffer.from('abc') }],
      },
    ]);
    inbox.processPending();
    expect(got).toMatchObject({ source: 'forms', externalId: 'f1', kind: 'request', payload: { inn: '7701234567' } });
    expect(got!.files).toMatchObject([{ field: 'doc', filename: 'a.txt', size: 3 }]);
  });

  it('the flow’s writes (order, jobs) commit with the processed mark', () => {
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), (item, db) => {
      const orderId = core.orders.upsert({ ref: `leeloo:${item.externalId}`, number: `L-${item.externalId}` });
      core.queue.enqueue({ kind: 'kassa.sell', connector: 'kassa', key: `receipt:sell:${orderId}:1`, payload: item.payload, orderId });
      db.prepare(`INSERT INTO kv (key, value) VALUES (?, 'seen')`).run(item.externalId);
    });
    inbox.receive([sale('e1')]);
    inbox.processPending();
    const orderId = core.orders.idByRef('leeloo:e1');
    expect(orderId).not.toBeNull();
    expect(core.queue.byKey(`receipt:sell:${orderId}:1`)?.payload).toEqual({ sum: 1500 });
  });

  it('a failing item is marked failed with nothing of its flow left behind, is logged, and does not block the next one', () => {
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), (item) => {
      const orderId = core.orders.upsert({ ref: `leeloo:${item.externalId}`, number: item.externalId });
      core.queue.enqueue({ kind: 'kassa.sell', connector: 'kassa', key: `receipt:${item.externalId}`, payload: {}, orderId });
      if (item.externalId === 'bad') {
        throw new SyncError({ kind: 'needsAttention', system: 'leeloo', message: 'В событии нет суммы оплаты', detail: 'payload.sum missing' });
      }
    });
    const { ids } = inbox.receive([sale('bad'), sale('good')]);

    // Both items were taken: one went through, one failed.
    expect(inbox.processPending()).toBe(2);

    expect(inbox.get(ids[0]!)).toMatchObject({ state: 'failed', error: 'В событии нет суммы оплаты' });
    expect(core.orders.idByRef('leeloo:bad')).toBeNull();
    expect(core.queue.byKey('receipt:bad')).toBeNull();
    expect(inbox.get(ids[1]!)?.state).toBe('processed');
    expect(core.orders.idByRef('leeloo:good')).not.toBeNull();

    const entries = core.errors.list({ limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'needsAttention', system: 'leeloo', message: 'В событии нет суммы оплаты', detail: 'payload.sum missing' });
    expect(inbox.counts()).toEqual({ pending: 0, failed: 1 });
    // A failed item is not handed to the flow again by itself.
    expect(inbox.processPending()).toBe(0);
  });

  it('an unexpected exception in a flow is a fatal internal error in the log, attributed to the flow’s system', () => {
    inbox.handle({ source: 'retailcrm', system: 'retailcrm' }, z.unknown(), () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    const { ids } = inbox.receive([{ source: 'retailcrm', externalId: 't1', kind: 'trigger', payload: {} }]);
    inbox.processPending();
    expect(inbox.get(ids[0]!)?.state).toBe('failed');
    expect(core.errors.list({ limit: 5 })[0]).toMatchObject({ kind: 'fatal', system: 'retailcrm', message: expect.stringMatching(/Внутренняя ошибка/) });
  });

  it('an event from a source nobody handles fails with an explanation instead of waiting forever', () => {
    const { ids } = inbox.receive([{ source: 'unknown-crm', externalId: 'x', kind: 'ping', payload: {} }]);
    inbox.processPending();
    expect(inbox.get(ids[0]!)?.state).toBe('failed');
    expect(core.errors.list({ limit: 5 })[0]).toMatchObject({ kind: 'fatal', system: 'engine', message: expect.stringMatching(/не умеет обрабатывать/) });
  });

  it('after the merchant fixes the cause, a failed item goes through on retry', () => {
    let broken = true;
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), () => {
      if (broken) throw new SyncError({ kind: 'needsAttention', message: 'Не настроен способ оплаты' });
    });
    const { ids } = inbox.receive([sale('e1')]);
    inbox.processPending();
    expect(inbox.get(ids[0]!)?.state).toBe('failed');

    broken = false;
    expect(inbox.retry(ids[0]!)).toBe(true);
    expect(inbox.get(ids[0]!)).toMatchObject({ state: 'new', error: null });
    expect(inbox.processPending()).toBe(1);
    expect(inbox.get(ids[0]!)?.state).toBe('processed');
    expect(inbox.retry(ids[0]!)).toBe(false);
  });

  it('a payload that does not match its handler\'s schema fails with a clear reason, and the handler never sees it', () => {
    const seen: number[] = [];
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.object({ sum: z.number().int().positive() }), (item) => {
      // Typed by the schema: no cast needed to read it.
      seen.push(item.payload.sum);
    });
    const { ids } = inbox.receive([sale('good'), sale('text', { sum: 'полторы тысячи' }), sale('none', null)]);
    expect(inbox.processPending()).toBe(3);

    expect(seen).toEqual([1500]);
    expect(inbox.get(ids[0]!)?.state).toBe('processed');
    for (const id of [ids[1]!, ids[2]!]) expect(inbox.get(id)).toMatchObject({ state: 'failed', error: expect.stringMatching(/неверного вида/) });
    // The same problem twice is one entry with its count; its detail names what is wrong in the latest item
    // (no object at all), and each item keeps its own reason.
    const entries = core.errors.list({ limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'needsAttention', system: 'leeloo', count: 2 });
    expect(entries[0]!.detail).toMatch(/#3[\s\S]*expected object/);
    expect(inbox.get(ids[1]!)?.error).toMatch(/неверного вида/);
  });

  it('processes at most `limit` items per call', () => {
    let n = 0;
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), () => n++);
    inbox.receive(Array.from({ length: 5 }, (_, i) => sale(`e${i}`)));
    expect(inbox.processPending(2)).toBe(2);
    expect(inbox.counts().pending).toBe(3);
    expect(inbox.processPending(10)).toBe(3);
    expect(n).toBe(5);
  });

  it('a source can have only one flow', () => {
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), () => undefined);
    expect(() => inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), () => undefined)).toThrow(/twice/);
  });

  it('prune forgets processed items older than the cutoff, never pending or failed ones', () => {
    inbox.handle({ source: 'leeloo', system: 'leeloo' }, z.unknown(), (item) => {
      if (item.externalId === 'bad') throw new SyncError({ kind: 'needsAttention', message: 'Ошибка' });
    });
    inbox.receive([sale('ok'), sale('bad')]);
    inbox.processPending();
    inbox.receive([sale('later')]);
    expect(inbox.prune(Date.now() + 1)).toBe(1);
    expect(inbox.counts()).toEqual({ pending: 1, failed: 1 });
  });
});
