import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEffectServer } from '../fixtures/effect-server.js';
import { tempDir, waitFor } from '../helpers/temp.js';

const root = path.resolve(import.meta.dirname, '../..');

function startWorker(dataDir: string, serverUrl: string, leaseMs: number, count: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/job-worker.ts', dataDir, serverUrl, String(leaseMs), String(count)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

describe('crash safety', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a job killed mid-call runs again after its lease expires, and the remote side sees one effect per key', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const server = await startEffectServer();
    cleanups.push(() => server.close());
    const leaseMs = 1500;
    const count = 4;

    // Round one: the service performs every effect but never answers; we kill the worker while it waits.
    server.setHang(true);
    const first = startWorker(dir, server.url, leaseMs, count);
    cleanups.push(() => void first.kill('SIGKILL'));
    await waitFor(() => server.requests.size === count, 'all effects to be requested', 30_000);
    const killedAt = Date.now();
    first.kill('SIGKILL');
    await exited(first);

    // Round two: a fresh process over the same database; the service answers again.
    server.setHang(false);
    const second = startWorker(dir, server.url, leaseMs, count);
    cleanups.push(async () => {
      second.kill('SIGTERM');
      await exited(second);
    });
    const db = new Database(path.join(dir, 'prilavok.db'), { readonly: true });
    cleanups.push(() => void db.close());
    await waitFor(
      () => (db.prepare(`SELECT count(*) AS n FROM jobs WHERE state = 'done'`).get() as { n: number }).n === count,
      'all jobs done after restart',
      30_000,
    );

    // Exactly one effect per idempotency key, though every key was sent twice.
    expect(server.effects.size).toBe(count);
    for (let n = 1; n <= count; n++) {
      const sent = server.requests.get(`effect:${n}`) ?? [];
      expect(sent).toHaveLength(2);
      // The retry waited for the dead worker's lease to run out rather than racing it.
      expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(leaseMs - 50);
    }
    expect(Date.now() - killedAt).toBeLessThan(30_000);

    // The attempt log tells the story: one lost attempt, one done; the stored result is the service's first answer.
    const jobs = db.prepare(`SELECT id, idempotency_key, attempts, result FROM jobs ORDER BY id`).all() as Array<{
      id: number;
      idempotency_key: string;
      attempts: number;
      result: string;
    }>;
    expect(jobs).toHaveLength(count);
    for (const job of jobs) {
      expect(job.attempts).toBe(2);
      expect(JSON.parse(job.result)).toEqual({ id: server.effects.get(job.idempotency_key)!.id });
      const outcomes = (db.prepare('SELECT outcome FROM job_attempts WHERE job_id = ? ORDER BY id').all(job.id) as Array<{ outcome: string }>).map(
        (a) => a.outcome,
      );
      expect(outcomes).toEqual(['lost', 'done']);
    }
  }, 60_000);
});
