import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SyncError } from '../errors.js';
import type { Migration } from './migrations.js';

export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n').trim()).digest('hex');
}

interface AppliedRow {
  id: number;
  name: string;
  checksum: string;
}

/**
 * Applies numbered migrations, each in its own transaction together with its record, after checking the
 * history already applied: an applied migration this build does not know (a newer Prilavok wrote this
 * file) or one whose text changed since it ran is a startup error, never something to paper over.
 *
 * The engine's own tables are the unnamed scope; a flow's tables are its own scope (`statuscheck`), numbered
 * 1..n inside its folder, so a flow brings its schema with it and never competes for the engine's numbers.
 */
export function migrate(db: Database.Database, list: readonly Migration[], scope = ''): { applied: number[] } {
  assertWellFormed(list);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  db.exec(`CREATE TABLE IF NOT EXISTS flow_migrations (
    scope TEXT NOT NULL,
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (scope, id)
  ) STRICT`);

  const applied = (
    scope
      ? db.prepare('SELECT id, name, checksum FROM flow_migrations WHERE scope = ? ORDER BY id').all(scope)
      : db.prepare('SELECT id, name, checksum FROM schema_migrations ORDER BY id').all()
  ) as AppliedRow[];
  const known = new Map(list.map((m) => [m.id, m]));
  for (const row of applied) {
    const m = known.get(row.id);
    if (!m) {
      throw new SyncError({
        kind: 'fatal',
        message:
          'База данных создана более новой версией Прилавка. Обновите программу или восстановите резервную копию базы.',
        detail: `applied migration ${scope ? `${scope}/` : ''}${row.id} (${row.name}) is unknown to this build; known: ${list.map((x) => x.id).join(', ')}`,
      });
    }
    if (m.name !== row.name || checksum(m.sql) !== row.checksum) {
      throw new SyncError({
        kind: 'fatal',
        message: 'История изменений базы данных повреждена или изменена. Запуск остановлен, чтобы не испортить данные.',
        detail: `migration ${scope ? `${scope}/` : ''}${row.id} (${row.name}) was applied with checksum ${row.checksum}, this build has ${m.name} ${checksum(m.sql)}`,
      });
    }
  }

  const done = new Set(applied.map((r) => r.id));
  const insert = scope
    ? db.prepare('INSERT INTO flow_migrations (scope, id, name, checksum, applied_at) VALUES (?, ?, ?, ?, ?)')
    : db.prepare('INSERT INTO schema_migrations (id, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  const record = (id: number, name: string, sum: string, at: number) => (scope ? insert.run(scope, id, name, sum, at) : insert.run(id, name, sum, at));
  const newlyApplied: number[] = [];
  for (const m of list) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record(m.id, m.name, checksum(m.sql), Date.now());
    })();
    newlyApplied.push(m.id);
  }
  return { applied: newlyApplied };
}

function assertWellFormed(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.id !== i + 1) throw new Error(`migrations must be numbered 1..n without gaps; #${i} has id ${m.id}`);
  });
}
