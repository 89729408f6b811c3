import { useEffect, useState } from 'react';
import { ru } from '../i18n/ru';

/** `yyyy-mm-dd` → `дд.мм.гггг`. */
function toText(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : '';
}

/** What was typed → `yyyy-mm-dd` when it is a real day, '' when empty, null while incomplete or impossible. */
export function parseRussianDate(text: string): string | null {
  const t = text.trim();
  if (t === '') return '';
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const ru = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : ru ? [ru[3], ru[2], ru[1]] : [];
  if (!y || !m || !d) return null;
  const day = Number(d);
  const month = Number(m);
  const year = Number(y);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 2000 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Digits typed in a row become дд.мм.гггг as they come: «05032025» → «05.03.2025». */
function mask(raw: string): string {
  if (/^\d{4}-/.test(raw)) return raw.replace(/[^\d-]/g, '').slice(0, 10);
  // A one-digit day or month closed by a dot («5.3.2025») is padded before the digits are laid out again.
  const padded = raw.replace(/(^|\.)(\d)(?=\.)/g, '$10$2');
  const d = padded.replace(/\D/g, '').slice(0, 8);
  return [d.slice(0, 2), d.slice(2, 4), d.slice(4)].filter(Boolean).join('.');
}

/**
 * A day typed the Russian way, день.месяц.год, whatever language the browser itself speaks (a browser's own date
 * input follows the browser's language: mm/dd/yyyy in an English one). The value in and out is `yyyy-mm-dd`.
 */
export function DateInput(props: {
  id: string;
  value: string;
  onChange: (iso: string) => void;
  testId?: string;
  className?: string;
}) {
  const [text, setText] = useState(() => toText(props.value));
  useEffect(() => {
    // A value set from outside (reset) replaces what is typed; our own change comes back equal and keeps it.
    setText((t) => (parseRussianDate(t) === props.value ? t : toText(props.value)));
  }, [props.value]);
  const parsed = parseRussianDate(text);
  return (
    <input
      id={props.id}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      placeholder={ru.dates.placeholder}
      title={ru.dates.hint}
      className={props.className}
      value={text}
      aria-invalid={parsed === null && text.length >= 10 ? true : undefined}
      data-testid={props.testId}
      data-value={parsed ?? ''}
      onChange={(e) => {
        const next = mask(e.target.value);
        setText(next);
        const iso = parseRussianDate(next);
        if (iso !== null && iso !== props.value) props.onChange(iso);
      }}
    />
  );
}
