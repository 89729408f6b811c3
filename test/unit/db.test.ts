import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksum, migrate } from '../../src-main/engine/db/migrate.js';
import { migrations, type Migration } from '../../src-main/engine/db/migrations.js';
import { openDatabase } from '../../src-main/engine/db/open.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { makeTempDir, removeDir } from './support.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = makeTempDir();
  file = path.join(dir, 'prilavok.db');
});
afterEach(() => removeDir(dir));

interface AppliedRow {
  id: number;
  name: string;
  checksum: string;
  applied_at: number;
}

function appliedIn(f: string): AppliedRow[] {
  const raw = new Database(f, { readonly: true });
  try {
    return raw.prepare('SELECT id, name, checksum, applied_at FROM schema_migrations ORDER BY id').all() as AppliedRow[];
  } finally {
    raw.close();
  }
}

function tablesIn(f: string): string[] {
  const raw = new Database(f, { readonly: true });
  try {
    return (raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
  } finally {
    raw.close();
  }
}

/** Opens expecting a startup error and returns it. */
function openFails(f: string, list: readonly Migration[]): SyncError {
  let caught: unknown = null;
  try {
    openDatabase(f, { migrations: list }).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SyncError);
  return caught as SyncError;
}

const one: Migration = { id: 1, name: 'orders', sql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY, number TEXT NOT NULL) STRICT;' };
const two: Migration = { id: 2, name: 'order phone', sql: 'ALTER TABLE orders ADD COLUMN phone TEXT;' };

describe('migrations', () => {
  it('a fresh database file gets every built-in migration applied and recorded with its checksum', () => {
    const db = openDatabase(file);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name);
    db.close();

    const applied = appliedIn(file);
    expect(applied.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
    applied.forEach((row, i) => {
      expect(row.name).toBe(migrations[i]!.name);
      expect(row.checksum).toBe(checksum(migrations[i]!.sql));
    });
    for (const t of ['jobs', 'job_attempts', 'inbox', 'inbox_files', 'orders', 'timeline', 'error_log', 'pollers', 'settings', 'secrets', 'kv']) {
      expect(tables).toContain(t);
    }
  });

  it('re-opening an up-to-date database applies nothing and keeps the recorded history untouched', () => {
    openDatabase(file).close();
    const before = appliedIn(file);

    const db = openDatabase(file);
    expect(migrate(db, migrations)).toEqual({ applied: [] });
    db.close();

    expect(appliedIn(file)).toEqual(before);
  });

  it('a newer build applies only the migrations added since the last start', () => {
    openDatabase(file, { migrations: [one] }).close();
    const db = openDatabase(file, { migrations: [one, two] });
    db.prepare('INSERT INTO orders (number, phone) VALUES (?, ?)').run('A-1', '+79120000000');
    db.close();
    expect(appliedIn(file).map((r) => r.id)).toEqual([1, 2]);
  });

  it('an applied migration whose SQL was edited stops the start with a fatal error saying the history was changed', () => {
    openDatabase(file, { migrations: [one] }).close();
    const edited: Migration = { ...one, sql: 'CREATE TABLE orders (id INTEGER PRIMARY KEY, number TEXT) STRICT;' };

    const err = openFails(file, [edited]);
    expect(err.kind).toBe('fatal');
    expect(err.message).toMatch(/История изменений базы данных/);
    expect(err.message).toMatch(/изменена/);
    expect(err.detail).toContain('migration 1');
  });

  it('a renamed applied migration is also a changed history', () => {
    openDatabase(file, { migrations: [one] }).close();
    const err = openFails(file, [{ ...one, name: 'orders, renamed' }]);
    expect(err.kind).toBe('fatal');
    expect(err.message).toMatch(/История изменений базы данных/);
  });

  it('line endings and surrounding whitespace do not count as an edit (a checkout on Windows is the same migration)', () => {
    openDatabase(file, { migrations: [one] }).close();
    const crlf: Migration = { ...one, sql: `\r\n  ${one.sql.replace(/\n/g, '\r\n')}  \r\n` };
    const db = openDatabase(file, { migrations: [crlf] });
    db.close();
    expect(appliedIn(file)).toHaveLength(1);
  });

  it('a database that a newer Prilavok migrated further is refused: the message says a newer version created it', () => {
    openDatabase(file, { migrations: [one, two] }).close();
    const err = openFails(file, [one]);
    expect(err.kind).toBe('fatal');
    expect(err.message).toMatch(/создана более новой версией/);
    expect(err.detail).toContain('applied migration 2');
    // Nothing was touched by the refused start.
    expect(appliedIn(file).map((r) => r.id)).toEqual([1, 2]);
  });

  it('a migration that fails half-way leaves nothing of itself behind, and the fixed one applies on the next start', () => {
    const broken: Migration = {
      id: 2,
      name: 'customers',
      sql: `CREATE TABLE customers (id INTEGER PRIMARY KEY) STRICT;
            INSERT INTO orders (number) VALUES ('half-way');
            INSERT INTO no_such_table VALUES (1);`,
    };
    openDatabase(file, { migrations: [one] }).close();

    expect(() => openDatabase(file, { migrations: [one, broken] })).toThrow(/no_such_table/);

    expect(appliedIn(file).map((r) => r.id)).toEqual([1]);
    expect(tablesIn(file)).not.toContain('customers');
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 0 });
    raw.close();

    const fixed: Migration = { ...broken, sql: 'CREATE TABLE customers (id INTEGER PRIMARY KEY) STRICT;' };
    openDatabase(file, { migrations: [one, fixed] }).close();
    expect(appliedIn(file).map((r) => r.id)).toEqual([1, 2]);
    expect(tablesIn(file)).toContain('customers');
  });

  it('a migration list with a gap in its numbering is a programming error caught before anything is applied', () => {
    expect(() => openDatabase(file, { migrations: [one, { ...two, id: 3 }] })).toThrow(/numbered 1..n/);
    expect(tablesIn(file)).not.toContain('orders');
  });
});

describe('opening the database', () => {
  it('uses WAL, full sync, a busy timeout and enforced foreign keys', () => {
    const db = openDatabase(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    } finally {
      db.close();
    }
  });

  it('foreign keys are really enforced: an attempt row for a job that does not exist is refused', () => {
    const db = openDatabase(file);
    try {
      expect(() =>
        db.prepare('INSERT INTO job_attempts (job_id, attempt, allocation_id, started_at) VALUES (999, 1, ?, 0)').run('x'),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('creates the data folder when it does not exist yet', () => {
    const nested = path.join(dir, 'a', 'b', 'prilavok.db');
    openDatabase(nested).close();
    expect(appliedIn(nested).length).toBe(migrations.length);
  });

  it('a read-only open of an existing database reads it without migrating', () => {
    openDatabase(file, { migrations: [one] }).close();
    const ro = openDatabase(file, { readonly: true });
    try {
      expect(ro.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 1 });
      expect(() => ro.prepare(`INSERT INTO orders (number) VALUES ('x')`).run()).toThrow(/readonly/);
    } finally {
      ro.close();
    }
  });
});

describe('a flow’s own migrations (its scope)', () => {
  const partners: Migration = { id: 1, name: 'partners', sql: 'CREATE TABLE partner_orders (id INTEGER PRIMARY KEY) STRICT;' };
  const more: Migration = { id: 2, name: 'partner track', sql: 'ALTER TABLE partner_orders ADD COLUMN track TEXT;' };

  it('numbers 1..n beside the engine’s own, applied once and recorded under the flow’s name', () => {
    const db = openDatabase(file);
    try {
      expect(migrate(db, [partners], 'partners').applied).toEqual([1]);
      expect(migrate(db, [partners, more], 'partners').applied).toEqual([2]);
      expect(migrate(db, [partners, more], 'partners').applied).toEqual([]);
      // Another flow counts from 1 too, and the engine's own history is untouched.
      expect(migrate(db, [{ id: 1, name: 'forms', sql: 'CREATE TABLE form_requests (id INTEGER PRIMARY KEY) STRICT;' }], 'forms').applied).toEqual([1]);
      const rows = db.prepare('SELECT scope, id, name FROM flow_migrations ORDER BY scope, id').all();
      expect(rows).toEqual([
        { scope: 'forms', id: 1, name: 'forms' },
        { scope: 'partners', id: 1, name: 'partners' },
        { scope: 'partners', id: 2, name: 'partner track' },
      ]);
    } finally {
      db.close();
    }
    expect(appliedIn(file).map((r) => r.id)).toEqual(migrations.map((m) => m.id));
    expect(tablesIn(file)).toEqual(expect.arrayContaining(['partner_orders', 'form_requests']));
  });

  it('an edited or unknown flow migration stops the start, naming the flow', () => {
    const db = openDatabase(file);
    try {
      migrate(db, [partners, more], 'partners');
      const edited = { ...more, sql: 'ALTER TABLE partner_orders ADD COLUMN track_no TEXT;' };
      expect(() => migrate(db, [partners, edited], 'partners')).toThrow(/История изменений базы данных/);
      let caught: unknown = null;
      try {
        migrate(db, [partners], 'partners');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SyncError);
      expect((caught as SyncError).detail).toContain('partners/2');
      expect(checksum(more.sql)).toBe((db.prepare(`SELECT checksum FROM flow_migrations WHERE scope = 'partners' AND id = 2`).get() as { checksum: string }).checksum);
    } finally {
      db.close();
    }
  });
});
