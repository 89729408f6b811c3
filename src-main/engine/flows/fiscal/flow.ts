import { z } from 'zod';
import type { Settings } from '../../../../src-shared/settings.js';
import { sql, type Db } from '../../db/open.js';
import { SyncError, toSyncError } from '../../errors.js';
import type { Engine } from '../../engine.js';
import type { Connections } from '../../connectors/connections.js';
import { backoffDelay, type BackoffPolicy } from '../../jobs/backoff.js';
import { buildReceipt, type ReceiptInput } from '../../connectors/kassa/receipt.js';
import { createAtolProvider, kassaErrorToSyncError, parseAtolCallback, type AtolProvider } from '../../connectors/kassa/atol.js';
import type { FiscalData, FiscalOp, VatRate } from '../../connectors/kassa/types.js';
import { toKopecks, type CrmOrder, type CrmPayment } from '../../connectors/retailcrm/index.js';
import { crmOrderRef, type CrmSync, type ReconcileContext } from '../crm-sync.js';
import { crmSecondsBetween, currentState, moneyEvents, outstanding, paymentReplays, receiptKey, stateEvent, type FiscalRules, type Ledger, type MoneyEvent } from './money-events.js';

export const KASSA_CALLBACK_SOURCE = 'kassa';
type Profile = Settings['kassa']['profiles'][number];

/** What a flow asks for: the receipt's business identity and its contents (company and FFD come from the profile). */
export interface ReceiptRequest {
  /** `receipt:<op>:<order>:<payment>` — one receipt per operation, order and payment, whatever happens. */
  key: string;
  op: FiscalOp;
  profileId: string;
  orderId: number | null;
  crmId: number | null;
  input: Omit<ReceiptInput, 'op' | 'externalId' | 'company' | 'ffd' | 'createdAt'>;
}

interface Row {
  id: number;
  key: string;
  order_id: number | null;
  crm_id: number | null;
  op: FiscalOp;
  profile: string;
  external_id: string;
  attempt: number;
  state: 'pending' | 'registered' | 'done' | 'failed';
  uuid: string | null;
  total: number;
  draft: string;
  fiscal: string | null;
}

const VAT: Record<string, VatRate> = { none: 'none', '0': 'vat0', '5': 'vat5', '7': 'vat7', '10': 'vat10', '20': 'vat20', '22': 'vat22' };

/** ATOL limits external_id to 128 characters; a short hash keeps long keys unique. */
function externalIdFor(key: string, attempt: number): string {
  const base = key.replace(/[^\w:.-]/g, '_');
  return `${base.length > 110 ? base.slice(0, 110) : base}${attempt > 1 ? `:r${attempt}` : ''}`;
}

/** A receipt made this long after the money moved (in RetailCRM's clock) is a late one, and the merchant is told. */
export const LATE_RECEIPT_AFTER_S = 300;

const RUB = (kop: number) => `${(kop / 100).toFixed(2).replace('.', ',')} ₽`;

/** How many times in a row a receipt the register failed for a temporary reason is re-sent before the merchant is asked. */
export const MAX_AUTO_RESENDS = 5;

/** `Чек №12, смена 3, 01.02.2030 13:45:07, РН ККТ …, ФН …, ФД …, ФП …, <OFD link>` — what the merchant and the buyer check a receipt by. */
export function fiscalText(op: FiscalOp, f: FiscalData): string {
  const parts = [
    `${op === 'sell' ? 'Чек' : op === 'sell_refund' ? 'Чек возврата' : 'Чек коррекции'} №${f.fiscal_receipt_number}`,
    `смена ${f.shift_number}`,
    f.receipt_datetime,
    f.ecr_registration_number ? `РН ККТ ${f.ecr_registration_number}` : null,
    `ФН ${f.fn_number}`,
    `ФД ${f.fiscal_document_number}`,
    `ФП ${f.fiscal_document_attribute}`,
    f.ofd_receipt_url,
  ];
  return parts.filter((x): x is string => !!x).join(', ');
}

/** The fiscal attributes as the order's timeline shows them. */
function fiscalNote(f: FiscalData) {
  return {
    number: f.fiscal_receipt_number,
    shift: f.shift_number,
    datetime: f.receipt_datetime,
    rn: f.ecr_registration_number,
    fn: f.fn_number,
    fd: f.fiscal_document_number,
    fp: f.fiscal_document_attribute,
    ofd: f.ofd_receipt_url,
  };
}

/**
 * 54-FZ receipts through the cloud cash register. Exactly one receipt per (operation, order, payment): the row
 * and its first job commit together, the register deduplicates by our external_id (error 33 = adoption of
 * the receipt it already has), and a receipt is re-sent under a new id only when the merchant asks after the
 * register refused it for good.
 */
export class FiscalFlow {
  private readonly providers = new Map<string, { key: string; provider: AtolProvider }>();
  /**
   * Delay before an automatic re-send of a receipt the register failed for a temporary reason (its group's
   * registers busy or offline): 30 s, 1 min, 2 min… with jitter. Tests shorten it.
   */
  resendBackoff: BackoffPolicy = { baseMs: 30_000, maxMs: 15 * 60_000, maxRetryAfterMs: 0 };

  constructor(
    private readonly engine: Engine,
    private readonly connections: Connections,
  ) {}

  async install(crm: CrmSync): Promise<void> {
    const e = this.engine;
    crm.addReconciler('fiscal', (order, localId, db, ctx) => this.reconcile(order, localId, db, ctx));
    e.runner.register({
      kind: 'kassa.register',
      connector: 'kassa',
      title: 'Регистрация чека в онлайн-кассе',
      payload: z.object({ receiptId: z.number().int() }),
      run: (ctx) => this.register(ctx.payload.receiptId, ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'kassa.report',
      connector: 'kassa',
      title: 'Результат чека онлайн-кассы',
      payload: z.object({ receiptId: z.number().int() }),
      run: (ctx) => this.report(ctx.payload.receiptId, ctx.job.lastErrorKind === 'needsAttention', ctx.signal, ctx.note),
    });
    e.runner.register({
      kind: 'retailcrm.receiptWriteBack',
      connector: 'retailcrm',
      title: 'Реквизиты чека в RetailCRM',
      payload: z.object({ receiptId: z.number().int() }),
      run: async (ctx) => {
        const row = this.row(ctx.payload.receiptId);
        const field = e.settings.get('kassa').writeBackField;
        if (!row?.crm_id || !row.fiscal || !field) return { result: { skipped: true } };
        const f = JSON.parse(row.fiscal) as FiscalData;
        const text = fiscalText(row.op, f);
        ctx.note({ sent: { [field]: text } });
        await this.connections.retailcrm().orderEdit(row.crm_id, 'id', { customFields: { [field]: text } }, undefined, { signal: ctx.signal });
        return {};
      },
    });
    await e.addWebhookRoute({
      source: KASSA_CALLBACK_SOURCE,
      system: 'kassa',
      toInbox: (req) => {
        const cb = parseAtolCallback(req.rawBody.toString('utf8'));
        if (!cb.uuid) throw new SyncError({ kind: 'needsAttention', system: 'kassa', message: 'Онлайн-касса прислала уведомление без номера чека; чек проверим запросом.', detail: req.rawBody.toString('utf8').slice(0, 500) });
        return [{ source: KASSA_CALLBACK_SOURCE, externalId: `${cb.uuid}:${cb.state}`, kind: 'callback', payload: { uuid: cb.uuid, state: cb.state, fiscal: cb.fiscal ?? null } }];
      },
    });
    // The callback carries the result: a done receipt is completed from it, without a report request (the
    // register allows one a second). Anything else wakes the receipt's report job to read it.
    e.inbox.handle(KASSA_CALLBACK_SOURCE, 'kassa', (item, db) => {
      const { uuid, state, fiscal } = item.payload as { uuid: string; state: string; fiscal: FiscalData | null };
      const row = sql(db, 'SELECT * FROM receipts WHERE uuid = ?').get(uuid) as Row | undefined;
      if (!row) return;
      if (state === 'done' && fiscal && row.state !== 'done') {
        this.completeReceipt(db, row, fiscal);
        if (row.order_id) e.timeline.record({ orderId: row.order_id, system: 'kassa', action: 'Чек пробит (уведомление онлайн-кассы)', outcome: 'ok', received: fiscalNote(fiscal) });
        return;
      }
      const job = e.queue.byKey(`kassa:report:${row.id}:${row.attempt}`);
      if (job && job.state === 'retrying') sql(db, `UPDATE jobs SET run_after = ? WHERE id = ?`).run(Date.now(), job.id);
    });
    e.connectionTests.set('kassa', async () => {
      const s = e.settings.get('kassa');
      if (s.profiles.length === 0) return { ok: false, message: 'Добавьте хотя бы одну кассу (группу ККТ) в настройках.', detail: null };
      for (const p of s.profiles) await this.provider(p).status('00000000-0000-0000-0000-000000000000');
      return { ok: true, message: `Онлайн-касса подключена: ${s.profiles.map((p) => p.name).join(', ')}.`, detail: null };
    });
  }

  private row(id: number): Row | null {
    return (sql(this.engine.db, 'SELECT * FROM receipts WHERE id = ?').get(id) as Row | undefined) ?? null;
  }

  profile(id: string): Profile {
    const p = this.engine.settings.get('kassa').profiles.find((x) => x.id === id);
    if (!p) throw new SyncError({ kind: 'needsAttention', system: 'kassa', message: `Касса «${id}» не найдена в настройках онлайн-кассы.` });
    return p;
  }

  private provider(p: Profile): AtolProvider {
    const s = this.engine.settings.get('kassa');
    const password = this.engine.secrets.get('kassa.password');
    if (!s.login || !password) throw new SyncError({ kind: 'auth', system: 'kassa', message: 'Онлайн-касса не подключена: укажите логин и пароль ATOL Online в настройках.' });
    const callback = this.engine.publicUrl() ? this.engine.webhookUrl(KASSA_CALLBACK_SOURCE) : null;
    const key = JSON.stringify([s.baseUrl, s.login, password, p.version, p.groupCode, callback]);
    const hit = this.providers.get(p.id);
    if (hit?.key === key) return hit.provider;
    const provider = createAtolProvider({
      config: { version: p.version, baseUrl: s.baseUrl, login: s.login, password, groupCode: p.groupCode, callbackUrl: callback },
      redactor: this.engine.redactor,
      limiters: this.engine.rateLimiters,
    });
    this.providers.set(p.id, { key, provider });
    return provider;
  }

  /** Records the receipt Prilavok owes and enqueues its registration; a second request for the same key is a no-op. */
  request(db: Db, r: ReceiptRequest): { id: number; created: boolean } {
    const existing = sql(db, 'SELECT id FROM receipts WHERE key = ?').get(r.key) as { id: number } | undefined;
    if (existing) return { id: existing.id, created: false };
    const profile = this.profile(r.profileId);
    const input: ReceiptInput = {
      ...r.input,
      op: r.op,
      externalId: externalIdFor(r.key, 1),
      company: { inn: profile.inn, sno: profile.sno, email: profile.email, paymentAddress: profile.paymentAddress },
      ffd: profile.version === 'v5' ? '1.2' : '1.05',
      createdAt: new Date(),
    };
    // Built now so a receipt that cannot be valid (no contact, sums that disagree) is refused before anything is sent.
    const draft = buildReceipt(input);
    const now = Date.now();
    const { id } = sql(db, `INSERT INTO receipts (key, order_id, crm_id, op, profile, external_id, state, total, draft, created_at, updated_at)
                            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id`)
      .get(r.key, r.orderId, r.crmId, r.op, r.profileId, input.externalId, draft.totalKop, JSON.stringify(input), now, now) as { id: number };
    this.engine.queue.enqueue({ kind: 'kassa.register', connector: 'kassa', key: `kassa:register:${id}:1`, payload: { receiptId: id }, orderId: r.orderId });
    if (r.orderId) this.engine.orders.setChip(r.orderId, 'kassa', { state: 'pending', label: r.op === 'sell' ? 'Чек: отправляется' : 'Чек возврата: отправляется', attention: false });
    return { id, created: true };
  }

  private draftOf(row: Row) {
    const input = JSON.parse(row.draft) as ReceiptInput & { createdAt: string };
    return buildReceipt({ ...input, externalId: row.external_id, createdAt: new Date(input.createdAt) });
  }

  private async register(id: number, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.row(id);
    if (!row || row.state !== 'pending') return { result: { skipped: row?.state ?? 'missing' } };
    const draft = this.draftOf(row);
    note({ sent: { op: row.op, external_id: row.external_id, total: draft.totalKop / 100, items: draft.items.length } });
    const res = await this.provider(this.profile(row.profile)).submit(draft, { signal });
    note({ received: res });
    return {
      result: res,
      commit: (db: Db) => {
        sql(db, `UPDATE receipts SET state = 'registered', uuid = ?, updated_at = ? WHERE id = ? AND state = 'pending'`).run(res.providerRef, Date.now(), id);
        // Its own lane: report polls wait for the register's 1 request/s and must not hold up new receipts.
        // With a callback on its way the first poll waits, so it is usually not needed at all.
        const callbacks = !!this.engine.publicUrl();
        this.engine.queue.enqueue({
          kind: 'kassa.report',
          connector: 'kassa-report',
          key: `kassa:report:${id}:${row.attempt}`,
          payload: { receiptId: id },
          orderId: row.order_id,
          maxAttempts: 60,
          ...(callbacks ? { runAfter: Date.now() + 10_000 } : {}),
        });
      },
    };
  }

  private async report(id: number, merchantRetry: boolean, signal: AbortSignal, note: (x: { sent?: unknown; received?: unknown }) => void) {
    const row = this.row(id);
    if (row?.state === 'done' && row.fiscal) {
      // Completed by the register's callback meanwhile: the attributes are already here.
      note({ received: fiscalNote(JSON.parse(row.fiscal) as FiscalData) });
      return { result: { skipped: 'done' } };
    }
    if (!row?.uuid || row.state === 'done') return { result: { skipped: row?.state ?? 'missing' } };
    const provider = this.provider(this.profile(row.profile));
    const st = await provider.status(row.uuid, { signal, op: row.op } as never);
    if (st.state === 'queued') {
      throw new SyncError({ kind: 'retryable', system: 'kassa', retryAfterMs: 1_500, message: 'Чек ещё обрабатывается кассой. Проверим позже.' });
    }
    if (st.state === 'failed') {
      note({ received: st.error ? { code: st.error.code, kind: st.error.kind, detail: st.error.detail } : { failed: true } });
      // A failed document is not a receipt: nothing was registered, so sending it again cannot make a second one.
      // The register keeps the failed document under its external_id (a repeat would only return it), so the
      // receipt goes again under the next id.
      const resend = (auto: boolean, runAfter?: number) => {
        const attempt = row.attempt + 1;
        return {
          result: { resend: attempt, auto },
          commit: (db: Db) => {
            sql(db, `UPDATE receipts SET state = 'pending', uuid = NULL, attempt = ?, external_id = ?, updated_at = ? WHERE id = ?`).run(attempt, externalIdFor(row.key, attempt), Date.now(), id);
            this.engine.queue.enqueue({
              kind: 'kassa.register',
              connector: 'kassa',
              key: `kassa:register:${id}:${attempt}${auto ? ':auto' : ''}`,
              payload: { receiptId: id },
              orderId: row.order_id,
              ...(runAfter !== undefined ? { runAfter } : {}),
            });
            if (auto && row.order_id) {
              this.engine.orders.setChip(row.order_id, 'kassa', { state: 'pending', label: row.op === 'sell' ? 'Чек: отправим заново' : 'Чек возврата: отправим заново', attention: false });
            }
          },
        };
      };
      // The merchant fixed the cause and pressed «Повторить».
      if (merchantRetry) return resend(false);
      // Temporary (the group's registers busy or offline, a queue timeout): sent again by itself, with growing pauses.
      const autoResends = this.autoResendsInARow(id);
      if (st.error?.kind === 'transient' && autoResends < MAX_AUTO_RESENDS) {
        return resend(true, Date.now() + backoffDelay(autoResends + 1, null, this.resendBackoff));
      }
      if (!st.error) throw new SyncError({ kind: 'needsAttention', system: 'kassa', message: 'Касса не пробила чек.' });
      const err = kassaErrorToSyncError(st.error, 'needsAttention');
      if (st.error.kind === 'transient') {
        throw new SyncError({
          kind: 'needsAttention',
          system: 'kassa',
          code: err.code,
          message: `${err.message} Чек уже отправлялся заново ${autoResends} раз — проверьте кассы в личном кабинете АТОЛ Онлайн и нажмите «Повторить».`,
          detail: err.detail,
        });
      }
      throw err;
    }
    const fiscal = st.fiscal!;
    note({ received: fiscalNote(fiscal) });
    return {
      result: { done: true },
      commit: (db: Db) => {
        const now = this.row(id);
        if (now && now.state !== 'done') this.completeReceipt(db, now, fiscal);
      },
    };
  }

  /** Automatic re-sends since the receipt was first sent or the merchant last re-sent it. */
  private autoResendsInARow(id: number): number {
    const keys = sql(this.engine.db, `SELECT idempotency_key AS k FROM jobs WHERE kind = 'kassa.register' AND idempotency_key LIKE ? ORDER BY id DESC`).all(`kassa:register:${id}:%`) as Array<{ k: string }>;
    let n = 0;
    for (const { k } of keys) {
      if (!k.endsWith(':auto')) break;
      n++;
    }
    return n;
  }

  private completeReceipt(db: Db, row: Row, fiscal: FiscalData): void {
    sql(db, `UPDATE receipts SET state = 'done', fiscal = ?, updated_at = ? WHERE id = ?`).run(JSON.stringify(fiscal), Date.now(), row.id);
    if (row.order_id) {
      this.engine.orders.setChip(row.order_id, 'kassa', { state: 'done', label: `${row.op === 'sell' ? 'Чек' : 'Чек возврата'} №${fiscal.fiscal_receipt_number}`, attention: false });
    }
    if (row.crm_id && this.engine.settings.get('kassa').writeBackField) {
      this.engine.queue.enqueue({ kind: 'retailcrm.receiptWriteBack', connector: 'retailcrm', key: `crm:receipt:${row.id}`, payload: { receiptId: row.id }, orderId: row.order_id });
    }
  }

  // ── RetailCRM payments → receipts ───────────────────────────────────────────────────────────────────

  /** Receipt contents for a RetailCRM order paid by one payment: the goods when it pays the whole order. */
  crmReceiptInput(order: CrmOrder, payment: { kopecks: number; kind: 'cash' | 'cashless' | 'prepayment' }, profile: Profile, settlement: 'full_payment' | 'full_prepayment' | 'prepayment'): ReceiptRequest['input'] {
    const total = toKopecks(order.totalSumm ?? 0);
    const customer = { email: order.email ?? null, phone: order.phone ?? null };
    if (payment.kopecks !== total) {
      // A part of the order: 54-FZ wants a prepayment receipt for that amount, not the goods.
      return {
        items: [{ name: `Предоплата по заказу №${order.number}`, priceKopecks: payment.kopecks, quantity: 1, vat: profile.vat, paymentObject: 'payment' }],
        payments: [{ kind: payment.kind, kopecks: payment.kopecks }],
        customer,
        settlement: 'prepayment',
      };
    }
    const goods = order.items
      .filter((i) => (i.quantity ?? 0) > 0)
      .map((i) => ({
        name: i.offer?.name || i.productName || 'Товар',
        priceKopecks: Math.max(0, toKopecks(i.initialPrice ?? 0) - toKopecks(i.discountTotal ?? 0)),
        quantity: i.quantity,
        vat: (i.vatRate ? VAT[i.vatRate] : undefined) ?? profile.vat,
      }));
    const delivery = toKopecks(order.delivery?.cost ?? 0);
    const itemsSum = goods.reduce((s, i) => s + Math.round(i.priceKopecks * i.quantity), 0) + delivery;
    return {
      items: goods,
      ...(delivery > 0 ? { deliveryKopecks: delivery } : {}),
      ...(itemsSum > total ? { discountKopecks: itemsSum - total } : {}),
      payments: [{ kind: payment.kind, kopecks: payment.kopecks }],
      customer,
      settlement,
    };
  }

  /**
   * Receipts follow what happened to each payment, not its state now: the order's history records (read with
   * it, each once) are replayed into sales and refunds, numbered per payment. Without history (a trigger, the
   * first run) the current state asks only for a sale, and only when nothing is outstanding — unless a receipt
   * of that payment was made after this order was read, when the read is stale and the history decides.
   */
  private reconcile(order: CrmOrder, localId: number, db: Db, ctx: ReconcileContext): void {
    const s = this.engine.settings.get('kassa');
    if (!s.enabled) return;
    const rules: FiscalRules = { paid: new Set(s.paidPaymentStatuses), refund: new Set(s.refundPaymentStatuses) };
    const guarded = (run: () => void) => {
      try {
        run();
      } catch (err) {
        // A receipt that cannot be built (no buyer contact, say) is the merchant's to fix: logged on the order.
        const e = toSyncError(err, 'kassa');
        this.engine.errors.record(e, { orderId: localId });
        this.engine.orders.setChip(localId, 'kassa', { state: 'invalid', label: 'Чек не сформирован', attention: true });
      }
    };
    for (const replay of paymentReplays(ctx.history, order.id, order)) {
      const events = moneyEvents(replay, this.ledgerOf(db, order.id, replay.paymentId), rules);
      for (const ev of events) guarded(() => this.fiscaliseEvent(order, replay.paymentId, ev, localId, db, ctx));
    }
    for (const p of order.payments) {
      if (p.id === null) continue;
      const paymentId = p.id;
      const ledger = this.ledgerOf(db, order.id, paymentId);
      if (ledger.latestAt !== null && ledger.latestAt >= ctx.readAt) continue;
      const ev = stateEvent(currentState(p), ledger, rules, p.paidAt ?? null);
      if (ev) guarded(() => this.fiscaliseEvent(order, paymentId, ev, localId, db, { ...ctx, generatedAt: null }));
      guarded(() => this.settlement(order, p, localId, db));
    }
  }

  /** The receipts made so far for one RetailCRM payment (by their keys), oldest ordinal first. */
  private ledgerOf(db: Db, crmId: number, paymentId: number): Ledger & { latestAt: number | null; sells: Row[] } {
    const prefix = `receipt:%:retailcrm:${crmId}:${paymentId}%`;
    const exact = new RegExp(`^receipt:(sell|sell_refund):retailcrm:${crmId}:${paymentId}(?::(\\d+))?$`);
    const rows = (sql(db, 'SELECT * FROM receipts WHERE key LIKE ? ORDER BY id').all(prefix) as Array<Row & { created_at: number }>)
      .map((r) => ({ r, m: exact.exec(r.key) }))
      .filter((x) => x.m !== null)
      .map((x) => ({ row: x.r, op: x.m![1] as 'sell' | 'sell_refund', n: Number(x.m![2] ?? 1) }))
      .sort((a, b) => a.n - b.n);
    const sells = rows.filter((x) => x.op === 'sell');
    return {
      sold: sells.map((x) => x.row.total),
      refunded: rows.filter((x) => x.op === 'sell_refund').map((x) => x.row.total),
      latestAt: rows.reduce<number | null>((m, x) => (m === null || x.row.created_at > m ? x.row.created_at : m), null),
      sells: sells.map((x) => x.row),
    };
  }

  private fiscaliseEvent(order: CrmOrder, paymentId: number, ev: MoneyEvent, localId: number, db: Db, ctx: Pick<ReconcileContext, 'generatedAt'>): void {
    const s = this.engine.settings.get('kassa');
    const current = order.payments.find((p) => p.id === paymentId) ?? null;
    const type = ev.type ?? current?.type ?? null;
    const ledger = this.ledgerOf(db, order.id, paymentId);
    const lastSell = ledger.sells.at(-1) ?? null;
    // A refund goes through the register that made the sale, whatever the payment's type became since.
    const profileId = (ev.op !== 'sell' && lastSell?.profile) || (type ? s.crmPaymentTypes[type] : undefined);
    if (!profileId) return;
    const asPayment: CrmPayment = current ?? { id: paymentId, externalId: null, type: type ?? '', status: null, amount: 0, paidAt: null, comment: null };
    if (this.fiscalisedAsCod(order, { ...asPayment, type: type ?? asPayment.type }, db)) return;
    if (ev.op === 'unpaid') {
      const what = ev.deleted ? 'удалена' : `переведена в статус «${ev.status ?? '—'}»`;
      const message = `Оплата заказа №${order.number} на ${RUB(ev.outstanding)} ${what} после того, как по ней пробит чек. RetailCRM не говорит, что деньги вернули, поэтому чек возврата не пробит. Если деньги вернули покупателю, отметьте оплату как возвращённую (Прилавок пробьёт чек возврата) или оформите возврат в кабинете кассы.`;
      this.engine.errors.record(new SyncError({ kind: 'needsAttention', system: 'kassa', message, detail: `payment ${paymentId}, history ${ev.historyId}` }), { orderId: localId, severity: 'warning' });
      this.engine.timeline.record({ orderId: localId, system: 'kassa', action: 'Оплата с чеком снята в RetailCRM', outcome: 'info', received: { payment: paymentId, outstanding: ev.outstanding / 100, deleted: ev.deleted } });
      return;
    }
    const profile = this.profile(profileId);
    const key = receiptKey(ev.op, order.id, paymentId, ev.ordinal);
    const base = { profileId, orderId: localId, crmId: order.id, key, op: ev.op };
    let created: boolean;
    if (ev.op === 'sell') {
      const complete = s.completeStatuses.includes(order.status);
      const advance = s.prepaymentUntilComplete && !complete;
      const kind = type && s.cashPaymentTypes.includes(type) ? 'cash' : 'cashless';
      created = this.request(db, { ...base, input: this.crmReceiptInput(order, { kopecks: ev.kopecks, kind }, profile, advance ? 'full_prepayment' : 'full_payment') }).created;
    } else {
      const original = lastSell ? (JSON.parse(lastSell.draft) as ReceiptInput) : null;
      const originalTotal = lastSell?.total ?? 0;
      // The whole of the last sale goes back: the refund repeats its items and settlement method. A part of it:
      // one line for that amount, as for a part payment.
      const input: ReceiptRequest['input'] =
        original && ev.kopecks === originalTotal
          ? { items: original.items, ...(original.deliveryKopecks ? { deliveryKopecks: original.deliveryKopecks } : {}), ...(original.discountKopecks ? { discountKopecks: original.discountKopecks } : {}), payments: original.payments, customer: original.customer, settlement: original.settlement }
          : {
              items: [{ name: `Возврат части оплаты по заказу №${order.number}`, priceKopecks: ev.kopecks, quantity: 1, vat: profile.vat, paymentObject: 'payment' }],
              payments: [{ kind: original?.payments[0]?.kind ?? 'cashless', kopecks: ev.kopecks }],
              customer: original?.customer ?? { email: order.email ?? null, phone: order.phone ?? null },
              settlement: 'prepayment',
            };
      created = this.request(db, { ...base, input }).created;
    }
    if (!created) return;
    const late = crmSecondsBetween(ev.at, ctx.generatedAt);
    if (late !== null && late > LATE_RECEIPT_AFTER_S) {
      const moved = ev.op === 'sell' ? 'получены' : 'возвращены';
      const kind = ev.op === 'sell' ? 'Чек' : 'Чек возврата';
      const minutes = Math.round(late / 60);
      const message = `${kind} по заказу №${order.number} на ${RUB(ev.kopecks)} пробит с опозданием: деньги ${moved} ${ev.at}, Прилавок узнал об этом через ${minutes} мин (был выключен или не получал изменений). Чек с текущей датой отправлен покупателю; если касса или налоговая требуют, оформите чек коррекции за день расчёта.`;
      this.engine.errors.record(new SyncError({ kind: 'needsAttention', system: 'kassa', message, detail: `${key}, history ${ev.historyId}, ${late} s late` }), { orderId: localId, severity: 'warning' });
      this.engine.timeline.record({ orderId: localId, system: 'kassa', action: `${kind} с опозданием`, outcome: 'info', received: { key, movedAt: ev.at, lateMinutes: minutes } });
    }
  }

  /** Goods handed over after a prepayment: the settlement receipt offsets the advance (payment type «prepayment»). */
  private settlement(order: CrmOrder, p: CrmPayment, localId: number, db: Db): void {
    const s = this.engine.settings.get('kassa');
    const profileId = p.type ? s.crmPaymentTypes[p.type] : undefined;
    if (!profileId || p.id === null || !s.prepaymentUntilComplete || !s.completeStatuses.includes(order.status)) return;
    if (this.fiscalisedAsCod(order, p, db)) return;
    const kop = toKopecks(p.amount ?? 0);
    const sellKey = receiptKey('sell', order.id, p.id, 1);
    const ledger = this.ledgerOf(db, order.id, p.id);
    if (kop <= 0 || outstanding(ledger) <= 0) return;
    const sell = sql(db, 'SELECT draft FROM receipts WHERE key = ?').get(sellKey) as { draft: string } | undefined;
    if (sell && (JSON.parse(sell.draft) as ReceiptInput).settlement === 'full_prepayment') {
      const profile = this.profile(profileId);
      this.request(db, { profileId, orderId: localId, crmId: order.id, key: `${sellKey}:settlement`, op: 'sell', input: this.crmReceiptInput(order, { kopecks: kop, kind: 'prepayment' }, profile, 'full_payment') });
    }
  }

  /**
   * Money the courier collected is fiscalised once: on delivery (`…:cod`) or by the courier's own register —
   * never a second time when the courier flow marks that payment paid and its type is also mapped to a
   * receipt. Guarded here rather than refused on save: the courier's payment types and the cash-register
   * mapping live in two settings sections saved separately, and a COD receipt made before a settings change
   * must still count. The courier collected a payment it created itself (`measoft-…`), one of a cash- or
   * card-on-delivery type, or — once the COD receipt exists — one of the types it records MeaSoft's payment as.
   * Such a payment is left to the COD path when a COD receipt exists, or when the order is with MeaSoft and COD
   * receipts are on (made by Prilavok or by the courier).
   */
  private fiscalisedAsCod(order: CrmOrder, p: CrmPayment, db: Db): boolean {
    const c = this.engine.settings.get('courier');
    const codReceipt = !!sql(db, 'SELECT 1 FROM receipts WHERE key = ?').get(this.codKey(order.id));
    const type = p.type ?? '';
    const collected =
      (p.externalId ?? '').startsWith('measoft-') ||
      c.codPaymentTypes.includes(type) ||
      c.cardOnDeliveryPaymentTypes.includes(type) ||
      (codReceipt && (type === c.paymentTypeMap.CASH || type === c.paymentTypeMap.CARD));
    if (!collected) return false;
    if (codReceipt) return true;
    return this.engine.settings.get('kassa').cod.enabled && !!sql(db, `SELECT 1 FROM courier_orders WHERE crm_id = ? AND state IN ('sending', 'sent')`).get(order.id);
  }

  private codKey(crmId: number): string {
    return `receipt:sell:retailcrm:${crmId}:cod`;
  }

  /** Cash on delivery: the courier flow calls it when MeaSoft reports the order delivered. */
  requestCod(db: Db, o: { orderId: number; crmId: number; number: string; paytype: string | null; priceKopecks: number; items: Array<{ name: string; quantity: number; retpriceKopecks: number }>; email: string | null; phone: string | null }): void {
    const cod = this.engine.settings.get('kassa').cod;
    if (!this.engine.settings.get('kassa').enabled || !cod.enabled || cod.courierPrints || !cod.profileId || o.priceKopecks <= 0) return;
    const profile = this.profile(cod.profileId);
    const goods = o.items.filter((i) => i.retpriceKopecks > 0);
    const sum = goods.reduce((s, i) => s + Math.round(i.retpriceKopecks * i.quantity), 0);
    this.request(db, {
      key: this.codKey(o.crmId),
      op: 'sell',
      profileId: cod.profileId,
      orderId: o.orderId,
      crmId: o.crmId,
      input: {
        items: sum === o.priceKopecks
          ? goods.map((i) => ({ name: i.name, priceKopecks: i.retpriceKopecks, quantity: i.quantity, vat: profile.vat }))
          : [{ name: `Оплата заказа №${o.number}`, priceKopecks: o.priceKopecks, quantity: 1, vat: profile.vat }],
        payments: [{ kind: o.paytype === 'CARD' ? 'cashless' : 'cash', kopecks: o.priceKopecks }],
        customer: { email: o.email, phone: o.phone },
        settlement: 'full_payment',
      },
    });
  }

  receiptsFor(orderId: number): Array<{ key: string; op: string; state: string; uuid: string | null; fiscal: FiscalData | null }> {
    return (sql(this.engine.db, 'SELECT key, op, state, uuid, fiscal FROM receipts WHERE order_id = ? ORDER BY id').all(orderId) as Row[]).map((r) => ({
      key: r.key,
      op: r.op,
      state: r.state,
      uuid: r.uuid,
      fiscal: r.fiscal ? (JSON.parse(r.fiscal) as FiscalData) : null,
    }));
  }

  /** For the Leeloo flow: the local order of a RetailCRM order. */
  localOrderRef(crmId: number): string {
    return crmOrderRef(crmId);
  }
}
