import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HONEYPOT_FIELD, requestNumberText, type FormsSettings } from '../../../../src-shared/forms.js';
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
import { defineJob, type JobDef } from '../../jobs/define.js';
import type { InboxItem, InboxSource } from '../../jobs/inbox.js';
import { HttpProblem, type WebhookAnswer, type WebhookRequest } from '../../webhooks/server.js';
import { crmOrderRef } from '../crm/store.js';
import type { FlowContext, FlowModule } from '../types.js';
import {
  answerPage,
  isHoneypotFilled,
  isTildaTest,
  RateWindow,
  readSubmission,
  requestText,
  sameCompanyName,
  sameEmail,
  samePhone,
  splitName,
  submissionId,
  submissionSchema,
  viaOf,
  visitorAddress,
  type FormBody,
  type Submission,
} from './rules.js';
import { FORM_KIND, FORM_SOURCE, FormsStore } from './store.js';

export { FORM_SOURCE } from './store.js';

export const FORM_WEBHOOK: InboxSource = { source: FORM_SOURCE, system: 'forms' };

const MB = 1024 * 1024;

const refs = z.object({
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
const taskJob = afterOrderJob.extend({ performerId: z.number().int() });

export const formRef = (number: string) => `form:${number}`;
const externalIdOf = (number: string) => `form-${number}`;

/**
 * Requests from the merchant's website → RetailCRM. A post (our snippet, Tilda, any HTML form) is checked and
 * stored, and the visitor is answered at once with the number Prilavok gave it; RetailCRM gets the request through
 * jobs: the contact (found by e-mail, then phone; else a new person, tied to the company found by INN or created),
 * the order with that number, then its files, a note and a task. RetailCRM being down only delays the jobs.
 */
export class FormsFlow {
  readonly store: FormsStore;
  private readonly rate = new RateWindow();
  /** The submission id of each request being answered (hashing a large file once is enough). */
  private readonly ids = new WeakMap<WebhookRequest, string>();

  private readonly jobs: {
    customer: JobDef<z.output<typeof refs>>;
    order: JobDef<z.output<typeof orderJob>>;
    file: JobDef<z.output<typeof fileJob>>;
    note: JobDef<z.output<typeof afterOrderJob>>;
    task: JobDef<z.output<typeof taskJob>>;
  };

  constructor(
    private readonly engine: Engine,
    private readonly connectors: ConnectorRegistry,
  ) {
    this.store = new FormsStore(engine.db);
    this.jobs = this.defineJobs();
  }

  private crm(): RetailCrmClient {
    return this.connectors.client(retailcrm);
  }

  private get settings(): FormsSettings {
    return this.engine.settings.get('forms');
  }

  async install({ jobs, api }: Pick<FlowContext, 'jobs' | 'api'>): Promise<void> {
    const e = this.engine;
    jobs(this.jobs as unknown as Parameters<typeof jobs>[0]);
    api.handle('forms.address', () => ({ url: e.webhookUrl(FORM_SOURCE) }));
    await e.addWebhookRoute({
      ...FORM_WEBHOOK,
      allowedOrigins: () => this.settings.allowedOrigins,
      admit: ({ ip, headers }) => {
        const who = visitorAddress(ip, headers['x-forwarded-for']);
        if (!this.rate.take(who, this.settings.perIpPerMinute)) throw new HttpProblem(429, 'Слишком много заявок подряд. Подождите минуту и отправьте снова.');
      },
      fileLimits: () => {
        const s = this.settings;
        return { fileBytes: s.maxFileMb * MB, totalBytes: s.maxTotalMb * MB, types: s.fileTypes };
      },
      toInbox: (req) => this.toInbox(req),
      answer: (req) => this.answer(req),
      refusal: (r) => this.refusal(r),
    });
    e.inbox.handle(FORM_WEBHOOK, submissionSchema, (item, db) => this.received(item, db));
  }

  private defineJobs() {

    const customer = defineJob({
      kind: 'forms.customer',
      system: 'retailcrm',
      title: 'Заявка с сайта → клиент RetailCRM',
      payload: refs,
      key: (p) => `form:${p.number}:customer`,
      run: async (ctx) => {
        const sub = this.submission(ctx.payload.inboxId);
        const found = await this.customer(sub, ctx.payload.number, ctx.job.attempt, { signal: ctx.signal });
        ctx.note({ sent: { email: sub.contact.email, phone: sub.contact.phone, company: sub.contact.company, inn: sub.contact.inn }, received: found });
        return {
          result: found,
          commit: () => {
            order.enqueue(this.engine.queue, { ...ctx.payload, ...found }, { orderId: ctx.job.orderId ?? null });
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
        const sub = this.submission(p.inboxId);
        const crm = this.crm();
        const s = this.settings;
        const externalId = externalIdOf(p.number);
        const opts = { signal: ctx.signal };
        // Only a later attempt can follow a lost answer: look for the order it may have made before making one.
        let made: { id: number; status?: string; customer: { id: number | null } | null } | null =
          ctx.job.attempt > 1 ? ((await crm.ordersList({ externalIds: [externalId] }, 1, 20, opts)).orders[0] ?? null) : null;
        if (made === null) {
          const input = this.orderInput(sub, p, s);
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
          commit: (db: Db) => this.ordered(db, p, id, person, status, ctx.job.orderId ?? null),
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
        const crm = this.crm();
        const opts = { signal: ctx.signal };
        if (ctx.job.attempt > 1) {
          const there = (await filesOfOrder(crm, p.crmId, opts)).find((f) => f.filename === p.filename);
          if (there) return { result: { fileId: there.id, adopted: true } };
        }
        const content = this.engine.inbox.fileContent(p.fileId);
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
        const sub = this.submission(p.inboxId);
        const text = `Заявка с сайта №${p.number}${sub.message ? `: ${sub.message}` : ''}`.slice(0, 2000);
        const r = await customerNoteCreate(this.crm(), { customer: { id: p.personId }, text }, this.settings.site, { signal: ctx.signal });
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
        const text = requestNumberText(this.settings.taskText, p.number);
        const r = await this.crm().taskCreate({ text, performerId: p.performerId, order: { id: p.crmId } }, this.settings.site, { signal: ctx.signal });
        return { result: { taskId: r.id } };
      },
    });
    return { customer, order, file, note, task };
  }

  // ------------------------------------------------------------------------------------------ intake

  private toInbox(req: WebhookRequest) {
    const body = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as FormBody;
    if (isTildaTest(body)) return [];
    const s = this.settings;
    if (!s.enabled) {
      throw new SyncError({ kind: 'needsAttention', system: 'forms', message: 'Приём заявок с сайта выключен.' });
    }
    if (isHoneypotFilled(body)) {
      this.engine.log.warn('form post refused: honeypot filled', { field: HONEYPOT_FIELD });
      throw new SyncError({ kind: 'needsAttention', system: 'forms', message: 'Заявка не принята: форма заполнена автоматически.' });
    }
    const { submission, missing } = readSubmission(body, s, { origin: header(req.headers.origin), referer: header(req.headers.referer) });
    if (missing.length) {
      throw new SyncError({ kind: 'needsAttention', system: 'forms', message: `Заполните ${missing.length === 1 ? 'поле' : 'поля'}: ${missing.join(', ')}.` });
    }
    if (s.fileRequired && submission.via !== 'tilda' && req.files.length === 0) {
      throw new SyncError({ kind: 'needsAttention', system: 'forms', message: 'Прикрепите файл.' });
    }
    const externalId = this.idOf(req, body);
    return [{ source: FORM_SOURCE, externalId, kind: FORM_KIND, payload: submission, files: req.files }];
  }

  private idOf(req: WebhookRequest, body: FormBody): string {
    let id = this.ids.get(req);
    if (id === undefined) {
      // Only a post without its own id is told apart by its content, files included.
      const hashes = viaOf(body) === 'html' ? req.files.map((f) => ({ field: f.field, filename: f.filename, hash: createHash('sha256').update(f.content).digest('hex') })) : [];
      id = submissionId(body, hashes);
      this.ids.set(req, id);
    }
    return id;
  }

  /** After the commit: the number, in the words the sender reads. */
  private answer(req: WebhookRequest): WebhookAnswer {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as FormBody;
    // Tilda wants a plain 200 (its own page thanks the visitor); the connection check stores nothing.
    if (isTildaTest(body) || (body.tranid ?? body.formid) !== undefined) return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
    const row = this.store.byExternalId(this.idOf(req, body));
    if (!row) throw new Error('form request stored without a number');
    const text = requestNumberText(this.settings.successText, row.number);
    if (wantsJson(req)) return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ ok: true, number: row.number, text }) };
    return { status: 200, contentType: 'text/html; charset=utf-8', body: answerPage({ title: `Заявка №${row.number} принята`, text, back: backLink(req.headers) }) };
  }

  private refusal(r: { status: number; message: string; headers: WebhookRequest['headers']; body: unknown }): WebhookAnswer | null {
    if (wantsJson({ headers: r.headers, body: r.body }) || r.status === 404) return null;
    const body = (r.body && typeof r.body === 'object' ? r.body : {}) as FormBody;
    if (body.tranid !== undefined || body.formid !== undefined) return null;
    return { status: r.status, contentType: 'text/html; charset=utf-8', body: answerPage({ title: 'Заявка не отправлена', text: r.message, back: backLink(r.headers) }) };
  }

  /** The stored request becomes an order in the queue and its first job (same transaction). */
  private received(item: InboxItem & { payload: Submission }, _db: Db): void {
    const row = this.store.byExternalId(item.externalId);
    if (!row) throw new SyncError({ kind: 'fatal', system: 'forms', message: 'Заявка с сайта сохранена без номера.', detail: `inbox ${item.id}` });
    // A resubmission that came after its first row was pruned: the number is the first one's, the request too.
    if (row.inboxId !== item.id) return;
    const sub = item.payload;
    const e = this.engine;
    const localId = e.orders.upsert({ ref: formRef(row.number), number: row.number, customer: sub.contact.company ?? sub.contact.name ?? sub.contact.email, phone: sub.contact.phone });
    e.orders.setChip(localId, 'forms', { state: 'received', label: 'Заявка принята', attention: false });
    // The card shows what the visitor sent: every field as they typed it and the files' names.
    e.timeline.record({
      orderId: localId,
      system: 'forms',
      action: `Заявка с сайта №${row.number}`,
      outcome: 'info',
      received: { ...Object.fromEntries(sub.fields.map((f) => [f.label, f.value])), ...(item.files.length ? { Файлы: item.files.map((f) => `${f.filename} (${Math.ceil(f.size / 1024)} КБ)`) } : {}) },
    });
    this.jobs.customer.enqueue(e.queue, { number: row.number, inboxId: item.id }, { orderId: localId });
  }

  private submission(inboxId: number): Submission {
    const item = this.engine.inbox.get(inboxId);
    if (!item) throw new SyncError({ kind: 'needsAttention', system: 'forms', message: 'Заявка с сайта уже удалена из Прилавка (прошёл срок хранения истории).' });
    return submissionSchema.parse(item.payload);
  }

  // ------------------------------------------------------------------------------------------ RetailCRM

  /**
   * The RetailCRM customer of a request: the person with this e-mail, else this phone. A new person with a company
   * in the form becomes a contact person of the corporate customer with that INN (created with its company and
   * contragent when there is none); without a company, an individual customer.
   */
  private async customer(sub: Submission, number: string, attempt: number, o: CallOptions): Promise<{ customerId: number | null; contactId: number | null; companyId: number | null }> {
    const crm = this.crm();
    const site = this.settings.site;
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

  private orderInput(sub: Submission, p: z.output<typeof orderJob>, s: FormsSettings): CrmOrderInput {
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

  private ordered(_db: Db, p: z.output<typeof orderJob>, crmId: number, personId: number | null, crmStatus: string | null, localOrder: number | null): void {
    const e = this.engine;
    this.store.setCrmId(p.number, crmId);
    // From now on the request and the RetailCRM order are one order in the queue.
    const local = localOrder ?? e.orders.idByRef(formRef(p.number));
    e.orders.adoptRef(formRef(p.number), crmOrderRef(crmId));
    if (local) e.orders.upsert({ ref: crmOrderRef(crmId), number: p.number, crmStatus });
    if (local) e.orders.setChip(local, 'forms', { state: 'created', label: 'Заявка в RetailCRM', attention: false });
    const next = { number: p.number, inboxId: p.inboxId, crmId, personId };
    const item = e.inbox.get(p.inboxId);
    for (const f of item?.files ?? []) {
      this.jobs.file.enqueue(e.queue, { ...next, fileId: f.id, filename: f.filename }, { orderId: local });
    }
    const s = this.settings;
    if (s.customerNote) this.jobs.note.enqueue(e.queue, next, { orderId: local });
    if (s.taskPerformerId) this.jobs.task.enqueue(e.queue, { ...next, performerId: s.taskPerformerId }, { orderId: local });
  }
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

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Our snippet asks for JSON; a plain form's browser asks for a page. */
function wantsJson(req: { headers: WebhookRequest['headers']; body: unknown }): boolean {
  const accept = header(req.headers.accept) ?? '';
  const body = (req.body && typeof req.body === 'object' ? req.body : {}) as FormBody;
  return /application\/json/i.test(accept) || body.pf_id !== undefined;
}

function backLink(headers: WebhookRequest['headers']): string | null {
  return header(headers.referer) ?? header(headers.origin) ?? null;
}

/** Requests from the website: the route, the number, and the RetailCRM jobs (see `FormsFlow`). */
export const formsFlow = {
  id: 'forms',
  async install({ engine, connectors, jobs, api }) {
    const flow = new FormsFlow(engine, connectors);
    await flow.install({ jobs, api });
    return flow;
  },
} satisfies FlowModule<FormsFlow>;
