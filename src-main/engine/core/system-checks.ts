import type { EngineStatus, PollerStatus } from '../../../src-shared/api.js';
import type { SystemId } from '../../../src-shared/systems.js';
import { toSyncError } from '../errors.js';

export interface CheckResult {
  at: number;
  ok: boolean;
  message: string;
  /**
   * A failure only a change of settings can fix (wrong key, missing rights, wrong shop): it stands even while
   * pollers succeed, since a poll does not use every right the flows need. A network failure does not.
   */
  lasting: boolean;
}

type Test = () => Promise<{ ok: boolean; message: string }>;

export interface SystemChecksDeps {
  /** The connection test of a system, if it has one. */
  test(system: SystemId): Test | undefined;
  configured(system: SystemId): boolean;
  redact(text: string): string;
  /** A result arrived: the status should be sent again. */
  changed(): void;
  /** How long to wait after a save before checking (several fields are often saved in a row). */
  settleMs?: number;
}

/** Which system a settings section or a secret belongs to. */
const systemOf: Record<string, SystemId> = { retailcrm: 'retailcrm', measoft: 'measoft', lifepos: 'lifepos' };

/**
 * The last real check of each system, run as soon as its settings are saved: a wrong address or a key without
 * rights shows on «Обзор» within seconds instead of at the next poll, and a fixed one stops showing the old error.
 * Together with the pollers' last runs it makes one answer per system: whichever happened last is the truth.
 */
export class SystemChecks {
  private readonly results = new Map<SystemId, CheckResult>();
  private readonly timers = new Map<SystemId, NodeJS.Timeout>();
  private readonly running = new Map<SystemId, number>();
  private closed = false;

  constructor(private readonly deps: SystemChecksDeps) {}

  /** A settings section or a secret key was saved. */
  saved(sectionOrKey: string): void {
    const system = systemOf[sectionOrKey.split('.')[0]!];
    if (!system || this.closed) return;
    const pending = this.timers.get(system);
    if (pending) clearTimeout(pending);
    const t = setTimeout(() => {
      this.timers.delete(system);
      void this.check(system);
    }, this.deps.settleMs ?? 300);
    t.unref();
    this.timers.set(system, t);
  }

  /** Runs the system's connection test now and keeps the result (only for a system that is set up). */
  async check(system: SystemId): Promise<CheckResult | null> {
    const test = this.deps.test(system);
    if (!test || !this.deps.configured(system)) {
      this.results.delete(system);
      this.deps.changed();
      return null;
    }
    const seq = (this.running.get(system) ?? 0) + 1;
    this.running.set(system, seq);
    let r: { ok: boolean; message: string; lasting: boolean };
    try {
      r = { ...(await test()), lasting: true };
    } catch (err) {
      const e = toSyncError(err, system);
      r = { ok: false, message: e.message, lasting: e.kind !== 'retryable' };
    }
    // A later save started another check: its answer is the one that counts.
    if (this.closed || this.running.get(system) !== seq) return null;
    const result = { at: Date.now(), ok: r.ok, message: this.deps.redact(r.message), lasting: !r.ok && r.lasting };
    this.results.set(system, result);
    this.deps.changed();
    return result;
  }

  /** Records a check the merchant ran by hand («Проверить подключение»). */
  record(system: SystemId, r: { ok: boolean; message: string }): void {
    this.results.set(system, { at: Date.now(), ok: r.ok, message: this.deps.redact(r.message), lasting: !r.ok });
    this.deps.changed();
  }

  latest(system: SystemId): CheckResult | null {
    return this.results.get(system) ?? null;
  }

  close(): void {
    this.closed = true;
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
  }
}

type SystemStatus = EngineStatus['systems'][number];

/**
 * One system's state: its pollers' last run and its last connection check, whichever is newer. A poller that
 * has not run since the check (or a check that failed after the last good sync) does not paint an old result.
 */
export function systemStatus(id: SystemId, configured: boolean, pollers: PollerStatus[], check: CheckResult | null): SystemStatus {
  const own = pollers.filter((p) => p.system === id && p.active);
  const lastOkAt = own.reduce<number | null>((m, p) => (p.lastOkAt !== null && (m === null || p.lastOkAt > m) ? p.lastOkAt : m), null);
  const lastRunAt = own.reduce<number | null>((m, p) => (p.lastRunAt !== null && (m === null || p.lastRunAt > m) ? p.lastRunAt : m), null);
  const pollError = own.find((p) => p.lastError)?.lastError ?? null;
  if (!configured) return { id, configured, lastOkAt: null, lastError: null };
  if (check?.lasting) return { id, configured, lastOkAt, lastError: check.message };
  if (check && (lastRunAt === null || check.at >= lastRunAt)) {
    return { id, configured, lastOkAt: check.ok ? check.at : lastOkAt, lastError: check.ok ? null : check.message };
  }
  return { id, configured, lastOkAt, lastError: pollError };
}
