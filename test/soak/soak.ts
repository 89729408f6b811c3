import Database from 'better-sqlite3';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../src-main/engine/engine.js';
import { addCourierTriggers, connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startAtolEmulator, type AtolEmulator } from '../emulators/atol/server.js';
import { makeSale } from '../emulators/leeloo/sender.js';
import { startLifePosEmulator, type LifePosEmulator } from '../emulators/lifepos/server.js';
import { makeOrders, rng as seededRng } from '../emulators/retailcrm/seed.js';
import { startHeadless, type Headless } from '../helpers/headless.js';
import { tempDir } from '../helpers/temp.js';

/*
 * The soak: a real headless Prilavok process with every emulator, orders for every flow arriving while the
 * process is SIGKILLed at random moments, and card payments paid and returned while it is down. At the end the
 * emulators' own state is counted: one courier order per courier order, one LIFE POS sale per shop order, one
 * RetailCRM order per Leeloo sale, one receipt per movement of money — and nothing left in the queue, nothing
 * asking the merchant for attention. Every loop is bounded in count and time; every server is on 127.0.0.1.
 */

export interface SoakOptions {
  /** Orders over all flows (split evenly). */
  orders: number;
  /** SIGKILLs during the run. */
  kills: number;
  seed?: number;
  /** How long the whole run may take before it gives up and reports what it has. */
  budgetMs?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  orders: Record<'courier' | 'pos' | 'fiscal' | 'leeloo', number>;
  /** Money movements made in RetailCRM (sales and returns of card payments, Leeloo sales). */
  movements: number;
  kills: number;
  /** Effects made more than once: a second courier order, sale, RetailCRM order or receipt for the same thing. */
  duplicates: number;
  /** Movements of money without their receipt. */
  missingReceipts: number;
  /** Other effects missing: courier orders, sales, Leeloo orders. */
  missingEffects: number;
  /** Jobs still queued, running or waiting to retry when everything should be done. */
  stuckJobs: number;
  /** Jobs and orders asking the merchant for attention although nothing was wrong. */
  falseAttention: number;
  elapsedMs: number;
  details: string[];
}

const METHOD = '5fa0c1d2e3f4a5b6c7d8e9f0';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface World {
  emu: Emulators;
  lp: LifePosEmulator;
  atol: AtolEmulator;
  dir: string;
  hookPort: number;
  crmHookPath: string;
  leelooHookPath: string;
  close(): Promise<void>;
}

async function prepareWorld(): Promise<World> {
  const { dir, cleanup } = tempDir('prilavok-soak-');
  const emu = await startEmulators();
  const lp = await startLifePosEmulator();
  const ip = lp.addLegalEntity({ inn: '772814390271', name: 'ИП Соколова' });
  lp.addOutlet({ name: 'Склад на Автозаводской', legalEntityGuid: ip, address: 'Москва, ул. Ленинская Слобода, 19' });
  const atol = await startAtolEmulator({ processingMs: 50, reportRatePerSec: 0 });
  const hookPort = await freePort();

  // Set up as the wizard would; the headless process then runs over this data directory.
  const setup = await Engine.open({ dataDir: dir, webhookPort: 0 });
  await connectEngine(setup, emu, { historyIntervalSec: 5, pollIntervalSec: 5 });
  setup.settings.update('lifepos', { url: lp.url, phone: '+7 999 000-00-01', orgGuid: lp.orgGuid, pollIntervalSec: 3600 });
  setup.settings.update('pos', { enabled: true, createStatuses: ['assembling'], cashPaymentType: 'cash', cardPaymentType: 'bank-card' });
  await setup.secrets.set('lifepos.password', 'owner-pass');
  setup.settings.update('kassa', {
    enabled: true,
    baseUrl: atol.url,
    login: 'v5-online-atol-ru',
    profiles: [{ id: 'shop', name: 'Касса', version: 'v5', groupCode: 'v5-online-atol-ru_5179', inn: '5544332219', sno: 'usn_income', email: 'kassa@prilavok.test', paymentAddress: 'https://v5.online.atol.ru', vat: 'none' }],
    crmPaymentTypes: { 'bank-card': 'shop' },
  });
  await setup.secrets.set('kassa.password', 'zUr0OxfI');
  setup.settings.update('leeloo', { enabled: true, paymentMethods: { [METHOD]: 'shop' }, paymentType: 'bank-card', paidStatus: 'paid' });
  const crmHookPath = `/hooks/retailcrm/${setup.secrets.get('webhook.retailcrm')!}`;
  const leelooHookPath = `/hooks/leeloo/${setup.secrets.get('webhook.leeloo')!}`;
  await setup.stop(0);

  const hookUrl = `http://127.0.0.1:${hookPort}${crmHookPath}`;
  addCourierTriggers(emu.crm, hookUrl);
  emu.crm.addTrigger({ name: 'Оплата', fields: ['payments.status', 'payments.amount'], url: hookUrl, params: { id: '{{ order.getId() }}' } });
  emu.crm.addTrigger({ name: 'Продажа в LIFE POS', fields: ['status'], when: (o) => o.status === 'assembling', url: hookUrl, params: { id: '{{ order.getId() }}', status: '{{ order.getStatus().getCode() }}' } });
  return {
    emu,
    lp,
    atol,
    dir,
    hookPort,
    crmHookPath,
    leelooHookPath,
    close: async () => {
      await emu.close();
      await lp.close();
      await atol.close();
      // SOAK_KEEP=1 keeps the data directory to look into after a failed run.
      if (process.env.SOAK_KEEP) console.log(`soak data directory kept: ${dir}`);
      else cleanup();
    },
  };
}

type Kind = 'courier' | 'pos' | 'fiscal' | 'leeloo';

interface Planned {
  kind: Kind;
  crmId: number | null;
  /** Leeloo order id (for a Leeloo sale). */
  leelooId?: string;
  paymentId?: number;
  /** Sales and refunds expected for the card payment. */
  sells: number;
  refunds: number;
  delivered?: boolean;
}

/** Runs the soak and counts the result from the emulators' state. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const started = Date.now();
  const budget = o.budgetMs ?? 150_000;
  const deadline = started + budget;
  const log = o.log ?? (() => {});
  const rnd = seededRng(o.seed ?? 1);
  const world = await prepareWorld();
  const { emu, lp, atol } = world;
  const env = { PRILAVOK_LEASE_MS: '1500', PRILAVOK_BACKOFF_MS: '100', PRILAVOK_WEBHOOK_PORT: String(world.hookPort) };
  let h: Headless | null = null;
  const details: string[] = [];
  let kills = 0;
  const start = async () => {
    h = await startHeadless({ dataDir: world.dir, token: 'soak', env });
  };
  try {
    await start();
    // Connected first, orders after: the first history poll sets where Prilavok starts reading.
    {
      const db = new Database(path.join(world.dir, 'prilavok.db'), { readonly: true });
      try {
        for (let i = 0; i < 200 && Date.now() < deadline; i++) {
          const row = db.prepare(`SELECT cursor FROM pollers WHERE id = 'retailcrm.history'`).get() as { cursor: string | null } | undefined;
          if (row?.cursor != null) break;
          await sleep(100);
        }
      } finally {
        db.close();
      }
    }
    const planned: Planned[] = [];
    const kinds: Kind[] = ['courier', 'pos', 'fiscal', 'leeloo'];
    const leelooUrl = () => `http://127.0.0.1:${world.hookPort}${world.leelooHookPath}`;
    const pendingSales: Array<{ event: unknown; tries: number }> = [];

    const create = (i: number) => {
      const kind = kinds[i % kinds.length]!;
      const [base] = makeOrders(1, { seed: (o.seed ?? 1) * 100_000 + i, statuses: ['new'] });
      const common = { ...base!, externalId: undefined, status: 'new', email: `buyer${i}@example.ru`, phone: '+7 916 555-12-34' };
      if (kind === 'courier') {
        const order = emu.crm.createOrder(
          {
            ...common,
            delivery: { ...base!.delivery, code: 'measoft-city', address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' } },
            payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
          } as never,
          { source: 'user' },
        );
        emu.crm.editOrder(order.id, { status: 'send-to-delivery' }, { source: 'user' });
        planned.push({ kind, crmId: order.id, sells: 0, refunds: 0 });
      } else if (kind === 'pos') {
        const order = emu.crm.createOrder({ ...common, shipmentStore: 'main', payments: [], delivery: { ...base!.delivery, code: 'self-delivery' } } as never, { source: 'user' });
        emu.crm.editOrder(order.id, { status: 'assembling' }, { source: 'user' });
        planned.push({ kind, crmId: order.id, sells: 0, refunds: 0 });
      } else if (kind === 'fiscal') {
        const order = emu.crm.createOrder({ ...common, payments: [{ type: 'bank-card', amount: 0, status: 'not-paid' }] } as never, { source: 'user' });
        const p = emu.crm.getOrder(order.id)!.payments[0]!;
        emu.crm.editPayment(p.id!, { status: 'paid', amount: emu.crm.getOrder(order.id)!.totalSumm }, { source: 'user' });
        planned.push({ kind, crmId: order.id, paymentId: p.id!, sells: 1, refunds: 0 });
      } else {
        const event = makeSale({ seed: (o.seed ?? 1) * 100_000 + i, paymentMethod: METHOD, price: 990 + (i % 7) * 100 });
        pendingSales.push({ event, tries: 0 });
        planned.push({ kind, crmId: null, leelooId: String((event.data as { order_id: string }).order_id), sells: 1, refunds: 0 });
      }
    };
    /** Leeloo keeps resending a batch that was not taken (the process was down); bounded tries. */
    const sendSales = async () => {
      for (const s of pendingSales.splice(0)) {
        try {
          const res = await fetch(leelooUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [s.event] }), signal: AbortSignal.timeout(5_000) });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(String(res.status));
        } catch {
          if (++s.tries < 200) pendingSales.push(s);
          else details.push('a Leeloo sale was never accepted');
        }
      }
    };
    /** A card payment returned (and sometimes paid again): each is a movement that needs its receipt. */
    const moveMoney = (when: 'running' | 'killed') => {
      const candidates = planned.filter((p) => p.kind === 'fiscal' && p.sells > p.refunds && p.sells + p.refunds < 4);
      if (!candidates.length) return;
      const p = candidates[Math.floor(rnd() * candidates.length)]!;
      emu.crm.editPayment(p.paymentId!, { status: 'returned' }, { source: 'user' });
      p.refunds++;
      if (rnd() < 0.5) {
        emu.crm.editPayment(p.paymentId!, { status: 'paid' }, { source: 'user' });
        p.sells++;
      }
      void when;
    };

    // Kills spread over the creation phase, each at a random moment of its slice.
    const creationMs = Math.max(4_000, Math.min(budget / 3, o.orders * 120));
    const killAt = Array.from({ length: o.kills }, (_, k) => started + ((k + rnd()) * creationMs) / Math.max(1, o.kills)).sort((a, b) => a - b);
    const perOrderMs = creationMs / Math.max(1, o.orders);
    for (let i = 0; i < o.orders && Date.now() < deadline; i++) {
      create(i);
      if (i % 5 === 4) moveMoney('running');
      await sendSales();
      if (killAt.length && Date.now() >= killAt[0]!) {
        killAt.shift();
        await h!.stop('SIGKILL');
        kills++;
        // While Prilavok is down: money moves back and forth, orders keep coming.
        moveMoney('killed');
        moveMoney('killed');
        await sleep(200 + Math.floor(rnd() * 800));
        await start();
      }
      await sleep(perOrderMs);
    }
    while (killAt.length && kills < o.kills && Date.now() < deadline) {
      killAt.shift();
      await h!.stop('SIGKILL');
      kills++;
      moveMoney('killed');
      await sleep(300);
      await start();
    }
    log(`created ${planned.length} orders, ${kills} kills, ${Math.round((Date.now() - started) / 1000)} s`);

    // Everything should now settle: read the emulators and the database until it has, or the budget ends.
    const db = new Database(path.join(world.dir, 'prilavok.db'), { readonly: true });
    try {
      const queueLeft = () =>
        (db.prepare(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running', 'retrying')`).get() as { n: number }).n +
        (db.prepare(`SELECT count(*) AS n FROM inbox WHERE state = 'new'`).get() as { n: number }).n;
      let result = count();
      for (let round = 0; Date.now() < deadline && round < 10_000; round++) {
        await sendSales();
        result = count();
        if (result.missing + result.missingReceipts === 0 && queueLeft() === 0 && pendingSales.length === 0) {
          // Settled once; a last look a moment later makes sure nothing more is coming.
          await sleep(1_500);
          result = count();
          if (queueLeft() === 0) break;
        }
        await sleep(1_000);
      }
      const stuck = db.prepare(`SELECT kind, state, last_error FROM jobs WHERE state IN ('queued', 'running', 'retrying')`).all() as Array<{ kind: string; state: string; last_error: string | null }>;
      const attention = db.prepare(`SELECT kind, state, last_error FROM jobs WHERE state IN ('attention', 'dead')`).all() as Array<{ kind: string; state: string; last_error: string | null }>;
      const attentionOrders = (db.prepare(`SELECT count(*) AS n FROM orders WHERE attention = 1`).get() as { n: number } | undefined)?.n ?? 0;
      for (const j of [...stuck, ...attention].slice(0, 20)) details.push(`job ${j.kind} ${j.state}: ${j.last_error ?? ''}`);
      details.push(...result.notes.slice(0, 40));
      const cursor = (db.prepare(`SELECT cursor FROM pollers WHERE id = 'retailcrm.history'`).get() as { cursor: string | null } | undefined)?.cursor;
      details.push(`RetailCRM history: ${emu.crm.history().length} records, Prilavok's cursor ${cursor ?? '—'}`);
      const movements = planned.reduce((s, p) => s + p.sells + p.refunds, 0);
      return {
        orders: {
          courier: planned.filter((p) => p.kind === 'courier').length,
          pos: planned.filter((p) => p.kind === 'pos').length,
          fiscal: planned.filter((p) => p.kind === 'fiscal').length,
          leeloo: planned.filter((p) => p.kind === 'leeloo').length,
        },
        movements,
        kills,
        duplicates: result.duplicates,
        missingReceipts: result.missingReceipts,
        missingEffects: result.missing,
        stuckJobs: stuck.length + pendingSales.length,
        falseAttention: attention.length + attentionOrders,
        elapsedMs: Date.now() - started,
        details,
      };
    } finally {
      db.close();
    }

    /** Counts every effect from the emulators' own state against what was planned. */
    function count() {
      const notes: string[] = [];
      let duplicates = 0;
      let missing = 0;
      let missingReceipts = 0;
      const msByNumber = new Map<string, number>();
      for (const m of emu.ms.orders()) {
        const base = m.orderno.replace(/-\d+$/, '');
        msByNumber.set(base, (msByNumber.get(base) ?? 0) + 1);
      }
      const salesByNumber = new Map<string, number>();
      for (const s of lp.sales()) {
        const base = s.number.replace(/-\d+$/, '');
        salesByNumber.set(base, (salesByNumber.get(base) ?? 0) + 1);
      }
      // Receipts the register holds (failed documents are not receipts), per order and operation.
      const receipts = new Map<string, number>();
      const byKey = new Map<string, number>();
      for (const d of atol.documents()) {
        if (d.status === 'fail') continue;
        const key = d.externalId.replace(/:r\d+$/, '');
        byKey.set(key, (byKey.get(key) ?? 0) + 1);
        const m = /^receipt:(sell|sell_refund):retailcrm:(\d+):/.exec(key);
        if (m) receipts.set(`${m[2]}:${m[1]}`, (receipts.get(`${m[2]}:${m[1]}`) ?? 0) + 1);
      }
      for (const [key, n] of byKey) {
        if (n > 1) {
          duplicates += n - 1;
          notes.push(`receipt ${key} registered ${n} times`);
        }
      }
      // One read of the emulator's orders per count: the emulator must not be starved by the counting.
      const crmOrders = emu.crm.orders();
      const crmById = new Map(crmOrders.map((c) => [c.id, c]));
      const crmByExternal = new Map<string, number>();
      const leelooCrmId = new Map<string, number>();
      for (const c of crmOrders) {
        if (!c.externalId) continue;
        crmByExternal.set(c.externalId, (crmByExternal.get(c.externalId) ?? 0) + 1);
        leelooCrmId.set(c.externalId, c.id);
      }
      for (const p of planned) {
        let crmId = p.crmId;
        if (p.kind === 'leeloo') {
          const n = crmByExternal.get(`leeloo-${p.leelooId}`) ?? 0;
          if (n > 1) duplicates += n - 1;
          if (n === 0) {
            missing++;
            missingReceipts += p.sells;
            continue;
          }
          crmId = leelooCrmId.get(`leeloo-${p.leelooId}`)!;
        }
        const number = crmById.get(crmId!)!.number;
        if (p.kind === 'courier') {
          const n = msByNumber.get(number) ?? 0;
          if (n !== 1) notes.push(`courier order ${number}: ${n} MeaSoft orders`);
          if (n > 1) duplicates += n - 1;
          if (n === 0) missing++;
        }
        if (p.kind === 'pos') {
          const n = salesByNumber.get(number) ?? 0;
          if (n !== 1) notes.push(`shop order ${number}: ${n} LIFE POS sales`);
          if (n > 1) duplicates += n - 1;
          if (n === 0) missing++;
        }
        for (const [op, want] of [['sell', p.sells], ['sell_refund', p.refunds]] as const) {
          const got = receipts.get(`${crmId}:${op}`) ?? 0;
          if (got !== want) notes.push(`order ${number} (${p.kind}): ${got} ${op} receipts, ${want} movements`);
          if (got > want) duplicates += got - want;
          if (got < want) missingReceipts += want - got;
        }
      }
      return { duplicates, missing, missingReceipts, notes };
    }
  } finally {
    if (h) await (h as Headless).stop('SIGTERM');
    await world.close();
  }
}
