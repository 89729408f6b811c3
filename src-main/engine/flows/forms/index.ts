import { createHash } from 'node:crypto';
import { HONEYPOT_FIELD, requestNumberText, type FormsSettings } from '../../../../src-shared/forms.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Db } from '../../db/open.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import type { InboxItem, InboxSource } from '../../jobs/inbox.js';
import { HttpProblem, type WebhookAnswer, type WebhookRequest } from '../../webhooks/server.js';
import type { FlowContext, FlowModule } from '../types.js';
import { formJobs, formRef } from './jobs.js';
import {
  answerPage,
  isHoneypotFilled,
  isTildaTest,
  RateWindow,
  readSubmission,
  submissionId,
  submissionSchema,
  viaOf,
  visitorAddress,
  type FormBody,
  type Submission,
} from './rules.js';
import { FORM_KIND, FORM_SOURCE, formsMigrations, FormsStore } from './store.js';

export { formRef } from './jobs.js';
export { FORM_SOURCE } from './store.js';

export const FORM_WEBHOOK: InboxSource = { source: FORM_SOURCE, system: 'forms' };

const MB = 1024 * 1024;

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
  private readonly jobs: ReturnType<typeof formJobs>;

  constructor(
    private readonly engine: Engine,
    connectors: ConnectorRegistry,
  ) {
    this.store = new FormsStore(engine.db);
    this.jobs = formJobs({ engine, connectors, store: this.store, settings: () => this.settings });
  }

  private get settings(): FormsSettings {
    return this.engine.settings.get('forms');
  }

  async install({ jobs, api }: Pick<FlowContext, 'jobs' | 'api'>): Promise<void> {
    const e = this.engine;
    jobs(this.jobs);
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
      const hashes = viaOf(body) === 'html' ? req.files.map((f) => ({ field: f.field, filename: f.filename, hash: f.sha256 ?? createHash('sha256').update(f.content ?? '').digest('hex') })) : [];
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
  migrations: formsMigrations,
  async install({ engine, connectors, jobs, api }) {
    const flow = new FormsFlow(engine, connectors);
    await flow.install({ jobs, api });
    return flow;
  },
} satisfies FlowModule<FormsFlow>;
