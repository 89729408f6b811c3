import { z } from 'zod';
import type { StatuscheckPreview } from '../../../../src-shared/api.js';
import { statuscheckPartnerSchema } from '../../../../src-shared/settings.js';
import type { Db } from '../../db/open.js';
import { SyncError, toSyncError } from '../../errors.js';
import type { Engine } from '../../engine.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { retailcrm, type CrmOrder, type OrdersFilter } from '../../connectors/retailcrm/index.js';
import { createHttpClient, type HttpClient } from '../../http/client.js';
import { defineJob, type JobDef } from '../../jobs/define.js';
import type { PollerContext } from '../../jobs/scheduler.js';
import '../crm/events.js';
import { crmOrderRef } from '../crm/store.js';
import type { FlowModule } from '../types.js';
import { runCheck, type CheckResult } from './check.js';
import { addDays, crmDateTimeToMs, dayIn } from './macros.js';
import {
  MODE_TITLES,
  MODES,
  askedInMode,
  holdsOrder,
  leadTitle,
  partnerIdOf,
  planBatches,
  planRanges,
  type Ask,
  type Mode,
  type OrderFacts,
  type Partner,
  type TrackedOrder,
} from './rules.js';
import { StatuscheckStore, statuscheckMigrations } from './store.js';
import { partnerTemplate, type TemplateId } from './templates.js';

/**
 * Status checks by API («Проверка статусов по API»): for every partner the merchant configured, one poller per
 * mode asks the partner about the orders it holds, one job per request (under the partner's own rate limit),
 * and each order whose mapped state differs from RetailCRM's gets one edit job. Our edits never come back: the
 * history poller skips changes made by our key, and the store notes what we wrote.
 *
 * A partner that fails (HTTP error, bad answer, mapping error) is backed off as a whole — the other requests of
 * the cycle are not sent — and gets one error-log entry per problem, not one per order or per request.
 */

export const CHECK_JOB = 'statuscheck.check';
export const EDIT_JOB = 'statuscheck.edit';
/** RetailCRM dates are read in the account's zone; Russian accounts keep Moscow time. */
const CRM_TIME_ZONE = 'Europe/Moscow';
const SWEEP_EVERY_MS = 24 * 3600_000;
const SWEEP_MAX_PAGES = 200;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 3600_000;
/** A partner that only asks to slow down: the requests wait and go out, they are not dropped for this cycle. */
const SHORT_WAIT_MS = 30_000;

export function pollerId(partner: string, mode: Mode): string {
  return `statuscheck.${partner}.${mode}`;
}

export function secretKey(partner: string, name: string): string {
  return `statuscheck.${partner}.${name}`;
}

const checkPayload = z.object({
  partner: z.string(),
  mode: z.enum(['processing', 'accepted', 'range']),
  /** The poll that planned it and its place in that poll: one job per request of one cycle. */
  cycle: z.number().int(),
  n: z.number().int().min(0),
  crmIds: z.array(z.number().int().positive()).max(10_000),
  range: z.object({ from: z.string(), to: z.string() }).nullable(),
});

const editPayload = z.object({
  partner: z.string(),
  crmId: z.number().int().positive(),
  /**
   * Which of our edits of this order it is: while one is pending, every later check plans the same one (one job);
   * once it is applied, the next change of the partner's answer is the next number.
   */
  seq: z.number().int().min(0),
  from: z.string(),
  patch: z.object({
    status: z.string().optional(),
    statusComment: z.string().optional(),
    customFields: z.record(z.string(), z.string()).optional(),
    delivery: z.object({ data: z.object({ trackNumber: z.string() }) }).optional(),
  }),
  decision: z.string(),
});

/** What «Проверить сейчас» shows: one real request, and what would change — nothing is written. */
export type PreviewResult = StatuscheckPreview;

export class StatuscheckFlow {
  readonly store: StatuscheckStore;
  private readonly registered = new Set<string>();
  private readonly clients = new Map<string, { key: string; client: HttpClient }>();
  /** One request at a time per partner: a failure backs the partner off before the next request goes out. */
  private readonly lanes = new Map<string, Promise<unknown>>();

  readonly checkJob: JobDef<z.output<typeof checkPayload>>;
  readonly editJob: JobDef<z.output<typeof editPayload>>;

  constructor(
    private readonly engine: Engine,
    private readonly connectors: ConnectorRegistry,
  ) {
    this.store = new StatuscheckStore(engine.db);
    this.checkJob = defineJob({
      kind: CHECK_JOB,
      system: 'statuscheck',
      title: 'Запрос статусов у партнёра',
      payload: checkPayload,
      key: (p) => `statuscheck:check:${p.partner}:${p.mode}:${p.cycle}:${p.n}`,
      // Waiting out a partner's «slow down» takes attempts; a check that still cannot run is replaced by the next cycle's.
      maxAttempts: 20,
      run: (ctx) => this.runCheckJob(ctx.payload, ctx.signal),
    });
    this.editJob = defineJob({
      kind: EDIT_JOB,
      system: 'retailcrm',
      title: 'Статус от партнёра в RetailCRM',
      payload: editPayload,
      key: (p) => `statuscheck:edit:${p.partner}:${p.crmId}:${p.seq}`,
      run: async (ctx) => {
        const { partner, crmId, patch } = ctx.payload;
        ctx.note({ sent: patch });
        await this.connectors.client(retailcrm).orderEdit(crmId, 'id', patch, undefined, { signal: ctx.signal });
        return {
          commit: () => {
            this.store.applied(partner, crmId, {
              status: patch.status,
              track: patch.delivery?.data.trackNumber,
              reasonValue: patch.customFields ? Object.values(patch.customFields)[0] : undefined,
            });
            const o = this.store.get(partner, crmId);
            if (o && patch.status) this.engine.orders.upsert({ ref: crmOrderRef(crmId), number: o.number, crmStatus: patch.status });
          },
        };
      },
    });
  }

  private crmConfigured(): boolean {
    return this.connectors.isConfigured(retailcrm);
  }

  settings() {
    return this.engine.settings.get('statuscheck');
  }

  partner(id: string): Partner | null {
    return this.settings().partners.find((p) => p.id === id) ?? null;
  }

  /** One poller per partner and mode; a partner added later gets its pollers when the settings are saved. */
  ensurePollers(): void {
    for (const p of this.settings().partners) {
      for (const mode of MODES) {
        const id = pollerId(p.id, mode);
        if (this.registered.has(id)) continue;
        this.registered.add(id);
        const partnerOf = (pid: string) => this.partner(pid);
        this.engine.scheduler.register({
          id,
          // Read whenever shown: a renamed partner shows its new name.
          get title() {
            return `Партнёр «${partnerOf(p.id)?.name ?? p.name}»: ${MODE_TITLES[mode]}`;
          },
          system: 'statuscheck',
          get intervalMs() {
            const cur = partnerOf(p.id);
            return (cur ? cur.modes[mode].intervalMin : 60) * 60_000;
          },
          active: () => {
            const cur = this.partner(p.id);
            return this.settings().enabled && !!cur?.enabled && cur.modes[mode].enabled && this.crmConfigured();
          },
          run: (ctx) => this.poll(p.id, mode, ctx),
        });
      }
    }
  }

  /** Saves the partners (validated) and starts the pollers of new ones. */
  save(values: unknown): void {
    if (typeof values !== 'object' || values === null) {
      throw new SyncError({ kind: 'needsAttention', system: 'statuscheck', message: 'Настройки партнёров не сохранены: пустой запрос.', detail: null });
    }
    // Validated by the settings store: a refusal names the field in Russian.
    this.engine.settings.update('statuscheck', values as Record<string, unknown>);
    this.ensurePollers();
  }

  template(template: TemplateId, id: string, name: string, url: string): Partner {
    return partnerTemplate(template, id, name, url);
  }

  async setSecret(partner: string, name: string, value: string): Promise<void> {
    await this.engine.secrets.set(secretKey(partner, name), value);
    const cur = this.store.health(partner);
    // A new key deserves a try at once, whatever the backoff said.
    if (cur.blockedUntil) this.store.setHealth(partner, { problem: cur.problem, failures: 0, blockedUntil: null });
  }

  secretsSet(partner: string, names: readonly string[]): Record<string, boolean> {
    return Object.fromEntries(names.map((n) => [n, this.engine.secrets.get(secretKey(partner, n)) !== null]));
  }

  // ------------------------------------------------------------------ orders the partners hold

  /** Kept current for switched-off partners too, so switching one on does not start from a stale picture. */
  reconcile(order: CrmOrder, localId: number, _db: Db): void {
    for (const p of this.settings().partners) this.track(p, order, localId);
  }

  private track(p: Partner, order: CrmOrder, localId: number | null): void {
    const f = facts(order);
    const pid = holdsOrder(p, f) ? partnerIdOf(p, f) : null;
    if (pid === null) {
      this.store.remove(p.id, order.id);
      return;
    }
    const reasonField = p.reasonTo.kind === 'field' ? p.reasonTo.field : null;
    this.store.upsert(p.id, {
      crmId: order.id,
      orderId: localId,
      number: order.number,
      partnerId: pid,
      status: order.status,
      createdAt: order.createdAt ? crmDateTimeToMs(order.createdAt, CRM_TIME_ZONE) : null,
      track: f.track,
      reasonValue: reasonField ? text(order.customFields?.[reasonField]) : null,
    });
  }

  /**
   * Orders the partner holds, read from RetailCRM once a day and whenever what «holds» means changed: history
   * brings every later change, the sweep catches orders that were there before the partner was set up.
   */
  private async sweepIfDue(p: Partner, signal: AbortSignal): Promise<void> {
    const h = this.store.health(p.id);
    const key = sweepKey(p);
    if (h.sweptFor === key && h.sweptAt !== null && Date.now() - h.sweptAt < SWEEP_EVERY_MS) return;
    const { orders, complete } = await this.readHeld(p, SWEEP_MAX_PAGES, signal);
    const db = this.engine.db;
    db.transaction(() => {
      // What «holds» means may have changed: orders the partner no longer holds leave its checks.
      if (complete) this.store.keepOnly(p.id, orders.map((o) => o.id));
      for (const o of orders) {
        const localId = this.engine.orders.upsert({
          ref: crmOrderRef(o.id),
          number: o.number,
          customer: [o.lastName, o.firstName].filter(Boolean).join(' ') || null,
          phone: o.phone ?? null,
          crmStatus: o.status,
        });
        this.track(p, o, localId);
      }
      this.store.setSwept(p.id, Date.now(), key);
    })();
  }

  private async readHeld(p: Partner, maxPages: number, signal?: AbortSignal): Promise<{ orders: CrmOrder[]; complete: boolean }> {
    const crm = this.connectors.client(retailcrm);
    // Wider than the date mode's look-back: an order can sit with a delivery partner for months.
    const lookback = Math.max(p.modes.range.lookbackDays, 180);
    const filter: OrdersFilter & { orderMethods?: string[] } = {
      createdAtFrom: addDays(dayIn(Date.now(), CRM_TIME_ZONE), -lookback),
      ...(p.holds.sites.length ? { sites: p.holds.sites } : {}),
      ...(p.holds.deliveryTypes.length ? { deliveryTypes: p.holds.deliveryTypes } : {}),
      ...(p.holds.orderMethods.length ? { orderMethods: p.holds.orderMethods } : {}),
      ...(p.holds.customField ? { customFields: { [p.holds.customField.code]: p.holds.customField.value } } : {}),
    };
    const out: CrmOrder[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const res = await crm.ordersList(filter, page, 100, signal ? { signal } : undefined);
      out.push(...res.orders);
      if (page >= res.pagination.totalPageCount) return { orders: out, complete: true };
    }
    return { orders: out, complete: false };
  }

  // ------------------------------------------------------------------ polling

  private async poll(partnerId: string, mode: Mode, ctx: PollerContext): Promise<void> {
    const p = this.partner(partnerId);
    if (!p) return;
    const h = this.store.health(p.id);
    if (h.blockedUntil !== null && h.blockedUntil > Date.now()) {
      this.engine.log.info('partner backed off; check skipped', { partner: p.id, mode, until: h.blockedUntil });
      return;
    }
    // A slow partner still busy with the last cycle gets no second one on top of it.
    const pending = this.store.pendingChecks(CHECK_JOB, p.id, mode);
    if (pending > 0) {
      this.engine.log.info('partner still checking the last cycle; this one skipped', { partner: p.id, mode, pending });
      return;
    }
    await this.sweepIfDue(p, ctx.signal);
    const asks = this.plan(p, mode, this.store.orders(p.id));
    const cycle = Date.now();
    const db = this.engine.db;
    db.transaction(() => {
      asks.forEach((a, n) => {
        this.checkJob.enqueue(this.engine.queue, { partner: p.id, mode, cycle, n, crmIds: a.orders.map((o) => o.crmId), range: a.range });
      });
    })();
    this.engine.log.info('partner check planned', { partner: p.id, mode, requests: asks.length, orders: asks.reduce((n, a) => n + a.orders.length, 0) });
  }

  private plan(p: Partner, mode: Mode, orders: TrackedOrder[]): Ask[] {
    const asked = askedInMode(p, mode, orders);
    if (mode === 'range') {
      return planRanges(asked, { timeZone: p.timezone, maxDays: p.modes.range.maxDays, lookbackDays: p.modes.range.lookbackDays, now: Date.now() });
    }
    return planBatches(mode, asked, p.modes[mode].batchSize);
  }

  private client(p: Partner): HttpClient {
    const key = JSON.stringify([p.ratePerSec]);
    const cur = this.clients.get(p.id);
    if (cur?.key === key) return cur.client;
    const client = createHttpClient({
      system: 'statuscheck',
      redactor: this.engine.redactor,
      limiter: this.engine.rateLimiters.get(`statuscheck:${p.id}`, p.ratePerSec, 1),
      timeoutMs: 30_000,
    });
    this.clients.set(p.id, { key, client });
    return client;
  }

  private secretFor(p: Partner) {
    return (name: string) => (p.secrets.includes(name) ? this.engine.secrets.get(secretKey(p.id, name)) : null);
  }

  private runCheckJob(payload: z.output<typeof checkPayload>, signal: AbortSignal) {
    const prev = this.lanes.get(payload.partner) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.checkInLane(payload, signal));
    this.lanes.set(payload.partner, next);
    void next.finally(() => {
      if (this.lanes.get(payload.partner) === next) this.lanes.delete(payload.partner);
    }).catch(() => undefined);
    return next;
  }

  private async checkInLane(payload: z.output<typeof checkPayload>, signal: AbortSignal) {
    signal.throwIfAborted();
    const p = this.partner(payload.partner);
    if (!p || !p.enabled || !this.settings().enabled) return { result: { skipped: 'partner off' } };
    const h = this.store.health(p.id);
    const remaining = h.blockedUntil === null ? 0 : h.blockedUntil - Date.now();
    if (remaining > SHORT_WAIT_MS) return { result: { skipped: 'backoff' } };
    if (remaining > 0) throw waitError(p, remaining);
    const orders = askedInMode(p, payload.mode, this.store.byCrmIds(p.id, payload.crmIds));
    if (orders.length === 0) return { result: { skipped: 'nothing to ask' } };
    const ask: Ask = payload.range
      ? { mode: 'range', orders, batch: null, range: payload.range }
      : { mode: payload.mode, orders, batch: { ids: orders.map((o) => o.crmId), ext: orders.map((o) => o.partnerId) }, range: null };
    let r: CheckResult;
    try {
      r = await runCheck(p, ask, { http: this.client(p), secret: this.secretFor(p), signal });
    } catch (err) {
      if (signal.aborted) throw err;
      const e = toSyncError(err, 'statuscheck');
      const wait = this.partnerFailed(p, e);
      if (wait <= SHORT_WAIT_MS) throw waitError(p, wait);
      return { result: { failed: true } };
    }
    this.partnerOk(p);
    const at = Date.now();
    return {
      result: { requests: r.requests.length, rows: r.rows.length, notAsked: r.decisions.notAsked.length, invalid: r.invalid.length, edits: r.decisions.verdicts.filter((v) => v.patch).length },
      commit: (db: Db) => this.commitCheck(p, r, at, db),
    };
  }

  private commitCheck(p: Partner, r: CheckResult, at: number, _db: Db): void {
    const e = this.engine;
    const summary = r.requests.map((q) => q.summary).join('; ');
    this.store.checked(p.id, r.ask.orders.map((o) => o.crmId), at);
    if (r.decisions.notAsked.length || r.invalid.length) {
      e.log.warn('partner rows ignored', { partner: p.id, notAsked: r.decisions.notAsked.length, sample: r.decisions.notAsked.slice(0, 10), invalid: r.invalid.slice(0, 10) });
    }
    const byCrm = new Map(r.ask.orders.map((o) => [o.crmId, o]));
    const changed: number[] = [];
    for (const v of r.decisions.verdicts) {
      const stored = this.store.get(p.id, v.crmId);
      const said = JSON.stringify(v.row);
      const localId = stored?.orderId ?? e.orders.idByRef(crmOrderRef(v.crmId));
      // A check that brings nothing new is not repeated in the timeline: last_checked_at records it.
      if (localId !== null && (stored?.partnerSaid !== said || v.patch)) {
        e.timeline.record({
          orderId: localId,
          system: 'statuscheck',
          action: `Проверка у партнёра «${p.name}»`,
          outcome: 'info',
          sent: summary,
          received: { строка: v.row, статус: leadTitle(v.state), решение: v.decision },
        });
        changed.push(localId);
      }
      this.store.setPartnerSaid(p.id, v.crmId, said);
      if (v.patch && byCrm.has(v.crmId)) {
        this.editJob.enqueue(e.queue, { partner: p.id, crmId: v.crmId, seq: stored?.edits ?? 0, from: v.from, patch: v.patch, decision: v.decision }, { orderId: localId });
      }
    }
    if (changed.length) e.events.emit('orders.changed', { ids: changed });
  }

  /**
   * One error-log entry per partner and problem; the partner is left alone for a growing while. «Slow down»
   * (429/503) waits as long as asked and is logged only when it keeps happening. Returns the wait.
   */
  private partnerFailed(p: Partner, err: SyncError): number {
    const h = this.store.health(p.id);
    const failures = h.failures + 1;
    const slowDown = err.code === 429 || err.code === 503;
    const wait = slowDown
      ? Math.min(BACKOFF_MAX_MS, Math.max(err.retryAfterMs ?? 1000, 1000) * (failures >= 3 ? 2 ** (failures - 3) : 1))
      : Math.max(err.retryAfterMs ?? 0, Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1)));
    const problem = `${err.kind}:${err.code ?? ''}:${err.message}`;
    if (problem !== h.problem && (!slowDown || failures >= 3)) {
      const message = err.message.includes(`«${p.name}»`) ? err.message : `Партнёр «${p.name}»: ${err.message}`;
      this.engine.errors.record(new SyncError({ kind: err.kind, system: 'statuscheck', message, detail: err.detail, code: err.code }));
    }
    this.store.setHealth(p.id, { problem: !slowDown || failures >= 3 ? problem : h.problem, failures, blockedUntil: Date.now() + wait });
    this.engine.log.warn('partner check failed', { partner: p.id, failures, waitMs: wait, err: err.message, detail: err.detail });
    return wait;
  }

  private partnerOk(p: Partner): void {
    const h = this.store.health(p.id);
    if (h.problem === null && h.failures === 0 && h.blockedUntil === null) return;
    this.store.setHealth(p.id, { problem: null, failures: 0, blockedUntil: null });
    this.engine.log.info('partner answers again', { partner: p.id });
  }

  // ------------------------------------------------------------------ «Проверить сейчас»

  /**
   * A dry run: one real request for the first batch (or date range) of the mode, its answer, the rows and what
   * would change. Writes nothing — no store rows, no jobs, no timeline, no error log, no backoff.
   */
  async preview(input: { partner: unknown; mode: Mode; expression?: string | undefined }): Promise<PreviewResult> {
    const parsed = statuscheckPartnerSchema.safeParse(input.partner);
    if (!parsed.success) {
      throw new SyncError({ kind: 'needsAttention', system: 'statuscheck', message: `Настройки партнёра не заполнены: ${parsed.error.issues.map((i) => `${i.path.join('.')} — ${i.message}`).join('; ')}`, detail: null });
    }
    const p = parsed.data;
    let orders: TrackedOrder[] = this.store.orders(p.id);
    if (orders.length === 0 && this.crmConfigured()) {
      orders = (await this.readHeld(p, 5)).orders.map((o) => toTracked(p, o)).filter((o): o is TrackedOrder => o !== null);
    }
    const asks = this.plan(p, input.mode, orders);
    const empty = { mode: input.mode, asked: 0, request: null, status: null, answer: null, rows: [], invalid: [], notAsked: [], changes: [] };
    if (asks.length === 0) return { ...empty, message: `Сейчас нет заказов для проверки в режиме «${MODE_TITLES[input.mode]}».` };
    const ask = asks[0]!;
    const client = createHttpClient({ system: 'statuscheck', redactor: this.engine.redactor, timeoutMs: 30_000 });
    const r = await runCheck(p, ask, { http: client, secret: this.secretFor(p), ...(input.expression ? { expression: input.expression } : {}) });
    const q = r.requests[0]!;
    const willEdit = r.decisions.verdicts.filter((v) => v.patch).length;
    return {
      mode: input.mode,
      asked: ask.orders.length,
      request: { method: q.shown.method, url: q.shown.url, headers: q.shown.headers, body: q.shown.body },
      status: q.status,
      answer: this.engine.redactor.redact(q.answer),
      rows: r.rows.map((x) => ({ id: x.id, status: x.status[0] ?? null, reason: x.reason, comment: x.comment, track: x.track })),
      invalid: r.invalid,
      notAsked: r.decisions.notAsked,
      changes: r.decisions.verdicts.map((v) => ({
        number: v.number,
        partnerId: v.partnerId,
        said: v.row.status[0] ?? null,
        recognized: leadTitle(v.state),
        from: v.from,
        to: v.to,
        decision: v.decision,
        willEdit: v.patch !== null,
      })),
      message: `Спросили о ${ask.orders.length} заказах, получили ${r.rows.length} строк; изменилось бы заказов: ${willEdit}. Ничего не записано.`,
    };
  }
}

type PreviewInput = { partner: unknown; mode: Mode; expression?: string | undefined };

/**
 * The flow module: jobs, the RetailCRM order listener, one poller per partner and mode, and the wizard's methods.
 */
export const statuscheckFlow = {
  id: 'statuscheck',
  migrations: statuscheckMigrations,
  install({ engine, connectors, api, jobs }) {
    const flow = new StatuscheckFlow(engine, connectors);
    jobs({ check: flow.checkJob, edit: flow.editJob });
    engine.events.on('retailcrm.order', ({ order, localId, db }) => flow.reconcile(order, localId, db));
    flow.ensurePollers();
    api.handleAll({
      'statuscheck.preview': (i: PreviewInput) => flow.preview(i),
      'statuscheck.save': ({ values }) => (flow.save(values), { values: engine.settings.all(), secrets: engine.secrets.view() }),
      'statuscheck.template': (i) => ({ partner: flow.template(i.template, i.id, i.name, i.url) }),
      'statuscheck.setSecret': async (i) => {
        await flow.setSecret(i.partner, i.name, i.value);
        return { set: flow.secretsSet(i.partner, [i.name]) };
      },
      'statuscheck.secrets': (i) => ({ set: flow.secretsSet(i.partner, i.names) }),
    });
    return flow;
  },
} satisfies FlowModule<StatuscheckFlow>;

/** The request waits its turn: retried by the queue after `ms`, quietly. */
function waitError(p: Partner, ms: number): SyncError {
  return new SyncError({ kind: 'retryable', system: 'statuscheck', retryAfterMs: ms, code: 'PARTNER_WAIT', message: `Партнёр «${p.name}» просит подождать: запрос повторится через ${Math.ceil(ms / 1000)} с.` });
}

function facts(o: CrmOrder): OrderFacts {
  const data = (o.delivery as { data?: { trackNumber?: unknown } } | null)?.data;
  return {
    id: o.id,
    number: o.number,
    site: o.site,
    orderMethod: o.orderMethod ?? null,
    deliveryCode: o.delivery?.code ?? null,
    externalId: o.externalId ?? null,
    customFields: (o.customFields ?? {}) as Record<string, unknown>,
    status: o.status,
    createdAt: o.createdAt ?? null,
    track: text(data?.trackNumber),
  };
}

function toTracked(p: Partner, o: CrmOrder): TrackedOrder | null {
  const f = facts(o);
  const pid = holdsOrder(p, f) ? partnerIdOf(p, f) : null;
  if (pid === null) return null;
  return { crmId: o.id, number: o.number, partnerId: pid, status: o.status, createdAt: o.createdAt ? crmDateTimeToMs(o.createdAt, CRM_TIME_ZONE) : null, track: f.track, reasonValue: null, lastCheckedAt: null };
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null;
}

function sweepKey(p: Partner): string {
  return JSON.stringify([p.holds, p.partnerId, p.modes.range.lookbackDays]);
}
