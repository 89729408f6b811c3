import { systemTitles } from '../../../src-shared/systems.js';
import { sql, type Db } from '../db/open.js';
import type { Logger } from '../log.js';

/*
 * A wrong password is not a problem of one job: every job of that system would sign in and fail on its own
 * (thousands of failed logins, thousands of error-log entries). The first access error pauses the system's
 * lanes instead: its queued jobs wait, untouched. The pause ends when the merchant changes that system's
 * settings or password, or when one connection check (a single request, not a job) succeeds — tried after a
 * minute, then less and less often. Kept across restarts.
 */

const KV_PREFIX = 'auth.paused.';

export interface AuthPauseOptions {
  /** First connection check after the pause; it doubles up to `maxProbeMs`. */
  probeMs: number;
  maxProbeMs: number;
}

export const defaultAuthPauseOptions: AuthPauseOptions = { probeMs: 60_000, maxProbeMs: 15 * 60_000 };

/** The system a job lane belongs to: `kassa-report` is a lane of `kassa`. */
export function laneSystem(connector: string): string {
  return connector.split('-')[0]!;
}

export function systemTitle(system: string): string {
  return (systemTitles as Record<string, string>)[system] ?? system;
}

interface Paused {
  since: number;
  timer: NodeJS.Timeout | null;
  delayMs: number;
}

export class AuthPause {
  private readonly paused = new Map<string, Paused>();
  private running = false;

  constructor(
    private readonly deps: {
      db: Db;
      log: Logger;
      /** One connection check of the system; true when it signs in. */
      probe: (system: string) => Promise<boolean>;
      /** The system may work again: retry what stopped on the access error. */
      resumed: (system: string) => void;
      changed: () => void;
    },
    private readonly opts: AuthPauseOptions = defaultAuthPauseOptions,
  ) {
    for (const r of sql(deps.db, `SELECT key, value FROM kv WHERE key LIKE ?`).all(`${KV_PREFIX}%`) as Array<{ key: string; value: string }>) {
      this.paused.set(r.key.slice(KV_PREFIX.length), { since: Number(r.value) || Date.now(), timer: null, delayMs: opts.probeMs });
    }
  }

  start(): void {
    this.running = true;
    for (const system of this.paused.keys()) this.scheduleProbe(system);
  }

  stop(): void {
    this.running = false;
    for (const p of this.paused.values()) if (p.timer) clearTimeout(p.timer);
  }

  /** Whether nothing may be taken from this lane now. */
  holds(connector: string): boolean {
    return this.paused.has(laneSystem(connector));
  }

  systems(): Array<{ system: string; since: number }> {
    return [...this.paused].map(([system, p]) => ({ system, since: p.since }));
  }

  /** An access error of a system (or on a lane of it): pauses it. True when this paused it, false when it already was. */
  pause(connector: string): boolean {
    const system = laneSystem(connector);
    if (this.paused.has(system)) return false;
    const since = Date.now();
    this.paused.set(system, { since, timer: null, delayMs: this.opts.probeMs });
    sql(this.deps.db, `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(KV_PREFIX + system, String(since));
    this.deps.log.warn('system paused after an access error', { system });
    if (this.running) this.scheduleProbe(system);
    this.deps.changed();
    return true;
  }

  /** Settings or password of the system changed, or a check succeeded: its lanes work again. */
  resume(system: string, why: string): void {
    const p = this.paused.get(system);
    if (!p) return;
    if (p.timer) clearTimeout(p.timer);
    this.paused.delete(system);
    sql(this.deps.db, `DELETE FROM kv WHERE key = ?`).run(KV_PREFIX + system);
    this.deps.log.info('system resumed after an access error', { system, why });
    this.deps.resumed(system);
    this.deps.changed();
  }

  private scheduleProbe(system: string): void {
    const p = this.paused.get(system);
    if (!p || !this.running) return;
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => void this.probe(system), p.delayMs);
    p.timer.unref();
  }

  private async probe(system: string): Promise<void> {
    const p = this.paused.get(system);
    if (!p || !this.running) return;
    p.timer = null;
    let ok = false;
    try {
      ok = await this.deps.probe(system);
    } catch (err) {
      this.deps.log.info('connection check while paused failed', { system, err: err instanceof Error ? err.message : String(err) });
    }
    if (!this.running || this.paused.get(system) !== p) return;
    if (ok) {
      this.resume(system, 'connection check succeeded');
      return;
    }
    p.delayMs = Math.min(p.delayMs * 2, this.opts.maxProbeMs);
    this.scheduleProbe(system);
  }
}

/** The sentence added to the one error-log entry of a paused system. */
export function pausedSentence(connector: string): string {
  return `Остальные операции с системой «${systemTitle(laneSystem(connector))}» приостановлены, чтобы не входить с неверными данными снова и снова: они продолжатся сами, когда вы исправите настройки или проверка подключения пройдёт успешно.`;
}

