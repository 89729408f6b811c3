import { z } from 'zod';
import { errorKinds } from './errors.js';
import { secretKeySchema, secretKeys, settingsSchemas, settingsSectionSchema, statuscheckPartnerSchema } from './settings.js';
import { connectionTestTargets, systems } from './systems.js';

/**
 * The one API the window knows. The engine serves it through a single dispatcher; the window reaches it
 * through the Electron preload or the headless HTTP/WebSocket bridge. Every method takes one object and
 * returns one object, both described here with zod and checked at the boundary.
 */

const system = z.enum(systems);
const timestamp = z.number().int(); // ms since epoch

export const pollerStatusSchema = z.object({
  id: z.string(),
  title: z.string(),
  system,
  intervalMs: z.number().int(),
  running: z.boolean(),
  /** False while the system is not set up (or its flow is off): the poller does not run. */
  active: z.boolean(),
  lastRunAt: timestamp.nullable(),
  lastOkAt: timestamp.nullable(),
  lastError: z.string().nullable(),
  nextRunAt: timestamp.nullable(),
  /** A long job the poller is part-way through, in the merchant's words (the first connection's sweep). */
  progress: z.string().nullable().default(null),
});

export type PollerStatus = z.output<typeof pollerStatusSchema>;

export const jobStates = ['queued', 'running', 'retrying', 'done', 'attention', 'dead'] as const;
export const jobStateSchema = z.enum(jobStates);
export type JobState = (typeof jobStates)[number];

export const queueDepthSchema = z.object(
  Object.fromEntries(jobStates.map((s) => [s, z.number().int()])) as Record<JobState, z.ZodNumber>,
);

export const engineStatusSchema = z.object({
  version: z.string(),
  startedAt: timestamp,
  paused: z.boolean(),
  pollers: z.array(pollerStatusSchema),
  queue: queueDepthSchema,
  inbox: z.object({ pending: z.number().int(), failed: z.number().int() }),
  webhooks: z.object({
    listening: z.boolean(),
    localUrl: z.string().nullable(),
    publicUrl: z.string().nullable(),
    /** Why the server is not listening, for the merchant. */
    error: z.string().nullable(),
  }),
  /** How the webhook server is reached from the internet (own address or a tunnel Prilavok keeps open). */
  tunnel: z.object({
    provider: z.enum(['none', 'own', 'ngrok', 'localtunnel']),
    state: z.enum(['off', 'connecting', 'up', 'down']),
    /** The public base URL; the last one while reconnecting. */
    url: z.string().nullable(),
    /** Why it is down, for the merchant. */
    error: z.string().nullable(),
    since: timestamp,
  }),
  errors: z.object({ unread: z.number().int() }),
  /** Each external system the engine talks to: set up or not, last successful sync, the current problem. */
  systems: z.array(
    z.object({
      id: system,
      configured: z.boolean(),
      lastOkAt: timestamp.nullable(),
      lastError: z.string().nullable(),
    }),
  ),
  /** Set when secrets are stored without a real OS key store (shown as a warning). */
  secretsWarning: z.string().nullable(),
});
export type EngineStatus = z.output<typeof engineStatusSchema>;

export const systemChipSchema = z.object({ state: z.string(), label: z.string(), attention: z.boolean() });

export const orderSummarySchema = z.object({
  id: z.number().int(),
  ref: z.string(),
  number: z.string(),
  customer: z.string().nullable(),
  phone: z.string().nullable(),
  crmStatus: z.string().nullable(),
  systems: z.record(z.string(), systemChipSchema),
  attention: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type OrderSummary = z.output<typeof orderSummarySchema>;

export const timelineEntrySchema = z.object({
  id: z.number().int(),
  at: timestamp,
  system,
  action: z.string(),
  outcome: z.enum(['ok', 'error', 'info']),
  sent: z.string().nullable(),
  received: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  jobId: z.number().int().nullable(),
  attempt: z.number().int().nullable(),
  errorKind: z.enum(errorKinds).nullable(),
  errorMessage: z.string().nullable(),
  /** What the step did, in Russian («MeaSoft: Доставлен → RetailCRM: статус «Выполнен», оплата 1 990 ₽ отмечена»); null: the action says it. */
  summary: z.string().nullable().default(null),
  /** The step's job has finished since (succeeded, or closed by «Снять отметку»): an error here needs nothing more. */
  resolved: z.boolean().default(false),
});
export type TimelineEntry = z.output<typeof timelineEntrySchema>;

export const errorEntrySchema = z.object({
  id: z.number().int(),
  at: timestamp,
  severity: z.enum(['error', 'warning']),
  kind: z.enum(errorKinds),
  system,
  orderId: z.number().int().nullable(),
  orderNumber: z.string().nullable(),
  jobId: z.number().int().nullable(),
  /** For the merchant, in Russian. */
  message: z.string(),
  /** Technical detail, redacted. */
  detail: z.string().nullable(),
  acknowledged: z.boolean(),
  canRetry: z.boolean(),
  /** How many times the same problem happened while this entry was unread; absent means once. */
  count: z.number().int().positive().optional(),
  /** When it happened last (`at` is the first time); absent means at `at`. */
  lastSeenAt: timestamp.optional(),
});
export type ErrorEntry = z.output<typeof errorEntrySchema>;

const settingsValues = z.object(settingsSchemas);
export const settingsViewSchema = z.object({
  values: settingsValues,
  secrets: z.record(z.enum(secretKeys), z.object({ set: z.boolean(), updatedAt: timestamp.nullable() })),
});
export type SettingsView = z.output<typeof settingsViewSchema>;

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  detail: z.string().nullable(),
});

const empty = z.object({}).strict();

/** One entry of a RetailCRM reference book, as the wizard's dropdowns show it. */
export const referenceItemSchema = z.object({ code: z.string(), name: z.string(), active: z.boolean() });
export const crmReferencesSchema = z.object({
  statuses: z.array(referenceItemSchema.extend({ group: z.string().nullable() })),
  deliveryTypes: z.array(referenceItemSchema),
  paymentTypes: z.array(referenceItemSchema),
  paymentStatuses: z.array(referenceItemSchema),
  stores: z.array(referenceItemSchema),
  sites: z.array(referenceItemSchema),
  userGroups: z.array(referenceItemSchema.extend({ id: z.number().int().nullable() })),
  fetchedAt: timestamp,
});
export type CrmReferences = z.output<typeof crmReferencesSchema>;

/** Every RetailCRM site and store with the LIFE POS outlet its orders go to, and the roles for couriers. */
const posOutletOption = z.object({ guid: z.string(), name: z.string() });
export const posOutletsSchema = z.object({
  sites: z.array(
    z.object({
      site: z.string(),
      siteName: z.string(),
      inn: z.string().nullable(),
      legalName: z.string().nullable(),
      outlets: z.array(posOutletOption),
      outletGuid: z.string().nullable(),
      proposedGuid: z.string().nullable(),
      problem: z.string().nullable(),
    }),
  ),
  stores: z.array(z.object({ store: z.string(), storeName: z.string(), outletGuid: z.string().nullable(), proposedGuid: z.string().nullable() })),
  roles: z.array(z.object({ guid: z.string(), name: z.string().nullable(), employees: z.array(z.string()) })),
});
export type PosOutlets = z.output<typeof posOutletsSchema>;

/** A RetailCRM trigger the merchant creates by hand («Настройки → Триггеры»), with every field to copy. */
export const triggerInstructionSchema = z.object({
  name: z.string(),
  event: z.string(),
  condition: z.string(),
  url: z.string(),
  method: z.literal('POST'),
  params: z.array(z.object({ name: z.string(), value: z.string() })),
});
export type TriggerInstruction = z.output<typeof triggerInstructionSchema>;

/** `dismiss`: «Снять отметку» — the merchant dealt with the order's problem outside Prilavok. */
export const orderActions = ['refresh', 'cancelCourier', 'resend', 'dismiss'] as const;
export type OrderAction = (typeof orderActions)[number];

export const printFormIds = ['label-100x150', 'label-75x120', 'waybill-a4'] as const;
export const printFormSchema = z.object({
  id: z.enum(printFormIds),
  title: z.string(),
  page: z.object({ widthMm: z.number(), heightMm: z.number() }),
});
const printInput = z
  .object({ orderIds: z.array(z.number().int().positive()).min(1).max(500), form: z.enum(printFormIds) })
  .strict();
const printSkippedSchema = z.object({ id: z.number().int(), number: z.string().nullable(), reason: z.string() });
export const printRenderedSchema = z.object({
  html: z.string(),
  /** Whose form it is: Prilavok's own, or the courier service's page. */
  source: z.enum(['prilavok', 'measoft']),
  skipped: z.array(printSkippedSchema),
  notice: z.string().nullable(),
});
const id = z.object({ id: z.number().int().positive() }).strict();

const statuscheckMode = z.enum(['processing', 'accepted', 'range']);
const partnerCode = z.string().trim().regex(/^[a-z0-9-]{1,32}$/);
const partnerSecretsSchema = z.object({ set: z.record(z.string(), z.boolean()) });
/** «Проверить сейчас»: the request sent (secrets masked), the answer, the rows and what would change. */
export const statuscheckPreviewSchema = z.object({
  mode: statuscheckMode,
  asked: z.number().int(),
  request: z.object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()), body: z.string().nullable() }).nullable(),
  status: z.number().int().nullable(),
  answer: z.string().nullable(),
  rows: z.array(z.object({ id: z.string(), status: z.string().nullable(), reason: z.string().nullable(), comment: z.string().nullable(), track: z.string().nullable() })),
  invalid: z.array(z.object({ index: z.number().int(), message: z.string() })),
  notAsked: z.array(z.string()),
  changes: z.array(
    z.object({ number: z.string(), partnerId: z.string(), said: z.string().nullable(), recognized: z.string(), from: z.string(), to: z.string().nullable(), decision: z.string(), willEdit: z.boolean() }),
  ),
  message: z.string(),
});
export type StatuscheckPreview = z.output<typeof statuscheckPreviewSchema>;

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output };
}

export const apiMethods = {
  'engine.status': method(empty, engineStatusSchema),
  'engine.pause': method(empty, engineStatusSchema),
  'engine.resume': method(empty, engineStatusSchema),
  'engine.syncNow': method(z.object({ pollerId: z.string().optional() }).strict(), engineStatusSchema),

  'settings.get': method(empty, settingsViewSchema),
  'settings.update': method(
    z.object({ section: settingsSectionSchema, values: z.record(z.string(), z.unknown()) }).strict(),
    settingsViewSchema,
  ),
  'settings.setSecret': method(
    z.object({ key: secretKeySchema, value: z.string().min(1).max(4096) }).strict(),
    settingsViewSchema,
  ),
  'settings.clearSecret': method(z.object({ key: secretKeySchema }).strict(), settingsViewSchema),

  'connections.test': method(z.object({ system: z.enum(connectionTestTargets) }).strict(), connectionTestResultSchema),

  'orders.list': method(
    z
      .object({
        search: z.string().max(200).optional(),
        attention: z.boolean().optional(),
        system: system.optional(),
        crmStatus: z.string().optional(),
        from: timestamp.optional(),
        to: timestamp.optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
    z.object({ items: z.array(orderSummarySchema), total: z.number().int() }),
  ),
  'orders.get': method(
    id,
    z.object({
      order: orderSummarySchema,
      timeline: z.array(timelineEntrySchema),
      /** Jobs waiting for the merchant: what «Повторить» would run again. */
      waitingJobs: z.number().int().default(0),
    }),
  ),
  'orders.retry': method(id, z.object({ retried: z.number().int() })),

  'errors.list': method(
    z
      .object({
        limit: z.number().int().min(1).max(500).default(100),
        beforeId: z.number().int().optional(),
        unreadOnly: z.boolean().default(false),
      })
      .strict(),
    z.object({ items: z.array(errorEntrySchema), unread: z.number().int() }),
  ),
  'errors.acknowledge': method(
    z.object({ ids: z.array(z.number().int()).max(1000).optional(), all: z.boolean().optional() }).strict(),
    z.object({ unread: z.number().int() }),
  ),
  'errors.retry': method(id, z.object({ retried: z.boolean() })),

  'references.get': method(z.object({ refresh: z.boolean().optional() }).strict(), crmReferencesSchema),
  'pos.outlets': method(z.object({ refresh: z.boolean().optional() }).strict(), posOutletsSchema),
  'setup.triggers': method(
    empty,
    z.object({ url: z.string().nullable(), publicUrl: z.string().nullable(), triggers: z.array(triggerInstructionSchema) }),
  ),
  /** Addresses senders post to: Leeloo's webhook (the merchant copies it) and the cash register's callback; null until the webhook server runs. */
  'setup.webhooks': method(empty, z.object({ leeloo: z.string().nullable(), kassa: z.string().nullable() })),
  /** The address the website's form, Tilda and plain HTML forms post to; null until the webhook server runs. */
  'forms.address': method(empty, z.object({ url: z.string().nullable() })),
  'orders.action': method(z.object({ id: z.number().int().positive(), action: z.enum(orderActions) }).strict(), z.object({ message: z.string() })),

  'statuscheck.preview': method(
    z.object({ partner: z.unknown(), mode: statuscheckMode, expression: z.string().max(10_000).optional() }).strict(),
    statuscheckPreviewSchema,
  ),
  'statuscheck.save': method(z.object({ values: z.unknown() }).strict(), settingsViewSchema),
  'statuscheck.template': method(
    z.object({ template: z.enum(['retailcrm', 'json']), id: partnerCode, name: z.string().trim().min(1).max(100), url: z.string().trim().min(1).max(2000) }).strict(),
    z.object({ partner: statuscheckPartnerSchema }),
  ),
  'statuscheck.setSecret': method(
    z.object({ partner: partnerCode, name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/), value: z.string().min(1).max(4096) }).strict(),
    partnerSecretsSchema,
  ),
  'statuscheck.secrets': method(z.object({ partner: partnerCode, names: z.array(z.string().max(32)).max(10) }).strict(), partnerSecretsSchema),

  'print.forms': method(empty, z.object({ forms: z.array(printFormSchema) })),
  'print.render': method(printInput, printRenderedSchema),
  'print.pdf': method(
    printInput,
    z.object({ pdfBase64: z.string(), filename: z.string(), skipped: z.array(printSkippedSchema) }),
  ),
} as const;

export type ApiMethods = typeof apiMethods;
export type MethodName = keyof ApiMethods;
export type MethodInput<M extends MethodName> = z.input<ApiMethods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<ApiMethods[M]['output']>;

export const apiEvents = {
  /** The status changed (queue depth, poller run, pause). Throttled by the engine. */
  'engine.status': engineStatusSchema,
  /** A new entry in the error log. */
  'errors.logged': errorEntrySchema,
  /** Orders whose state or timeline changed. */
  'orders.changed': z.object({ ids: z.array(z.number().int()) }),
} as const;

export type ApiEvents = typeof apiEvents;
export type EventName = keyof ApiEvents;
export type EventPayload<E extends EventName> = z.output<ApiEvents[E]>;

/** What a failed call returns over any transport. */
export const apiErrorSchema = z.object({
  message: z.string(),
  kind: z.enum(errorKinds),
  detail: z.string().nullable(),
});
export type ApiError = z.output<typeof apiErrorSchema>;

export type ApiResponse<T> = { ok: true; result: T } | { ok: false; error: ApiError };

/** The typed client every window uses, whatever carries it. */
export interface PrilavokApi {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Thrown on the client side when a call fails; carries the engine's Russian message. */
export class ApiCallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
  }
}

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(apiMethods, name);
}
