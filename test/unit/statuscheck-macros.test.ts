import { describe, expect, it } from 'vitest';
import { addDays, dateMacros, dayIn, idMacros, renderText } from '../../src-main/engine/flows/statuscheck/macros.js';
import { renderRequest, type PartnerRequestTemplate } from '../../src-main/engine/flows/statuscheck/request.js';
import { SyncError } from '../../src-main/engine/errors.js';

const noSecret = () => null;
const secrets = (name: string) => ({ apiKey: 'k3y/with space', token: 'T0K' })[name] ?? null;

function get(t: Partial<PartnerRequestTemplate>): PartnerRequestTemplate {
  return { method: 'GET', url: 'https://partner.example/api', headers: [], fields: [], bodyFormat: 'form', ...t };
}

describe('макросы диапазона дат (по Москве, если у партнёра не указан другой пояс)', () => {
  const m = dateMacros({ from: '2025-03-05', to: '2025-03-07' }, 'Europe/Moscow');

  it('{from} и {to} — ГГГГ-ММ-ДД', () => {
    expect(m.from).toBe('2025-03-05');
    expect(m.to).toBe('2025-03-07');
  });
  it('{ffrom} и {fto} — ГГГГ-ММ-ДД ЧЧ:ММ:СС (опечатка «ГГГГ-ДД-ММ» в описании не повторяется), целые сутки', () => {
    expect(m.ffrom).toBe('2025-03-05 00:00:00');
    expect(m.fto).toBe('2025-03-07 23:59:59');
  });
  it('{ufrom} и {uto} — Unix-время начала и конца периода по Москве (UTC+3)', () => {
    expect(m.ufrom).toBe(1741122000); // 2025-03-04T21:00:00Z
    expect(m.uto).toBe(1741381199); // 2025-03-07T20:59:59Z
  });
  it('{tom}, {ftom}, {utom} — конец периода плюс один день', () => {
    expect(m.tom).toBe('2025-03-08');
    expect(m.ftom).toBe('2025-03-08 00:00:00');
    expect(m.utom).toBe(1741381200); // 2025-03-07T21:00:00Z
  });
  it('плюс один день переходит через конец месяца, високосный февраль и конец года', () => {
    expect(dateMacros({ from: '2025-02-27', to: '2025-02-28' }, 'Europe/Moscow').tom).toBe('2025-03-01');
    expect(dateMacros({ from: '2024-02-28', to: '2024-02-28' }, 'Europe/Moscow').tom).toBe('2024-02-29');
    expect(dateMacros({ from: '2025-12-31', to: '2025-12-31' }, 'Europe/Moscow').ftom).toBe('2026-01-01 00:00:00');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
  it('другой пояс партнёра: Екатеринбург (UTC+5) и UTC', () => {
    expect(dateMacros({ from: '2025-03-05', to: '2025-03-05' }, 'Asia/Yekaterinburg').ufrom).toBe(1741114800);
    const utc = dateMacros({ from: '2025-03-05', to: '2025-03-05' }, 'UTC');
    expect(utc.ufrom).toBe(1741132800);
    expect(utc.utom).toBe(1741132800 + 86400);
  });
  it('пояс с переходом на летнее время: сутки перехода короче на час', () => {
    const b = dateMacros({ from: '2025-03-30', to: '2025-03-30' }, 'Europe/Berlin');
    expect(b.ufrom).toBe(1743289200); // 00:00 CET = 23:00Z накануне
    expect(b.uto).toBe(1743371999); // 23:59:59 CEST
    expect(b.utom).toBe(1743372000);
    expect(Number(b.utom) - Number(b.ufrom)).toBe(23 * 3600);
  });
  it('день момента времени зависит от пояса', () => {
    const t = Date.UTC(2025, 2, 4, 22, 30); // 01:30 5 марта в Москве
    expect(dayIn(t, 'Europe/Moscow')).toBe('2025-03-05');
    expect(dayIn(t, 'UTC')).toBe('2025-03-04');
  });
  it('неизвестный пояс — понятная ошибка', () => {
    expect(() => dateMacros({ from: '2025-03-05', to: '2025-03-05' }, 'Mars/Olympus')).toThrow(/Часовой пояс «Mars\/Olympus» не знаком/);
  });
});

describe('макросы списка заказов', () => {
  const m = idMacros({ ids: [101, 102, 103], ext: ['A-1', 'A-2', 'A 3'] });

  it('{idsl} и {idel} — списки через запятую', () => {
    expect(renderText('https://p/x?ids={idsl}', m, 'url', noSecret)).toBe('https://p/x?ids=101,102,103');
    expect(renderText('https://p/x?ids={idel}', m, 'url', noSecret)).toBe('https://p/x?ids=A-1,A-2,A%203');
    expect(renderText('{idel}', m, 'header', noSecret)).toBe('A-1,A-2,A 3');
  });
  it('{ids} и {ide} — массивы только в полях данных; в адресе — понятная ошибка', () => {
    expect(() => renderText('https://p/x?ids={ids}', m, 'url', noSecret)).toThrow(/\{ids\} — массив: его можно передать только отдельным полем данных/);
    const r = renderRequest(get({ method: 'POST', bodyFormat: 'json', fields: [{ name: 'ids', value: '{ids}' }, { name: 'ext', value: '{ide}' }] }), m, noSecret);
    expect(JSON.parse(r.body!)).toEqual({ ids: [101, 102, 103], ext: ['A-1', 'A-2', 'A 3'] });
    expect(r.headers['Content-Type']).toBe('application/json');
  });
  it('массив в форме и в строке запроса повторяется как name[]=…', () => {
    const form = renderRequest(get({ method: 'POST', fields: [{ name: 'ids', value: '{ide}' }, { name: 'key', value: '{secret:token}' }] }), m, secrets);
    expect(form.body).toBe('ids%5B%5D=A-1&ids%5B%5D=A-2&ids%5B%5D=A+3&key=T0K');
    expect(form.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    const q = renderRequest(get({ fields: [{ name: 'externalIds[]', value: '{ide}' }] }), m, noSecret);
    expect(new URL(q.url).searchParams.getAll('externalIds[]')).toEqual(['A-1', 'A-2', 'A 3']);
    expect(q.body).toBeNull();
  });
  it('макрос другого режима и неизвестный макрос — ошибки с именем макроса', () => {
    expect(() => renderText('{from}', m, 'url', noSecret)).toThrow('Макрос {from} есть только в проверке по диапазону дат.');
    const d = dateMacros({ from: '2025-03-05', to: '2025-03-05' }, 'Europe/Moscow');
    expect(() => renderText('{idsl}', d, 'url', noSecret)).toThrow('Макрос {idsl} есть только в проверке по списку заказов.');
    expect(() => renderText('{foo}', d, 'url', noSecret)).toThrow('Неизвестный макрос {foo}.');
  });
});

describe('секреты и запрос целиком', () => {
  it('секрет подставляется в заголовок как есть и в адрес — закодированным', () => {
    const r = renderRequest(
      get({ url: 'https://p.example/s?key={secret:apiKey}&from={ffrom}', headers: [{ name: 'X-API-KEY', value: '{secret:apiKey}' }] }),
      dateMacros({ from: '2025-03-05', to: '2025-03-06' }, 'Europe/Moscow'),
      secrets,
    );
    expect(r.headers['X-API-KEY']).toBe('k3y/with space');
    expect(r.url).toBe('https://p.example/s?key=k3y%2Fwith%20space&from=2025-03-05%2000%3A00%3A00');
  });
  it('незаданный секрет — ошибка с его именем', () => {
    try {
      renderRequest(get({ headers: [{ name: 'Authorization', value: 'Bearer {secret:token}' }] }), idMacros({ ids: [1], ext: ['1'] }), noSecret);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SyncError);
      expect((err as SyncError).message).toBe('Секрет «token» не задан: введите его в настройках партнёра.');
    }
  });
  it('в JSON Unix-время — число, остальное — текст', () => {
    const r = renderRequest(
      get({ method: 'POST', bodyFormat: 'json', fields: [{ name: 'since', value: '{ufrom}' }, { name: 'till', value: '{utom}' }, { name: 'day', value: 'до {tom}' }] }),
      dateMacros({ from: '2025-03-05', to: '2025-03-07' }, 'Europe/Moscow'),
      noSecret,
    );
    expect(JSON.parse(r.body!)).toEqual({ since: 1741122000, till: 1741381200, day: 'до 2025-03-08' });
  });
  it('адрес без http(s) — ошибка', () => {
    expect(() => renderRequest(get({ url: 'ftp://p/x' }), idMacros({ ids: [1], ext: ['1'] }), noSecret)).toThrow(/http:\/\/ или https:\/\//);
  });
});
