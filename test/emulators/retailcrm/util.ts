/* Small value helpers shared by the emulator's state, serialisation and routes. */
import * as seed from './seed.js';

export const round2 = (n: number) => Math.round(n * 100) / 100;
export const clone = <T>(v: T): T => structuredClone(v);
export const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
export const now = () => seed.crmDateTime(new Date());
export const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
export const numOr = (v: unknown, d: number): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : d);

/** `filter[ids][]=1` and `filter[ids][0]=1` both. */
export function arr(q: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}(\\[\\d*\\])?$`);
  for (const [k, v] of q) if (re.test(k) && k !== name) out.push(v);
  const single = q.get(name);
  if (single !== null && out.length === 0) out.push(single);
  return out;
}

export const dateRe = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/;

/** A date-only upper bound covers its whole day. */
export const withEnd = (d: string) => (d.length === 10 ? `${d} 23:59:59` : d);
