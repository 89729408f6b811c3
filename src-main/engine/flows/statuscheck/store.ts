import { type Db, sql } from '../../db/open.js';
import type { Migration } from '../../db/migrations.js';
import type { TrackedOrder } from './rules.js';

/**
 * What Prilavok remembers per partner: the orders it holds (fed by RetailCRM's changes and a periodic sweep,
 * updated by our own edits, which never come back as history) and the partner's health — its current
 * problem, consecutive failures and backoff.
 */

interface OrderRow {
  partner: string;
  crm_id: number;
  order_id: number | null;
  number: string;
  partner_order_id: string;
  status: string;
  created_at: number | null;
  track: string | null;
  reason_value: string | null;
  partner_said: string | null;
  last_checked_at: number | null;
  edits: number;
}

export interface StoredOrder extends TrackedOrder {
  orderId: number | null;
  /** The partner's last answer for this order (its row, as JSON), so a repeated answer is not logged again. */
  partnerSaid: string | null;
  /** Edits we made to it so far: the next edit's sequence number, so a pending one is never planned twice. */
  edits: number;
}

export interface PartnerHealth {
  problem: string | null;
  failures: number;
  blockedUntil: number | null;
  sweptAt: number | null;
  sweptFor: string | null;
}

function toOrder(r: OrderRow): StoredOrder {
  return {
    crmId: r.crm_id,
    number: r.number,
    partnerId: r.partner_order_id,
    status: r.status,
    createdAt: r.created_at,
    track: r.track,
    reasonValue: r.reason_value,
    lastCheckedAt: r.last_checked_at,
    orderId: r.order_id,
    partnerSaid: r.partner_said,
    edits: r.edits,
  };
}

/** The flow's own tables, in its own migration scope (applied and checked by the engine before `install`). */
export const statuscheckMigrations: readonly Migration[] = [
  {
    id: 1,
    name: 'statuscheck: orders each partner holds, partner health',
    sql: `
-- Orders each partner holds, as last known: RetailCRM status, the partner's id, and what the partner said last.
CREATE TABLE statuscheck_orders (
  partner TEXT NOT NULL,
  crm_id INTEGER NOT NULL,
  order_id INTEGER REFERENCES orders (id) ON DELETE SET NULL,
  number TEXT NOT NULL,
  partner_order_id TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER,
  track TEXT,
  reason_value TEXT,
  partner_said TEXT,
  last_checked_at INTEGER,
  edits INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (partner, crm_id)
) STRICT;
CREATE INDEX statuscheck_orders_status ON statuscheck_orders (partner, status);

-- A partner's health: the problem it has now (one error-log entry per problem) and its backoff.
CREATE TABLE statuscheck_partners (
  partner TEXT PRIMARY KEY,
  problem TEXT,
  failures INTEGER NOT NULL DEFAULT 0,
  blocked_until INTEGER,
  swept_at INTEGER,
  swept_for TEXT
) STRICT;
`,
  },
];

export class StatuscheckStore {
  constructor(private readonly db: Db) {}

  upsert(partner: string, o: { crmId: number; orderId: number | null; number: string; partnerId: string; status: string; createdAt: number | null; track: string | null; reasonValue: string | null }): void {
    sql(
      this.db,
      `INSERT INTO statuscheck_orders (partner, crm_id, order_id, number, partner_order_id, status, created_at, track, reason_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (partner, crm_id) DO UPDATE SET
         order_id = coalesce(excluded.order_id, order_id), number = excluded.number, partner_order_id = excluded.partner_order_id,
         status = excluded.status, created_at = coalesce(excluded.created_at, created_at), track = excluded.track,
         reason_value = excluded.reason_value`,
    ).run(partner, o.crmId, o.orderId, o.number, o.partnerId, o.status, o.createdAt, o.track, o.reasonValue);
  }

  remove(partner: string, crmId: number): void {
    sql(this.db, 'DELETE FROM statuscheck_orders WHERE partner = ? AND crm_id = ?').run(partner, crmId);
  }

  keepOnly(partner: string, crmIds: readonly number[]): void {
    sql(this.db, 'DELETE FROM statuscheck_orders WHERE partner = ? AND crm_id NOT IN (SELECT value FROM json_each(?))').run(partner, JSON.stringify(crmIds));
  }

  orders(partner: string): StoredOrder[] {
    return (sql(this.db, 'SELECT * FROM statuscheck_orders WHERE partner = ?').all(partner) as OrderRow[]).map(toOrder);
  }

  byCrmIds(partner: string, crmIds: readonly number[]): StoredOrder[] {
    if (crmIds.length === 0) return [];
    const rows = sql(this.db, `SELECT * FROM statuscheck_orders WHERE partner = ? AND crm_id IN (SELECT value FROM json_each(?))`).all(partner, JSON.stringify(crmIds)) as OrderRow[];
    const byId = new Map(rows.map((r) => [r.crm_id, toOrder(r)]));
    return crmIds.map((id) => byId.get(id)).filter((o): o is StoredOrder => !!o);
  }

  get(partner: string, crmId: number): StoredOrder | null {
    const r = sql(this.db, 'SELECT * FROM statuscheck_orders WHERE partner = ? AND crm_id = ?').get(partner, crmId) as OrderRow | undefined;
    return r ? toOrder(r) : null;
  }

  checked(partner: string, crmIds: readonly number[], at: number): void {
    sql(this.db, `UPDATE statuscheck_orders SET last_checked_at = ? WHERE partner = ? AND crm_id IN (SELECT value FROM json_each(?))`).run(at, partner, JSON.stringify(crmIds));
  }

  setPartnerSaid(partner: string, crmId: number, said: string): void {
    sql(this.db, 'UPDATE statuscheck_orders SET partner_said = ? WHERE partner = ? AND crm_id = ?').run(said, partner, crmId);
  }

  /** After our own edit: RetailCRM's history will not tell us (our changes are skipped), so we note it here. */
  applied(partner: string, crmId: number, s: { status?: string | undefined; track?: string | undefined; reasonValue?: string | undefined }): void {
    sql(
      this.db,
      `UPDATE statuscheck_orders SET status = coalesce(?, status), track = coalesce(?, track), reason_value = coalesce(?, reason_value),
         edits = edits + 1
       WHERE partner = ? AND crm_id = ?`,
    ).run(s.status ?? null, s.track ?? null, s.reasonValue ?? null, partner, crmId);
  }

  /** Check requests of one partner and mode still waiting or running. */
  pendingChecks(kind: string, partner: string, mode: string): number {
    return (
      sql(
        this.db,
        `SELECT count(*) AS n FROM jobs WHERE kind = ? AND state IN ('queued', 'running', 'retrying')
           AND json_extract(payload, '$.partner') = ? AND json_extract(payload, '$.mode') = ?`,
      ).get(kind, partner, mode) as { n: number }
    ).n;
  }

  health(partner: string): PartnerHealth {
    const r = sql(this.db, 'SELECT problem, failures, blocked_until, swept_at, swept_for FROM statuscheck_partners WHERE partner = ?').get(partner) as
      | { problem: string | null; failures: number; blocked_until: number | null; swept_at: number | null; swept_for: string | null }
      | undefined;
    return { problem: r?.problem ?? null, failures: r?.failures ?? 0, blockedUntil: r?.blocked_until ?? null, sweptAt: r?.swept_at ?? null, sweptFor: r?.swept_for ?? null };
  }

  setHealth(partner: string, h: Pick<PartnerHealth, 'problem' | 'failures' | 'blockedUntil'>): void {
    sql(
      this.db,
      `INSERT INTO statuscheck_partners (partner, problem, failures, blocked_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (partner) DO UPDATE SET problem = excluded.problem, failures = excluded.failures, blocked_until = excluded.blocked_until`,
    ).run(partner, h.problem, h.failures, h.blockedUntil);
  }

  setSwept(partner: string, at: number, forSettings: string): void {
    sql(
      this.db,
      `INSERT INTO statuscheck_partners (partner, swept_at, swept_for) VALUES (?, ?, ?)
       ON CONFLICT (partner) DO UPDATE SET swept_at = excluded.swept_at, swept_for = excluded.swept_for`,
    ).run(partner, at, forSettings);
  }
}
