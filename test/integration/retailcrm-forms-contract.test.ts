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

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/real/retailcrm/forms/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

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
    const recorded = fixture('files-upload.refused.json') as { body: { errorMsg: string } };
    expect(err.message).toContain(recorded.body.errorMsg);
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
