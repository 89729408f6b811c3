/* The account's own order page, as «Открыть в RetailCRM» opens it: a small stand-in (no login in the emulator). */
import type { CrmOrder } from '../../../src-main/engine/connectors/retailcrm/types.js';

function escHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A plain page for one order: what a merchant would see first in RetailCRM (number, status, customer, sum). */
export function orderPage(o: CrmOrder | null, statuses: Array<{ code: string; name: string }>): string {
  const head = '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>RetailCRM</title><style>body{font:15px system-ui,sans-serif;margin:40px;color:#1f2933}dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 18px}dt{color:#5f6b7a}.note{color:#8a94a3;font-size:13px;margin-top:24px}</style></head><body>';
  if (!o) return `${head}<h1>Заказ не найден</h1><p class="note">Эмулятор RetailCRM для демонстрации Прилавка.</p></body></html>`;
  const status = statuses.find((s) => s.code === o.status)?.name ?? o.status;
  const name = [o.lastName, o.firstName, o.patronymic].filter(Boolean).join(' ');
  const rows: Array<[string, unknown]> = [
    ['Статус', status],
    ['Покупатель', name || '—'],
    ['Телефон', o.phone ?? '—'],
    ['Доставка', o.delivery?.address?.text ?? '—'],
    ['Сумма', `${o.totalSumm ?? 0} ₽`],
    ['Трек-номер', (o.delivery as { data?: { trackNumber?: string } } | undefined)?.data?.trackNumber ?? '—'],
  ];
  return `${head}<h1>Заказ №${escHtml(o.number)}</h1><dl>${rows.map(([k, v]) => `<dt>${escHtml(k)}</dt><dd>${escHtml(v)}</dd>`).join('')}</dl><p class="note">Эмулятор RetailCRM для демонстрации Прилавка: в настоящем RetailCRM здесь открывается карточка заказа.</p></body></html>`;
}
