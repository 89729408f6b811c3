import type { z } from 'zod';
import type { SystemId } from '../../../src-shared/systems.js';
import type { ErrorLog } from '../core/error-log.js';
import type { Orders } from '../core/orders.js';
import type { Timeline } from '../core/timeline.js';
import type { Db } from '../db/open.js';
import { SyncError, parseOrFail, toSyncError } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log.js';
import type { Redactor } from '../redact.js';
import { pausedSentence } from './auth-pause.js';
import { LeaseLostError, type ClaimedJob, type JobQueue } from './queue.js';

export interface JobContext<P> {
  job: ClaimedJob;
  payload: P;
  /** Aborted when the lease is lost or the engine stops: pass it to every HTTP call. */
  signal: AbortSignal;
  log: Logger;
  /** What was sent and what came back, in short, for the order's timeline (redacted when stored). */
  note(exchange: { sent?: unknown; received?: unknown }): void;
}

export interface JobSuccess {
  /** Stored on the job row. */
  result?: unknown;
  /** Runs inside the transaction that marks the job done: domain rows and follow-up jobs commit with it. */
  commit?: (db: Db) => void;
}

export interface JobHandler<P = unknown> {
  kind: string;
  /** Whose API it calls: failures are that system's, and its new credentials bring the job back. */
  system: SystemId;
  /** The timeline's words for this step: «Создание заказа в MeaSoft». */
  title: string;
  payload: z.ZodType<P>;
  run(ctx: JobContext<P>): Promise<JobSuccess | void>;
}

export interface RunnerOptions {
  leaseMs: number;
  /** Parallel jobs per connector; `default` covers connectors not listed. */
  concurrency: Record<string, number> & { default: number };
  /** Longest sleep between checks when nothing is due (a safety net; enqueue wakes the runner at once). */
  idleMs: number;
}

export const defaultRunnerOptions: RunnerOptions = { leaseMs: 60_000, concurrency: { default: 2 }, idleMs: 1_000 };

interface Deps {
  db: Db;
  queue: JobQueue;
  timeline: Timeline;
  errors: ErrorLog;
  orders: Orders;
  events: EngineEvents;
  redactor: Redactor;
  log: Logger;
}

/**
 * Runs due jobs: claims them under a lease, keeps the lease alive while the call runs, and commits the
 * outcome — result, follow-up jobs, timeline step, error-log entry — in one transaction fenced by the
 * allocation id, so a worker that lost its lease can never overwrite the one that took over.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler<unknown>>();
  private readonly inflight = new Map<number, { promise: Promise<void>; abort: AbortController; connector: string }>();
  private readonly perConnector = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private wakeQueued = false;
  private running = false;
  private paused = false;
  private readonly opts: RunnerOptions;
  private unsubscribe: Array<() => void> = [];

  constructor(
    private readonly deps: Deps,
    opts: Partial<RunnerOptions> = {},
  ) {
    this.opts = { ...defaultRunnerOptions, ...opts, concurrency: { ...defaultRunnerOptions.concurrency, ...opts.concurrency } };
  }

  register<P>(handler: JobHandler<P>): void {
    if (this.handlers.has(handler.kind)) throw new Error(`job handler ${handler.kind} registered twice`);
    this.handlers.set(handler.kind, handler as JobHandler<unknown>);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = [
      this.deps.events.on('queue.changed', () => this.wake()),
      this.deps.events.on('job.gaveUp', (job) => this.recordGaveUp(job)),
    ];
    this.wake();
  }

  /** Lanes held back (their system is paused after an access error): nothing is claimed from them. */
  holdLane: (connector: string) => boolean = () => false;
  /** An access error on a lane; false when its system was paused already (the merchant has been told). */
  onAuthFailure: (system: string) => boolean = () => true;

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.wake();
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Stops claiming and waits for running jobs; after `timeoutMs` they are aborted (their leases expire). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    this.unsubscribe.splice(0).forEach((u) => u());
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = [...this.inflight.values()];
    if (all.length === 0) return;
    const drained = Promise.allSettled(all.map((r) => r.promise));
    let t: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((res) => (t = setTimeout(() => res(true), timeoutMs))),
    ]);
    clearTimeout(t);
    if (timedOut) {
      for (const r of all) r.abort.abort(new Error('engine stopping'));
      await drained;
    }
  }

  /** Coalesced: many enqueues in one tick cause one scan. */
  wake(): void {
    if (!this.running || this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      this.tick();
    });
  }

  private tick(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let nextDue = Date.now() + this.opts.idleMs;
    if (!this.paused) {
      try {
        for (const connector of this.deps.queue.connectorsWithWork()) {
          if (this.holdLane(connector)) continue;
          const limit = this.opts.concurrency[connector] ?? this.opts.concurrency.default;
          const free = limit - (this.perConnector.get(connector) ?? 0);
          if (free > 0) {
            for (const job of this.deps.queue.claim(connector, free, this.opts.leaseMs)) this.launch(job);
          }
          const due = this.deps.queue.nextDueAt(connector);
          if (due !== null && due > Date.now()) nextDue = Math.min(nextDue, due);
        }
      } catch (err) {
        this.deps.log.error('job runner scan failed', { err });
      }
    }
    this.timer = setTimeout(() => this.tick(), Math.max(5, nextDue - Date.now()));
    this.timer.unref();
  }

  private launch(job: ClaimedJob): void {
    const abort = new AbortController();
    this.perConnector.set(job.connector, (this.perConnector.get(job.connector) ?? 0) + 1);
    const promise = this.execute(job, abort).finally(() => {
      this.inflight.delete(job.id);
      this.perConnector.set(job.connector, (this.perConnector.get(job.connector) ?? 1) - 1);
      this.wake();
    });
    this.inflight.set(job.id, { promise, abort, connector: job.connector });
  }

  private async execute(job: ClaimedJob, abort: AbortController): Promise<void> {
    const { queue, log } = this.deps;
    const handler = this.handlers.get(job.kind);
    const started = performance.now();
    const exchange: { sent?: unknown; received?: unknown } = {};
    const heartbeat = setInterval(() => {
      try {
        if (!queue.heartbeat(job, this.opts.leaseMs)) abort.abort(new LeaseLostError(job.id));
      } catch (err) {
        log.warn('lease heartbeat failed', { jobId: job.id, err });
      }
    }, Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    heartbeat.unref();

    let outcome: JobSuccess | void = undefined;
    let failure: SyncError | null = null;
    try {
      if (!handler) {
        throw new SyncError({
          kind: 'fatal',
          message: 'Неизвестная операция: эта версия Прилавка не умеет её выполнять. Обновите программу.',
          detail: `no handler for job kind ${job.kind}`,
        });
      }
      const payload = parseOrFail(handler.payload, job.payload, {
        kind: 'fatal',
        system: handler.system,
        message: 'Данные операции повреждены, выполнить её нельзя.',
        detail: `payload of ${job.kind} #${job.id} failed validation`,
      });
      outcome = await handler.run({
        job,
        payload,
        signal: abort.signal,
        log,
        note: (e) => Object.assign(exchange, e),
      });
    } catch (err) {
      // A handler that gives up with the raw abort reason was interrupted (stop, lost lease), not broken.
      const interrupted = abort.signal.aborted && !(err instanceof SyncError);
      failure = this.redacted(
        interrupted
          ? new SyncError({
              kind: 'retryable',
              system: handler?.system ?? 'engine',
              code: 'ABORTED',
              message: 'Операция прервана: Прилавок останавливается. Повторим после запуска.',
              detail: String(err),
            })
          : toSyncError(err, handler?.system ?? 'engine'),
      );
    } finally {
      clearInterval(heartbeat);
    }
    const durationMs = performance.now() - started;

    try {
      if (failure) this.recordFailure(job, handler, failure, exchange, durationMs);
      else this.recordSuccess(job, handler, outcome ?? {}, exchange, durationMs);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        log.warn('job finished after its lease was taken over; outcome discarded', { jobId: job.id, kind: job.kind });
      } else {
        log.error('could not record job outcome; it will run again after the lease expires', { jobId: job.id, err });
      }
    }
  }

  private recordSuccess(
    job: ClaimedJob,
    handler: JobHandler<unknown> | undefined,
    outcome: JobSuccess,
    exchange: { sent?: unknown; received?: unknown },
    durationMs: number,
  ): void {
    const { db, queue, timeline, orders, events } = this.deps;
    db.transaction(() => {
      queue.complete(job, outcome.result, durationMs);
      outcome.commit?.(db);
      if (job.orderId !== null) {
        timeline.record({
          orderId: job.orderId,
          system: handler?.system ?? 'engine',
          action: handler?.title ?? job.kind,
          outcome: 'ok',
          ...exchange,
          durationMs,
          jobId: job.id,
          attempt: job.attempt,
        });
        orders.refreshAttention(job.orderId);
      }
    })();
    if (job.orderId !== null) events.emit('orders.changed', { ids: [job.orderId] });
  }

  private recordFailure(
    job: ClaimedJob,
    handler: JobHandler<unknown> | undefined,
    err: SyncError,
    exchange: { sent?: unknown; received?: unknown },
    durationMs: number,
  ): void {
    const { db, queue, timeline, orders, errors, events, log } = this.deps;
    const state = db.transaction(() => {
      const next = queue.fail(job, err, durationMs);
      if (job.orderId !== null) {
        timeline.record({
          orderId: job.orderId,
          system: err.system,
          action: handler?.title ?? job.kind,
          outcome: 'error',
          ...exchange,
          durationMs,
          jobId: job.id,
          attempt: job.attempt,
          error: err,
        });
        orders.refreshAttention(job.orderId);
      }
      return next;
    })();
    log.warn('job attempt failed', { jobId: job.id, kind: job.kind, attempt: job.attempt, state, errKind: err.kind, err: err.message, detail: err.detail });
    // An access error pauses the system's lanes: the one entry below is all the merchant hears of it.
    const firstAuth = err.kind === 'auth' ? this.onAuthFailure(job.system) : true;
    // Retries are quiet; the merchant hears about a job once it needs them or has given up.
    if ((state === 'attention' || state === 'dead') && firstAuth) {
      const message =
        state === 'dead' && err.kind === 'retryable'
          ? `${err.message} Попытки исчерпаны (${job.attempts}); нажмите «Повторить», когда сервис заработает.`
          : err.kind === 'auth'
            ? `${err.message} ${pausedSentence(job.system)}`
            : err.message;
      errors.record(new SyncError({ kind: err.kind, system: err.system, message, detail: err.detail }), {
        orderId: job.orderId,
        jobId: job.id,
      });
    }
    if (job.orderId !== null) events.emit('orders.changed', { ids: [job.orderId] });
  }

  /**
   * A job whose every attempt was cut short (the program closed or hung mid-call) dies in `claim`, where no
   * worker is left to tell the merchant; it is a poisoned job all the same, so it gets its error-log entry.
   */
  private recordGaveUp(job: { id: number; kind: string; orderId: number | null; attempts: number }): void {
    const { errors, orders, events } = this.deps;
    const handler = this.handlers.get(job.kind);
    errors.record(
      new SyncError({
        kind: 'retryable',
        system: handler?.system ?? 'engine',
        message: `«${handler?.title ?? job.kind}»: каждая попытка прерывалась (программа закрывалась или зависала). Попытки исчерпаны (${job.attempts}); нажмите «Повторить».`,
        detail: `job ${job.id} (${job.kind}) lost its lease on its last attempt`,
      }),
      { orderId: job.orderId, jobId: job.id },
    );
    if (job.orderId !== null) {
      orders.refreshAttention(job.orderId);
      events.emit('orders.changed', { ids: [job.orderId] });
    }
  }

  private redacted(err: SyncError): SyncError {
    const r = this.deps.redactor;
    return new SyncError({
      kind: err.kind,
      system: err.system,
      message: r.redact(err.message),
      detail: r.redact(err.detail),
      retryAfterMs: err.retryAfterMs,
      code: err.code,
    });
  }
}
