import { randomUUID } from 'node:crypto';
import type { JobState } from '../../../src-shared/api.js';
import { type Db, sql } from '../db/open.js';
import type { SyncError } from '../errors.js';
import type { EngineEvents } from '../events.js';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';

export interface EnqueueInput {
  /** Which handler runs it: `measoft.createOrder`. */
  kind: string;
  /** The lane it runs in (its concurrency group): usually the system, `kassa-report` for receipt checks. */
  connector: string;
  /** Whose credentials it uses (defaults to the lane): new credentials of that system bring it back. */
  system?: string;
  /** Derived from the business operation (`receipt:sell:<order>:<payment>`); a second enqueue returns the first job. */
  key: string;
  payload: unknown;
  orderId?: number | null;
  maxAttempts?: number;
  runAfter?: number;
}

export interface Job {
  id: number;
  kind: string;
  /** The lane (concurrency group). */
  connector: string;
  system: string;
  key: string;
  payload: unknown;
  orderId: number | null;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAfter: number;
  leaseUntil: number | null;
  allocationId: string | null;
  lastError: string | null;
  lastErrorKind: string | null;
  result: unknown;
  createdAt: number;
  updatedAt: number;
}

/** A job this worker holds: its lease is valid only while `allocationId` still matches the row. */
export interface ClaimedJob extends Job {
  allocationId: string;
  attempt: number;
}

interface Row {
  id: number;
  kind: string;
  connector: string;
  system: string;
  idempotency_key: string;
  payload: string;
  order_id: number | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_after: number;
  lease_until: number | null;
  allocation_id: string | null;
  last_error: string | null;
  last_error_kind: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
}

export class LeaseLostError extends Error {
  constructor(jobId: number) {
    super(`lease on job ${jobId} was lost: another worker took it over`);
    this.name = 'LeaseLostError';
  }
}

export const DEFAULT_MAX_ATTEMPTS = 12;

/**
 * The durable outbox. Every side effect on an external system is a row here before it happens.
 * All methods are synchronous on one connection, so a caller inside `db.transaction()` enqueues atomically
 * with its own domain rows.
 */
export class JobQueue {
  constructor(
    private readonly db: Db,
    private readonly events: EngineEvents,
    private readonly backoff: BackoffPolicy = defaultBackoff,
    private readonly now: () => number = Date.now,
  ) {}

  enqueue(input: EnqueueInput): { job: Job; created: boolean } {
    const now = this.now();
    const inserted = sql(this.db, 
        `INSERT INTO jobs (kind, connector, system, idempotency_key, payload, order_id, state, max_attempts, run_after, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING *`,
      )
      .get(
        input.kind,
        input.connector,
        input.system ?? input.connector,
        input.key,
        JSON.stringify(input.payload ?? null),
        input.orderId ?? null,
        input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        input.runAfter ?? now,
        now,
        now,
      ) as Row | undefined;
    if (inserted) {
      this.events.emit('queue.changed', undefined);
      return { job: toJob(inserted), created: true };
    }
    const existing = sql(this.db, 'SELECT * FROM jobs WHERE idempotency_key = ?').get(input.key) as Row;
    return { job: toJob(existing), created: false };
  }

  get(id: number): Job | null {
    const row = sql(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row ? toJob(row) : null;
  }

  byKey(key: string): Job | null {
    const row = sql(this.db, 'SELECT * FROM jobs WHERE idempotency_key = ?').get(key) as Row | undefined;
    return row ? toJob(row) : null;
  }

  /**
   * Takes up to `limit` due jobs of one connector under a fresh lease. A running job whose lease expired
   * (its worker died or hung) is due again; its open attempt is closed as lost, and if that was its last
   * attempt it is dead rather than run once more.
   */
  claim(connector: string, limit: number, leaseMs: number): ClaimedJob[] {
    if (limit <= 0) return [];
    const now = this.now();
    return this.db.transaction(() => {
      const expired = sql(this.db, `SELECT id, kind, order_id, attempts, max_attempts FROM jobs WHERE connector = ? AND state = 'running' AND lease_until < ?`)
        .all(connector, now) as Array<{ id: number; kind: string; order_id: number | null; attempts: number; max_attempts: number }>;
      for (const e of expired) {
        sql(this.db, `UPDATE job_attempts SET outcome = 'lost', finished_at = ?, error_message = ? WHERE job_id = ? AND outcome IS NULL`)
          .run(now, 'Работа прервалась (программа закрылась или зависла); повтор после окончания аренды', e.id);
        if (e.attempts >= e.max_attempts) {
          sql(this.db, 
              `UPDATE jobs SET state = 'dead', lease_until = NULL, allocation_id = NULL, updated_at = ?, finished_at = ?,
                 last_error = 'Попытки исчерпаны: последняя прервалась', last_error_kind = 'retryable' WHERE id = ?`,
            )
            .run(now, now, e.id);
          // Inside this transaction, so the runner's error-log entry commits with the death.
          this.events.emit('job.gaveUp', { id: e.id, kind: e.kind, orderId: e.order_id, attempts: e.attempts });
        }
      }

      const allocationId = randomUUID();
      const rows = sql(this.db, 
          `UPDATE jobs SET state = 'running', allocation_id = @alloc, lease_until = @lease, attempts = attempts + 1, updated_at = @now
           WHERE id IN (
             SELECT id FROM jobs WHERE connector = @connector AND (
               (state IN ('queued', 'retrying') AND run_after <= @now) OR (state = 'running' AND lease_until < @now))
             ORDER BY run_after, id LIMIT @limit)
           RETURNING *`,
        )
        .all({ alloc: allocationId, lease: now + leaseMs, now, connector, limit }) as Row[];
      const attemptRow = sql(this.db, 
        'INSERT INTO job_attempts (job_id, attempt, allocation_id, started_at) VALUES (?, ?, ?, ?)',
      );
      rows.sort((a, b) => a.run_after - b.run_after || a.id - b.id);
      return rows.map((r) => {
        attemptRow.run(r.id, r.attempts, allocationId, now);
        return { ...toJob(r), allocationId, attempt: r.attempts };
      });
    })();
  }

  /** Extends the lease while the worker is still busy; false means the job was taken over. */
  heartbeat(job: ClaimedJob, leaseMs: number): boolean {
    const now = this.now();
    return (
      sql(this.db, `UPDATE jobs SET lease_until = ? WHERE id = ? AND allocation_id = ? AND state = 'running'`)
        .run(now + leaseMs, job.id, job.allocationId).changes === 1
    );
  }

  /** Marks a claimed job done. Throws LeaseLostError (rolling back the caller's transaction) if fenced off. */
  complete(job: ClaimedJob, result: unknown, durationMs: number): void {
    const now = this.now();
    const changed = sql(this.db, 
        `UPDATE jobs SET state = 'done', result = ?, lease_until = NULL, last_error = NULL, last_error_kind = NULL,
           updated_at = ?, finished_at = ?
         WHERE id = ? AND allocation_id = ? AND state = 'running'`,
      )
      .run(result === undefined ? null : JSON.stringify(result), now, now, job.id, job.allocationId).changes;
    if (changed !== 1) throw new LeaseLostError(job.id);
    this.closeAttempt(job, 'done', null, durationMs);
    this.events.emit('queue.changed', undefined);
  }

  /**
   * Records a failed attempt and decides what happens next: retry later (retryable, attempts left), wait for
   * the merchant (auth, needsAttention), or give up (fatal, attempts exhausted). Returns the new state.
   */
  fail(job: ClaimedJob, err: SyncError, durationMs: number, random: () => number = Math.random): JobState {
    const now = this.now();
    let state: JobState;
    let runAfter = now;
    if (err.kind === 'retryable' && job.attempts < job.maxAttempts) {
      state = 'retrying';
      runAfter = now + backoffDelay(job.attempts, err.retryAfterMs, this.backoff, random);
    } else if (err.kind === 'auth' || err.kind === 'needsAttention') {
      state = 'attention';
    } else {
      state = 'dead';
    }
    const changed = sql(this.db, 
        `UPDATE jobs SET state = ?, run_after = ?, lease_until = NULL, last_error = ?, last_error_kind = ?, updated_at = ?,
           finished_at = CASE WHEN ? IN ('attention', 'dead') THEN ? ELSE NULL END
         WHERE id = ? AND allocation_id = ? AND state = 'running'`,
      )
      .run(state, runAfter, err.message, err.kind, now, state, now, job.id, job.allocationId).changes;
    if (changed !== 1) throw new LeaseLostError(job.id);
    this.closeAttempt(job, state === 'retrying' ? 'retry' : state, err, durationMs);
    this.events.emit('queue.changed', undefined);
    return state;
  }

  /** The merchant's «Повторить»: a job waiting for attention (or dead) runs again now, with fresh attempts. */
  retry(jobId: number): boolean {
    const now = this.now();
    const changed = sql(this.db, 
        `UPDATE jobs SET state = 'queued', run_after = ?, max_attempts = attempts + ?, updated_at = ?, finished_at = NULL
         WHERE id = ? AND state IN ('attention', 'dead', 'retrying')`,
      )
      .run(now, DEFAULT_MAX_ATTEMPTS, now, jobId).changes;
    if (changed) this.events.emit('queue.changed', undefined);
    return changed === 1;
  }

  /** A waiting retry runs now (its result is known to be there). */
  runNow(jobId: number): void {
    const changed = sql(this.db, `UPDATE jobs SET run_after = ? WHERE id = ? AND state = 'retrying'`).run(this.now(), jobId).changes;
    if (changed) this.events.emit('queue.changed', undefined);
  }

  /** Replaces a stopped job's payload before it is retried (it travels with newer data). */
  replacePayload(jobId: number, payload: unknown): void {
    sql(this.db, `UPDATE jobs SET payload = ? WHERE id = ?`).run(JSON.stringify(payload ?? null), jobId);
  }

  /** Idempotency keys of one kind starting with `prefix`, newest first. */
  keysLike(kind: string, prefix: string): string[] {
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return (sql(this.db, `SELECT idempotency_key AS k FROM jobs WHERE kind = ? AND idempotency_key LIKE ? ESCAPE '\\' ORDER BY id DESC`).all(kind, pattern) as Array<{ k: string }>).map((r) => r.k);
  }

  /** After the merchant fixes a system's credentials, everything that stopped on them goes again, in every lane. */
  retryAuthFailures(system: string): number {
    const ids = sql(this.db, `SELECT id FROM jobs WHERE system = ? AND state = 'attention' AND last_error_kind = 'auth'`)
      .all(system) as Array<{ id: number }>;
    return ids.filter((r) => this.retry(r.id)).length;
  }

  depth(): Record<JobState, number> {
    const out: Record<JobState, number> = { queued: 0, running: 0, retrying: 0, done: 0, attention: 0, dead: 0 };
    for (const r of sql(this.db, 'SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as Array<{
      state: JobState;
      n: number;
    }>)
      out[r.state] = r.n;
    return out;
  }

  /** Earliest moment something of this connector becomes due (a retry or an expiring lease). */
  nextDueAt(connector: string): number | null {
    const row = sql(this.db, 
        `SELECT min(CASE WHEN state = 'running' THEN lease_until ELSE run_after END) AS t
         FROM jobs WHERE connector = ? AND state IN ('queued', 'retrying', 'running')`,
      )
      .get(connector) as { t: number | null };
    return row.t;
  }

  connectorsWithWork(): string[] {
    return (
      sql(this.db, `SELECT DISTINCT connector FROM jobs WHERE state IN ('queued', 'retrying', 'running')`).all() as Array<{
        connector: string;
      }>
    ).map((r) => r.connector);
  }

  attempts(jobId: number): Array<{ attempt: number; outcome: string | null; errorKind: string | null; errorMessage: string | null; startedAt: number; finishedAt: number | null }> {
    return (
      sql(this.db, 'SELECT attempt, outcome, error_kind, error_message, started_at, finished_at FROM job_attempts WHERE job_id = ? ORDER BY id')
        .all(jobId) as Array<{ attempt: number; outcome: string | null; error_kind: string | null; error_message: string | null; started_at: number; finished_at: number | null }>
    ).map((r) => ({
      attempt: r.attempt,
      outcome: r.outcome,
      errorKind: r.error_kind,
      errorMessage: r.error_message,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  /** Removes finished jobs older than the cutoff (their attempts go with them). */
  prune(before: number): number {
    return sql(this.db, `DELETE FROM jobs WHERE state = 'done' AND finished_at < ?`).run(before).changes;
  }

  private closeAttempt(job: ClaimedJob, outcome: string, err: SyncError | null, durationMs: number): void {
    sql(this.db, 
        `UPDATE job_attempts SET outcome = ?, finished_at = ?, error_kind = ?, error_message = ?, error_detail = ?, duration_ms = ?
         WHERE job_id = ? AND allocation_id = ? AND outcome IS NULL`,
      )
      .run(outcome, this.now(), err?.kind ?? null, err?.message ?? null, err?.detail ?? null, Math.round(durationMs), job.id, job.allocationId);
  }
}

function toJob(r: Row): Job {
  return {
    id: r.id,
    kind: r.kind,
    connector: r.connector,
    system: r.system,
    key: r.idempotency_key,
    payload: JSON.parse(r.payload) as unknown,
    orderId: r.order_id,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAfter: r.run_after,
    leaseUntil: r.lease_until,
    allocationId: r.allocation_id,
    lastError: r.last_error,
    lastErrorKind: r.last_error_kind,
    result: r.result == null ? null : (JSON.parse(r.result) as unknown),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
