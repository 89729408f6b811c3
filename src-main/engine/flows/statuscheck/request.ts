import { SyncError } from '../../errors.js';
import { renderField, renderText, type MacroValues } from './macros.js';

export interface PartnerRequestTemplate {
  method: 'GET' | 'POST';
  url: string;
  headers: Array<{ name: string; value: string }>;
  fields: Array<{ name: string; value: string }>;
  bodyFormat: 'form' | 'json';
}

export interface RenderedRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

type FieldValue = string | number | Array<string | number>;

/**
 * The request sent to a partner. GET carries the data fields in the query, POST in the body as a form or JSON.
 * In a query or a form an array is repeated as `name[]=…` (PHP's convention, which RetailCRM and most PHP
 * partners read); in JSON it stays an array. Secrets are looked up by name; `masked` renders them as «•••»
 * for what the merchant is shown.
 */
export function renderRequest(t: PartnerRequestTemplate, values: MacroValues, secret: (name: string) => string | null): RenderedRequest {
  let url = renderText(t.url.trim(), values, 'url', secret);
  if (!/^https?:\/\//i.test(url)) {
    throw new SyncError({
      kind: 'needsAttention',
      system: 'statuscheck',
      message: 'Адрес партнёра должен начинаться с http:// или https://.',
      detail: `url ${t.url}`,
    });
  }
  const headers: Record<string, string> = {};
  for (const h of t.headers) headers[h.name] = renderText(h.value, values, 'header', secret);
  const fields: Array<[string, FieldValue]> = t.fields.map((f) => [f.name, renderField(f.value, values, secret)]);
  let body: string | null = null;
  if (t.method === 'GET') {
    const q = formEncode(fields);
    if (q) url += (url.includes('?') ? '&' : '?') + q;
  } else if (t.bodyFormat === 'json') {
    body = JSON.stringify(Object.fromEntries(fields));
    headers['Content-Type'] ??= 'application/json';
  } else {
    body = formEncode(fields);
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
  }
  return { method: t.method, url, headers, body };
}

export function maskedSecret(name: string): string {
  return `•••${name}•••`;
}

export function formEncode(fields: Array<[string, FieldValue]>): string {
  const p = new URLSearchParams();
  for (const [name, v] of fields) {
    if (Array.isArray(v)) {
      const key = name.endsWith('[]') ? name : `${name}[]`;
      for (const x of v) p.append(key, String(x));
    } else {
      p.append(name, String(v));
    }
  }
  return p.toString();
}

/** One line for the timeline and the error log: method, address without its query, how many fields. */
export function describeRequest(r: RenderedRequest): string {
  const [base, query] = r.url.split('?', 2);
  const n = query ? query.split('&').length : 0;
  return `${r.method} ${base}${n ? ` (${n} парам.)` : ''}${r.body ? `, тело ${r.body.length} байт` : ''}`;
}
