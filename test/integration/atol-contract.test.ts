import { afterEach, describe, expect, it } from 'vitest';
import {
  buildReceipt,
  atolRequest,
  createAtolProvider,
  kassaErrorToSyncError,
  parseAtolCallback,
  type AtolConfig,
  type AtolProviderOptions,
  type ReceiptDraft,
  type ReceiptInput,
} from '../../src-main/engine/connectors/kassa/index.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { RateLimiters } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { startAtolEmulator, type AtolEmulatorOptions } from '../emulators/atol/server.js';
import { listen, readBody } from '../helpers/servers.js';
import { waitFor } from '../helpers/temp.js';

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

const V4 = { login: 'v4-online-atol-ru', password: 'iGFFuihss', groupCode: 'v4-online-atol-ru_4179', paymentAddress: 'https://v4.online.atol.ru' };
const V5 = { login: 'v5-online-atol-ru', password: 'zUr0OxfI', groupCode: 'v5-online-atol-ru_5179', paymentAddress: 'https://v5.online.atol.ru' };
const INN = '5544332219';

async function setup(o: { emu?: AtolEmulatorOptions; config?: Partial<AtolConfig>; provider?: Partial<AtolProviderOptions> } = {}) {
  const emu = await startAtolEmulator({ processingMs: 50, ...o.emu });
  closers.push(emu);
  const redactor = new Redactor();
  const v = o.config?.version ?? 'v4';
  const acc = v === 'v4' ? V4 : V5;
  const config: AtolConfig = { version: v, baseUrl: emu.url, login: acc.login, password: acc.password, groupCode: acc.groupCode, ...o.config };
  const provider = createAtolProvider({ config, redactor, timeoutMs: 3000, ...o.provider });
  return { emu, provider, redactor, config };
}

function input(patch: Partial<ReceiptInput> = {}): ReceiptInput {
  const ffd = patch.ffd ?? '1.05';
  return {
    op: 'sell',
    externalId: 'receipt:sell:1017:pay-1',
    items: [
      { name: 'Курс «Йога для начинающих»', priceKopecks: 300_000, quantity: 1, vat: 'none', paymentObject: 'service' },
      { name: 'Коврик', priceKopecks: 150_050, quantity: 2, vat: 'none' },
    ],
    payments: [{ kind: 'cashless', kopecks: 600_100 }],
    customer: { email: 'buyer@example.com', phone: '+7 916 123-45-67' },
    company: { inn: INN, sno: 'usn_income', email: 'shop@example.com', paymentAddress: ffd === '1.2' ? V5.paymentAddress : V4.paymentAddress },
    settlement: 'full_payment',
    ffd,
    createdAt: new Date('2030-02-01T10:45:07Z'),
    ...patch,
  };
}

async function failureOf(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

/** Polls until the receipt leaves the queue; bounded by count (and the 1 rps limiter makes each poll ≥ 1 s). */
async function settle(provider: ReturnType<typeof createAtolProvider>, ref: string, max = 8) {
  for (let i = 0; i < max; i++) {
    const s = await provider.status(ref);
    if (s.state !== 'queued') return s;
    await new Promise((r) => setTimeout(r, 60));
  }
  throw new Error(`receipt ${ref} still queued after ${max} polls`);
}

describe('ATOL Online connector against the emulator', () => {
  it('registers a sell receipt and reads its fiscal attributes; token and headers as the protocol wants', async () => {
    const { emu, provider, redactor } = await setup();
    const draft = buildReceipt(input());
    const sub = await provider.submit(draft);
    expect(sub.state).toBe('queued');

    const doc = emu.document(sub.providerRef)!;
    expect(doc.externalId).toBe('receipt:sell:1017:pay-1');
    expect(doc.operation).toBe('sell');
    // 10:45:07 UTC is 13:45:07 in Moscow.
    expect(doc.body.timestamp).toBe('01.02.2030 13:45:07');
    const receipt = doc.body.receipt as { client: unknown; total: number; items: Array<Record<string, unknown>>; payments: unknown };
    expect(receipt.client).toEqual({ email: 'buyer@example.com' });
    expect(receipt.total).toBe(6001);
    expect(receipt.items[1]).toMatchObject({ name: 'Коврик', price: 1500.5, quantity: 2, sum: 3001, payment_method: 'full_payment', payment_object: 'commodity', vat: { type: 'none' } });
    expect(receipt.payments).toEqual([{ type: 1, sum: 6001 }]);

    const reg = emu.requests.find((r) => r.path.endsWith('/sell'))!;
    expect(reg.path).toBe('/possystem/v4/v4-online-atol-ru_4179/sell');
    expect(reg.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(typeof reg.headers.token).toBe('string');
    const token = reg.headers.token as string;
    expect(redactor.redact(`Token: ${token}`)).not.toContain(token);
    expect(redactor.redact('pass iGFFuihss')).not.toContain('iGFFuihss');

    const s = await settle(provider, sub.providerRef);
    expect(s.state).toBe('done');
    expect(s.fiscal).toMatchObject({
      total: 600_100,
      shift_number: 1,
      fn_number: '9999078900004792',
      ecr_registration_number: '0000000001002292',
      fns_site: 'www.nalog.gov.ru',
      // v4 reports carry the OFD too (document 5.23 §6.3 example).
      ofd_inn: '7704211201',
      ofd_receipt_url: expect.stringMatching(/^https:\/\/consumer\.1-ofd\.ru\//) as unknown as string,
    });
    expect(s.fiscal!.fiscal_receipt_number).toBeGreaterThan(0);
    expect(s.fiscal!.fiscal_document_number).toBeGreaterThan(0);
    expect(s.fiscal!.fiscal_document_attribute).toBeGreaterThan(0);
    expect(s.fiscal!.receipt_datetime).toMatch(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/);
    expect(s.fiscal!.qr).toMatch(new RegExp(`^t=\\d{8}T\\d{4}&s=6001\\.00&fn=9999078900004792&i=${s.fiscal!.fiscal_document_number}&fp=\\d+&n=1$`));
    expect(emu.tokensIssued()).toBe(1);
  });

  it('keeps the token for its lifetime and renews it early, before ATOL would expire it', async () => {
    let clock = Date.now();
    const { emu, provider } = await setup({ provider: { now: () => clock } });
    await provider.submit(buildReceipt(input({ externalId: 'r:1' })));
    await provider.submit(buildReceipt(input({ externalId: 'r:2' })));
    expect(emu.tokensIssued()).toBe(1);
    clock += 21 * 3_600_000;
    await provider.submit(buildReceipt(input({ externalId: 'r:3' })));
    expect(emu.tokensIssued()).toBe(1);
    clock += 1.5 * 3_600_000; // 22.5 h: renewed although the emulator (24 h) would still accept the old one
    await provider.submit(buildReceipt(input({ externalId: 'r:4' })));
    expect(emu.tokensIssued()).toBe(2);
    expect(emu.requests.filter((r) => r.code === 11 || r.code === 10)).toHaveLength(0);
    const tokens = new Set(emu.requests.filter((r) => r.path.endsWith('/sell')).map((r) => r.headers.token));
    expect(tokens.size).toBe(2);
  });

  it('an expired token is renewed once and the same receipt sent again; a token that keeps failing is a retryable error', async () => {
    const { emu, provider } = await setup();
    await provider.submit(buildReceipt(input({ externalId: 'r:1' })));
    emu.expireTokens();
    const sub = await provider.submit(buildReceipt(input({ externalId: 'r:2' })));
    expect(sub.state).toBe('queued');
    const sells = emu.requests.filter((r) => r.path.endsWith('/sell'));
    expect(sells.map((r) => r.code)).toEqual([null, 11, null]);
    expect(emu.tokensIssued()).toBe(2);
    expect(emu.documents()).toHaveLength(2);

    // Every token expires at once: one renewal, then a retryable error (no loop).
    const short = await setup({ emu: { tokenTtlMs: 0 } });
    const err = await failureOf(short.provider.submit(buildReceipt(input())));
    expect(err.kind).toBe('retryable');
    expect(err.message).toMatch(/Токен доступа/);
    expect(short.emu.requests.filter((r) => r.path.endsWith('/sell'))).toHaveLength(2);
    expect(short.emu.tokensIssued()).toBe(2);
  });

  it('wrong credentials are an auth error in Russian (401 and the older 400), and the password never shows', async () => {
    for (const badLoginStatus of [401, 400] as const) {
      const { emu, provider } = await setup({ emu: { badLoginStatus }, config: { password: 'wrong-password-1' } });
      const err = await failureOf(provider.submit(buildReceipt(input())));
      expect(err.kind).toBe('auth');
      expect(err.code).toBe(12);
      expect(err.message).toMatch(/логин или пароль/);
      expect(`${err.message}${err.detail}`).not.toContain('wrong-password-1');
      expect(emu.requests.filter((r) => r.path.endsWith('/sell'))).toHaveLength(0);
    }
  });

  it('a repeated external_id adopts the original document (error 33 is not a failure)', async () => {
    const { emu, provider } = await setup();
    const draft = buildReceipt(input());
    const first = await provider.submit(draft);
    const again = await provider.submit(draft);
    expect(again).toEqual({ providerRef: first.providerRef, state: 'duplicate' });
    expect(emu.documents()).toHaveLength(1);
    expect(emu.requests.filter((r) => r.path.endsWith('/sell')).map((r) => r.code)).toEqual([null, 33]);
    // A fresh provider (after a restart) adopts it too.
    const restarted = createAtolProvider({
      config: { version: 'v4', baseUrl: emu.url, login: V4.login, password: V4.password, groupCode: V4.groupCode },
      redactor: new Redactor(),
    });
    expect(await restarted.submit(draft)).toEqual({ providerRef: first.providerRef, state: 'duplicate' });
    expect((await settle(restarted, first.providerRef)).state).toBe('done');
  });

  it('maps every service error: transient ones are retryable, configuration ones need settings, our bugs are fatal', async () => {
    const { emu, provider } = await setup();
    const cases: Array<[number, SyncError['kind'], RegExp]> = [
      [0, 'needsAttention', /не смогла разобрать запрос/],
      [1, 'retryable', /Повторим автоматически/],
      [14, 'auth', /заблокирован/],
      [20, 'auth', /Код группы/],
      [30, 'fatal', /ошибка Прилавка/],
      [31, 'fatal', /ошибка Прилавка/],
      [32, 'needsAttention', /отклонила данные чека: Ошибка валидации входящего чека/],
      [40, 'fatal', /ошибка Прилавка/],
      [41, 'fatal', /Content-Type/],
      [50, 'retryable', /временно неисправен/],
    ];
    for (const [code, kind, message] of cases) {
      emu.serviceErrorNext(1, code);
      const err = await failureOf(provider.submit(buildReceipt(input({ externalId: `svc:${code}` }))));
      expect({ code: err.code, kind: err.kind }).toEqual({ code, kind });
      expect(err.message).toMatch(message);
      expect(err.system).toBe('kassa');
    }
    // Nothing was registered, so the same external_id goes through afterwards.
    expect((await provider.submit(buildReceipt(input({ externalId: 'svc:32' })))).state).toBe('queued');

    // The transport: 5xx, a dropped connection and a malformed answer are retryable (the external_id dedupes).
    emu.faults.failNext(1, 500);
    expect((await failureOf(provider.submit(buildReceipt(input({ externalId: 'f:1' }))))).kind).toBe('retryable');
    emu.faults.dropNext(1);
    expect((await failureOf(provider.submit(buildReceipt(input({ externalId: 'f:2' }))))).kind).toBe('retryable');
    emu.faults.malformedNext(1);
    expect((await failureOf(provider.submit(buildReceipt(input({ externalId: 'f:3' }))))).kind).toBe('retryable');
  });

  it('a group of the other protocol version is a settings error (21)', async () => {
    const { provider } = await setup({ config: { version: 'v4', login: V5.login, password: V5.password, groupCode: V5.groupCode } });
    const err = await failureOf(provider.submit(buildReceipt(input())));
    expect(err.kind).toBe('auth');
    expect(err.code).toBe(21);
    expect(err.message).toMatch(/другой версией протокола/);
  });

  it('KKT errors in the report: fix the receipt, transient, administrator, queue timeout, registration mismatch', async () => {
    const { emu, provider } = await setup();
    const cases: Array<[{ code: number; type?: 'driver' | 'timeout' }, string, RegExp]> = [
      [{ code: -3805 }, 'kkt_fix_receipt', /нулевая цена/],
      [{ code: -3895 }, 'kkt_fix_receipt', /e-mail или телефон/],
      [{ code: -3817 }, 'transient', /временно/],
      [{ code: -3822 }, 'kkt_admin', /смена открыта больше 24 часов/],
      [{ code: -3933 }, 'kkt_admin', /фискальный накопитель/],
      [{ code: 1, type: 'timeout' }, 'transient', /не успела пробить чек/],
    ];
    const refs: string[] = [];
    for (const [e] of cases) {
      emu.failNextDocuments(1, e);
      refs.push((await provider.submit(buildReceipt(input({ externalId: `kkt:${e.code}:${e.type ?? ''}` })))).providerRef);
    }
    // A receipt with an INN the KKT is not registered with fails with driver error 2.
    const wrongInn = (await provider.submit(buildReceipt(input({ externalId: 'kkt:inn', company: { ...input().company, inn: '7701234567' } })))).providerRef;
    await waitFor(() => emu.documents().every((d) => d.status !== 'wait'), 'documents processed', 5000);
    for (const [i, [e, kind, message]] of cases.entries()) {
      const s = await provider.status(refs[i]!);
      expect(s.state).toBe('failed');
      expect(s.error).toMatchObject({ kind, code: e.code });
      expect(s.error!.message).toMatch(message);
    }
    const s = await provider.status(wrongInn);
    expect(s.error).toMatchObject({ kind: 'config', code: 2 });
    expect(s.error!.message).toMatch(/ИНН или место расчётов/);
  });

  it('report polling never exceeds 1 request/s per group, even from parallel jobs sharing the limiter', async () => {
    // Shared per-account budgets, as the engine passes them to every connector.
    const limiters = new RateLimiters();
    const { emu, provider, config } = await setup({ emu: { processingMs: 10_000 }, provider: { limiters } });
    const second = createAtolProvider({ config, redactor: new Redactor(), limiters });
    const a = await provider.submit(buildReceipt(input({ externalId: 'p:1' })));
    const b = await second.submit(buildReceipt(input({ externalId: 'p:2' })));
    const results = await Promise.all([provider.status(a.providerRef), second.status(b.providerRef), provider.status(b.providerRef), second.status(a.providerRef)]);
    expect(results.every((r) => r.state === 'queued')).toBe(true);
    const times = emu.reportTimes(V4.groupCode);
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);
    expect(emu.rateViolations()).toBe(0);

    // The emulator does enforce the limit: two immediate raw requests, the second refused.
    const token = emu.requests.find((r) => r.path.endsWith('/sell'))!.headers.token as string;
    const raw = () => fetch(`${emu.url}/possystem/v4/${V4.groupCode}/report/${a.providerRef}`, { headers: { token } });
    await raw();
    const refused = await raw();
    expect(refused.status).toBe(429);
    expect(emu.rateViolations()).toBeGreaterThan(0);
  });

  it('an unknown or too old document is «not found yet» (34 with HTTP 200): queued, never resent', async () => {
    const { emu, provider } = await setup({ emu: { reportRatePerSec: 0 } });
    expect(await provider.status('00000000-0000-4000-8000-000000000000')).toEqual({ state: 'queued' });
    const sub = await provider.submit(buildReceipt(input()));
    emu.ageDocuments(33 * 86_400_000);
    expect(await provider.status(sub.providerRef)).toEqual({ state: 'queued' });
    expect(emu.requests.filter((r) => r.path.includes('/report/')).map((r) => [r.status, r.code])).toEqual([
      [200, 34],
      [200, 34],
    ]);
    expect(emu.requests.filter((r) => r.path.endsWith('/sell'))).toHaveLength(1);
  });

  it('the callback arrives at a local server with the report, and parses to the same result as polling', async () => {
    const received: string[] = [];
    const cb = await listen((req, res) => {
      void readBody(req).then((b) => {
        received.push(b);
        res.writeHead(200).end('ok');
      });
    });
    closers.push(cb);
    const { emu, provider } = await setup({ config: { callbackUrl: `${cb.url}/kassa/atol` } });
    const sub = await provider.submit(buildReceipt(input()));
    expect((emu.document(sub.providerRef)!.body.service as { callback_url: string }).callback_url).toBe(`${cb.url}/kassa/atol`);
    await waitFor(() => received.length > 0, 'the ATOL callback', 5000);
    const hint = parseAtolCallback(received[0]!);
    expect(hint).toMatchObject({ uuid: sub.providerRef, externalId: 'receipt:sell:1017:pay-1', state: 'done' });
    expect(hint.fiscal!.total).toBe(600_100);
    const confirmed = await provider.status(sub.providerRef);
    expect(confirmed.fiscal!.fiscal_document_number).toBe(hint.fiscal!.fiscal_document_number);
    expect(emu.callbacks).toHaveLength(1);
    expect(emu.callbacks[0]!.status).toBe(200);
  });

  it('v5 sends measure, numeric payment_object and per-item VAT, and reads the OFD link', async () => {
    const { emu, provider } = await setup({ config: { version: 'v5' } });
    expect(provider.id).toBe('atol-v5');
    const draft = buildReceipt(
      input({
        ffd: '1.2',
        settlement: 'full_prepayment',
        items: [
          { name: 'Сыр', priceKopecks: 99_900, quantity: 0.5, vat: 'vat10', measure: 'kilogram' },
          { name: 'Курс', priceKopecks: 100_000, quantity: 1, vat: 'vat20', paymentObject: 'service' },
        ],
        payments: [{ kind: 'cashless', kopecks: 149_950 }],
      }),
    );
    const sub = await provider.submit(draft);
    const doc = emu.document(sub.providerRef)!;
    const items = (doc.body.receipt as { items: Array<Record<string, unknown>> }).items;
    expect(emu.requests.find((r) => r.path.endsWith('/sell'))!.path).toBe('/possystem/v5/v5-online-atol-ru_5179/sell');
    expect(items[0]).toEqual({ name: 'Сыр', price: 999, quantity: 0.5, sum: 499.5, measure: 11, payment_method: 'full_prepayment', payment_object: 1, vat: { type: 'vat110', sum: 45.41 } });
    expect(items[1]).toMatchObject({ measure: 0, payment_object: 4, vat: { type: 'vat120', sum: 166.67 } });
    expect(items.every((i) => !('measurement_unit' in i))).toBe(true);
    const s = await settle(provider, sub.providerRef);
    expect(s.fiscal!.ofd_receipt_url).toMatch(/^https:\/\//);
    expect(s.fiscal!.ofd_inn).toBe('7704211201');

    // A draft built for FFD 1.05 is refused by the v5 provider before sending.
    const err = await failureOf(provider.submit(buildReceipt(input({ externalId: 'v4-draft' }))));
    expect(err.kind).toBe('needsAttention');
    expect(err.message).toMatch(/ФФД 1\.05/);
  });

  it('refuses a request the schema rejects before sending it: the emulator never sees it', async () => {
    const { emu, provider } = await setup();
    const good = buildReceipt(input());
    const bad: ReceiptDraft[] = [
      { ...good, items: [{ ...good.items[0]!, name: 'Я'.repeat(129) }, good.items[1]!] },
      { ...good, items: [{ ...good.items[0]!, vat: 'vat21' as never }, good.items[1]!] },
      { ...good, customer: {} },
      { ...good, company: { ...good.company, inn: '12345' } },
      { ...good, items: [{ ...good.items[0]!, qty: 1.0000001 }, good.items[1]!] },
      // sum ≠ price × quantity: ATOL no longer corrects it, so it never leaves.
      { ...good, items: [good.items[0]!, { ...good.items[1]!, sumKop: good.items[1]!.sumKop - 1 }], totalKop: good.totalKop - 1, payments: [{ kind: 'cashless', sumKop: good.totalKop - 1 }] },
    ];
    const fields = ['items[0].name', 'items[0].vat.type', 'receipt.client', 'company.inn', 'items[0].quantity', 'items[1].sum'];
    for (const [i, d] of bad.entries()) {
      const issues = provider.validate(d);
      expect(issues.map((x) => x.field).join(' ')).toContain(fields[i]);
      const err = await failureOf(provider.submit(d));
      expect(err.kind).toBe('needsAttention');
      expect(err.message).toMatch(/^Чек не отправлен в онлайн-кассу/);
      expect(err.detail).toContain(fields[i]);
    }
    expect(provider.validate(good)).toEqual([]);
    expect(emu.requests).toHaveLength(0);
  });

  it('error 13 (a malformed sign-in, v5) is a settings error, on sign-in and on registration alike', async () => {
    // ATOL v5 answers 13 to a login or password it cannot accept at all (here: longer than 100 characters).
    const { emu, provider } = await setup({ config: { version: 'v5', password: 'p'.repeat(101) } });
    const err = await failureOf(provider.submit(buildReceipt(input({ ffd: '1.2' }))));
    expect({ code: err.code, kind: err.kind }).toEqual({ code: 13, kind: 'auth' });
    expect(err.message).toMatch(/логин или пароль в неверном формате/);
    expect(emu.requests.map((r) => [r.path, r.code])).toEqual([['/possystem/v5/getToken', 13]]);

    const ok = await setup({ config: { version: 'v5' } });
    ok.emu.serviceErrorNext(1, 13);
    const reg = await failureOf(ok.provider.submit(buildReceipt(input({ ffd: '1.2', externalId: 'svc:13' }))));
    expect({ code: reg.code, kind: reg.kind }).toEqual({ code: 13, kind: 'auth' });
  });

  it('the emulator\'s own KKT checks (-3896 non-cash over the total, -3897 underpaid) and positive driver codes 3 and 4 end in the right class', async () => {
    const { emu, provider } = await setup({ emu: { reportRatePerSec: 0 } });
    // A request the draft checks would never let out: payments that disagree with the total, sent raw.
    const tokenRes = await fetch(`${emu.url}/possystem/v4/getToken`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ login: V4.login, pass: V4.password }) });
    const { token } = (await tokenRes.json()) as { token: string };
    const rawSell = async (externalId: string, payments: Array<{ type: number; sum: number }>) => {
      const body = atolRequest(buildReceipt(input({ externalId })), 'v4').body as { receipt: { payments: unknown } };
      body.receipt.payments = payments;
      const res = await fetch(`${emu.url}/possystem/v4/${V4.groupCode}/sell`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', token }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { uuid: string }).uuid;
    };
    const over = await rawSell('kkt:over', [{ type: 1, sum: 7000 }]); // total 6001
    const under = await rawSell('kkt:under', [{ type: 1, sum: 5000 }]);
    const change = await rawSell('kkt:change', [{ type: 0, sum: 7000 }]); // cash may exceed: change is given
    // Injected errors go to the next documents the KKT processes: these three first.
    await waitFor(() => emu.documents().every((d) => d.status !== 'wait'), 'raw documents processed', 5000);
    emu.failNextDocuments(1, { code: 3, type: 'driver', text: 'Неверная дата/время в ККТ' });
    const clock = (await provider.submit(buildReceipt(input({ externalId: 'kkt:3' })))).providerRef;
    emu.failNextDocuments(1, { code: 4, type: 'driver', text: 'Тип документа недоступен' });
    const docType = (await provider.submit(buildReceipt(input({ externalId: 'kkt:4' })))).providerRef;
    await waitFor(() => emu.documents().every((d) => d.status !== 'wait'), 'documents processed', 5000);

    const expected: Array<[string, number, string, RegExp]> = [
      [over, -3896, 'kkt_fix_receipt', /безналичная оплата больше суммы чека/],
      [under, -3897, 'kkt_fix_receipt', /чек оплачен не полностью/],
      [clock, 3, 'kkt_admin', /неверные дата и время/],
      [docType, 4, 'config', /тип документа недоступен/],
    ];
    for (const [ref, code, kind, message] of expected) {
      const s = await provider.status(ref);
      expect(s.state).toBe('failed');
      expect(s.error).toMatchObject({ kind, code });
      expect(s.error!.message).toMatch(message);
      // None of them is fixed by sending the same receipt again: the merchant is asked.
      expect(kassaErrorToSyncError(s.error!).kind).toBe(kind === 'config' ? 'auth' : 'needsAttention');
    }
    expect((await provider.status(change)).state).toBe('done');
  });

  it('a v4 (FFD 1.05) receipt at 22 % VAT is built and accepted by the emulator with the current schema (document 5.23)', async () => {
    const { emu, provider } = await setup();
    const d = buildReceipt(
      input({
        items: [
          { name: 'Чайник', priceKopecks: 244_000, quantity: 1, vat: 'vat22' },
          { name: 'Сыр', priceKopecks: 99_900, quantity: 0.345678, vat: 'vat10', measure: 'kilogram' },
        ],
        payments: [{ kind: 'cashless', kopecks: 244_000 + 34_533 }],
      }),
    );
    expect(provider.validate(d)).toEqual([]);
    const sub = await provider.submit(d);
    const sent = JSON.parse(emu.requests.find((r) => r.path.endsWith('/sell'))!.body) as { receipt: { items: Array<{ vat: unknown; quantity: number; sum: number }> } };
    expect(sent.receipt.items[0]!.vat).toEqual({ type: 'vat22', sum: 440 });
    expect(sent.receipt.items[1]).toMatchObject({ quantity: 0.345678, sum: 345.33 });
    const s = await settle(provider, sub.providerRef);
    expect(s.state).toBe('done');
    expect(s.fiscal!.total).toBe(278_533);
  });

  it('the emulator refuses sum ≠ price × quantity and the v5 rules (phone, sno, receipt-level agent data) with error 32', async () => {
    const raw = async (version: 'v4' | 'v5', patch: (b: { receipt: Record<string, unknown> & { items: Array<Record<string, unknown>>; company: Record<string, unknown> } }) => void) => {
      const { emu } = await setup({ config: { version } });
      const acc = version === 'v4' ? V4 : V5;
      const tokenRes = await fetch(`${emu.url}/possystem/${version}/getToken`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ login: acc.login, pass: acc.password }) });
      const { token } = (await tokenRes.json()) as { token: string };
      const body = atolRequest(buildReceipt(input({ ffd: version === 'v4' ? '1.05' : '1.2' })), version).body as Parameters<typeof patch>[0];
      patch(body);
      const res = await fetch(`${emu.url}/possystem/${version}/${acc.groupCode}/sell`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', token }, body: JSON.stringify(body) });
      const answer = (await res.json()) as { error: { code: number; text: string } | null };
      return { status: res.status, code: answer.error?.code ?? null, text: answer.error?.text ?? '', stored: emu.documents().length };
    };
    for (const version of ['v4', 'v5'] as const) {
      const r = await raw(version, (b) => {
        b.receipt.items[1]!.sum = 3001.01; // 1500.50 × 2 = 3001.00
        b.receipt.total = 6001.01;
        (b.receipt.payments as Array<{ sum: number }>)[0]!.sum = 6001.01;
      });
      expect(r).toMatchObject({ status: 400, code: 32, stored: 0 });
      expect(r.text).toContain('receipt.items[1].sum (не равна цене × количество');
    }
    const phone = await raw('v5', (b) => (b.receipt.client = { phone: '89161234567' }));
    expect(phone).toMatchObject({ code: 32, stored: 0 });
    expect(phone.text).toContain('receipt.client.phone');
    const sno = await raw('v5', (b) => delete b.receipt.company.sno);
    expect(sno.text).toContain('receipt.company.sno (обязательное поле не заполнено)');
    const agent = await raw('v5', (b) => (b.receipt.agent_info = { type: 'another' }));
    expect(agent.text).toContain('receipt.agent_info (поле не предусмотрено протоколом этой версии)');
    const emoji = await raw('v5', (b) => (b.receipt.items[0]!.name = '🧘'.repeat(65)));
    expect(emoji.text).toContain('receipt.items[0].name (длиннее 128 символов)');
    // v5's own «none» phone (no phone, the e-mail carries the receipt) is accepted.
    expect(await raw('v5', (b) => (b.receipt.client = { phone: 'none', email: 'a@b.ru' }))).toMatchObject({ status: 200, code: null, stored: 1 });
  });

  it('the emulator refuses an invalid raw request with error 32, naming the fields, and keeps nothing', async () => {
    for (const version of ['v4', 'v5'] as const) {
      const { emu } = await setup({ config: { version } });
      const acc = version === 'v4' ? V4 : V5;
      const tokenRes = await fetch(`${emu.url}/possystem/${version}/getToken`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ login: acc.login, pass: acc.password }) });
      const { token } = (await tokenRes.json()) as { token: string };
      const body = atolRequest(buildReceipt(input({ ffd: version === 'v4' ? '1.05' : '1.2' })), version).body as { receipt: { company: Record<string, unknown>; items: Array<Record<string, unknown>> } };
      delete body.receipt.company.inn;
      body.receipt.items[0]!.name = 'Я'.repeat(129);
      body.receipt.items[1]!.price = '1500.50';
      const res = await fetch(`${emu.url}/possystem/${version}/${acc.groupCode}/sell`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', token }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: { code: number; text: string; type: string }; status: string };
      expect(answer.status).toBe('fail');
      expect(answer.error.code).toBe(32);
      expect(answer.error.text).toMatch(/^Ошибочные поля: /);
      for (const field of ['receipt.company.inn', 'receipt.items[0].name', 'receipt.items[1].price']) expect(answer.error.text).toContain(field);
      expect(emu.documents()).toHaveLength(0);
      // The same external_id is free afterwards: nothing was stored under it.
      const fixed = atolRequest(buildReceipt(input({ ffd: version === 'v4' ? '1.05' : '1.2' })), version).body;
      const again = await fetch(`${emu.url}/possystem/${version}/${acc.groupCode}/sell`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', token }, body: JSON.stringify(fixed) });
      expect(again.status).toBe(200);
      expect(emu.documents()).toHaveLength(1);
    }
  });
});
