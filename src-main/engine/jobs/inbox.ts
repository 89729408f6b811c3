import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { SystemId } from '../../../src-shared/systems.js';
import type { ErrorLog } from '../core/error-log.js';
import { type Db, sql } from '../db/open.js';
import { SyncError, parseOrFail, toSyncError } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log.js';

export interface InboxFile {
  field: string;
  filename: string;
  mime: string;
  content: Buffer;
}

export interface InboxInput {
  /** Where it came from: `retailcrm`, `leeloo`, `measoft-feed`… */
  source: string;
  /** The sender's id for this event; the same id twice is the same event. */
  externalId: string;
  /** What it is: `trigger`, `SALE`, `status`… */
  kind: string;
  payload: unknown;
  files?: InboxFile[];
}

export interface InboxItem {
  id: number;
  source: string;
  externalId: string;
  kind: string;
  payload: unknown;
  receivedAt: number;
  files: Array<Omit<InboxFile, 'content'> & { id: number; size: number }>;
}

/**
 * Turns one inbox item into effects. It runs inside the transaction that marks the item processed, so it
 * must be synchronous and touch only the database (enqueue jobs, upsert orders) — never the network.
 */
export type InboxHandler<P = unknown> = (item: InboxItem & { payload: P }, db: Db) => void;

/** Where items come from and whose they are: a webhook route and its inbox handler share one. */
export interface InboxSource {
  source: string;
  system: SystemId;
}

/** Hash of a body, for senders that give no event id: the same body twice is the same event. */
export function contentId(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * One table for everything that arrives. `receive` is the durable, deduplicated write that a webhook is
 * acknowledged after; `processPending` hands each row to its flow exactly once.
 */
export class Inbox {
  private readonly handlers = new Map<string, { system: SystemId; schema: z.ZodType; handle: InboxHandler }>();
  private readonly group: Array<{
    items: InboxInput[];
    resolve: (r: { ids: number[]; duplicates: number }) => void;
    reject: (e: unknown) => void;
  }> = [];
  private readonly stmtInsert;
  private readonly stmtFile;
  /** Built once: better-sqlite3 wraps a function per call of `transaction`, which costs on a hot path. */
  private readonly insertTx: (items: InboxInput[]) => { ids: number[]; duplicates: number };

  constructor(
    private readonly db: Db,
    private readonly events: EngineEvents,
    private readonly errors: ErrorLog,
    private readonly log: Logger,
  ) {
    this.stmtInsert = sql(db, 
      `INSERT INTO inbox (source, external_id, kind, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
    );
    this.insertTx = db.transaction((items: InboxInput[]) => this.insert(items));
    this.stmtFile = sql(db, 'INSERT INTO inbox_files (inbox_id, field, filename, mime, size, content) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** The handler of one source; each item's payload must match `schema` before the handler sees it. */
  handle<S extends z.ZodType>(from: InboxSource, schema: S, handle: InboxHandler<z.output<S>>): void {
    if (this.handlers.has(from.source)) throw new Error(`inbox handler for ${from.source} registered twice`);
    this.handlers.set(from.source, { system: from.system, schema, handle: handle as InboxHandler });
  }

  /** Stores all items in one transaction. Duplicates (same source and external id) are skipped, not errors. */
  receive(items: InboxInput[]): { ids: number[]; duplicates: number } {
    const result = this.insertTx(items);
    if (result.ids.length) this.events.emit('inbox.received', undefined);
    return result;
  }

  /**
   * Group commit: requests that arrive in the same tick are written in one transaction (one disk sync), each
   * in its own savepoint, so one bad request cannot take the others down. Resolves only after the commit;
   * rejects if this request's rows, or the commit itself, failed.
   */
  receiveGrouped(items: InboxInput[]): Promise<{ ids: number[]; duplicates: number }> {
    return new Promise((resolve, reject) => {
      this.group.push({ items, resolve, reject });
      if (this.group.length === 1) setImmediate(() => this.flushGroup());
    });
  }

  private flushGroup(): void {
    const batch = this.group.splice(0);
    const outcomes: Array<{ ok: true; value: { ids: number[]; duplicates: number } } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const req of batch) {
          try {
            // Called inside the group's transaction, the same function runs as a savepoint.
            outcomes.push({ ok: true, value: this.insertTx(req.items) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const req of batch) req.reject(error);
      return;
    }
    let any = false;
    batch.forEach((req, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        any ||= o.value.ids.length > 0;
        req.resolve(o.value);
      } else req.reject(o.error);
    });
    if (any) this.events.emit('inbox.received', undefined);
  }

  private insert(items: InboxInput[]): { ids: number[]; duplicates: number } {
    const now = Date.now();
    const ids: number[] = [];
    let duplicates = 0;
    for (const item of items) {
      const row = this.stmtInsert.get(item.source, item.externalId, item.kind, JSON.stringify(item.payload ?? null), now) as
        | { id: number }
        | undefined;
      if (!row) {
        duplicates++;
        continue;
      }
      ids.push(row.id);
      for (const f of item.files ?? []) this.stmtFile.run(row.id, f.field, f.filename, f.mime, f.content.length, f.content);
    }
    return { ids, duplicates };
  }

  /**
   * Processes new items in arrival order. Each item runs in its own savepoint together with the effects its
   * flow makes, all inside one transaction per batch (one disk sync). A failing item is rolled back to its
   * savepoint, marked failed (with an error-log entry) and does not block the rest.
   */
  processPending(limit = 200): number {
    const failures: Array<{ id: number; error: SyncError }> = [];
    const processed = this.db.transaction(() => {
      const pending = sql(this.db, `SELECT id FROM inbox WHERE state = 'new' ORDER BY id LIMIT ?`).all(limit) as Array<{ id: number }>;
      let n = 0;
      for (const { id } of pending) {
        const item = this.load(id);
        if (!item) continue;
        const h = this.handlers.get(item.source);
        try {
          this.db.transaction(() => {
            if (!h) {
              throw new SyncError({
                kind: 'fatal',
                message: 'Получено событие, которое эта версия Прилавка не умеет обрабатывать.',
                detail: `no inbox handler for source ${item.source}`,
              });
            }
            const payload = parseOrFail(h.schema, item.payload, {
              kind: 'needsAttention',
              system: h.system,
              message: 'Получено событие неверного вида: обработать его нельзя, оно сохранено в журнале.',
              detail: `inbox ${item.source} #${item.id} (${item.kind}) failed validation`,
            });
            h.handle({ ...item, payload }, this.db);
            sql(this.db, `UPDATE inbox SET state = 'processed', processed_at = ? WHERE id = ?`).run(Date.now(), id);
          })();
          n++;
        } catch (err) {
          const error = toSyncError(err, h?.system ?? 'webhooks');
          sql(this.db, `UPDATE inbox SET state = 'failed', processed_at = ?, error = ? WHERE id = ?`).run(Date.now(), error.message, id);
          failures.push({ id, error });
        }
      }
      return n;
    })();
    for (const f of failures) {
      this.log.error('inbox item failed', { inboxId: f.id, err: f.error.message, detail: f.error.detail });
      this.errors.record(f.error);
    }
    return processed + failures.length;
  }

  /** Puts a failed item back for another try (after the merchant fixed what it needed). */
  retry(id: number): boolean {
    const changed = sql(this.db, `UPDATE inbox SET state = 'new', error = NULL WHERE id = ? AND state = 'failed'`).run(id).changes;
    if (changed) this.events.emit('inbox.received', undefined);
    return changed === 1;
  }

  counts(): { pending: number; failed: number } {
    const rows = sql(this.db, `SELECT state, count(*) AS n FROM inbox WHERE state IN ('new', 'failed') GROUP BY state`)
      .all() as Array<{ state: string; n: number }>;
    return {
      pending: rows.find((r) => r.state === 'new')?.n ?? 0,
      failed: rows.find((r) => r.state === 'failed')?.n ?? 0,
    };
  }

  get(id: number): (InboxItem & { state: string; error: string | null }) | null {
    const item = this.load(id);
    if (!item) return null;
    const row = sql(this.db, 'SELECT state, error FROM inbox WHERE id = ?').get(id) as { state: string; error: string | null };
    return { ...item, ...row };
  }

  fileContent(fileId: number): Buffer | null {
    const row = sql(this.db, 'SELECT content FROM inbox_files WHERE id = ?').get(fileId) as { content: Buffer } | undefined;
    return row?.content ?? null;
  }

  prune(before: number): number {
    return sql(this.db, `DELETE FROM inbox WHERE state = 'processed' AND processed_at < ?`).run(before).changes;
  }

  private load(id: number): InboxItem | null {
    const row = sql(this.db, `SELECT id, source, external_id, kind, payload, received_at FROM inbox WHERE id = ?`)
      .get(id) as { id: number; source: string; external_id: string; kind: string; payload: string; received_at: number } | undefined;
    if (!row) return null;
    const files = sql(this.db, 'SELECT id, field, filename, mime, size FROM inbox_files WHERE inbox_id = ? ORDER BY id')
      .all(id) as InboxItem['files'];
    return {
      id: row.id,
      source: row.source,
      externalId: row.external_id,
      kind: row.kind,
      payload: JSON.parse(row.payload) as unknown,
      receivedAt: row.received_at,
      files,
    };
  }
}
