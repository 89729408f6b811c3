import { describe, expect, it } from 'vitest';
import { statuscheckPartnerSchema, statuscheckSettingsSchema } from '../../src-shared/settings.js';
import {
  askedInMode,
  decide,
  holdsOrder,
  partnerIdOf,
  planBatches,
  planRanges,
  terminalStatuses,
  type Ask,
  type OrderFacts,
  type TrackedOrder,
} from '../../src-main/engine/flows/statuscheck/rules.js';
import type { PartnerRow } from '../../src-main/engine/flows/statuscheck/mapping.js';

const partner = statuscheckPartnerSchema.parse({
  id: 'cc',
  name: 'Колл-центр',
  enabled: true,
  holds: { orderMethods: ['landing'], sites: [], deliveryTypes: [] },
  partnerId: { source: 'customField', field: 'cc_id' },
  request: { url: 'https://cc.example/status' },
  expression: '$',
  statusMap: { '2': 'cc-processing', '3': 'cc-callback', '4': 'cc-hold', '5': 'cancel-other', '6': 'assembling', '7': 'send-to-delivery', '8': 'delivering', '9': 'ready', '10': 'complete', '11': 'return', '12': 'trash' },
  approveStatus: 'client-confirmed',
  reasonTo: { kind: 'field', field: 'refuse_reason' },
  writeTrack: true,
  terminalStatuses: ['archived'],
});

function tracked(crmId: number, status: string, over: Partial<TrackedOrder> = {}): TrackedOrder {
  return { crmId, number: `${crmId}A`, partnerId: `P${crmId}`, status, createdAt: null, track: null, reasonValue: null, lastCheckedAt: null, ...over };
}

function row(id: string, status: string | null, over: Partial<PartnerRow> = {}): PartnerRow {
  return { id, status: status === null ? [] : [status], reason: null, comment: null, track: null, hold: null, ...over };
}

function ask(orders: TrackedOrder[], mode: Ask['mode'] = 'processing'): Ask {
  return { mode, orders, batch: { ids: orders.map((o) => o.crmId), ext: orders.map((o) => o.partnerId) }, range: null };
}

const facts = (over: Partial<OrderFacts> = {}): OrderFacts => ({
  id: 5, number: '5A', site: 'shop', orderMethod: 'landing', deliveryCode: 'courier', externalId: 'ext-5', customFields: { cc_id: 'CC-5' }, status: 'cc-processing', createdAt: null, track: null, ...over,
});

describe('какие заказы у партнёра и под каким номером', () => {
  it('условия «какие заказы держит» и место номера партнёра', () => {
    expect(holdsOrder(partner, facts())).toBe(true);
    expect(holdsOrder(partner, facts({ orderMethod: 'phone' }))).toBe(false);
    expect(partnerIdOf(partner, facts())).toBe('CC-5');
    expect(partnerIdOf(partner, facts({ customFields: {} }))).toBeNull();
    expect(partnerIdOf({ ...partner, partnerId: { source: 'externalId', field: null } }, facts())).toBe('ext-5');
    expect(partnerIdOf({ ...partner, partnerId: { source: 'id', field: null } }, facts())).toBe('5');
  });
});

describe('какие заказы спрашивает каждый режим', () => {
  const all = [
    tracked(1, 'cc-processing'), tracked(2, 'cc-callback'), tracked(3, 'cc-hold'), tracked(4, 'client-confirmed'),
    tracked(5, 'delivering'), tracked(6, 'cancel-other'), tracked(7, 'complete'), tracked(8, 'archived'), tracked(9, 'new'),
  ];
  it('в обработке — Обработка, Перезвонить, Холд', () => {
    expect(askedInMode(partner, 'processing', all).map((o) => o.crmId)).toEqual([1, 2, 3]);
  });
  it('принятые — подтверждён, Упаковка…Доставлен', () => {
    expect(askedInMode(partner, 'accepted', all).map((o) => o.crmId)).toEqual([4, 5]);
  });
  it('по датам — все нетерминальные; терминальные (и свои терминальные мерчанта) выходят из проверок', () => {
    expect(askedInMode(partner, 'range', all).map((o) => o.crmId)).toEqual([1, 2, 3, 4, 5, 9]);
    expect([...terminalStatuses(partner)].sort()).toEqual(['archived', 'cancel-other', 'complete', 'return', 'trash']);
  });
  it('пачки: каждый заказ ровно в одной, дольше всех не проверенные — первыми', () => {
    const orders = Array.from({ length: 250 }, (_, i) => tracked(i + 1, 'cc-processing', { lastCheckedAt: i < 10 ? 1000 : null }));
    const asks = planBatches('processing', orders, 100);
    expect(asks.map((a) => a.orders.length)).toEqual([100, 100, 50]);
    expect(new Set(asks.flatMap((a) => a.batch!.ids)).size).toBe(250);
    expect(asks[0]!.batch!.ids[0]).toBe(11);
    expect(asks[2]!.batch!.ids.slice(-10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(asks[0]!.batch!.ext[0]).toBe('P11');
  });
  it('диапазоны дат: только дни с заказами, по поясу партнёра, не длиннее maxDays, в пределах глубины', () => {
    const at = (iso: string) => Date.parse(iso);
    const orders = [
      tracked(1, 'cc-processing', { createdAt: at('2025-03-01T10:00:00+03:00') }),
      tracked(2, 'cc-processing', { createdAt: at('2025-03-03T23:30:00+03:00') }),
      tracked(3, 'cc-processing', { createdAt: at('2025-03-04T00:30:00+03:00') }),
      tracked(4, 'cc-processing', { createdAt: at('2025-03-20T12:00:00+03:00') }),
      tracked(5, 'cc-processing', { createdAt: at('2024-12-01T12:00:00+03:00') }),
      tracked(6, 'cc-processing', { createdAt: null }),
    ];
    const now = at('2025-03-25T12:00:00+03:00');
    const asks = planRanges(orders, { timeZone: 'Europe/Moscow', maxDays: 3, lookbackDays: 60, now });
    expect(asks.map((a) => [a.range, a.orders.map((o) => o.crmId)])).toEqual([
      [{ from: '2025-03-01', to: '2025-03-03' }, [1, 2]],
      [{ from: '2025-03-04', to: '2025-03-04' }, [3]],
      [{ from: '2025-03-20', to: '2025-03-20' }, [4]],
    ]);
    // In Yekaterinburg (UTC+5) order 2 falls on the 4th: the ranges follow the partner's days.
    const ekb = planRanges(orders, { timeZone: 'Asia/Yekaterinburg', maxDays: 3, lookbackDays: 60, now });
    expect(ekb.map((a) => [a.range, a.orders.map((o) => o.crmId)])).toEqual([
      [{ from: '2025-03-01', to: '2025-03-01' }, [1]],
      [{ from: '2025-03-04', to: '2025-03-04' }, [2, 3]],
      [{ from: '2025-03-20', to: '2025-03-20' }, [4]],
    ]);
  });
});

describe('что строки партнёра значат для заказов', () => {
  it('строка о заказе, о котором в этом запросе не спрашивали, отклоняется и считается', () => {
    const a = ask([tracked(1, 'cc-processing'), tracked(2, 'cc-processing')]);
    const d = decide(partner, a, [row('P1', 'cancel'), row('P3', 'cancel'), row('1', 'cancel'), row('P999', 'accept')]);
    expect(d.verdicts.map((v) => v.crmId)).toEqual([1]);
    expect(d.notAsked).toEqual(['P3', '1', 'P999']);
    expect(d.silent).toBe(1);
  });
  it('12 статусов → статусы RetailCRM мерчанта; accept → статус подтверждения', () => {
    const orders = Array.from({ length: 13 }, (_, i) => tracked(i + 1, 'cc-processing'));
    const rows = [row('P1', 'accept'), ...Array.from({ length: 12 }, (_, i) => row(`P${i + 2}`, String(i + 1)))];
    const d = decide(partner, ask(orders), rows);
    const to = Object.fromEntries(d.verdicts.map((v) => [v.row.status[0], v.patch?.status ?? (v.to === 'cc-processing' ? '=' : null)]));
    expect(to).toEqual({
      accept: 'client-confirmed', '1': null, '2': '=', '3': 'cc-callback', '4': 'cc-hold', '5': 'cancel-other', '6': 'assembling',
      '7': 'send-to-delivery', '8': 'delivering', '9': 'ready', '10': 'complete', '11': 'return', '12': 'trash',
    });
    expect(d.verdicts.find((v) => v.row.status[0] === '1')!.decision).toBe('статусу «Новый» не сопоставлен статус RetailCRM — заказ не меняется');
  });
  it('правка только когда сопоставленное состояние отличается от RetailCRM', () => {
    const d = decide(partner, ask([tracked(1, 'cc-callback'), tracked(2, 'cc-processing')]), [row('P1', 'Перезвонить'), row('P2', 'Перезвонить')]);
    expect(d.verdicts[0]!.patch).toBeNull();
    expect(d.verdicts[0]!.decision).toBe('без изменений: в RetailCRM уже «cc-callback»');
    expect(d.verdicts[1]!.patch).toEqual({ status: 'cc-callback', statusComment: 'Колл-центр: Перезвонить' });
  });
  it('отказ с причиной: причина в своё поле, исходный текст — в комментарий; та же причина второй раз — без правки', () => {
    const d = decide(partner, ask([tracked(1, 'cc-processing')]), [row('P1', 'Отказ', { reason: 'Дорого', comment: 'перезвонили дважды' })]);
    expect(d.verdicts[0]!.patch).toEqual({
      status: 'cancel-other',
      customFields: { refuse_reason: 'Дорого' },
      statusComment: 'Колл-центр: Отказ; перезвонили дважды',
    });
    const again = decide(partner, ask([tracked(1, 'cancel-other', { reasonValue: 'Дорого' })]), [row('P1', 'Отказ', { reason: '9' })]);
    expect(again.verdicts[0]!.patch).toBeNull();
  });
  it('причина в комментарий статуса, если так выбрано', () => {
    const p = { ...partner, reasonTo: { kind: 'comment' as const, field: null } };
    const d = decide(p, ask([tracked(1, 'cc-processing')]), [row('P1', '5', { reason: '7' })]);
    expect(d.verdicts[0]!.patch).toEqual({ status: 'cancel-other', statusComment: 'Колл-центр: 5; причина отказа: Дублированный заказ' });
  });
  it('холд на N дней, трек-номер, нераспознанный статус', () => {
    const d = decide(partner, ask([tracked(1, 'cc-processing'), tracked(2, 'assembling'), tracked(3, 'cc-processing')]), [
      row('P1', 'wait', { hold: 3 }),
      row('P2', 'shipped', { track: 'TR-1' }),
      row('P3', 'что-то странное'),
    ]);
    expect(d.verdicts[0]!.patch).toEqual({ status: 'cc-hold', statusComment: 'Колл-центр: wait; холд 3 дн.' });
    expect(d.verdicts[1]!.patch).toEqual({ status: 'delivering', delivery: { data: { trackNumber: 'TR-1' } }, statusComment: 'Колл-центр: shipped' });
    expect(d.verdicts[2]!.patch).toBeNull();
    expect(d.verdicts[2]!.decision).toMatch(/^статус партнёра «что-то странное» не распознан/);
  });
  it('подтверждённый заказ устаревший ответ назад не возвращает', () => {
    const d = decide(partner, ask([tracked(1, 'assembling'), tracked(2, 'delivering')], 'accepted'), [row('P1', 'processing'), row('P2', 'accept')]);
    expect(d.verdicts.map((v) => v.patch)).toEqual([null, null]);
  });
  it('несколько кандидатов статуса: первый распознанный', () => {
    const d = decide(partner, ask([tracked(1, 'cc-processing')]), [{ ...row('P1', null), status: ['my-custom-code', 'delivery'] }]);
    expect(d.verdicts[0]!.patch?.status).toBe('delivering');
  });
});

describe('настройки', () => {
  it('партнёры с одинаковым кодом отклоняются', () => {
    const p = { id: 'a', name: 'A', request: { url: 'https://a' }, expression: '$' };
    expect(statuscheckSettingsSchema.safeParse({ partners: [p, p] }).success).toBe(false);
    expect(statuscheckSettingsSchema.parse({ partners: [p] }).partners[0]!.timezone).toBe('Europe/Moscow');
  });
});
