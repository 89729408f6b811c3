import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SyncError } from '../../src-main/engine/errors.js';
import { JobRunner, type JobHandler, type RunnerOptions } from '../../src-main/engine/jobs/runner.js';
import { gate, openCore, sleep, waitFor, type Core } from './support.js';

let core: Core;
let runner: JobRunner;

beforeEach(() => {
  core = openCore();
});
afterEach(async () => {
  await runner?.stop(1_000);
  await core.close();
});

function startRunner(opts: Partial<RunnerOptions> = {}): JobRunner {
  runner = new JobRunner(
    {
      db: core.db,
      queue: core.queue,
      timeline: core.timeline,
      errors: core.errors,
      orders: core.orders,
      events: core.events,
      redactor: core.redactor,
      log: core.log,
    },
    { leaseMs: 2_000, idleMs: 20, ...opts },
  );
  return runner;
}

const sellPayload = z.object({ orderNumber: z.string(), sum: z.number().int() });

function sellHandler(run: JobHandler<z.output<typeof sellPayload>>['run']): JobHandler<z.output<typeof sellPayload>> {
  return { kind: 'kassa.sell', system: 'kassa', title: 'Чек прихода', payload: sellPayload, run };
}

function enqueueSale(n: number, orderId: number | null = null, maxAttempts?: number) {
  return core.queue.enqueue({
    kind: 'kassa.sell',
    connector: 'kassa',
    key: `receipt:sell:${n}:1`,
    payload: { orderNumber: `${n}A`, sum: 150_000 },
    orderId,
    ...(maxAttempts ? { maxAttempts } : {}),
  }).job;
}

const stateOf = (id: number) => core.queue.get(id)?.state;

describe('JobRunner', () => {
  it('runs each due job exactly once with its validated payload and stores the result', async () => {
    const runs = new Map<number, number>();
    startRunner();
    runner.register(
      sellHandler(async ({ job, payload }) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        return { result: { receipt: `R-${payload.orderNumber}`, kopecks: payload.sum } };
      }),
    );
    runner.start();
    const jobs = [1, 2, 3].map((n) => enqueueSale(n));

    await waitFor(() => jobs.every((j) => stateOf(j.id) === 'done'), 'all jobs done');
    await sleep(60); // a few more scans: nothing runs twice
    expect([...runs.values()]).toEqual([1, 1, 1]);
    expect(core.queue.get(jobs[0]!.id)?.result).toEqual({ receipt: 'R-1A', kopecks: 150_000 });
    expect(core.queue.attempts(jobs[0]!.id)).toMatchObject([{ attempt: 1, outcome: 'done' }]);
  });

  it('the commit callback’s rows and the follow-up job commit together with the completion', async () => {
    startRunner();
    runner.register(
      sellHandler(async ({ payload }) => ({
        result: { receipt: 'R-1' },
        commit: (db) => {
          db.prepare(`INSERT INTO kv (key, value) VALUES (?, 'fiscalised')`).run(`receipt:${payload.orderNumber}`);
          core.queue.enqueue({ kind: 'retailcrm.markPaid', connector: 'retailcrm', key: `paid:${payload.orderNumber}`, payload: {} });
        },
      })),
    );
    const followUpRuns: number[] = [];
    runner.register({
      kind: 'retailcrm.markPaid',
      system: 'retailcrm',
      title: 'Отметка оплаты в RetailCRM',
      payload: z.object({}),
      run: async ({ job }) => void followUpRuns.push(job.id),
    });
    runner.start();
    const job = enqueueSale(1);

    await waitFor(() => followUpRuns.length === 1, 'the follow-up job to run');
    expect(stateOf(job.id)).toBe('done');
    expect(core.db.prepare(`SELECT value FROM kv WHERE key = 'receipt:1A'`).get()).toEqual({ value: 'fiscalised' });
    expect(core.queue.byKey('paid:1A')?.id).toBe(followUpRuns[0]);
  });

  it('when recording the outcome fails, nothing of the commit is kept and the job runs again after its lease', async () => {
    let attempt = 0;
    startRunner({ leaseMs: 150 });
    runner.register(
      sellHandler(async () => {
        attempt++;
        const thisAttempt = attempt;
        return {
          commit: (db) => {
            db.prepare(`INSERT INTO kv (key, value) VALUES ('receipt', ?)`).run(String(thisAttempt));
            core.queue.enqueue({ kind: 'retailcrm.markPaid', connector: 'retailcrm', key: `paid:${thisAttempt}`, payload: {} });
            if (thisAttempt === 1) throw new Error('disk full');
          },
        };
      }),
    );
    runner.start();
    const job = enqueueSale(1);

    await waitFor(() => stateOf(job.id) === 'done', 'the second attempt to complete');
    expect(core.db.prepare(`SELECT value FROM kv WHERE key = 'receipt'`).all()).toEqual([{ value: '2' }]);
    expect(core.queue.byKey('paid:1')).toBeNull();
    expect(core.queue.byKey('paid:2')).not.toBeNull();
    expect(core.queue.attempts(job.id).map((a) => a.outcome)).toEqual(['lost', 'done']);
  });

  it('a job that needs the merchant: state attention, one error-log entry, a timeline step, the order flagged', async () => {
    const orderId = core.orders.upsert({ ref: 'retailcrm:1001', number: '1001A', customer: 'Иванова Мария' });
    startRunner();
    runner.register(
      sellHandler(async ({ note }) => {
        note({ sent: { inn: '7701234567', sum: 150_000 }, received: { error: { code: 12, text: 'Неверный ИНН' } } });
        throw new SyncError({
          kind: 'needsAttention',
          system: 'kassa',
          message: 'Касса отклонила чек: неверный ИНН организации. Исправьте ИНН в настройках и нажмите «Повторить».',
          detail: 'ATOL error 12',
        });
      }),
    );
    let changed: number[] = [];
    core.events.on('orders.changed', ({ ids }) => (changed = ids));
    runner.start();
    const job = enqueueSale(1, orderId);

    await waitFor(() => stateOf(job.id) === 'attention', 'the job to wait for attention');
    await waitFor(() => core.errors.list({ limit: 5 }).length === 1, 'the error-log entry');
    expect(core.errors.list({ limit: 5 })[0]).toMatchObject({
      kind: 'needsAttention',
      system: 'kassa',
      orderId,
      orderNumber: '1001A',
      jobId: job.id,
      message: expect.stringMatching(/неверный ИНН/),
      detail: 'ATOL error 12',
      canRetry: true,
    });
    expect(core.timeline.forOrder(orderId)).toMatchObject([
      {
        system: 'kassa',
        action: 'Чек прихода',
        outcome: 'error',
        jobId: job.id,
        attempt: 1,
        errorKind: 'needsAttention',
        sent: '{"inn":"7701234567","sum":150000}',
        received: expect.stringContaining('Неверный ИНН'),
      },
    ]);
    expect(core.orders.get(orderId)?.attention).toBe(true);
    expect(changed).toEqual([orderId]);
  });

  it('a successful step lands on the order’s timeline and clears the order’s attention', async () => {
    const orderId = core.orders.upsert({ ref: 'retailcrm:1001', number: '1001A' });
    const stuck = enqueueSale(0, orderId);
    core.queue.fail(core.queue.claim('kassa', 1, 60_000)[0]!, new SyncError({ kind: 'needsAttention', message: 'Неверный ИНН' }), 1);
    core.orders.refreshAttention(orderId);
    expect(core.orders.get(orderId)?.attention).toBe(true);

    startRunner();
    runner.register(sellHandler(async ({ note }) => void note({ sent: { sum: 150_000 }, received: { uuid: 'r-1' } })));
    runner.start();
    core.queue.retry(stuck.id);

    await waitFor(() => stateOf(stuck.id) === 'done', 'the retried job to finish');
    expect(core.timeline.forOrder(orderId)).toMatchObject([{ outcome: 'ok', action: 'Чек прихода', received: '{"uuid":"r-1"}', attempt: 2 }]);
    expect(core.orders.get(orderId)?.attention).toBe(false);
  });

  it('a temporary failure is retried quietly: retrying, a timeline step, but no error-log entry', async () => {
    const orderId = core.orders.upsert({ ref: 'retailcrm:1', number: '1A' });
    startRunner();
    runner.register(
      sellHandler(async () => {
        throw new SyncError({ kind: 'retryable', system: 'kassa', message: 'Онлайн-касса ответила ошибкой сервера (HTTP 502). Повторим автоматически.' });
      }),
    );
    runner.start();
    const job = enqueueSale(1, orderId);

    await waitFor(() => stateOf(job.id) === 'retrying', 'the job to wait for its retry');
    expect(core.queue.get(job.id)!.runAfter).toBeGreaterThan(Date.now());
    expect(core.errors.list({ limit: 5 })).toEqual([]);
    expect(core.timeline.forOrder(orderId)).toMatchObject([{ outcome: 'error', errorKind: 'retryable' }]);
    expect(core.orders.get(orderId)?.attention).toBe(false);
  });

  it('a temporary failure on the last attempt gives up loudly: dead, with «Попытки исчерпаны» in the error log', async () => {
    startRunner();
    runner.register(
      sellHandler(async () => {
        throw new SyncError({ kind: 'retryable', system: 'kassa', message: 'Онлайн-касса недоступна.' });
      }),
    );
    runner.start();
    const job = enqueueSale(1, null, 1);

    await waitFor(() => stateOf(job.id) === 'dead', 'the job to die');
    await waitFor(() => core.errors.list({ limit: 5 }).length === 1, 'the error-log entry');
    expect(core.errors.list({ limit: 5 })[0]).toMatchObject({ kind: 'retryable', jobId: job.id, canRetry: true });
    expect(core.errors.list({ limit: 5 })[0]?.message).toMatch(/^Онлайн-касса недоступна\. Попытки исчерпаны \(1\)/);
  });

  it('a payload that does not match the handler’s schema is dead with a fatal error, and the handler never runs', async () => {
    let ran = false;
    startRunner();
    runner.register(sellHandler(async () => void (ran = true)));
    runner.start();
    const { job } = core.queue.enqueue({ kind: 'kassa.sell', connector: 'kassa', key: 'receipt:bad', payload: { orderNumber: 5, sum: 'много' } });

    await waitFor(() => stateOf(job.id) === 'dead', 'the job to die');
    expect(ran).toBe(false);
    expect(core.queue.get(job.id)?.lastErrorKind).toBe('fatal');
    await waitFor(() => core.errors.list({ limit: 5 }).length === 1, 'the error-log entry');
    expect(core.errors.list({ limit: 5 })[0]).toMatchObject({ kind: 'fatal', system: 'kassa', message: 'Данные операции повреждены, выполнить её нельзя.' });
    expect(core.errors.list({ limit: 5 })[0]?.detail).toMatch(/orderNumber/);
  });

  it('a job of a kind this build cannot run is dead with an explanation', async () => {
    startRunner();
    runner.start();
    const { job } = core.queue.enqueue({ kind: 'future.thing', connector: 'kassa', key: 'future:1', payload: {} });
    await waitFor(() => stateOf(job.id) === 'dead', 'the job to die');
    await waitFor(() => core.errors.list({ limit: 5 })[0], 'the error-log entry');
    expect(core.errors.list({ limit: 5 })[0]?.message).toMatch(/Неизвестная операция/);
  });

  it('an unexpected exception in a handler is a fatal internal error: dead, logged, never retried blindly', async () => {
    startRunner();
    runner.register(
      sellHandler(async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'uuid')");
      }),
    );
    runner.start();
    const job = enqueueSale(1);
    await waitFor(() => stateOf(job.id) === 'dead', 'the job to die');
    await waitFor(() => core.errors.list({ limit: 5 })[0], 'the error-log entry');
    expect(core.errors.list({ limit: 5 })[0]).toMatchObject({ kind: 'fatal', message: expect.stringMatching(/Внутренняя ошибка/) });
    expect(core.errors.list({ limit: 5 })[0]?.detail).toContain("reading 'uuid'");
  });

  it('a secret in a failure never reaches the error log, the timeline, the job row or the log file', async () => {
    const secret = 'Xk29fLq0vRT-kassa';
    core.redactor.addSecret(secret);
    const orderId = core.orders.upsert({ ref: 'retailcrm:1', number: '1A' });
    startRunner();
    runner.register(
      sellHandler(async ({ note }) => {
        note({ sent: { login: 'shop', pass: secret } });
        throw new SyncError({ kind: 'auth', system: 'kassa', message: `Касса не приняла пароль ${secret}`, detail: `POST /getToken {"pass":"${secret}"}` });
      }),
    );
    runner.start();
    const job = enqueueSale(1, orderId);
    await waitFor(() => stateOf(job.id) === 'attention', 'the job to wait for attention');
    await waitFor(() => core.errors.list({ limit: 5 })[0], 'the error-log entry');

    const everything = JSON.stringify([
      core.errors.list({ limit: 5 }),
      core.timeline.forOrder(orderId),
      core.queue.get(job.id),
      core.queue.attempts(job.id),
      core.db.prepare('SELECT * FROM job_attempts').all(),
    ]);
    expect(everything).toContain('***');
    expect(everything).not.toContain(secret);
    expect(fs.readFileSync(core.logFile, 'utf8')).not.toContain(secret);
  });

  it('never runs more jobs of one connector at once than its concurrency allows, and uses what it is allowed', async () => {
    const active = { kassa: 0, retailcrm: 0 };
    const peak = { kassa: 0, retailcrm: 0 };
    const busy = (c: 'kassa' | 'retailcrm') => async () => {
      active[c]++;
      peak[c] = Math.max(peak[c], active[c]);
      await sleep(15);
      active[c]--;
    };
    startRunner({ concurrency: { default: 1, kassa: 3 } });
    runner.register(sellHandler(busy('kassa')));
    runner.register({ kind: 'retailcrm.markPaid', system: 'retailcrm', title: 'Оплата', payload: z.object({}), run: busy('retailcrm') });
    runner.start();
    const jobs = [
      ...Array.from({ length: 9 }, (_, i) => enqueueSale(i)),
      ...Array.from({ length: 4 }, (_, i) => core.queue.enqueue({ kind: 'retailcrm.markPaid', connector: 'retailcrm', key: `paid:${i}`, payload: {} }).job),
    ];

    await waitFor(() => jobs.every((j) => stateOf(j.id) === 'done'), 'all jobs done', 3_000);
    expect(peak).toEqual({ kassa: 3, retailcrm: 1 });
  });

  it('stop() waits for the job in flight to finish and record its outcome', async () => {
    const release = gate();
    let started = false;
    startRunner();
    runner.register(
      sellHandler(async () => {
        started = true;
        await release.promise;
        return { result: 'ok' };
      }),
    );
    runner.start();
    const job = enqueueSale(1);
    await waitFor(() => started, 'the job to start');

    let stopped = false;
    const stopping = runner.stop(5_000).then(() => (stopped = true));
    await sleep(40);
    expect(stopped).toBe(false);
    expect(runner.inflightCount).toBe(1);

    release.open();
    await stopping;
    expect(stateOf(job.id)).toBe('done');
    expect(runner.inflightCount).toBe(0);
  });

  it('stop() past its timeout aborts the job’s signal instead of waiting forever', async () => {
    let aborted = false;
    startRunner();
    runner.register(
      sellHandler(
        ({ signal }) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new SyncError({ kind: 'retryable', message: 'Запрос прерван: Прилавок останавливается.' }));
            });
          }),
      ),
    );
    runner.start();
    const job = enqueueSale(1);
    await waitFor(() => stateOf(job.id) === 'running', 'the job to start');
    await runner.stop(50);
    expect(aborted).toBe(true);
    expect(stateOf(job.id)).toBe('retrying');
  });

  it('a handler that rejects with the raw abort reason is interrupted, not broken: it will run again', async () => {
    startRunner();
    runner.register(
      sellHandler(
        ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      ),
    );
    runner.start();
    const job = enqueueSale(1);
    await waitFor(() => stateOf(job.id) === 'running', 'the job to start');
    await runner.stop(50);
    expect(stateOf(job.id)).toBe('retrying');
    expect(core.queue.get(job.id)?.lastErrorKind).toBe('retryable');
    expect(core.errors.list({ limit: 10 })).toEqual([]);
  });

  it('a stopped runner takes no new jobs', async () => {
    startRunner();
    runner.register(sellHandler(async () => undefined));
    runner.start();
    await runner.stop();
    const job = enqueueSale(1);
    await sleep(60);
    expect(stateOf(job.id)).toBe('queued');
  });

  it('paused, it takes nothing; resumed, it catches up', async () => {
    startRunner();
    runner.register(sellHandler(async () => undefined));
    runner.setPaused(true);
    runner.start();
    const job = enqueueSale(1);
    await sleep(60);
    expect(stateOf(job.id)).toBe('queued');
    runner.setPaused(false);
    await waitFor(() => stateOf(job.id) === 'done', 'the job after resume');
  });

  it('a worker that lost its lease cannot record its outcome: its commit is discarded and its signal aborted', async () => {
    const release = gate();
    let signalAborted: unknown = null;
    startRunner({ leaseMs: 150, concurrency: { default: 1, kassa: 1 } });
    runner.register(
      sellHandler(async ({ signal }) => {
        await release.promise;
        signalAborted = signal.aborted ? signal.reason : null;
        return { commit: (db) => void db.prepare(`INSERT INTO kv (key, value) VALUES ('receipt', 'stale')`).run() };
      }),
    );
    runner.start();
    const job = enqueueSale(1);
    await waitFor(() => stateOf(job.id) === 'running', 'the job to start');

    // Another worker (a second process, say) takes the job over once the lease looks expired.
    core.db.prepare('UPDATE jobs SET lease_until = 0 WHERE id = ?').run(job.id);
    const [takeover] = core.queue.claim('kassa', 1, 60_000);
    expect(takeover?.id).toBe(job.id);
    // The stale worker's heartbeat (every 50 ms with a 150 ms lease) notices and aborts its signal.
    await sleep(120);

    release.open();
    await waitFor(() => runner.inflightCount === 0, 'the stale worker to finish');
    expect(signalAborted).toBeInstanceOf(Error);
    expect((signalAborted as Error).name).toBe('LeaseLostError');
    expect(core.db.prepare(`SELECT count(*) AS n FROM kv`).get()).toEqual({ n: 0 });
    expect(core.queue.get(job.id)).toMatchObject({ state: 'running', allocationId: takeover!.allocationId });
    core.queue.complete(takeover!, { by: 'takeover' }, 1);
    expect(core.queue.get(job.id)?.result).toEqual({ by: 'takeover' });
  });

  it('a job whose last attempt was cut short (the program died mid-call) still reaches the error log and flags its order', async () => {
    const orderId = core.orders.upsert({ ref: 'retailcrm:1', number: '1A' });
    const job = enqueueSale(1, orderId, 1);
    // A previous run of the program took the job and died: the lease ran out with the attempt open.
    core.queue.claim('kassa', 1, 60_000);
    core.db.prepare('UPDATE jobs SET lease_until = 0 WHERE id = ?').run(job.id);

    let ran = false;
    startRunner();
    runner.register(sellHandler(async () => void (ran = true)));
    runner.start();

    await waitFor(() => stateOf(job.id) === 'dead', 'the job to be given up');
    expect(ran).toBe(false);
    expect(core.errors.list({ limit: 5 })).toMatchObject([
      { kind: 'retryable', system: 'kassa', orderId, jobId: job.id, canRetry: true, message: expect.stringMatching(/^«Чек прихода»: .*Попытки исчерпаны \(1\)/) },
    ]);
    expect(core.orders.get(orderId)?.attention).toBe(true);
  });

  it('a handler kind can be registered only once', () => {
    startRunner();
    runner.register(sellHandler(async () => undefined));
    expect(() => runner.register(sellHandler(async () => undefined))).toThrow(/twice/);
  });
});
