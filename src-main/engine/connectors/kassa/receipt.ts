import { SyncError } from '../../errors.js';
import { itemSumKop } from './schema.js';
import {
  taxSystems,
  vatRatesByFfd,
  type Ffd,
  type FiscalOp,
  type Issue,
  type Measure,
  type PaymentKind,
  type PaymentMethod,
  type PaymentObject,
  type ReceiptCorrection,
  type ReceiptDraft,
  type ReceiptItem,
  type TaxSystem,
  type VatRate,
} from './types.js';

/**
 * Receipt building for 54-FZ, pure: a neutral order description in, a draft every provider can send out.
 * Money is integer kopecks; quantities are kept exact in millionths.
 */

/**
 * Limits of the protocol: ATOL v4 document 5.23 and v5 document 3.12 (both 09.12.2025) — amounts up to
 * 10 000 000 000 ₽, quantity 0.000001 … 99 999 999 with up to six decimals, names of 128 characters.
 */
export const RECEIPT_LIMITS = {
  /** In UTF-16 code units, as ATOL counts them (an emoji is two). */
  nameMax: 128,
  itemsMax: 100,
  paymentsMax: 10,
  /** 10 000 000 000 ₽ — price, price × quantity, sum, total. */
  amountMaxKop: 1_000_000_000_000,
  /** 99 999 999 in millionths. */
  qtyMaxMicro: 99_999_999_000_000,
  externalIdMax: 128,
  contactMax: 64,
  companyEmailMax: 64,
  paymentAddressMax: 256,
} as const;

export type Settlement = 'full_payment' | 'full_prepayment' | 'prepayment' | 'advance';

export interface ReceiptInputItem {
  name: string;
  priceKopecks: number;
  quantity: number;
  /** The product's own rate; prepayments switch it to the calculated one (20 % → 20/120). */
  vat: VatRate;
  paymentObject?: PaymentObject;
  measure?: Measure;
}

export interface ReceiptInput {
  op: FiscalOp;
  externalId: string;
  items: ReceiptInputItem[];
  /** Order-level discount, spread over the goods. */
  discountKopecks?: number;
  /** Delivery as its own line (a service), never discounted. */
  deliveryKopecks?: number;
  /** Rate of the delivery line; by default the goods' rate when they all share one. */
  deliveryVat?: VatRate;
  deliveryName?: string;
  payments: Array<{ kind: PaymentKind; kopecks: number }>;
  customer: { email?: string | null; phone?: string | null };
  company: { inn: string; sno: TaxSystem; email: string; paymentAddress: string };
  settlement: Settlement;
  ffd: Ffd;
  /** When the settlement happened (the document's timestamp); now by default. */
  createdAt?: Date;
  correction?: ReceiptCorrection;
}

const rub = (kop: number): string => `${(kop / 100).toFixed(2).replace('.', ',')} ₽`;
const MAX_RUB = '10 000 000 000 ₽';
const qtyText = (micro: number): string => String(micro / 1_000_000).replace('.', ',');

function refuse(field: string, message: string): never {
  throw new SyncError({ kind: 'needsAttention', system: 'kassa', code: 'receipt_invalid', message, detail: `receipt field: ${field}` });
}

const isKop = (v: number): boolean => Number.isSafeInteger(v);

/** `8 (916) 123-45-67`, `9161234567`, `+7 916 123 45 67` → `+79161234567`; a foreign `+…` number stays itself. */
export function normalisePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length === 11 && (digits.startsWith('7') || digits.startsWith('8'))) return `+7${digits.slice(1)}`;
  if (digits.length === 10 && digits.startsWith('9')) return `+7${digits}`;
  if (trimmed.startsWith('+') && digits.length >= 8 && digits.length <= 15 && !digits.startsWith('7')) return `+${digits}`;
  return null;
}

const EMAIL_RE = /^[^\s@"\\]+@[^\s@"\\]+\.[^\s@"\\]+$/;
export const isEmail = (v: string): boolean => EMAIL_RE.test(v) && v.length <= RECEIPT_LIMITS.contactMax;

/**
 * Trims, folds whitespace, truncates to 128 UTF-16 code units with «…» (ATOL counts an emoji as two), never
 * splitting a surrogate pair.
 */
export function receiptName(raw: string): string {
  const name = raw.replace(/\s+/g, ' ').trim();
  if (name.length <= RECEIPT_LIMITS.nameMax) return name;
  let out = '';
  for (const ch of name) {
    if (out.length + ch.length > RECEIPT_LIMITS.nameMax - 1) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}

/**
 * RetailCRM's VAT rate of a line («22», «22.00», 22, «none», «0», «10/110»…) → the ATOL rate; a prepayment or an
 * advance takes the calculated rate (22 % → 22/122). Null for a rate ATOL does not know.
 */
export function vatFromRetailcrm(raw: string | number | null | undefined, prepayment = false): VatRate | null {
  if (raw === null || raw === undefined) return null;
  const t = String(raw).trim().toLowerCase().replace(',', '.');
  if (t === '') return null;
  if (t === 'none' || t === 'без ндс' || t === '-1') return 'none';
  const calc = /^(\d+)\/(1\d\d)$/.exec(t);
  let rate: VatRate | null = null;
  if (calc) {
    const r = `vat${calc[2]}`;
    rate = Number(calc[2]) - 100 === Number(calc[1]) && r in CALCULATED_BASE ? (r as VatRate) : null;
  } else if (/^\d+(\.0+)?$/.test(t)) {
    const n = Number(t);
    const r = `vat${n}` as VatRate;
    if (n >= 100) rate = r in CALCULATED_BASE ? r : null;
    else rate = r in CALCULATED || r === 'vat0' ? r : null;
  }
  if (!rate) return null;
  return prepayment ? calculatedRate(rate) : rate;
}

/** Percent of a VAT rate (the calculated 20/120 is 20); null for «без НДС». */
export function vatPercent(rate: VatRate): number | null {
  if (rate === 'none') return null;
  const n = Number(rate.slice(3));
  return n >= 100 ? n - 100 : n;
}

/** VAT inside a sum that includes it: sum × rate / (100 + rate), rounded half up to a kopeck. */
export function vatAmount(sumKop: number, rate: VatRate): number | undefined {
  const p = vatPercent(rate);
  if (p === null) return undefined;
  const den = 100 + p;
  return Math.floor((2 * sumKop * p + den) / (2 * den));
}

const CALCULATED: Partial<Record<VatRate, VatRate>> = {
  vat5: 'vat105',
  vat7: 'vat107',
  vat10: 'vat110',
  vat18: 'vat118',
  vat20: 'vat120',
  vat22: 'vat122',
};
const CALCULATED_BASE: Partial<Record<VatRate, VatRate>> = Object.fromEntries(Object.entries(CALCULATED).map(([a, b]) => [b, a]));

/** Prepayments and advances carry the calculated rate (20 % → 20/120). */
export function calculatedRate(rate: VatRate): VatRate {
  return CALCULATED[rate] ?? rate;
}

const METHOD: Record<Settlement, PaymentMethod> = {
  full_payment: 'full_payment',
  full_prepayment: 'full_prepayment',
  prepayment: 'prepayment',
  advance: 'advance',
};

/** round(price × qty) in kopecks, half up, the quantity in millionths; exact for any amount the protocol allows. */
export const lineSum = itemSumKop;

/** A quantity in millionths, or null when it has more than six decimals or is not positive and finite. */
export function qtyMicroOf(qty: number): number | null {
  if (!Number.isFinite(qty) || qty <= 0) return null;
  const micro = Math.round(qty * 1_000_000);
  if (micro < 1 || Math.abs(micro - qty * 1_000_000) > 1e-3) return null;
  return micro;
}

function qtyToMicro(qty: number, field: string): number {
  if (!Number.isFinite(qty) || qty <= 0) refuse(field, `Количество товара должно быть больше нуля (${field}: ${qty}).`);
  const micro = qtyMicroOf(qty);
  if (micro === null) refuse(field, `Количество товара — не больше шести знаков после запятой и не меньше 0,000001 (${qty}).`);
  if (micro > RECEIPT_LIMITS.qtyMaxMicro) refuse(field, `Количество товара больше 99 999 999 (${qty}).`);
  return micro;
}

interface Line {
  name: string;
  priceKop: number;
  qtyMicro: number;
  sumKop: number;
  vat: VatRate;
  object: PaymentObject;
  measure: Measure | undefined;
}

/** The smallest sum a line can have with a price of at least one kopeck. */
const minSum = (qtyMicro: number): number => Math.max(1, lineSum(1, qtyMicro));

/**
 * Lines that carry exactly `target` kopecks for the given quantity. A whole quantity whose target does not
 * divide evenly is split in two lines (n−r at p, r at p+1) so that every line keeps sum = price × qty.
 * A fractional quantity gets the price whose rounded product is the target, or null when none exists.
 */
function realise(base: Omit<Line, 'priceKop' | 'sumKop'>, target: number): Line[] | null {
  if (base.qtyMicro % 1_000_000 === 0) {
    const q = base.qtyMicro / 1_000_000;
    const p = Math.floor(target / q);
    const r = target - p * q;
    if (r === 0) return [{ ...base, priceKop: p, sumKop: target }];
    return [
      { ...base, priceKop: p, qtyMicro: (q - r) * 1_000_000, sumKop: p * (q - r) },
      { ...base, priceKop: p + 1, qtyMicro: r * 1_000_000, sumKop: (p + 1) * r },
    ];
  }
  const guess = Math.round((target * 1_000_000) / base.qtyMicro);
  for (const p of [guess, guess - 1, guess + 1, guess - 2, guess + 2]) {
    if (p >= 1 && lineSum(p, base.qtyMicro) === target) return [{ ...base, priceKop: p, sumKop: target }];
  }
  return null;
}

/** The nearest achievable line for a fractional quantity (its sum may differ from the target by a few kopecks). */
function nearest(base: Omit<Line, 'priceKop' | 'sumKop'>, target: number): Line {
  const p = Math.max(1, Math.round((target * 1_000_000) / base.qtyMicro));
  return { ...base, priceKop: p, sumKop: lineSum(p, base.qtyMicro) };
}

/**
 * Builds the receipt: line sums, the order discount spread over the goods (proportionally, the remainder on
 * the last line, never a zero price), delivery as a service line, VAT per line (calculated rates for
 * prepayments), the buyer's contact and every protocol limit. Refuses with a Russian needs-attention
 * `SyncError` whatever the cash register would reject.
 */
export function buildReceipt(input: ReceiptInput): ReceiptDraft {
  const externalId = input.externalId.trim();
  if (!externalId) refuse('externalId', 'Нет идентификатора чека — внутренняя ошибка Прилавка.');
  if (externalId.length > RECEIPT_LIMITS.externalIdMax) refuse('externalId', 'Идентификатор чека длиннее 128 символов.');

  // ---- the buyer: e-mail wins, the phone otherwise; a remote sale needs one of them
  const email = input.customer.email?.trim() ?? '';
  const phone = normalisePhone(input.customer.phone);
  let customer: ReceiptDraft['customer'];
  if (email && isEmail(email)) customer = { email };
  else if (phone) customer = { phone };
  else if (email) refuse('customer.email', `E-mail покупателя «${email}» указан неверно, а телефона нет. Исправьте контакт покупателя в заказе, чтобы касса могла отправить ему чек.`);
  else if (input.customer.phone?.trim())
    refuse('customer.phone', `Телефон покупателя «${input.customer.phone.trim()}» указан неверно, а e-mail нет. Укажите телефон в формате +7XXXXXXXXXX или e-mail покупателя.`);
  else refuse('customer', 'В заказе нет ни e-mail, ни телефона покупателя: по закону электронный чек нужно отправить покупателю. Укажите контакт в заказе и нажмите «Повторить».');

  // ---- the seller, from the cash register settings
  const company = {
    inn: input.company.inn.trim(),
    sno: input.company.sno,
    email: input.company.email.trim(),
    paymentAddress: input.company.paymentAddress.trim(),
  };
  if (!/^(\d{10}|\d{12})$/.test(company.inn)) refuse('company.inn', `ИНН организации в настройках кассы должен состоять из 10 или 12 цифр (сейчас «${company.inn}»).`);
  if (!taxSystems.includes(company.sno)) refuse('company.sno', `Неизвестная система налогообложения «${String(company.sno)}» в настройках кассы.`);
  if (!EMAIL_RE.test(company.email) || company.email.length > RECEIPT_LIMITS.companyEmailMax)
    refuse('company.email', `E-mail организации в настройках кассы указан неверно («${company.email}»).`);
  if (!company.paymentAddress || company.paymentAddress.length > RECEIPT_LIMITS.paymentAddressMax)
    refuse('company.paymentAddress', 'Место расчётов (адрес сайта, с которым зарегистрирована касса) не указано или длиннее 256 символов. Проверьте настройки кассы.');

  const method = METHOD[input.settlement];
  if (!method) refuse('settlement', `Неизвестный способ расчёта «${String(input.settlement)}».`);
  const prepay = input.settlement !== 'full_payment';
  const allowedVat = vatRatesByFfd[input.ffd];
  if (!allowedVat) refuse('ffd', `Неизвестная версия ФФД «${String(input.ffd)}».`);

  const rateFor = (rate: VatRate, field: string): VatRate => {
    const r = prepay ? calculatedRate(rate) : rate;
    if (!allowedVat.includes(r)) {
      refuse(field, `Ставка НДС «${rate}» недоступна в ФФД ${input.ffd}. Проверьте ставку НДС товара и версию протокола кассы.`);
    }
    return r;
  };

  // ---- goods
  if (input.items.length === 0) refuse('items', 'В чеке нет ни одного товара.');
  const goods = input.items.map((it, i) => {
    const field = `items[${i}]`;
    const name = receiptName(it.name);
    if (!name) refuse(`${field}.name`, `У товара № ${i + 1} нет названия.`);
    if (!isKop(it.priceKopecks) || it.priceKopecks <= 0)
      refuse(`${field}.price`, `Цена товара «${name}» должна быть больше нуля (сейчас ${rub(it.priceKopecks)}): касса не принимает нулевые и отрицательные цены.`);
    if (it.priceKopecks > RECEIPT_LIMITS.amountMaxKop) refuse(`${field}.price`, `Цена товара «${name}» больше ${MAX_RUB}.`);
    const qtyMicro = qtyToMicro(it.quantity, `${field}.quantity`);
    const sum = lineSum(it.priceKopecks, qtyMicro);
    if (sum > RECEIPT_LIMITS.amountMaxKop) refuse(`${field}.sum`, `Стоимость позиции «${name}» больше ${MAX_RUB}.`);
    const object: PaymentObject = input.settlement === 'advance' ? 'payment' : (it.paymentObject ?? 'commodity');
    return { name, qtyMicro, sum, vat: rateFor(it.vat, `${field}.vat`), object, measure: it.measure };
  });

  // ---- the order discount, proportional to line sums, the remainder on the last line
  const discount = input.discountKopecks ?? 0;
  if (!isKop(discount) || discount < 0) refuse('discount', `Скидка на заказ должна быть целым неотрицательным числом копеек (${discount}).`);
  const goodsTotal = goods.reduce((a, g) => a + g.sum, 0);
  const floorTotal = goods.reduce((a, g) => a + minSum(g.qtyMicro), 0);
  if (discount > goodsTotal - floorTotal)
    refuse('discount', `Скидка ${rub(discount)} не меньше стоимости товаров ${rub(goodsTotal)}: в чеке не может быть бесплатных товаров. Проверьте скидку в заказе.`);
  const targets = goods.map((g) => g.sum);
  if (discount > 0) {
    let given = 0;
    for (let i = 0; i < goods.length - 1; i++) {
      const d = Number((BigInt(discount) * BigInt(goods[i]!.sum)) / BigInt(goodsTotal));
      targets[i] = goods[i]!.sum - d;
      given += d;
    }
    targets[goods.length - 1] = goods[goods.length - 1]!.sum - (discount - given);
    // A line pushed below one kopeck per unit hands its excess to the lines before it, last first.
    for (let i = goods.length - 1; i >= 0; i--) {
      const lack = minSum(goods[i]!.qtyMicro) - targets[i]!;
      if (lack <= 0) continue;
      targets[i] = targets[i]! + lack;
      let rest = lack;
      for (let j = goods.length - 1; j >= 0 && rest > 0; j--) {
        if (j === i) continue;
        const room = targets[j]! - minSum(goods[j]!.qtyMicro);
        const take = Math.min(room, rest);
        if (take > 0) {
          targets[j] = targets[j]! - take;
          rest -= take;
        }
      }
    }
  }

  // ---- lines: fractional quantities first (their rounding drift goes to the last whole-quantity line)
  const lines: Line[][] = goods.map(() => []);
  let drift = 0;
  const whole: number[] = [];
  goods.forEach((g, i) => {
    const base = { name: g.name, qtyMicro: g.qtyMicro, vat: g.vat, object: g.object, measure: g.measure };
    if (g.qtyMicro % 1_000_000 === 0) {
      whole.push(i);
      return;
    }
    const exact = realise(base, targets[i]!);
    if (exact) lines[i] = exact;
    else {
      const near = nearest(base, targets[i]!);
      drift += targets[i]! - near.sumKop;
      lines[i] = [near];
    }
  });
  if (drift !== 0 && whole.length > 0) {
    const last = whole[whole.length - 1]!;
    targets[last] = targets[last]! + drift;
    if (targets[last]! < minSum(goods[last]!.qtyMicro)) refuse('discount', 'Скидку нельзя распределить по товарам без нулевых цен. Проверьте скидку в заказе.');
    drift = 0;
  }
  for (const i of whole) {
    const g = goods[i]!;
    lines[i] = realise({ name: g.name, qtyMicro: g.qtyMicro, vat: g.vat, object: g.object, measure: g.measure }, targets[i]!)!;
  }
  const flat = lines.flat();

  // ---- delivery
  const delivery = input.deliveryKopecks ?? 0;
  if (!isKop(delivery) || delivery < 0) refuse('delivery', `Стоимость доставки должна быть целым неотрицательным числом копеек (${delivery}).`);
  if (delivery > RECEIPT_LIMITS.amountMaxKop) refuse('delivery', `Стоимость доставки больше ${MAX_RUB}.`);
  if (delivery > 0) {
    let vat = input.deliveryVat;
    if (!vat) {
      const own = new Set(input.items.map((it) => it.vat));
      if (own.size !== 1) refuse('deliveryVat', 'У товаров разные ставки НДС: укажите ставку НДС доставки в настройках кассы.');
      vat = [...own][0]!;
    }
    flat.push({
      name: receiptName(input.deliveryName ?? 'Доставка'),
      priceKop: delivery,
      qtyMicro: 1_000_000,
      sumKop: delivery,
      vat: rateFor(vat, 'deliveryVat'),
      object: input.settlement === 'advance' ? 'payment' : 'service',
      measure: undefined,
    });
  }
  if (flat.length > RECEIPT_LIMITS.itemsMax) refuse('items', `В чеке ${flat.length} позиций, а касса принимает не больше 100. Разделите заказ.`);

  const items: ReceiptItem[] = flat.map((l) => {
    const vatSumKop = vatAmount(l.sumKop, l.vat);
    return {
      name: l.name,
      priceKop: l.priceKop,
      qty: l.qtyMicro / 1_000_000,
      sumKop: l.sumKop,
      vat: l.vat,
      ...(vatSumKop !== undefined ? { vatSumKop } : {}),
      method,
      object: l.object,
      ...(l.measure || input.ffd === '1.2' ? { measure: l.measure ?? 'piece' } : {}),
    };
  });
  const totalKop = items.reduce((a, it) => a + it.sumKop, 0);
  if (totalKop > RECEIPT_LIMITS.amountMaxKop) refuse('total', `Сумма чека больше ${MAX_RUB}. Разделите заказ.`);

  // ---- payments: one line per kind, Σ = total
  const byKind = new Map<PaymentKind, number>();
  for (const [i, p] of input.payments.entries()) {
    if (!isKop(p.kopecks) || p.kopecks < 0) refuse(`payments[${i}]`, `Сумма оплаты должна быть целым неотрицательным числом копеек (${p.kopecks}).`);
    if (p.kopecks === 0) continue;
    byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + p.kopecks);
  }
  const payments = [...byKind].map(([kind, sumKop]) => ({ kind, sumKop }));
  if (payments.length === 0) refuse('payments', 'В заказе нет оплаты: чек без оплаты не пробивается.');
  if (payments.length > RECEIPT_LIMITS.paymentsMax) refuse('payments', 'В чеке больше 10 видов оплаты.');
  const paid = payments.reduce((a, p) => a + p.sumKop, 0);
  if (paid !== totalKop) {
    refuse(
      'payments',
      `Сумма оплат ${rub(paid)} не равна сумме чека ${rub(totalKop)} (товары${discount ? ' со скидкой' : ''}${delivery ? ' и доставка' : ''}). ` +
        'Проверьте оплаты, скидку и доставку в заказе и нажмите «Повторить».',
    );
  }

  // ---- receipt-level VAT totals
  const vatTotals = new Map<VatRate, number>();
  for (const it of items) vatTotals.set(it.vat, (vatTotals.get(it.vat) ?? 0) + (it.vatSumKop ?? 0));
  const vats = [...vatTotals].map(([type, sumKop]) => ({ type, sumKop }));

  return {
    idempotencyKey: externalId,
    op: input.op,
    ffd: input.ffd,
    createdAt: input.createdAt ?? new Date(),
    customer,
    company,
    items,
    payments,
    totalKop,
    vats,
    ...(input.correction ? { correction: input.correction } : {}),
  };
}

/**
 * The limits a draft must meet whoever built it (the provider checks them again before sending).
 * An empty list means the draft is fine.
 */
export function draftIssues(d: ReceiptDraft): Issue[] {
  const issues: Issue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });
  if (!d.idempotencyKey || d.idempotencyKey.length > RECEIPT_LIMITS.externalIdMax) add('external_id', 'Идентификатор чека пуст или длиннее 128 символов.');
  const { email, phone } = d.customer;
  if (!email && !phone) add('receipt.client', 'Нет ни e-mail, ни телефона покупателя: чек некуда отправить.');
  if (email !== undefined && !isEmail(email)) add('receipt.client.email', `E-mail покупателя «${email}» указан неверно.`);
  if (phone !== undefined && (phone.length > RECEIPT_LIMITS.contactMax || !/^\+?\d{10,15}$/.test(phone)))
    add('receipt.client.phone', `Телефон покупателя «${phone}» указан неверно.`);
  // v5 (FFD 1.2) takes only «+» and up to 18 digits (or «none»).
  else if (phone !== undefined && d.ffd === '1.2' && !/^\+[0-9]{1,18}$/.test(phone))
    add('receipt.client.phone', `Телефон покупателя «${phone}» нужно указать с «+» и кодом страны (например, +79161234567).`);
  if (!/^(\d{10}|\d{12})$/.test(d.company.inn)) add('receipt.company.inn', 'ИНН организации должен состоять из 10 или 12 цифр.');
  if (d.items.length < 1 || d.items.length > RECEIPT_LIMITS.itemsMax) add('receipt.items', 'В чеке должно быть от 1 до 100 позиций.');
  if (d.payments.length < 1 || d.payments.length > RECEIPT_LIMITS.paymentsMax) add('receipt.payments', 'В чеке должно быть от 1 до 10 оплат.');
  const allowed = vatRatesByFfd[d.ffd] ?? [];
  d.items.forEach((it, i) => {
    const f = `receipt.items[${i}]`;
    if (it.name.length > RECEIPT_LIMITS.nameMax || !it.name) add(`${f}.name`, `Название позиции № ${i + 1} пустое или длиннее 128 символов.`);
    const priceOk = isKop(it.priceKop) && it.priceKop > 0 && it.priceKop <= RECEIPT_LIMITS.amountMaxKop;
    if (!priceOk) add(`${f}.price`, `Цена позиции «${it.name}» должна быть от 0,01 до ${MAX_RUB}.`);
    const micro = qtyMicroOf(it.qty);
    const qtyOk = micro !== null && micro <= RECEIPT_LIMITS.qtyMaxMicro;
    if (!qtyOk) add(`${f}.quantity`, `Количество позиции «${it.name}» должно быть от 0,000001 до 99 999 999, не точнее шести знаков после запятой.`);
    if (!isKop(it.sumKop) || it.sumKop <= 0 || it.sumKop > RECEIPT_LIMITS.amountMaxKop) add(`${f}.sum`, `Сумма позиции «${it.name}» вне допустимых пределов.`);
    else if (priceOk && qtyOk && lineSum(it.priceKop, micro) !== it.sumKop) {
      // ATOL no longer corrects a sum that differs from price × quantity: the receipt would be refused.
      add(
        `${f}.sum`,
        `Сумма позиции «${it.name}» ${rub(it.sumKop)} не равна цене × количество (${rub(it.priceKop)} × ${qtyText(micro)} = ${rub(lineSum(it.priceKop, micro))}). Проверьте цену, количество и скидку позиции в заказе.`,
      );
    }
    if (!allowed.includes(it.vat)) add(`${f}.vat.type`, `Ставка НДС «${it.vat}» недоступна в ФФД ${d.ffd}.`);
  });
  const items = d.items.reduce((a, it) => a + it.sumKop, 0);
  const paid = d.payments.reduce((a, p) => a + p.sumKop, 0);
  if (items !== d.totalKop) add('receipt.total', `Итог чека ${rub(d.totalKop)} не равен сумме позиций ${rub(items)}.`);
  if (paid !== d.totalKop) add('receipt.payments', `Сумма оплат ${rub(paid)} не равна итогу чека ${rub(d.totalKop)}.`);
  if (d.op === 'sell_correction' && !d.correction) add('correction.correction_info', 'Для чека коррекции нужны основание и его дата.');
  return issues;
}
