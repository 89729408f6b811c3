import { describe, expect, it } from 'vitest';
import { posSettingsSchema } from '../../src-shared/settings.js';
import { crmOrderSchema, type CrmOrder } from '../../src-main/engine/connectors/retailcrm/index.js';
import { crmCourierId, decidePos, saleNumber, saleTotalProblem, toSaleInput } from '../../src-main/engine/flows/pos/rules.js';

const s = posSettingsSchema.parse({ enabled: true, createStatuses: ['new'], closeStatuses: ['cancel-other'], refundPaymentStatuses: ['returned'] });

function order(over: Record<string, unknown> = {}): CrmOrder {
  return crmOrderSchema.parse({
    id: 7,
    number: '7A',
    status: 'new',
    firstName: 'Ольга',
    lastName: 'Морозова',
    phone: '+79031112233',
    email: 'olga@example.ru',
    totalSumm: 1550,
    shipmentStore: 'main',
    items: [{ offer: { name: 'Плед шерстяной' }, quantity: 1, initialPrice: 1500, discountTotal: 250 }],
    delivery: { code: 'courier', cost: 300, date: '2026-11-25', time: { from: '12:00', to: '15:00' }, address: { city: 'Москва', street: 'ул. Лесная', building: '5', flat: '3' } },
    payments: { '1': { id: 1, type: 'cash', status: 'not-paid', amount: 1550 } },
    ...over,
  });
}

describe('RetailCRM ↔ LIFE POS rules', () => {
  it('the creating status makes a sale once; a cancelled sale and the creating status again make a new one', () => {
    expect(decidePos(order(), null, s)).toEqual({ kind: 'create' });
    expect(decidePos(order({ status: 'assembling' }), null, s).kind).toBe('none');
    expect(decidePos(order(), { state: 'creating', storeCode: 'main' }, s)).toEqual({ kind: 'retryCreate' });
    expect(decidePos(order(), { state: 'created', storeCode: 'main' }, s).kind).toBe('none');
    expect(decidePos(order(), { state: 'cancelled', storeCode: 'main' }, s)).toEqual({ kind: 'create' });
    expect(decidePos(order(), null, { ...s, enabled: false }).kind).toBe('none');
  });

  it('closing, refunding and a store change, in that priority', () => {
    const created = { state: 'created' as const, storeCode: 'main' };
    expect(decidePos(order({ status: 'cancel-other' }), created, s)).toEqual({ kind: 'close' });
    expect(decidePos(order({ status: 'cancel-other', payments: [{ id: 1, type: 'cash', status: 'returned', amount: 1550 }] }), created, s)).toEqual({ kind: 'refund' });
    expect(decidePos(order({ shipmentStore: 'spb' }), created, s)).toEqual({ kind: 'moveOutlet', store: 'spb' });
    expect(decidePos(order({ managerComment: 'позвонить' }), created, s).kind).toBe('none');
  });

  it('the sale: number as the idempotency key, discounted positions and delivery in kopecks, customer and address', () => {
    const sale = toSaleInput(order(), 'outlet-1', { employeeGuid: 'emp-1', workplaceGuid: 'wp-1' });
    expect(sale).toMatchObject({
      number: '7A',
      outletGuid: 'outlet-1',
      employeeGuid: 'emp-1',
      workplaceGuid: 'wp-1',
      totalKopecks: 155_000,
      customer: { name: 'Морозова Ольга', phone: '+79031112233', email: 'olga@example.ru' },
      delivery: { address: 'Москва, ул. Лесная, д. 5, кв. 3', date: '2026-11-25', timeFrom: '12:00', timeTo: '15:00' },
    });
    expect(sale.positions).toEqual([
      { name: 'Плед шерстяной', quantity: 1, priceKopecks: 125_000 },
      { name: 'Доставка', quantity: 1, priceKopecks: 30_000, type: 'Service' },
    ]);
    expect(toSaleInput(order(), 'o', null, 3).number).toBe('7A-3');
    expect(saleNumber('7A', 1)).toBe('7A');
  });

  it('finds the assigned courier wherever RetailCRM puts it, and nothing when there is none', () => {
    expect(crmCourierId(order({ courierId: 4 }))).toBe(4);
    expect(crmCourierId(order({ courier: { id: '5' } }))).toBe(5);
    expect(crmCourierId(order({ delivery: { code: 'courier', data: { courierId: 6 } } }))).toBe(6);
    expect(crmCourierId(order())).toBeNull();
  });
});

describe('the seed\'s defaults and the money-unit check', () => {
  it('defaults: «new» creates; «Возвращен» (refund) and «Отменен» (cancel-other) cancel; payment «Возвращён» refunds', () => {
    const d = posSettingsSchema.parse({});
    expect(d.createStatuses).toEqual(['new']);
    expect(d.closeStatuses).toEqual(['refund', 'cancel-other']);
    expect(d.refundPaymentStatuses).toEqual(['returned']);
    const created = { state: 'created' as const, storeCode: 'main' };
    const on = { ...d, enabled: true };
    expect(decidePos(order({ status: 'refund' }), created, on)).toEqual({ kind: 'close' });
    expect(decidePos(order({ status: 'cancel-other' }), created, on)).toEqual({ kind: 'close' });
    expect(decidePos(order({ status: 'no-call' }), created, on).kind).toBe('none');
  });

  it('a sale total read in the configured unit passes; the other unit or another sum holds the payment, said plainly', () => {
    expect(saleTotalProblem(155000, 155000, 'minor', '7A')).toBeNull();
    expect(saleTotalProblem(1550, 155000, 'major', '7A')).toBeNull();
    expect(saleTotalProblem(1550.5, 155050, 'major', '7A')).toBeNull();
    expect(saleTotalProblem(null, 155000, 'minor', '7A')).toBeNull();
    expect(saleTotalProblem(0, 0, 'major', '7A')).toBeNull();
    expect(saleTotalProblem(1550, 155000, 'minor', '7A')).toBe(
      'Оплата из LIFE POS по заказу №7A не записана: сумма продажи в LIFE POS (1550) равна сумме заказа в RetailCRM (1550 ₽), только если считать её в рублях, а в настройках LIFE POS выбрано «Суммы в API» — в копейках. Исправьте настройку и нажмите «Повторить».',
    );
    expect(saleTotalProblem(155050, 155050, 'major', '7A')).toBe(
      'Оплата из LIFE POS по заказу №7A не записана: сумма продажи в LIFE POS (155050) равна сумме заказа в RetailCRM (1550,50 ₽), только если считать её в копейках, а в настройках LIFE POS выбрано «Суммы в API» — в рублях. Исправьте настройку и нажмите «Повторить».',
    );
    expect(saleTotalProblem(120000, 155000, 'minor', '7A')).toBe(
      'Оплата из LIFE POS по заказу №7A не записана: сумма продажи в LIFE POS (1200 ₽) не совпадает с суммой заказа в RetailCRM (1550 ₽). Сверьте заказ и продажу и нажмите «Повторить».',
    );
  });
});
