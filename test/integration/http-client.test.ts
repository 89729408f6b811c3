import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src-main/engine/errors.js';
import { createHttpClient, httpClientsReady } from '../../src-main/engine/http/client.js';
import { RateLimiter } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { listen, type TestServer } from '../helpers/servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function failureOf(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

describe('HTTP client', () => {
  it('holds 10 requests/s within 10% over 3 s of 100 queued calls', async () => {
    const arrivals: number[] = [];
    const s = await listen((_req, res) => {
      arrivals.push(performance.now());
      res.end('{}');
    });
    servers.push(s);
    // Departures are the limiter's promise; arrivals add the event loop's and the network's jitter on top.
    const departures: number[] = [];
    const limiter = new RateLimiter(10, 1);
    const take = limiter.take.bind(limiter);
    limiter.take = (signal) => take(signal).then(() => void departures.push(performance.now()));
    const client = createHttpClient({ system: 'retailcrm', baseUrl: s.url, redactor: new Redactor(), limiter });
    // The HTTP library loads on first use; the engine waits for it at start, and so does this measurement.
    await httpClientsReady();
    const abort = new AbortController();
    const start = performance.now();
    const calls = Array.from({ length: 100 }, () => client.request({ url: 'api/v5/orders', signal: abort.signal }).catch(() => null));
    await new Promise((r) => setTimeout(r, 3000));
    abort.abort();
    await Promise.all(calls);
    const inWindow = arrivals.filter((t) => t - start < 3000).length;
    expect(inWindow).toBeGreaterThanOrEqual(27);
    expect(inWindow).toBeLessThanOrEqual(33);
    // No one-second window of departures holds more than the budget (one extra for a late timer followed by a
    // punctual one); at the server, a request or two delayed by a busy machine may bunch up with the next.
    const busiest = (times: number[]) => Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(departures.length).toBeGreaterThanOrEqual(inWindow);
    expect(busiest(departures)).toBeLessThanOrEqual(11);
    expect(busiest(arrivals)).toBeLessThanOrEqual(13);
  }, 10_000);

  it('maps answers to error kinds, honouring Retry-After', async () => {
    const s = await listen((req, res) => {
      const status = Number(new URL(req.url!, 'http://x').searchParams.get('status'));
      if (status === 503) res.setHeader('retry-after', '7');
      res.writeHead(status).end('{"success":false,"errorMsg":"nope"}');
    });
    servers.push(s);
    const client = createHttpClient({ system: 'retailcrm', baseUrl: s.url, redactor: new Redactor() });
    const call = (status: number, method: 'GET' | 'POST' = 'GET') => failureOf(client.request({ url: 'x', method, searchParams: { status } }));

    const limited = await call(503, 'POST');
    expect(limited).toMatchObject({ kind: 'retryable', retryAfterMs: 7000, code: 503, system: 'retailcrm' });
    expect(limited.message).toMatch(/RetailCRM временно не принимает/);
    expect((await call(429, 'POST')).kind).toBe('retryable');
    expect((await call(401)).kind).toBe('auth');
    expect((await call(403)).kind).toBe('auth');
    expect((await call(400, 'POST')).kind).toBe('needsAttention');
    expect((await call(404)).kind).toBe('needsAttention');
    // A server error on a read is retried; on a write we cannot know if it happened, so the merchant decides.
    expect((await call(500)).kind).toBe('retryable');
    const ambiguous = await call(500, 'POST');
    expect(ambiguous.kind).toBe('needsAttention');
    expect(ambiguous.message).toMatch(/неизвестно, выполнена ли операция/);
    expect(ambiguous.detail).toContain('POST');
    expect(ambiguous.detail).toContain('HTTP 500');
  });

  it('passes accepted statuses to the connector instead of failing', async () => {
    const s = await listen((_req, res) => res.writeHead(400).end('{"errors":{"phone":"bad"}}'));
    servers.push(s);
    const client = createHttpClient({ system: 'retailcrm', baseUrl: s.url, redactor: new Redactor() });
    const res = await client.request({ url: 'x', method: 'POST', accept: (st) => st === 400 });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ errors: { phone: 'bad' } });
  });

  it('treats refused connections as retryable and dropped ones by idempotency', async () => {
    const dropper = await listen((req) => req.socket.destroy());
    servers.push(dropper);
    const client = createHttpClient({ system: 'measoft', baseUrl: dropper.url, redactor: new Redactor() });
    expect((await failureOf(client.request({ url: 'x' }))).kind).toBe('retryable');
    expect((await failureOf(client.request({ url: 'x', method: 'POST', body: '<neworder/>' }))).kind).toBe('needsAttention');
    expect((await failureOf(client.request({ url: 'x', method: 'POST', body: '<neworder/>', idempotent: true }))).kind).toBe('retryable');

    const closed = await listen(() => undefined);
    const port = closed.port;
    await closed.close();
    const refused = await failureOf(createHttpClient({ system: 'measoft', redactor: new Redactor() }).request({ url: `http://127.0.0.1:${port}/`, method: 'POST' }));
    expect(refused).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED' });
  });

  it('times out a silent server and reports malformed JSON by idempotency', async () => {
    const silent = await listen(() => undefined);
    servers.push(silent);
    const slow = createHttpClient({ system: 'lifepos', baseUrl: silent.url, redactor: new Redactor(), timeoutMs: 200 });
    const t = await failureOf(slow.request({ url: 'x' }));
    expect(t).toMatchObject({ kind: 'retryable', code: 'ETIMEDOUT' });
    expect(t.message).toMatch(/не ответил вовремя/);

    const garbled = await listen((_req, res) => res.end('{"success":tru'));
    servers.push(garbled);
    const client = createHttpClient({ system: 'lifepos', baseUrl: garbled.url, redactor: new Redactor() });
    const read = await client.request({ url: 'x' });
    expect(() => read.json()).toThrow(SyncError);
    const write = await client.request({ url: 'x', method: 'POST' });
    try {
      write.json();
      expect.unreachable();
    } catch (e) {
      expect((e as SyncError).kind).toBe('needsAttention');
    }
  });

  it('never puts API keys, passwords or tokens into error details', async () => {
    const s = await listen((_req, res) => res.writeHead(400).end('{"token":"tok-9f8e7d6c","password":"hunter2hunter2"}'));
    servers.push(s);
    const redactor = new Redactor();
    redactor.addSecret('key-ABCDEF123456');
    const client = createHttpClient({ system: 'retailcrm', baseUrl: s.url, redactor });
    const err = await failureOf(
      client.request({
        url: 'api/v5/orders',
        method: 'POST',
        searchParams: { apiKey: 'key-ABCDEF123456', site: 'main' },
        headers: { 'x-api-key': 'key-ABCDEF123456' },
      }),
    );
    const everything = `${err.message}\n${err.detail}`;
    expect(everything).toContain('site=main');
    for (const secret of ['key-ABCDEF123456', 'tok-9f8e7d6c', 'hunter2hunter2']) expect(everything).not.toContain(secret);
  });
});
