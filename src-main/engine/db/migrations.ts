/**
 * Numbered schema migrations. Append only: an applied migration must never change (its checksum is
 * recorded and verified on every start). To change the schema, add the next number.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'engine core',
    sql: `
CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
  section TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE secrets (
  key TEXT PRIMARY KEY,
  ciphertext BLOB NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  ref TEXT NOT NULL UNIQUE,
  number TEXT NOT NULL,
  customer TEXT,
  phone TEXT,
  phone_digits TEXT,
  crm_status TEXT,
  systems TEXT NOT NULL DEFAULT '{}',
  attention INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_updated ON orders (updated_at DESC, id DESC);
CREATE INDEX orders_number ON orders (number);
CREATE INDEX orders_phone ON orders (phone_digits);

CREATE TABLE inbox (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  external_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'processed', 'failed')),
  processed_at INTEGER,
  error TEXT,
  UNIQUE (source, external_id)
) STRICT;
CREATE INDEX inbox_pending ON inbox (id) WHERE state = 'new';

CREATE TABLE inbox_files (
  id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL REFERENCES inbox (id) ON DELETE CASCADE,
  field TEXT NOT NULL,
  filename TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL,
  content BLOB NOT NULL
) STRICT;
CREATE INDEX inbox_files_inbox ON inbox_files (inbox_id);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  connector TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  order_id INTEGER REFERENCES orders (id) ON DELETE SET NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'retrying', 'done', 'attention', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_after INTEGER NOT NULL,
  lease_until INTEGER,
  allocation_id TEXT,
  last_error TEXT,
  last_error_kind TEXT,
  result TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;
CREATE INDEX jobs_ready ON jobs (connector, state, run_after);
CREATE INDEX jobs_order ON jobs (order_id);
CREATE INDEX jobs_state ON jobs (state);

CREATE TABLE job_attempts (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  allocation_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT CHECK (outcome IN ('done', 'retry', 'attention', 'dead', 'lost')),
  error_kind TEXT,
  error_message TEXT,
  error_detail TEXT,
  duration_ms INTEGER
) STRICT;
CREATE INDEX job_attempts_job ON job_attempts (job_id);

CREATE TABLE timeline (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  system TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'info')),
  sent TEXT,
  received TEXT,
  duration_ms INTEGER,
  job_id INTEGER,
  attempt INTEGER,
  error_kind TEXT,
  error_message TEXT
) STRICT;
CREATE INDEX timeline_order ON timeline (order_id, id);

CREATE TABLE error_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
  kind TEXT NOT NULL,
  system TEXT NOT NULL,
  order_id INTEGER REFERENCES orders (id) ON DELETE SET NULL,
  job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
  message TEXT NOT NULL,
  detail TEXT,
  acknowledged_at INTEGER
) STRICT;
CREATE INDEX error_log_unread ON error_log (id) WHERE acknowledged_at IS NULL;
CREATE INDEX error_log_order ON error_log (order_id);

CREATE TABLE pollers (
  id TEXT PRIMARY KEY,
  cursor TEXT,
  last_run_at INTEGER,
  last_ok_at INTEGER,
  last_error TEXT
) STRICT;
`,
  },
  {
    id: 2,
    name: 'courier: RetailCRM orders handed to MeaSoft',
    sql: `
-- One row per RetailCRM order that ever met the courier flow. \`generation\` grows on every cancel, so an order
-- sent again after a cancel becomes a new MeaSoft order (MeaSoft keeps order numbers unique within a year).
CREATE TABLE courier_orders (
  order_id INTEGER PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  crm_id INTEGER NOT NULL UNIQUE,
  crm_number TEXT NOT NULL,
  generation INTEGER NOT NULL DEFAULT 1,
  state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'cancelling', 'cancelled')),
  orderno TEXT,
  barcode TEXT,
  measoft_status TEXT,
  measoft_status_at TEXT,
  sent_hash TEXT,
  sent TEXT,
  delivered TEXT,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX courier_orders_orderno ON courier_orders (orderno);
`,
  },
  {
    id: 3,
    name: 'case-insensitive order search in any alphabet; courier cancel by hand',
    sql: `
-- SQLite's lower() and LIKE fold ASCII only: the engine stores a lower-cased copy made in JavaScript, which
-- folds Cyrillic too («СМИРНОВА» finds «Смирнова»).
ALTER TABLE orders ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE orders SET search = lower(number || ' ' || coalesce(customer, ''));
-- A MeaSoft order cancelled by the merchant from Prilavok is not sent again until the RetailCRM status leaves
-- the sending statuses and comes back.
ALTER TABLE courier_orders ADD COLUMN hold INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    id: 4,
    name: 'LIFE POS: sales, couriers, payments written back, RetailCRM tasks',
    sql: `
CREATE TABLE pos_sales (
  order_id INTEGER PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  crm_id INTEGER NOT NULL UNIQUE,
  crm_number TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('creating', 'created', 'cancelled', 'refunded')),
  sale_guid TEXT UNIQUE,
  outlet_guid TEXT,
  store_code TEXT,
  courier_guid TEXT,
  lp_state TEXT,
  lp_payment_status TEXT,
  updated_at INTEGER NOT NULL
) STRICT;

-- A RetailCRM courier becomes one LIFE POS employee with one mobile workplace, whatever the number of orders.
CREATE TABLE pos_couriers (
  crm_courier_id INTEGER PRIMARY KEY,
  employee_guid TEXT NOT NULL,
  workplace_guid TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- Payments taken in LIFE POS that became RetailCRM payments (each exactly once).
CREATE TABLE pos_payments (
  payment_guid TEXT PRIMARY KEY,
  sale_guid TEXT NOT NULL,
  crm_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
`,
  },
  {
    id: 5,
    name: 'LIFE POS: the «cancel and resend» cycle',
    sql: `
-- A sale cancelled in LIFE POS and sent again becomes a new sale: LIFE POS keeps sale numbers unique.
ALTER TABLE pos_sales ADD COLUMN generation INTEGER NOT NULL DEFAULT 1;
`,
  },
  {
    id: 6,
    name: 'fiscal receipts',
    sql: `
-- One row per receipt Prilavok owes: unique per (operation, order, payment) through \`key\`. \`external_id\` is what
-- the cash register deduplicates by; it changes only when the merchant re-sends a receipt the register refused.
CREATE TABLE receipts (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  order_id INTEGER REFERENCES orders (id) ON DELETE SET NULL,
  crm_id INTEGER,
  op TEXT NOT NULL CHECK (op IN ('sell', 'sell_refund', 'sell_correction')),
  profile TEXT NOT NULL,
  external_id TEXT NOT NULL UNIQUE,
  attempt INTEGER NOT NULL DEFAULT 1,
  state TEXT NOT NULL CHECK (state IN ('pending', 'registered', 'done', 'failed')),
  uuid TEXT,
  total INTEGER NOT NULL,
  draft TEXT NOT NULL,
  fiscal TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX receipts_order ON receipts (order_id);
`,
  },
  {
    id: 7,
    name: 'jobs: the external system apart from the concurrency lane',
    sql: `
-- \`connector\` stays the lane a job runs in (\`kassa-report\` polls never hold up new receipts); \`system\` is whose
-- credentials it uses, so new credentials bring back every job that stopped on them, whatever its lane.
ALTER TABLE jobs ADD COLUMN system TEXT NOT NULL DEFAULT '';
UPDATE jobs SET system = CASE connector WHEN 'kassa-report' THEN 'kassa' ELSE connector END;
CREATE INDEX jobs_system_state ON jobs (system, state);
`,
  },
  {
    id: 8,
    name: 'error log groups repeats; form files kept on disk',
    sql: `
-- The same problem again (same system, message and order) while its entry is unread adds to that entry.
ALTER TABLE error_log ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE error_log ADD COLUMN last_seen_at INTEGER;
CREATE INDEX error_log_open ON error_log (system, message) WHERE acknowledged_at IS NULL;
-- A file of a web form lives in the data directory (inbox-files/<stored>); \`content\` stays empty then.
ALTER TABLE inbox_files ADD COLUMN stored TEXT;
CREATE UNIQUE INDEX inbox_files_stored ON inbox_files (stored) WHERE stored IS NOT NULL;
`,
  },
];
