import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src-main/engine/errors.js';
import { Scheduler, type Poller, type PollerContext } from '../../src-main/engine/jobs/scheduler.js';
import { gate, openCore, sleep, waitFor, type Core } from './support.js';

let core: Core;
let scheduler: Scheduler;

beforeEach(() => {
  core = openCore();
  // random 0.5: no jitter, and the first run of a started scheduler comes after half an interval.
  scheduler = new Scheduler(core.db, core.errors, core.events, core.log, core.redactor, () => 0.5);
});
afterEach(async () => {
  await scheduler.stop();
  await core.close();
});

/** A poller that counts its runs and how many overlap; each run can be held open with a gate. */
function countingPoller(id: string, intervalMs: number, body?: (ctx: PollerContext, run: number) => Promise<void>) {
  const stats = { runs: 0, active: 0, maxActive: 0 };
  const poller: Poller = {
    id,
    title: `Опрос ${id}`,
    system: 'retailcrm',
    intervalMs,
    async run(ctx) {
      stats.runs++;
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      try {
        await body?.(ctx, stats.runs);
      } finally {
        stats.active--;
      }
    },
  };
  return { poller, stats };
}

const HOUR = 3600_000;

describe('Scheduler', () => {
  it('an inactive poller (system not set up) does not run, shows no «success», and starts running once it is set up', async () => {
    let configured = false;
    const { poller, stats } = countingPoller('lifepos.sales', 40);
    scheduler.register({ ...poller, active: () => configured });
    scheduler.start(false);
    await scheduler.syncNow('lifepos.sales');
    await sleep(150);
    expect(stats.runs).toBe(0);
    expect(scheduler.status()[0]).toMatchObject({ active: false, lastRunAt: null, lastOkAt: null, running: false });
    // Set up: the next interval picks it up on its own.
    configured = true;
    await waitFor(() => stats.runs >= 1, 'the first run once set up', 2_000);
    await waitFor(() => scheduler.status()[0]!.lastOkAt !== null, 'its success recorded', 2_000);
    expect(scheduler.status()[0]!.active).toBe(true);
  });

  it('«Синхронизировать сейчас» during a run asks for one more run after it, never a parallel one', async () => {
    const first = gate();
    const { poller, stats } = countingPoller('retailcrm.history', HOUR, (_ctx, run) => (run === 1 ? first.promise : sleep(30)));
    scheduler.register(poller);

    const running = scheduler.syncNow('retailcrm.history');
    await waitFor(() => stats.runs === 1, 'the first run to start');
    const pressedTwice = [scheduler.syncNow('retailcrm.history'), scheduler.syncNow()];
    await sleep(20);
    expect(stats).toMatchObject({ runs: 1, active: 1 });
    expect(scheduler.status()[0]?.running).toBe(true);

    first.open();
    await Promise.all([running, ...pressedTwice]);
    // The presses during the run are answered by the rerun, which has finished by now.
    expect(stats).toMatchObject({ runs: 2, active: 0, maxActive: 1 });
    await sleep(30);
    expect(stats.runs).toBe(2);
    expect(scheduler.status()[0]?.running).toBe(false);
  });

  it('runs on its interval once started, and a started scheduler waits part of an interval before the first run', async () => {
    const { poller, stats } = countingPoller('lifepos.payments', 40);
    scheduler.register(poller);
    scheduler.start(false);
    expect(stats.runs).toBe(0);
    expect(scheduler.status()[0]?.nextRunAt).toBeGreaterThan(Date.now());
    await waitFor(() => stats.runs >= 3, 'three runs on the interval');
    expect(stats.maxActive).toBe(1);
  });

  it('pause stops the timers; resume runs at once and goes back to the interval', async () => {
    const { poller, stats } = countingPoller('measoft.feed', 25);
    scheduler.register(poller);
    scheduler.start(false);
    await waitFor(() => stats.runs >= 2, 'two runs before pause');

    scheduler.pause();
    await waitFor(() => stats.active === 0, 'the current run to end');
    const atPause = stats.runs;
    expect(scheduler.isPaused).toBe(true);
    expect(scheduler.status()[0]?.nextRunAt).toBeNull();
    await sleep(120); // several intervals
    expect(stats.runs).toBe(atPause);

    scheduler.resume();
    await waitFor(() => stats.runs >= atPause + 2, 'runs after resume');
  });

  it('a scheduler started paused does not poll, but «sync now» still runs (the merchant asked for it)', async () => {
    const { poller, stats } = countingPoller('measoft.feed', 20);
    scheduler.register(poller);
    scheduler.start(true);
    await sleep(80);
    expect(stats.runs).toBe(0);
    await scheduler.syncNow('measoft.feed');
    expect(stats.runs).toBe(1);
    await sleep(60);
    expect(stats.runs).toBe(1);
  });

  it('a poller that keeps failing the same way shows its last error and writes one error-log entry, not one per run', async () => {
    let message = 'RetailCRM недоступен: соединение не установлено. Повторим автоматически.';
    let fail = true;
    scheduler.register({
      id: 'retailcrm.history',
      title: 'Изменения заказов RetailCRM',
      system: 'retailcrm',
      intervalMs: HOUR,
      run: async () => {
        if (fail) throw new SyncError({ kind: 'retryable', system: 'retailcrm', message, detail: 'ECONNREFUSED' });
      },
    });

    for (let i = 0; i < 3; i++) await scheduler.syncNow('retailcrm.history');
    expect(scheduler.status()[0]).toMatchObject({ lastError: message, lastOkAt: null });
    expect(core.errors.list({ limit: 10 })).toMatchObject([{ severity: 'warning', kind: 'retryable', system: 'retailcrm', message }]);

    message = 'RetailCRM отказал в доступе (HTTP 401). Проверьте ключ.';
    await scheduler.syncNow('retailcrm.history');
    await scheduler.syncNow('retailcrm.history');
    expect(core.errors.list({ limit: 10 }).map((e) => e.message)).toEqual([message, expect.stringMatching(/недоступен/)]);

    fail = false;
    const before = Date.now();
    await scheduler.syncNow('retailcrm.history');
    expect(scheduler.status()[0]?.lastError).toBeNull();
    expect(scheduler.status()[0]?.lastOkAt).toBeGreaterThanOrEqual(before);

    // The same problem coming back after a success is news again: while its entry is unread, that entry
    // counts it and shows when it happened last; once read, it would be a new entry.
    fail = true;
    const back = Date.now();
    await scheduler.syncNow('retailcrm.history');
    const entries = core.errors.list({ limit: 10 });
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ message, count: 2 });
    expect(entries[0]!.lastSeenAt).toBeGreaterThanOrEqual(back);
  });

  it('the cursor, last run and last error survive a restart', async () => {
    const seen: Array<string | null> = [];
    const make = (): Poller => ({
      id: 'retailcrm.history',
      title: 'Изменения заказов RetailCRM',
      system: 'retailcrm',
      intervalMs: HOUR,
      run: async (ctx) => {
        seen.push(ctx.cursor());
        core.db.transaction(() => ctx.setCursor(String(Number(ctx.cursor() ?? '100') + 5)))();
        if (seen.length === 2) throw new SyncError({ kind: 'retryable', message: 'Нет связи' });
      },
    });
    scheduler.register(make());
    await scheduler.syncNow();
    await scheduler.syncNow();
    const lastRunAt = scheduler.status()[0]?.lastRunAt;
    await scheduler.stop();

    const restarted = new Scheduler(core.db, core.errors, core.events, core.log, core.redactor, () => 0.5);
    restarted.register(make());
    expect(restarted.status()[0]).toMatchObject({ lastRunAt, lastError: 'Нет связи', running: false });
    await restarted.syncNow();
    await restarted.stop();
    expect(seen).toEqual([null, '105', '110']);
    expect(core.db.prepare('SELECT cursor FROM pollers WHERE id = ?').get('retailcrm.history')).toEqual({ cursor: '115' });
  });

  it('stop aborts a running poll and waits for it; a «sync now» pressed during it is dropped, not run after stop', async () => {
    let aborted = false;
    const { poller, stats } = countingPoller('measoft.feed', HOUR, (ctx) => {
      return new Promise<void>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    });
    scheduler.register(poller);
    void scheduler.syncNow();
    await waitFor(() => stats.runs === 1, 'the run to start');
    void scheduler.syncNow(); // asks for a rerun

    await scheduler.stop();
    expect(aborted).toBe(true);
    expect(stats.active).toBe(0);
    await sleep(30);
    expect(stats.runs).toBe(1);
  });

  it('refuses a poller registered twice and an unknown poller id', async () => {
    const { poller } = countingPoller('x', HOUR);
    scheduler.register(poller);
    expect(() => scheduler.register(poller)).toThrow(/twice/);
    expect(scheduler.has('x')).toBe(true);
    await expect(scheduler.syncNow('nope')).rejects.toThrow(/unknown poller/);
  });

  it('announces runs starting and ending, so the dashboard updates', async () => {
    let changes = 0;
    core.events.on('status.changed', () => changes++);
    scheduler.register(countingPoller('x', HOUR).poller);
    await scheduler.syncNow('x');
    expect(changes).toBeGreaterThanOrEqual(2);
  });
});
