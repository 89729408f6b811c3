import { ru } from './ru';

const LOCALE = 'ru-RU';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dateTime = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
const dateTimeWithYear = new Intl.DateTimeFormat(LOCALE, {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const relative = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto', style: 'short' });
const number = new Intl.NumberFormat(LOCALE);

/** «14 марта, 09:41» (the year only when it is not this one). */
export function formatDateTime(ms: number): string {
  const sameYear = new Date(ms).getFullYear() === new Date().getFullYear();
  return (sameYear ? dateTime : dateTimeWithYear).format(ms);
}

/** «09:41:05», for the tooltip next to a relative time. */
export function formatTime(ms: number): string {
  return timeOnly.format(ms);
}

/**
 * «только что», «5 мин. назад», «через 3 мин.», «2 ч. назад»; older than a day: the date itself, which a shop
 * owner reads faster than «3 дн. назад».
 */
export function formatRelative(ms: number, now: number = Date.now()): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return ru.time.justNow;
  if (abs < HOUR) return relative.format(Math.round(diff / MINUTE), 'minute');
  if (abs < DAY) return relative.format(Math.round(diff / HOUR), 'hour');
  return formatDateTime(ms);
}

/** A poller interval: «раз в 5 мин», «раз в 6 ч». */
export function formatInterval(ms: number): string {
  if (ms < MINUTE) return ru.time.everySeconds(Math.max(1, Math.round(ms / 1000)));
  if (ms < HOUR) return ru.time.everyMinutes(Math.round(ms / MINUTE));
  if (ms < DAY) return ru.time.everyHours(Math.round(ms / HOUR));
  return ru.time.everyDays(Math.round(ms / DAY));
}

export function formatNumber(n: number): string {
  return number.format(n);
}
