import type { OrderSummary } from '../../../src-shared/api.js';
import type { SystemId } from '../../../src-shared/systems.js';
import { type Db, sql } from '../db/open.js';

export interface OrderUpsert {
  /** Stable reference of the order across systems, e.g. `retailcrm:1234` or `leeloo:abc`. */
  ref: string;
  number: string;
  customer?: string | null;
  phone?: string | null;
  crmStatus?: string | null;
}

export interface SystemChip {
  state: string;
  label: string;
  attention: boolean;
}

export interface OrderFilter {
  search?: string | undefined;
  attention?: boolean | undefined;
  system?: SystemId | undefined;
  crmStatus?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  offset: number;
}

interface Row {
  id: number;
  ref: string;
  number: string;
  customer: string | null;
  phone: string | null;
  crm_status: string | null;
  systems: string;
  attention: number;
  created_at: number;
  updated_at: number;
}

export function phoneDigits(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const d = phone.replace(/\D/g, '');
  // Russian numbers: 8XXXXXXXXXX and 7XXXXXXXXXX are the same number.
  return d.length === 11 && d.startsWith('8') ? `7${d.slice(1)}` : d || null;
}

/** Orders as Prilavok knows them: identity, a few searchable fields and one status chip per system. */
export class Orders {
  constructor(private readonly db: Db) {}

  /** Creates or refreshes an order by its ref; returns its local id. Call inside the flow's transaction. */
  upsert(o: OrderUpsert): number {
    const now = Date.now();
    const row = sql(this.db, 
        `INSERT INTO orders (ref, number, customer, phone, phone_digits, crm_status, search, created_at, updated_at)
         VALUES (@ref, @number, @customer, @phone, @digits, @crmStatus, @search, @now, @now)
         ON CONFLICT (ref) DO UPDATE SET
           number = excluded.number,
           search = CASE WHEN excluded.customer IS NULL THEN lower(excluded.number) || substr(search, instr(search, ' ')) ELSE excluded.search END,
           customer = coalesce(excluded.customer, customer),
           phone = coalesce(excluded.phone, phone),
           phone_digits = coalesce(excluded.phone_digits, phone_digits),
           crm_status = coalesce(excluded.crm_status, crm_status),
           updated_at = excluded.updated_at
         RETURNING id`,
      )
      .get({
        ref: o.ref,
        number: o.number,
        customer: o.customer ?? null,
        phone: o.phone ?? null,
        digits: phoneDigits(o.phone),
        crmStatus: o.crmStatus ?? null,
        search: searchText(o.number, o.customer),
        now,
      }) as { id: number };
    return row.id;
  }

  idByRef(ref: string): number | null {
    const row = sql(this.db, 'SELECT id FROM orders WHERE ref = ?').get(ref) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /**
   * One order known under a new ref from now on (a sale that became a RetailCRM order), unless an order with
   * that ref exists already. Returns whether it moved.
   */
  adoptRef(fromRef: string, toRef: string): boolean {
    const id = this.idByRef(fromRef);
    if (id === null || this.idByRef(toRef) !== null) return false;
    sql(this.db, 'UPDATE orders SET ref = ? WHERE id = ?').run(toRef, id);
    return true;
  }

  setChip(orderId: number, system: SystemId, chip: SystemChip): void {
    sql(this.db, 
        `UPDATE orders SET systems = json_set(systems, '$.' || ?, json(?)), updated_at = ? WHERE id = ?`,
      )
      .run(system, JSON.stringify(chip), Date.now(), orderId);
    this.refreshAttention(orderId);
  }

  /** An order needs attention while any chip says so or any of its jobs waits for the merchant. */
  refreshAttention(orderId: number): void {
    sql(this.db, 
        `UPDATE orders SET attention = (
           EXISTS (SELECT 1 FROM jobs WHERE order_id = orders.id AND state IN ('attention', 'dead'))
           OR EXISTS (SELECT 1 FROM json_each(orders.systems) WHERE json_extract(value, '$.attention') = 1)
         ) WHERE id = ?`,
      )
      .run(orderId);
  }

  get(id: number): OrderSummary | null {
    const row = sql(this.db, 'SELECT * FROM orders WHERE id = ?').get(id) as Row | undefined;
    return row ? toSummary(row) : null;
  }

  list(f: OrderFilter): { items: OrderSummary[]; total: number } {
    const where: string[] = [];
    const args: Record<string, string | number> = {};
    if (f.search?.trim()) {
      const q = f.search.trim();
      const digits = phoneDigits(q);
      const parts = ['search LIKE @q'];
      args.q = `%${escapeLike(q.toLocaleLowerCase('ru'))}%`;
      if (digits && digits.length >= 3) {
        parts.push('phone_digits LIKE @digits');
        args.digits = `%${escapeLike(digits)}%`;
      }
      where.push(`(${parts.map((p) => `${p} ESCAPE '\\'`).join(' OR ')})`);
    }
    if (f.attention !== undefined) {
      where.push('attention = @attention');
      args.attention = f.attention ? 1 : 0;
    }
    if (f.system) {
      where.push(`json_type(systems, '$.' || @system) IS NOT NULL`);
      args.system = f.system;
    }
    if (f.crmStatus) {
      where.push('crm_status = @crmStatus');
      args.crmStatus = f.crmStatus;
    }
    if (f.from !== undefined) {
      where.push('created_at >= @from');
      args.from = f.from;
    }
    if (f.to !== undefined) {
      where.push('created_at < @to');
      args.to = f.to;
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (sql(this.db, `SELECT count(*) AS n FROM orders ${clause}`).get(args) as { n: number }).n;
    const rows = sql(this.db, `SELECT * FROM orders ${clause} ORDER BY updated_at DESC, id DESC LIMIT @limit OFFSET @offset`)
      .all({ ...args, limit: f.limit, offset: f.offset }) as Row[];
    return { items: rows.map(toSummary), total };
  }
}

/** Number and customer name, lower-cased with Unicode rules (SQLite's own lower() folds ASCII only). */
function searchText(number: string, customer: string | null | undefined): string {
  return `${number} ${customer ?? ''}`.toLocaleLowerCase('ru');
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toSummary(r: Row): OrderSummary {
  return {
    id: r.id,
    ref: r.ref,
    number: r.number,
    customer: r.customer,
    phone: r.phone,
    crmStatus: r.crm_status,
    systems: JSON.parse(r.systems) as Record<string, SystemChip>,
    attention: r.attention === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
