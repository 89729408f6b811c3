import type { z } from 'zod';
import type { SystemId } from '../../../src-shared/systems.js';
import type { Job, JobQueue } from './queue.js';
import type { JobContext, JobHandler, JobSuccess } from './runner.js';

export interface JobSpec<S extends z.ZodType> {
  /** Unique, `<system>.<operation>`: `measoft.createOrder`. */
  kind: string;
  /** Whose API the job calls (and whose new credentials bring it back after an access error). */
  system: SystemId;
  /** The concurrency group it waits in; the system's own unless it must not hold that system up (`kassa-report`). */
  lane?: string;
  /** The timeline's words for this step: «Создание заказа в MeaSoft». */
  title: string;
  payload: S;
  /**
   * The idempotency key, from the payload alone: everything that makes two requests the same business operation
   * travels in the payload, so a second enqueue of the same operation is the first job.
   */
  key(p: z.output<S>): string;
  maxAttempts?: number;
  run(ctx: JobContext<z.output<S>>): Promise<JobSuccess | void>;
}

export interface EnqueueOptions {
  orderId?: number | null;
  runAfter?: number;
  maxAttempts?: number;
}

/** A typed job: the only way flows put work in the queue. */
export interface JobDef<P> extends JobHandler<P> {
  lane: string;
  key(p: P): string;
  enqueue(queue: JobQueue, p: P, o?: EnqueueOptions): { job: Job; created: boolean };
  byKey(queue: JobQueue, p: P): Job | null;
}

export function defineJob<S extends z.ZodType>(spec: JobSpec<S>): JobDef<z.output<S>> {
  type P = z.output<S>;
  const lane = spec.lane ?? spec.system;
  return {
    kind: spec.kind,
    system: spec.system,
    lane,
    title: spec.title,
    payload: spec.payload as unknown as z.ZodType<P>,
    key: (p: P) => spec.key(p),
    run: (ctx: JobContext<P>) => spec.run(ctx),
    enqueue(queue, p, o = {}) {
      const maxAttempts = o.maxAttempts ?? spec.maxAttempts;
      return queue.enqueue({
        kind: spec.kind,
        connector: lane,
        system: spec.system,
        key: spec.key(p),
        payload: p,
        orderId: o.orderId ?? null,
        ...(maxAttempts !== undefined ? { maxAttempts } : {}),
        ...(o.runAfter !== undefined ? { runAfter: o.runAfter } : {}),
      });
    },
    byKey: (queue, p) => queue.byKey(spec.key(p)),
  };
}

/** A job that stopped (waiting for the merchant, or dead) goes again; false when there is none or it is not stopped. */
export function retryStopped(queue: JobQueue, job: Job | null): boolean {
  return !!job && (job.state === 'attention' || job.state === 'dead') && queue.retry(job.id);
}
