import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
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
  /** The bytes, for a file held in memory. */
  content?: Buffer;
  /** A file already written to the inbox's files directory (see `Inbox.stageFile`); the row takes it over. */
  stored?: string;
  size?: number;
  /** SHA-256 of the bytes (hex), computed while they arrived. */
  sha256?: string;
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
  files: Array<{ id: number; field: string; filename: string; mime: string; size: number }>;
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

const empty = Buffer.alloc(0);

interface Handler {
  system: SystemId;
  schema: z.ZodType;
  handle: InboxHandler;
}

interface PendingRequest {
  items: InboxInput[];
  resolve: (r: { ids: number[]; duplicates: number }) => void;
  reject: (e: unknown) => void;
}
type Outcome = { ok: true; value: { ids: number[]; duplicates: number; unused: string[] } } | { ok: false; error: unknown };

interface InboxRow {
  id: number;
  source: string;
  external_id: string;
  kind: string;
  payload: string;
  received_at: number;
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
  private readonly handlers = new Map<string, Handler>();
  private readonly group: PendingRequest[] = [];
  private readonly stmtInsert;
  private readonly stmtFile;
  /** Built once: better-sqlite3 wraps a function per call of `transaction`, which costs on a hot path. */
  private readonly insertTx: (items: InboxInput[]) => { ids: number[]; duplicates: number; unused: string[] };
  private readonly groupTx: (batch: PendingRequest[], outcomes: Outcome[]) => void;
  private readonly itemTx: (item: InboxItem, h: Handler | undefined) => void;
  private readonly batchTx: (limit: number, failures: Array<{ id: number; error: SyncError }>) => number;

  /**
   * Where files of web forms are kept (0700, each file 0600): big uploads stream to disk instead of memory
   * and the database stays small. Without it (unit tests) files live in their rows.
   */
  readonly filesDir: string | null;

  constructor(
    private readonly db: Db,
    private readonly events: EngineEvents,
    private readonly errors: ErrorLog,
    private readonly log: Logger,
    filesDir: string | null = null,
  ) {
    this.filesDir = filesDir;
    if (filesDir) {
      fs.mkdirSync(filesDir, { recursive: true, mode: 0o700 });
      if (process.platform !== 'win32') fs.chmodSync(filesDir, 0o700);
    }
    this.stmtInsert = sql(db, 
      `INSERT INTO inbox (source, external_id, kind, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
    );
    this.insertTx = db.transaction((items: InboxInput[]) => this.insert(items));
    this.groupTx = db.transaction((batch: PendingRequest[], outcomes: Outcome[]) => {
      for (const req of batch) {
        try {
          // Called inside the group's transaction, the same function runs as a savepoint.
          outcomes.push({ ok: true, value: this.insertTx(req.items) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
    this.itemTx = db.transaction((item: InboxItem, h: Handler | undefined) => {
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
      sql(this.db, `UPDATE inbox SET state = 'processed', processed_at = ? WHERE id = ?`).run(Date.now(), item.id);
    });
    this.batchTx = db.transaction((limit: number, failures: Array<{ id: number; error: SyncError }>) => this.processBatch(limit, failures));
    this.stmtFile = sql(db, 'INSERT INTO inbox_files (inbox_id, field, filename, mime, size, content, stored) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  /** The handler of one source; each item's payload must match `schema` before the handler sees it. */
  handle<S extends z.ZodType>(from: InboxSource, schema: S, handle: InboxHandler<z.output<S>>): void {
    if (this.handlers.has(from.source)) throw new Error(`inbox handler for ${from.source} registered twice`);
    this.handlers.set(from.source, { system: from.system, schema, handle: handle as InboxHandler });
  }

  /** Stores all items in one transaction. Duplicates (same source and external id) are skipped, not errors. */
  receive(items: InboxInput[]): { ids: number[]; duplicates: number } {
    let result: { ids: number[]; duplicates: number; unused: string[] };
    try {
      result = this.insertTx(items);
    } catch (err) {
      this.discard(items);
      throw err;
    }
    this.removeStored(result.unused);
    if (result.ids.length) this.events.emit('inbox.received', undefined);
    return { ids: result.ids, duplicates: result.duplicates };
  }

  /**
   * A fresh file name in the files directory for an upload to stream into; hand it over as `stored` in
   * `receive`, or remove it with `discard` when the request is refused.
   */
  stageFile(): { name: string; path: string } {
    if (!this.filesDir) throw new Error('this inbox keeps no files on disk');
    const name = `${Date.now().toString(36)}-${randomBytes(9).toString('hex')}.bin`;
    return { name, path: path.join(this.filesDir, name) };
  }

  /** Removes the staged files of items that will not be stored. */
  discard(items: InboxInput[]): void {
    this.removeStored(items.flatMap((i) => (i.files ?? []).map((f) => f.stored).filter((s): s is string => !!s)));
  }

  /** Removes those of the named files that no row took over. */
  discardUnclaimed(names: string[]): void {
    const claimed = sql(this.db, 'SELECT 1 FROM inbox_files WHERE stored = ?');
    this.removeStored(names.filter((n) => !claimed.get(n)));
  }

  private removeStored(names: string[]): void {
    if (!this.filesDir) return;
    for (const name of names) {
      try {
        fs.rmSync(path.join(this.filesDir, path.basename(name)), { force: true });
      } catch (err) {
        // Still open (Windows): the sweep in housekeeping takes it later.
        this.log.warn('inbox file not removed yet', { name, err });
      }
    }
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
    const outcomes: Outcome[] = [];
    try {
      this.groupTx(batch, outcomes);
    } catch (error) {
      for (const req of batch) {
        this.discard(req.items);
        req.reject(error);
      }
      return;
    }
    let any = false;
    batch.forEach((req, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        any ||= o.value.ids.length > 0;
        this.removeStored(o.value.unused);
        req.resolve({ ids: o.value.ids, duplicates: o.value.duplicates });
      } else {
        this.discard(req.items);
        req.reject(o.error);
      }
    });
    if (any) this.events.emit('inbox.received', undefined);
  }

  private insert(items: InboxInput[]): { ids: number[]; duplicates: number; unused: string[] } {
    const now = Date.now();
    const ids: number[] = [];
    const unused: string[] = [];
    let duplicates = 0;
    for (const item of items) {
      const row = this.stmtInsert.get(item.source, item.externalId, item.kind, JSON.stringify(item.payload ?? null), now) as
        | { id: number }
        | undefined;
      if (!row) {
        duplicates++;
        for (const f of item.files ?? []) if (f.stored) unused.push(f.stored);
        continue;
      }
      ids.push(row.id);
      for (const f of item.files ?? []) {
        if (f.stored) {
          if (!this.filesDir) throw new Error('a stored file given to an inbox without a files directory');
          this.stmtFile.run(row.id, f.field, f.filename, f.mime, f.size ?? fs.statSync(path.join(this.filesDir, f.stored)).size, empty, f.stored);
        } else {
          const content = f.content ?? empty;
          this.stmtFile.run(row.id, f.field, f.filename, f.mime, content.length, content, null);
        }
      }
    }
    return { ids, duplicates, unused };
  }

  /**
   * Processes new items in arrival order. Each item runs in its own savepoint together with the effects its
   * flow makes, all inside one transaction per batch (one disk sync). A failing item is rolled back to its
   * savepoint, marked failed (with an error-log entry) and does not block the rest.
   */
  processPending(limit = 200): number {
    const failures: Array<{ id: number; error: SyncError }> = [];
    // This commit is not synced to disk on its own (WAL, synchronous=NORMAL): it only derives from inbox rows
    // that already are, and a crash that loses it leaves those rows 'new', to be processed again (every effect is
    // an idempotent job). The next synced commit — any webhook, any job taken before it reaches the outside
    // world — carries it to disk. So a burst of webhooks pays one disk sync per group, not two.
    sql(this.db, 'PRAGMA synchronous = NORMAL').run();
    let processed: number;
    try {
      processed = this.batchTx(limit, failures);
    } finally {
      sql(this.db, 'PRAGMA synchronous = FULL').run();
    }
    for (const f of failures) {
      this.log.error('inbox item failed', { inboxId: f.id, err: f.error.message, detail: f.error.detail });
      this.errors.record(f.error);
    }
    return processed + failures.length;
  }

  /** Runs inside `batchTx`: the pending rows and their files are read in two queries, not two per item. */
  private processBatch(limit: number, failures: Array<{ id: number; error: SyncError }>): number {
    const rows = sql(this.db, `SELECT id, source, external_id, kind, payload, received_at FROM inbox WHERE state = 'new' ORDER BY id LIMIT ?`)
      .all(limit) as InboxRow[];
    if (rows.length === 0) return 0;
    const files = new Map<number, InboxItem['files']>();
    const fileRows = sql(this.db, 
      `SELECT inbox_id, id, field, filename, mime, size FROM inbox_files WHERE inbox_id BETWEEN ? AND ? ORDER BY id`,
    ).all(rows[0]!.id, rows.at(-1)!.id) as Array<InboxItem['files'][number] & { inbox_id: number }>;
    for (const { inbox_id, ...f } of fileRows) {
      const list = files.get(inbox_id);
      if (list) list.push(f);
      else files.set(inbox_id, [f]);
    }
    let n = 0;
    for (const row of rows) {
      const h = this.handlers.get(row.source);
      try {
        this.itemTx(toItem(row, files.get(row.id) ?? []), h);
        n++;
      } catch (err) {
        const error = toSyncError(err, h?.system ?? 'webhooks');
        sql(this.db, `UPDATE inbox SET state = 'failed', processed_at = ?, error = ? WHERE id = ?`).run(Date.now(), error.message, row.id);
        failures.push({ id: row.id, error });
      }
    }
    return n;
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
    const row = sql(this.db, 'SELECT content, stored FROM inbox_files WHERE id = ?').get(fileId) as { content: Buffer; stored: string | null } | undefined;
    if (!row) return null;
    if (row.stored === null) return row.content;
    try {
      return fs.readFileSync(this.storedPath(row.stored));
    } catch {
      return null;
    }
  }

  /** The file as a stream, without loading it into memory. */
  fileStream(fileId: number): Readable | null {
    const row = sql(this.db, 'SELECT content, stored FROM inbox_files WHERE id = ?').get(fileId) as { content: Buffer; stored: string | null } | undefined;
    if (!row) return null;
    if (row.stored === null) return Readable.from([row.content]);
    const file = this.storedPath(row.stored);
    return fs.existsSync(file) ? fs.createReadStream(file) : null;
  }

  /** Forgets processed items older than the cutoff, their files with them. */
  prune(before: number): number {
    const doomed = sql(this.db, `SELECT f.stored FROM inbox_files f JOIN inbox i ON i.id = f.inbox_id
      WHERE i.state = 'processed' AND i.processed_at < ? AND f.stored IS NOT NULL`).all(before) as Array<{ stored: string }>;
    const n = sql(this.db, `DELETE FROM inbox WHERE state = 'processed' AND processed_at < ?`).run(before).changes;
    this.removeStored(doomed.map((d) => d.stored));
    this.sweepFiles();
    return n;
  }

  /**
   * Removes files no row refers to: what a crash in the middle of an upload left behind. Files younger than
   * `graceMs` may belong to a request still being received.
   */
  sweepFiles(graceMs = 10 * 60_000): number {
    if (!this.filesDir) return 0;
    const known = new Set((sql(this.db, 'SELECT stored FROM inbox_files WHERE stored IS NOT NULL').all() as Array<{ stored: string }>).map((r) => r.stored));
    let removed = 0;
    const cutoff = Date.now() - graceMs;
    for (const name of fs.readdirSync(this.filesDir)) {
      if (known.has(name)) continue;
      const file = path.join(this.filesDir, name);
      try {
        if (fs.statSync(file).mtimeMs > cutoff) continue;
        fs.rmSync(file, { force: true });
        removed++;
      } catch {
        // Gone already.
      }
    }
    return removed;
  }

  private storedPath(name: string): string {
    if (!this.filesDir) throw new Error('this inbox keeps no files on disk');
    return path.join(this.filesDir, path.basename(name));
  }

  private load(id: number): InboxItem | null {
    const row = sql(this.db, `SELECT id, source, external_id, kind, payload, received_at FROM inbox WHERE id = ?`).get(id) as InboxRow | undefined;
    if (!row) return null;
    const files = sql(this.db, 'SELECT id, field, filename, mime, size FROM inbox_files WHERE inbox_id = ? ORDER BY id')
      .all(id) as InboxItem['files'];
    return toItem(row, files);
  }
}

function toItem(row: InboxRow, files: InboxItem['files']): InboxItem {
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
