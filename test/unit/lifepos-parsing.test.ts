import { describe, expect, it } from 'vitest';
import {
  detectMoneyUnit,
  employeeSchema,
  errorFor,
  kopecksToWire,
  legalEntitySchema,
  meSchema,
  normaliseLifePosUrl,
  outletSchema,
  parseErrorBody,
  parseLifePosNotification,
  parseMoneyDoc,
  parseSale,
  parseTransaction,
  paymentsOf,
  saleBody,
  wireToKopecks,
  workplaceSchema,
} from '../../src-main/engine/connectors/lifepos/index.js';

const fullSale = {
  guid: 'a1b2',
  number: '7141C',
  outlet: { guid: 'o-1', type_of: 'Outlet' },
  workplace: { guid: 'w-1', type_of: 'Workplace' },
  opened_by: { guid: 'e-1', type_of: 'Employee' },
  opened_at: '2024-01-01T10:00:00+03:00',
  state: 'InProgress',
  payment_status: 'PartiallyPaid',
  shipping_status: 'PartiallyRefunded',
  total_sum: { value: 200050, currency: 'RUB' },
  positions: [
    { good_type: 'Product', name: 'Чайник', quantity: 1, sale_price: { value: 150050, currency: 'RUB' }, total_sum: { value: 150050 }, uom: { guid: 'u-1', type_of: 'Uom' }, tax: 'Tax20' },
    // An older answer spells the line as price/type: still read.
    { type: 'Product', name: 'Чашка', quantity: 2, price: { value: 25000 } },
  ],
  customer: { name: 'Иванов', phone: '+79161234567' },
  extensions: { delivery: { address: 'ул. Ленина, 1', date: '2030-01-15', time_from: '10:00', time_to: '14:00', courier: { guid: 'c-1' } } },
  updated_at: '2024-01-01T11:00:00+03:00',
};

describe('LIFE POS money units', () => {
  it('converts between kopecks and the wire unit both ways', () => {
    expect(wireToKopecks(150050, 'minor')).toBe(150050);
    expect(wireToKopecks(1500.5, 'major')).toBe(150050);
    expect(wireToKopecks(1.005, 'major')).toBe(101);
    expect(wireToKopecks(-12.34, 'major')).toBe(-1234);
    expect(kopecksToWire(150050, 'minor')).toBe(150050);
    expect(kopecksToWire(150050, 'major')).toBe(1500.5);
    expect(() => kopecksToWire(1.5, 'minor')).toThrow(RangeError);
    expect(() => wireToKopecks(Number.NaN, 'minor')).toThrow(RangeError);
  });

  it('detects the unit a sale total implies against the order total in kopecks', () => {
    expect(detectMoneyUnit(150050, 150050)).toBe('minor');
    expect(detectMoneyUnit(1500.5, 150050)).toBe('major');
    expect(detectMoneyUnit(1500, 150050)).toBeNull();
    expect(detectMoneyUnit(0, 0)).toBe('minor');
  });

  it('reads the same sale in roubles when the wire unit is major', () => {
    const major = parseSale({ ...fullSale, total_sum: { value: 2000.5 }, positions: [{ name: 'x', quantity: 2, sale_price: { value: 10.25 } }] }, 'major');
    expect(major.totalKopecks).toBe(200050);
    expect(major.totalWire).toBe(2000.5);
    expect(major.positions[0]).toMatchObject({ priceKopecks: 1025, totalKopecks: 2050 });
    expect(parseMoneyDoc({ type_of: 'SalePayment', guid: 'd', total_sum: { value: 100 }, sum_by_cash: { value: 100 } }, 'major').cashKopecks).toBe(10000);
  });
});

describe('LIFE POS sale parsing', () => {
  it('reads a full sale: kopecks, references, delivery and courier in extensions, payments', () => {
    const s = parseSale(fullSale, 'minor');
    expect(s).toMatchObject({
      guid: 'a1b2',
      number: '7141C',
      state: 'InProgress',
      paymentStatus: 'PartiallyPaid',
      shippingStatus: 'PartiallyReturned',
      totalKopecks: 200050,
      currency: 'RUB',
      outletGuid: 'o-1',
      workplaceGuid: 'w-1',
      employeeGuid: 'c-1',
      openedByGuid: 'e-1',
      customer: { name: 'Иванов', phone: '+79161234567', email: null },
      delivery: { address: 'ул. Ленина, 1', date: '2030-01-15', timeFrom: '10:00', timeTo: '14:00' },
      createdAt: null,
    });
    expect(s.positions[0]).toEqual({ type: 'Product', name: 'Чайник', quantity: 1, priceKopecks: 150050, totalKopecks: 150050, uomGuid: 'u-1', tax: 'Tax20' });
    expect(s.positions[1]).toEqual({ type: 'Product', name: 'Чашка', quantity: 2, priceKopecks: 25000, totalKopecks: 50000, uomGuid: null, tax: null });
  });

  it('accepts both spellings of a returned shipment and keeps unknown statuses as sent', () => {
    expect(parseSale({ guid: 'g', shipping_status: 'Refunded' }, 'minor').shippingStatus).toBe('Returned');
    expect(parseSale({ guid: 'g', shipping_status: 'Returned' }, 'minor').shippingStatus).toBe('Returned');
    expect(parseSale({ guid: 'g', shipping_status: 'PartiallyReturned' }, 'minor').shippingStatus).toBe('PartiallyReturned');
    expect(parseSale({ guid: 'g', state: 'Archived' }, 'minor').state).toBe('Archived');
  });

  it('reads a minimal sale with every absent key as null or empty, and bare guid references', () => {
    const s = parseSale({ guid: 12, outlet: 'o-9', total_sum: 500 }, 'minor');
    expect(s).toMatchObject({
      guid: '12',
      number: null,
      state: null,
      paymentStatus: null,
      totalKopecks: 500,
      outletGuid: 'o-9',
      workplaceGuid: null,
      employeeGuid: null,
      delivery: null,
      positions: [],
      customer: { name: null, phone: null, email: null },
    });
    expect(parseSale({ guid: 'g', total_sum: null, customer: 'junk', positions: 'junk', extensions: [] }, 'minor')).toMatchObject({
      totalKopecks: null,
      positions: [],
      delivery: null,
    });
    expect(() => parseSale({ number: 'no-guid' }, 'minor')).toThrow();
  });

  it('builds the sale body in the wire unit with delivery and courier in extensions', () => {
    const body = saleBody(
      {
        number: 'N-1',
        outletGuid: 'o-1',
        workplaceGuid: 'w-1',
        employeeGuid: 'c-1',
        comment: 'x'.repeat(600),
        positions: [
          { name: 'Чайник', quantity: 1, priceKopecks: 150050 },
          { name: 'Чашка', quantity: 2, priceKopecks: 25000, type: 'Service' },
        ],
        delivery: { address: 'ул. Ленина, 1', timeFrom: '10:00' },
      },
      'e-1',
      'major',
      new Date('2024-01-01T07:00:00Z'),
    );
    expect(body).toMatchObject({
      number: 'N-1',
      outlet: { guid: 'o-1', type_of: 'Outlet' },
      workplace: { guid: 'w-1' },
      opened_by: { guid: 'e-1' },
      opened_at: '2024-01-01T07:00:00.000Z',
      state: 'New',
      total_sum: { value: 2000.5, currency: 'RUB' },
      extensions: { delivery: { address: 'ул. Ленина, 1', date: null, time_from: '10:00', time_to: null, courier: { guid: 'c-1', type_of: 'Employee' } } },
    });
    expect((body.comment as string).length).toBe(512);
    expect(body.positions).toEqual([
      { good_type: 'Product', name: 'Чайник', quantity: 1, sale_price: { value: 1500.5, currency: 'RUB' }, total_sum: { value: 1500.5, currency: 'RUB' } },
      { good_type: 'Service', name: 'Чашка', quantity: 2, sale_price: { value: 250, currency: 'RUB' }, total_sum: { value: 500, currency: 'RUB' } },
    ]);
    // A unit of measure and a tax go on every line when known.
    const withUom = saleBody({ number: 'N-2', outletGuid: 'o-1', uomGuid: 'u-1', positions: [{ name: 'Чайник', quantity: 1, priceKopecks: 100, tax: 'Tax20' }] }, 'e-1', 'minor');
    expect((withUom.positions as unknown[])[0]).toEqual({ good_type: 'Product', name: 'Чайник', quantity: 1, sale_price: { value: 100, currency: 'RUB' }, total_sum: { value: 100, currency: 'RUB' }, uom: { guid: 'u-1', type_of: 'Uom' }, tax: 'Tax20' });
    // Round trip: what we send reads back as the same kopecks.
    expect(parseSale({ guid: 'g', ...body }, 'major').totalKopecks).toBe(200050);
    expect(saleBody({ number: 'N-2', outletGuid: 'o', positions: [{ name: 'a', quantity: 1, priceKopecks: 1 }] }, null, 'minor').extensions).toBeUndefined();
  });
});

describe('LIFE POS structure parsing', () => {
  it('reads role, outlet, employee, workplace and legal entity shapes tolerantly', () => {
    expect(meSchema.parse({ guid: 'e', name: 'Иван', role: { guid: 'r', name: 'Владелец', code: 'Owner' } })).toEqual({ guid: 'e', name: 'Иван', role: 'Owner' });
    expect(meSchema.parse({ guid: 'e' })).toEqual({ guid: 'e', name: '', role: null });
    expect(outletSchema.parse({ guid: 'o', name: 'Точка', legal_entity: { guid: 'le', type_of: 'LegalEntity' } })).toEqual({
      guid: 'o',
      name: 'Точка',
      address: null,
      legalEntityGuid: 'le',
    });
    expect(employeeSchema.parse({ guid: 'e', name: 'Пётр', role: 'r-1' })).toMatchObject({ roleGuid: 'r-1', role: null, inn: null });
    expect(workplaceSchema.parse({ guid: 'w', workplace_type: 'Mobile', employee: { guid: 'e' } })).toEqual({
      guid: 'w',
      name: null,
      workplaceType: 'Mobile',
      employeeGuid: 'e',
      outletGuid: null,
    });
    expect(legalEntitySchema.parse({ guid: 'l', inn: 7701234567 })).toMatchObject({ inn: '7701234567', kpp: null, tax_systems: [] });
  });

  it('reads a transaction with the sale number from meta_data.purpose', () => {
    const t = parseTransaction(
      { guid: 't', status: 'Completed', operation: 'Payment', payment_type: 'Card', amount: { value: 150.5 }, meta_data: { purpose: 7141 }, sale: { guid: 's' } },
      'major',
    );
    expect(t).toMatchObject({ amountKopecks: 15050, saleNumber: '7141', saleGuid: 's', paymentType: 'Card', at: null, cardNumber: null });
    expect(parseTransaction({ guid: 1 }, 'minor')).toMatchObject({ guid: '1', amountKopecks: 0, saleNumber: null });
  });
});

describe('LIFE POS errors', () => {
  it('reads error bodies in every shape seen', () => {
    expect(parseErrorBody('{"code":"RequestIsNotValid","message":"bad","errors":[{"field":"number","message":"too long"}]}')).toEqual({
      code: 'RequestIsNotValid',
      message: 'bad',
      fields: ['number: too long'],
    });
    expect(parseErrorBody('{"error":{"code":"Duplicate","description":"exists"}}')).toEqual({ code: 'Duplicate', message: 'exists', fields: [] });
    expect(parseErrorBody('{"type":"NotFound","title":"nope","errors":{"outlet":["missing","wrong"]}}')).toEqual({
      code: 'NotFound',
      message: 'nope',
      fields: ['outlet: missing; wrong'],
    });
    expect(parseErrorBody('<html>502</html>')).toEqual({ code: null, message: '<html>502</html>', fields: [] });
    expect(parseErrorBody('')).toEqual({ code: null, message: null, fields: [] });
  });

  it('maps vendor codes to kinds with Russian messages', () => {
    const e = (status: number, code: string | null, action = 'создание продажи 1', message: string | null = null, fields: string[] = []) =>
      errorFor(status, { code, message, fields }, 'detail', action);
    expect(e(403, 'NoPermissions')).toMatchObject({ kind: 'auth', code: 'NoPermissions' });
    expect(e(403, 'NoPermissions').message).toContain('Владелец или Администратор');
    expect(e(401, 'Unauthorized').kind).toBe('auth');
    expect(e(404, 'NotFound').kind).toBe('needsAttention');
    expect(e(422, 'Duplicate').code).toBe('Duplicate');
    const v = e(422, 'RequestIsNotValid', 'создание продажи 1', 'bad', ['number: too long']);
    expect(v.kind).toBe('needsAttention');
    expect(v.message).toContain('number: too long');
    expect(e(422, 'RequestIsNotValid', 'возврат оплаты', 'no payment for sale').message).toContain('нет оплаты');
    expect(e(422, 'RequestIsNotValid', 'отмена продажи', 'paid').message).toContain('оформите возврат');
    expect(e(400, null).message).toContain('HTTP 400');
  });
});

describe('LIFE POS notifications', () => {
  it('reads the object tagged type_of: a sale, a payment or refund of a sale, a receipt that is no sale', () => {
    expect(parseLifePosNotification({ type_of: 'Sale', guid: 's-1', status: 'Opened' })).toEqual({ event: 'Sale', guid: 's-1', number: null, objectGuid: 's-1' });
    expect(parseLifePosNotification({ type_of: 'SalePayment', guid: 'p-1', sale: { guid: 's-1' }, total_sum: { value: 100 } })).toEqual({ event: 'SalePayment', guid: 's-1', number: null, objectGuid: 'p-1' });
    expect(parseLifePosNotification({ type_of: 'SaleRefund', guid: 'r-1', for_payment: { guid: 'p-1' }, sale: { guid: 's-1' } })?.guid).toBe('s-1');
    // A receipt's guid is the receipt's: never looked up as a sale.
    expect(parseLifePosNotification({ type_of: 'FiscalDocumentReceipt', guid: 'f-1', sources: { print_view: '…' } })).toEqual({ event: 'FiscalDocumentReceipt', guid: null, number: null, objectGuid: 'f-1' });
  });

  it('still reads older shapes: the sale under sale / deal / object / data or the root, and ignores the rest', () => {
    expect(parseLifePosNotification({ version: '1.0', event: 'sale.updated', sale: { guid: 'g', number: '7141C', state: 'New' } })).toEqual({
      event: 'sale.updated',
      guid: 'g',
      number: '7141C',
      objectGuid: 'g',
    });
    expect(parseLifePosNotification('{"type":"DealChanged","deal":{"id":"g2"}}')).toEqual({ event: 'DealChanged', guid: 'g2', number: null, objectGuid: 'g2' });
    expect(parseLifePosNotification({ object: { number: 42 } })).toEqual({ event: null, guid: null, number: '42', objectGuid: null });
    expect(parseLifePosNotification({ data: { guid: 'g3' } })?.guid).toBe('g3');
    expect(parseLifePosNotification({ guid: 'g4', number: 'N' })).toEqual({ event: null, guid: 'g4', number: 'N', objectGuid: 'g4' });
    expect(parseLifePosNotification({ hello: 'world' })).toBeNull();
    expect(parseLifePosNotification('not json')).toBeNull();
    expect(parseLifePosNotification([1, 2])).toBeNull();
  });

  it('splits a payment document into its cash and card parts; refunds and others pay nothing', () => {
    const doc = parseMoneyDoc({ type_of: 'SalePayment', guid: 'd-1', sale: { guid: 's-1' }, total_sum: { value: 150000 }, sum_by_cash: { value: 50000 }, sum_by_card: { value: 100000 }, created_at: 't' }, 'minor');
    expect(paymentsOf(doc)).toEqual([
      { guid: 'd-1:cash', type: 'Cash', amountKopecks: 50000, amountWire: 50000, at: 't' },
      { guid: 'd-1:card', type: 'Card', amountKopecks: 100000, amountWire: 100000, at: 't' },
    ]);
    // No split given: the total, as money that is not cash.
    expect(paymentsOf(parseMoneyDoc({ type_of: 'SalePayment', guid: 'd-2', total_sum: { value: 700 } }, 'minor')).map((p) => [p.guid, p.type, p.amountKopecks])).toEqual([['d-2:card', 'Card', 700]]);
    expect(paymentsOf(parseMoneyDoc({ type_of: 'SaleRefund', guid: 'd-3', for_payment: { guid: 'd-1' }, total_sum: { value: 700 } }, 'minor'))).toEqual([]);
    expect(() => parseMoneyDoc({ type_of: 'SalePayment' }, 'minor')).toThrow();
  });

  it('normalises the API address', () => {
    expect(normaliseLifePosUrl('API.life-pos.ru/')).toBe('https://api.life-pos.ru');
    expect(normaliseLifePosUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
  });
});
