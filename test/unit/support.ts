import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorLog } from '../../src-main/engine/core/error-log.js';
import { Orders } from '../../src-main/engine/core/orders.js';
import { Timeline } from '../../src-main/engine/core/timeline.js';
import { openDatabase, type Db } from '../../src-main/engine/db/open.js';
import { EngineEvents } from '../../src-main/engine/events.js';
import { JobQueue } from '../../src-main/engine/jobs/queue.js';
import type { BackoffPolicy } from '../../src-main/engine/jobs/backoff.js';
import { createFileLogger, type Logger } from '../../src-main/engine/log.js';
import { Redactor } from '../../src-main/engine/redact.js';

/** A fresh directory under the system temp dir. */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'prilavok-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Polls `check` until it returns a truthy value; throws once the deadline passes. Always bounded. */
export async function waitFor<T>(check: () => T, what: string, timeoutMs = 2_000, everyMs = 5): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A promise the test opens by hand: a handler or poller waits on it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A settable clock for code that takes `now`. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; set: (t: number) => void; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (v) => (t = v), advance: (ms) => (t += ms) };
}

export interface Core {
  dir: string;
  file: string;
  db: Db;
  redactor: Redactor;
  events: EngineEvents;
  errors: ErrorLog;
  timeline: Timeline;
  orders: Orders;
  queue: JobQueue;
  log: Logger;
  logFile: string;
  close(): Promise<void>;
}

/**
 * The engine's core parts wired by hand on a real SQLite file in a temp dir, the way `Engine` wires them,
 * without the webhook server and scheduler.
 */
export function openCore(opts: { now?: () => number; backoff?: BackoffPolicy } = {}): Core {
  const dir = makeTempDir();
  const file = path.join(dir, 'prilavok.db');
  const db = openDatabase(file);
  const redactor = new Redactor();
  const events = new EngineEvents();
  const logFile = path.join(dir, 'logs', 'prilavok.log');
  const log = createFileLogger({ file: logFile, redactor, level: 'debug' });
  const errors = new ErrorLog(db, redactor, events);
  const timeline = new Timeline(db, redactor);
  const orders = new Orders(db);
  const queue = new JobQueue(db, events, opts.backoff, opts.now);
  return {
    dir,
    file,
    db,
    redactor,
    events,
    errors,
    timeline,
    orders,
    queue,
    log,
    logFile,
    async close() {
      if (db.open) db.close();
      await log.close();
      removeDir(dir);
    },
  };
}
