import { describe, expect, it } from 'vitest';
import { describeStep, rubles } from '../../src-main/engine/core/step-words.js';

const names = (code: string) => ({ complete: 'Выполнен', delivering: 'Доставляется' })[code] ?? null;

describe('each step of an order says in Russian what happened', () => {
  it('a delivered cash-on-delivery order: the courier status, the RetailCRM status and the payment', () => {
    const s = describeStep(
      { kind: 'retailcrm.courierStatus', outcome: 'ok', payload: { code: 'COMPLETE', title: null, paytype: 'CASH', priceKopecks: 199_000 }, result: { status: 'complete', payments: 2 } },
      names,
    );
    expect(s).toBe('MeaSoft: Доставлен → RetailCRM: статус «Выполнен», оплата наличными 1\u00a0990\u00a0₽ отмечена');
  });

  it('statuses on the way differ from one another (no five identical titles)', () => {
    const step = (code: string, status: string | null) =>
      describeStep({ kind: 'retailcrm.courierStatus', outcome: 'ok', payload: { code, title: null, paytype: null, priceKopecks: null }, result: { status, payments: 0 } }, names);
    const all = [step('ACCEPTED', null), step('DELIVERY', 'delivering'), step('COURIERDELIVERED', null), step('COMPLETE', 'complete')];
    expect(new Set(all).size).toBe(all.length);
    expect(all[1]).toBe('MeaSoft: Выдан курьеру на доставку → RetailCRM: статус «Доставляется»');
    expect(all[0]).toBe('MeaSoft: Получен складом → RetailCRM: записан статус доставки');
  });

  it('a status name not loaded yet falls back to its code; an older status that arrived late says so', () => {
    expect(describeStep({ kind: 'retailcrm.courierStatus', outcome: 'ok', payload: { code: 'COMPLETE' }, result: { status: 'x-done', payments: 0 } })).toBe('MeaSoft: Доставлен → RetailCRM: статус «x-done»');
    expect(describeStep({ kind: 'retailcrm.courierStatus', outcome: 'ok', payload: { code: 'DELIVERY' }, result: { skipped: 'superseded by COMPLETE' } })).toContain('уже пришёл следующий статус');
  });

  it('sending, changing, cancelling at the courier service; the track number', () => {
    expect(describeStep({ kind: 'measoft.createOrder', outcome: 'ok', payload: { crmId: 1 }, result: { orderno: '116A', outcome: 'created' } })).toBe('Заказ передан в MeaSoft: №116A');
    expect(describeStep({ kind: 'measoft.createOrder', outcome: 'ok', payload: { crmId: 1, previous: '116A' }, result: { orderno: '116A-2' } })).toBe('Заказ отправлен в MeaSoft заново: №116A-2');
    expect(describeStep({ kind: 'measoft.updateOrder', outcome: 'ok', payload: {}, result: { skipped: 'unchanged' } })).toBe('Для курьера ничего не изменилось — в MeaSoft не отправляли');
    expect(describeStep({ kind: 'measoft.cancelOrder', outcome: 'ok', payload: {}, result: { cancelled: '116A' } })).toBe('Заказ №116A отменён в MeaSoft');
    expect(describeStep({ kind: 'retailcrm.courierWriteBack', outcome: 'ok', payload: { orderno: '116A', barcode: 'MS116A' }, result: null })).toBe('RetailCRM: записан трек-номер MS116A');
    expect(describeStep({ kind: 'measoft.createOrder', outcome: 'error', payload: {}, result: null })).toBe('Передача заказа в MeaSoft не удалась');
    expect(describeStep({ kind: 'lifepos.syncSale', outcome: 'ok', payload: {}, result: null })).toBeNull();
    expect(describeStep({ kind: 'retailcrm.posStatus', outcome: 'ok', payload: { crmId: 1, status: 'complete' }, result: null }, names)).toBe('LIFE POS → RetailCRM: статус «Выполнен»');
    expect(describeStep({ kind: 'retailcrm.posPayment', outcome: 'ok', payload: { crmId: 1, kopecks: 50_000 }, result: null })).toBe('LIFE POS → RetailCRM: оплата 500\u00a0₽ отмечена');
  });

  it('money: kopecks to roubles with Russian grouping', () => {
    expect(rubles(199_000)).toBe('1\u00a0990\u00a0₽');
    expect(rubles(12_345_650)).toBe('123\u00a0456,50\u00a0₽');
    expect(rubles(5)).toBe('0,05\u00a0₽');
  });
});

describe('an error\'s technical line in the merchant\'s words', () => {
  it('known lines are told in Russian, the technical line kept; Russian details stay as they are; unknown ones are not guessed', async () => {
    const { detailParts, explainDetail } = await import('../../src-shared/error-words.js');
    expect(explainDetail('MeaSoft order 116A status COMPLETE; cancel is accepted only while NEW or AWAITING_SYNC')).toBe(
      'Заказ 116A в MeaSoft в статусе «Доставлен». Отменить заказ через программу можно, только пока он в статусе «Новый» или «Ожидает синхронизации».',
    );
    expect(explainDetail('Error: listen EADDRINUSE: address already in use 127.0.0.1:47800')).toBe('Порт уже занят другой программой.');
    expect(explainDetail('connect ECONNREFUSED 127.0.0.1:9')).toMatch(/никто не принимает соединения/);
    expect(explainDetail('HTTP 403 {"success":false}')).toBe('Сервер ответил кодом 403 — доступ запрещён: у ключа не хватает прав.');
    expect(explainDetail('weird internal thing')).toBeNull();
    expect(detailParts('Ошибочные поля: телефон')).toEqual({ text: 'Ошибочные поля: телефон', technical: null });
    expect(detailParts('weird internal thing')).toEqual({ text: null, technical: 'weird internal thing' });
  });
});

describe('advice next to an error does not contradict the message', () => {
  it('a message that says what to do gets no generic advice', async () => {
    const { saysWhatToDo } = await import('../../src-shared/error-words.js');
    expect(saysWhatToDo('Заказ №116A изменён в RetailCRM, но курьерская служба уже взяла его в работу (статус «Доставлен»): изменения не переданы. Сообщите их курьерской службе по телефону.')).toBe(true);
    expect(saysWhatToDo('MeaSoft отклонил данные (HTTP 400). Исправьте их и нажмите «Повторить».')).toBe(true);
    expect(saysWhatToDo('MeaSoft не принял заказ: не указан адрес получателя.')).toBe(false);
    expect(saysWhatToDo(null)).toBe(false);
  });
});
