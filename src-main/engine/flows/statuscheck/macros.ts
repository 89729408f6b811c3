import { SyncError } from '../../errors.js';
import { wallClock } from '../../core/time.js';

/**
 * The seed's macros, rendered into a partner request. Id modes: `{idsl}` `{idel}` (comma lists) and `{ids}`
 * `{ide}` (arrays, data fields only). Date mode: `{from}` `{to}` (YYYY-MM-DD), `{ffrom}` `{fto}` (date and
 * time), `{ufrom}` `{uto}` (Unix seconds), `{tom}` `{ftom}` `{utom}` (the end plus one day, for systems whose
 * end date is exclusive).
 *
 * The seed documents `{ffrom}`/`{fto}` as «ГГГГ-ДД-ММ ЧЧ:ММ:СС» (year-day-month). No API reads dates that way and
 * the very next line of the seed is ГГГГ-ММ-ДД, so it is taken as the typo it is: `YYYY-MM-DD HH:MM:SS`.
 *
 * Days and times are those of the partner's time zone (Moscow unless the partner's setting says otherwise):
 * a range is whole days there, from 00:00:00 to 23:59:59.
 */

export const ID_MACROS = ['idsl', 'idel'] as const;
export const ARRAY_MACROS = ['ids', 'ide'] as const;
export const DATE_MACROS = ['from', 'to', 'ffrom', 'fto', 'ufrom', 'uto', 'tom', 'ftom', 'utom'] as const;
const UNIX_MACROS = new Set(['ufrom', 'uto', 'utom']);

export interface IdBatch {
  /** Our ids: RetailCRM order ids. */
  ids: number[];
  /** The partner's ids of the same orders, in the same order. */
  ext: string[];
}

/** Whole days in the partner's zone, both ends included. */
export interface DayRange {
  from: string;
  to: string;
}

export type MacroValues = Record<string, string | number | Array<string | number>>;

export function idMacros(b: IdBatch): MacroValues {
  return { idsl: b.ids.join(','), idel: b.ext.join(','), ids: [...b.ids], ide: [...b.ext] };
}

export function dateMacros(r: DayRange, timeZone: string): MacroValues {
  assertDay(r.from);
  assertDay(r.to);
  const tom = addDays(r.to, 1);
  return {
    from: r.from,
    to: r.to,
    ffrom: `${r.from} 00:00:00`,
    fto: `${r.to} 23:59:59`,
    ufrom: unixAt(r.from, '00:00:00', timeZone),
    uto: unixAt(r.to, '23:59:59', timeZone),
    tom,
    ftom: `${tom} 00:00:00`,
    utom: unixAt(tom, '00:00:00', timeZone),
  };
}

/** YYYY-MM-DD plus n days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The day (YYYY-MM-DD) an instant falls on in a time zone. */
export function dayIn(instantMs: number, timeZone: string): string {
  const p = zoneParts(instantMs, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The instant of a wall-clock time in a zone, in Unix seconds. */
export function unixAt(day: string, time: string, timeZone: string): number {
  return Math.round(zonedToUtcMs(day, time, timeZone) / 1000);
}

/** Wall-clock time in a zone → UTC milliseconds; correct across DST changes (checked twice). */
export function zonedToUtcMs(day: string, time: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm, ss);
  let guess = wall - offsetMs(wall, timeZone);
  const second = wall - offsetMs(guess, timeZone);
  if (second !== guess) guess = second;
  return guess;
}

/** A RetailCRM date-time ("2025-03-05 14:30:00", the account's zone) → UTC milliseconds. */
export function crmDateTimeToMs(text: string, timeZone: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(text.trim());
  if (!m) return null;
  return zonedToUtcMs(m[1]!, m[2]!, timeZone);
}

export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new SyncError({
      kind: 'needsAttention',
      system: 'statuscheck',
      message: `Часовой пояс «${timeZone}» не знаком: укажите его как Europe/Moscow или Asia/Yekaterinburg.`,
      detail: `invalid time zone ${timeZone}`,
    });
  }
}

function offsetMs(instantMs: number, timeZone: string): number {
  const p = zoneParts(instantMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

function zoneParts(instantMs: number, timeZone: string) {
  try {
    return wallClock(instantMs, timeZone);
  } catch (err) {
    // An unknown zone: say so in the merchant's words.
    assertTimeZone(timeZone);
    throw err;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function assertDay(day: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
}

export type MacroPlace = 'url' | 'header' | 'field';

const MACRO = /\{([a-z]+)(?::([A-Za-z][A-Za-z0-9_]*))?\}/g;

/**
 * Puts macro values and secrets into one template string. Arrays are refused outside a data field, a macro of
 * the other mode is refused, and an unknown `{name}` is an error rather than text sent to the partner: each
 * with a Russian message that names the macro.
 */
export function renderText(
  template: string,
  values: MacroValues,
  place: MacroPlace,
  secret: (name: string) => string | null,
): string {
  return template.replace(MACRO, (whole, name: string, arg: string | undefined) => {
    if (name === 'secret') {
      if (!arg) throw macroError(`В «${whole}» не указано имя секрета: пишите {secret:apiKey}.`);
      const v = secret(arg);
      if (v === null) throw macroError(`Секрет «${arg}» не задан: введите его в настройках партнёра.`);
      return place === 'url' ? encodeUrlPart(v) : v;
    }
    if (!(name in values)) {
      if ((DATE_MACROS as readonly string[]).includes(name)) throw macroError(`Макрос {${name}} есть только в проверке по диапазону дат.`);
      if ([...ID_MACROS, ...ARRAY_MACROS].includes(name as never)) throw macroError(`Макрос {${name}} есть только в проверке по списку заказов.`);
      throw macroError(`Неизвестный макрос {${name}}.`);
    }
    const v = values[name]!;
    if (Array.isArray(v)) {
      throw macroError(`{${name}} — массив: его можно передать только отдельным полем данных, целиком; в адресе и заголовках используйте {${name}l}.`);
    }
    return place === 'url' ? encodeUrlPart(String(v)) : String(v);
  });
}

/** A data field: exactly `{ids}`/`{ide}` gives the array, exactly `{ufrom}`… gives a number, anything else text. */
export function renderField(template: string, values: MacroValues, secret: (name: string) => string | null): string | number | Array<string | number> {
  const only = /^\{([a-z]+)\}$/.exec(template.trim());
  if (only && only[1]! in values) {
    const v = values[only[1]!]!;
    if (Array.isArray(v)) return v;
    if (UNIX_MACROS.has(only[1]!)) return Number(v);
  }
  return renderText(template, values, 'field', secret);
}

function encodeUrlPart(v: string): string {
  // Commas stay readable: lists of ids are what partners expect to see in a query.
  return encodeURIComponent(v).replace(/%2C/gi, ',');
}

function macroError(message: string): SyncError {
  return new SyncError({ kind: 'needsAttention', system: 'statuscheck', message, detail: message });
}
