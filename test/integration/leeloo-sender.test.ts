import { afterEach, describe, expect, it } from 'vitest';
import { rng } from '../emulators/retailcrm/seed.js';
import {
  DEFAULT_PAYMENT_METHOD,
  createLeelooSender,
  leelooId,
  makeOtherEvent,
  makeSale,
  planBatches,
  type LeelooEvent,
} from '../emulators/leeloo/sender.js';
import { listen, readBody, type TestServer } from '../helpers/servers.js';

/** The real SALE payload from the seed article (contracts/leeloo.md). */
const realSale = {
  events: [
    {
      type: 'SALE',
      data: {
        order_id: '6116087b2882bf155152ada4',
        account_id: '6111277787303c11277c55c6',
        person_id: '6111211117303c6a839c55c5',
        offer_id: '60786732a41628881101f8bb',
        offer_name: 'Название оффера',
        price: 30240,
        price_usd: 395.8972542555293,
        currency: 'RUB',
        payment_method: '603ca3e25875340012dc8c3a',
        email: 'byurrer@mail.ru',
        phone: '+79999999999',
        connection_id: '600f1b9c04b963000eb9fc07',
        created_at: '2021-08-13T05:53:12.687Z',
        account_name: 'Виталий Бутурлин',
        connection_name: 'Тестовый заказ',
      },
    },
  ],
};

const HEX24 = /^[0-9a-f]{24}$/;
const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const idFields = ['order_id', 'account_id', 'person_id', 'offer_id', 'payment_method', 'connection_id'];

describe('leelooId', () => {
  it('is a 24-hex ObjectId-like string, unique across many calls', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const id = leelooId();
      expect(id).toMatch(HEX24);
      ids.add(id);
    }
    expect(ids.size).toBe(500);
  });

  it('is deterministic for a seeded generator and carries the given time in its first 8 hex digits', () => {
    const at = new Date('2021-08-13T05:53:12.687Z');
    expect(leelooId(rng(7), at)).toBe(leelooId(rng(7), at));
    expect(leelooId(rng(7), at)).not.toBe(leelooId(rng(8), at));
    expect(parseInt(leelooId(rng(7), at).slice(0, 8), 16)).toBe(Math.floor(at.getTime() / 1000));
    expect(leelooId(rng(3))).toMatch(HEX24);
  });
});

describe('makeSale', () => {
  it('has exactly the fields of the real payload, in its order, with the same types', () => {
    const sale = makeSale({ seed: 1 });
    const real = realSale.events[0]!;
    expect(sale.type).toBe('SALE');
    expect(Object.keys(sale.data)).toEqual(Object.keys(real.data));
    for (const [key, value] of Object.entries(real.data)) expect(typeof sale.data[key], key).toBe(typeof value);
  });

  it('looks like a real Russian sale over many seeds', () => {
    for (let seed = 0; seed < 200; seed++) {
      const d = makeSale({ seed }).data;
      for (const f of idFields) expect(d[f], `${f} of seed ${seed}`).toMatch(HEX24);
      expect(d.currency).toBe('RUB');
      expect(d.payment_method).toBe(DEFAULT_PAYMENT_METHOD);
      expect(d.price).toBeGreaterThan(0);
      expect(typeof d.price_usd).toBe('number');
      // The rate is realistic: between 70 and 100 roubles a dollar.
      const rate = (d.price as number) / (d.price_usd as number);
      expect(rate).toBeGreaterThan(70);
      expect(rate).toBeLessThan(100);
      expect(d.phone).toMatch(/^\+79\d{9}$/);
      expect(d.email).toMatch(/^[a-z0-9._]+@[a-z]+\.(ru|com)$/);
      expect(d.created_at).toMatch(ISO_MS_UTC);
      expect(new Date(d.created_at as string).toISOString()).toBe(d.created_at);
      expect(d.offer_name).toMatch(/[а-яё]/i);
      expect(d.account_name).toMatch(/^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$/);
      // Like a Mongo ObjectId, the order id starts with the order's creation second.
      expect(parseInt((d.order_id as string).slice(0, 8), 16)).toBe(Math.floor(Date.parse(d.created_at as string) / 1000));
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(makeSale({ seed: 42 })).toEqual(makeSale({ seed: 42 }));
    expect(makeSale({ seed: 42 }).data.order_id).not.toBe(makeSale({ seed: 43 }).data.order_id);
    expect(makeSale().data.order_id).not.toBe(makeSale().data.order_id);
  });

  it('takes overrides, including a missing email or phone', () => {
    const d = makeSale({
      seed: 5,
      price: 1490.5,
      paymentMethod: 'aaaaaaaaaaaaaaaaaaaaaaaa',
      email: null,
      phone: null,
      offerName: 'Курс',
      orderId: '60a7aaaaaaaaaaaaaaaaaaaa',
    }).data;
    expect(d).toMatchObject({ price: 1490.5, payment_method: 'aaaaaaaaaaaaaaaaaaaaaaaa', email: null, phone: null, offer_name: 'Курс', order_id: '60a7aaaaaaaaaaaaaaaaaaaa' });
    expect(Object.keys(d)).toEqual(Object.keys(realSale.events[0]!.data));
    // An override changes only its field: the rest of the seeded sale stays the same.
    const plain = makeSale({ seed: 5 }).data;
    expect(makeSale({ seed: 5, email: 'x@y.ru' }).data).toEqual({ ...plain, email: 'x@y.ru' });
  });
});

describe('makeOtherEvent', () => {
  it('makes ORDER, SUBSCRIPTION and INCOMING_MESSAGE events with 24-hex ids, deterministic per seed', () => {
    for (const type of ['ORDER', 'SUBSCRIPTION', 'INCOMING_MESSAGE'] as const) {
      const e = makeOtherEvent(type, { seed: 9 });
      expect(e.type).toBe(type);
      expect(e).toEqual(makeOtherEvent(type, { seed: 9 }));
      expect(e).not.toEqual(makeOtherEvent(type, { seed: 10 }));
      expect(e.data.account_id).toMatch(HEX24);
      expect(e.data.created_at).toMatch(ISO_MS_UTC);
      expect(e.data).not.toHaveProperty('payment_method');
    }
    const order = makeOtherEvent('ORDER', { seed: 1 }).data;
    expect(Object.keys(order).sort()).toEqual(['account_id', 'created_at', 'currency', 'email', 'offer_name', 'order_id', 'phone', 'price'].sort());
    expect(order.order_id).toMatch(HEX24);
  });
});

describe('planBatches', () => {
  const events = Array.from({ length: 10 }, (_, i) => makeSale({ seed: i }));

  it('splits into batches of at most batchSize and resends the chosen share once, in a later batch', () => {
    const batches = planBatches(events, 3, 0.3);
    expect(batches.every((b) => b.length >= 1 && b.length <= 3)).toBe(true);
    const flat = batches.flat();
    expect(flat).toHaveLength(13);
    const firstBatch = new Map<string, number>();
    const counts = new Map<string, number>();
    batches.forEach((b, bi) =>
      b.forEach((e) => {
        const id = e.data.order_id as string;
        counts.set(id, (counts.get(id) ?? 0) + 1);
        if (!firstBatch.has(id)) firstBatch.set(id, bi);
        else expect(bi, `duplicate of ${id}`).toBeGreaterThan(firstBatch.get(id)!);
      }),
    );
    expect([...counts.values()].filter((c) => c === 2)).toHaveLength(3);
    expect([...counts.values()].every((c) => c <= 2)).toBe(true);
    expect(counts.size).toBe(10);
  });

  it('without duplicates keeps order and sizes; rejects bad options', () => {
    expect(planBatches(events, 4).map((b) => b.length)).toEqual([4, 4, 2]);
    expect(planBatches(events, 4).flat()).toEqual(events);
    expect(planBatches(events, 1, 1).flat()).toHaveLength(20);
    expect(planBatches([], 3, 0.5)).toEqual([]);
    expect(() => planBatches(events, 0)).toThrow(RangeError);
    expect(() => planBatches(events, 2, 1.5)).toThrow(RangeError);
  });
});

describe('createLeelooSender over HTTP', () => {
  interface Received {
    at: number;
    method: string;
    contentType: string | undefined;
    body: unknown;
  }
  let server: TestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(status: (n: number) => number = () => 200): Promise<{ url: string; received: Received[] }> {
    const received: Received[] = [];
    const s = await listen((req, res) => {
      void readBody(req).then((text) => {
        received.push({ at: Date.now(), method: req.method ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) as unknown });
        res.writeHead(status(received.length), { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: received.length }));
      });
    });
    server = s;
    return { url: `${s.url}/hooks/leeloo/token`, received };
  }

  it('POSTs the {"events":[…]} envelope as JSON and returns the answer', async () => {
    const { url, received } = await start();
    const sender = createLeelooSender(url);
    const events: LeelooEvent[] = [makeSale({ seed: 1 }), makeOtherEvent('ORDER', { seed: 2 })];
    const res = await sender.send(events);
    expect(res).toEqual({ status: 200, body: '{"ok":1}' });
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe('POST');
    expect(received[0]!.contentType).toMatch(/^application\/json/);
    expect(received[0]!.body).toEqual({ events });
    expect(sender.sent).toEqual([{ at: expect.any(Number), events: 2, status: 200 }]);
  });

  it('POSTs the bare {type,data} object with the single shape, and only for one event', async () => {
    const { url, received } = await start();
    const sender = createLeelooSender(url);
    const sale = makeSale({ seed: 3 });
    await sender.send([sale], { shape: 'single' });
    expect(received[0]!.body).toEqual(sale);
    await expect(sender.send([sale, sale], { shape: 'single' })).rejects.toThrow(RangeError);
    expect(received).toHaveLength(1);
  });

  it('delivers batches of the given size, a bounded delay apart, with duplicates resent later', async () => {
    const { url, received } = await start((n) => (n === 2 ? 503 : 200));
    const sender = createLeelooSender(url);
    const events = Array.from({ length: 8 }, (_, i) => makeSale({ seed: 100 + i }));
    const delayMs = 60;
    const started = Date.now();
    const results = await sender.sendBatches(events, { batchSize: 3, delayMs, duplicateShare: 0.25 });
    const elapsed = Date.now() - started;

    // 8 events + 2 duplicates in batches of 3 → 4 POSTs; the second one was answered 503 and is reported so.
    expect(results.map((r) => r.status)).toEqual([200, 503, 200, 200]);
    expect(sender.sent.map((s) => [s.events, s.status])).toEqual([
      [3, 200],
      [3, 503],
      [3, 200],
      [1, 200],
    ]);
    expect(received).toHaveLength(4);
    const bodies = received.map((r) => r.body as { events: LeelooEvent[] });
    expect(bodies.every((b) => Array.isArray(b.events) && b.events.length <= 3)).toBe(true);
    expect(received.every((r) => r.method === 'POST' && /^application\/json/.test(r.contentType ?? ''))).toBe(true);

    // Every original arrives once in order of first sight; exactly two arrive again, unchanged, in a later POST.
    const seen = new Map<string, number>();
    const dupes: string[] = [];
    bodies.forEach((b, bi) =>
      b.events.forEach((e) => {
        const id = e.data.order_id as string;
        if (seen.has(id)) {
          expect(bi).toBeGreaterThan(seen.get(id)!);
          expect(e).toEqual(events.find((x) => x.data.order_id === id));
          dupes.push(id);
        } else seen.set(id, bi);
      }),
    );
    expect([...seen.keys()]).toEqual(events.map((e) => e.data.order_id));
    expect(dupes).toHaveLength(2);

    // The delay is kept between POSTs (timer granularity allowed), and the whole run stays bounded.
    for (let i = 1; i < received.length; i++) expect(received[i]!.at - received[i - 1]!.at).toBeGreaterThanOrEqual(delayMs - 5);
    expect(elapsed).toBeGreaterThanOrEqual(3 * delayMs - 5);
    expect(elapsed).toBeLessThan(3 * delayMs + 2_000);
  });

  it('rejects a negative delay before sending anything', async () => {
    const { url, received } = await start();
    const sender = createLeelooSender(url);
    await expect(sender.sendBatches([makeSale({ seed: 1 })], { batchSize: 1, delayMs: -1 })).rejects.toThrow(RangeError);
    expect(received).toHaveLength(0);
  });
});
