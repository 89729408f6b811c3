import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src-main/engine/errors.js';
import type { BackoffPolicy } from '../../src-main/engine/jobs/backoff.js';
import { DEFAULT_MAX_ATTEMPTS, LeaseLostError, type EnqueueInput } from '../../src-main/engine/jobs/queue.js';
import { manualClock, openCore, type Core } from './support.js';

const policy: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, maxRetryAfterMs: 10_000 };
const LEASE = 30_000;

let clock: ReturnType<typeof manualClock>;
let core: Core;

beforeEach(() => {
  clock = manualClock();
  core = openCore({ now: clock.now, backoff: policy });
});
afterEach(async () => {
  await core.close();
});

function receipt(n: number, extra: Partial<EnqueueInput> = {}): EnqueueInput {
  return { kind: 'kassa.sell', connector: 'kassa', key: `receipt:sell:${n}:1`, payload: { order: n }, ...extra };
}

const retryable = (retryAfterMs: number | null = null) =>
  new SyncError({ kind: 'retryable', system: 'kassa', message: 'Касса временно недоступна', retryAfterMs });

function claimOne(connector = 'kassa', leaseMs = LEASE) {
  const claimed = core.queue.claim(connector, 1, leaseMs);
  expect(claimed).toHaveLength(1);
  return claimed[0]!;
}

function rawJob(id: number) {
  return core.db.prepare('SELECT state, run_after, finished_at, lease_until, allocation_id FROM jobs WHERE id = ?').get(id) as {
    state: string;
    run_after: number;
    finished_at: number | null;
    lease_until: number | null;
    allocation_id: string | null;
  };
}

describe('enqueue', () => {
  it('the same business operation enqueued twice is one job: the second call returns the first job with created:false', () => {
    const first = core.queue.enqueue(receipt(1));
    expect(first.created).toBe(true);
    expect(first.job).toMatchObject({ state: 'queued', attempts: 0, maxAttempts: DEFAULT_MAX_ATTEMPTS, payload: { order: 1 } });

    const second = core.queue.enqueue({ ...receipt(1), payload: { order: 1, changed: true } });
    expect(second.created).toBe(false);
    expect(second.job.id).toBe(first.job.id);
    expect(second.job.payload).toEqual({ order: 1 });
    expect(core.queue.depth().queued).toBe(1);
  });

  it('announces a new job (so the runner wakes) but not a duplicate', () => {
    let changes = 0;
    core.events.on('queue.changed', () => changes++);
    core.queue.enqueue(receipt(1));
    core.queue.enqueue(receipt(1));
    expect(changes).toBe(1);
  });

  it('a job enqueued inside the flow transaction disappears together with the order row when the flow throws', () => {
    const flow = core.db.transaction(() => {
      const orderId = core.orders.upsert({ ref: 'retailcrm:77', number: '77A' });
      core.queue.enqueue(receipt(77, { orderId }));
      throw new Error('flow rule failed after enqueue');
    });
    expect(() => flow()).toThrow(/flow rule failed/);
    expect(core.orders.idByRef('retailcrm:77')).toBeNull();
    expect(core.queue.byKey('receipt:sell:77:1')).toBeNull();

    // And when the flow succeeds, both are there.
    core.db.transaction(() => {
      const orderId = core.orders.upsert({ ref: 'retailcrm:77', number: '77A' });
      core.queue.enqueue(receipt(77, { orderId }));
    })();
    expect(core.queue.byKey('receipt:sell:77:1')?.orderId).toBe(core.orders.idByRef('retailcrm:77'));
  });
});

describe('claim', () => {
  it('does not take a job before its run_after, and takes it once that moment comes', () => {
    const { job } = core.queue.enqueue(receipt(1, { runAfter: clock.now() + 5_000 }));
    expect(core.queue.claim('kassa', 10, LEASE)).toEqual([]);
    clock.advance(4_999);
    expect(core.queue.claim('kassa', 10, LEASE)).toEqual([]);
    clock.advance(1);
    const [claimed] = core.queue.claim('kassa', 10, LEASE);
    expect(claimed?.id).toBe(job.id);
  });

  it('takes at most `limit` jobs, oldest due first, and only of the asked connector', () => {
    const a = core.queue.enqueue(receipt(1)).job;
    clock.advance(10);
    const b = core.queue.enqueue(receipt(2)).job;
    clock.advance(10);
    core.queue.enqueue(receipt(3));
    core.queue.enqueue({ kind: 'measoft.createOrder', connector: 'measoft', key: 'measoft:create:1', payload: {} });

    const claimed = core.queue.claim('kassa', 2, LEASE);
    expect(claimed.map((j) => j.id)).toEqual([a.id, b.id]);
    expect(claimed.every((j) => j.connector === 'kassa')).toBe(true);
    expect(core.queue.claim('kassa', 0, LEASE)).toEqual([]);
    expect(core.queue.depth()).toMatchObject({ running: 2, queued: 2 });
  });

  it('a claimed job is running under a lease with its attempt counted and an open attempt row', () => {
    const { job } = core.queue.enqueue(receipt(1));
    const claimed = claimOne();
    expect(claimed).toMatchObject({ id: job.id, state: 'running', attempts: 1, attempt: 1, leaseUntil: clock.now() + LEASE });
    expect(claimed.allocationId).toMatch(/[0-9a-f-]{36}/);
    expect(core.queue.attempts(job.id)).toEqual([
      { attempt: 1, outcome: null, errorKind: null, errorMessage: null, startedAt: clock.now(), finishedAt: null },
    ]);
    // A running job under a valid lease is nobody else's.
    expect(core.queue.claim('kassa', 5, LEASE)).toEqual([]);
  });

  it('a job whose worker vanished is taken again after the lease ends; the stale worker is fenced off', () => {
    const { job } = core.queue.enqueue(receipt(1));
    const stale = claimOne('kassa', 1_000);
    clock.advance(1_000);
    expect(core.queue.claim('kassa', 1, 1_000)).toEqual([]); // lease_until == now: still held
    clock.advance(1);

    const fresh = claimOne('kassa', 1_000);
    expect(fresh.id).toBe(job.id);
    expect(fresh.attempt).toBe(2);
    expect(fresh.allocationId).not.toBe(stale.allocationId);

    const [lost, current] = core.queue.attempts(job.id);
    expect(lost).toMatchObject({ attempt: 1, outcome: 'lost', finishedAt: clock.now() });
    expect(lost?.errorMessage).toMatch(/прервалась/);
    expect(current).toMatchObject({ attempt: 2, outcome: null });

    expect(core.queue.heartbeat(stale, 1_000)).toBe(false);
    expect(() => core.queue.complete(stale, { id: 'stale' }, 5)).toThrow(LeaseLostError);
    expect(() => core.queue.fail(stale, retryable(), 5)).toThrow(LeaseLostError);

    core.queue.complete(fresh, { id: 'fresh' }, 5);
    expect(core.queue.get(job.id)).toMatchObject({ state: 'done', result: { id: 'fresh' }, leaseUntil: null });
    expect(core.queue.attempts(job.id).map((a) => a.outcome)).toEqual(['lost', 'done']);
  });

  it('the stale worker cannot complete inside a flow transaction either: its domain rows roll back with it', () => {
    core.queue.enqueue(receipt(1));
    const stale = claimOne('kassa', 1_000);
    clock.advance(2_000);
    claimOne('kassa', 1_000);
    const commitStale = core.db.transaction(() => {
      core.db.prepare(`INSERT INTO kv (key, value) VALUES ('receipt', 'from stale worker')`).run();
      core.queue.complete(stale, null, 1);
    });
    expect(() => commitStale()).toThrow(LeaseLostError);
    expect(core.db.prepare(`SELECT count(*) AS n FROM kv`).get()).toEqual({ n: 0 });
  });

  it('a heartbeat keeps the lease: the job is not taken over while its worker is alive', () => {
    core.queue.enqueue(receipt(1));
    const held = claimOne('kassa', 1_000);
    clock.advance(800);
    expect(core.queue.heartbeat(held, 1_000)).toBe(true);
    clock.advance(500); // past the first lease, inside the extended one
    expect(core.queue.claim('kassa', 1, 1_000)).toEqual([]);
    clock.advance(501);
    expect(core.queue.claim('kassa', 1, 1_000)).toHaveLength(1);
  });

  it('a job that lost its lease on its last attempt is dead, not run once more', () => {
    const { job } = core.queue.enqueue(receipt(1, { maxAttempts: 2 }));
    claimOne('kassa', 1_000);
    clock.advance(1_001);
    claimOne('kassa', 1_000); // attempt 2 of 2
    clock.advance(1_001);

    expect(core.queue.claim('kassa', 5, 1_000)).toEqual([]);
    expect(core.queue.get(job.id)).toMatchObject({ state: 'dead', attempts: 2, lastErrorKind: 'retryable', leaseUntil: null, allocationId: null });
    expect(core.queue.get(job.id)?.lastError).toMatch(/Попытки исчерпаны/);
    expect(core.queue.attempts(job.id).map((a) => a.outcome)).toEqual(['lost', 'lost']);
    expect(rawJob(job.id).finished_at).toBe(clock.now());
  });

  it('giving up on such a job is announced, so the runner can tell the merchant', () => {
    const orderId = core.orders.upsert({ ref: 'retailcrm:5', number: '5A' });
    const { job } = core.queue.enqueue(receipt(5, { maxAttempts: 1, orderId }));
    const announced: unknown[] = [];
    core.events.on('job.gaveUp', (j) => announced.push(j));
    claimOne('kassa', 1_000);
    clock.advance(1_001);
    core.queue.claim('kassa', 1, 1_000);
    expect(announced).toEqual([{ id: job.id, kind: 'kassa.sell', orderId, attempts: 1 }]);
    // A lease that merely expired with attempts left is not giving up.
    core.queue.enqueue(receipt(6));
    claimOne('kassa', 1_000);
    clock.advance(1_001);
    claimOne('kassa', 1_000);
    expect(announced).toHaveLength(1);
  });
});

describe('fail', () => {
  it('a retryable failure waits out the backoff window, then the job is due again', () => {
    const { job } = core.queue.enqueue(receipt(1));
    const claimed = claimOne();
    const t0 = clock.now();
    expect(core.queue.fail(claimed, retryable(), 12)).toBe('retrying');

    const after = core.queue.get(job.id)!;
    // First attempt: base 1000 ms with equal jitter → between 500 and 1000 ms.
    expect(after.runAfter).toBeGreaterThanOrEqual(t0 + 500);
    expect(after.runAfter).toBeLessThanOrEqual(t0 + 1_000);
    expect(after).toMatchObject({ state: 'retrying', lastError: 'Касса временно недоступна', lastErrorKind: 'retryable', leaseUntil: null });
    expect(rawJob(job.id).finished_at).toBeNull();

    clock.set(after.runAfter - 1);
    expect(core.queue.claim('kassa', 1, LEASE)).toEqual([]);
    clock.set(after.runAfter);
    expect(claimOne().attempt).toBe(2);
  });

  it('the backoff grows with the attempt number (random fixed at its upper end)', () => {
    const { job } = core.queue.enqueue(receipt(1));
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const claimed = claimOne();
      const t = clock.now();
      core.queue.fail(claimed, retryable(), 1, () => 1);
      delays.push(core.queue.get(job.id)!.runAfter - t);
      clock.set(core.queue.get(job.id)!.runAfter);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('honours the wait the remote side asked for (Retry-After), within the policy cap', () => {
    const a = core.queue.enqueue(receipt(1)).job;
    core.queue.fail(claimOne(), retryable(7_000), 1, () => 0);
    expect(core.queue.get(a.id)!.runAfter).toBe(clock.now() + 7_000);

    const b = core.queue.enqueue(receipt(2)).job;
    core.queue.fail(claimOne(), retryable(24 * 3600_000), 1, () => 0);
    expect(core.queue.get(b.id)!.runAfter).toBe(clock.now() + policy.maxRetryAfterMs);
  });

  it.each([
    ['auth', 'attention'],
    ['needsAttention', 'attention'],
    ['fatal', 'dead'],
  ] as const)('a %s failure moves the job to %s and closes it for the runner', (kind, expected) => {
    const { job } = core.queue.enqueue(receipt(1));
    const err = new SyncError({ kind, system: 'kassa', message: `Ошибка вида ${kind}`, detail: 'HTTP 400 …' });
    expect(core.queue.fail(claimOne(), err, 3)).toBe(expected);
    expect(core.queue.get(job.id)).toMatchObject({ state: expected, lastErrorKind: kind, lastError: `Ошибка вида ${kind}` });
    expect(rawJob(job.id).finished_at).toBe(clock.now());
    clock.advance(3600_000);
    expect(core.queue.claim('kassa', 5, LEASE)).toEqual([]);
  });

  it('a retryable failure on the last attempt gives up: the job is dead', () => {
    const { job } = core.queue.enqueue(receipt(1, { maxAttempts: 2 }));
    expect(core.queue.fail(claimOne(), retryable(), 1)).toBe('retrying');
    clock.advance(policy.maxMs);
    expect(core.queue.fail(claimOne(), retryable(), 1)).toBe('dead');
    expect(core.queue.get(job.id)).toMatchObject({ state: 'dead', attempts: 2 });
  });

  it('every attempt is logged with its outcome, error kind, message, detail and duration', () => {
    const { job } = core.queue.enqueue(receipt(1));
    core.queue.fail(claimOne(), retryable(), 12.4, () => 0);
    clock.set(core.queue.get(job.id)!.runAfter);
    core.queue.fail(
      claimOne(),
      new SyncError({ kind: 'needsAttention', system: 'kassa', message: 'Неверный ИНН', detail: 'error 12: inn' }),
      7,
    );
    expect(core.queue.attempts(job.id)).toMatchObject([
      { attempt: 1, outcome: 'retry', errorKind: 'retryable', errorMessage: 'Касса временно недоступна' },
      { attempt: 2, outcome: 'attention', errorKind: 'needsAttention', errorMessage: 'Неверный ИНН', finishedAt: clock.now() },
    ]);
    const raw = core.db.prepare('SELECT duration_ms, error_detail FROM job_attempts WHERE job_id = ? ORDER BY id').all(job.id);
    expect(raw).toEqual([
      { duration_ms: 12, error_detail: null },
      { duration_ms: 7, error_detail: 'error 12: inn' },
    ]);
  });
});

describe('the merchant retries', () => {
  it('«Повторить» brings a job waiting for attention back to the queue now, with fresh attempts', () => {
    const { job } = core.queue.enqueue(receipt(1, { maxAttempts: 1 }));
    core.queue.fail(claimOne(), new SyncError({ kind: 'needsAttention', message: 'Неверный ИНН' }), 1);
    clock.advance(60_000);

    expect(core.queue.retry(job.id)).toBe(true);
    expect(core.queue.get(job.id)).toMatchObject({ state: 'queued', runAfter: clock.now(), attempts: 1, maxAttempts: 1 + DEFAULT_MAX_ATTEMPTS });
    expect(rawJob(job.id).finished_at).toBeNull();
    expect(claimOne().attempt).toBe(2);
  });

  it('a dead job can be retried too; a done or queued job cannot', () => {
    const dead = core.queue.enqueue(receipt(1)).job;
    core.queue.fail(claimOne(), new SyncError({ kind: 'fatal', message: 'Ошибка' }), 1);
    expect(core.queue.retry(dead.id)).toBe(true);
    expect(core.queue.get(dead.id)?.state).toBe('queued');

    const done = claimOne();
    core.queue.complete(done, null, 1);
    expect(core.queue.retry(done.id)).toBe(false);
    expect(core.queue.get(done.id)?.state).toBe('done');

    const queued = core.queue.enqueue(receipt(2)).job;
    expect(core.queue.retry(queued.id)).toBe(false);
    expect(core.queue.retry(9_999)).toBe(false);
  });

  it('after new credentials, only the jobs of that connector that stopped on an access error go again', () => {
    const auth = new SyncError({ kind: 'auth', message: 'Доступ запрещён' });
    const authKassa = core.queue.enqueue(receipt(1)).job;
    core.queue.fail(claimOne(), auth, 1);
    const dataKassa = core.queue.enqueue(receipt(2)).job;
    core.queue.fail(claimOne(), new SyncError({ kind: 'needsAttention', message: 'Неверный ИНН' }), 1);
    const authMeasoft = core.queue.enqueue({ kind: 'measoft.createOrder', connector: 'measoft', key: 'measoft:1', payload: {} }).job;
    core.queue.fail(claimOne('measoft'), auth, 1);

    expect(core.queue.retryAuthFailures('kassa')).toBe(1);
    expect(core.queue.get(authKassa.id)?.state).toBe('queued');
    expect(core.queue.get(dataKassa.id)?.state).toBe('attention');
    expect(core.queue.get(authMeasoft.id)?.state).toBe('attention');
    expect(core.queue.retryAuthFailures('kassa')).toBe(0);
  });
});

describe('queue overview', () => {
  it('depth counts jobs in every state', () => {
    expect(core.queue.depth()).toEqual({ queued: 0, running: 0, retrying: 0, done: 0, attention: 0, dead: 0 });
    for (let n = 1; n <= 6; n++) core.queue.enqueue(receipt(n));
    core.queue.complete(claimOne(), null, 1);
    core.queue.fail(claimOne(), retryable(), 1);
    core.queue.fail(claimOne(), new SyncError({ kind: 'auth', message: 'Доступ запрещён' }), 1);
    core.queue.fail(claimOne(), new SyncError({ kind: 'fatal', message: 'Ошибка' }), 1);
    claimOne();
    expect(core.queue.depth()).toEqual({ queued: 1, running: 1, retrying: 1, done: 1, attention: 1, dead: 1 });
  });

  it('knows when a connector next has something due: a retry or an expiring lease', () => {
    expect(core.queue.nextDueAt('kassa')).toBeNull();
    const t0 = clock.now();
    core.queue.enqueue(receipt(1, { runAfter: t0 + 9_000 }));
    core.queue.enqueue(receipt(2));
    claimOne('kassa', 3_000);
    expect(core.queue.nextDueAt('kassa')).toBe(t0 + 3_000);
    expect(core.queue.connectorsWithWork()).toEqual(['kassa']);
  });

  it('prune removes only finished jobs older than the cutoff', () => {
    const old = core.queue.enqueue(receipt(1)).job;
    core.queue.complete(claimOne(), null, 1);
    const waiting = core.queue.enqueue(receipt(2)).job;
    core.queue.fail(claimOne(), new SyncError({ kind: 'needsAttention', message: 'Неверный ИНН' }), 1);
    clock.advance(10_000);
    const recent = core.queue.enqueue(receipt(3)).job;
    core.queue.complete(claimOne(), null, 1);

    expect(core.queue.prune(clock.now() - 5_000)).toBe(1);
    expect(core.queue.get(old.id)).toBeNull();
    expect(core.queue.get(waiting.id)?.state).toBe('attention');
    expect(core.queue.get(recent.id)?.state).toBe('done');
  });
});
