import type { ErrorEntry } from '../../src-shared/api';
import { errorKindTitles } from '../../src-shared/errors';
import { systemTitles } from '../../src-shared/systems';
import { ru } from '../i18n/ru';

/** «2025-03-14 09:41:05» in local time: Excel reads it as a date. */
export function localStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** CSV as Excel opens it in a Russian locale: UTF-8 with a BOM, `;` between fields, CRLF between rows. */
export function toCsv(entries: ErrorEntry[]): string {
  const c = ru.errorLog.csv;
  const cell = (raw: string) => {
    // A value Excel would read as a formula is kept as text (an engine message is never a formula).
    const v = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
    return /[";\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const head = [c.at, c.severity, c.system, c.kind, c.order, c.message, c.detail, c.acknowledged, c.count, c.lastSeen];
  const rows = entries.map((e) => [
    localStamp(e.at),
    ru.errors.severity[e.severity],
    systemTitles[e.system],
    errorKindTitles[e.kind],
    e.orderNumber ?? '',
    e.message,
    e.detail ?? '',
    e.acknowledged ? c.yes : c.no,
    String(e.count ?? 1),
    localStamp(e.lastSeenAt ?? e.at),
  ]);
  return `\uFEFF${[head, ...rows].map((r) => r.map(cell).join(';')).join('\r\n')}\r\n`;
}
