import { createHash } from 'node:crypto';
import type { SystemId } from '../../../src-shared/systems.js';
import type { ErrorLog } from '../core/error-log.js';
import type { Db } from '../db/open.js';
import { SyncError, toSyncError } from '../errors.js';
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
export type InboxHandler = (item: InboxItem, db: Db) => void;

/** Hash of a body, for senders that give no event id: the same body twice is the same event. */
export function contentId(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * One table for everything that arrives. `receive` is the durable, deduplicated write that a webhook is
 * acknowledged after; `processPending` hands each row to its flow exactly once.
 */
export class Inbox {
  private readonly handlers = new Map<string, { system: SystemId; handle: InboxHandler }>();

  constructor(
    private readonly db: Db,
    private readonly events: EngineEvents,
    private readonly errors: ErrorLog,
    private readonly log: Logger,
  ) {}

  handle(source: string, system: SystemId, handle: InboxHandler): void {
    if (this.handlers.has(source)) throw new Error(`inbox handler for ${source} registered twice`);
    this.handlers.set(source, { system, handle });
  }

  /** Stores all items in one transaction. Duplicates (same source and external id) are skipped, not errors. */
  receive(items: InboxInput[]): { ids: number[]; duplicates: number } {
    const insert = this.db.prepare(
      `INSERT INTO inbox (source, external_id, kind, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
    );
    const insertFile = this.db.prepare(
      'INSERT INTO inbox_files (inbox_id, field, filename, mime, size, content) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const now = Date.now();
    const result = this.db.transaction(() => {
      const ids: number[] = [];
      let duplicates = 0;
      for (const item of items) {
        const row = insert.get(item.source, item.externalId, item.kind, JSON.stringify(item.payload ?? null), now) as
          | { id: number }
          | undefined;
        if (!row) {
          duplicates++;
          continue;
        }
        ids.push(row.id);
        for (const f of item.files ?? []) insertFile.run(row.id, f.field, f.filename, f.mime, f.content.length, f.content);
      }
      return { ids, duplicates };
    })();
    if (result.ids.length) this.events.emit('inbox.received', undefined);
    return result;
  }

  /**
   * Processes new items in arrival order, each in its own transaction together with the effects its flow
   * makes. A failing item is marked failed (with an error-log entry) and does not block the rest.
   */
  processPending(limit = 500): number {
    const pending = this.db
      .prepare(`SELECT id FROM inbox WHERE state = 'new' ORDER BY id LIMIT ?`)
      .all(limit) as Array<{ id: number }>;
    let processed = 0;
    for (const { id } of pending) {
      try {
        const done = this.db.transaction(() => {
          const item = this.load(id);
          if (!item || this.stateOf(id) !== 'new') return false; // processed meanwhile
          const h = this.handlers.get(item.source);
          if (!h) {
            throw new SyncError({
              kind: 'fatal',
              message: 'Получено событие, которое эта версия Прилавка не умеет обрабатывать.',
              detail: `no inbox handler for source ${item.source}`,
            });
          }
          h.handle(item, this.db);
          this.db.prepare(`UPDATE inbox SET state = 'processed', processed_at = ? WHERE id = ? AND state = 'new'`).run(Date.now(), id);
          return true;
        })();
        if (done) processed++;
      } catch (err) {
        const system = this.handlers.get(this.sourceOf(id) ?? '')?.system ?? 'webhooks';
        const e = toSyncError(err, system);
        this.db.prepare(`UPDATE inbox SET state = 'failed', processed_at = ?, error = ? WHERE id = ? AND state = 'new'`).run(Date.now(), e.message, id);
        this.log.error('inbox item failed', { inboxId: id, err: e.message, detail: e.detail });
        this.errors.record(e);
      }
    }
    return processed;
  }

  /** Puts a failed item back for another try (after the merchant fixed what it needed). */
  retry(id: number): boolean {
    const changed = this.db.prepare(`UPDATE inbox SET state = 'new', error = NULL WHERE id = ? AND state = 'failed'`).run(id).changes;
    if (changed) this.events.emit('inbox.received', undefined);
    return changed === 1;
  }

  counts(): { pending: number; failed: number } {
    const rows = this.db
      .prepare(`SELECT state, count(*) AS n FROM inbox WHERE state IN ('new', 'failed') GROUP BY state`)
      .all() as Array<{ state: string; n: number }>;
    return {
      pending: rows.find((r) => r.state === 'new')?.n ?? 0,
      failed: rows.find((r) => r.state === 'failed')?.n ?? 0,
    };
  }

  get(id: number): (InboxItem & { state: string; error: string | null }) | null {
    const item = this.load(id);
    if (!item) return null;
    const row = this.db.prepare('SELECT state, error FROM inbox WHERE id = ?').get(id) as { state: string; error: string | null };
    return { ...item, ...row };
  }

  fileContent(fileId: number): Buffer | null {
    const row = this.db.prepare('SELECT content FROM inbox_files WHERE id = ?').get(fileId) as { content: Buffer } | undefined;
    return row?.content ?? null;
  }

  prune(before: number): number {
    return this.db.prepare(`DELETE FROM inbox WHERE state = 'processed' AND processed_at < ?`).run(before).changes;
  }

  private stateOf(id: number): string | null {
    return (this.db.prepare('SELECT state FROM inbox WHERE id = ?').get(id) as { state: string } | undefined)?.state ?? null;
  }

  private sourceOf(id: number): string | null {
    return (this.db.prepare('SELECT source FROM inbox WHERE id = ?').get(id) as { source: string } | undefined)?.source ?? null;
  }

  private load(id: number): InboxItem | null {
    const row = this.db
      .prepare(`SELECT id, source, external_id, kind, payload, received_at FROM inbox WHERE id = ?`)
      .get(id) as { id: number; source: string; external_id: string; kind: string; payload: string; received_at: number } | undefined;
    if (!row) return null;
    const files = this.db
      .prepare('SELECT id, field, filename, mime, size FROM inbox_files WHERE inbox_id = ? ORDER BY id')
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
