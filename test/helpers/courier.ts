import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../src-main/engine/engine.js';
import { connectEngine, type Emulators } from '../emulators/courier-world.js';
import { makeOrders, type SeedOrder } from '../emulators/retailcrm/seed.js';

/** A fresh order as a manager creates it in RetailCRM: MeaSoft city delivery, cash on delivery. */
export function newCourierOrder(emu: Emulators, over: Partial<SeedOrder> = {}) {
  const [base] = makeOrders(1, { seed: Math.floor(Math.random() * 1e9), statuses: ['new'] });
  return emu.crm.createOrder(
    {
      ...base!,
      externalId: undefined,
      status: 'new',
      phone: '+7 916 555-12-34',
      delivery: {
        ...base!.delivery,
        code: 'measoft-city',
        address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
      ...over,
    },
    { source: 'user' },
  );
}

/**
 * Prepares a data directory as the setup wizard would (RetailCRM and MeaSoft pointed at the emulators, pollers
 * slow so only what a test sends happens) and returns the path of the RetailCRM trigger route, for a headless
 * Prilavok process to be started over it.
 */
export async function prepareCourierDataDir(dataDir: string, emu: Emulators): Promise<{ crmHookPath: string }> {
  const setup = await Engine.open({ dataDir, webhookPort: 0 });
  await connectEngine(setup, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  const secret = setup.secrets.get('webhook.retailcrm');
  await setup.stop(0);
  if (!secret) throw new Error('no RetailCRM webhook secret after setup');
  return { crmHookPath: `/hooks/retailcrm/${secret}` };
}

/** Sends what the RetailCRM «Отправка заказа в курьерскую службу» trigger sends. */
export async function sendCourierTrigger(webhooksUrl: string, hookPath: string, crmId: number): Promise<number> {
  const res = await fetch(`${webhooksUrl.replace(/\/$/, '')}${hookPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `id=${crmId}&status=send-to-delivery`,
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * What a clean close leaves behind: no write-ahead log waiting for recovery, and a database that passes
 * SQLite's integrity check when opened read-only (so nothing is recovered or rewritten by looking).
 */
export function databaseState(dataDir: string): { walLeft: boolean; walBytes: number; integrity: string } {
  const file = path.join(dataDir, 'prilavok.db');
  const wal = `${file}-wal`;
  const walLeft = fs.existsSync(wal);
  const walBytes = walLeft ? fs.statSync(wal).size : 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? '';
    return { walLeft, walBytes, integrity };
  } finally {
    db.close();
  }
}
