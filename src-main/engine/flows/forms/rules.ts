import { createHash } from 'node:crypto';
import { z } from 'zod';
import { FILE_FIELD, HONEYPOT_FIELD, WIDGET_ID_FIELD, type FormFieldRole, type FormsSettings } from '../../../../src-shared/forms.js';
import { phoneDigits } from '../../core/orders.js';

/*
 * What a post from the website means: which way it came, which fields are the contact, the company, the topic and
 * the message, the request's idempotency id, and the readable «Поле: значение» text RetailCRM gets. No I/O here.
 */

export type Via = 'widget' | 'tilda' | 'html';

export const submissionSchema = z.object({
  via: z.enum(['widget', 'tilda', 'html']),
  /** Every field the visitor sent, in the form's order, with the label the merchant gave it. */
  fields: z.array(z.object({ name: z.string(), label: z.string(), value: z.string() })),
  contact: z.object({
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
    inn: z.string().nullable(),
  }),
  topic: z.string().nullable(),
  service: z.string().nullable(),
  message: z.string().nullable(),
  /** Where the visitor was: the page's origin and the page itself. */
  origin: z.string().nullable(),
  page: z.string().nullable(),
});
export type Submission = z.output<typeof submissionSchema>;

/** Tilda names its standard fields this way; a merchant's own names come from the settings. */
const TILDA_ROLES: Record<string, FormFieldRole> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  company: 'company',
  inn: 'inn',
  comments: 'message',
  comment: 'message',
  textarea: 'message',
  message: 'message',
};

/** Fields that are the sender's machinery, not the visitor's words. */
const SERVICE_FIELDS = new Set([HONEYPOT_FIELD, WIDGET_ID_FIELD, 'tranid', 'formid', 'formname', 'cookies', 'test']);

export type FormBody = Record<string, string | string[]>;

/** A field's value as text: forms send strings, a JSON post may send numbers, lists or objects too. */
const text = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((x) => text(x)).filter(Boolean).join(', ');
  if (typeof v === 'object') return JSON.stringify(v).trim();
  return String(v).trim();
};

export function isTildaTest(body: FormBody): boolean {
  return text(body.test) === 'test' && Object.keys(body).length === 1;
}

/** Which way a post came: our widget (its id), Tilda (its request id), any other HTML form. */
export function viaOf(body: FormBody): Via {
  if (text(body[WIDGET_ID_FIELD])) return 'widget';
  if (text(body.tranid) || text(body.formid)) return 'tilda';
  return 'html';
}

/** A bot filled the field people never see. */
export function isHoneypotFilled(body: FormBody): boolean {
  return text(body[HONEYPOT_FIELD]).length > 0;
}

/**
 * The idempotency id: the widget's id, Tilda's `tranid`, otherwise a hash of the fields and the files' bytes —
 * so a resubmission of the same request (a double click, a repeated post) is the same request.
 */
export function submissionId(body: FormBody, files: Array<{ field: string; filename: string; hash: string }>): string {
  const widget = text(body[WIDGET_ID_FIELD]);
  if (widget) return `w:${widget.slice(0, 100)}`;
  const tranid = text(body.tranid);
  if (tranid) return `t:${tranid.slice(0, 100)}`;
  const h = createHash('sha256');
  for (const k of Object.keys(body).filter((x) => x !== HONEYPOT_FIELD).sort()) h.update(`${k}\u0000${text(body[k])}\u0000`);
  for (const f of [...files].sort((a, b) => a.hash.localeCompare(b.hash))) h.update(`file\u0000${f.field}\u0000${f.filename}\u0000${f.hash}\u0000`);
  return `h:${h.digest('hex')}`;
}

/** The post read with the merchant's field list: roles, labels, and what is missing. */
export function readSubmission(body: FormBody, s: FormsSettings, headers: { origin?: string | undefined; referer?: string | undefined }): { submission: Submission; missing: string[] } {
  const via = viaOf(body);
  const byName = new Map(s.fields.map((f) => [f.name.toLowerCase(), f]));
  const fields: Submission['fields'] = [];
  const roles: Partial<Record<FormFieldRole, string>> = {};
  const missing: string[] = [];
  const seen = new Set<string>();
  // The merchant's fields first, in the form's order; then whatever else the form sent.
  for (const f of s.fields) {
    const key = Object.keys(body).find((k) => k.toLowerCase() === f.name.toLowerCase());
    const value = key ? text(body[key]) : '';
    if (key) seen.add(key);
    if (!value) {
      // Tilda checks its own required fields, under its own names.
      if (f.required && via !== 'tilda') missing.push(f.label);
      continue;
    }
    fields.push({ name: f.name, label: f.label, value });
    if (f.role !== 'other' && !roles[f.role]) roles[f.role] = value;
  }
  for (const [k, v] of Object.entries(body)) {
    if (seen.has(k) || SERVICE_FIELDS.has(k.toLowerCase()) || k === FILE_FIELD) continue;
    const value = text(v);
    if (!value) continue;
    const known = byName.get(k.toLowerCase());
    fields.push({ name: k, label: known?.label ?? k, value });
    const role = via === 'tilda' ? TILDA_ROLES[k.toLowerCase()] : undefined;
    if (role && !roles[role]) roles[role] = value;
  }
  const inn = roles.inn ? roles.inn.replace(/\D/g, '') : null;
  const submission: Submission = {
    via,
    fields,
    contact: {
      name: roles.name ?? null,
      email: roles.email?.toLowerCase() ?? null,
      phone: roles.phone ?? null,
      company: roles.company ?? null,
      inn: inn && (inn.length === 10 || inn.length === 12) ? inn : null,
    },
    topic: roles.topic ?? null,
    service: roles.service ?? null,
    message: roles.message ?? null,
    origin: headers.origin ?? null,
    page: headers.referer ?? null,
  };
  return { submission, missing };
}

const URL_RE = /^https?:\/\/\S+$/i;

/**
 * The request's text for RetailCRM: the message, then every field as «Поле: значение», then links to files
 * kept elsewhere (a field whose value is a link), then where it came from.
 */
export function requestText(sub: Submission, number: string): string {
  const lines: string[] = [];
  if (sub.message) lines.push(sub.message, '');
  lines.push(`Заявка с сайта №${number}`);
  for (const f of sub.fields) lines.push(`${f.label}: ${f.value}`);
  const links = sub.fields.filter((f) => URL_RE.test(f.value));
  if (links.length) {
    lines.push('', 'Ссылки на файлы:');
    for (const l of links) lines.push(`${l.label}: ${l.value}`);
  }
  if (sub.page) lines.push('', `Страница: ${sub.page}`);
  return lines.join('\n');
}

/** «Иванов Иван» → first and last name as RetailCRM keeps them; one word is the first name. */
export function splitName(name: string | null): { firstName?: string; lastName?: string } {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return {};
  if (parts.length === 1) return { firstName: parts[0]! };
  return { lastName: parts[0]!, firstName: parts.slice(1).join(' ') };
}

export function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = phoneDigits(a);
  const y = phoneDigits(b);
  if (!x || !y || x.length < 5 || y.length < 5) return false;
  return x === y || (x.length >= 10 && y.length >= 10 && x.slice(-10) === y.slice(-10));
}

export const sameEmail = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

export const sameCompanyName = (a: string | null | undefined, b: string | null | undefined): boolean => {
  const n = (s: string) => s.toLowerCase().replace(/[«»"'.,]/g, '').replace(/\s+/g, ' ').trim();
  return !!a && !!b && n(a) === n(b);
};

/** Per-visitor post counter for the last minute (bounded: old addresses are forgotten as they go stale). */
export class RateWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly windowMs = 60_000) {}

  /** Counts a post; false when the address already used up its `limit` in the window. */
  take(key: string, limit: number, now = Date.now()): boolean {
    const since = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length >= limit) {
      this.hits.set(key, list);
      return false;
    }
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (!v.some((t) => t > since)) this.hits.delete(k);
    return true;
  }
}

/** The visitor's address: behind a tunnel the socket is the tunnel's, and the visitor is in X-Forwarded-For. */
export function visitorAddress(socketIp: string, forwarded: string | string[] | undefined): string {
  const loopback = socketIp === '127.0.0.1' || socketIp === '::1' || socketIp === '::ffff:127.0.0.1';
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return loopback && first ? first : socketIp;
}

const escHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page a plain HTML form gets back: the number (or the reason of a refusal) and a way back to the site. */
export function answerPage(o: { title: string; text: string; back: string | null }): string {
  const back = o.back && /^https?:\/\//i.test(o.back) ? `<p><a href="${escHtml(o.back)}">Вернуться на сайт</a></p>` : `<p><a href="javascript:history.back()">Вернуться назад</a></p>`;
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escHtml(o.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:560px;margin:48px auto;padding:0 16px;color:#222}h1{font-size:22px}</style></head>
<body><h1>${escHtml(o.title)}</h1><p>${escHtml(o.text)}</p>${back}</body></html>`;
}
