import type { ErrorKind } from '../../src-shared/errors.js';
import type { SystemId } from '../../src-shared/systems.js';

export interface SyncErrorInit {
  kind: ErrorKind;
  /** What the merchant reads, in Russian: what happened and what to do. */
  message: string;
  /** Technical detail for the log (already redacted, or passed through the redactor before storing). */
  detail?: string | null;
  system?: SystemId;
  /** Honoured by the backoff when the remote side asked us to wait. */
  retryAfterMs?: number | null;
  /** A machine-readable code (HTTP status, vendor error code). */
  code?: string | number | null;
  cause?: unknown;
}

/** The one error type of the engine: every failure becomes a value with a kind. */
export class SyncError extends Error {
  readonly kind: ErrorKind;
  readonly detail: string | null;
  readonly system: SystemId;
  readonly retryAfterMs: number | null;
  readonly code: string | number | null;

  constructor(init: SyncErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'SyncError';
    this.kind = init.kind;
    this.detail = init.detail ?? null;
    this.system = init.system ?? 'engine';
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.code = init.code ?? null;
  }
}

/** Anything thrown becomes a SyncError; an unknown throw is a bug, so it is fatal. */
export function toSyncError(err: unknown, system: SystemId = 'engine'): SyncError {
  if (err instanceof SyncError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  return new SyncError({
    kind: 'fatal',
    message: 'Внутренняя ошибка Прилавка. Подробности — в журнале; сообщите в поддержку.',
    detail: e.stack ?? e.message,
    system,
    cause: err,
  });
}

/**
 * A value that must match its schema before anything acts on it (a stored job's or inbox item's payload):
 * the parsed value, or a SyncError with the merchant's message and the schema's complaint in the detail.
 */
export function parseOrFail<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: Error } }, value: unknown, fail: Omit<SyncErrorInit, 'detail'> & { detail: string }): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new SyncError({ ...fail, detail: `${fail.detail}: ${r.error.message}`.slice(0, 2000) });
}
