import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { migrate } from './migrate.js';
import { migrations, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Defaults to the built-in list; tests pass their own to exercise the checks. */
  migrations?: readonly Migration[];
  readonly?: boolean;
  /** Owner-only permissions (0600) for the file and its -wal/-shm on POSIX, whatever the umask. */
  private?: boolean;
}

/**
 * Opens (creating if needed) the engine database: WAL so the window's reads never block the sync loop,
 * synchronous=FULL because a webhook is acknowledged only after its row is durably on disk, a busy timeout
 * for the moments a second connection (a backup, a test) holds the lock, and foreign keys enforced.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const owned = opts.private === true && file !== ':memory:' && process.platform !== 'win32';
  // SQLite gives the -wal and -shm files the mode of the database file, so the file is made 0600 before
  // SQLite first opens it (an empty file is a valid new database).
  if (owned) fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file, { readonly: opts.readonly ?? false });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) migrate(db, opts.migrations ?? migrations);
    if (owned) {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        try {
          fs.chmodSync(f, 0o600);
        } catch {
          // -shm/-wal appear with the first write; they take the database file's mode then.
        }
      }
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * A prepared statement, compiled once per connection and reused: preparing costs more than running a small
 * statement, and the sync loop runs the same few statements thousands of times.
 */
export function sql(db: Db, text: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(text);
  if (!stmt) {
    if (cache.size >= 500) cache.clear();
    stmt = db.prepare(text);
    cache.set(text, stmt);
  }
  return stmt;
}

/** The first row of a query, or null. */
export function one<T>(db: Db, text: string, ...params: unknown[]): T | null {
  return (sql(db, text).get(...params) as T | undefined) ?? null;
}

/** `rowBy<Row>('orders')('ref')(db, 'retailcrm:42')`: one row by a column's value, or null (table and column are ours, never input). */
export function rowBy<T>(table: string): (column: string) => (db: Db, value: string | number) => T | null {
  return (column) => (db, value) => one<T>(db, `SELECT * FROM ${table} WHERE ${column} = ?`, value);
}
