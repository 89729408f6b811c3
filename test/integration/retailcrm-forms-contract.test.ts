import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  companyIdOf,
  corporateContactCreate,
  corporateGet,
  createRetailCrmClient,
  customerNoteCreate,
  fileAttachToOrder,
  filesOfOrder,
  fileUpload,
  type RetailCrmClient,
} from '../../src-main/engine/connectors/retailcrm/index.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { RateLimiters } from '../../src-main/engine/http/rate-limit.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { allScopes, startRetailCrmEmulator, type RetailCrmEmulator } from '../emulators/retailcrm/server.js';
import { listen, readBody } from '../helpers/servers.js';

const KEY = 'Rk-forms-0123456789abcdef';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ emu: RetailCrmEmulator; c: RetailCrmClient }> {
  const emu = await startRetailCrmEmulator({ keys: [{ key: KEY, scopes: allScopes }], rateLimit: 0 });
  cleanups.push(() => emu.close());
  const c = createRetailCrmClient({ config: { url: emu.url, apiKey: KEY, site: null }, redactor: new Redactor(), limiters: new RateLimiters(), ratePerSec: 200, timeoutMs: 5000 });
  return { emu, c };
}

interface Sample {
  request: { method: string; path: string; form?: Record<string, string>; headers?: Record<string, string> };
  response: { status: number; body: Record<string, unknown> };
}
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/real/retailcrm/forms/${name}.json`, import.meta.url), 'utf8')) as Sample;

describe('RetailCRM methods of the site-form intake', () => {
  it('uploads a file as the raw body and attaches it to an order under its own name', async () => {
    const { emu, c } = await setup();
    const { id: orderId } = await c.orderCreate({ number: 'С-000001', externalId: 'form-С-000001', firstName: 'Анна' });
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, 0x0a]);
    const up = await fileUpload(c, bytes);
    expect(emu.forms.files()[0]).toMatchObject({ id: up.id, size: bytes.length, attachment: [] });
    expect(emu.forms.files()[0]!.content.equals(bytes)).toBe(true);
    expect(emu.forms.files()[0]!.filename).toMatch(/^API upload /);
    await fileAttachToOrder(c, up.id, 'Реквизиты.pdf', orderId);
    expect(emu.forms.files()[0]).toMatchObject({ filename: 'Реквизиты.pdf', attachment: [{ order: { id: orderId, number: 'С-000001' } }] });
    expect((await filesOfOrder(c, orderId)).map((f) => f.filename)).toEqual(['Реквизиты.pdf']);
    const missing = await fileAttachToOrder(c, 999, 'x.pdf', orderId).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SyncError);
  });

  it('an account without file storage refuses the upload with RetailCRM’s reason', async () => {
    const { emu, c } = await setup();
    emu.forms.refuseUploads = true;
    const err = (await fileUpload(c, Buffer.from('x')).catch((e: unknown) => e)) as SyncError;
    expect(err).toBeInstanceOf(SyncError);
    const recorded = fixture('files-upload-refused');
    expect(err.message).toContain(String(recorded.response.body.errorMsg));
  });

  it('creates a corporate customer with company, contragent and contact person; ties a second person later', async () => {
    const { emu, c } = await setup();
    const anna = await c.customerCreate({ firstName: 'Анна', email: 'anna@romashka.ru' });
    const corp = await c.corporateCreate({
      nickName: 'ООО «Ромашка»',
      companies: [{ name: 'ООО «Ромашка»', isMain: true, contragent: { contragentType: 'legal-entity', legalName: 'ООО «Ромашка»', INN: '7701234567' } }],
      customerContacts: [{ isMain: true, customer: { id: anna.id } }],
    });
    const got = await corporateGet(c, corp.id);
    const companyId = companyIdOf(got, '7701234567');
    expect(companyId).toBe(got.mainCompany?.id);
    const found = await c.corporateSearch({ inn: '7701234567' });
    expect(found.map((x) => x.id)).toEqual([corp.id]);
    const boris = await c.customerCreate({ firstName: 'Борис', phones: [{ number: '+79035550000' }] });
    await corporateContactCreate(c, corp.id, { customer: { id: boris.id }, companies: [{ id: companyId! }] });
    const contacts = emu.corporateCustomers()[0]!.customerContacts as Array<{ customer: { id: number }; companies: Array<{ company: { id: number } }> }>;
    expect(contacts.map((x) => x.customer.id)).toEqual([anna.id, boris.id]);
    expect(contacts[1]!.companies[0]!.company.id).toBe(companyId);
    // An order of the corporate customer names the person and the company.
    const { id: orderId } = await c.orderCreate({ externalId: 'form-1', customer: { id: corp.id }, contact: { id: boris.id }, company: { id: companyId! } });
    expect(emu.forms.orderLinks(orderId)).toEqual({ contact: { id: boris.id }, company: { id: companyId } });
    expect(emu.getOrder(orderId)?.customer).toMatchObject({ id: corp.id, type: 'customer_corporate' });
  });

  it('refuses a corporate customer with a malformed INN and a note without text', async () => {
    const { c } = await setup();
    const bad = (await c.corporateCreate({ nickName: 'ИП', companies: [{ name: 'ИП', contragent: { INN: '123' } }] }).catch((e: unknown) => e)) as SyncError;
    expect(bad.message).toContain('ИНН');
    const anna = await c.customerCreate({ firstName: 'Анна' });
    const n = await customerNoteCreate(c, { customer: { id: anna.id }, text: 'Заявка С-000001 с сайта' });
    expect(n.id).toBeGreaterThan(0);
    expect(await customerNoteCreate(c, { customer: { id: anna.id }, text: ' ' }).catch((e: unknown) => e)).toBeInstanceOf(SyncError);
  });
});

describe('the site-form methods against RetailCRM’s recorded answers', () => {
  it('send what the official clients send and read what RetailCRM answers', async () => {
    const names = ['files-upload', 'files-edit', 'corporate-list', 'corporate-contacts-create', 'customer-note-create'];
    const samples = names.map((n) => [n, fixture(n)] as const);
    const seen: Array<{ method: string; path: string; type: string; body: string }> = [];
    const server = await listen((req, res) => {
      void readBody(req).then((body) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        seen.push({ method: req.method ?? '', path, type: req.headers['content-type'] ?? '', body });
        const hit = samples.find(([, x]) => x.request.method === req.method && x.request.path === path);
        res.writeHead(hit ? hit[1].response.status : 404, { 'content-type': 'application/json' }).end(JSON.stringify(hit ? hit[1].response.body : { success: false, errorMsg: 'Not found' }));
      });
    });
    cleanups.push(() => server.close());
    const c = createRetailCrmClient({ config: { url: server.url, apiKey: KEY, site: 'aliexpress' }, redactor: new Redactor(), limiters: new RateLimiters(), ratePerSec: 200, timeoutMs: 5000 });

    expect(await fileUpload(c, Buffer.from('test data'))).toEqual({ id: 1 });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/api/v5/files/upload', type: 'application/octet-stream', body: 'test data' });

    await fileAttachToOrder(c, 1, 'Реквизиты.pdf', 7146);
    const edit = new URLSearchParams(seen.at(-1)!.body);
    expect(JSON.parse(edit.get('file')!)).toEqual(JSON.parse(fixture('files-edit').request.form!.file!));

    const [corp] = await c.corporateSearch({ inn: '7701234567' });
    expect(companyIdOf(corp!, '7701234567')).toBe(771);

    expect(await corporateContactCreate(c, 5043, { customer: { id: 4985 }, companies: [{ id: 776 }] })).toEqual({ id: 949 });
    const tie = new URLSearchParams(seen.at(-1)!.body);
    const recordedTie = fixture('corporate-contacts-create').request.form!;
    expect([tie.get('by'), tie.get('site'), JSON.parse(tie.get('contact')!)]).toEqual([recordedTie.by, recordedTie.site, JSON.parse(recordedTie.contact!)]);

    expect(await customerNoteCreate(c, { customer: { externalId: '10' }, managerId: 21, text: 'Text' }, 'moysklad')).toEqual({ id: 1 });
    expect(JSON.parse(new URLSearchParams(seen.at(-1)!.body).get('note')!)).toEqual(JSON.parse(fixture('customer-note-create').request.form!.note!));
  });
});

