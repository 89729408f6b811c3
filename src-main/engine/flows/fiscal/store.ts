import type { ReceiptInput } from '../../connectors/kassa/receipt.js';
import type { FiscalData, FiscalOp } from '../../connectors/kassa/types.js';
import { rowBy, sql, type Db } from '../../db/open.js';

/** A row of `receipts`: one receipt Prilavok owes, unique per (operation, order, payment) through `key`. */
export interface ReceiptRow {
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

const by = rowBy<ReceiptRow>('receipts');

/** The fiscal flow's SQL. */
export const receiptStore = {
  get: by('id'),
  byUuid: by('uuid'),

  idByKey(db: Db, key: string): number | null {
    return (sql(db, 'SELECT id FROM receipts WHERE key = ?').get(key) as { id: number } | undefined)?.id ?? null;
  },

  /** The contents a receipt was made with (a refund repeats its sale's). */
  inputByKey(db: Db, key: string): ReceiptInput | null {
    const row = sql(db, 'SELECT draft FROM receipts WHERE key = ?').get(key) as { draft: string } | undefined;
    return row ? (JSON.parse(row.draft) as ReceiptInput) : null;
  },

  insert(db: Db, r: { key: string; orderId: number | null; crmId: number | null; op: FiscalOp; profileId: string; externalId: string; total: number; input: ReceiptInput }): number {
    const now = Date.now();
    return (
      sql(db, `INSERT INTO receipts (key, order_id, crm_id, op, profile, external_id, state, total, draft, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id`)
        .get(r.key, r.orderId, r.crmId, r.op, r.profileId, r.externalId, r.total, JSON.stringify(r.input), now, now) as { id: number }
    ).id;
  },

  registered(db: Db, id: number, uuid: string): void {
    sql(db, `UPDATE receipts SET state = 'registered', uuid = ?, updated_at = ? WHERE id = ? AND state = 'pending'`).run(uuid, Date.now(), id);
  },

  /** Back to pending under the next external id: the register refused the document, so nothing was registered. */
  resend(db: Db, id: number, attempt: number, externalId: string): void {
    sql(db, `UPDATE receipts SET state = 'pending', uuid = NULL, attempt = ?, external_id = ?, updated_at = ? WHERE id = ?`).run(attempt, externalId, Date.now(), id);
  },

  done(db: Db, id: number, fiscal: FiscalData): void {
    sql(db, `UPDATE receipts SET state = 'done', fiscal = ?, updated_at = ? WHERE id = ?`).run(JSON.stringify(fiscal), Date.now(), id);
  },

  /** The receipts of one RetailCRM payment by its keys (`receipt:<op>:retailcrm:<order>:<payment>[:<n>]`). */
  ofPayment(db: Db, crmId: number, paymentId: number): Array<ReceiptRow & { created_at: number }> {
    return sql(db, 'SELECT * FROM receipts WHERE key LIKE ? ORDER BY id').all(`receipt:%:retailcrm:${crmId}:${paymentId}%`) as Array<ReceiptRow & { created_at: number }>;
  },

  forOrder(db: Db, orderId: number): ReceiptRow[] {
    return sql(db, 'SELECT * FROM receipts WHERE order_id = ? ORDER BY id').all(orderId) as ReceiptRow[];
  },
};
