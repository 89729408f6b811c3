import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src-main/engine/errors.js';
import { createHttpClient } from '../../src-main/engine/http/client.js';
import { RateLimiter } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';

/**
 * Only what happens before a request leaves: the wire behaviour (status mapping, timeouts, dropped
 * connections) is covered by the integration suite against real servers.
 */
describe('HTTP client waiting for its rate-limit slot', () => {
  // Port 9 (discard) on localhost: never reached in these tests, the limiter answers first.
  const baseUrl = 'http://127.0.0.1:9/api';

  async function failureOf(p: Promise<unknown>): Promise<SyncError> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SyncError);
    return err as SyncError;
  }

  it('a job stopped while waiting for a slot fails as retryable «прерван», not as an internal error', async () => {
    const limiter = new RateLimiter(1);
    await limiter.take(); // the slot for this second is taken
    const client = createHttpClient({ system: 'retailcrm', baseUrl, limiter, redactor: new Redactor() });
    const abort = new AbortController();
    const pending = client.request({ method: 'POST', url: 'orders/create', json: { number: '1A' }, signal: abort.signal });
    setTimeout(() => abort.abort(new Error('engine stopping')), 20);

    const err = await failureOf(pending);
    expect(err).toMatchObject({ kind: 'retryable', system: 'retailcrm', code: 'ABORTED' });
    expect(err.message).toMatch(/^Запрос к RetailCRM прерван/);
  });

  it('an already stopped job does not wait for a slot at all', async () => {
    const limiter = new RateLimiter(0.1); // one request per ten seconds
    await limiter.take();
    const client = createHttpClient({ system: 'kassa', baseUrl, limiter, redactor: new Redactor() });
    const started = Date.now();
    const err = await failureOf(client.request({ url: 'report', signal: AbortSignal.abort(new Error('engine stopping')) }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err).toMatchObject({ kind: 'retryable', code: 'ABORTED' });
  });

  it('the failure detail names the request with its secrets masked', async () => {
    const limiter = new RateLimiter(1);
    await limiter.take();
    const client = createHttpClient({ system: 'retailcrm', baseUrl, limiter, redactor: new Redactor() });
    const err = await failureOf(
      client.request({ url: 'orders', searchParams: { apiKey: 'Zz8812kqLm', limit: 20 }, signal: AbortSignal.abort(new Error('stop')) }),
    );
    expect(err.detail).toContain('GET http://127.0.0.1:9/api/orders?apiKey=***&limit=20');
    expect(err.detail).not.toContain('Zz8812kqLm');
  });
});
