import type { Db } from '../../db/open.js';
import type { ReceiptRequest } from './rules.js';

declare module '../../events.js' {
  interface InternalEvents {
    /**
     * Another flow owes a receipt (a Leeloo sale): the fiscal flow records it in the emitter's transaction, or
     * throws — rolling that transaction back — when the receipt cannot be valid.
     */
    'fiscal.receiptRequested': { db: Db; request: ReceiptRequest };
  }
}
