import type { Db } from '../../db/open.js';

/** An order MeaSoft reports delivered, with what the courier collected (the fiscal flow's cash-on-delivery receipt). */
export interface DeliveredOrder {
  orderId: number;
  crmId: number;
  number: string;
  paytype: string | null;
  priceKopecks: number;
  items: Array<{ name: string; quantity: number; retpriceKopecks: number }>;
  email: string | null;
  phone: string | null;
}

declare module '../../events.js' {
  interface InternalEvents {
    /** Emitted inside the transaction that records the delivery: listeners touch only the database. */
    'courier.delivered': DeliveredOrder & { db: Db };
  }
}
