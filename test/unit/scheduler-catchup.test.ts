import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../src-main/engine/db/open.js';
import { Scheduler, type Poller } from '../../src-main/engine/jobs/scheduler.js';
import { openCore, waitFor, type Core } from './support.js';

const MINUTE = 60_000;

let core: Core;
let scheduler: Scheduler | null = null;

beforeEach(() => {
  core = openCore();
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = null;
  await core.close();
});

function poller(id: string, intervalMs: number, runs: string[]): Poller {
  return { id, title: `Опрос ${id}`, system: 'measoft', intervalMs, run: async () => void runs.push(id) };
}

/** The state a previous session left: when each poller last ran. */
function lastRan(id: string, at: number | null): void {
  sql(core.db, 'INSERT INTO pollers (id, last_run_at, last_ok_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET last_run_at = excluded.last_run_at, last_ok_at = excluded.last_ok_at').run(id, at, at);
}

describe('Scheduler after the computer was off', () => {
  it('a poller whose interval passed while Prilavok was off runs within seconds of the start, not somewhere in its interval', async () => {
    const now = Date.now();
    lastRan('measoft.changes', now - 30 * MINUTE); // off for half an hour, polling every 10 minutes
    lastRan('retailcrm.history', now - 20_000); // ran 20 s ago: not due yet
    const runs: string[] = [];
    // random 0.5: a plain start comes after half an interval.
    scheduler = new Scheduler(core.db, core.errors, core.events, core.log, core.redactor, () => 0.5);
    scheduler.register(poller('measoft.changes', 10 * MINUTE, runs));
    scheduler.register(poller('retailcrm.history', 10 * MINUTE, runs));
    scheduler.register(poller('fresh', 10 * MINUTE, runs));
    scheduler.start(false);

    const next = Object.fromEntries(scheduler.status().map((p) => [p.id, p.nextRunAt! - Date.now()]));
    expect(next['measoft.changes']).toBeLessThanOrEqual(3_000);
    // The others keep their rhythm: half an interval away.
    expect(next['retailcrm.history']).toBeGreaterThan(4 * MINUTE);
    expect(next['fresh']).toBeGreaterThan(4 * MINUTE);

    await waitFor(() => runs.length > 0, 'the overdue poller to run', 5_000);
    expect(runs).toEqual(['measoft.changes']);
    // After the catch-up, the next run is a whole interval away again.
    await waitFor(() => !scheduler!.status().find((p) => p.id === 'measoft.changes')!.running, 'the catch-up to end');
    const after = scheduler.status().find((p) => p.id === 'measoft.changes')!;
    expect(after.nextRunAt! - Date.now()).toBeGreaterThan(9 * MINUTE);
  });

  it('a paused engine catches up nothing on start', async () => {
    lastRan('measoft.changes', Date.now() - 30 * MINUTE);
    const runs: string[] = [];
    scheduler = new Scheduler(core.db, core.errors, core.events, core.log, core.redactor, () => 0);
    scheduler.register(poller('measoft.changes', 10 * MINUTE, runs));
    scheduler.start(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toEqual([]);
    expect(scheduler.status()[0]!.nextRunAt).toBeNull();
  });
});
