import type { SystemId } from '../../../src-shared/systems.js';
import type { PollerStatus } from '../../../src-shared/api.js';
import type { ErrorLog } from '../core/error-log.js';
import { type Db, sql } from '../db/open.js';
import { toSyncError } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log.js';
import type { Redactor } from '../redact.js';

export interface PollerContext {
  signal: AbortSignal;
  /** The poller's durable cursor (`sinceId`, a feed stream position…). */
  cursor(): string | null;
  /** Saves the cursor; call it inside the transaction that stores what the poll brought. */
  setCursor(value: string | null): void;
}

export interface Poller {
  id: string;
  /** For the merchant: «Изменения заказов RetailCRM». */
  title: string;
  system: SystemId;
  intervalMs: number;
  /** Share of the interval added or removed at random, so pollers do not line up (default 0.1). */
  jitter?: number;
  /**
   * Whether there is anything to poll (the system is set up and its flow switched on). An inactive poller is not
   * run at all, so the dashboard never shows a «successful sync» with a system nobody connected.
   */
  active?: () => boolean;
  /** How far a long piece of work spread over several runs has got, for the overview; null when none. */
  progress?: () => string | null;
  run(ctx: PollerContext): Promise<void>;
}

/** Overdue pollers run within this long after start, so they do not all fire in the same instant. */
const CATCH_UP_SPREAD_MS = 3_000;

interface State {
  poller: Poller;
  timer: NodeJS.Timeout | null;
  current: Promise<void> | null;
  abort: AbortController | null;
  /** «Sync now» pressed during a run: one more run right after, not a parallel one. */
  rerun: boolean;
  nextRunAt: number | null;
  lastRunAt: number | null;
  lastOkAt: number | null;
  lastError: string | null;
}

/**
 * Runs pollers on their intervals (with jitter), never two runs of the same poller at once; pause stops
 * the timers, «sync now» runs one or all at once. Last run, last success and last error are persisted so the
 * dashboard shows them after a restart.
 */
export class Scheduler {
  private readonly states = new Map<string, State>();
  private started = false;
  private paused = false;

  constructor(
    private readonly db: Db,
    private readonly errors: ErrorLog,
    private readonly events: EngineEvents,
    private readonly log: Logger,
    private readonly redactor: Redactor,
    private readonly random: () => number = Math.random,
  ) {}

  register(poller: Poller): void {
    if (this.states.has(poller.id)) throw new Error(`poller ${poller.id} registered twice`);
    sql(this.db, 'INSERT INTO pollers (id) VALUES (?) ON CONFLICT (id) DO NOTHING').run(poller.id);
    const row = sql(this.db, 'SELECT last_run_at, last_ok_at, last_error FROM pollers WHERE id = ?').get(poller.id) as {
      last_run_at: number | null;
      last_ok_at: number | null;
      last_error: string | null;
    };
    this.states.set(poller.id, {
      poller,
      timer: null,
      current: null,
      abort: null,
      rerun: false,
      nextRunAt: null,
      lastRunAt: row.last_run_at,
      lastOkAt: row.last_ok_at,
      lastError: row.last_error,
    });
    if (this.started && !this.paused) this.schedule(this.states.get(poller.id)!, 0);
  }

  start(paused: boolean): void {
    this.started = true;
    this.paused = paused;
    if (!paused) for (const s of this.states.values()) this.schedule(s, this.startDelay(s));
  }

  pause(): void {
    this.paused = true;
    for (const s of this.states.values()) this.clear(s);
    this.changed();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const s of this.states.values()) if (!s.current) this.schedule(s, 0);
    this.changed();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Runs now (even when paused: the merchant asked for it). Resolves when the run, and any rerun, ends. */
  async syncNow(id?: string): Promise<void> {
    const targets = id ? [this.states.get(id)].filter((s): s is State => !!s) : [...this.states.values()];
    if (id && targets.length === 0) throw new Error(`unknown poller ${id}`);
    await Promise.all(targets.map((s) => this.runOnce(s)));
  }

  has(id: string): boolean {
    return this.states.has(id);
  }

  status(): PollerStatus[] {
    return [...this.states.values()].map((s) => ({
      id: s.poller.id,
      title: s.poller.title,
      system: s.poller.system,
      intervalMs: s.poller.intervalMs,
      running: s.current !== null,
      active: s.poller.active ? s.poller.active() : true,
      lastRunAt: s.lastRunAt,
      lastOkAt: s.lastOkAt,
      lastError: s.lastError,
      nextRunAt: this.paused ? null : s.nextRunAt,
      progress: s.poller.progress ? s.poller.progress() : null,
    }));
  }

  /** A poller's saved cursor. */
  cursorOf(id: string): string | null {
    return (sql(this.db, 'SELECT cursor FROM pollers WHERE id = ?').get(id) as { cursor: string | null } | undefined)?.cursor ?? null;
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const s of this.states.values()) {
      this.clear(s);
      // A «sync now» pressed during the last run must not start a new run after the engine stopped.
      s.rerun = false;
      s.abort?.abort(new Error('engine stopping'));
    }
    await Promise.allSettled([...this.states.values()].map((s) => s.current));
  }

  private runOnce(s: State): Promise<void> {
    if (!s.current && s.poller.active && !s.poller.active()) {
      // Nothing to poll yet: look again at the next interval (settings may have changed by then).
      this.clear(s);
      if (this.started && !this.paused) this.schedule(s, this.delay(s.poller));
      this.changed();
      return Promise.resolve();
    }
    if (s.current) {
      s.rerun = true;
      // The caller wants a run that starts after this one: answer when that rerun (started in `finally`
      // before the current promise settles) has ended too.
      return s.current.then(() => s.current ?? undefined);
    }
    this.clear(s);
    const abort = new AbortController();
    s.abort = abort;
    s.lastRunAt = Date.now();
    const ctx: PollerContext = {
      signal: abort.signal,
      cursor: () =>
        (sql(this.db, 'SELECT cursor FROM pollers WHERE id = ?').get(s.poller.id) as { cursor: string | null } | undefined)
          ?.cursor ?? null,
      setCursor: (v) => sql(this.db, 'UPDATE pollers SET cursor = ? WHERE id = ?').run(v, s.poller.id),
    };
    s.current = (async () => {
      this.changed();
      try {
        await s.poller.run(ctx);
        s.lastOkAt = Date.now();
        s.lastError = null;
      } catch (err) {
        const e = toSyncError(err, s.poller.system);
        const message = this.redactor.redact(e.message);
        // One error-log entry per new problem: a poller failing every minute must not flood the log.
        if (message !== s.lastError) this.errors.record(e, { severity: 'warning' });
        s.lastError = message;
        this.log.warn('poller failed', { poller: s.poller.id, err: e.message, detail: e.detail });
      }
      try {
        sql(this.db, 'UPDATE pollers SET last_run_at = ?, last_ok_at = ?, last_error = ? WHERE id = ?').run(
          s.lastRunAt,
          s.lastOkAt,
          s.lastError,
          s.poller.id,
        );
      } catch (err) {
        // The run itself is done; losing its bookkeeping must not become an unhandled rejection.
        this.log.error('could not save poller state', { poller: s.poller.id, err });
      }
    })().finally(() => {
      s.current = null;
      s.abort = null;
      if (s.rerun) {
        s.rerun = false;
        void this.runOnce(s);
      } else if (this.started && !this.paused) {
        this.schedule(s, this.delay(s.poller));
      }
      this.changed();
    });
    return s.current;
  }

  /**
   * The first run after start. A poller whose interval already passed while Prilavok was off (the PC slept, say)
   * catches up at once, spread over a few seconds; the others start at a random point of their interval.
   */
  private startDelay(s: State): number {
    const overdue = s.lastRunAt !== null && Date.now() - s.lastRunAt >= s.poller.intervalMs;
    if (overdue) return Math.min(s.poller.intervalMs, CATCH_UP_SPREAD_MS) * this.random();
    return this.delay(s.poller) * this.random();
  }

  private delay(p: Poller): number {
    const j = p.jitter ?? 0.1;
    return Math.max(0, p.intervalMs * (1 + j * (2 * this.random() - 1)));
  }

  private schedule(s: State, ms: number): void {
    this.clear(s);
    s.nextRunAt = Math.round(Date.now() + ms);
    s.timer = setTimeout(() => void this.runOnce(s), ms);
    s.timer.unref();
  }

  private clear(s: State): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    s.nextRunAt = null;
  }

  private changed(): void {
    this.events.emit('status.changed', undefined);
  }
}
