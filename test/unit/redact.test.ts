import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileLogger } from '../../src-main/engine/log.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { makeTempDir, removeDir } from './support.js';

describe('Redactor', () => {
  it('masks a known secret wherever it appears', () => {
    const r = new Redactor();
    r.addSecret('Xk29fLq0vRT');
    expect(r.redact('GET /api/v5/orders?key=Xk29fLq0vRT&x=1 (key Xk29fLq0vRT)')).toBe('GET /api/v5/orders?key=***&x=1 (key ***)');
  });

  it('masks the URL-encoded form of a secret too', () => {
    const r = new Redactor();
    r.addSecret('p@ss w/rd+1');
    const encoded = encodeURIComponent('p@ss w/rd+1');
    expect(encoded).not.toBe('p@ss w/rd+1');
    expect(r.redact(`login=shop&pwd=${encoded}`)).toBe('login=shop&pwd=***');
  });

  it('masks the JSON-escaped form of a secret with quotes or backslashes', () => {
    const r = new Redactor();
    const secret = 'Pa"ss\\w0rd';
    r.addSecret(secret);
    const json = JSON.stringify({ note: `typed ${secret}` });
    expect(r.redact(json)).not.toContain('ss\\\\w0rd');
    expect(r.redact(json)).toBe('{"note":"typed ***"}');
  });

  it('masks a longer secret whole even when a shorter one is its prefix', () => {
    const r = new Redactor();
    r.addSecret('abcd1234');
    r.addSecret('abcd1234efgh');
    expect(r.redact('a=abcd1234efgh b=abcd1234')).toBe('a=*** b=***');
  });

  it('treats regex characters in a secret literally', () => {
    const r = new Redactor();
    r.addSecret('a.b*c+d?(e)');
    expect(r.redact('x a.b*c+d?(e) y')).toBe('x *** y');
    expect(r.redact('x aXbbbc+d?(e) y')).toBe('x aXbbbc+d?(e) y');
  });

  it('ignores secrets shorter than four characters: they would mask ordinary words', () => {
    const r = new Redactor();
    r.addSecret('abc');
    r.addSecret('');
    r.addSecret(null);
    expect(r.redact('abc abcdef')).toBe('abc abcdef');
  });

  it('forgets a removed secret', () => {
    const r = new Redactor();
    r.addSecret('token-123456');
    r.removeSecret('token-123456');
    expect(r.redact('x token-123456')).toBe('x token-123456');
  });

  it('masks apiKey and similar parameters in query strings and form bodies even when the value is unknown', () => {
    const r = new Redactor();
    expect(r.redact('https://shop.retailcrm.ru/api/v5/orders?apiKey=Zz8812kq&limit=20')).toBe(
      'https://shop.retailcrm.ru/api/v5/orders?apiKey=***&limit=20',
    );
    expect(r.redact('login=shop&password=hunter22&remember=1')).toBe('login=shop&password=***&remember=1');
    expect(r.redact('access_token=eyJhbGciOi.payload.sig')).toBe('access_token=***');
  });

  it('masks password, token and apiKey fields in JSON and keeps the rest', () => {
    const r = new Redactor();
    expect(r.redact('{"phone":"79120000000","password":"hunter22"}')).toBe('{"phone":"79120000000","password":"***"}');
    expect(r.redact('{"token": "abc\\"def", "apiKey":"k-1", "sum": 1500}')).toBe('{"token": "***", "apiKey":"***", "sum": 1500}');
  });

  it('masks Authorization and X-API-KEY headers written out as text', () => {
    const r = new Redactor();
    expect(r.redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe('Authorization: ***');
    expect(r.redact('authorization: Basic c2hvcDpodW50ZXI=')).toBe('authorization: ***');
    expect(r.redact('X-API-KEY: Zz8812kqLm')).toBe('X-API-KEY: ***');
    expect(r.redact('{"authorization":"Bearer abc"}')).toBe('{"authorization":"***"}');
  });

  it('masks credentials in MeaSoft-style XML, as elements and as attributes', () => {
    const r = new Redactor();
    expect(r.redact('<auth><login>shop</login><password>hunter22</password></auth>')).toBe(
      '<auth><login>shop</login><password>***</password></auth>',
    );
    expect(r.redact('<auth extra="8" login="shop" pass="hunter22"/>')).toBe('<auth extra="8" login="shop" pass="***"/>');
  });

  it('leaves ordinary text alone', () => {
    const r = new Redactor();
    const text = 'Заказ 1234A: курьер назначен, сумма 1500 ₽, статус «Доставлен»';
    expect(r.redact(text)).toBe(text);
    expect(r.redact(null)).toBeNull();
    expect(r.redact(undefined)).toBeNull();
  });

  it('summarize redacts, serialises objects and shortens long text with a note of how much was cut', () => {
    const r = new Redactor();
    r.addSecret('s3cr3t-value');
    expect(r.summarize({ apiKey: 's3cr3t-value', n: 1 })).toBe('{"apiKey":"***","n":1}');
    expect(r.summarize('x'.repeat(50), 10)).toBe(`${'x'.repeat(10)}… (40 симв. скрыто)`);
    expect(r.summarize('short', 10)).toBe('short');
    expect(r.summarize(null)).toBeNull();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(r.summarize(circular)).toBe('[object Object]');
  });

  it('summarize masks before cutting, so a secret on the cut line does not leave half of itself', () => {
    const r = new Redactor();
    r.addSecret('ABCDEFGHIJKLMNOP');
    const out = r.summarize(`${'.'.repeat(8)}ABCDEFGHIJKLMNOP`, 12);
    expect(out).not.toContain('ABCD');
  });
});

describe('the log file', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('never receives a secret, whether it comes in the message, a field, a nested object or an error', async () => {
    const redactor = new Redactor();
    const file = path.join(dir, 'logs', 'prilavok.log');
    const log = createFileLogger({ file, redactor, level: 'debug' });
    const secret = 'Rk-8812-zzQ';
    const quoted = 'pa"ss\\wörd';
    redactor.addSecret(secret);
    redactor.addSecret(quoted);

    log.info(`connecting with ${secret}`, { apiKey: secret });
    log.warn('login failed', { body: { login: 'shop', password: 'never-registered-pw' }, typed: quoted });
    log.error('call failed', { err: new Error(`401 for key ${secret}`), url: `https://x/api?apiKey=${secret}` });
    log.debug('raw header', { header: 'Authorization: Bearer eyJunknown.token.sig' });
    await log.close();

    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('never-registered-pw');
    expect(text).not.toContain('eyJunknown');
    expect(text).not.toContain('ss\\\\w');
    expect(text).not.toContain('wörd');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'connecting with ***', apiKey: '***' });
    expect(lines[2]).toMatchObject({ level: 'error', err: { name: 'Error', message: '401 for key ***' } });
  });

  it('writes only lines at or above its level', async () => {
    const file = path.join(dir, 'p.log');
    const log = createFileLogger({ file, redactor: new Redactor(), level: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    await log.close();
    log.error('after close');
    const msgs = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toEqual(['w', 'e']);
  });

  it('rotates the file once it passes the size limit, keeping one previous file', async () => {
    const file = path.join(dir, 'p.log');
    const log = createFileLogger({ file, redactor: new Redactor(), maxBytes: 400 });
    for (let i = 0; i < 12; i++) log.info(`line ${i}`, { pad: 'x'.repeat(40) });
    await log.close();
    expect(fs.existsSync(`${file}.1`)).toBe(true);
    expect(fs.statSync(file).size).toBeLessThanOrEqual(400);
    const last = fs.readFileSync(file, 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ msg: 'line 11' });
  });

  it('the log file is readable by its owner only', async () => {
    const file = path.join(dir, 'p.log');
    const log = createFileLogger({ file, redactor: new Redactor() });
    log.info('x');
    await log.close();
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    else expect(fs.existsSync(file)).toBe(true);
  });
});
