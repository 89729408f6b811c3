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
  count: number;
  last_seen_at: number | null;
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

  /**
   * Logs a problem. The same problem again — same system, kind, message and order (or none) — while its entry
   * is still unread adds to that entry (a count and the last time) instead of making a new one, so a flood of
   * bad requests or a password that stopped working is one line, not hundreds. The event carries the entry
   * either way, so the window and the tray show the new count.
   */
  record(
    err: SyncError,
    ctx: { orderId?: number | null; jobId?: number | null; severity?: 'error' | 'warning' } = {},
  ): ErrorEntry {
    const now = Date.now();
    const severity = ctx.severity ?? 'error';
    const message = this.redactor.redact(err.message);
    const detail = this.redactor.summarize(err.detail, 8000);
    const orderId = ctx.orderId ?? null;
    const id = this.db.transaction(() => {
      const open = sql(this.db, 
        `SELECT id FROM error_log WHERE acknowledged_at IS NULL AND system = ? AND message = ? AND kind = ? AND order_id IS ?
         ORDER BY id DESC LIMIT 1`,
      ).get(err.system, message, err.kind, orderId) as { id: number } | undefined;
      if (open) {
        sql(this.db, 
          `UPDATE error_log SET count = count + 1, last_seen_at = ?, detail = coalesce(?, detail), job_id = coalesce(?, job_id),
             severity = CASE WHEN ? = 'error' THEN 'error' ELSE severity END
           WHERE id = ?`,
        ).run(now, detail, ctx.jobId ?? null, severity, open.id);
        return open.id;
      }
      const { lastInsertRowid } = sql(this.db, 
        `INSERT INTO error_log (at, severity, kind, system, order_id, job_id, message, detail, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(now, severity, err.kind, err.system, orderId, ctx.jobId ?? null, message, detail, now);
      return Number(lastInsertRowid);
    })();
    const entry = this.get(id);
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

  /** Forget acknowledged entries last seen before the cutoff. */
  prune(before: number): number {
    return sql(this.db, 'DELETE FROM error_log WHERE acknowledged_at IS NOT NULL AND coalesce(last_seen_at, at) < ?').run(before).changes;
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
    count: r.count,
    lastSeenAt: r.last_seen_at ?? r.at,
    canRetry: r.job_state === 'attention' || r.job_state === 'dead',
  };
}
