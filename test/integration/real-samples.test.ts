import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLifePosClient, parseLifePosNotification, paymentsOf, type LpMoneyDoc } from '../../src-main/engine/connectors/lifepos/index.js';
import { createRetailCrmClient } from '../../src-main/engine/connectors/retailcrm/index.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { RateLimiters } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { siteOutlets } from '../../src-main/engine/flows/pos/rules.js';
import { startLifePosEmulator } from '../emulators/lifepos/server.js';
import { allScopes, startRetailCrmEmulator } from '../emulators/retailcrm/server.js';
import { listen, readBody, type TestServer } from '../helpers/servers.js';

/*
 * Real answers (test/fixtures/real, each with its source) are the reference. Every client is run against them
 * replayed over loopback, and the same requests go to our emulators: an emulator whose answer disagrees with the
 * real one in shape — a key spelled differently, a list where there is a map, a missing field every real item
 * has, another status — fails here.
 */

interface Sample {
  source: string;
  request: { method: string; path: string; query?: Record<string, string>; form?: Record<string, string>; headers?: Record<string, string>; body?: unknown };
  response: { status: number; body: unknown };
}

const ROOT = join(import.meta.dirname, '../fixtures/real');
const load = (system: string, name: string): Sample => JSON.parse(readFileSync(join(ROOT, system, `${name}.json`), 'utf8')) as Sample;

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A server that answers each request with the sample whose method and path (placeholders `{x}` match a segment) fit. */
async function replay(samples: Sample[]): Promise<TestServer & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const pattern = (p: string) => new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  const s = await listen((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      seen.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      if (url.pathname === '/auth/sign-in-by-phone') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t-1"}');
      if (/\/me$/.test(url.pathname)) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"guid":"me-1","name":"Владелец","role":"Owner"}');
      const hit = samples.find((x) => x.request.method === req.method && pattern(x.request.path).test(url.pathname));
      if (!hit) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NotFound","message":"no sample"}');
      if (hit.response.body === null) return void res.writeHead(hit.response.status).end();
      res.writeHead(hit.response.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(hit.response.body));
    });
  });
  closers.push(s);
  return Object.assign(s, { seen });
}

// ------------------------------------------------------------------------------------------ shape agreement

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Where `emu` disagrees with `real` in shape: a value of another kind, a key the real answer spells in another case
 * (`inn` for `INN`), a key every real item has that the emulator lacks. `maps` names paths whose objects are keyed by
 * data (site codes), compared value by value.
 */
function disagreements(real: unknown, emu: unknown, path = '', maps: string[] = [], required: string[] = REQUIRED): string[] {
  if (real === null || emu === null || real === undefined || emu === undefined) return [];
  if (kind(real) !== kind(emu)) return [`${path || '/'}: ${kind(emu)} where the real answer has ${kind(real)}`];
  if (Array.isArray(real) && Array.isArray(emu)) return emu.flatMap((e, i) => disagreements(mergeItems(real), e, `${path}[${i}]`, maps, required));
  if (kind(real) !== 'object') return [];
  const r = real as Record<string, unknown>;
  const e = emu as Record<string, unknown>;
  if (maps.includes(path)) {
    const realItems = mergeItems(Object.values(r));
    return Object.entries(e).flatMap(([k, v]) => disagreements(realItems, v, `${path}.${k}`, maps, required));
  }
  const out: string[] = [];
  const lower = new Map(Object.keys(r).map((k) => [k.toLowerCase(), k]));
  for (const [k, v] of Object.entries(e)) {
    if (k in r) out.push(...disagreements(r[k], v, `${path}.${k}`, maps, required));
    else if (lower.has(k.toLowerCase())) out.push(`${path}.${k}: the real answer spells it ${lower.get(k.toLowerCase())}`);
  }
  const always = (r as { [ALWAYS]?: Set<string> })[ALWAYS];
  for (const k of always ?? Object.keys(r)) if (required.includes(k) && !(k in e)) out.push(`${path}.${k}: missing (every real item has it)`);
  return out;
}

const ALWAYS = Symbol('keys every item has');

/** The keys the clients read: where every real item has one, the emulator's items must have it too. */
const REQUIRED = [
  'success', 'code', 'name', 'legalName', 'contragentType', 'contragent', 'INN', 'address', 'stores', 'sites', 'legalEntities', 'customersCorporate', 'pagination',
  'guid', 'type_of', 'number', 'state', 'payment_status', 'shipping_status', 'outlet', 'opened_by', 'opened_at', 'total_sum', 'positions',
  'good_type', 'uom', 'quantity', 'sale_price', 'value', 'currency', 'sale', 'sum_by_cash', 'sum_by_card', 'for_payment', 'items', 'next_page_token', 'updated_at',
];

/** The real items merged into one: every key any item has, and the keys all of them have. */
function mergeItems(items: unknown[]): unknown {
  const objs = items.filter((x): x is Record<string, unknown> => kind(x) === 'object');
  if (objs.length === 0) return items[0];
  const merged: Record<string, unknown> & { [ALWAYS]?: Set<string> } = {};
  for (const o of objs) for (const [k, v] of Object.entries(o)) if (merged[k] === undefined || merged[k] === null) merged[k] = v;
  merged[ALWAYS] = new Set(Object.keys(objs[0]!).filter((k) => objs.every((o) => k in o)));
  return merged;
}

// ------------------------------------------------------------------------------------------ every sample

describe('real samples', () => {
  it('every sample in test/fixtures/real parses; RetailCRM and LIFE POS samples name their source, request and answer', () => {
    const all = readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
    for (const f of all) expect(() => JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as unknown, f).not.toThrow();
    const files = all.filter((f) => /^(retailcrm|lifepos)[\\/]/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const f of files) {
      const s = JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as Sample;
      expect(s.source, f).toMatch(/\S{10,}/);
      expect(s.request.method, f).toMatch(/^(GET|POST|PATCH)$/);
      expect(s.request.path, f).toMatch(/^\/|^\(our webhook\)$/);
      expect(s.response.status, f).toBeGreaterThanOrEqual(200);
    }
    // The shape comparison itself catches what the old guesses got wrong.
    const legal = load('retailcrm', 'reference-legal-entities').response.body as { legalEntities: Array<Record<string, unknown>> };
    expect(disagreements(legal, { success: true, legalEntities: [{ code: 'x', legalName: 'y', contragentType: 'legal-entity', inn: '7701234567' }] })).toEqual([
      '.legalEntities[0].inn: the real answer spells it INN',
    ]);
    expect(disagreements(load('retailcrm', 'reference-sites').response.body, { success: true, sites: [] })).toEqual(['.sites: array where the real answer has object']);
    const sale = load('lifepos', 'sale-get').response.body as { positions: Array<Record<string, unknown>> };
    expect(disagreements(sale, { ...sale, positions: [{ name: 'x', quantity: 1, price: { value: 1 } }] })).toEqual(
      expect.arrayContaining(['.positions[0].good_type: missing (every real item has it)', '.positions[0].sale_price: missing (every real item has it)']),
    );
    // Each system's folder says where its samples come from.
    for (const dir of ['retailcrm', 'lifepos']) expect(readFileSync(join(ROOT, dir, 'README.md'), 'utf8')).toMatch(/Source/);
  });
});

// ------------------------------------------------------------------------------------------ RetailCRM

describe('RetailCRM against its real answers', () => {
  const KEY = 'real-key-0123456789';
  const crm = (url: string, site: string | null = null) =>
    createRetailCrmClient({ config: { url, apiKey: KEY, site }, redactor: new Redactor(), limiters: new RateLimiters(), ratePerSec: 500, timeoutMs: 3000 });
  const names = ['reference-legal-entities', 'reference-sites', 'reference-stores', 'request-corporate-by-nickname'];

  it('reads legal entities with upper-case INN, sites with their contragent, stores without a legal entity', async () => {
    const server = await replay(names.map((n) => load('retailcrm', n)));
    const c = crm(server.url);
    const legal = await c.legalEntities();
    expect(legal.find((l) => l.code === 'Vog_Gallery')).toMatchObject({ inn: '773719480154', legalName: 'ИП Бороздина Татьяна Александровна' });
    expect(legal.find((l) => l.code === 'NDS')!.inn).toBeNull();
    const sites = await c.sites();
    expect(sites.map((s) => [s.code, s.contragent?.inn, s.contragentCode])).toEqual([
      ['test', '773719480254', 'test'],
      ['test-ru', '773719480154', 'Vog_Gallery'],
    ]);
    const stores = await c.stores();
    expect(stores.map((s) => [s.code, s.name, s.address?.city])).toEqual([
      ['main12', 'Основной', 'Москва'],
      ['food', 'Еда', 'Санкт-Петербург'],
    ]);
    expect(stores.some((s) => 'legalEntity' in s)).toBe(false);
  });

  it('the real references give the outlet matches: each site by its contragent INN', async () => {
    const server = await replay(names.map((n) => load('retailcrm', n)));
    const c = crm(server.url);
    const [sites, stores, crmLegalEntities] = await Promise.all([c.sites(), c.stores(), c.legalEntities()]);
    const lpLegalEntities = [
      { guid: 'le-a', juridical_name: 'ИП Бороздина', juridical_address: null, inn: '773719480154', kpp: null, ogrn: null, tax_systems: [] },
      { guid: 'le-b', juridical_name: 'ИП Бороздина (2)', juridical_address: null, inn: '773719480254', kpp: null, ogrn: null, tax_systems: [] },
    ];
    const outlets = [
      { guid: 'o-1', name: 'Галерея на Ивовой', address: null, legalEntityGuid: 'le-a' },
      { guid: 'o-2', name: 'Основной зал', address: null, legalEntityGuid: 'le-b' },
    ];
    const rows = siteOutlets({ sites, stores, crmLegalEntities, lpLegalEntities, outlets }, { byStore: {}, bySite: {} });
    expect(rows.map((r) => [r.site, r.inn, r.outletGuid, r.problem])).toEqual([
      ['test', '773719480254', 'o-2', null],
      ['test-ru', '773719480154', 'o-1', null],
    ]);
  });

  it('sends list filters with brackets: corporate customers by nickName', async () => {
    const sample = load('retailcrm', 'request-corporate-by-nickname');
    const server = await replay([sample]);
    expect(await crm(server.url).corporateSearch({ name: 'ООО Ромашка' })).toEqual([]);
    const q = server.seen[0]!.query;
    for (const [k, v] of Object.entries(sample.request.query!)) expect(q.getAll(k)).toEqual([v]);
    expect(q.has('filter[nickName]')).toBe(false);
  });

  it('explains the real errors: only a missing site is about choosing a store', async () => {
    const msg = async (name: string) => {
      const s = load('retailcrm', name);
      const server = await replay([s]);
      const c = crm(server.url);
      const call = s.request.path === '/api/credentials' ? c.credentials() : s.request.path.startsWith('/api/v5/customers') ? c.customerCreate({ firstName: 'Тест' }) : s.request.path === '/api/v5/orders' ? c.ordersList({ createdAtFrom: 'bad' }) : c.orderEdit(1, 'id', { status: 'complete' });
      const e = await call.then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(SyncError);
      return e as SyncError;
    };
    expect((await msg('error-site-missing')).message).toMatch(/не указан магазин.*укажите магазин в настройках/);
    const other = await msg('error-parameter-missing');
    expect(other.message).toMatch(/не хватает обязательного поля «externalId» в «customer»/);
    expect(other.message).not.toMatch(/магазин/);
    expect(await msg('error-wrong-api-key')).toMatchObject({ kind: 'auth', message: expect.stringMatching(/неверный API-ключ/) });
    expect((await msg('error-account-missing')).message).toBe('Аккаунт RetailCRM не найден: проверьте адрес в настройках.');
    expect((await msg('error-input-parameters')).message).toContain('children[createdAtFrom]: This value is not valid.');
  });

  it('the emulator answers the same requests in the same shapes', async () => {
    const emu = await startRetailCrmEmulator({ keys: [{ key: KEY, scopes: [...allScopes] }], sites: ['shop', 'spb'], rateLimit: 0 });
    closers.push(emu);
    const get = async (path: string, query: Record<string, string> = {}) => {
      const r = await fetch(`${emu.url}${path}?${new URLSearchParams(query).toString()}`, { headers: { 'x-api-key': KEY } });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    for (const [name, maps] of [
      ['reference-legal-entities', []],
      ['reference-sites', ['.sites']],
      ['reference-stores', []],
      ['request-corporate-by-nickname', []],
    ] as const) {
      const s = load('retailcrm', name);
      const got = await get(s.request.path, s.request.query);
      expect(got.status, name).toBe(s.response.status);
      expect(disagreements(s.response.body, got.body, '', [...maps]), name).toEqual([]);
    }
    // Every site carries its legal entity with an INN, as on a real account.
    const sites = (await get('/api/v5/reference/sites')).body.sites as Record<string, { contragent?: { INN?: string } }>;
    for (const site of Object.values(sites)) expect(site.contragent?.INN).toMatch(/^\d{10,12}$/);

    // The real errors, the same status and words.
    const missing = load('retailcrm', 'error-site-missing');
    const order = emu.createOrder({ number: '1A', status: 'new', items: [] } as never);
    const r = await fetch(`${emu.url}/api/v5/orders/${order.id}/edit`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(missing.request.form).toString(),
    });
    expect({ status: r.status, body: await r.json() }).toEqual(missing.response);
    const wrong = load('retailcrm', 'error-wrong-api-key');
    const w = await fetch(`${emu.url}${wrong.request.path}`, { headers: { 'x-api-key': 'not-a-key' } });
    expect({ status: w.status, body: await w.json() }).toEqual(wrong.response);
  });
});

// ------------------------------------------------------------------------------------------ LIFE POS

describe('LIFE POS against its real answers', () => {
  const lpClient = (url: string) =>
    createLifePosClient({ config: { url, phone: '+79990000001', password: 'owner-pass', orgGuid: 'org-1', clientId: '5c99c0d6-f0ac-4dc0-b61a-e4832fb23ece' }, redactor: new Redactor(), timeoutMs: 3000 });
  const all = ['sale-create', 'sale-get', 'sale-money-docs', 'sale-cancel', 'sale-change', 'org-notifications', 'sales-list-page'].map((n) => load('lifepos', n));

  it('reads a real sale: the line\'s sale_price, its unit and tax; the payment from the money documents, split cash and card', async () => {
    const server = await replay(all.map((s) => ({ ...s, request: { ...s.request, path: s.request.path.replace(/^\/v4/, '/v6') } })));
    const c = lpClient(server.url);
    const sale = (await c.getSale('5f6d2c1e-0000-4000-8000-0000000000aa'))!;
    expect(sale.positions).toEqual([{ type: 'Service', name: 'Билет 1042 (взрослый)', quantity: 1, priceKopecks: 150_000, totalKopecks: 150_000, uomGuid: '5f6d2c1e-0000-4000-8000-000000000004', tax: 'TaxFree' }]);
    expect(sale).toMatchObject({ state: 'Completed', paymentStatus: 'Paid', totalKopecks: 150_000, outletGuid: '5f6d2c1e-0000-4000-8000-000000000001' });
    const docs = await c.saleMoneyDocs(sale.guid);
    expect(docs.map((d) => [d.kind, d.totalKopecks, d.cashKopecks, d.cardKopecks, d.forPaymentGuid])).toEqual([
      ['payment', 150_000, 50_000, 100_000, null],
      ['refund', 50_000, 50_000, 0, '5f6d2c1e-0000-4000-8000-0000000000b1'],
    ]);
    expect(docs.flatMap(paymentsOf).map((p) => [p.guid, p.type, p.amountKopecks])).toEqual([
      ['5f6d2c1e-0000-4000-8000-0000000000b1:cash', 'Cash', 50_000],
      ['5f6d2c1e-0000-4000-8000-0000000000b1:card', 'Card', 100_000],
    ]);
    const list = await c.listSales({ orderBy: 'updated_at_desc' });
    expect(list.items.map((s) => [s.number, s.updatedAt])).toEqual([['1042', '2024-07-30T07:21:40Z']]);
  });

  it('sends a sale in the real line shape and reads the bare {guid} answer', async () => {
    const sample = load('lifepos', 'sale-create');
    const server = await replay([{ ...sample, request: { ...sample.request, path: '/v6/orgs/{org}/deals/sales' } }, { source: 'uoms', request: { method: 'GET', path: '/v6/orgs/{org}/uoms' }, response: { status: 200, body: { items: [{ guid: 'u-1', name: 'шт' }], next_page_token: null } } }]);
    const out = await lpClient(server.url).createSale({ number: '1042', outletGuid: 'o-1', positions: [{ name: 'Билет', quantity: 1, priceKopecks: 150_000, type: 'Service', tax: 'TaxFree' }] });
    expect(out).toMatchObject({ outcome: 'created', sale: { guid: '5f6d2c1e-0000-4000-8000-0000000000aa' } });
    const sent = JSON.parse(server.seen.find((x) => x.method === 'POST' && x.path.endsWith('/deals/sales'))!.body) as { positions: Array<Record<string, unknown>> };
    const realLine = (sample.request.body as { positions: Array<Record<string, unknown>> }).positions[0]!;
    expect(Object.keys(sent.positions[0]!).sort()).toEqual(Object.keys(realLine).sort());
    expect(disagreements(sample.request.body, sent)).toEqual([]);
  });

  it('cancels and changes a sale with JSON-Patch arrays answered 204, and turns notifications on the production way', async () => {
    const server = await replay(all.map((s) => ({ ...s, request: { ...s.request, path: s.request.path.replace(/^\/v4/, '/v6') } })));
    const c = lpClient(server.url);
    await c.cancelSale('g-1');
    await c.updateSaleOutlet('g-1', 'o-9');
    await c.subscribe({ primary: 'https://example.test/hooks/lifepos' });
    const patches = server.seen.filter((x) => x.method === 'PATCH');
    expect(patches.map((p) => p.headers['content-type'])).toEqual(Array(3).fill('application/json-patch+json'));
    const [cancel, change, org] = patches.map((p) => JSON.parse(p.body) as Array<{ op: string; path: string; value: unknown }>);
    expect(cancel).toEqual([{ op: 'replace', path: '/state', value: 'Cancelled' }]);
    expect(change).toEqual([{ op: 'replace', path: '/outlet', value: { guid: 'o-9', type_of: 'Outlet' } }]);
    expect(org![0]).toMatchObject({ op: 'add', path: '/extensions/notification_service', value: { turned_on: true, primary_url_for_notifications: 'https://example.test/hooks/lifepos' } });
    expect(patches[2]!.headers['x-lp-client-extensions']).toBe('notification_service');
  });

  it('reads every real notification by its type_of; a receipt is not a sale', () => {
    const sale = '5f6d2c1e-0000-4000-8000-0000000000aa';
    const read = (n: string) => parseLifePosNotification(load('lifepos', n).request.body);
    expect(read('notification-sale')).toMatchObject({ event: 'Sale', guid: sale });
    expect(read('notification-sale-payment')).toMatchObject({ event: 'SalePayment', guid: sale, objectGuid: '5f6d2c1e-0000-4000-8000-0000000000b1' });
    expect(read('notification-sale-refund')).toMatchObject({ event: 'SaleRefund', guid: sale });
    expect(read('notification-fiscal-receipt')).toMatchObject({ event: 'FiscalDocumentReceipt', guid: null });
  });

  it('the emulator answers the same requests in the same shapes and statuses', async () => {
    const emu = await startLifePosEmulator();
    closers.push(emu);
    const c = createLifePosClient({ config: { url: emu.url, phone: '+7 999 000-00-01', password: 'owner-pass', orgGuid: emu.orgGuid, clientId: 'c-1' }, redactor: new Redactor() });
    const outlet = emu.outlets()[0]!.guid;
    const employee = emu.employees()[0]!.guid;
    // The real create request, with this account's own references.
    const sample = load('lifepos', 'sale-create');
    const body = JSON.parse(JSON.stringify(sample.request.body)) as Record<string, unknown> & { positions: Array<Record<string, unknown>> };
    body.outlet = { guid: outlet };
    body.opened_by = { guid: employee };
    delete body.workplace;
    body.positions[0]!.uom = { guid: emu.uoms()[0]!.guid };
    const token = await signInToken(emu.url);
    const h = { authorization: `Bearer ${token}`, 'x-lp-client-identifier': 'c-1', 'x-lp-client-type': 'Service', 'accept-language': 'ru-RU' };
    const base = `${emu.url}/v6/orgs/${emu.orgGuid}`;
    const created = await fetch(`${base}/deals/sales`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(created.status).toBe(sample.response.status);
    const guid = ((await created.json()) as { guid: string }).guid;
    expect(guid).toMatch(/^[0-9a-f-]{36}$/);

    emu.pay('1042', { method: 'Mixed', cashKopecks: 50_000 });
    const got = await (await fetch(`${base}/deals/sales/${guid}?presentation=full`, { headers: h })).json();
    const saleSample = load('lifepos', 'sale-get');
    expect(disagreements(saleSample.response.body, got)).toEqual([]);
    const docs = await (await fetch(`${base}/deals/sales/${guid}/docs/money`, { headers: h })).json();
    const docsSample = load('lifepos', 'sale-money-docs');
    const realPayment = (docsSample.response.body as { items: unknown[] }).items[0];
    expect(disagreements({ items: [realPayment], next_page_token: null }, docs)).toEqual([]);
    const [payment] = await c.saleMoneyDocs(guid);
    await c.refundPayment(guid, payment as LpMoneyDoc);
    const afterRefund = (await (await fetch(`${base}/deals/sales/${guid}/docs/money`, { headers: h })).json()) as { items: unknown[] };
    expect(disagreements(docsSample.response.body, afterRefund)).toEqual([]);

    // Changing a sale: a JSON-Patch array, 204 and no body; a plain object is refused.
    const other = (await c.createSale({ number: 'X-1', outletGuid: outlet, positions: [{ name: 'Товар', quantity: 1, priceKopecks: 100 }] })).sale.guid;
    for (const name of ['sale-change', 'sale-cancel']) {
      const s = load('lifepos', name);
      const ops = (s.request.body as Array<{ op: string; path: string; value: unknown }>).map((op) =>
        op.path.replace(/^\//, '') === 'outlet' ? { ...op, value: { guid: emu.outlets()[1]!.guid } } : op.path === '/status' ? { op: 'replace', path: '/state', value: 'Cancelled' } : op,
      );
      const r = await fetch(`${base}/deals/sales/${other}`, { method: 'PATCH', headers: { ...h, 'content-type': 'application/json-patch+json' }, body: JSON.stringify(ops) });
      expect([r.status, await r.text()], name).toEqual([s.response.status, '']);
    }
    expect(emu.getSale('X-1')).toMatchObject({ state: 'Cancelled', outletGuid: emu.outlets()[1]!.guid });
    const notArray = await fetch(`${base}/deals/sales/${other}`, { method: 'PATCH', headers: { ...h, 'content-type': 'application/json' }, body: '{"state":"New"}' });
    expect(notArray.status).toBe(422);
    const orgSample = load('lifepos', 'org-notifications');
    const o = await fetch(base, { method: 'PATCH', headers: { ...h, 'content-type': 'application/json-patch+json', ...orgSample.request.headers }, body: JSON.stringify(orgSample.request.body) });
    expect(o.status).toBe(orgSample.response.status);
    const list = await (await fetch(`${base}/deals/sales?order_by=updated_at_desc`, { headers: h })).json();
    expect(disagreements(load('lifepos', 'sales-list-page').response.body, list)).toEqual([]);
  });
});

async function signInToken(url: string): Promise<string> {
  const r = await fetch(`${url}/auth/sign-in-by-phone`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lp-client-identifier': 'c-1', 'x-lp-client-type': 'Service', 'accept-language': 'ru-RU' },
    body: JSON.stringify({ phone: '+7 999 000-00-01', password: 'owner-pass' }),
  });
  return ((await r.json()) as { token: string }).token;
}
