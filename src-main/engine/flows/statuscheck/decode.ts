import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SyncError } from '../../errors.js';

export type AnswerFormat = 'auto' | 'json' | 'xml' | 'form';

/** Larger answers are refused before decoding: a status answer for a batch is a few hundred kilobytes at most. */
export const MAX_ANSWER_BYTES = 5 * 1024 * 1024;

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Ids stay text: «007» and «12345678901234567890» must reach the mapping as the partner wrote them.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

/**
 * The partner's answer as data for the mapping: JSON, XML (attributes become fields) or a form
 * (`a=1&b[]=2`). «auto» follows the Content-Type and, when that says nothing useful, the first character.
 */
export function decodeAnswer(body: string, contentType: string | null, format: AnswerFormat): { format: Exclude<AnswerFormat, 'auto'>; data: unknown } {
  if (Buffer.byteLength(body) > MAX_ANSWER_BYTES) {
    throw bad(`Ответ партнёра слишком большой (${Math.round(Buffer.byteLength(body) / 1024 / 1024)} МБ): уменьшите количество заказов в одном запросе.`, `answer ${Buffer.byteLength(body)} bytes`);
  }
  const f = format === 'auto' ? sniff(body, contentType) : format;
  if (f === 'json') {
    try {
      return { format: f, data: JSON.parse(body) as unknown };
    } catch (err) {
      throw bad('Партнёр ответил не в формате JSON.', `${(err as Error).message}; body: ${body.slice(0, 300)}`);
    }
  }
  if (f === 'xml') {
    const valid = XMLValidator.validate(body);
    if (valid !== true) throw bad('Партнёр ответил не в формате XML.', `${valid.err.msg} at line ${valid.err.line}; body: ${body.slice(0, 300)}`);
    return { format: f, data: xml.parse(body) as unknown };
  }
  return { format: f, data: decodeForm(body) };
}

function sniff(body: string, contentType: string | null): Exclude<AnswerFormat, 'auto'> {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('json')) return 'json';
  if (ct.includes('xml')) return 'xml';
  if (ct.includes('x-www-form-urlencoded')) return 'form';
  const first = body.trimStart()[0];
  if (first === '{' || first === '[') return 'json';
  if (first === '<') return 'xml';
  if (/^[^=&\s]+=/.test(body.trim())) return 'form';
  return 'json';
}

/** `a=1&b[]=2&b[]=3&c[x]=4` → `{ a: '1', b: ['2', '3'], c: { x: '4' } }`, PHP's reading of a form. */
export function decodeForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body.trim())) {
    const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    if (!m) {
      out[rawKey] = value;
      continue;
    }
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)];
    let node: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const last = i === path.length - 1;
      const nextIsList = !last && path[i + 1] === '';
      if (Array.isArray(node)) {
        if (last) node.push(value);
        else {
          const child: Record<string, unknown> | unknown[] = nextIsList ? [] : {};
          node.push(child);
          node = child;
        }
        continue;
      }
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') break;
      if (last) node[key] = value;
      else {
        if (typeof node[key] !== 'object' || node[key] === null) node[key] = nextIsList ? [] : {};
        node = node[key] as Record<string, unknown> | unknown[];
      }
    }
  }
  return out;
}

function bad(message: string, detail: string): SyncError {
  return new SyncError({ kind: 'needsAttention', system: 'statuscheck', message, detail });
}
