/**
 * One interface for cloud cash registers (ATOL Online v4/v5 now; Business.Ru, OrangeData, Komtet, CloudKassir
 * fit the same shape). Money is integer kopecks everywhere; conversion to roubles happens only at the wire.
 */

export type FiscalOp = 'sell' | 'sell_refund' | 'sell_correction';

/** Fiscal data format: 1.05 is ATOL Online v4, 1.2 is v5. */
export type Ffd = '1.05' | '1.2';

/** Tax system (tag 1055). */
export type TaxSystem = 'osn' | 'usn_income' | 'usn_income_outcome' | 'envd' | 'esn' | 'patent';
export const taxSystems: readonly TaxSystem[] = ['osn', 'usn_income', 'usn_income_outcome', 'envd', 'esn', 'patent'];

/**
 * VAT rate (tag 1199). `vat1xx` are the calculated rates (20/120…) used for prepayments and advances.
 * ATOL v4 (FFD 1.05, document 5.23): none, vat0, vat10, vat18, vat20, vat110, vat118, vat120, plus vat5, vat7,
 * vat105, vat107 (since 5.17) and vat22, vat122 (since 5.22). v5 (FFD 1.2, document 3.12): the same without 18/118.
 * 22 % is Russia's standard rate from 1 January 2026.
 */
export type VatRate =
  | 'none'
  | 'vat0'
  | 'vat5'
  | 'vat7'
  | 'vat10'
  | 'vat18'
  | 'vat20'
  | 'vat22'
  | 'vat105'
  | 'vat107'
  | 'vat110'
  | 'vat118'
  | 'vat120'
  | 'vat122';

export const vatRatesByFfd: Record<Ffd, readonly VatRate[]> = {
  '1.05': ['none', 'vat0', 'vat5', 'vat7', 'vat10', 'vat18', 'vat20', 'vat22', 'vat105', 'vat107', 'vat110', 'vat118', 'vat120', 'vat122'],
  '1.2': ['none', 'vat0', 'vat5', 'vat7', 'vat10', 'vat20', 'vat22', 'vat105', 'vat107', 'vat110', 'vat120', 'vat122'],
};

/** Settlement method (tag 1214), the same strings in v4 and v5. */
export type PaymentMethod = 'full_prepayment' | 'prepayment' | 'advance' | 'full_payment' | 'partial_payment' | 'credit' | 'credit_payment';

/** Settlement subject (tag 1212): v4 sends the string, v5 the number (see `paymentObjectCodes`). */
export type PaymentObject =
  | 'commodity'
  | 'excise'
  | 'job'
  | 'service'
  | 'gambling_bet'
  | 'gambling_prize'
  | 'lottery'
  | 'lottery_prize'
  | 'intellectual_activity'
  | 'payment'
  | 'agent_commission'
  | 'composite'
  | 'another'
  | 'property_right'
  | 'non-operating_gain'
  | 'insurance_premium'
  | 'sales_tax'
  | 'resort_fee'
  | 'deposit'
  | 'expense';

/** FFD 1.2 numeric settlement subjects. `composite` has no FFD 1.2 code; it goes as 13 (another). */
export const paymentObjectCodes: Record<PaymentObject, number> = {
  commodity: 1,
  excise: 2,
  job: 3,
  service: 4,
  gambling_bet: 5,
  gambling_prize: 6,
  lottery: 7,
  lottery_prize: 8,
  intellectual_activity: 9,
  payment: 10,
  agent_commission: 11,
  composite: 13,
  another: 13,
  property_right: 14,
  'non-operating_gain': 15,
  insurance_premium: 16,
  sales_tax: 17,
  resort_fee: 18,
  deposit: 19,
  expense: 20,
};

/** Unit of measure: FFD 1.2 `measure` (tag 2108) code, FFD 1.05 `measurement_unit` text. */
export type Measure =
  | 'piece'
  | 'gram'
  | 'kilogram'
  | 'ton'
  | 'centimeter'
  | 'decimeter'
  | 'meter'
  | 'sq_centimeter'
  | 'sq_decimeter'
  | 'sq_meter'
  | 'milliliter'
  | 'liter'
  | 'cubic_meter'
  | 'kilowatt_hour'
  | 'gigacalorie'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'kilobyte'
  | 'megabyte'
  | 'gigabyte'
  | 'terabyte'
  | 'other';

export const measures: Record<Measure, { code: number; unit: string }> = {
  piece: { code: 0, unit: 'шт' },
  gram: { code: 10, unit: 'г' },
  kilogram: { code: 11, unit: 'кг' },
  ton: { code: 12, unit: 'т' },
  centimeter: { code: 20, unit: 'см' },
  decimeter: { code: 21, unit: 'дм' },
  meter: { code: 22, unit: 'м' },
  sq_centimeter: { code: 30, unit: 'см2' },
  sq_decimeter: { code: 31, unit: 'дм2' },
  sq_meter: { code: 32, unit: 'м2' },
  milliliter: { code: 40, unit: 'мл' },
  liter: { code: 41, unit: 'л' },
  cubic_meter: { code: 42, unit: 'м3' },
  kilowatt_hour: { code: 50, unit: 'кВт∙ч' },
  gigacalorie: { code: 51, unit: 'Гкал' },
  day: { code: 70, unit: 'сутки' },
  hour: { code: 71, unit: 'час' },
  minute: { code: 72, unit: 'мин' },
  second: { code: 73, unit: 'с' },
  kilobyte: { code: 80, unit: 'Кбайт' },
  megabyte: { code: 81, unit: 'Мбайт' },
  gigabyte: { code: 82, unit: 'Гбайт' },
  terabyte: { code: 83, unit: 'Тбайт' },
  other: { code: 255, unit: 'иное' },
};

/** How the buyer paid: cash 0, cashless 1, offset of an earlier prepayment 2, credit 3, counter-provision 4. */
export type PaymentKind = 'cash' | 'cashless' | 'prepayment' | 'credit' | 'other';
export const paymentKindCodes: Record<PaymentKind, number> = { cash: 0, cashless: 1, prepayment: 2, credit: 3, other: 4 };

export interface ReceiptItem {
  /** ≤ 128 UTF-16 code units (an emoji counts twice). */
  name: string;
  priceKop: number;
  /** Up to 6 decimals, 0.000001 … 99 999 999. */
  qty: number;
  /** round(price × qty), after discounts. */
  sumKop: number;
  vat: VatRate;
  /** VAT amount of this item (sum × rate / (100 + rate), rounded); the KKT calculates it when absent. */
  vatSumKop?: number;
  method: PaymentMethod;
  object: PaymentObject;
  measure?: Measure;
}

export interface ReceiptCorrection {
  /** Own initiative or by a tax authority's order. */
  type: 'self' | 'instruction';
  /** Date of the document the correction is based on. */
  baseDate: Date;
  baseNumber: string;
  baseName?: string;
}

export interface ReceiptDraft {
  /** ATOL external_id / OrangeData id / Komtet external_id / CloudKassir X-Request-ID. ≤ 128. */
  idempotencyKey: string;
  op: FiscalOp;
  ffd: Ffd;
  createdAt: Date;
  /** At least one; the receipt goes to the e-mail when there is one. */
  customer: { email?: string; phone?: string };
  company: { inn: string; sno: TaxSystem; email: string; paymentAddress: string };
  items: ReceiptItem[];
  payments: Array<{ kind: PaymentKind; sumKop: number }>;
  /** Σ item sums = Σ payments. */
  totalKop: number;
  /** Receipt-level VAT totals (corrections need them; sells carry VAT per item). */
  vats?: Array<{ type: VatRate; sumKop: number }>;
  correction?: ReceiptCorrection;
}

/** A problem found before sending; `message` is Russian, for the merchant. */
export interface Issue {
  /** Where: `items[2].name`, `customer`, `receipt.payments`… */
  field: string;
  message: string;
}

/** Fiscal attributes of a registered receipt (FFD tags in comments). */
export interface FiscalData {
  /** 1042 */
  fiscal_receipt_number: number;
  /** 1038 */
  shift_number: number;
  /** 1012, `dd.mm.yyyy HH:MM:SS` as the KKT printed it. */
  receipt_datetime: string;
  /** 1020, in kopecks. */
  total: number;
  /** 1041 */
  fn_number: string;
  /** 1037 */
  ecr_registration_number: string;
  /** 1040 */
  fiscal_document_number: number;
  /** 1077 */
  fiscal_document_attribute: number;
  /** 1060 */
  fns_site: string;
  /** The OFD's page of the receipt, when the provider tells it (ATOL v5). */
  ofd_receipt_url: string | null;
  ofd_inn: string | null;
  /** The receipt's QR-code text (`t=…&s=…&fn=…&i=…&fp=…&n=…`), by which the buyer checks it in the FNS app. */
  qr: string | null;
}

export type KassaErrorKind = 'auth' | 'config' | 'validation' | 'transient' | 'duplicate' | 'kkt_fix_receipt' | 'kkt_admin';

export interface KassaError {
  kind: KassaErrorKind;
  /** The provider's code (ATOL: service codes 0…50, KKT driver codes negative). */
  code: number | string;
  /** Russian, for the merchant: what happened and what to do. */
  message: string;
  /** The provider's own text and ids, for the log. */
  detail: string;
}

export type KassaProviderId = 'atol-v4' | 'atol-v5' | 'businessru' | 'orangedata' | 'komtet' | 'cloudkassir';

export interface KassaCallOptions {
  signal?: AbortSignal;
}

export interface KassaStatus {
  state: 'queued' | 'done' | 'failed';
  fiscal?: FiscalData;
  error?: KassaError;
}

export interface KassaProvider {
  readonly id: KassaProviderId;
  /** Local limits and the provider's JSON schema; an empty list means the draft can be sent. */
  validate(d: ReceiptDraft): Issue[];
  /**
   * Registers the receipt. A receipt already registered under the same idempotency key is adopted
   * (`duplicate`, with the original reference), never a failure. Throws `SyncError` otherwise.
   */
  submit(d: ReceiptDraft, o?: KassaCallOptions): Promise<{ providerRef: string; state: 'queued' | 'duplicate' }>;
  status(ref: string, o?: KassaCallOptions): Promise<KassaStatus>;
}
