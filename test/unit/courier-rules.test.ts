import { describe, expect, it } from 'vitest';
import { courierSettingsSchema } from '../../src-shared/settings.js';
import { crmOrderSchema, type CrmOrder } from '../../src-main/engine/connectors/retailcrm/index.js';
import {
  cashOnDelivery,
  decideCourier,
  measoftHash,
  measoftOrderNo,
  planPayments,
  toMeasoftOrder,
  type CourierRowView,
} from '../../src-main/engine/flows/courier/rules.js';

const settings = courierSettingsSchema.parse({
  enabled: true,
  triggerStatuses: ['send-to-delivery'],
  deliveryTypes: ['measoft-city'],
  codPaymentTypes: ['cash', 'cod'],
  cardOnDeliveryPaymentTypes: ['card-courier'],
  paymentTypeMap: { CASH: 'cash', CARD: 'bank-card' },
  paidPaymentStatus: 'paid',
  statusMap: { COMPLETE: 'complete' },
});

/** An order as the RetailCRM client hands it over (parsed from the wire shape, payments as a map). */
function order(over: Record<string, unknown> = {}): CrmOrder {
  return crmOrderSchema.parse({
    id: 501,
    number: '501A',
    site: 'shop',
    status: 'send-to-delivery',
    firstName: 'Анна',
    lastName: 'Смирнова',
    phone: '+7 (916) 123-45-67',
    summ: 2500,
    totalSumm: 2800,
    prepaySum: 0,
    weight: 1250,
    customerComment: 'Домофон 12',
    items: [
      { id: 1, offer: { id: 10, name: 'Чайник', article: 'KT-1' }, quantity: 1, initialPrice: 2000, discountTotal: 0, vatRate: '20' },
      { id: 2, offer: { id: 11, name: 'Кружка' }, quantity: 2, initialPrice: 300, discountTotal: 50, vatRate: 'none' },
    ],
    delivery: {
      code: 'measoft-city',
      cost: 300,
      date: '2026-11-25',
      time: { from: '10:00', to: '14:00' },
      address: { city: 'Москва', street: 'ул. Тверская', building: '7', flat: '12', index: '125009' },
    },
    payments: { '9': { id: 9, type: 'cash', status: 'not-paid', amount: 2800 } },
    ...over,
  });
}

describe('MeaSoft order built from a RetailCRM order', () => {
  it('carries receiver, address, window, weight, items, declared value and the COD amount in kopecks', () => {
    const m = toMeasoftOrder(order(), settings, '501A');
    expect(m.orderno).toBe('501A');
    expect(m.receiver).toMatchObject({ person: 'Смирнова Анна', phone: '+7 (916) 123-45-67', town: 'Москва', zipcode: '125009', date: '2026-11-25', timeMin: '10:00', timeMax: '14:00' });
    expect(m.receiver.address).toBe('ул. Тверская д. 7 кв. 12');
    expect(m.weightKg).toBe(1.25);
    expect(m.paytype).toBe('CASH');
    expect(m.priceKopecks).toBe(280_000);
    expect(m.inshpriceKopecks).toBe(250_000);
    expect(m.instruction).toBe('Домофон 12');
    expect(m.items).toEqual([
      { name: 'Чайник', article: 'KT-1', extcode: '10', quantity: 1, retpriceKopecks: 200_000, vatRate: 20 },
      { name: 'Кружка', extcode: '11', quantity: 2, retpriceKopecks: 25_000, vatRate: 'none' },
      { name: 'Доставка', quantity: 1, retpriceKopecks: 30_000 },
    ]);
  });

  it('a prepaid order (paid on the site) is not cash on delivery, unlike MeaSoft triggers that ignore the list', () => {
    const o = order({ prepaySum: 2800, payments: [{ id: 9, type: 'bank-card', status: 'paid', amount: 2800 }] });
    expect(cashOnDelivery(o, settings)).toEqual({ paytype: 'NO', kopecks: 0 });
    const m = toMeasoftOrder(o, settings, '501A');
    expect(m.priceKopecks).toBe(0);
    expect(m.items.map((i) => i.name)).toEqual(['Чайник', 'Кружка']);
  });

  it('a partly prepaid COD order collects the remainder and lists the prepayment as MeaSoft line type 4', () => {
    const o = order({
      prepaySum: 1000,
      payments: [
        { id: 8, type: 'bank-card', status: 'paid', amount: 1000 },
        { id: 9, type: 'cod', status: 'not-paid', amount: 1800 },
      ],
    });
    const m = toMeasoftOrder(o, settings, '501A');
    expect(m.paytype).toBe('CASH');
    expect(m.priceKopecks).toBe(180_000);
    expect(m.items.at(-1)).toEqual({ name: 'Предоплата', quantity: 1, retpriceKopecks: -100_000, type: 4 });
  });

  it('card to the courier, and an order with no payment at all (the courier collects)', () => {
    expect(cashOnDelivery(order({ payments: [{ id: 3, type: 'card-courier', amount: 2800 }] }), settings).paytype).toBe('CARD');
    expect(cashOnDelivery(order({ payments: {} }), settings)).toEqual({ paytype: 'CASH', kopecks: 280_000 });
  });

  it('an address given as text wins; weight falls back to the default', () => {
    const m = toMeasoftOrder(order({ weight: null, delivery: { code: 'measoft-city', address: { city: 'Санкт-Петербург', text: 'Невский пр., 28' } } }), settings, 'X');
    expect(m.receiver.address).toBe('Невский пр., 28');
    expect(m.weightKg).toBe(1);
  });

  it('numbers after a cancel get a suffix; the hash ignores the number but sees every sent field', () => {
    expect(measoftOrderNo('501A', 1)).toBe('501A');
    expect(measoftOrderNo('501A', 3)).toBe('501A-3');
    const a = toMeasoftOrder(order(), settings, '501A');
    expect(measoftHash(a)).toBe(measoftHash({ ...a, orderno: '501A-2' }));
    expect(measoftHash(a)).not.toBe(measoftHash(toMeasoftOrder(order({ phone: '+79160000000' }), settings, '501A')));
    expect(measoftHash(a)).not.toBe(measoftHash(toMeasoftOrder(order({ managerComment: 'не важно' }), settings, '501A')) + 'x');
    expect(measoftHash(a)).toBe(measoftHash(toMeasoftOrder(order({ managerComment: 'не важно' }), settings, '501A')));
  });
});

describe('courier decisions', () => {
  const sent = (o: CrmOrder): CourierRowView => ({ state: 'sent', generation: 1, orderno: o.number, sentHash: measoftHash(toMeasoftOrder(o, settings, o.number)) });

  it('sending status + MeaSoft delivery type → create; other statuses or delivery types → nothing', () => {
    expect(decideCourier(order(), null, settings)).toEqual({ kind: 'create', generation: 1 });
    expect(decideCourier(order({ status: 'new' }), null, settings).kind).toBe('none');
    expect(decideCourier(order({ delivery: { code: 'russian-post' } }), null, settings).kind).toBe('none');
    expect(decideCourier(order(), null, { ...settings, enabled: false }).kind).toBe('none');
  });

  it('already sending or sent: never a second create, whatever repeats', () => {
    const o = order();
    expect(decideCourier(o, { state: 'sending', generation: 1, orderno: null, sentHash: null }, settings)).toEqual({ kind: 'retryCreate' });
    expect(decideCourier(o, sent(o), settings)).toEqual({ kind: 'none', reason: 'unchanged' });
  });

  it('delivery type changed away → cancel; a sent field changed → update; an unrelated field → nothing', () => {
    const o = order();
    expect(decideCourier(order({ delivery: { code: 'self-delivery' } }), sent(o), settings)).toEqual({ kind: 'cancel' });
    expect(decideCourier(order({ phone: '+79035550000' }), sent(o), settings).kind).toBe('update');
    expect(decideCourier(order({ status: 'delivering', managerComment: 'позвонить' }), sent(o), settings).kind).toBe('none');
  });

  it('after a cancel, reaching the sending status again sends a new generation', () => {
    expect(decideCourier(order(), { state: 'cancelled', generation: 2, orderno: '501A', sentHash: null }, settings)).toEqual({ kind: 'create', generation: 2 });
    expect(decideCourier(order(), { state: 'cancelling', generation: 1, orderno: '501A', sentHash: null }, settings).kind).toBe('none');
  });
});

describe('payments on delivery', () => {
  const delivered = (paytype: string, rub: number) => ({ orderno: '501A', paytype, priceKopecks: rub * 100 });

  it('the courier took cash for a cash order: the one open payment is marked with the configured status', () => {
    expect(planPayments(order(), delivered('CASH', 2800), settings)).toEqual([{ op: 'setStatus', id: 9, status: 'paid' }]);
  });

  it('the courier took a card for a cash order: the payment is replaced by MeaSoft type and sum', () => {
    expect(planPayments(order(), delivered('CARD', 2750), settings)).toEqual([
      { op: 'delete', id: 9, type: 'cash', amountKopecks: 280_000 },
      { op: 'create', type: 'bank-card', amountKopecks: 275_000, status: 'paid', externalId: 'measoft-501A' },
    ]);
  });

  it('a replacement already made is not made twice', () => {
    const o = order({ payments: [{ id: 12, type: 'bank-card', status: 'paid', amount: 2750, externalId: 'measoft-501A' }] });
    expect(planPayments(o, delivered('CARD', 2750), settings)).toEqual([]);
  });

  it('with a zero sum or with replacement off, only the single open amount gets the status', () => {
    expect(planPayments(order(), { orderno: '501A', paytype: 'NO', priceKopecks: 0 }, settings)).toEqual([{ op: 'setStatus', id: 9, status: 'paid' }]);
    const two = order({ payments: [{ id: 8, type: 'cash', amount: 1000 }, { id: 9, type: 'cash', amount: 1800 }] });
    expect(planPayments(two, delivered('CASH', 2800), { ...settings, replacePayment: false })).toEqual([]);
  });
});
