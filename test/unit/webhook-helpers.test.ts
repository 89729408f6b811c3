import { describe, expect, it } from 'vitest';
import { SyncError, toSyncError } from '../../src-main/engine/errors.js';
import { formToObject, sameSecret } from '../../src-main/engine/webhooks/server.js';

describe('formToObject (site forms posted to us)', () => {
  it('turns form fields into an object; a repeated field becomes a list in the order sent', () => {
    const body = new URLSearchParams('company=%D0%9E%D0%9E%D0%9E+%C2%AB%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0%C2%BB&inn=7701234567&tags=opt&tags=vip&tags=new');
    expect(formToObject(body)).toEqual({ company: 'ООО «Ромашка»', inn: '7701234567', tags: ['opt', 'vip', 'new'] });
  });

  it('keeps empty fields as empty strings', () => {
    expect(formToObject(new URLSearchParams('comment=&phone=89120000000'))).toEqual({ comment: '', phone: '89120000000' });
  });

  it('a field named like an Object property (constructor, toString, __proto__) is kept as the plain value it is', () => {
    const out = formToObject(new URLSearchParams('constructor=ИП&toString=x&__proto__=y&hasOwnProperty=z'));
    // What is stored in the inbox: every field with its own value.
    expect(JSON.stringify(out)).toBe('{"constructor":"ИП","toString":"x","__proto__":"y","hasOwnProperty":"z"}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(formToObject(new URLSearchParams('constructor=a&constructor=b')).constructor).toEqual(['a', 'b']);
  });
});

describe('sameSecret (webhook address check)', () => {
  it('accepts only the exact secret', () => {
    const secret = 'q9Zs-2kLm_xT4v8pR1aB7cDe';
    expect(sameSecret(secret, secret)).toBe(true);
    expect(sameSecret(secret.slice(0, -1), secret)).toBe(false);
    expect(sameSecret(`${secret}x`, secret)).toBe(false);
    expect(sameSecret(secret.toUpperCase(), secret)).toBe(false);
    expect(sameSecret('', secret)).toBe(false);
  });

  it('compares strings of any length without throwing (no length leak through an exception)', () => {
    expect(() => sameSecret('a'.repeat(10_000), 'short')).not.toThrow();
    expect(sameSecret('a'.repeat(10_000), 'short')).toBe(false);
  });
});

describe('SyncError', () => {
  it('carries a kind, a Russian message for the merchant, technical detail and a Retry-After', () => {
    const e = new SyncError({ kind: 'retryable', system: 'retailcrm', message: 'RetailCRM временно недоступен', detail: 'HTTP 503', retryAfterMs: 30_000, code: 503 });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'SyncError', kind: 'retryable', system: 'retailcrm', message: 'RetailCRM временно недоступен', detail: 'HTTP 503', retryAfterMs: 30_000, code: 503 });
    expect(new SyncError({ kind: 'fatal', message: 'x' })).toMatchObject({ system: 'engine', detail: null, retryAfterMs: null, code: null });
  });

  it('toSyncError keeps a SyncError as it is and turns anything else into a fatal internal error with the stack as detail', () => {
    const known = new SyncError({ kind: 'auth', message: 'Неверный ключ' });
    expect(toSyncError(known, 'kassa')).toBe(known);

    const bug = toSyncError(new TypeError('x is undefined'), 'measoft');
    expect(bug).toMatchObject({ kind: 'fatal', system: 'measoft', message: expect.stringMatching(/^Внутренняя ошибка Прилавка/) });
    expect(bug.detail).toMatch(/TypeError: x is undefined/);
    expect(bug.cause).toBeInstanceOf(TypeError);

    expect(toSyncError('just a string')).toMatchObject({ kind: 'fatal', system: 'engine', detail: expect.stringContaining('just a string') });
  });
});
