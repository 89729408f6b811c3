import type { CrmOrder, HistoryRecord } from '../../connectors/retailcrm/index.js';
import type { Db } from '../../db/open.js';

declare module '../../events.js' {
  interface InternalEvents {
    /**
     * A RetailCRM order as it is now (from history, a trigger or a re-read), emitted inside the transaction that
     * records it: listeners may only touch the database (enqueue jobs, update their rows) — never the network.
     */
    'retailcrm.order': { order: CrmOrder; localId: number; db: Db } & CrmOrderRead;
    /** A new RetailCRM connection took its first look (its history cursor starts now), inside that transaction. */
    'retailcrm.connected': { db: Db };
  }
}

/** What came with an order besides its current state. */
export interface CrmOrderRead {
  /**
   * The order's history records read with it (payment changes and its creation record, our own included),
   * oldest first, each delivered once: the history cursor commits with them. Empty when the order was read on
   * its own (a trigger, a re-read, the first connection's sweep).
   */
  history: HistoryRecord[];
  /** When RetailCRM generated the history page, in its own clock (to tell how late a change is seen). */
  generatedAt: string | null;
  /** When the read of the order started (ms): anything committed after it is newer than this order state. */
  readAt: number;
}
