import { describe, expect, it } from 'vitest';
import type { ErrorEntry } from '../../src-shared/api';
import { localStamp, toCsv } from '../../src-renderer/screens/errorLogCsv';

const entry = (over: Partial<ErrorEntry> = {}): ErrorEntry => ({
  id: 1,
  at: new Date(2025, 2, 14, 9, 41, 5).getTime(),
  severity: 'error',
  kind: 'needsAttention',
  system: 'measoft',
  orderId: 7,
  orderNumber: '1042A',
  jobId: 3,
  message: 'MeaSoft отклонил заказ 1042A: Поле [телефон получателя] не содержит корректного номера телефона',
  detail: null,
  acknowledged: false,
  canRetry: true,
  ...over,
});

describe('error log CSV for Excel', () => {
  it('starts with a UTF-8 BOM, separates by «;», ends rows with CRLF, speaks Russian', () => {
    const csv = toCsv([entry()]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe('Дата и время;Важность;Система;Тип;Заказ;Сообщение;Подробности;Прочитано;Сколько раз;Последний раз');
    expect(lines[1]).toBe(
      '2025-03-14 09:41:05;Ошибка;MeaSoft;Нужно внимание;1042A;MeaSoft отклонил заказ 1042A: Поле [телефон получателя] не содержит корректного номера телефона;;нет;1;2025-03-14 09:41:05',
    );
    expect(lines[2]).toBe('');
    expect(new TextEncoder().encode(csv).subarray(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
  });

  it('quotes fields with «;», quotes and line breaks; formulas stay text', () => {
    const csv = toCsv([entry({ message: 'Ответ: "нет"; повторите', detail: 'строка 1\nстрока 2', orderNumber: '=HYPERLINK("x")', acknowledged: true })]);
    const row = csv.slice(1).split('\r\n').slice(1).join('\r\n');
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row).toContain('"Ответ: ""нет""; повторите"');
    expect(row).toContain('"строка 1\nстрока 2"');
    expect(row.endsWith(';да;1;2025-03-14 09:41:05\r\n')).toBe(true);
  });

  it('a grouped entry shows how many times it happened and when last', () => {
    const csv = toCsv([entry({ count: 37, lastSeenAt: new Date(2025, 2, 14, 10, 2, 0).getTime() })]);
    expect(csv.slice(1).split('\r\n')[1]!.endsWith(';нет;37;2025-03-14 10:02:00')).toBe(true);
  });

  it('local time as Excel reads a date', () => {
    expect(localStamp(new Date(2024, 0, 2, 3, 4, 5).getTime())).toBe('2024-01-02 03:04:05');
  });
});
