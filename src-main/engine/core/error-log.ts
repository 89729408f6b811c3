import type { ErrorEntry } from '../../../src-shared/api.js';
import { type Db, sql } from '../db/open.js';
import type { SyncError } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Redactor } from '../redact.js';

interface Row {
  id: number;
  at: number;
  severity: 'error' | 'warning';
  kind: ErrorEntry['kind'];
  system: ErrorEntry['system'];
  order_id: number | null;
  order_number: string | null;
  job_id: number | null;
  job_state: string | null;
  message: string;
  detail: string | null;
  acknowledged_at: number | null;
}

const select = `SELECT e.*, o.number AS order_number, j.state AS job_state
  FROM error_log e LEFT JOIN orders o ON o.id = e.order_id LEFT JOIN jobs j ON j.id = e.job_id`;

/** The merchant's error log: what went wrong, in Russian, with redacted detail and a retry where one helps. */
export class ErrorLog {
  constructor(
    private readonly db: Db,
    private readonly redactor: Redactor,
    private readonly events: EngineEvents,
  ) {}

  record(
    err: SyncError,
    ctx: { orderId?: number | null; jobId?: number | null; severity?: 'error' | 'warning' } = {},
  ): ErrorEntry {
    const { lastInsertRowid } = sql(this.db, 
        `INSERT INTO error_log (at, severity, kind, system, order_id, job_id, message, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        Date.now(),
        ctx.severity ?? 'error',
        err.kind,
        err.system,
        ctx.orderId ?? null,
        ctx.jobId ?? null,
        this.redactor.redact(err.message),
        this.redactor.summarize(err.detail, 8000),
      );
    const entry = this.get(Number(lastInsertRowid));
    if (!entry) throw new Error('error_log row vanished after insert');
    this.events.emit('errors.logged', entry);
    return entry;
  }

  get(id: number): ErrorEntry | null {
    const row = sql(this.db, `${select} WHERE e.id = ?`).get(id) as Row | undefined;
    return row ? toEntry(row) : null;
  }

  list(opts: { limit: number; beforeId?: number | undefined; unreadOnly?: boolean }): ErrorEntry[] {
    const where: string[] = [];
    const args: number[] = [];
    if (opts.beforeId !== undefined) {
      where.push('e.id < ?');
      args.push(opts.beforeId);
    }
    if (opts.unreadOnly) where.push('e.acknowledged_at IS NULL');
    const text = `${select} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id DESC LIMIT ?`;
    return (sql(this.db, text).all(...args, opts.limit) as Row[]).map(toEntry);
  }

  unread(): number {
    return (sql(this.db, 'SELECT count(*) AS n FROM error_log WHERE acknowledged_at IS NULL').get() as { n: number }).n;
  }

  acknowledge(opts: { ids?: number[] | undefined; all?: boolean | undefined }): number {
    const now = Date.now();
    if (opts.all) {
      sql(this.db, 'UPDATE error_log SET acknowledged_at = ? WHERE acknowledged_at IS NULL').run(now);
    } else if (opts.ids?.length) {
      const stmt = sql(this.db, 'UPDATE error_log SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL');
      this.db.transaction(() => opts.ids?.forEach((id) => stmt.run(now, id)))();
    }
    return this.unread();
  }

  /** Forget acknowledged entries older than the cutoff. */
  prune(before: number): number {
    return sql(this.db, 'DELETE FROM error_log WHERE acknowledged_at IS NOT NULL AND at < ?').run(before).changes;
  }
}

function toEntry(r: Row): ErrorEntry {
  return {
    id: r.id,
    at: r.at,
    severity: r.severity,
    kind: r.kind,
    system: r.system,
    orderId: r.order_id,
    orderNumber: r.order_number,
    jobId: r.job_id,
    message: r.message,
    detail: r.detail,
    acknowledged: r.acknowledged_at !== null,
    canRetry: r.job_state === 'attention' || r.job_state === 'dead',
  };
}
