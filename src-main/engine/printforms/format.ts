/** Text formatting for print forms: Russian money, weight, dates, and HTML escaping. */

import { plural as ruPlural } from '../../../src-shared/plural.js';

const NBSP = '\u00a0';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values; control characters are dropped. */
export function esc(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return (
    String(value)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
  );
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
}

/** 123450 → «1 234,50 ₽» (non-breaking spaces). Integer kopecks in; no floating point on the way. */
export function formatRoubles(kopecks: number): string {
  const k = Math.round(kopecks);
  const sign = k < 0 ? '−' : '';
  const abs = Math.abs(k);
  const roubles = Math.floor(abs / 100);
  const kop = abs % 100;
  return `${sign}${groupThousands(String(roubles))},${String(kop).padStart(2, '0')}${NBSP}₽`;
}

/** Cash on delivery: the sum, or «Оплачен» when nothing is to be collected. */
export function formatCod(kopecks: number): string {
  return kopecks > 0 ? formatRoubles(kopecks) : 'Оплачен';
}

/** 1250 → «1,25 кг», 2000 → «2 кг», null → «—». */
export function formatWeight(grams: number | null | undefined): string {
  if (grams === null || grams === undefined || !Number.isFinite(grams)) return '—';
  const g = Math.max(0, Math.round(grams));
  const kg = Math.floor(g / 1000);
  const rest = String(g % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${groupThousands(String(kg))}${rest ? `,${rest}` : ''}${NBSP}кг`;
}

/** «2025-03-12» → «12.03.2025»; anything else is printed as given. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(value.trim());
  return m ? `${m[3]}.${m[2]}.${m[1]}` : value.trim();
}

/** «10:00:00» → «10:00». */
export function formatTime(value: string | null | undefined): string {
  if (!value) return '';
  const m = /^(\d{1,2}):(\d{2})/.exec(value.trim());
  return m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : value.trim();
}

/** Delivery date and time window: «12.03.2025, 10:00–14:00», «с 10:00», or '' when unknown. */
export function formatDelivery(date?: string | null, from?: string | null, to?: string | null): string {
  const d = formatDate(date);
  const f = formatTime(from);
  const t = formatTime(to);
  let window = '';
  if (f && t) window = `${f}–${t}`;
  else if (f) window = `с ${f}`;
  else if (t) window = `до ${t}`;
  return [d, window].filter(Boolean).join(', ');
}

/** The local calendar date as «dd.mm.yyyy». */
export function formatToday(now: Date): string {
  const dd = String(now.getDate()).padStart(2, '0');
  const mm = String(now.getMonth() + 1).padStart(2, '0');
  return `${dd}.${mm}.${now.getFullYear()}`;
}

/** Russian plural: plural(3, ['заказ', 'заказа', 'заказов']) → «заказа». */
export function plural(n: number, forms: [string, string, string]): string {
  return ruPlural(n, ...forms);
}

/** Quantity without trailing zeros: 2 → «2», 1.5 → «1,5». */
export function formatQuantity(q: number): string {
  if (!Number.isFinite(q)) return '';
  return String(Math.round(q * 1000) / 1000).replace('.', ',');
}
