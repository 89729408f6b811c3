import type { MeasoftOrderInput } from '../../connectors/measoft/index.js';
import { rowBy, sql, type Db } from '../../db/open.js';

/** A row of `courier_orders`: one RetailCRM order's life at MeaSoft, generation by generation. */
export interface CourierRow {
  order_id: number;
  crm_id: number;
  crm_number: string;
  generation: number;
  state: 'sending' | 'sent' | 'cancelling' | 'cancelled';
  orderno: string | null;
  barcode: string | null;
  measoft_status: string | null;
  measoft_status_at: string | null;
  sent_hash: string | null;
  sent: string | null;
  delivered: string | null;
  hold: number;
}

export interface CourierOrderView {
  orderId: number;
  crmId: number;
  crmNumber: string;
  state: CourierRow['state'];
  orderno: string | null;
  barcode: string | null;
  measoftStatus: string | null;
  sent: MeasoftOrderInput | null;
}

const by = rowBy<CourierRow>('courier_orders');

/** The courier flow's SQL, and the read-only views other parts (print forms, receipts) may use. */
export const courierStore = {
  byCrmId: by('crm_id'),
  byOrderId: by('order_id'),
  byOrderno: by('orderno'),

  /** Whether the order is with MeaSoft or on its way there. */
  isWithCourier(db: Db, crmId: number): boolean {
    return !!sql(db, `SELECT 1 FROM courier_orders WHERE crm_id = ? AND state IN ('sending', 'sent')`).get(crmId);
  },

  /** What was sent to MeaSoft for these local orders (print forms read it). */
  sentOrders(db: Db, orderIds: number[]): CourierOrderView[] {
    const out: CourierOrderView[] = [];
    for (const id of orderIds) {
      const r = courierStore.byOrderId(db, id);
      if (!r) continue;
      out.push({
        orderId: r.order_id,
        crmId: r.crm_id,
        crmNumber: r.crm_number,
        state: r.state,
        orderno: r.orderno,
        barcode: r.barcode,
        measoftStatus: r.measoft_status,
        sent: r.sent ? (JSON.parse(r.sent) as MeasoftOrderInput) : null,
      });
    }
    return out;
  },

  startSending(db: Db, o: { orderId: number; crmId: number; number: string; generation: number }): void {
    sql(db, `INSERT INTO courier_orders (order_id, crm_id, crm_number, generation, state, updated_at)
             VALUES (?, ?, ?, ?, 'sending', ?)
             ON CONFLICT (crm_id) DO UPDATE SET state = 'sending', crm_number = excluded.crm_number, updated_at = excluded.updated_at`)
      .run(o.orderId, o.crmId, o.number, o.generation, Date.now());
  },

  releaseHold(db: Db, crmId: number): void {
    sql(db, 'UPDATE courier_orders SET hold = 0 WHERE crm_id = ?').run(crmId);
  },

  /** Cancelling; `hold`: by hand, so the order is not sent again until its status leaves the sending ones. */
  startCancelling(db: Db, crmId: number, hold: boolean): void {
    sql(db, `UPDATE courier_orders SET state = 'cancelling', hold = CASE WHEN ? THEN 1 ELSE hold END, updated_at = ? WHERE crm_id = ?`).run(hold ? 1 : 0, Date.now(), crmId);
  },

  /** «Отправить заново»: the next generation starts clean; false when the row changed meanwhile. */
  restart(db: Db, row: CourierRow, generation: number): boolean {
    return (
      sql(db, `UPDATE courier_orders SET state = 'sending', generation = ?, hold = 0, orderno = NULL, barcode = NULL, sent_hash = NULL, sent = NULL,
                 measoft_status = NULL, measoft_status_at = NULL, delivered = NULL, updated_at = ?
               WHERE crm_id = ? AND generation = ? AND state = ?`)
        .run(generation, Date.now(), row.crm_id, row.generation, row.state).changes === 1
    );
  },

  /** Moves one generation on: `bump` starts the next one (the current MeaSoft order is over). */
  setState(db: Db, crmId: number, generation: number, state: CourierRow['state'], bump: boolean): void {
    sql(db, `UPDATE courier_orders SET state = ?, generation = generation + ?, updated_at = ? WHERE crm_id = ? AND generation = ?`).run(state, bump ? 1 : 0, Date.now(), crmId, generation);
  },

  sent(db: Db, o: { crmId: number; generation: number; orderno: string; barcode: string | null; hash: string; input: MeasoftOrderInput; status: string }): void {
    sql(db, `UPDATE courier_orders SET state = 'sent', orderno = ?, barcode = ?, sent_hash = ?, sent = ?, measoft_status = coalesce(measoft_status, ?), updated_at = ?
             WHERE crm_id = ? AND generation = ?`)
      .run(o.orderno, o.barcode, o.hash, JSON.stringify(o.input), o.status, Date.now(), o.crmId, o.generation);
  },

  updated(db: Db, o: { crmId: number; generation: number; hash: string; input: MeasoftOrderInput }): void {
    sql(db, `UPDATE courier_orders SET sent_hash = ?, sent = ?, updated_at = ? WHERE crm_id = ? AND generation = ?`).run(o.hash, JSON.stringify(o.input), Date.now(), o.crmId, o.generation);
  },

  setStatus(db: Db, crmId: number, code: string): void {
    sql(db, `UPDATE courier_orders SET measoft_status = ? WHERE crm_id = ?`).run(code, crmId);
  },

  /** A status from MeaSoft's changes feed, with the delivery result when there is one. */
  statusChanged(db: Db, crmId: number, o: { code: string; at: string | null; barcode: string | null; delivered: string | null }): void {
    sql(db, `UPDATE courier_orders SET measoft_status = ?, measoft_status_at = ?, barcode = coalesce(?, barcode), delivered = ?, updated_at = ? WHERE crm_id = ?`)
      .run(o.code, o.at, o.barcode, o.delivered, Date.now(), crmId);
  },
};
