import { z } from 'zod';
import { kassa, type KassaProfile } from '../../connectors/kassa/connector.js';
import { buildReceipt, type ReceiptInput } from '../../connectors/kassa/receipt.js';
import { kassaErrorToSyncError } from '../../connectors/kassa/atol.js';
import type { FiscalData } from '../../connectors/kassa/types.js';
import { retailcrm } from '../../connectors/retailcrm/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import { backoffDelay, type BackoffPolicy } from '../../jobs/backoff.js';
import { defineJob } from '../../jobs/define.js';
import { MAX_AUTO_RESENDS, externalIdFor, fiscalNote, fiscalText } from './rules.js';
import { receiptStore, type ReceiptRow } from './store.js';

/**
 * `attempt`: the receipt's send under one external id (a refused document goes again under the next);
 * `auto`: a re-send Prilavok made by itself after a temporary failure (counted, so it stops after a few).
 */
const registerPayload = z.object({ receiptId: z.number().int(), attempt: z.number().int().positive().optional(), auto: z.boolean().optional() });
const reportPayload = z.object({ receiptId: z.number().int(), attempt: z.number().int().positive().optional() });

export interface FiscalOptions {
  /**
   * Delay before an automatic re-send of a receipt the register failed for a temporary reason (its group's
   * registers busy or offline): 30 s, 1 min, 2 min… with jitter. Tests shorten it.
   */
  resendBackoff: BackoffPolicy;
}

/** The profile of a cash register by its id in the settings. */
export function kassaProfile(e: Engine, id: string): KassaProfile {
  const p = e.settings.get('kassa').profiles.find((x) => x.id === id);
  if (!p) throw new SyncError({ kind: 'needsAttention', system: 'kassa', message: `Касса «${id}» не найдена в настройках онлайн-кассы.` });
  return p;
}

/** The fiscal flow's jobs: registration at the register, its result, the receipt's attributes back to RetailCRM. */
export function fiscalJobs(e: Engine, connectors: ConnectorRegistry, opts: FiscalOptions) {
  const db = e.db;
  const register = (profileId: string) => connectors.client(kassa, kassaProfile(e, profileId));

  const writeBack = defineJob({
    kind: 'retailcrm.receiptWriteBack',
    system: 'retailcrm',
    title: 'Реквизиты чека в RetailCRM',
    payload: z.object({ receiptId: z.number().int() }),
    key: (p) => `crm:receipt:${p.receiptId}`,
    run: async (ctx) => {
      const row = receiptStore.get(db, ctx.payload.receiptId);
      const field = e.settings.get('kassa').writeBackField;
      if (!row?.crm_id || !row.fiscal || !field) return { result: { skipped: true } };
      const text = fiscalText(row.op, JSON.parse(row.fiscal) as FiscalData);
      ctx.note({ sent: { [field]: text } });
      await connectors.client(retailcrm).orderEdit(row.crm_id, 'id', { customFields: { [field]: text } }, undefined, { signal: ctx.signal });
      return {};
    },
  });

  /** A receipt's fiscal attributes arrived (a report or the register's callback). */
  function complete(tx: Db, row: ReceiptRow, fiscal: FiscalData): void {
    receiptStore.done(tx, row.id, fiscal);
    if (row.order_id) {
      e.orders.setChip(row.order_id, 'kassa', { state: 'done', label: `${row.op === 'sell' ? 'Чек' : 'Чек возврата'} №${fiscal.fiscal_receipt_number}`, attention: false });
    }
    if (row.crm_id && e.settings.get('kassa').writeBackField) writeBack.enqueue(e.queue, { receiptId: row.id }, { orderId: row.order_id });
  }

  function draftOf(row: ReceiptRow) {
    const input = JSON.parse(row.draft) as ReceiptInput & { createdAt: string };
    return buildReceipt({ ...input, externalId: row.external_id, createdAt: new Date(input.createdAt) });
  }

  /** Automatic re-sends since the receipt was first sent or the merchant last re-sent it. */
  function autoResendsInARow(id: number): number {
    let n = 0;
    for (const k of e.queue.keysLike('kassa.register', `kassa:register:${id}:`)) {
      if (!k.endsWith(':auto')) break;
      n++;
    }
    return n;
  }

  const submit = defineJob({
    kind: 'kassa.register',
    system: 'kassa',
    title: 'Регистрация чека в онлайн-кассе',
    payload: registerPayload,
    key: (p) => `kassa:register:${p.receiptId}:${p.attempt ?? 1}${p.auto ? ':auto' : ''}`,
    run: async ({ payload, signal, note }) => {
      const id = payload.receiptId;
      const row = receiptStore.get(db, id);
      if (!row || row.state !== 'pending') return { result: { skipped: row?.state ?? 'missing' } };
      const draft = draftOf(row);
      note({ sent: { op: row.op, external_id: row.external_id, total: draft.totalKop / 100, items: draft.items.length } });
      const res = await register(row.profile).submit(draft, { signal });
      note({ received: res });
      return {
        result: res,
        commit: (tx: Db) => {
          receiptStore.registered(tx, id, res.providerRef);
          // Its own lane: report polls wait for the register's 1 request/s and must not hold up new receipts.
          // With a callback on its way the first poll waits, so it is usually not needed at all.
          const callbacks = !!e.publicUrl();
          report.enqueue(e.queue, { receiptId: id, attempt: row.attempt }, { orderId: row.order_id, ...(callbacks ? { runAfter: Date.now() + 10_000 } : {}) });
        },
      };
    },
  });

  const report = defineJob({
    kind: 'kassa.report',
    system: 'kassa',
    lane: 'kassa-report',
    title: 'Результат чека онлайн-кассы',
    payload: reportPayload,
    key: (p) => `kassa:report:${p.receiptId}:${p.attempt ?? 1}`,
    maxAttempts: 60,
    run: async ({ payload, job, signal, note }) => {
      const id = payload.receiptId;
      const merchantRetry = job.lastErrorKind === 'needsAttention';
      const row = receiptStore.get(db, id);
      if (row?.state === 'done' && row.fiscal) {
        // Completed by the register's callback meanwhile: the attributes are already here.
        note({ received: fiscalNote(JSON.parse(row.fiscal) as FiscalData) });
        return { result: { skipped: 'done' } };
      }
      if (!row?.uuid || row.state === 'done') return { result: { skipped: row?.state ?? 'missing' } };
      const st = await register(row.profile).status(row.uuid, { signal, op: row.op });
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
            commit: (tx: Db) => {
              receiptStore.resend(tx, id, attempt, externalIdFor(row.key, attempt));
              submit.enqueue(e.queue, { receiptId: id, attempt, ...(auto ? { auto } : {}) }, { orderId: row.order_id, ...(runAfter !== undefined ? { runAfter } : {}) });
              if (auto && row.order_id) {
                e.orders.setChip(row.order_id, 'kassa', { state: 'pending', label: row.op === 'sell' ? 'Чек: отправим заново' : 'Чек возврата: отправим заново', attention: false });
              }
            },
          };
        };
        // The merchant fixed the cause and pressed «Повторить».
        if (merchantRetry) return resend(false);
        // Temporary (the group's registers busy or offline, a queue timeout): sent again by itself, with growing pauses.
        const autoResends = autoResendsInARow(id);
        if (st.error?.kind === 'transient' && autoResends < MAX_AUTO_RESENDS) {
          return resend(true, Date.now() + backoffDelay(autoResends + 1, null, opts.resendBackoff));
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
        commit: (tx: Db) => {
          const now = receiptStore.get(tx, id);
          if (now && now.state !== 'done') complete(tx, now, fiscal);
        },
      };
    },
  });

  return { jobs: { submit, report, writeBack }, complete };
}

export type FiscalJobs = ReturnType<typeof fiscalJobs>['jobs'];
