import type { z } from 'zod';
import type { SettingsView } from '../../../src-shared/api.js';
import {
  secretKeys,
  settingsSchemas,
  type SecretKey,
  type Settings,
  type SettingsSection,
} from '../../../src-shared/settings.js';
import { type Db, sql } from '../db/open.js';
import { SyncError } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { SecretBox } from './secret-box.js';

/** Settings in SQLite, one validated JSON document per section. */
export class SettingsStore {
  private cache: Partial<Settings> = {};
  private readonly listeners = new Set<(section: SettingsSection) => void>();

  constructor(private readonly db: Db) {}

  /** Called after a section is saved (a connection is re-checked at once, not on the next poll). */
  onChange(fn: (section: SettingsSection) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get<S extends SettingsSection>(section: S): Settings[S] {
    const hit = this.cache[section];
    if (hit) return hit;
    const row = sql(this.db, 'SELECT value FROM settings WHERE section = ?').get(section) as { value: string } | undefined;
    const schema = settingsSchemas[section];
    const parsed = schema.safeParse(row ? parseStored(row.value) : {});
    // A stored section that no longer validates (edited by hand, say) falls back to defaults rather than
    // stopping the engine; the next save writes a valid one.
    const value = (parsed.success ? parsed.data : schema.parse({})) as Settings[S];
    this.cache[section] = value;
    return value;
  }

  all(): Settings {
    return Object.fromEntries(Object.keys(settingsSchemas).map((s) => [s, this.get(s as SettingsSection)])) as Settings;
  }

  /** Merges `values` over the current section and saves it if the result is valid. */
  update<S extends SettingsSection>(section: S, values: Record<string, unknown>): Settings[S] {
    const schema = settingsSchemas[section];
    const merged = { ...this.get(section), ...values };
    const parsed = schema.safeParse(merged);
    if (!parsed.success) {
      throw new SyncError({
        kind: 'needsAttention',
        message: `Настройки не сохранены: ${describeIssues(parsed.error)}`,
        detail: JSON.stringify(parsed.error.issues),
      });
    }
    sql(this.db, 
        `INSERT INTO settings (section, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (section) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(section, JSON.stringify(parsed.data), Date.now());
    this.cache[section] = parsed.data as Settings[S];
    this.listeners.forEach((l) => l(section));
    return parsed.data as Settings[S];
  }
}

/** A section that is not JSON at all (hand-edited, truncated) is treated like one that does not validate. */
function parseStored(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `поле «${i.path.join('.')}» — ${i.message}` : i.message))
    .join('; ');
}

/**
 * Secrets encrypted at rest through a SecretBox; decrypted once at start into memory, and every value is
 * handed to the redactor so it can never be written out anywhere.
 */
export class SecretStore {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Set<(key: string) => void>();

  /** Called after a secret is saved or removed. */
  onChange(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly redactor: Redactor,
  ) {}

  get warning(): string | null {
    return this.box.warning;
  }

  async load(): Promise<void> {
    const rows = sql(this.db, 'SELECT key, ciphertext FROM secrets').all() as Array<{ key: string; ciphertext: Buffer }>;
    for (const r of rows) {
      try {
        const v = await this.box.decrypt(r.ciphertext);
        this.values.set(r.key, v);
        this.redactor.addSecret(v);
      } catch {
        throw new SyncError({
          kind: 'fatal',
          message:
            'Не удалось расшифровать сохранённые пароли и ключи (файл ключа заменён или повреждён). Введите их заново в настройках.',
          detail: `secret ${r.key} failed to decrypt`,
        });
      }
    }
  }

  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    const ct = await this.box.encrypt(value);
    this.redactor.addSecret(value);
    sql(this.db, 
        `INSERT INTO secrets (key, ciphertext, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      )
      .run(key, ct, Date.now());
    this.values.set(key, value);
    this.listeners.forEach((l) => l(key));
  }

  /** Deleting keeps the old value in the redactor: it may still sit in memory somewhere. */
  delete(key: string): void {
    sql(this.db, 'DELETE FROM secrets WHERE key = ?').run(key);
    this.values.delete(key);
    this.listeners.forEach((l) => l(key));
  }

  /** What the window may know: whether each merchant secret is set, never its value. */
  view(): SettingsView['secrets'] {
    const rows = sql(this.db, 'SELECT key, updated_at FROM secrets').all() as Array<{ key: string; updated_at: number }>;
    const at = new Map(rows.map((r) => [r.key, r.updated_at]));
    return Object.fromEntries(
      secretKeys.map((k: SecretKey) => [k, { set: at.has(k), updatedAt: at.get(k) ?? null }]),
    ) as SettingsView['secrets'];
  }
}
