import { rowBy, sql, type Db } from '../../db/open.js';
import type { PosRowView } from './rules.js';

/** A row of `pos_sales`: one RetailCRM order's sale in LIFE POS, generation by generation. */
export interface PosRow {
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

const by = rowBy<PosRow>('pos_sales');

/** The POS flow's SQL. */
export const posStore = {
  byCrmId: by('crm_id'),
  byOrderId: by('order_id'),
  bySaleGuid: by('sale_guid'),

  startCreating(db: Db, o: { orderId: number; crmId: number; number: string; store: string | null; generation: number }): void {
    sql(db, `INSERT INTO pos_sales (order_id, crm_id, crm_number, state, store_code, generation, updated_at) VALUES (?, ?, ?, 'creating', ?, ?, ?)
             ON CONFLICT (crm_id) DO UPDATE SET state = 'creating', sale_guid = NULL, generation = excluded.generation, store_code = excluded.store_code, updated_at = excluded.updated_at`)
      .run(o.orderId, o.crmId, o.number, o.store, o.generation, Date.now());
  },

  created(db: Db, crmId: number, o: { saleGuid: string; outletGuid: string; courierGuid: string | null; lpState: string | null; lpPayment: string | null }): void {
    sql(db, `UPDATE pos_sales SET state = 'created', sale_guid = ?, outlet_guid = ?, courier_guid = ?, lp_state = ?, lp_payment_status = ?, updated_at = ? WHERE crm_id = ?`)
      .run(o.saleGuid, o.outletGuid, o.courierGuid, o.lpState, o.lpPayment, Date.now(), crmId);
  },

  setState(db: Db, crmId: number, state: PosRow['state'], lpState: string | null, lpPayment: string | null): void {
    sql(db, 'UPDATE pos_sales SET state = ?, lp_state = ?, lp_payment_status = ?, updated_at = ? WHERE crm_id = ?').run(state, lpState, lpPayment, Date.now(), crmId);
  },

  saleChanged(db: Db, crmId: number, lpState: string | null, lpPayment: string | null): void {
    sql(db, 'UPDATE pos_sales SET lp_state = ?, lp_payment_status = ?, updated_at = ? WHERE crm_id = ?').run(lpState, lpPayment, Date.now(), crmId);
  },

  movedOutlet(db: Db, crmId: number, outletGuid: string, store: string): void {
    sql(db, 'UPDATE pos_sales SET outlet_guid = ?, store_code = ?, updated_at = ? WHERE crm_id = ?').run(outletGuid, store, Date.now(), crmId);
  },

  /** True the first time a LIFE POS payment is seen: each one is written to RetailCRM once. */
  firstSeenPayment(db: Db, paymentGuid: string, saleGuid: string, crmId: number): boolean {
    return sql(db, 'INSERT INTO pos_payments (payment_guid, sale_guid, crm_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(paymentGuid, saleGuid, crmId, Date.now()).changes === 1;
  },

  courier(db: Db, crmCourierId: number): { employeeGuid: string; workplaceGuid: string } | null {
    const r = sql(db, 'SELECT employee_guid, workplace_guid FROM pos_couriers WHERE crm_courier_id = ?').get(crmCourierId) as { employee_guid: string; workplace_guid: string } | undefined;
    return r ? { employeeGuid: r.employee_guid, workplaceGuid: r.workplace_guid } : null;
  },

  addCourier(db: Db, crmCourierId: number, c: { employeeGuid: string; workplaceGuid: string }): void {
    sql(db, 'INSERT INTO pos_couriers (crm_courier_id, employee_guid, workplace_guid, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(crmCourierId, c.employeeGuid, c.workplaceGuid, Date.now());
  },
};
