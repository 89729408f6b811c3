import { z } from 'zod';
import { KASSA_CALLBACK_SOURCE, kassa, kassaProvider } from '../../connectors/kassa/connector.js';
import type { FiscalData } from '../../connectors/kassa/types.js';
import { SyncError } from '../../errors.js';
import type { InboxSource } from '../../jobs/inbox.js';
import '../courier/events.js';
import '../crm/events.js';
import type { FlowModule } from '../types.js';
import './events.js';
import { fiscalJobs, kassaProfile, type FiscalOptions } from './jobs.js';
import { fiscalReceipts } from './receipts.js';
import { fiscalNote } from './rules.js';
import { receiptStore } from './store.js';

export { MAX_AUTO_RESENDS, type ReceiptRequest } from './rules.js';

export const KASSA_CALLBACK: InboxSource = { source: KASSA_CALLBACK_SOURCE, system: 'kassa' };

const callbackPayload = z.object({ uuid: z.string(), state: z.string(), fiscal: z.custom<FiscalData>((v) => v !== null && typeof v === 'object').nullable() });

/**
 * 54-FZ receipts through the cloud cash register. Exactly one receipt per (operation, order, payment): the row
 * and its first job commit together, the register deduplicates by our external_id (a duplicate is the adoption
 * of the receipt it already has), and a receipt is re-sent under a new id only when the merchant asks after the
 * register refused it for good. Receipts are asked for by RetailCRM payments (`retailcrm.order`), deliveries
 * (`courier.delivered`) and other flows (`fiscal.receiptRequested`).
 */
export const fiscalFlow = {
  id: 'fiscal',
  async install({ engine: e, connectors, jobs: registerJobs, connectionTest }) {
    const opts: FiscalOptions = { resendBackoff: { baseMs: 30_000, maxMs: 15 * 60_000, maxRetryAfterMs: 0 } };
    const { jobs, complete } = fiscalJobs(e, connectors, opts);
    registerJobs(jobs);
    const receipts = fiscalReceipts(e, jobs);

    e.events.on('retailcrm.order', ({ order, localId, db, history, generatedAt, readAt }) => receipts.reconcile(order, localId, db, { history, generatedAt, readAt }));
    e.events.on('fiscal.receiptRequested', ({ db, request }) => void receipts.request(db, request));
    e.events.on('courier.delivered', ({ db, ...o }) => {
      try {
        receipts.requestCod(db, o);
      } catch (err) {
        // A receipt that cannot be built must not hold up the delivery status: it is the merchant's to fix.
        receipts.refused(err, o.orderId);
      }
    });

    await e.addWebhookRoute({
      ...KASSA_CALLBACK,
      toInbox: (req) => {
        const raw = req.rawBody.toString('utf8');
        const cb = kassaProvider().parseCallback(raw);
        if (!cb.uuid) throw new SyncError({ kind: 'needsAttention', system: 'kassa', message: 'Онлайн-касса прислала уведомление без номера чека; чек проверим запросом.', detail: raw.slice(0, 500) });
        return [{ source: KASSA_CALLBACK.source, externalId: `${cb.uuid}:${cb.state}`, kind: 'callback', payload: { uuid: cb.uuid, state: cb.state, fiscal: cb.fiscal } }];
      },
    });
    // The callback carries the result: a done receipt is completed from it, without a report request (the
    // register allows one a second). Anything else wakes the receipt's report job to read it.
    e.inbox.handle(KASSA_CALLBACK, callbackPayload, (item, db) => {
      const { uuid, state, fiscal } = item.payload;
      const row = receiptStore.byUuid(db, uuid);
      if (!row) return;
      if (state === 'done' && fiscal && row.state !== 'done') {
        complete(db, row, fiscal);
        if (row.order_id) e.timeline.record({ orderId: row.order_id, system: 'kassa', action: 'Чек пробит (уведомление онлайн-кассы)', outcome: 'ok', received: fiscalNote(fiscal) });
        return;
      }
      const job = jobs.report.byKey(e.queue, { receiptId: row.id, attempt: row.attempt });
      if (job && job.state === 'retrying') e.queue.runNow(job.id);
    });

    connectionTest('kassa', async () => {
      const s = e.settings.get('kassa');
      if (s.profiles.length === 0) return { ok: false, message: 'Добавьте хотя бы одну кассу (группу ККТ) в настройках.', detail: null };
      for (const p of s.profiles) await connectors.client(kassa, kassaProfile(e, p.id)).status('00000000-0000-0000-0000-000000000000');
      return { ok: true, message: `Онлайн-касса подключена: ${s.profiles.map((p) => p.name).join(', ')}.`, detail: null };
    });

    return {
      /** Retry pauses of automatic re-sends (tests shorten them). */
      get resendBackoff() {
        return opts.resendBackoff;
      },
      set resendBackoff(v) {
        opts.resendBackoff = v;
      },
      request: receipts.request,
      jobs,
    };
  },
} satisfies FlowModule<unknown>;
