import type { Migration } from '../../db/migrations.js';
import { type Db, sql } from '../../db/open.js';

export const FORM_SOURCE = 'form';
export const FORM_KIND = 'request';

export const formsMigrations: readonly Migration[] = [
  {
    id: 1,
    name: 'forms: request numbers given with the inbox row',
    sql: `
-- The request number is allocated by the insert of the request's inbox row (a trigger, so in the same transaction
-- as the row the visitor's answer waits for): the forms prefix and a six-digit sequence. One number per
-- idempotency id, kept after the inbox row is pruned, so a late resubmission still gets its first number and no
-- second request.
CREATE TABLE form_requests (
  seq INTEGER PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  inbox_id INTEGER REFERENCES inbox (id) ON DELETE SET NULL,
  number TEXT NOT NULL UNIQUE,
  crm_id INTEGER,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER form_request_number AFTER INSERT ON inbox WHEN NEW.source = '${FORM_SOURCE}' AND NEW.kind = '${FORM_KIND}'
BEGIN
  INSERT OR IGNORE INTO form_requests (seq, external_id, inbox_id, number, created_at)
  SELECT n.seq, NEW.external_id, NEW.id,
         coalesce((SELECT json_extract(value, '$.numberPrefix') FROM settings WHERE section = 'forms'), 'С-') || printf('%06d', n.seq),
         NEW.received_at
  FROM (SELECT coalesce(max(seq), 0) + 1 AS seq FROM form_requests) AS n;
END;
`,
  },
];

export interface FormRequestRow {
  seq: number;
  externalId: string;
  inboxId: number | null;
  number: string;
  crmId: number | null;
}

export class FormsStore {
  constructor(private readonly db: Db) {}

  byExternalId(externalId: string): FormRequestRow | null {
    const r = sql(this.db, 'SELECT seq, external_id, inbox_id, number, crm_id FROM form_requests WHERE external_id = ?').get(externalId) as
      | { seq: number; external_id: string; inbox_id: number | null; number: string; crm_id: number | null }
      | undefined;
    return r ? { seq: r.seq, externalId: r.external_id, inboxId: r.inbox_id, number: r.number, crmId: r.crm_id } : null;
  }

  byNumber(number: string): FormRequestRow | null {
    const r = sql(this.db, 'SELECT external_id FROM form_requests WHERE number = ?').get(number) as { external_id: string } | undefined;
    return r ? this.byExternalId(r.external_id) : null;
  }

  setCrmId(number: string, crmId: number): void {
    sql(this.db, 'UPDATE form_requests SET crm_id = ? WHERE number = ?').run(crmId, number);
  }

  count(): number {
    return (sql(this.db, 'SELECT count(*) AS n FROM form_requests').get() as { n: number }).n;
  }
}
