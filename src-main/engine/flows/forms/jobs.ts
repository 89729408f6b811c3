import { z } from 'zod';
import { requestNumberText, type FormsSettings } from '../../../../src-shared/forms.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import {
  retailcrm,
  companyIdOf,
  corporateContactCreate,
  corporateGet,
  customerNoteCreate,
  fileAttachToOrder,
  filesOfOrder,
  fileUpload,
  type CallOptions,
  type CrmOrderInput,
  type RetailCrmClient,
} from '../../connectors/retailcrm/index.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import { defineJob } from '../../jobs/define.js';
import { crmOrderRef } from '../crm/store.js';
import { requestText, sameCompanyName, sameEmail, samePhone, splitName, submissionSchema, type Submission } from './rules.js';
import type { FormsStore } from './store.js';

/*
 * The RetailCRM side of a request from the website, as jobs: the contact (found by e-mail, then phone; else a new
 * person, tied to the company found by INN or created), the order with the visitor's number, then its files, a
 * note and a task. Each create is keyed by our external id, so a later attempt after a lost answer adopts what
 * the first one made.
 */

export const refs = z.object({
  number: z.string(),
  inboxId: z.number().int(),
});
const orderJob = refs.extend({
  /** Null: a new individual, whom RetailCRM creates from the order's own contact data in the same call. */
  customerId: z.number().int().nullable(),
  contactId: z.number().int().nullable(),
  companyId: z.number().int().nullable(),
});
const afterOrderJob = refs.extend({ crmId: z.number().int(), personId: z.number().int().nullable() });
const fileJob = afterOrderJob.extend({ fileId: z.number().int(), filename: z.string() });
/** A task for one manager, or for the first active member of a user group. */
const taskJob = afterOrderJob.extend({ performerId: z.number().int().nullable(), group: z.string().nullable().default(null) });

export const formRef = (number: string) => `form:${number}`;
export const externalIdOf = (number: string) => `form-${number}`;

export interface FormJobsDeps {
  engine: Engine;
  connectors: ConnectorRegistry;
  store: FormsStore;
  settings(): FormsSettings;
}

export function formJobs({ engine, connectors, store, settings }: FormJobsDeps) {
  const client = (): RetailCrmClient => connectors.client(retailcrm);

  const customer = defineJob({
    kind: 'forms.customer',
    system: 'retailcrm',
    title: 'Заявка с сайта → клиент RetailCRM',
    payload: refs,
    key: (p) => `form:${p.number}:customer`,
    run: async (ctx) => {
      const sub = submission(ctx.payload.inboxId);
      const found = await findOrCreateCustomer(sub, ctx.payload.number, ctx.job.attempt, { signal: ctx.signal });
      ctx.note({ sent: { email: sub.contact.email, phone: sub.contact.phone, company: sub.contact.company, inn: sub.contact.inn }, received: found });
      return {
        result: found,
        commit: () => {
          order.enqueue(engine.queue, { ...ctx.payload, ...found }, { orderId: ctx.job.orderId ?? null });
        },
      };
    },
  });
  const order = defineJob({
    kind: 'forms.order',
    system: 'retailcrm',
    title: 'Заявка с сайта → заказ RetailCRM',
    payload: orderJob,
    key: (p) => `form:${p.number}:order`,
    run: async (ctx) => {
      const p = ctx.payload;
      const sub = submission(p.inboxId);
      const crm = client();
      const s = settings();
      const externalId = externalIdOf(p.number);
      const opts = { signal: ctx.signal };
      // Only a later attempt can follow a lost answer: look for the order it may have made before making one.
      let made: { id: number; status?: string; customer: { id: number | null } | null } | null =
        ctx.job.attempt > 1 ? ((await crm.ordersList({ externalIds: [externalId] }, 1, 20, opts)).orders[0] ?? null) : null;
      if (made === null) {
        const input = orderInput(sub, p, s);
        ctx.note({ sent: { number: p.number, orderType: input.orderType, status: input.status, customer: p.customerId, contact: p.contactId, company: p.companyId } });
        const created = await crm.orderCreate(input, s.site, opts);
        made = created.order ?? { id: created.id, customer: null };
      }
      const id: number = made.id;
      const status = made.status || null;
      const person = p.contactId ?? (p.companyId === null ? (p.customerId ?? made.customer?.id ?? null) : null);
      ctx.note({ received: { crmId: id, customer: made.customer?.id ?? null } });
      return {
        result: { crmId: id },
        commit: (db: Db) => ordered(db, p, id, person, status, ctx.job.orderId ?? null),
      };
    },
  });
  const file = defineJob({
    kind: 'forms.file',
    system: 'retailcrm',
    title: 'Файл заявки → заказ RetailCRM',
    payload: fileJob,
    key: (p) => `form:${p.number}:file:${p.fileId}`,
    run: async (ctx) => {
      const p = ctx.payload;
      const crm = client();
      const opts = { signal: ctx.signal };
      if (ctx.job.attempt > 1) {
        const there = (await filesOfOrder(crm, p.crmId, opts)).find((f) => f.filename === p.filename);
        if (there) return { result: { fileId: there.id, adopted: true } };
      }
      const content = engine.inbox.fileContent(p.fileId);
      if (!content) {
        throw new SyncError({ kind: 'needsAttention', system: 'forms', message: `Файл «${p.filename}» заявки №${p.number} уже удалён из Прилавка (прошёл срок хранения истории): приложите его к заказу вручную.` });
      }
      const up = await fileUpload(crm, content, opts);
      await fileAttachToOrder(crm, up.id, p.filename, p.crmId, opts);
      ctx.note({ sent: { file: p.filename, bytes: content.length }, received: { fileId: up.id } });
      return { result: { fileId: up.id } };
    },
  });
  const note = defineJob({
    kind: 'forms.note',
    system: 'retailcrm',
    title: 'Текст заявки → заметка клиента RetailCRM',
    payload: afterOrderJob,
    key: (p) => `form:${p.number}:note`,
    run: async (ctx) => {
      const p = ctx.payload;
      if (p.personId === null) return { result: { skipped: true } };
      const sub = submission(p.inboxId);
      const text = `Заявка с сайта №${p.number}${sub.message ? `: ${sub.message}` : ''}`.slice(0, 2000);
      const r = await customerNoteCreate(client(), { customer: { id: p.personId }, text }, settings().site, { signal: ctx.signal });
      return { result: { noteId: r.id } };
    },
  });
  const task = defineJob({
    kind: 'forms.task',
    system: 'retailcrm',
    title: 'Задача менеджеру по заявке с сайта',
    payload: taskJob,
    key: (p) => `form:${p.number}:task`,
    run: async (ctx) => {
      const p = ctx.payload;
      const text = requestNumberText(settings().taskText, p.number);
      const crm = client();
      let performerId = p.performerId;
      if (performerId === null && p.group) {
        const group = p.group;
        const users = await crm.users({ groups: [group], active: true }, { signal: ctx.signal });
        performerId = (users.find((u) => u.active && u.groups.some((g) => g.code === group)) ?? users[0])?.id ?? null;
        if (performerId === null) {
          throw new SyncError({ kind: 'needsAttention', system: 'retailcrm', message: `В группе пользователей «${group}» RetailCRM нет активных сотрудников: задачу по заявке №${p.number} некому поставить.` });
        }
      }
      if (performerId === null) return { result: { skipped: 'no performer' } };
      ctx.note({ sent: { performer: performerId, text } });
      const r = await crm.taskCreate({ text, performerId, order: { id: p.crmId } }, settings().site, { signal: ctx.signal });
      return { result: { taskId: r.id } };
    },
  });

  function submission(inboxId: number): Submission {
    const item = engine.inbox.get(inboxId);
    if (!item) throw new SyncError({ kind: 'needsAttention', system: 'forms', message: 'Заявка с сайта уже удалена из Прилавка (прошёл срок хранения истории).' });
    return submissionSchema.parse(item.payload);
  }

  // ------------------------------------------------------------------------------------------ RetailCRM

  /**
   * The RetailCRM customer of a request: the person with this e-mail, else this phone. A new person with a company
   * in the form becomes a contact person of the corporate customer with that INN (created with its company and
   * contragent when there is none); without a company, an individual customer.
   */
  async function findOrCreateCustomer(sub: Submission, number: string, attempt: number, o: CallOptions): Promise<{ customerId: number | null; contactId: number | null; companyId: number | null }> {
    const crm = client();
    const site = settings().site;
    const c = sub.contact;
    const personExt = `${externalIdOf(number)}-contact`;
    const again = attempt > 1;
    const known = await findPerson(crm, c, o);
    // The person an earlier attempt of this request made is not a «known contact»: the company steps go on.
    const ours = known !== null && known.externalId === personExt ? known.id : null;
    if (known !== null && ours === null) return { customerId: known.id, contactId: null, companyId: null };
    const name = splitName(c.name ?? (c.email ? c.email.split('@')[0]! : null));
    const personInput = {
      externalId: personExt,
      ...name,
      ...(c.email ? { email: c.email } : {}),
      ...(c.phone ? { phones: [{ number: c.phone }] } : {}),
    };
    const createPerson = async () =>
      ours ?? (again ? (await crm.customersSearch({ externalId: personExt }, o))[0]?.id : undefined) ?? (await crm.customerCreate(personInput, site, o)).id;
    // A new individual: the order brings the customer (one request less, and a lost answer leaves no customer
    // behind without its order).
    if (!c.company && !c.inn) return { customerId: null, contactId: null, companyId: null };

    const companyName = c.company ?? `ИНН ${c.inn!}`;
    let corp = c.inn
      ? (await crm.corporateSearch({ inn: c.inn }, o))[0]
      : (await crm.corporateSearch({ name: companyName }, o)).find((x) => sameCompanyName(x.nickName, companyName) || (x.mainCompany && sameCompanyName(x.mainCompany.name, companyName)));
    const personId = await createPerson();
    if (!corp) {
      const corpExt = `${externalIdOf(number)}-company`;
      // A later attempt may follow a lost answer: the corporate customer it made has our external id.
      const earlier = again ? await corporateGet(crm, corpExt, o, 'externalId').catch((err: unknown) => (err instanceof SyncError && err.code === 404 ? null : Promise.reject(err))) : null;
      if (earlier) return { customerId: earlier.id, contactId: personId, companyId: companyIdOf(earlier, c.inn) };
      const created = await crm.corporateCreate(
        {
          externalId: corpExt,
          nickName: companyName,
          companies: [{ name: companyName, isMain: true, contragent: { contragentType: 'legal-entity', legalName: companyName, ...(c.inn ? { INN: c.inn } : {}) } }],
          customerContacts: [{ isMain: true, customer: { id: personId } }],
        },
        site,
        o,
      );
      corp = await corporateGet(crm, created.id, o);
      return { customerId: corp.id, contactId: personId, companyId: companyIdOf(corp, c.inn) };
    }
    const companyId = companyIdOf(corp, c.inn);
    const tied = again ? contactsOf(await corporateGet(crm, corp.id, o)).includes(personId) : false;
    if (!tied) await corporateContactCreate(crm, corp.id, { customer: { id: personId }, ...(companyId ? { companies: [{ id: companyId }] } : {}) }, site, o);
    return { customerId: corp.id, contactId: personId, companyId };
  }

  function orderInput(sub: Submission, p: z.output<typeof orderJob>, s: FormsSettings): CrmOrderInput {
    const c = sub.contact;
    const customFields: Record<string, unknown> = {};
    if (s.topicField && sub.topic) customFields[s.topicField] = sub.topic;
    if (s.serviceField && sub.service) customFields[s.serviceField] = sub.service;
    return {
      number: p.number,
      externalId: externalIdOf(p.number),
      ...(s.orderType ? { orderType: s.orderType } : {}),
      ...(s.orderMethod ? { orderMethod: s.orderMethod } : {}),
      ...(s.orderStatus ? { status: s.orderStatus } : {}),
      ...(p.customerId ? { customer: { id: p.customerId } } : {}),
      ...(p.contactId ? { contact: { id: p.contactId } } : {}),
      ...(p.companyId ? { company: { id: p.companyId } } : {}),
      ...splitName(c.name),
      ...(c.email ? { email: c.email } : {}),
      ...(c.phone ? { phone: c.phone } : {}),
      customerComment: requestText(sub, p.number).slice(0, 10_000),
      ...(Object.keys(customFields).length ? { customFields } : {}),
    };
  }

  function ordered(_db: Db, p: z.output<typeof orderJob>, crmId: number, personId: number | null, crmStatus: string | null, localOrder: number | null): void {
    const e = engine;
    store.setCrmId(p.number, crmId);
    // From now on the request and the RetailCRM order are one order in the queue.
    const local = localOrder ?? e.orders.idByRef(formRef(p.number));
    e.orders.adoptRef(formRef(p.number), crmOrderRef(crmId));
    if (local) e.orders.upsert({ ref: crmOrderRef(crmId), number: p.number, crmStatus });
    if (local) e.orders.setChip(local, 'forms', { state: 'created', label: 'Заявка в RetailCRM', attention: false });
    const next = { number: p.number, inboxId: p.inboxId, crmId, personId };
    const item = e.inbox.get(p.inboxId);
    for (const f of item?.files ?? []) {
      file.enqueue(e.queue, { ...next, fileId: f.id, filename: f.filename }, { orderId: local });
    }
    const s = settings();
    if (s.customerNote) note.enqueue(e.queue, next, { orderId: local });
    if (s.taskPerformerId || s.taskUserGroup) task.enqueue(e.queue, { ...next, performerId: s.taskPerformerId, group: s.taskUserGroup }, { orderId: local });
  }
  return { customer, order, file, note, task };
}

/** The person with the form's e-mail, else its phone; only exact matches count (RetailCRM's filters are loose). */
async function findPerson(crm: RetailCrmClient, c: Submission['contact'], o: CallOptions): Promise<{ id: number; externalId: string | null } | null> {
  const oldest = (list: Array<{ id: number; externalId: string | null }>) => list.reduce<{ id: number; externalId: string | null } | null>((m, x) => (m === null || x.id < m.id ? x : m), null);
  if (c.email) {
    const hit = oldest((await crm.customersSearch({ email: c.email }, o)).filter((x) => sameEmail(x.email, c.email)));
    if (hit !== null) return hit;
  }
  if (c.phone && c.phone.replace(/\D/g, '').length >= 5) {
    const hit = oldest((await crm.customersSearch({ phone: c.phone }, o)).filter((x) => x.phones.some((ph) => samePhone(ph.number, c.phone))));
    if (hit !== null) return hit;
  }
  return null;
}

function contactsOf(c: Record<string, unknown>): number[] {
  const list = Array.isArray(c.customerContacts) ? (c.customerContacts as Array<{ customer?: { id?: unknown } }>) : [];
  return list.map((x) => Number(x.customer?.id)).filter(Number.isInteger);
}

