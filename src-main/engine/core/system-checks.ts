import type { EngineStatus, PollerStatus } from '../../../src-shared/api.js';
import { asCheckMessage } from '../../../src-shared/check-wording.js';
import type { ConnectionTestTarget, SystemId } from '../../../src-shared/systems.js';
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

type Test = () => Promise<{ ok: boolean; message: string; detail?: string | null }>;

export interface SystemChecksDeps {
  /** The connection test of a system (or of the POS sale settings), if it has one. */
  test(target: ConnectionTestTarget): Test | undefined;
  configured(system: SystemId): boolean;
  redact(text: string): string;
  redactDetail(text: string | null): string | null;
  /** A result arrived: the status should be sent again. */
  changed(): void;
  /** How long to wait after a save before checking (several fields are often saved in a row). */
  settleMs?: number;
  /**
   * Where the last result of each system is kept, so a key without a right is still red after a restart (a
   * successful poll alone would not show it: a poll does not use every right the flows need).
   */
  store?: { read(system: SystemId): string | null; write(system: SystemId, value: string | null): void };
}

/** Which system a settings section or a secret belongs to. */
const systemOf: Record<string, SystemId> = { retailcrm: 'retailcrm', measoft: 'measoft', lifepos: 'lifepos' };

/**
 * The last real check of each system, run as soon as its settings are saved: a wrong address or a key without
 * rights shows on «Обзор» within seconds instead of at the next poll, and a fixed one stops showing the old error.
 * Together with the pollers' last runs it makes one answer per system: whichever happened last is the truth.
 */
export class SystemChecks {
  private readonly results = new Map<SystemId, CheckResult | null>();
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
    if (this.closed) return null;
    const test = this.deps.test(system);
    if (!test || !this.deps.configured(system)) {
      this.keep(system, null);
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
      r = { ok: false, message: asCheckMessage(e.message), lasting: e.kind !== 'retryable' };
    }
    // A later save started another check: its answer is the one that counts.
    if (this.closed || this.running.get(system) !== seq) return null;
    const result = { at: Date.now(), ok: r.ok, message: this.deps.redact(r.message), lasting: !r.ok && r.lasting };
    this.keep(system, result);
    this.deps.changed();
    return result;
  }

  /**
   * «Проверить подключение» in the wizard: the test's own words (redacted; a failed login may quote what was sent),
   * worded for a check, and kept as the system's latest result.
   */
  async testNow(target: ConnectionTestTarget): Promise<{ ok: boolean; message: string; detail: string | null }> {
    const system: SystemId = target === 'pos' ? 'lifepos' : target;
    const test = this.deps.test(target);
    if (!test) return { ok: false, message: 'Для этой системы проверка подключения пока недоступна.', detail: null };
    let out: { ok: boolean; message: string; detail: string | null };
    let lasting = true;
    try {
      const r = await test();
      out = { ok: r.ok, message: this.deps.redact(r.message), detail: this.deps.redactDetail(r.detail ?? null) };
    } catch (err) {
      const e = toSyncError(err, system);
      lasting = e.kind !== 'retryable';
      out = { ok: false, message: this.deps.redact(asCheckMessage(e.message)), detail: this.deps.redactDetail(e.detail) };
    }
    if (target === system && (system === 'retailcrm' || system === 'measoft' || system === 'lifepos') && !this.closed) {
      this.keep(system, { at: Date.now(), ok: out.ok, message: out.message, lasting: !out.ok && lasting });
      this.deps.changed();
    }
    return out;
  }

  latest(system: SystemId): CheckResult | null {
    if (!this.results.has(system)) this.results.set(system, this.stored(system));
    return this.results.get(system) ?? null;
  }

  private keep(system: SystemId, result: CheckResult | null): void {
    this.results.set(system, result);
    this.deps.store?.write(system, result ? JSON.stringify(result) : null);
  }

  private stored(system: SystemId): CheckResult | null {
    const raw = this.deps.store?.read(system);
    if (!raw) return null;
    try {
      const r = JSON.parse(raw) as Partial<CheckResult>;
      if (typeof r.at !== 'number' || typeof r.ok !== 'boolean' || typeof r.message !== 'string') return null;
      return { at: r.at, ok: r.ok, message: r.message, lasting: r.lasting === true };
    } catch {
      return null;
    }
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
