import { describe, expect, it } from 'vitest';
import { envelopeError, normaliseRetailCrmUrl, ordersFilterQuery, readEnvelope } from '../../src-main/engine/connectors/retailcrm/client.js';
import {
  crmOrderSchema,
  fieldErrors,
  fromKopecks,
  historyRecordSchema,
  isOwnChange,
  toKopecks,
} from '../../src-main/engine/connectors/retailcrm/types.js';

const baseOrder = {
  id: 7146,
  number: '7146C',
  site: 'shop',
  status: 'new',
  createdAt: '2021-02-25 20:41:40',
  items: [],
};

describe('RetailCRM order parsing', () => {
  it('reads payments keyed by id (order answers) and as a list (history, create)', () => {
    const asMap = crmOrderSchema.parse({
      ...baseOrder,
      payments: {
        '4326': { id: 4326, type: 'bank-card', externalId: 'payment_1', amount: 1250.5, paidAt: '2020-12-29 17:35:12', status: 'paid' },
        '4327': { id: 4327, type: 'cash', amount: 0 },
      },
    });
    expect(asMap.payments).toHaveLength(2);
    expect(asMap.payments[0]).toMatchObject({ id: 4326, type: 'bank-card', externalId: 'payment_1', amount: 1250.5, status: 'paid' });
    expect(asMap.payments[1]).toMatchObject({ id: 4327, status: null, paidAt: null, externalId: null });

    const asList = crmOrderSchema.parse({ ...baseOrder, payments: [{ id: 1422, status: 'not-paid', type: 'cash', externalId: '9', amount: 2663.96 }] });
    expect(asList.payments).toEqual([expect.objectContaining({ id: 1422, type: 'cash', externalId: '9', amount: 2663.96 })]);

    expect(crmOrderSchema.parse({ ...baseOrder, payments: {} }).payments).toEqual([]);
    expect(crmOrderSchema.parse({ ...baseOrder, payments: [] }).payments).toEqual([]);
    expect(crmOrderSchema.parse(baseOrder).payments).toEqual([]);
  });

  it('accepts empty maps serialised as [] and keeps unknown fields', () => {
    const o = crmOrderSchema.parse({
      ...baseOrder,
      customFields: [],
      delivery: { code: 'measoft-city', cost: 290, data: [], address: { city: 'Москва', street: 'ул. Тверская', building: '7', notes: 'код 12' } },
      items: [{ id: 1, offer: { id: 101, externalId: 'offer-tea', name: 'Чай' }, productName: 'Чай', quantity: 2, initialPrice: 1890, properties: [], vatRate: 'none' }],
      privilegeType: 'none',
    });
    expect(o.customFields).toEqual({});
    expect(o.delivery?.data).toEqual({});
    expect(o.delivery?.time).toEqual({ from: null, to: null, custom: null });
    expect(o.delivery?.address).toMatchObject({ city: 'Москва', street: 'ул. Тверская', building: '7', flat: null, notes: 'код 12' });
    expect(o.items[0]).toMatchObject({ quantity: 2, initialPrice: 1890, discountTotal: 0, purchasePrice: null, properties: {} });
    expect((o as Record<string, unknown>).privilegeType).toBe('none');
    const withMap = crmOrderSchema.parse({ ...baseOrder, customFields: { gift_wrap: true, courier_note: 'x' } });
    expect(withMap.customFields).toEqual({ gift_wrap: true, courier_note: 'x' });
  });

  it('accepts numeric strings and nulls where the API is loose', () => {
    const o = crmOrderSchema.parse({ ...baseOrder, id: '77', externalId: 501, weight: '1250', totalSumm: '3400.50', delivery: null, phone: null });
    expect(o.id).toBe(77);
    expect(o.externalId).toBe('501');
    expect(o.weight).toBe(1250);
    expect(o.totalSumm).toBe(3400.5);
    expect(o.delivery).toBeNull();
    expect(o.phone).toBeNull();
    expect(o.prepaySum).toBe(0);
    expect(() => crmOrderSchema.parse({ ...baseOrder, id: 'abc' })).toThrow();
  });
});

describe('RetailCRM errors', () => {
  it('lists field errors given as a map or a list', () => {
    expect(fieldErrors({ 'customer.externalId': 'Customer with externalId=2106 not found.' })).toEqual(['customer.externalId: Customer with externalId=2106 not found.']);
    expect(fieldErrors(['items[0].offer.id: Offer with id 123 not found.'])).toEqual(['items[0].offer.id: Offer with id 123 not found.']);
    expect(fieldErrors({ '0': 'first', '1': 'second' })).toEqual(['first', 'second']);
    expect(fieldErrors(undefined)).toEqual([]);
  });

  it('puts errorMsg and every field error into the merchant message', () => {
    const e = envelopeError(400, { errorMsg: 'Order is not loaded', errors: { 'customer.externalId': 'Customer with externalId=2106 not found.', phone: 'bad' } }, 'd');
    expect(e.kind).toBe('needsAttention');
    expect(e.message).toContain('Order is not loaded');
    expect(e.message).toContain('customer.externalId: Customer with externalId=2106 not found.');
    expect(e.message).toContain('phone: bad');
    const l = envelopeError(400, { errorMsg: 'Errors in the entity format', errors: ['items[0].offer.id: Offer with id 123 not found.'] }, 'd');
    expect(l.message).toContain('items[0].offer.id: Offer with id 123 not found.');
  });

  it('maps auth, not found, site and rate-limit answers to their kinds', () => {
    const wrong = envelopeError(403, { errorMsg: 'Wrong "apiKey" value.' }, '');
    expect(wrong).toMatchObject({ kind: 'auth', code: 403, system: 'retailcrm' });
    expect(wrong.message).toMatch(/неверный API-ключ/);
    expect(envelopeError(403, { errorMsg: '"apiKey" is missing.' }, '').message).toMatch(/неверный API-ключ/);
    const denied = envelopeError(403, { errorMsg: 'Access denied.' }, '');
    expect(denied.kind).toBe('auth');
    expect(denied.message).toMatch(/нет доступа к методу/);
    const nf = envelopeError(404, { errorMsg: 'Not found' }, '');
    expect(nf.kind).toBe('needsAttention');
    expect(nf.message).toMatch(/не найден/);
    expect(envelopeError(400, { errorMsg: "Parameter 'site' is missing" }, '').message).toMatch(/укажите магазин/);
    // Only `site` is about choosing a store: any other missing parameter is explained as what it is.
    const other = envelopeError(400, { errorMsg: "Parameter 'externalId' in 'customer' is missing" }, '');
    expect(other.message).toMatch(/не хватает обязательного поля «externalId» в «customer»/);
    expect(other.message).not.toMatch(/магазин/);
    expect(envelopeError(400, { errorMsg: "Parameter 'integrationModule' is missing" }, '').message).not.toMatch(/магазин/);
    expect(envelopeError(400, { errorMsg: 'Rate limit exceeded' }, '').kind).toBe('retryable');
    expect(envelopeError(405, { errorMsg: 'Account does not exist.' }, '').message).toMatch(/Аккаунт RetailCRM не найден/);
  });
});

describe('RetailCRM answers', () => {
  const fails = (status: number, body: string) => {
    try {
      readEnvelope(status, body, () => `detail ${status}`);
    } catch (e) {
      return e as { kind: string; message: string; detail: string; code: number };
    }
    throw new Error('expected a failure');
  };

  it('recognises the HTML page of a missing account', () => {
    const e = fails(405, '<html><head><title>405 Not Allowed</title></head><body>nginx</body></html>');
    expect(e.kind).toBe('needsAttention');
    expect(e.message).toBe('Аккаунт RetailCRM не найден: проверьте адрес в настройках.');
    expect(e.detail).toBe('detail 405');
    expect(fails(200, '  <!DOCTYPE html><html></html>').message).toMatch(/Аккаунт RetailCRM не найден/);
  });

  it('returns success envelopes and rejects success:false even with 200', () => {
    expect(readEnvelope(201, '{"success":true,"id":7}', () => '')).toMatchObject({ success: true, id: 7 });
    const e = fails(200, '{"success":false,"errorMsg":"Order is not loaded","errors":["phone: bad"]}');
    expect(e.kind).toBe('needsAttention');
    expect(e.message).toContain('Order is not loaded; phone: bad');
    expect(fails(404, '{"success":false,"errorMsg":"Not found"}').message).toMatch(/не найден/);
  });
});

describe('RetailCRM history', () => {
  const rec = (over: Record<string, unknown>) =>
    historyRecordSchema.parse({ id: 1, createdAt: '2021-02-25 20:41:40', field: 'status', oldValue: { code: 'new' }, newValue: { code: 'complete' }, order: { id: 5, site: 'shop', status: 'complete' }, ...over });

  it('skips only changes made by the requesting key', () => {
    expect(isOwnChange(rec({ source: 'api', apiKey: { current: true } }))).toBe(true);
    expect(isOwnChange(rec({ source: 'api', apiKey: { current: false } }))).toBe(false);
    expect(isOwnChange(rec({ source: 'api' }))).toBe(false);
    expect(isOwnChange(rec({ source: 'user', user: { id: 12 } }))).toBe(false);
    expect(isOwnChange(rec({ source: 'rule' }))).toBe(false);
  });

  it('parses a created record carrying the full order', () => {
    const r = rec({ created: true, source: 'user', oldValue: null, newValue: { code: 'new' }, order: { ...baseOrder, payments: [{ id: 3, type: 'cod', amount: 990 }] } });
    expect(r.created).toBe(true);
    expect(r.oldValue).toBeNull();
    expect(crmOrderSchema.parse(r.order).payments[0]).toMatchObject({ id: 3, type: 'cod', amount: 990 });
  });
});

describe('money and encoding helpers', () => {
  it('converts roubles to kopecks rounding half away from zero', () => {
    expect(toKopecks(2663.96)).toBe(266396);
    expect(toKopecks(1.005)).toBe(101);
    expect(toKopecks(0.125)).toBe(13);
    expect(toKopecks(-0.125)).toBe(-13);
    expect(toKopecks(19.99)).toBe(1999);
    expect(toKopecks(0)).toBe(0);
    expect(fromKopecks(266396)).toBe(2663.96);
    expect(() => fromKopecks(1.5)).toThrow();
    expect(() => toKopecks(Number.NaN)).toThrow();
  });

  it('encodes order filters as filter[key][]= lists', () => {
    const q = ordersFilterQuery({ ids: [1, 2], extendedStatus: ['new'], createdAtFrom: '2024-01-01', customFields: { gift_wrap: '1' } });
    expect(q.getAll('filter[ids][]')).toEqual(['1', '2']);
    expect(q.getAll('filter[extendedStatus][]')).toEqual(['new']);
    expect(q.get('filter[createdAtFrom]')).toBe('2024-01-01');
    expect(q.get('filter[customFields][gift_wrap]')).toBe('1');
  });

  it('normalises the account address', () => {
    expect(normaliseRetailCrmUrl('https://Shop.RetailCRM.ru/')).toBe('https://shop.retailcrm.ru');
    expect(normaliseRetailCrmUrl('shop.retailcrm.ru')).toBe('https://shop.retailcrm.ru');
    expect(normaliseRetailCrmUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });
});
