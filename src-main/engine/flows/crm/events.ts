import type { CrmOrder } from '../../connectors/retailcrm/index.js';
import type { Db } from '../../db/open.js';

declare module '../../events.js' {
  interface InternalEvents {
    /**
     * A RetailCRM order as it is now (from history, a trigger or a re-read), emitted inside the transaction that
     * records it: listeners may only touch the database (enqueue jobs, update their rows) — never the network.
     */
    'retailcrm.order': { order: CrmOrder; localId: number; db: Db };
    /** A new RetailCRM connection took its first look (its history cursor starts now), inside that transaction. */
    'retailcrm.connected': { db: Db };
  }
}
