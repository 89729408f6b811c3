import { describe, expect, it } from 'vitest';
import {
  atolRequest,
  atolTimestamp,
  buildReceipt,
  classifyAtolError,
  draftIssues,
  lineSum,
  normalisePhone,
  parseAtolReport,
  receiptName,
  validateAtolRequest,
  vatAmount,
  vatFromRetailcrm,
  type ReceiptInput,
} from '../../src-main/engine/connectors/kassa/index.js';
import { SyncError } from '../../src-main/engine/errors.js';

const company = { inn: '5544332219', sno: 'osn' as const, email: 'shop@example.com', paymentAddress: 'https://shop.example.ru' };

function input(patch: Partial<ReceiptInput> = {}): ReceiptInput {
  return {
    op: 'sell',
    externalId: 'receipt:sell:1:1',
    items: [{ name: 'Чайник', priceKopecks: 150_050, quantity: 1, vat: 'vat20' }],
    payments: [{ kind: 'cashless', kopecks: 150_050 }],
    customer: { email: 'buyer@example.com' },
    company,
    settlement: 'full_payment',
    ffd: '1.05',
    createdAt: new Date('2030-01-01T00:00:00Z'),
    ...patch,
  };
}

function refusal(patch: Partial<ReceiptInput>): SyncError {
  try {
    buildReceipt(input(patch));
  } catch (e) {
    expect(e).toBeInstanceOf(SyncError);
    const err = e as SyncError;
    expect(err.kind).toBe('needsAttention');
    expect(err.system).toBe('kassa');
    expect(err.message).toMatch(/[а-яё]/i);
    return err;
  }
  throw new Error('expected a refusal');
}

const total = (items: Array<{ sumKop: number }>) => items.reduce((a, i) => a + i.sumKop, 0);

describe('line sums and VAT', () => {
  it('round(price × qty) half up, exact for large amounts', () => {
    // The quantity in millionths (six decimals, documents 5.23 / 3.12).
    expect(lineSum(99_900, 345_000)).toBe(34_466); // 999.00 × 0.345 = 344.655
    expect(lineSum(1, 500_000)).toBe(1); // 0.005 → 0.01
    expect(lineSum(1, 499_999)).toBe(0);
    expect(lineSum(1_000_000_000_000, 1_000_000)).toBe(1_000_000_000_000);
    expect(lineSum(333, 3_000_000)).toBe(999);
    expect(lineSum(12_345, 1)).toBe(0); // 123.45 × 0.000001
  });

  it('VAT inside the sum: sum × rate / (100 + rate), the calculated rate gives the same figure', () => {
    expect(vatAmount(12_000, 'vat20')).toBe(2000);
    expect(vatAmount(12_000, 'vat120')).toBe(2000);
    expect(vatAmount(100, 'vat20')).toBe(17); // 16.67
    expect(vatAmount(11_000, 'vat10')).toBe(1000);
    expect(vatAmount(10_500, 'vat5')).toBe(500);
    expect(vatAmount(5_000, 'vat0')).toBe(0);
    expect(vatAmount(5_000, 'none')).toBeUndefined();
  });
});

describe('buildReceipt', () => {
  it('builds a plain receipt: sums, VAT, the payment, the e-mail', () => {
    const d = buildReceipt(
      input({
        items: [
          { name: 'Чайник', priceKopecks: 150_050, quantity: 1, vat: 'vat20' },
          { name: 'Чашка', priceKopecks: 25_000, quantity: 2, vat: 'vat20' },
        ],
        payments: [{ kind: 'cashless', kopecks: 200_050 }],
      }),
    );
    expect(d.idempotencyKey).toBe('receipt:sell:1:1');
    expect(d.totalKop).toBe(200_050);
    expect(d.items).toEqual([
      { name: 'Чайник', priceKop: 150_050, qty: 1, sumKop: 150_050, vat: 'vat20', vatSumKop: 25_008, method: 'full_payment', object: 'commodity' },
      { name: 'Чашка', priceKop: 25_000, qty: 2, sumKop: 50_000, vat: 'vat20', vatSumKop: 8_333, method: 'full_payment', object: 'commodity' },
    ]);
    expect(d.payments).toEqual([{ kind: 'cashless', sumKop: 200_050 }]);
    expect(d.vats).toEqual([{ type: 'vat20', sumKop: 33_341 }]);
    expect(d.customer).toEqual({ email: 'buyer@example.com' });
  });

  it('spreads an order discount proportionally with the remainder on the last item, keeping sum = price × qty', () => {
    const d = buildReceipt(
      input({
        items: [
          { name: 'A', priceKopecks: 10_000, quantity: 1, vat: 'none' },
          { name: 'B', priceKopecks: 10_000, quantity: 1, vat: 'none' },
          { name: 'C', priceKopecks: 10_000, quantity: 1, vat: 'none' },
        ],
        discountKopecks: 100,
        payments: [{ kind: 'cash', kopecks: 29_900 }],
      }),
    );
    expect(d.items.map((i) => i.sumKop)).toEqual([9_967, 9_967, 9_966]);
    expect(d.totalKop).toBe(29_900);
    for (const it of d.items) expect(lineSum(it.priceKop, Math.round(it.qty * 1_000_000))).toBe(it.sumKop);
  });

  it('splits a whole quantity whose discounted sum does not divide evenly into two lines', () => {
    const d = buildReceipt(
      input({
        items: [{ name: 'Чашка', priceKopecks: 25_000, quantity: 3, vat: 'vat20' }],
        discountKopecks: 100,
        payments: [{ kind: 'cashless', kopecks: 74_900 }],
      }),
    );
    // 749.00 / 3 = 249.666…: one at 249.66 and two at 249.67
    expect(d.items.map((i) => [i.priceKop, i.qty, i.sumKop])).toEqual([
      [24_966, 1, 24_966],
      [24_967, 2, 49_934],
    ]);
    expect(total(d.items)).toBe(74_900);
  });

  it('handles fractional quantities with a discount exactly when a price exists, and moves rounding drift to a whole line', () => {
    const d = buildReceipt(
      input({
        items: [
          { name: 'Сыр', priceKopecks: 99_900, quantity: 0.345, vat: 'vat10', measure: 'kilogram' },
          { name: 'Хлеб', priceKopecks: 5_000, quantity: 2, vat: 'vat10' },
        ],
        discountKopecks: 777,
        payments: [{ kind: 'cashless', kopecks: 34_466 + 10_000 - 777 }],
      }),
    );
    expect(d.totalKop).toBe(43_689);
    for (const it of d.items) expect(lineSum(it.priceKop, Math.round(it.qty * 1_000_000))).toBe(it.sumKop);
    expect(d.items[0]).toMatchObject({ name: 'Сыр', qty: 0.345, measure: 'kilogram' });
    expect(d.items.every((i) => i.priceKop > 0)).toBe(true);
  });

  it('never makes a zero or negative price: a huge discount on a cheap last item is moved to the others', () => {
    const d = buildReceipt(
      input({
        items: [
          { name: 'Дорогой', priceKopecks: 100_000, quantity: 1, vat: 'none' },
          { name: 'Копеечный', priceKopecks: 1, quantity: 1, vat: 'none' },
        ],
        discountKopecks: 99_990,
        payments: [{ kind: 'cash', kopecks: 11 }],
      }),
    );
    expect(d.items.every((i) => i.priceKop >= 1)).toBe(true);
    expect(d.totalKop).toBe(11);
    expect(refusal({ discountKopecks: 150_050 }).message).toMatch(/бесплатных товаров/);
    expect(refusal({ discountKopecks: -1 }).message).toMatch(/Скидка/);
  });

  it('adds delivery as a service line, never discounted, with the goods’ VAT rate by default', () => {
    const d = buildReceipt(
      input({
        discountKopecks: 50,
        deliveryKopecks: 30_000,
        payments: [
          { kind: 'cashless', kopecks: 100_000 },
          { kind: 'cash', kopecks: 80_000 },
        ],
      }),
    );
    expect(d.items[1]).toMatchObject({ name: 'Доставка', priceKop: 30_000, sumKop: 30_000, object: 'service', vat: 'vat20', vatSumKop: 5_000 });
    expect(d.items[0]!.sumKop).toBe(150_000);
    expect(d.payments).toEqual([
      { kind: 'cashless', sumKop: 100_000 },
      { kind: 'cash', sumKop: 80_000 },
    ]);
    const mixed = { items: [{ name: 'A', priceKopecks: 100, quantity: 1, vat: 'vat20' as const }, { name: 'B', priceKopecks: 100, quantity: 1, vat: 'vat10' as const }], deliveryKopecks: 100 };
    expect(refusal({ ...mixed, payments: [{ kind: 'cash', kopecks: 300 }] }).message).toMatch(/ставку НДС доставки/);
    expect(buildReceipt(input({ ...mixed, deliveryVat: 'vat20', payments: [{ kind: 'cash', kopecks: 300 }] })).items[2]!.vat).toBe('vat20');
  });

  it('prepayments use the calculated VAT rates; an advance is a «payment» subject', () => {
    const pre = buildReceipt(input({ settlement: 'full_prepayment' }));
    expect(pre.items[0]).toMatchObject({ method: 'full_prepayment', vat: 'vat120', vatSumKop: 25_008, object: 'commodity' });
    const adv = buildReceipt(input({ settlement: 'advance', items: [{ name: 'Сертификат', priceKopecks: 11_000, quantity: 1, vat: 'vat10' }], payments: [{ kind: 'cashless', kopecks: 11_000 }] }));
    expect(adv.items[0]).toMatchObject({ method: 'advance', vat: 'vat110', vatSumKop: 1_000, object: 'payment' });
    // Handover after the advance: full payment, offset of the prepayment.
    const handover = buildReceipt(input({ payments: [{ kind: 'prepayment', kopecks: 150_050 }] }));
    expect(handover.items[0]).toMatchObject({ method: 'full_payment', vat: 'vat20' });
    expect(handover.payments).toEqual([{ kind: 'prepayment', sumKop: 150_050 }]);
    // Both FFD versions have 5 % (5/105), 7 % (7/107) and 22 % (22/122): v4 documents 5.17 and 5.22.
    const v12 = buildReceipt(input({ ffd: '1.2', settlement: 'prepayment', items: [{ name: 'A', priceKopecks: 10_500, quantity: 1, vat: 'vat5' }], payments: [{ kind: 'cash', kopecks: 10_500 }] }));
    expect(v12.items[0]).toMatchObject({ vat: 'vat105', vatSumKop: 500, measure: 'piece' });
    const v105 = buildReceipt(input({ settlement: 'prepayment', items: [{ name: 'A', priceKopecks: 12_200, quantity: 1, vat: 'vat22' }], payments: [{ kind: 'cash', kopecks: 12_200 }] }));
    expect(v105.items[0]).toMatchObject({ vat: 'vat122', vatSumKop: 2_200 });
    expect(buildReceipt(input({ items: [{ name: 'A', priceKopecks: 10_700, quantity: 1, vat: 'vat7' }], payments: [{ kind: 'cash', kopecks: 10_700 }] })).items[0]).toMatchObject({ vat: 'vat7', vatSumKop: 700 });
    expect(refusal({ ffd: '1.2', items: [{ name: 'A', priceKopecks: 100, quantity: 1, vat: 'vat18' }], payments: [{ kind: 'cash', kopecks: 100 }] }).message).toMatch(/ФФД 1\.2/);
  });

  it('Σ payments must equal the total, in both directions; zero payments are dropped, same kinds merged', () => {
    const under = refusal({ payments: [{ kind: 'cashless', kopecks: 150_000 }] });
    expect(under.message).toMatch(/Сумма оплат 1500,00 ₽ не равна сумме чека 1500,50 ₽/);
    expect(refusal({ payments: [{ kind: 'cash', kopecks: 200_000 }] }).message).toMatch(/не равна сумме чека/);
    expect(refusal({ payments: [] }).message).toMatch(/нет оплаты/);
    expect(refusal({ payments: [{ kind: 'cash', kopecks: 1.5 }] }).message).toMatch(/целым/);
    const d = buildReceipt(
      input({
        payments: [
          { kind: 'cashless', kopecks: 50 },
          { kind: 'cash', kopecks: 0 },
          { kind: 'cashless', kopecks: 150_000 },
        ],
      }),
    );
    expect(d.payments).toEqual([{ kind: 'cashless', sumKop: 150_050 }]);
  });

  it('the buyer: e-mail wins, the phone is normalised, no contact is refused before sending', () => {
    expect(buildReceipt(input({ customer: { email: ' a@b.ru ', phone: '+79161234567' } })).customer).toEqual({ email: 'a@b.ru' });
    expect(buildReceipt(input({ customer: { phone: '8 (916) 123-45-67' } })).customer).toEqual({ phone: '+79161234567' });
    expect(buildReceipt(input({ customer: { email: 'not-an-email', phone: '9161234567' } })).customer).toEqual({ phone: '+79161234567' });
    expect(refusal({ customer: {} }).message).toMatch(/нет ни e-mail, ни телефона покупателя/);
    expect(refusal({ customer: { email: null, phone: '' } }).message).toMatch(/нет ни e-mail, ни телефона/);
    expect(refusal({ customer: { phone: '123' } }).message).toMatch(/Телефон покупателя «123» указан неверно/);
    expect(refusal({ customer: { email: 'x@' } }).message).toMatch(/E-mail покупателя «x@» указан неверно/);
    expect(refusal({ customer: { email: `${'a'.repeat(60)}@b.ru` } }).message).toMatch(/E-mail/);
  });

  it('normalises Russian phones and keeps foreign ones', () => {
    expect(normalisePhone('+7 (916) 123-45-67')).toBe('+79161234567');
    expect(normalisePhone('89161234567')).toBe('+79161234567');
    expect(normalisePhone('79161234567')).toBe('+79161234567');
    expect(normalisePhone('9161234567')).toBe('+79161234567');
    expect(normalisePhone('+375 29 123-45-67')).toBe('+375291234567');
    expect(normalisePhone('12345')).toBeNull();
    expect(normalisePhone(null)).toBeNull();
  });

  it('truncates names to 128 characters with «…» and refuses an empty one', () => {
    const long = 'Очень длинное название товара '.repeat(10);
    const name = receiptName(long);
    expect(name).toHaveLength(128);
    expect(name.endsWith('…')).toBe(true);
    expect(receiptName('  Чайник \n «Уют»  ')).toBe('Чайник «Уют»');
    const d = buildReceipt(input({ items: [{ name: long, priceKopecks: 100, quantity: 1, vat: 'none' }], payments: [{ kind: 'cash', kopecks: 100 }] }));
    expect([...d.items[0]!.name].length).toBeLessThanOrEqual(128);
    expect(refusal({ items: [{ name: '   ', priceKopecks: 100, quantity: 1, vat: 'none' }] }).message).toMatch(/нет названия/);
  });

  it('enforces the protocol limits', () => {
    const item = { name: 'A', priceKopecks: 100, quantity: 1, vat: 'none' as const };
    expect(refusal({ items: [{ ...item, priceKopecks: 0 }] }).message).toMatch(/больше нуля/);
    expect(refusal({ items: [{ ...item, priceKopecks: -5 }] }).message).toMatch(/больше нуля/);
    // Documents 5.23 / 3.12: amounts up to 10 000 000 000 ₽, quantity 0.000001 … 99 999 999, six decimals.
    expect(refusal({ items: [{ ...item, priceKopecks: 1_000_000_000_001 }] }).message).toMatch(/10 000 000 000 ₽/);
    expect(refusal({ items: [{ ...item, priceKopecks: 100_000_000_000, quantity: 11 }] }).message).toMatch(/Стоимость позиции/);
    expect(refusal({ items: [{ ...item, quantity: 0 }] }).message).toMatch(/Количество/);
    expect(refusal({ items: [{ ...item, quantity: 1.0000005 }] }).message).toMatch(/шести знаков/);
    expect(refusal({ items: [{ ...item, quantity: 100_000_000 }] }).message).toMatch(/99 999 999/);
    const big = buildReceipt(input({ items: [{ ...item, priceKopecks: 4_294_967_296 }], payments: [{ kind: 'cashless', kopecks: 4_294_967_296 }] }));
    expect(big.totalKop).toBe(4_294_967_296);
    const fine = buildReceipt(input({ items: [{ ...item, priceKopecks: 1_000_000, quantity: 0.000001 }], payments: [{ kind: 'cash', kopecks: 1 }] }));
    expect(fine.items[0]).toMatchObject({ qty: 0.000001, sumKop: 1 });
    expect(refusal({ items: [] }).message).toMatch(/нет ни одного товара/);
    const many = Array.from({ length: 101 }, (_, i) => ({ ...item, name: `Товар ${i}` }));
    expect(refusal({ items: many, payments: [{ kind: 'cash', kopecks: 10_100 }] }).message).toMatch(/не больше 100/);
    expect(buildReceipt(input({ items: many.slice(0, 100), payments: [{ kind: 'cash', kopecks: 10_000 }] })).items).toHaveLength(100);
    const kinds = ['cash', 'cashless', 'prepayment', 'credit', 'other'] as const;
    expect(buildReceipt(input({ payments: kinds.map((kind, i) => ({ kind, kopecks: i === 0 ? 150_046 : 1 })) })).payments).toHaveLength(5);
    expect(refusal({ externalId: 'x'.repeat(129) }).message).toMatch(/128/);
    expect(refusal({ company: { ...company, inn: '123' } }).message).toMatch(/ИНН/);
    expect(refusal({ company: { ...company, email: 'shop' } }).message).toMatch(/E-mail организации/);
    expect(refusal({ company: { ...company, paymentAddress: 'x'.repeat(257) } }).message).toMatch(/Место расчётов/);
  });

  it('every built receipt passes the ATOL schema of its version and the draft checks', () => {
    const cases: ReceiptInput[] = [
      input({ discountKopecks: 333, deliveryKopecks: 25_000, payments: [{ kind: 'cashless', kopecks: 150_050 - 333 + 25_000 }] }),
      input({ ffd: '1.2', settlement: 'full_prepayment', customer: { phone: '8-916-123-45-67' } }),
      input({ op: 'sell_refund', items: [{ name: 'Сыр', priceKopecks: 99_900, quantity: 1.5, vat: 'vat10', measure: 'kilogram' }], payments: [{ kind: 'cash', kopecks: 149_850 }] }),
    ];
    for (const c of cases) {
      const d = buildReceipt(c);
      expect(draftIssues(d)).toEqual([]);
      const v = c.ffd === '1.05' ? 'v4' : 'v5';
      const { operation, body } = atolRequest(d, v, { callbackUrl: 'https://hooks.example.ru/kassa/atol' });
      expect(operation).toBe(c.op);
      expect(validateAtolRequest(v, operation, body)).toEqual([]);
    }
  });

  it('a correction carries its basis; v4 without items, v5 with them', () => {
    const d = buildReceipt(input({ op: 'sell_correction', correction: { type: 'self', baseDate: new Date('2030-01-10T09:00:00Z'), baseNumber: '17' } }));
    const v4 = atolRequest(d, 'v4');
    expect(v4.operation).toBe('sell_correction');
    expect(v4.body.correction).toMatchObject({ correction_info: { type: 'self', base_date: '10.01.2030', base_number: '17' }, vats: [{ type: 'vat20', sum: 250.08 }] });
    // Document 5.23 has no base_name any more.
    expect((v4.body.correction as { correction_info: Record<string, unknown> }).correction_info).not.toHaveProperty('base_name');
    expect(validateAtolRequest('v4', 'sell_correction', v4.body)).toEqual([]);
    const d5 = buildReceipt(input({ ffd: '1.2', op: 'sell_correction', correction: { type: 'instruction', baseDate: new Date('2030-01-10T09:00:00Z'), baseNumber: '5' } }));
    const v5 = atolRequest(d5, 'v5');
    expect(validateAtolRequest('v5', 'sell_correction', v5.body)).toEqual([]);
    expect((v5.body.correction as { items: unknown[] }).items).toHaveLength(1);
  });
});

describe('current protocol rules (ATOL v4 document 5.23, v5 document 3.12)', () => {
  it('a v4 (FFD 1.05) receipt at 22 % VAT is built and passes the current v4 schema', () => {
    const d = buildReceipt(input({ items: [{ name: 'Чайник', priceKopecks: 122_000, quantity: 1, vat: 'vat22' }], payments: [{ kind: 'cashless', kopecks: 122_000 }] }));
    expect(d.items[0]).toMatchObject({ vat: 'vat22', vatSumKop: 22_000 });
    expect(draftIssues(d)).toEqual([]);
    const { body } = atolRequest(d, 'v4');
    expect((body.receipt as { items: Array<{ vat: unknown }> }).items[0]!.vat).toEqual({ type: 'vat22', sum: 220 });
    expect(validateAtolRequest('v4', 'sell', body)).toEqual([]);
  });

  it("maps RetailCRM's VAT rates, prepayments to the calculated ones", () => {
    expect(vatFromRetailcrm('22')).toBe('vat22');
    expect(vatFromRetailcrm('22.00')).toBe('vat22');
    expect(vatFromRetailcrm(22, true)).toBe('vat122');
    expect(vatFromRetailcrm('10', true)).toBe('vat110');
    expect(vatFromRetailcrm('5')).toBe('vat5');
    expect(vatFromRetailcrm('7', true)).toBe('vat107');
    expect(vatFromRetailcrm('20')).toBe('vat20');
    expect(vatFromRetailcrm('0', true)).toBe('vat0');
    expect(vatFromRetailcrm('none', true)).toBe('none');
    expect(vatFromRetailcrm('22/122')).toBe('vat122');
    expect(vatFromRetailcrm('122')).toBe('vat122');
    expect(vatFromRetailcrm('21')).toBeNull();
    expect(vatFromRetailcrm('22/120')).toBeNull();
    expect(vatFromRetailcrm('')).toBeNull();
    expect(vatFromRetailcrm(null)).toBeNull();
  });

  it('sum ≠ price × quantity is refused before sending, with a Russian message', () => {
    const d = buildReceipt(input());
    const bad = { ...d, items: [{ ...d.items[0]!, sumKop: d.items[0]!.sumKop + 1 }], totalKop: d.totalKop + 1, payments: [{ kind: 'cashless' as const, sumKop: d.totalKop + 1 }] };
    const issues = draftIssues(bad);
    expect(issues).toEqual([{ field: 'receipt.items[0].sum', message: expect.stringMatching(/^Сумма позиции «Чайник» 1500,51 ₽ не равна цене × количество \(1500,50 ₽ × 1 = 1500,50 ₽\)/) as unknown as string }]);
  });

  it('v5: the buyer phone needs «+», names are cut by UTF-16 units (an emoji counts twice)', () => {
    const d = buildReceipt(input({ ffd: '1.2', customer: { phone: '8 916 123-45-67' } }));
    expect(d.customer).toEqual({ phone: '+79161234567' });
    expect(draftIssues(d)).toEqual([]);
    expect(draftIssues({ ...d, customer: { phone: '79161234567' } })).toEqual([{ field: 'receipt.client.phone', message: expect.stringMatching(/с «\+»/) as unknown as string }]);
    // 70 emoji are 140 UTF-16 units: the name is cut to 127 units + «…», never through a surrogate pair.
    const name = receiptName('🧘'.repeat(70));
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name).toBe(`${'🧘'.repeat(63)}…`);
    const emoji = buildReceipt(input({ ffd: '1.2', items: [{ name: `Коврик ${'🧘'.repeat(70)}`, priceKopecks: 100, quantity: 1, vat: 'none' }], payments: [{ kind: 'cash', kopecks: 100 }] }));
    const { body } = atolRequest(emoji, 'v5');
    expect(validateAtolRequest('v5', 'sell', body)).toEqual([]);
    expect(draftIssues({ ...emoji, items: [{ ...emoji.items[0]!, name: '🧘'.repeat(65) }] })).toEqual([{ field: 'receipt.items[0].name', message: expect.stringMatching(/длиннее 128/) as unknown as string }]);
  });
});

describe('ATOL wire helpers', () => {
  it('timestamps are zero-padded Moscow time with a 4-digit year', () => {
    expect(atolTimestamp(new Date('2030-03-04T21:05:09Z'))).toBe('05.03.2030 00:05:09');
    expect(atolTimestamp(new Date('2030-03-04T21:05:09Z'), 'UTC')).toBe('04.03.2030 21:05:09');
  });

  it('classifies service and KKT codes', () => {
    expect(classifyAtolError({ code: 12, type: 'system' })).toMatchObject({ kind: 'auth', sync: 'auth' });
    expect(classifyAtolError({ code: 32, text: 'Ошибочные поля: receipt.total' })).toMatchObject({ kind: 'validation', sync: 'needsAttention' });
    expect(classifyAtolError({ code: 32, text: 'Ошибочные поля: receipt.total' }).message).toContain('receipt.total');
    expect(classifyAtolError({ code: 50 })).toMatchObject({ kind: 'transient', sync: 'retryable' });
    expect(classifyAtolError({ code: -3810, type: 'driver' })).toMatchObject({ kind: 'kkt_fix_receipt' });
    expect(classifyAtolError({ code: -3924, type: 'driver' })).toMatchObject({ kind: 'transient' });
    expect(classifyAtolError({ code: -3920, type: 'driver' })).toMatchObject({ kind: 'kkt_admin' });
    expect(classifyAtolError({ code: -9999, type: 'driver' }).message).toMatch(/неизвестная ошибка кассы/);
    expect(classifyAtolError({ code: 777 })).toMatchObject({ kind: 'validation' });
  });

  it('reads reports: wait, 34, done with fiscal data in kopecks, fail', () => {
    expect(parseAtolReport({ uuid: 'u', status: 'wait', error: null }).state).toBe('queued');
    expect(parseAtolReport({ error: { code: 34, text: 'not found', type: 'system' }, status: 'wait' }).state).toBe('queued');
    const done = parseAtolReport(
      {
        uuid: 'u',
        status: 'done',
        error: null,
        payload: {
          fiscal_receipt_number: 3,
          shift_number: 2,
          receipt_datetime: '01.02.2030 13:45:00',
          total: 1500.5,
          fn_number: '9999',
          ecr_registration_number: '0001',
          fiscal_document_number: 77,
          fiscal_document_attribute: 123456,
          fns_site: 'www.nalog.gov.ru',
        },
      },
      'sell_refund',
    );
    expect(done.fiscal).toMatchObject({ total: 150_050, qr: 't=20300201T1345&s=1500.50&fn=9999&i=77&fp=123456&n=2', ofd_receipt_url: null });
    const fail = parseAtolReport({ uuid: 'u', status: 'fail', error: { code: -3897, text: 'x', type: 'driver' } });
    expect(fail).toMatchObject({ state: 'failed', error: { kind: 'kkt_fix_receipt', code: -3897 } });
  });
});
