import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceipt, createAtolProvider, validateAtolRequest, type AtolOperation, type AtolVersion, type ReceiptInput } from '../../src-main/engine/connectors/kassa/index.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { startAtolEmulator } from '../emulators/atol/server.js';
import { listen, readBody } from '../helpers/servers.js';
import { waitFor } from '../helpers/temp.js';

/**
 * Real ATOL Online samples (test/fixtures/real/atol, sources in its README) keep the connector and the emulator
 * honest: the vendor's request examples must pass our schemas; the connector must work against the recorded
 * answers replayed over loopback; and the emulator must answer the vendor's own requests in the same shapes
 * as the recorded answers, so an emulator that drifts from the real service fails here.
 */

const DIR = path.resolve(__dirname, '../fixtures/real/atol');
type Json = Record<string, unknown>;
interface Sample {
  file: string;
  kind: 'request' | 'response';
  version: AtolVersion;
  endpoint: 'getToken' | 'register' | 'report';
  op?: AtolOperation;
  source: string;
}
const manifest = JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8')) as { samples: Sample[] };
const load = (file: string): Json => JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as Json;
const sample = (version: string, name: string): Json => load(`${version}/${name}`);

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${f}/`) : [`${prefix}${f}`];
  });
}

/** The JSON type of a value as the protocol distinguishes them. */
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'number' : typeof v);

/**
 * Every key of the real answer is in ours with the same JSON type (recursively; arrays by their first
 * element). Returns the differences, empty when the shapes agree.
 */
function shapeDiff(real: unknown, ours: unknown, at = '$', skip: ReadonlySet<string> = new Set()): string[] {
  if (kind(real) !== kind(ours)) return [`${at}: real ${kind(real)}, ours ${kind(ours)}`];
  if (Array.isArray(real)) return real.length && (ours as unknown[]).length ? shapeDiff(real[0], (ours as unknown[])[0], `${at}[0]`, skip) : [];
  if (real && typeof real === 'object') {
    const o = ours as Json;
    return Object.entries(real as Json).flatMap(([k, v]) => (skip.has(`${at}.${k}`) ? [] : k in o ? shapeDiff(v, o[k], `${at}.${k}`, skip) : [`${at}.${k}: missing in ours`]));
  }
  return [];
}

const STAMP = /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/;

describe('real ATOL Online samples', () => {
  it('every sample parses, is listed in the index with its source, and names a documented source', () => {
    const listed = new Set(manifest.samples.map((s) => s.file));
    const onDisk = listFiles(DIR).filter((f) => f.endsWith('.json') && f !== 'index.json');
    expect(onDisk.sort()).toEqual([...listed].sort());
    const readme = readFileSync(path.join(DIR, 'README.md'), 'utf8');
    for (const s of manifest.samples) {
      expect(() => load(s.file), s.file).not.toThrow();
      expect(readme, `README names the source ${s.source}`).toContain(s.source);
      expect(readme, `README lists ${s.file}`).toContain(s.file);
    }
    expect(manifest.samples.length).toBeGreaterThanOrEqual(20);
  });

  it("the vendor's request examples (documents 5.23 and 3.12) pass our schemas and arithmetic", () => {
    const requests = manifest.samples.filter((s) => s.kind === 'request' && s.endpoint === 'register');
    expect(requests.map((s) => s.file)).toEqual(expect.arrayContaining(['v4/correction.request.json', 'v4/sell.request.json', 'v5/correction.request.json', 'v5/sell.request.json']));
    // Every request of 5.23 §9 (gift cards, instalments, refunds, a correction, buy, agents…): 25 of them.
    expect(requests.filter((s) => s.file.startsWith('v4/examples/'))).toHaveLength(25);
    expect(new Set(requests.map((s) => s.op))).toEqual(new Set(['sell', 'sell_refund', 'sell_correction', 'buy']));
    for (const s of requests) expect(validateAtolRequest(s.version, s.op!, load(s.file)), s.file).toEqual([]);
  });

  it('the documented timestamps and answer fields are what the connector reads', () => {
    for (const s of manifest.samples.filter((x) => x.kind === 'response')) {
      const b = load(s.file);
      expect(String(b.timestamp), s.file).toMatch(STAMP);
      expect(b.error === null || typeof (b.error as Json).code === 'number', s.file).toBe(true);
    }
  });

  for (const version of ['v4', 'v5'] as const) {
    it(`${version}: the connector works against the recorded answers replayed over loopback`, async () => {
      const seen: Array<{ method: string; url: string; body: string; token: string | undefined }> = [];
      let answerWith: 'ok' | 'errors' = 'ok';
      const replay = await listen((req, res) => {
        void readBody(req).then((body) => {
          const url = req.url ?? '';
          seen.push({ method: req.method ?? '', url, body, token: req.headers.token as string | undefined });
          const send = (status: number, b: Json) => res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(b));
          if (url.endsWith('/getToken')) return answerWith === 'ok' ? send(200, sample(version, 'get-token.response.json')) : send(401, sample(version, 'get-token.error.json'));
          if (/\/report\//.test(url)) return answerWith === 'ok' ? send(200, sample(version, 'report.done.json')) : send(200, sample(version, 'report.error-34.json'));
          return answerWith === 'ok' ? send(200, sample(version, 'register.response.json')) : send(400, sample(version, 'register.error.json'));
        });
      });
      closers.push(replay);
      const provider = createAtolProvider({
        config: { version, baseUrl: replay.url, login: 'neletest', password: 'v2AfscRjr', groupCode: 'MyCompany_MyShop' },
        redactor: new Redactor(),
        timeoutMs: 3000,
      });
      const input: ReceiptInput = {
        op: 'sell',
        externalId: 'TRF10601_1',
        items: [{ name: 'Чайник', priceKopecks: 159_800, quantity: 1, vat: 'vat22' }],
        payments: [{ kind: 'cashless', kopecks: 159_800 }],
        customer: { email: 'kkt@kkt.ru' },
        company: { inn: '1234567891', sno: 'osn', email: 'chek@romashka.ru', paymentAddress: 'http://magazin.ru/' },
        settlement: 'full_payment',
        ffd: version === 'v4' ? '1.05' : '1.2',
        createdAt: new Date('2017-04-12T03:15:00Z'),
      };
      const sub = await provider.submit(buildReceipt(input));
      // The uuid exactly as recorded (the documents print it with en dashes; it is an opaque string to us).
      expect(sub).toEqual({ providerRef: sample(version, 'register.response.json').uuid, state: 'queued' });
      const token = (sample(version, 'get-token.response.json') as { token: string }).token;
      expect(seen.map((r) => [r.method, r.url.replace(/\?.*$/, '')])).toEqual([
        ['POST', `/possystem/${version}/getToken`],
        ['POST', `/possystem/${version}/MyCompany_MyShop/sell`],
      ]);
      expect(seen[1]!.token).toBe(token);
      expect(JSON.parse(seen[0]!.body)).toEqual(sample(version, 'get-token.request.json'));

      const st = await provider.status(sub.providerRef);
      expect(st.state).toBe('done');
      expect(st.fiscal).toMatchObject({
        total: 159_800,
        fn_number: '1110000100238211',
        fiscal_document_number: 133,
        fiscal_document_attribute: 3_449_555_941,
        receipt_datetime: version === 'v4' ? '12.04.2017 20:16:00' : '12.04.2022 20:16:00',
        ofd_inn: '7709364346',
        qr: expect.stringMatching(/^t=20\d\d0412T2016&s=1598\.00&fn=1110000100238211&i=133&fp=3449555941&n=1$/) as unknown as string,
      });

      // The recorded error answers: 34 is «not yet», 30 is our bug (never retried), 12 a refused login.
      answerWith = 'errors';
      expect(await provider.status(sub.providerRef)).toEqual({ state: 'queued' });
      const reg = await provider.submit(buildReceipt({ ...input, externalId: 'TRF10601_2' })).then(
        () => null,
        (e: unknown) => e as SyncError,
      );
      expect(reg).toBeInstanceOf(SyncError);
      expect({ kind: reg!.kind, code: reg!.code }).toEqual({ kind: 'fatal', code: 30 });
      const fresh = createAtolProvider({ config: { version, baseUrl: replay.url, login: 'neletest', password: 'wrong', groupCode: 'MyCompany_MyShop' }, redactor: new Redactor(), timeoutMs: 3000 });
      const auth = await fresh.submit(buildReceipt(input)).then(
        () => null,
        (e: unknown) => e as SyncError,
      );
      expect({ kind: auth!.kind, code: auth!.code }).toEqual({ kind: 'auth', code: 12 });
      expect(auth!.message).toMatch(/логин или пароль/);
    });

    it(`${version}: the emulator answers the vendor's own requests in the recorded shapes`, async () => {
      const reqSell = sample(version, 'sell.request.json') as { receipt: { company: { inn: string; payment_address: string } } };
      const login = sample(version, 'get-token.request.json') as { login: string; pass: string };
      const emu = await startAtolEmulator({
        processingMs: 30,
        reportRatePerSec: 0,
        callbacks: 'off',
        accounts: [{ login: login.login, password: login.pass, groups: [{ code: 'MyCompany_MyShop', version, inn: reqSell.receipt.company.inn, paymentAddress: reqSell.receipt.company.payment_address }] }],
      });
      closers.push(emu);
      const post = async (p: string, body: unknown, headers: Record<string, string> = {}) => {
        const res = await fetch(`${emu.url}/possystem/${version}/${p}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as Json };
      };
      const tok = await post('getToken', login);
      expect(shapeDiff(sample(version, 'get-token.response.json'), tok.body)).toEqual([]);
      const badLogin = await post('getToken', { ...login, pass: 'nope' });
      expect(shapeDiff(sample(version, 'get-token.error.json'), badLogin.body)).toEqual([]);
      expect((badLogin.body.error as Json).code).toBe(12);
      const token = String(tok.body.token);

      const reg = await post('MyCompany_MyShop/sell', reqSell, { token });
      expect(reg.status).toBe(200);
      expect(shapeDiff(sample(version, 'register.response.json'), reg.body)).toEqual([]);
      expect(String(reg.body.timestamp)).toMatch(STAMP);
      // The documents use the same external_id for both examples; ATOL would answer 33 to the second one.
      const dup = await post('MyCompany_MyShop/sell', reqSell, { token });
      expect(dup.status).toBe(400);
      expect((dup.body.error as Json).code).toBe(33);
      const corr = await post('MyCompany_MyShop/sell_correction', { ...sample(version, 'correction.request.json'), external_id: 'correction-1' }, { token });
      expect(corr.status).toBe(200);
      expect(shapeDiff(sample(version, 'register.response.json'), corr.body)).toEqual([]);

      const report = async (uuid: string) => {
        const res = await fetch(`${emu.url}/possystem/${version}/MyCompany_MyShop/report/${uuid}`, { headers: { token } });
        return (await res.json()) as Json;
      };
      await waitFor(() => emu.documents().every((d) => d.status !== 'wait'), 'vendor samples processed', 5000);
      const done = await report(String(reg.body.uuid));
      expect(done.status).toBe('done');
      expect(shapeDiff(sample(version, 'report.done.json'), done)).toEqual([]);
      expect((done.payload as Json).total).toBe(version === 'v4' ? 400 : 120);
      // Every other request example of the document is taken too (registration; the KKT checks come later).
      for (const s of manifest.samples.filter((x) => x.version === version && x.file.startsWith(`${version}/examples/`))) {
        const r = await post(`MyCompany_MyShop/${s.op!}`, { ...load(s.file), external_id: s.file }, { token });
        expect({ file: s.file, status: r.status, error: r.body.error }).toEqual({ file: s.file, status: 200, error: null });
      }
      const unknown = await report('00000000-0000-4000-8000-000000000000');
      expect(shapeDiff(sample(version, 'report.error-34.json'), unknown)).toEqual([]);
      expect((unknown.error as Json).code).toBe(34);
    });
  }
});
