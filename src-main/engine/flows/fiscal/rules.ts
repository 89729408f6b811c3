import { vatFromRetailcrm, type ReceiptInput } from '../../connectors/kassa/receipt.js';
import type { FiscalData, FiscalOp, VatRate } from '../../connectors/kassa/types.js';
import type { KassaProfile } from '../../connectors/kassa/connector.js';
import type { CrmOrder } from '../../connectors/retailcrm/index.js';
import { toKopecks } from '../../core/money.js';

/*
 * The fiscal flow's pure rules: receipt identities, the texts the merchant checks a receipt by, and what a
 * RetailCRM order's payment puts on a receipt. No I/O here.
 */

/** How many times in a row a receipt the register failed for a temporary reason is re-sent before the merchant is asked. */
export const MAX_AUTO_RESENDS = 5;

type ItemInput = ReceiptInput['items'][number];

/** What a flow asks for: the receipt's business identity and its contents (company and FFD come from the profile). */
export interface ReceiptRequest {
  /** `receipt:<op>:<order>:<payment>` — one receipt per operation, order and payment, whatever happens. */
  key: string;
  op: FiscalOp;
  profileId: string;
  orderId: number | null;
  crmId: number | null;
  /** An item without `vat` takes the profile's. */
  input: Omit<ReceiptInput, 'op' | 'externalId' | 'company' | 'ffd' | 'createdAt' | 'items'> & {
    items: Array<Omit<ItemInput, 'vat'> & { vat?: VatRate }>;
  };
}


/** ATOL limits external_id to 128 characters; a short hash keeps long keys unique. */
export function externalIdFor(key: string, attempt: number): string {
  const base = key.replace(/[^\w:.-]/g, '_');
  return `${base.length > 110 ? base.slice(0, 110) : base}${attempt > 1 ? `:r${attempt}` : ''}`;
}

/**
 * The receipt key of a RetailCRM payment's first sale (a Leeloo sale's payment gets the same one: one receipt
 * either way); later sales and refunds of the payment are numbered (`money-events.ts: receiptKey`).
 */
export function crmPaymentReceiptKey(crmId: number, paymentId: number | string): string {
  return `receipt:sell:retailcrm:${crmId}:${paymentId}`;
}

/** The cash-on-delivery receipt of a RetailCRM order. */
export function codReceiptKey(crmId: number): string {
  return `receipt:sell:retailcrm:${crmId}:cod`;
}

/** `Чек №12, смена 3, 01.02.2030 13:45:07, РН ККТ …, ФН …, ФД …, ФП …, <OFD link>` — what the merchant and the buyer check a receipt by. */
export function fiscalText(op: FiscalOp, f: FiscalData): string {
  const parts = [
    `${op === 'sell' ? 'Чек' : op === 'sell_refund' ? 'Чек возврата' : 'Чек коррекции'} №${f.fiscal_receipt_number}`,
    `смена ${f.shift_number}`,
    f.receipt_datetime,
    f.ecr_registration_number ? `РН ККТ ${f.ecr_registration_number}` : null,
    `ФН ${f.fn_number}`,
    `ФД ${f.fiscal_document_number}`,
    `ФП ${f.fiscal_document_attribute}`,
    f.ofd_receipt_url,
  ];
  return parts.filter((x): x is string => !!x).join(', ');
}

/** The fiscal attributes as the order's timeline shows them. */
export function fiscalNote(f: FiscalData) {
  return {
    number: f.fiscal_receipt_number,
    shift: f.shift_number,
    datetime: f.receipt_datetime,
    rn: f.ecr_registration_number,
    fn: f.fn_number,
    fd: f.fiscal_document_number,
    fp: f.fiscal_document_attribute,
    ofd: f.ofd_receipt_url,
  };
}

/** Receipt contents for a RetailCRM order paid by one payment: the goods when it pays the whole order. */
export function crmReceiptInput(
  order: CrmOrder,
  payment: { kopecks: number; kind: 'cash' | 'cashless' | 'prepayment' },
  profile: KassaProfile,
  settlement: 'full_payment' | 'full_prepayment' | 'prepayment',
): ReceiptRequest['input'] {
  const total = toKopecks(order.totalSumm ?? 0);
  const customer = { email: order.email ?? null, phone: order.phone ?? null };
  if (payment.kopecks !== total) {
    // A part of the order: 54-FZ wants a prepayment receipt for that amount, not the goods.
    return {
      items: [{ name: `Предоплата по заказу №${order.number}`, priceKopecks: payment.kopecks, quantity: 1, vat: profile.vat, paymentObject: 'payment' }],
      payments: [{ kind: payment.kind, kopecks: payment.kopecks }],
      customer,
      settlement: 'prepayment',
    };
  }
  const goods = order.items
    .filter((i) => (i.quantity ?? 0) > 0)
    .map((i) => ({
      name: i.offer?.name || i.productName || 'Товар',
      priceKopecks: Math.max(0, toKopecks(i.initialPrice ?? 0) - toKopecks(i.discountTotal ?? 0)),
      quantity: i.quantity,
      vat: vatFromRetailcrm(i.vatRate) ?? profile.vat,
    }));
  const delivery = toKopecks(order.delivery?.cost ?? 0);
  const itemsSum = goods.reduce((s, i) => s + Math.round(i.priceKopecks * i.quantity), 0) + delivery;
  return {
    items: goods,
    ...(delivery > 0 ? { deliveryKopecks: delivery } : {}),
    ...(itemsSum > total ? { discountKopecks: itemsSum - total } : {}),
    payments: [{ kind: payment.kind, kopecks: payment.kopecks }],
    customer,
    settlement,
  };
}
