import { z } from 'zod';
import { SyncError } from '../../errors.js';
import type { By, CallOptions, RetailCrmClient } from './client.js';
import { corporateCustomerSchema, type CrmCorporateCustomer } from './types.js';

/*
 * RetailCRM methods the site-form intake needs beyond the core client: files, contact persons of corporate
 * customers, customer notes. Shapes: test/fixtures/real/retailcrm/forms/README.md.
 */

const idOf = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(Number);

export const crmFileSchema = z.looseObject({
  id: idOf,
  filename: z.string().nullish().transform((v) => v ?? null),
  type: z.string().nullish().transform((v) => v ?? null),
  size: z.number().nullish().transform((v) => v ?? null),
  attachment: z
    .unknown()
    .optional()
    .transform((v) => (Array.isArray(v) ? v : []))
    .pipe(z.array(z.looseObject({ order: z.looseObject({ id: idOf.optional() }).nullish(), customer: z.looseObject({ id: idOf.optional() }).nullish() }))),
});
export type CrmFile = z.output<typeof crmFileSchema>;

export interface CorporateContactInput {
  customer: { id: number };
  isMain?: boolean;
  /** The companies of the corporate customer this person speaks for, by id. */
  companies?: Array<{ id: number }>;
}

export interface CustomerNoteInput {
  customer: { id?: number; externalId?: string };
  text: string;
  managerId?: number;
}

function parsed<T>(schema: z.ZodType<T, unknown>, value: unknown, what: string, env: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new SyncError({
    kind: 'needsAttention',
    system: 'retailcrm',
    message: `RetailCRM прислал ответ неожиданного вида (${what}). Сообщите в поддержку.`,
    detail: `${what}: ${r.error.message}\n${JSON.stringify(env).slice(0, 2000)}`,
  });
}

/** `files/upload`: the file itself is the request body; RetailCRM answers with the new file's id only. */
export async function fileUpload(crm: RetailCrmClient, content: Buffer, o?: CallOptions): Promise<{ id: number }> {
  const env = await crm.send('POST', 'api/v5/files/upload', { body: content, contentType: 'application/octet-stream', signal: o?.signal });
  const file = parsed(z.looseObject({ id: idOf }), env.file, 'file', env);
  return { id: file.id };
}

/** `files/{id}/edit`: names the file and attaches it to an order. */
export async function fileAttachToOrder(crm: RetailCrmClient, fileId: number, filename: string, orderId: number, o?: CallOptions): Promise<void> {
  await crm.send('POST', `api/v5/files/${fileId}/edit`, {
    form: crm.writeForm('file', { filename, attachment: [{ order: { id: orderId } }] }, { site: null }),
    signal: o?.signal,
  });
}

/** Files already attached to an order (after a lost answer, to not upload a file twice). */
export async function filesOfOrder(crm: RetailCrmClient, orderId: number, o?: CallOptions): Promise<CrmFile[]> {
  const q = new URLSearchParams({ limit: '100' });
  q.append('filter[orderIds][]', String(orderId));
  const env = await crm.send('GET', 'api/v5/files', { query: q, signal: o?.signal });
  return parsed(z.array(crmFileSchema), env.files ?? [], 'files', env);
}

/** `customers-corporate/{id}`: the corporate customer with its main company (the create call answers an id only). */
export async function corporateGet(crm: RetailCrmClient, id: number | string, o?: CallOptions, by: By = 'id'): Promise<CrmCorporateCustomer> {
  const q = new URLSearchParams({ by });
  const env = await crm.send('GET', `api/v5/customers-corporate/${encodeURIComponent(String(id))}`, { query: q, signal: o?.signal });
  return parsed(corporateCustomerSchema, env.customerCorporate, 'customerCorporate', env);
}

/** `customers-corporate/{id}/contacts/create`: ties a person (an ordinary customer) to a corporate customer. */
export async function corporateContactCreate(
  crm: RetailCrmClient,
  corporateId: number,
  contact: CorporateContactInput,
  site?: string | null,
  o?: CallOptions,
): Promise<{ id: number }> {
  const by: By = 'id';
  const env = await crm.send('POST', `api/v5/customers-corporate/${corporateId}/contacts/create`, {
    form: crm.writeForm('contact', contact, { by, site: site ?? null }),
    signal: o?.signal,
  });
  return { id: parsed(idOf, env.id, 'id', env) };
}

/** `customers/notes/create`: a note on the customer's card (notes belong to customers, not orders). */
export async function customerNoteCreate(crm: RetailCrmClient, note: CustomerNoteInput, site?: string | null, o?: CallOptions): Promise<{ id: number }> {
  const env = await crm.send('POST', 'api/v5/customers/notes/create', { form: crm.writeForm('note', note, { site: site ?? null }), signal: o?.signal });
  return { id: parsed(idOf, env.id, 'id', env) };
}

/** The id of the company of a corporate customer: the one with this INN, else its main company. */
export function companyIdOf(c: CrmCorporateCustomer, inn: string | null): number | null {
  if (inn) {
    for (const co of c.companies) {
      const contragent = (co.contragent ?? {}) as { INN?: unknown };
      if (String(contragent.INN ?? '') === inn && Number.isInteger(Number(co.id))) return Number(co.id);
    }
  }
  const main = c.mainCompany?.id;
  if (typeof main === 'number') return main;
  const first = c.companies[0]?.id;
  return first !== undefined && Number.isInteger(Number(first)) ? Number(first) : null;
}
