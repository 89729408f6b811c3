import { z } from 'zod';
import { sql, type Db } from '../../db/open.js';
import { SyncError, toSyncError } from '../../errors.js';
import type { Engine } from '../../engine.js';
import type { Connections } from '../../connectors/connections.js';
import { crmOrderSchema, fromKopecks, toKopecks, type CrmOrder } from '../../connectors/retailcrm/index.js';
import { parseLifePosNotification, paymentsOf, wireToKopecks, type LpMe, type LpRole, type LpSale } from '../../connectors/lifepos/index.js';
import { contentId } from '../../jobs/inbox.js';
import type { PollerContext } from '../../jobs/scheduler.js';
import { crmOrderRef, type CrmSync } from '../crm-sync.js';
import { crmCourierId, decidePos, saleTotalProblem, toSaleInput, type PosRowView } from './mapping.js';
import { outletForOrder, siteOutlets, storeOutlets, type OutletChoice, type SiteOutlets, type StoreOutlet } from './outlets.js';

export const LIFEPOS_POLLER = 'lifepos.sales';
export const LIFEPOS_WEBHOOK_SOURCE = 'lifepos';
const REFS_TTL_MS = 5 * 60_000;

interface Row {
  order_id: number;
  crm_id: number;
  crm_number: string;
  state: PosRowView['state'];
  sale_guid: string | null;
  outlet_guid: string | null;
  store_code: string | null;
  courier_guid: string | null;
  lp_state: string | null;
  lp_payment_status: string | null;
  generation: number;
}

/** Every RetailCRM site and store with the LIFE POS outlet its orders go to (the wizard and the connection test). */
export interface OutletMap {
  sites: SiteOutlets[];
  stores: StoreOutlet[];
}

/** Sales read per poll at most; the newest first, so a server that ignores the filter still gives the fresh ones. */
const POLL_MAX_PAGES = 10;

const STATE_TITLES: Record<string, string> = { New: 'Новая продажа', InProgress: 'В работе', Completed: 'Завершена', Cancelled: 'Отменена' };
const PAY_TITLES: Record<string, string> = { NotPaid: 'не оплачена', Paid: 'оплачена', PartiallyPaid: 'оплачена частично', Refunded: 'возврат', PartiallyRefunded: 'частичный возврат' };

function chipFor(sale: Pick<LpSale, 'state' | 'paymentStatus'>): { state: string; label: string; attention: boolean } {
  const st = sale.state ?? 'New';
  const pay = sale.paymentStatus ? PAY_TITLES[sale.paymentStatus] : null;
  return { state: st, label: `${STATE_TITLES[st] ?? st}${pay ? `, ${pay}` : ''}`, attention: false };
}

/** The RetailCRM key's rights the flow needs, with the names RetailCRM shows in the key's settings. */
const POS_SCOPES: Record<string, string> = {
  order_read: 'Заказы — получение',
  order_write: 'Заказы — редактирование',
  customer_read: 'Клиенты — получение',
  reference_read: 'Справочники — получение',
  user_read: 'Пользователи — получение',
  task_write: 'Задачи — редактирование',
};

const ROLE_TITLES: Record<string, string> = { Owner: 'Владелец', Administrator: 'Администратор', Admin: 'Администратор', Manager: 'Менеджер', Cashier: 'Кассир', Courier: 'Курьер', Guest: 'Гость' };
const roleTitle = (role: string): string => ROLE_TITLES[role] ?? role;

const orderPayload = z.object({ crmId: z.number().int().positive(), order: z.unknown() });
const crmIdPayload = z.object({ crmId: z.number().int().positive() });

/**
 * RetailCRM ↔ LIFE POS, as the vendor's connector does it and a merchant expects: the creating status makes one
 * sale (its number is the RetailCRM order number, so a repeat is adopted), closing cancels an unpaid sale and
 * refuses a paid one with a clear message, a returned payment refunds; outlets come from the store's legal
 * entity INN; each courier becomes one employee with one mobile workplace; payments taken in LIFE POS come back
 * as RetailCRM payments; every problem becomes one RetailCRM task for the configured group.
 */
export class PosFlow {
  private refs: { at: number; key: string; map: OutletMap } | null = null;
  private readonly courierLocks = new Map<number, Promise<{ employeeGuid: string; workplaceGuid: string }>>();

  constructor(
    private readonly engine: Engine,
    private readonly connections: Connections,
  ) {}

  async install(crm: CrmSync): Promise<void> {
    const e = this.engine;
    crm.addReconciler('pos', (order, localId, db) => this.reconcile(order, localId, db));

    e.runner.register({ kind: 'lifepos.createSale', connector: 'lifepos', title: 'Создание продажи в LIFE POS', payload: orderPayload, run: (ctx) => this.createSale(ctx.payload, ctx.signal, ctx.note) });
    e.runner.register({ kind: 'lifepos.closeSale', connector: 'lifepos', title: 'Отмена продажи в LIFE POS', payload: crmIdPayload, run: (ctx) => this.closeSale(ctx.payload.crmId, ctx.signal, ctx.note) });
    e.runner.register({ kind: 'lifepos.refundSale', connector: 'lifepos', title: 'Возврат продажи в LIFE POS', payload: crmIdPayload, run: (ctx) => this.refundSale(ctx.payload.crmId, ctx.signal, ctx.note) });
    e.runner.register({
      kind: 'lifepos.moveOutlet',
      connector: 'lifepos',
      title: 'Смена торговой точки в LIFE POS',
      payload: z.object({ crmId: z.number().int().positive(), store: z.string(), site: z.string().optional() }),
      run: (ctx) => this.moveOutlet(ctx.payload.crmId, ctx.payload.store, ctx.payload.site ?? null, ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'lifepos.syncSale',
      connector: 'lifepos',
      title: 'Чтение продажи из LIFE POS',
      payload: z.object({ guid: z.string() }),
      run: async (ctx) => {
        const sale = await this.connections.lifepos().getSale(ctx.payload.guid, { signal: ctx.signal });
        if (!sale) return { result: { missing: true } };
        ctx.note({ received: { number: sale.number, state: sale.state, payment: sale.paymentStatus } });
        return { commit: (db: Db) => void this.applySale(sale, db) };
      },
    });
    e.runner.register({
      kind: 'lifepos.readPayments',
      connector: 'lifepos',
      title: 'Чтение оплат продажи из LIFE POS',
      payload: z.object({ guid: z.string(), saleTotal: z.number().nullable().optional() }),
      run: (ctx) => this.readPayments(ctx.payload, ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'retailcrm.posPayment',
      connector: 'retailcrm',
      title: 'Оплата из LIFE POS в RetailCRM',
      // `saleTotal` and `amount`: the sale's total and the payment as LIFE POS sent them (wire unit), for the
      // money-unit check and so a corrected unit setting applies when the held payment is retried.
      payload: z.object({
        crmId: z.number().int().positive(),
        paymentGuid: z.string(),
        type: z.string(),
        kopecks: z.number().int(),
        saleTotal: z.number().nullable().optional(),
        amount: z.number().nullable().optional(),
      }),
      run: (ctx) => this.writePayment(ctx.payload, ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'retailcrm.posStatus',
      connector: 'retailcrm',
      title: 'Статус из LIFE POS в RetailCRM',
      payload: z.object({ crmId: z.number().int().positive(), status: z.string() }),
      run: async (ctx) => {
        ctx.note({ sent: { status: ctx.payload.status } });
        await this.connections.retailcrm().orderEdit(ctx.payload.crmId, 'id', { status: ctx.payload.status }, undefined, { signal: ctx.signal });
        return { commit: () => void this.engine.orders.upsert({ ref: crmOrderRef(ctx.payload.crmId), number: this.row(ctx.payload.crmId)?.crm_number ?? String(ctx.payload.crmId), crmStatus: ctx.payload.status }) };
      },
    });
    e.runner.register({
      kind: 'retailcrm.task',
      connector: 'retailcrm',
      title: 'Задача в RetailCRM о проблеме',
      payload: z.object({ crmId: z.number().int().positive(), text: z.string(), commentary: z.string() }),
      run: (ctx) => this.createTask(ctx.payload, ctx.signal, ctx.note),
    });

    const settings = e.settings;
    e.scheduler.register({
      id: LIFEPOS_POLLER,
      title: 'Продажи и оплаты LIFE POS',
      system: 'lifepos',
      get intervalMs() {
        return settings.get('lifepos').pollIntervalSec * 1000;
      },
      active: () => this.engine.settings.get('pos').enabled && this.connections.lifeposConfigured(),
      run: (ctx) => this.pollSales(ctx),
    });

    await e.addWebhookRoute({
      source: LIFEPOS_WEBHOOK_SOURCE,
      system: 'lifepos',
      toInbox: (req) => {
        const n = parseLifePosNotification(req.body);
        // A fiscal receipt is not a sale: nothing to look up (its payment comes as its own notification).
        if (n && !n.guid && n.event && /^Fiscal/.test(n.event)) return [];
        if (!n?.guid) {
          throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: 'Уведомление LIFE POS без продажи: сохранено в журнале, продажи перечитаются по расписанию.', detail: req.rawBody.toString('utf8').slice(0, 500) });
        }
        return [{ source: LIFEPOS_WEBHOOK_SOURCE, externalId: contentId(req.rawBody), kind: n.event ?? 'sale.updated', payload: { guid: n.guid, number: n.number ?? null } }];
      },
    });
    e.inbox.handle(LIFEPOS_WEBHOOK_SOURCE, 'lifepos', (item) => {
      const { guid } = item.payload as { guid: string };
      e.queue.enqueue({ kind: 'lifepos.syncSale', connector: 'lifepos', key: `lp:sync:${guid}:${item.id}`, payload: { guid } });
    });

    // Every problem with an order becomes one RetailCRM task for the configured group — one per order and
    // problem, however many retries or repeats.
    e.events.on('errors.logged', (entry) => {
      if (!entry.orderId || !entry.jobId || (entry.system !== 'lifepos' && entry.kind === 'retryable')) return;
      const job = e.queue.get(entry.jobId);
      if (!job || !(job.kind.startsWith('lifepos.') || job.kind.startsWith('retailcrm.pos'))) return;
      const row = sql(e.db, 'SELECT crm_id, crm_number FROM pos_sales WHERE order_id = ?').get(entry.orderId) as { crm_id: number; crm_number: string } | undefined;
      if (!row || !e.settings.get('pos').taskUserGroup) return;
      e.queue.enqueue({
        kind: 'retailcrm.task',
        connector: 'retailcrm',
        key: `crm:task:${entry.orderId}:${job.kind}`,
        payload: { crmId: row.crm_id, text: `Прилавок: заказ №${row.crm_number} — ${entry.message}`.slice(0, 250), commentary: entry.message },
        orderId: entry.orderId,
      });
    });

    e.connectionTests.set('lifepos', () => this.testConnection());
    e.connectionTests.set('pos', () => this.testSaleSettings());
  }

  private row(crmId: number): Row | null {
    return (sql(this.engine.db, 'SELECT * FROM pos_sales WHERE crm_id = ?').get(crmId) as Row | undefined) ?? null;
  }

  // ── decisions ─────────────────────────────────────────────────────────────────────────────────────────

  private reconcile(order: CrmOrder, localId: number, db: Db): void {
    const s = this.engine.settings.get('pos');
    const row = this.row(order.id);
    const d = decidePos(order, row ? { state: row.state, storeCode: row.store_code } : null, s);
    const q = this.engine.queue;
    switch (d.kind) {
      case 'create': {
        const generation = row ? row.generation + 1 : 1;
        sql(db, `INSERT INTO pos_sales (order_id, crm_id, crm_number, state, store_code, generation, updated_at) VALUES (?, ?, ?, 'creating', ?, ?, ?)
                 ON CONFLICT (crm_id) DO UPDATE SET state = 'creating', sale_guid = NULL, generation = excluded.generation, store_code = excluded.store_code, updated_at = excluded.updated_at`)
          .run(localId, order.id, order.number, order.shipmentStore ?? null, generation, Date.now());
        // The order as just read travels with the job: no second read of RetailCRM for the sale.
        q.enqueue({ kind: 'lifepos.createSale', connector: 'lifepos', key: `lifepos:create:${order.id}:${generation}`, payload: { crmId: order.id, order }, orderId: localId });
        this.engine.orders.setChip(localId, 'lifepos', { state: 'creating', label: 'Создаётся', attention: false });
        break;
      }
      case 'retryCreate': {
        const job = q.byKey(`lifepos:create:${order.id}:${row!.generation}`);
        if (job && (job.state === 'attention' || job.state === 'dead')) {
          sql(db, `UPDATE jobs SET payload = ? WHERE id = ?`).run(JSON.stringify({ crmId: order.id, order }), job.id);
          if (q.retry(job.id)) this.engine.orders.refreshAttention(localId);
        }
        break;
      }
      case 'close':
        q.enqueue({ kind: 'lifepos.closeSale', connector: 'lifepos', key: `lifepos:close:${order.id}:${row!.generation}`, payload: { crmId: order.id }, orderId: localId });
        break;
      case 'refund':
        q.enqueue({ kind: 'lifepos.refundSale', connector: 'lifepos', key: `lifepos:refund:${order.id}:${row!.generation}`, payload: { crmId: order.id }, orderId: localId });
        break;
      case 'moveOutlet':
        q.enqueue({ kind: 'lifepos.moveOutlet', connector: 'lifepos', key: `lifepos:outlet:${order.id}:${d.store}`, payload: { crmId: order.id, store: d.store, site: order.site }, orderId: localId });
        break;
      case 'none':
        break;
    }
  }

  // ── outlets: site → its legal entity's INN → that legal entity's outlets in LIFE POS ─────────────────────

  private outletChoice(): OutletChoice {
    const pos = this.engine.settings.get('pos');
    return { byStore: pos.outletByStore, bySite: pos.outletBySite };
  }

  /** Every site and store with its INN and outlet, from both accounts' references (cached a few minutes). */
  async outletMap(refresh = false, signal?: AbortSignal): Promise<OutletMap> {
    const choice = this.outletChoice();
    const key = JSON.stringify([this.engine.settings.get('retailcrm'), this.engine.settings.get('lifepos'), choice]);
    if (!refresh && this.refs && this.refs.key === key && Date.now() - this.refs.at < REFS_TTL_MS) return this.refs.map;
    const crm = this.connections.retailcrm();
    const lp = this.connections.lifepos();
    const opts = signal ? { signal } : {};
    const [sites, stores, crmLegalEntities, lpLegalEntities, outlets] = await Promise.all([crm.sites(opts), crm.stores(opts), crm.legalEntities(opts), lp.legalEntities(opts), lp.outlets(opts)]);
    const refs = { sites, stores, crmLegalEntities, lpLegalEntities, outlets };
    const siteRows = siteOutlets(refs, choice);
    const map = { sites: siteRows, stores: storeOutlets(refs, choice, siteRows) };
    this.refs = { at: Date.now(), key, map };
    return map;
  }

  /** For the wizard: every site and store with its outlet, and the roles a courier employee can get. */
  async outletsView(refresh: boolean): Promise<OutletMap & { roles: LpRole[] }> {
    if (!this.connections.lifeposConfigured()) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: 'Сначала подключите LIFE POS: ID организации, телефон и пароль сотрудника.' });
    if (!this.connections.retailcrmConfigured()) throw new SyncError({ kind: 'needsAttention', system: 'retailcrm', message: 'Сначала подключите RetailCRM: адрес и API-ключ.' });
    const [map, roles] = await Promise.all([this.outletMap(refresh), this.connections.lifepos().rolesInUse()]);
    return { ...map, roles };
  }

  private async outletFor(order: CrmOrder, signal: AbortSignal): Promise<string> {
    const map = await this.outletMap(false, signal);
    const d = outletForOrder({ number: order.number, site: order.site, shipmentStore: order.shipmentStore }, map.sites, this.outletChoice());
    if ('problem' in d) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: d.problem });
    return d.outletGuid;
  }

  // ── couriers ──────────────────────────────────────────────────────────────────────────────────────────

  /** One LIFE POS employee with the courier role and one mobile workplace per RetailCRM courier, ever. */
  private ensureCourier(courierId: number, signal: AbortSignal): Promise<{ employeeGuid: string; workplaceGuid: string }> {
    const known = sql(this.engine.db, 'SELECT employee_guid, workplace_guid FROM pos_couriers WHERE crm_courier_id = ?').get(courierId) as
      | { employee_guid: string; workplace_guid: string }
      | undefined;
    if (known) return Promise.resolve({ employeeGuid: known.employee_guid, workplaceGuid: known.workplace_guid });
    // Orders of one courier run in parallel: they wait for the same creation instead of making two.
    const running = this.courierLocks.get(courierId);
    if (running) return running;
    const p = this.createCourier(courierId, signal).finally(() => this.courierLocks.delete(courierId));
    this.courierLocks.set(courierId, p);
    return p;
  }

  private async createCourier(courierId: number, signal: AbortSignal): Promise<{ employeeGuid: string; workplaceGuid: string }> {
    const crm = this.connections.retailcrm();
    const lp = this.connections.lifepos();
    const opts = { signal };
    const c = (await crm.couriers(opts)).find((x) => x.id === courierId);
    if (!c) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: `Курьер с id ${courierId} не найден в справочнике курьеров RetailCRM.` });
    const phone = c.phone ?? '';
    const name = [c.lastName, c.firstName, c.patronymic].filter(Boolean).join(' ') || `Курьер ${courierId}`;
    const username = `courier-${courierId}`;
    // Adopt what an interrupted earlier attempt created, by its username, before creating anything.
    let employee = (await lp.employees(opts)).find((x) => x.username === username);
    if (!employee) {
      const roleGuid = await this.courierRole(signal);
      employee = await lp.createEmployee({ name: name.padEnd(5, ' ').slice(0, 64), username, phone, roleGuid }, opts);
    }
    let workplace = (await lp.workplaces(opts)).find((w) => w.employeeGuid === employee.guid && w.workplaceType === 'Mobile');
    if (!workplace) workplace = await lp.createWorkplace({ workplaceType: 'Mobile', name: `Мобильное место: ${name}`.slice(0, 64), employeeGuid: employee.guid }, opts);
    const out = { employeeGuid: employee.guid, workplaceGuid: workplace.guid };
    sql(this.engine.db, 'INSERT INTO pos_couriers (crm_courier_id, employee_guid, workplace_guid, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(courierId, out.employeeGuid, out.workplaceGuid, Date.now());
    return out;
  }

  /**
   * The role for new courier employees: the merchant's choice, else the one role named «Курьер» among the roles
   * the organisation's employees have. LIFE POS documents no roles list, so nothing is guessed beyond that.
   */
  private async courierRole(signal: AbortSignal): Promise<string> {
    const chosen = this.engine.settings.get('pos').courierRoleGuid;
    if (chosen) return chosen;
    const couriers = (await this.connections.lifepos().rolesInUse({ signal })).filter((r) => /курьер|courier/i.test(r.name ?? ''));
    if (couriers.length === 1) return couriers[0]!.guid;
    throw new SyncError({
      kind: 'needsAttention',
      system: 'lifepos',
      message: 'Курьера нельзя завести сотрудником LIFE POS: не выбрана роль для курьеров. Заведите в LIFE POS хотя бы одного сотрудника с ролью «Курьер» и выберите эту роль в настройках LIFE POS, затем нажмите «Повторить».',
    });
  }

  // ── jobs ──────────────────────────────────────────────────────────────────────────────────────────────

  private async createSale(p: { crmId: number; order: unknown }, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.row(p.crmId);
    if (!row || row.state !== 'creating') return { result: { skipped: row?.state ?? 'no row' } };
    const order = crmOrderSchema.parse(p.order);
    const outletGuid = await this.outletFor(order, signal);
    const courierId = crmCourierId(order);
    const courier = courierId ? await this.ensureCourier(courierId, signal) : null;
    const input = toSaleInput(order, outletGuid, courier, row.generation);
    note({ sent: { number: input.number, outlet: outletGuid, courier: courier?.employeeGuid ?? null, positions: input.positions.length, total: fromKopecks(input.totalKopecks ?? 0) } });
    const { outcome, sale } = await this.connections.lifepos().createSale(input, { signal });
    note({ received: { outcome, guid: sale.guid, state: sale.state } });
    return {
      result: { guid: sale.guid, outcome },
      commit: (db: Db) => {
        sql(db, `UPDATE pos_sales SET state = 'created', sale_guid = ?, outlet_guid = ?, courier_guid = ?, lp_state = ?, lp_payment_status = ?, updated_at = ? WHERE crm_id = ?`)
          .run(sale.guid, outletGuid, courier?.employeeGuid ?? null, sale.state, sale.paymentStatus, Date.now(), p.crmId);
        this.engine.orders.setChip(row.order_id, 'lifepos', chipFor(sale));
      },
    };
  }

  private async saleOf(crmId: number, signal: AbortSignal): Promise<{ row: Row; sale: LpSale }> {
    const row = this.row(crmId);
    if (!row?.sale_guid) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: 'Продажа ещё не создана в LIFE POS.' });
    const sale = await this.connections.lifepos().getSale(row.sale_guid, { signal });
    if (!sale) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: `Продажа заказа №${row.crm_number} не найдена в LIFE POS: возможно, её удалили вручную.` });
    return { row, sale };
  }

  private async closeSale(crmId: number, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const { row, sale } = await this.saleOf(crmId, signal);
    if (sale.state === 'Cancelled') return { commit: (db: Db) => this.setRow(db, row, 'cancelled', sale) };
    if (sale.state === 'Completed' || sale.paymentStatus === 'Paid' || sale.paymentStatus === 'PartiallyPaid') {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'lifepos',
        message: `Заказ №${row.crm_number} закрыт в RetailCRM, но в LIFE POS он ${sale.state === 'Completed' ? 'уже завершён' : 'оплачен'}: отменять оплаченную продажу нельзя. Если деньги нужно вернуть, оформите возврат (статус оплаты «Возвращён»).`,
        detail: `sale ${sale.guid} state ${sale.state} payment ${sale.paymentStatus}`,
      });
    }
    note({ sent: { cancel: sale.guid } });
    const lp = this.connections.lifepos();
    await lp.cancelSale(sale.guid, { signal });
    // The cancel answers 204 with no body: the sale is read again for its new state.
    const after = (await lp.getSale(sale.guid, { signal })) ?? { ...sale, state: 'Cancelled' };
    return { commit: (db: Db) => this.setRow(db, row, 'cancelled', after) };
  }

  private async refundSale(crmId: number, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const { row, sale } = await this.saleOf(crmId, signal);
    if (sale.paymentStatus === 'Refunded' || sale.paymentStatus === 'Returned') return { commit: (db: Db) => this.setRow(db, row, 'refunded', sale) };
    if (sale.paymentStatus !== 'Paid' && sale.paymentStatus !== 'PartiallyPaid') {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'lifepos',
        message: `Возврат по заказу №${row.crm_number} невозможен: в LIFE POS по нему не было оплаты.`,
        detail: `sale ${sale.guid} payment ${sale.paymentStatus}`,
      });
    }
    const lp = this.connections.lifepos();
    const docs = await lp.saleMoneyDocs(sale.guid, { signal });
    // A payment already refunded (a repeat of this job, or a refund made at the till) is not refunded twice.
    const refunded = new Set(docs.filter((d) => d.kind === 'refund' && d.forPaymentGuid).map((d) => d.forPaymentGuid));
    const open = docs.filter((d) => d.kind === 'payment' && !refunded.has(d.guid));
    note({ sent: { refund: sale.guid, payments: open.map((d) => d.guid) } });
    for (const d of open) await lp.refundPayment(sale.guid, d, { signal });
    const after = (await lp.getSale(sale.guid, { signal })) ?? sale;
    return { commit: (db: Db) => this.setRow(db, row, 'refunded', after) };
  }

  private async moveOutlet(crmId: number, store: string, site: string | null, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.row(crmId);
    if (!row?.sale_guid) return { result: { skipped: 'no sale' } };
    const siteCode = site ?? (await this.connections.retailcrm().orderGet(crmId, 'id', undefined, { signal })).site;
    const map = await this.outletMap(false, signal);
    const d = outletForOrder({ number: row.crm_number, site: siteCode, shipmentStore: store }, map.sites, this.outletChoice());
    if ('problem' in d) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: d.problem });
    const setStore = (db: Db) => void sql(db, 'UPDATE pos_sales SET outlet_guid = ?, store_code = ?, updated_at = ? WHERE crm_id = ?').run(d.outletGuid, store, Date.now(), crmId);
    // Another store of the same outlet: nothing changes in LIFE POS.
    if (d.outletGuid === row.outlet_guid) return { commit: setStore };
    note({ sent: { sale: row.sale_guid, outlet: d.outletGuid } });
    await this.connections.lifepos().updateSaleOutlet(row.sale_guid, d.outletGuid, { signal });
    return { commit: setStore };
  }

  private setRow(db: Db, row: Row, state: Row['state'], sale: LpSale): void {
    sql(db, 'UPDATE pos_sales SET state = ?, lp_state = ?, lp_payment_status = ?, updated_at = ? WHERE crm_id = ?').run(state, sale.state, sale.paymentStatus, Date.now(), row.crm_id);
    this.engine.orders.setChip(row.order_id, 'lifepos', chipFor(sale));
  }

  /** A sale as LIFE POS has it now: state, chips, and the follow-ups (payments, status) — once each. */
  private applySale(sale: LpSale, db: Db): number | null {
    const row = sql(db, 'SELECT * FROM pos_sales WHERE sale_guid = ?').get(sale.guid) as Row | undefined;
    if (!row) return null;
    const s = this.engine.settings.get('pos');
    const stateChanged = row.lp_state !== sale.state;
    sql(db, 'UPDATE pos_sales SET lp_state = ?, lp_payment_status = ?, updated_at = ? WHERE crm_id = ?').run(sale.state, sale.paymentStatus, Date.now(), row.crm_id);
    this.engine.orders.setChip(row.order_id, 'lifepos', chipFor(sale));
    // Payments are the sale's money documents, read by their own job: a paid status is the signal to read them.
    if (sale.paymentStatus && sale.paymentStatus !== 'NotPaid') {
      this.engine.queue.enqueue({
        kind: 'lifepos.readPayments',
        connector: 'lifepos',
        key: `lp:payments:${sale.guid}:${sale.paymentStatus}:${sale.updatedAt ?? ''}`,
        payload: { guid: sale.guid, saleTotal: sale.totalWire },
        orderId: row.order_id,
      });
    }
    const mapped = sale.state ? s.statusMap[sale.state as keyof typeof s.statusMap] : undefined;
    if (stateChanged && mapped) {
      this.engine.queue.enqueue({ kind: 'retailcrm.posStatus', connector: 'retailcrm', key: `crm:pos-status:${row.crm_id}:${sale.state}`, payload: { crmId: row.crm_id, status: mapped }, orderId: row.order_id });
    }
    return row.order_id;
  }

  /**
   * The sale's money documents → one RetailCRM payment per document and way of paying, once each. Documents that
   * cannot be read fail the job (needs attention, retried): money never silently misses RetailCRM.
   */
  private async readPayments(p: { guid: string; saleTotal?: number | null | undefined }, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const docs = await this.connections.lifepos().saleMoneyDocs(p.guid, { signal });
    const payments = docs.flatMap(paymentsOf);
    note({ received: { documents: docs.map((d) => ({ guid: d.guid, type: d.typeOf, total: d.totalWire })), payments: payments.length } });
    return {
      commit: (db: Db) => {
        const row = sql(db, 'SELECT * FROM pos_sales WHERE sale_guid = ?').get(p.guid) as Row | undefined;
        if (!row) return;
        for (const pay of payments) {
          if (pay.amountKopecks <= 0) continue;
          const fresh = sql(db, 'INSERT INTO pos_payments (payment_guid, sale_guid, crm_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(pay.guid, p.guid, row.crm_id, Date.now()).changes;
          if (!fresh) continue;
          this.engine.queue.enqueue({
            kind: 'retailcrm.posPayment',
            connector: 'retailcrm',
            key: `crm:pos-payment:${pay.guid}`,
            payload: { crmId: row.crm_id, paymentGuid: pay.guid, type: pay.type, kopecks: pay.amountKopecks, saleTotal: p.saleTotal ?? null, amount: pay.amountWire },
            orderId: row.order_id,
          });
        }
      },
    };
  }

  private async writePayment(
    p: { crmId: number; paymentGuid: string; type: string; kopecks: number; saleTotal?: number | null | undefined; amount?: number | null | undefined },
    signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const s = this.engine.settings.get('pos');
    const cash = /cash|налич/i.test(p.type);
    const type = cash ? s.cashPaymentType : s.cardPaymentType;
    if (!type) {
      throw new SyncError({
        kind: 'needsAttention',
        system: 'retailcrm',
        message: `Оплата ${cash ? 'наличными' : 'картой'} из LIFE POS не записана: укажите в настройках тип оплаты RetailCRM для оплаты ${cash ? 'наличными' : 'безналичными'}.`,
      });
    }
    const crm = this.connections.retailcrm();
    const order = await crm.orderGet(p.crmId, 'id', undefined, { signal });
    const externalId = `lifepos-${p.paymentGuid}`;
    if (order.payments.some((x) => x.externalId === externalId)) return { result: { already: true } };
    // Money units are not vendor-documented: a sale total that does not match the order holds its payments.
    const unit = this.engine.settings.get('lifepos').moneyUnit;
    const mismatch = saleTotalProblem(p.saleTotal ?? null, toKopecks(order.totalSumm ?? 0), unit, order.number);
    if (mismatch) {
      this.engine.log.warn('LIFE POS sale total does not match the RetailCRM order; payment held', { crmId: p.crmId, saleTotal: p.saleTotal, crmTotal: order.totalSumm, unit });
      throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: mismatch, detail: `sale total ${p.saleTotal} (${unit}), order total ${order.totalSumm}` });
    }
    // An open payment of the same type is the one the customer just paid; otherwise a new payment.
    const open = order.payments.find((x) => x.type === type && x.status !== s.paidPaymentStatus && !x.paidAt && x.id !== null);
    const amount = fromKopecks(p.amount !== null && p.amount !== undefined ? wireToKopecks(p.amount, unit) : p.kopecks);
    if (open) {
      note({ sent: { edit: open.id, amount, status: s.paidPaymentStatus } });
      await crm.paymentEdit(open.id!, 'id', { amount, externalId, ...(s.paidPaymentStatus ? { status: s.paidPaymentStatus } : {}) }, undefined, { signal });
    } else {
      note({ sent: { create: type, amount } });
      await crm.paymentCreate({ order: { id: p.crmId }, type, amount, externalId, ...(s.paidPaymentStatus ? { status: s.paidPaymentStatus } : {}), comment: 'Оплата в LIFE POS' }, undefined, { signal });
    }
    return {};
  }

  private async createTask(p: { crmId: number; text: string; commentary: string }, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const group = this.engine.settings.get('pos').taskUserGroup;
    if (!group) return { result: { skipped: 'no group' } };
    const crm = this.connections.retailcrm();
    const users = await crm.users({ groups: [group], active: true }, { signal });
    const performer = users.find((u) => u.active && (u.groups ?? []).some((g) => g.code === group)) ?? users[0];
    if (!performer) throw new SyncError({ kind: 'needsAttention', system: 'retailcrm', message: `В группе пользователей «${group}» RetailCRM нет активных сотрудников: задачу о проблеме некому поставить.` });
    note({ sent: { performer: performer.id, text: p.text } });
    const { id } = await crm.taskCreate({ text: p.text, commentary: p.commentary, performerId: performer.id, order: { id: p.crmId } }, undefined, { signal });
    return { result: { taskId: id } };
  }

  // ── polling and the connection test ───────────────────────────────────────────────────────────────────

  /**
   * Reads the sales changed since the cursor, newest first. The vendor documents the ordering but no «updated
   * since» filter for sales, so none is relied on: the walk stops at the first sale not newer than the cursor, or
   * after a bounded number of pages; the cursor only ever moves forward. Notifications carry changes at once.
   */
  private async pollSales(ctx: PollerContext): Promise<void> {
    if (!this.engine.settings.get('pos').enabled || !this.connections.lifeposConfigured()) return;
    const lp = this.connections.lifepos();
    const since = ctx.cursor();
    let newest = since;
    let pageToken: string | undefined;
    let reached = false;
    for (let pages = 0; pages < POLL_MAX_PAGES && !reached; pages++) {
      const page = await lp.listSales({ orderBy: 'updated_at_desc', itemsPerPage: 100, ...(pageToken ? { pageToken } : {}) }, { signal: ctx.signal });
      const db = this.engine.db;
      const touched: number[] = [];
      db.transaction(() => {
        for (const sale of page.items) {
          // Sales updated at the cursor's own instant are read again (harmless): none is lost to a tie.
          if (since && sale.updatedAt && sale.updatedAt < since) {
            reached = true;
            continue;
          }
          const id = this.applySale(sale, db);
          if (id !== null) touched.push(id);
          if (sale.updatedAt && (!newest || sale.updatedAt > newest)) newest = sale.updatedAt;
        }
        ctx.setCursor(newest);
      })();
      if (touched.length) this.engine.events.emit('orders.changed', { ids: touched });
      if (!page.nextPageToken || page.items.length === 0) {
        reached = true;
        break;
      }
      pageToken = page.nextPageToken;
    }
    if (!reached && since) {
      this.engine.log.warn('LIFE POS poll stopped at its page limit before reaching the cursor; older changes rely on notifications and re-reads', { since, newest, pages: POLL_MAX_PAGES });
    }
  }

  /**
   * Points LIFE POS notifications at our current public address (after the connection test, and whenever the
   * tunnel's address changes). Without a public address there is nothing to subscribe: the sales poller reads
   * the changes instead. Returns whether a subscription was made.
   */
  async subscribeNotifications(): Promise<boolean> {
    const hook = this.engine.publicUrl() ? this.engine.webhookUrl(LIFEPOS_WEBHOOK_SOURCE) : null;
    if (!hook || !this.connections.lifeposConfigured()) return false;
    await this.connections.lifepos().subscribe({ primary: hook });
    return true;
  }

  /** The employee can sign in, sees the organisation and may do everything the flow does (Owner or Administrator). */
  private async checkLifePosAccount(): Promise<{ problem: string } | { me: LpMe }> {
    const lp = this.connections.lifepos();
    await lp.signIn();
    const orgGuid = this.engine.settings.get('lifepos').orgGuid;
    const orgs = await lp.orgs();
    if (!orgs.some((o) => o.guid === orgGuid)) {
      return { problem: `Организация с ID ${orgGuid ?? '—'} не найдена у этого сотрудника. Доступны: ${orgs.map((o) => `${o.name} (${o.guid})`).join(', ') || 'нет'}.` };
    }
    const me = await lp.me();
    if (me.role && !/owner|admin|владел|администр/i.test(me.role)) {
      return { problem: `Сотрудник «${me.name}» в LIFE POS — ${roleTitle(me.role)}. Нужен Владелец или Администратор: укажите телефон и пароль такого сотрудника.` };
    }
    return { me };
  }

  /** As the vendor's connector form does on save: the RetailCRM key's rights and the codes chosen for LIFE POS. */
  private async checkCrmSettings(choicesToo: boolean): Promise<string | null> {
    const crm = this.connections.retailcrm();
    const scopes = await crm.checkScopes(Object.keys(POS_SCOPES));
    if (!scopes.ok) {
      return `У API-ключа RetailCRM не хватает прав для LIFE POS: ${scopes.missing.map((m) => `«${POS_SCOPES[m] ?? m}» (${m})`).join(', ')}. Включите их в RetailCRM: Настройки → Интеграция → Ключи доступа к API.`;
    }
    const pos = this.engine.settings.get('pos');
    const types = new Set((await crm.paymentTypes()).map((t) => t.code));
    for (const [label, code] of [['наличными', pos.cashPaymentType], ['безналичными', pos.cardPaymentType]] as const) {
      if (code && !types.has(code)) return `Тип оплаты ${label} «${code}» не найден в RetailCRM: выберите существующий.`;
    }
    if (pos.taskUserGroup && !(await crm.userGroups()).some((g) => g.code === pos.taskUserGroup)) {
      return `Группа пользователей «${pos.taskUserGroup}» для задач не найдена в RetailCRM.`;
    }
    const map = await this.outletMap(true);
    // A site whose legal entity has several outlets is fine once a point is chosen for it or for every store;
    // the connection test leaves that choice to the sale settings, where it is made.
    const chosenByStores = (s: SiteOutlets) => map.stores.length > 0 && map.stores.every((st) => st.outletGuid && s.outlets.some((o) => o.guid === st.outletGuid));
    const problems = map.sites
      .filter((m) => m.problem && (m.outlets.length === 0 || (choicesToo && !chosenByStores(m))))
      .map((m) => m.problem!);
    if (problems.length) return `LIFE POS подключён, но не для всех магазинов RetailCRM найдена торговая точка: ${problems.join(' ')} ${outletSummary(map)}`;
    return null;
  }

  /** «Проверить подключение» of the LIFE POS step: the account, the RetailCRM side when connected, the subscription. */
  private async testConnection(): Promise<{ ok: boolean; message: string; detail: string | null }> {
    const account = await this.checkLifePosAccount();
    if ('problem' in account) return { ok: false, message: account.problem, detail: null };
    if (this.connections.retailcrmConfigured()) {
      const problem = await this.checkCrmSettings(false);
      if (problem) return { ok: false, message: problem, detail: null };
    }
    const s = this.engine.settings.get('pos');
    try {
      await this.subscribeNotifications();
    } catch (err) {
      const e = toSyncError(err, 'lifepos');
      return { ok: false, message: `LIFE POS подключён, но подписка на уведомления не удалась: ${e.message}`, detail: e.detail };
    }
    const role = account.me.role ? roleTitle(account.me.role) : null;
    const outlets = this.connections.retailcrmConfigured() ? ` ${outletSummary(await this.outletMap())}` : '';
    const notes = (await this.guessNotes()).map((n) => ` ${n}`).join('');
    return { ok: true, message: `LIFE POS подключён: ${account.me.name}${role ? `, ${role}` : ''}.${outlets}${notes}${s.enabled ? '' : ' Передача заказов выключена в настройках.'}`, detail: null };
  }

  /**
   * Where the connector relies on something the vendor does not document and this account does not show it: the
   * units of measure a sale line needs, a role for couriers. Said in the check, not discovered on the first order.
   */
  private async guessNotes(): Promise<string[]> {
    const lp = this.connections.lifepos();
    const notes: string[] = [];
    const uoms = await lp.uoms().catch(() => []);
    if (uoms.length === 0) {
      notes.push('Внимание: единицы измерения LIFE POS не прочитаны — строки продаж уйдут без единицы измерения; если LIFE POS её потребует, продажа не создастся, сообщите в поддержку.');
    }
    if (!this.engine.settings.get('pos').courierRoleGuid) {
      const couriers = (await lp.rolesInUse().catch(() => [])).filter((r) => /курьер|courier/i.test(r.name ?? ''));
      if (couriers.length !== 1) {
        notes.push('Внимание: роль для курьеров не выбрана — заведите в LIFE POS сотрудника с ролью «Курьер» и выберите эту роль в шаге «Касса и доставка LIFE POS», иначе курьеры RetailCRM не станут сотрудниками LIFE POS.');
      }
    }
    return notes;
  }

  /**
   * The check of the sale settings («Касса и доставка LIFE POS»), run after they are saved: the same checks as the
   * connection test — the employee, the org id, the key's rights, the payment-type codes, the task group, the INNs.
   */
  private async testSaleSettings(): Promise<{ ok: boolean; message: string; detail: string | null }> {
    if (!this.connections.lifeposConfigured()) return { ok: false, message: 'Сначала подключите LIFE POS: ID организации, телефон и пароль сотрудника.', detail: null };
    if (!this.connections.retailcrmConfigured()) return { ok: false, message: 'Сначала подключите RetailCRM: адрес и API-ключ.', detail: null };
    const account = await this.checkLifePosAccount();
    if ('problem' in account) return { ok: false, message: account.problem, detail: null };
    const problem = await this.checkCrmSettings(true);
    if (problem) return { ok: false, message: problem, detail: null };
    const s = this.engine.settings.get('pos');
    return {
      ok: true,
      message: `Настройки LIFE POS проверены: права ключа RetailCRM, типы оплаты${s.taskUserGroup ? ', группа для задач' : ''} и торговые точки в порядке. ${outletSummary(await this.outletMap())}${s.enabled ? '' : ' Передача заказов выключена.'}`,
      detail: null,
    };
  }
}

/** Every site and store with its INN and outlet, one line, for «Проверить подключение». */
export function outletSummary(map: OutletMap): string {
  const name = (guid: string | null, list: Array<{ guid: string; name: string }>) => (guid ? (list.find((o) => o.guid === guid)?.name ?? guid) : null);
  const all = map.sites.flatMap((s) => s.outlets);
  const byStores = (s: OutletMap['sites'][number]) => map.stores.some((st) => st.outletGuid && s.outlets.some((o) => o.guid === st.outletGuid));
  const sites = map.sites.map(
    (s) => `«${s.siteName}» (ИНН ${s.inn ?? 'не указан'}) → ${name(s.outletGuid, s.outlets) ?? (s.outlets.length === 0 ? 'нет точки' : byStores(s) ? 'по складам' : 'точка не выбрана')}`,
  );
  const stores = map.stores.filter((st) => st.outletGuid).map((st) => `склад «${st.storeName}» → ${name(st.outletGuid, all)}`);
  return `Магазины: ${sites.join('; ') || 'нет'}.${stores.length ? ` Склады: ${stores.join('; ')}.` : ''}`;
}
