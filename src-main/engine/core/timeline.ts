import type { TimelineEntry } from '../../../src-shared/api.js';
import type { SystemId } from '../../../src-shared/systems.js';
import { type Db, sql } from '../db/open.js';
import type { SyncError } from '../errors.js';
import type { Redactor } from '../redact.js';
import { describeStep, stepOutcome, type StatusName } from './step-words.js';

export interface TimelineStep {
  orderId: number;
  system: SystemId;
  /** What was done, in the merchant's words: «Создание заказа в MeaSoft». */
  action: string;
  outcome: 'ok' | 'error' | 'info';
  sent?: unknown;
  received?: unknown;
  durationMs?: number | null;
  jobId?: number | null;
  attempt?: number | null;
  error?: SyncError | null;
}

interface Row {
  id: number;
  at: number;
  system: SystemId;
  action: string;
  outcome: TimelineEntry['outcome'];
  sent: string | null;
  received: string | null;
  duration_ms: number | null;
  job_id: number | null;
  attempt: number | null;
  error_kind: TimelineEntry['errorKind'];
  error_message: string | null;
  job_kind: string | null;
  job_payload: string | null;
  job_result: string | null;
  job_state: string | null;
}

function parse(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Per order, every step that touched it: the data behind the order card. Payloads are redacted and shortened. */
export class Timeline {
  /** RetailCRM status names for the summaries (from the account's reference book, when loaded). */
  statusName: StatusName = () => null;

  constructor(
    private readonly db: Db,
    private readonly redactor: Redactor,
  ) {}

  record(step: TimelineStep): number {
    const { lastInsertRowid } = sql(this.db, 
        `INSERT INTO timeline (order_id, at, system, action, outcome, sent, received, duration_ms, job_id, attempt, error_kind, error_message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        step.orderId,
        Date.now(),
        step.system,
        step.action,
        step.outcome,
        this.redactor.summarize(step.sent),
        this.redactor.summarize(step.received),
        step.durationMs == null ? null : Math.round(step.durationMs),
        step.jobId ?? null,
        step.attempt ?? null,
        step.error?.kind ?? null,
        step.error ? this.redactor.redact(step.error.message) : null,
      );
    return Number(lastInsertRowid);
  }

  forOrder(orderId: number): TimelineEntry[] {
    const rows = sql(
      this.db,
      `SELECT t.*, j.kind AS job_kind, j.payload AS job_payload, j.result AS job_result, j.state AS job_state
         FROM timeline t LEFT JOIN jobs j ON j.id = t.job_id
        WHERE t.order_id = ? ORDER BY t.id`,
    ).all(orderId) as Row[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      system: r.system,
      action: r.action,
      outcome: r.job_kind ? stepOutcome({ kind: r.job_kind, payload: null, result: r.outcome === 'ok' ? parse(r.job_result) : null, outcome: r.outcome }) : r.outcome,
      sent: r.sent,
      received: r.received,
      durationMs: r.duration_ms,
      jobId: r.job_id,
      attempt: r.attempt,
      errorKind: r.error_kind,
      errorMessage: r.error_message,
      resolved: r.job_state === 'done',
      // The result is the job's last one: only the step that finished it may read it.
      summary: r.job_kind
        ? describeStep(
            { kind: r.job_kind, payload: parse(r.job_payload), result: r.outcome === 'ok' ? parse(r.job_result) : null, outcome: r.outcome },
            this.statusName,
          )
        : null,
    }));
  }
}
