import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Engine } from '../src-main/engine/engine.js';
import { connectEngine, startEmulators } from '../test/emulators/courier-world.js';
import { makeOrders } from '../test/emulators/retailcrm/seed.js';
import { startHeadless, type Headless } from '../test/helpers/headless.js';
import { tempDir } from '../test/helpers/temp.js';
import type { Figure } from './run.js';

const root = path.resolve(import.meta.dirname, '..');
const ORDERS = 10_000;
const token = 'bench-memory-token-0123456789';

/** Resident memory of a process, MB (Linux /proc, else `ps`). */
export function rssOf(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (fs.existsSync(status)) return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(status, 'utf8'))![1]) / 1024;
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim()) / 1024;
}

/** The median of a few samples over `ms`, after the process had `settleMs` to calm down. */
async function settledRss(pid: number, settleMs = 3000, ms = 2000): Promise<number> {
  await new Promise((r) => setTimeout(r, settleMs));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssOf(pid));
    await new Promise((r) => setTimeout(r, ms / 5));
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/**
 * One API call on a connection of its own: this process blocks its event loop for seconds while it edits
 * 10,000 orders in the emulator, long enough for the engine to close an idle kept-alive connection that the
 * client would then reuse unaware.
 */
function api(h: Headless, method: string, body: unknown = {}): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: h.uiPort, path: `/api/${method}`, method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(200) : reject(new Error(`${method}: HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

function count(dir: string, query: string): number {
  const db = new Database(path.join(dir, 'prilavok.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(query).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The engine's resident memory as the merchant's computer sees it: the built headless process (engine, bridge,
 * window server) on its own. Idle with an empty store, then after catching up with 10,000 orders changed in
 * RetailCRM while it was not looking (10,000 history records, read back through the emulator).
 */
export async function benchMemory(): Promise<Figure[]> {
  execFileSync(process.execPath, ['scripts/build.mjs', 'headless'], { cwd: root, stdio: 'inherit' });

  const idle = tempDir('prilavok-bench-');
  const fresh = await startHeadless({ dataDir: idle.dir, token, built: true });
  const idleMb = await settledRss(fresh.child.pid!);
  await fresh.stop();
  idle.cleanup();

  const { dir, cleanup } = tempDir('prilavok-bench-');
  const emu = await startEmulators({ crm: { rateLimit: 0 } });
  const ids = makeOrders(ORDERS, { seed: 13, statuses: ['new', 'client-confirmed'] }).map(
    (o) => emu.crm.createOrder({ ...o, externalId: undefined } as never, { source: 'user' }).id,
  );
  // Set up as the wizard would, then hand the data directory to the headless process.
  const setup = await Engine.open({ dataDir: dir, webhookPort: 0 });
  await connectEngine(setup, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600, courier: { enabled: false } });
  await setup.stop();

  const h = await startHeadless({ dataDir: dir, token, built: true });
  let catchUpMb: number;
  let peakMb = 0;
  try {
    await api(h, 'engine.syncNow', { pollerId: 'retailcrm.history' });
    await until('the history cursor', () => count(dir, `SELECT count(*) AS n FROM pollers WHERE id = 'retailcrm.history' AND cursor IS NOT NULL`) === 1, 60_000);
    for (const id of ids) emu.crm.editOrder(id, { status: 'assembled' }, { source: 'user' });
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssOf(h.child.pid!))), 100);
    const started = performance.now();
    await api(h, 'engine.syncNow', { pollerId: 'retailcrm.history' });
    await until(`${ORDERS} orders caught up`, () => count(dir, `SELECT count(*) AS n FROM orders WHERE crm_status = 'assembled'`) === ORDERS, 300_000);
    clearInterval(sampler);
    console.error(`memory: catch-up of ${ORDERS} orders took ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB`);
    // Long enough for the engine's periodic look at its heap (every 10 s) to have happened.
    catchUpMb = await settledRss(h.child.pid!, 12_000);
  } finally {
    await h.stop();
    await emu.close();
    cleanup();
  }
  console.error(`memory: idle ${idleMb.toFixed(1)} MB, after catch-up ${catchUpMb.toFixed(1)} MB`);
  return [
    { id: 'engine.rss_idle_mb', value: idleMb, unit: 'MB' },
    { id: 'engine.rss_10k_orders_mb', value: catchUpMb, unit: 'MB' },
  ];
}
