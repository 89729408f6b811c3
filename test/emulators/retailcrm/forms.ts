/*
 * What the site-form intake uses of RetailCRM beyond orders, added to the emulator: corporate customers with
 * companies (ids, contragent, main company) and contact persons, files with attachments, customer notes.
 * Shapes follow test/fixtures/real/retailcrm/forms/README.md. The server hands requests here first; `null` means
 * «not mine».
 */
import type { EmulatorKey } from './types.js';

type Json = Record<string, unknown>;

export interface FormsEmulatorDeps {
  customers: Json[];
  corporate: Json[];
  orders: Map<number, { id: number; site: string; externalId: string | null; number: string }>;
  writeSite(k: EmulatorKey, body: URLSearchParams): string;
  entity(body: URLSearchParams, field: string): Json;
  paginate<T>(list: T[], q: URLSearchParams): { page: T[]; pagination: Json };
  /** An error the server answers as RetailCRM does (`{success:false, errorMsg, errors}`). */
  error(status: number, errorMsg: string, errors?: Record<string, string>): Error;
  /** Customer ids are shared by individual and corporate customers. */
  nextCustomerId(): number;
  now(): string;
  /** The core emulator's own routing (orders, customers…), for a request whose answer is to be lost. */
  route(method: string, path: string, q: URLSearchParams, body: URLSearchParams, k: EmulatorKey): Promise<[number, Json]>;
}

/** Thrown after a request was carried out: the server drops the connection instead of answering. */
export class AnswerLost extends Error {
  constructor() {
    super('emulator: answer lost');
  }
}

export interface EmulatorFile {
  id: number;
  filename: string;
  type: string;
  size: number;
  createdAt: string;
  content: Buffer;
  attachment: Array<{ order?: { id: number; number: string; externalId: string | null; site: string }; customer?: { id: number } }>;
}

export interface FormsEmulatorView {
  files(): EmulatorFile[];
  notes(): Json[];
  /** `contact` and `company` an order was created with (the core emulator keeps only `customer`). */
  orderLinks(orderId: number): { contact: Json | null; company: Json | null } | undefined;
  /** Turns `files/upload` down as an account without paid file storage is («not enough money»). */
  refuseUploads: boolean;
  /** The next `n` POSTs to a path ending with `suffix` are carried out, and then their connection drops. */
  loseAnswer(suffix: string, n?: number): void;
}

const digitsOnly = (s: unknown) => String(s ?? '').replace(/\D/g, '');

export function createFormsEmulator(d: FormsEmulatorDeps) {
  const files: EmulatorFile[] = [];
  const notes: Json[] = [];
  const links = new Map<string, { contact: Json | null; company: Json | null }>();
  let nextFileId = 1;
  let nextCompanyId = 700;
  let nextContactId = 900;
  let nextNoteId = 1;
  const losing = new Map<string, number>();
  const view: FormsEmulatorView = {
    files: () => files.map((f) => ({ ...f, attachment: structuredClone(f.attachment) })),
    notes: () => structuredClone(notes),
    orderLinks(orderId) {
      const o = d.orders.get(orderId);
      return o ? links.get(o.externalId ?? `#${o.number}`) : undefined;
    },
    refuseUploads: false,
    loseAnswer(suffix, n = 1) {
      losing.set(suffix, (losing.get(suffix) ?? 0) + n);
    },
  };

  const person = (id: unknown) => d.customers.find((c) => c.id === Number(id));
  const corporateById = (id: unknown) => d.corporate.find((c) => c.id === Number(id));

  function contactEntry(raw: Json, corp: Json, errors: Record<string, string>, at: string): Json | null {
    const ref = (raw.customer ?? {}) as Json;
    const c = person(ref.id);
    if (!c) {
      errors[`${at}.customer`] = `Customer with id=${String(ref.id)} not found.`;
      return null;
    }
    const companies = ((corp.companies ?? []) as Json[]);
    const wanted = Array.isArray(raw.companies) ? (raw.companies as Json[]) : [];
    const tied: Json[] = [];
    for (const w of wanted) {
      const co = companies.find((x) => x.id === Number(w.id));
      if (!co) {
        errors[`${at}.companies`] = `Company with id=${String(w.id)} not found.`;
        return null;
      }
      tied.push({ id: nextContactId++, company: { id: co.id, name: co.name } });
    }
    return { id: nextContactId++, isMain: raw.isMain === true, customer: { id: c.id, externalId: c.externalId ?? null, site: c.site }, companies: tied };
  }

  function createCorporate(k: EmulatorKey, body: URLSearchParams): Json {
    const site = d.writeSite(k, body);
    const c = d.entity(body, 'customerCorporate');
    const errors: Record<string, string> = {};
    if (!c.nickName && !(Array.isArray(c.companies) && c.companies.length)) errors.nickName = 'This value should not be blank.';
    if (c.externalId !== undefined && d.corporate.some((x) => x.externalId === String(c.externalId))) {
      throw d.error(400, 'Customer already exists.', { externalId: 'Customer with this externalId already exists.' });
    }
    const companies = (Array.isArray(c.companies) ? (c.companies as Json[]) : []).map((co, i) => {
      const contragent = (co.contragent ?? {}) as Json;
      const inn = contragent.INN === undefined ? '' : digitsOnly(contragent.INN);
      if (contragent.INN !== undefined && inn.length !== 10 && inn.length !== 12) errors[`companies[${i}].contragent.INN`] = 'Значение ИНН недопустимо.';
      if (!co.name) errors[`companies[${i}].name`] = 'This value should not be blank.';
      return { id: nextCompanyId++, isMain: co.isMain === true, active: true, name: co.name, site, createdAt: d.now(), contragent: { contragentType: 'legal-entity', ...contragent } };
    });
    if (companies.length && !companies.some((x) => x.isMain)) companies[0]!.isMain = true;
    const corp: Json = {
      type: 'customer_corporate',
      id: 0,
      externalId: c.externalId ?? null,
      nickName: c.nickName ?? companies[0]?.name,
      site,
      createdAt: d.now(),
      companies,
      customFields: c.customFields ?? [],
    };
    const contacts = (Array.isArray(c.customerContacts) ? (c.customerContacts as Json[]) : []).map((x, i) => contactEntry(x, corp, errors, `customerContacts[${i}]`));
    if (Object.keys(errors).length) throw d.error(400, 'Errors in the entity format', errors);
    corp.id = d.nextCustomerId();
    corp.customerContacts = contacts;
    const main = companies.find((x) => x.isMain);
    if (main) corp.mainCompany = { id: main.id, name: main.name };
    const mainContact = (contacts as Json[]).find((x) => x.isMain) ?? contacts[0];
    if (mainContact) corp.mainCustomerContact = mainContact;
    d.corporate.push(corp);
    return corp;
  }

  function orderInputLinks(body: URLSearchParams): void {
    const raw = body.get('order');
    if (raw === null) return;
    let o: Json;
    try {
      o = JSON.parse(raw) as Json;
    } catch {
      return;
    }
    const contact = (o.contact ?? null) as Json | null;
    const company = (o.company ?? null) as Json | null;
    const corp = o.customer && typeof o.customer === 'object' ? corporateById((o.customer as Json).id) : undefined;
    if (contact && !person(contact.id)) throw d.error(400, 'Order is not loaded', { 'contact.id': `Customer with id=${String(contact.id)} not found.` });
    if (company) {
      const owned = corp && ((corp.companies ?? []) as Json[]).some((co) => co.id === Number(company.id));
      if (!owned) throw d.error(400, 'Order is not loaded', { 'company.id': `Company with id=${String(company.id)} not found.` });
    }
    if (contact && corp && !((corp.customerContacts ?? []) as Json[]).some((x) => (x.customer as Json).id === Number(contact.id))) {
      throw d.error(400, 'Order is not loaded', { contact: 'The contact is not a contact person of the customer.' });
    }
    const key = o.externalId !== undefined ? String(o.externalId) : `#${String(o.number)}`;
    if (!links.has(key)) links.set(key, { contact: contact ? { id: Number(contact.id) } : null, company: company ? { id: Number(company.id) } : null });
  }

  async function route(method: string, path: string, q: URLSearchParams, body: URLSearchParams, k: EmulatorKey, raw: Buffer): Promise<[number, Json] | null> {
    const lose = method === 'POST' ? [...losing.keys()].find((sfx) => path.endsWith(sfx) && (losing.get(sfx) ?? 0) > 0) : undefined;
    if (lose !== undefined) {
      losing.set(lose, losing.get(lose)! - 1);
      if ((await own(method, path, q, body, k, raw)) === null) await d.route(method, path, q, body, k);
      throw new AnswerLost();
    }
    return own(method, path, q, body, k, raw);
  }

  async function own(method: string, path: string, q: URLSearchParams, body: URLSearchParams, k: EmulatorKey, raw: Buffer): Promise<[number, Json] | null> {
    const get = method === 'GET';
    const post = method === 'POST';
    let m: RegExpExecArray | null;

    if (path === '/api/v5/orders/create' && post) {
      orderInputLinks(body);
      return null;
    }
    if (path === '/api/v5/customers-corporate/create' && post) {
      return [201, { success: true, id: createCorporate(k, body).id }];
    }
    if ((m = /^\/api\/v5\/customers-corporate\/([^/]+)$/.exec(path)) && get) {
      const by = q.get('by') === 'id' ? 'id' : 'externalId';
      const idv = decodeURIComponent(m[1]!);
      const c = d.corporate.find((x) => (by === 'id' ? String(x.id) === idv : x.externalId === idv));
      if (!c) throw d.error(404, 'Not found');
      return [200, { success: true, customerCorporate: structuredClone(c) }];
    }
    if ((m = /^\/api\/v5\/customers-corporate\/([^/]+)\/contacts\/create$/.exec(path)) && post) {
      d.writeSite(k, body);
      const by = body.get('by') === 'id' ? 'id' : 'externalId';
      const idv = decodeURIComponent(m[1]!);
      const corp = d.corporate.find((x) => (by === 'id' ? String(x.id) === idv : x.externalId === idv));
      if (!corp) throw d.error(404, 'Not found');
      const errors: Record<string, string> = {};
      const entry = contactEntry(d.entity(body, 'contact'), corp, errors, 'contact');
      if (!entry) throw d.error(400, 'Errors in the entity format', errors);
      const list = (corp.customerContacts ?? []) as Json[];
      if (list.some((x) => (x.customer as Json).id === (entry.customer as Json).id)) {
        throw d.error(400, 'Errors in the entity format', { contact: 'This customer is already a contact person of the corporate customer.' });
      }
      list.push(entry);
      corp.customerContacts = list;
      if (!corp.mainCustomerContact) corp.mainCustomerContact = entry;
      return [201, { success: true, id: entry.id }];
    }
    if (path === '/api/v5/customers/notes/create' && post) {
      const site = d.writeSite(k, body);
      const n = d.entity(body, 'note');
      const ref = (n.customer ?? {}) as Json;
      const c = ref.id !== undefined ? person(ref.id) : d.customers.find((x) => x.externalId === ref.externalId);
      const errors: Record<string, string> = {};
      if (!c) errors.customer = 'Customer not found.';
      if (!n.text || String(n.text).trim() === '') errors.text = 'This value should not be blank.';
      if (Object.keys(errors).length) throw d.error(400, 'Errors in the entity format', errors);
      const note = { id: nextNoteId++, site, text: String(n.text), customer: { id: c!.id }, managerId: n.managerId ?? null, createdAt: d.now() };
      notes.push(note);
      return [201, { success: true, id: note.id }];
    }
    if (path === '/api/v5/files/upload' && post) {
      if (view.refuseUploads) throw d.error(400, "Your account doesn't have enough money to upload files.");
      if (raw.length === 0) throw d.error(400, 'Errors in the input parameters', { file: 'This value should not be blank.' });
      const f: EmulatorFile = { id: nextFileId++, filename: `API upload ${d.now()}`, type: 'application/octet-stream', size: raw.length, createdAt: d.now(), content: Buffer.from(raw), attachment: [] };
      files.push(f);
      return [200, { success: true, file: { id: f.id } }];
    }
    if ((m = /^\/api\/v5\/files\/(\d+)\/edit$/.exec(path)) && post) {
      const f = files.find((x) => x.id === Number(m![1]));
      if (!f) throw d.error(404, 'Not Found');
      const patch = d.entity(body, 'file');
      if (typeof patch.filename === 'string' && patch.filename.trim()) f.filename = patch.filename;
      if (Array.isArray(patch.attachment)) {
        const next: EmulatorFile['attachment'] = [];
        for (const [i, a] of (patch.attachment as Json[]).entries()) {
          const oref = (a.order ?? null) as Json | null;
          if (oref) {
            const o = d.orders.get(Number(oref.id));
            if (!o) throw d.error(400, 'Errors in the entity format', { [`attachment[${i}].order`]: 'Order not found.' });
            next.push({ order: { id: o.id, number: o.number, externalId: o.externalId, site: o.site } });
          }
          const cref = (a.customer ?? null) as Json | null;
          if (cref) next.push({ customer: { id: Number(cref.id) } });
        }
        f.attachment = next;
      }
      return [200, { success: true, file: { id: f.id, filename: f.filename } }];
    }
    if ((m = /^\/api\/v5\/files\/(\d+)$/.exec(path)) && get) {
      const f = files.find((x) => x.id === Number(m![1]));
      if (!f) throw d.error(404, 'Not found');
      return [200, { success: true, file: fileView(f) }];
    }
    if (path === '/api/v5/files' && get) {
      const orderIds = [...q.entries()].filter(([key]) => /^filter\[orderIds\](\[\d*\])?$/.test(key)).map(([, v]) => Number(v));
      const list = files.filter((f) => orderIds.length === 0 || f.attachment.some((a) => a.order && orderIds.includes(a.order.id)));
      const { page, pagination } = d.paginate(list.map(fileView), q);
      return [200, { success: true, pagination, files: page }];
    }
    return null;
  }

  function fileView(f: EmulatorFile): Json {
    return { id: f.id, filename: f.filename, type: f.type, createdAt: f.createdAt, size: f.size, attachment: structuredClone(f.attachment) };
  }

  return { route, view };
}
