import { describe, expect, it } from 'vitest';
import { decodeAnswer, decodeForm } from '../../src-main/engine/flows/statuscheck/decode.js';
import { evaluateMapping, DEFAULT_BUDGET } from '../../src-main/engine/flows/statuscheck/mapping.js';
import { recognizeReason, recognizeStatus, REFUSAL_REASONS, LEAD_STATUSES } from '../../src-main/engine/flows/statuscheck/statuses.js';
import { partnerTemplate } from '../../src-main/engine/flows/statuscheck/templates.js';
import { SyncError } from '../../src-main/engine/errors.js';

const asked = { asked: ['1'], mode: 'processing' as const };

async function mappingError(expression: string, data: unknown = {}): Promise<SyncError> {
  try {
    await evaluateMapping(expression, data, asked);
  } catch (err) {
    expect(err).toBeInstanceOf(SyncError);
    return err as SyncError;
  }
  throw new Error('no error');
}

describe('ответ партнёра: JSON, XML, форма', () => {
  it('JSON по Content-Type и по первому символу', () => {
    expect(decodeAnswer('{"a":1}', 'application/json; charset=utf-8', 'auto')).toEqual({ format: 'json', data: { a: 1 } });
    expect(decodeAnswer(' [1,2]', 'text/plain', 'auto')).toEqual({ format: 'json', data: [1, 2] });
  });
  it('XML: атрибуты становятся полями, id остаются текстом', () => {
    const x = '<?xml version="1.0"?><response><orders><order id="007"><status>Подтвержден</status></order><order id="8"><status>6</status></order></orders></response>';
    const r = decodeAnswer(x, 'application/xml', 'auto');
    expect(r.format).toBe('xml');
    expect(r.data).toEqual({ '?xml': { version: '1.0' }, response: { orders: { order: [{ id: '007', status: 'Подтвержден' }, { id: '8', status: '6' }] } } });
  });
  it('форма: массивы и вложенные ключи как в PHP', () => {
    expect(decodeForm('a=1&b[]=2&b[]=3&c[x]=4&d[0][id]=5')).toEqual({ a: '1', b: ['2', '3'], c: { x: '4' }, d: { '0': { id: '5' } } });
    expect(decodeAnswer('status=ok&id=1', null, 'auto')).toEqual({ format: 'form', data: { status: 'ok', id: '1' } });
  });
  it('выбранный формат важнее заголовка; битый ответ — ошибка по-русски', () => {
    expect(decodeAnswer('<a>1</a>', 'application/json', 'xml').data).toEqual({ a: '1' });
    expect(() => decodeAnswer('<html>502', 'text/html', 'json')).toThrow('Партнёр ответил не в формате JSON.');
    expect(() => decodeAnswer('<a><b></a>', null, 'xml')).toThrow('Партнёр ответил не в формате XML.');
  });
});

describe('выражение сопоставления (JSONata)', () => {
  it('JSON-ответ → строки { id, status, reason, comment, track, hold }', async () => {
    const r = await evaluateMapping(
      'orders.{ "id": id, "status": status, "reason": reason, "comment": comment, "track": track, "hold": hold }',
      { orders: [{ id: 15, status: 'Отказ', reason: 'Дорого', comment: 'клиент: дорого', track: null }, { id: 'A-2', status: 'hold', hold: 3 }] },
      asked,
    );
    expect(r.invalid).toEqual([]);
    expect(r.rows).toEqual([
      { id: '15', status: ['Отказ'], reason: 'Дорого', comment: 'клиент: дорого', track: null, hold: null },
      { id: 'A-2', status: ['hold'], reason: null, comment: null, track: null, hold: 3 },
    ]);
  });
  it('XML-ответ с одним заказом и со многими читается одним выражением', async () => {
    const expr = 'response.orders.order.{ "id": id, "status": status }';
    const one = decodeAnswer('<response><orders><order id="1"><status>accept</status></order></orders></response>', null, 'auto').data;
    const two = decodeAnswer('<response><orders><order id="1"><status>accept</status></order><order id="2"><status>5</status></order></orders></response>', null, 'auto').data;
    expect((await evaluateMapping(expr, one, asked)).rows.map((r) => r.id)).toEqual(['1']);
    expect((await evaluateMapping(expr, two, asked)).rows.map((r) => [r.id, r.status[0]])).toEqual([['1', 'accept'], ['2', '5']]);
  });
  it('строка без id или с неверным hold — отдельно, с причиной; остальные строки идут дальше', async () => {
    const r = await evaluateMapping('$', [{ status: 'ok' }, { id: 3, hold: 'soon' }, { id: 4, status: 'ok' }], asked);
    expect(r.rows.map((x) => x.id)).toEqual(['4']);
    expect(r.invalid).toEqual([
      { index: 0, message: 'у строки нет id заказа' },
      { index: 1, message: 'hold заказа 3 — не true/false и не число дней' },
    ]);
  });
  it('выражению доступны $asked и $mode', async () => {
    const r = await evaluateMapping('$asked.{ "id": $, "status": $mode }', null, { asked: ['7', '8'], mode: 'accepted' });
    expect(r.rows.map((x) => [x.id, x.status[0]])).toEqual([['7', 'accepted'], ['8', 'accepted']]);
  });
  it('бесконечный цикл останавливается по времени с понятной ошибкой', async () => {
    const started = Date.now();
    const e = await mappingError('($loop := function($n){ $loop($n + 1) }; $loop(0))');
    expect(e.message).toBe(`Выражение сопоставления выполнялось дольше ${DEFAULT_BUDGET.timeMs / 1000} с и остановлено: похоже на бесконечный цикл.`);
    expect(Date.now() - started).toBeLessThan(DEFAULT_BUDGET.timeMs * 5);
  });
  it('бесконечная рекурсия останавливается по глубине', async () => {
    const e = await mappingError('($f := function($n){ 1 + $f($n + 1) }; $f(0))');
    expect(e.message).toBe('Выражение сопоставления слишком глубоко вызывает само себя и остановлено: похоже на бесконечную рекурсию.');
  });
  it('огромный список, огромная строка и $eval остановлены', async () => {
    expect((await mappingError('[1..5000000]')).message).toMatch(/^Выражение сопоставления строит слишком большой список или строку/);
    expect((await mappingError('$reduce([1..40], function($a, $b){ $a & $a }, "x")')).message).toMatch(/строит слишком большой список или строку/);
    expect((await mappingError('$pad("x", 100000000)')).message).toMatch(/строит слишком большой список или строку/);
    expect((await mappingError('$eval("1 + 1")')).message).toBe('Функция $eval в выражении сопоставления запрещена.');
  });
  it('слишком длинное выражение и синтаксическая ошибка — по-русски', async () => {
    const long = `(${'1 + '.repeat(1200)}1)`;
    expect((await mappingError(long)).message).toBe(`Выражение сопоставления слишком длинное: ${long.length} символов, можно не больше 4000.`);
    const e = await mappingError('orders[');
    expect(e.message).toBe('Ошибка в выражении сопоставления около символа 7: проверьте скобки, кавычки и имена полей.');
    expect(e.detail).toMatch(/jsonata parse/);
  });
  it('слишком большой результат — ошибка с размером', async () => {
    const data = { orders: Array.from({ length: 3000 }, (_, i) => ({ id: i, status: 'x'.repeat(900) })) };
    expect((await mappingError('orders.{ "id": id, "status": status }', data)).message).toMatch(/^Результат сопоставления слишком большой/);
  });
});

describe('статус партнёра → один из 12 статусов', () => {
  it('слова из примеров описания и частые слова по-русски и по-английски', () => {
    const cases: Array<[string, ReturnType<typeof recognizeStatus>]> = [
      ['accept', 'accept'], ['Подтвержден', 'accept'], ['Подтверждён', 'accept'], ['approved', 'accept'], ['Апрув', 'accept'],
      ['cancel', 5], ['trash', 5], ['Отказ клиента', 5], ['rejected', 5], ['cancelled_by_client', 5],
      ['new', 2], ['В обработке', 2], ['pending', 2],
      ['Перезвонить', 3], ['недозвон', 3], ['callback', 3],
      ['hold', 4], ['Холд', 4],
      ['Упаковка', 6], ['packed', 7], ['Отправка', 7], ['В пути', 8], ['shipped', 8], ['in_transit', 8],
      ['Доставлен в пункт выдачи', 9], ['delivered', 9], ['Выкуплен', 10], ['paid', 10], ['complete', 10],
      ['Возврат', 11], ['returned', 11], ['Удалён', 12], ['fraud', 12],
    ];
    for (const [text, want] of cases) expect([text, recognizeStatus(text)]).toEqual([text, want]);
  });
  it('коды 1–12 — как есть; 0 и 13 — не распознаны', () => {
    for (const n of Object.keys(LEAD_STATUSES)) expect(recognizeStatus(n)).toBe(Number(n));
    expect(recognizeStatus('0')).toBeNull();
    expect(recognizeStatus(13)).toBeNull();
  });
  it('свои слова мерчанта важнее, непонятное и отрицание — не распознаны', () => {
    expect(recognizeStatus('Ждёт курьера', { 'ждет курьера': 7 })).toBe(7);
    expect(recognizeStatus('cancel', { cancel: 3 })).toBe(3);
    expect(recognizeStatus('Не подтвержден')).toBeNull();
    expect(recognizeStatus('xyz-42')).toBeNull();
    expect(recognizeStatus('')).toBeNull();
  });
  it('стандартные коды и группы другого RetailCRM', () => {
    expect(recognizeStatus('client-confirmed')).toBe('accept');
    expect(recognizeStatus('send-to-assembling')).toBe(6);
    expect(recognizeStatus('assembling-complete')).toBe(7);
    expect(recognizeStatus('delivering')).toBe(8);
    expect(recognizeStatus('cancel-other')).toBe(5);
    expect(recognizeStatus('approval')).toBe(2);
    expect(recognizeStatus('delivery')).toBe(8);
  });
});

describe('17 причин отказа', () => {
  it('номер, точное название и частые слова', () => {
    for (const [n, title] of Object.entries(REFUSAL_REASONS)) {
      expect(recognizeReason(n)).toBe(Number(n));
      expect(recognizeReason(title)).toBe(Number(n));
    }
    expect(recognizeReason('Слишком дорого')).toBe(9);
    expect(recognizeReason('duplicate order')).toBe(7);
    expect(recognizeReason('не дозвонились')).toBe(11);
    expect(recognizeReason('18')).toBeNull();
    expect(recognizeReason('по кочану', { 'по кочану': 2 })).toBe(2);
  });
});

describe('готовые шаблоны', () => {
  it('другой аккаунт RetailCRM: ответ orders/statuses читается шаблонным выражением', async () => {
    const p = partnerTemplate('retailcrm', 'shop2', 'Второй магазин', 'https://shop2.retailcrm.ru/');
    expect(p.request.url).toBe('https://shop2.retailcrm.ru/api/v5/orders/statuses');
    const answer = { success: true, orders: [{ id: 6722, externalId: '101', status: 'delivering', group: 'delivery' }, { id: 6723, externalId: null, status: 'new', group: 'new' }] };
    const r = await evaluateMapping(p.expression, answer, asked);
    expect(r.rows).toEqual([{ id: '101', status: ['delivering', 'delivery'], reason: null, comment: null, track: null, hold: null }]);
  });
  it('JSON API: строки из { orders: [...] }', async () => {
    const p = partnerTemplate('json', 'cc', 'Колл-центр', 'https://cc.example/api');
    const r = await evaluateMapping(p.expression, { orders: [{ id: 5, status: 'Отказ', reason: 'Дорого' }] }, asked);
    expect(r.rows[0]).toMatchObject({ id: '5', status: ['Отказ'], reason: 'Дорого' });
  });
});
