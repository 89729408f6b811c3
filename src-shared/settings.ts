import { z } from 'zod';
import { formsSettingsSchema } from './forms.js';

/**
 * Settings kept in SQLite, one JSON document per section, each validated by its schema.
 * Later connectors add their sections here; the engine refuses anything a schema rejects.
 */
export const generalSettingsSchema = z.object({
  /** Port of the local webhook server (127.0.0.1); a tunnel exposes it publicly. */
  webhookPort: z.number().int().min(1024).max(65535).default(47800),
  /** How long finished jobs, processed inbox rows and acknowledged errors are kept. */
  keepHistoryDays: z.number().int().min(1).max(3650).default(30),
});

/** A reference code from the merchant's RetailCRM (status, delivery type, payment type…). */
const code = z.string().trim().min(1).max(100);
const optionalText = z.string().trim().max(500).nullable().default(null);

export const retailcrmSettingsSchema = z.object({
  /** The account address: https://shop.retailcrm.ru (own domains of box installs too). */
  url: z.url({ protocol: /^https?$/ }).nullable().default(null),
  /** Store (магазин) code; required when the API key spans several stores. */
  site: code.nullable().default(null),
  /** How often `orders/history` is read: the source of truth behind the trigger hints. */
  historyIntervalSec: z.number().int().min(5).max(3600).default(60),
  /** The account's request budget, shared by every flow. */
  ratePerSec: z.number().int().min(1).max(10).default(10),
});

export const measoftSettingsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).default('https://home.courierexe.ru/api/'),
  /** Courier service code («код службы»). */
  extra: z.string().trim().min(1).max(20).nullable().default(null),
  login: z.string().trim().min(1).max(100).nullable().default(null),
  /** Cursor of our changes feed on the MeaSoft account; another integration must use another stream. */
  streamId: z.number().int().min(100).max(10000).default(4070),
  /** MeaSoft's own module updates every 30 minutes; we poll the changes feed much more often. */
  pollIntervalSec: z.number().int().min(5).max(3600).default(60),
  /** Print forms: our own (always available) or MeaSoft's own page, with ours as the fallback. */
  printSource: z.enum(['prilavok', 'measoft']).default('prilavok'),
});

export const courierSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** RetailCRM statuses that send an order to MeaSoft. */
  triggerStatuses: z.array(code).max(50).default([]),
  /** RetailCRM delivery types delivered by MeaSoft. */
  deliveryTypes: z.array(code).max(50).default([]),
  /** MeaSoft status code → RetailCRM status code; unmapped statuses only update the delivery data. */
  statusMap: z.record(z.string().regex(/^[A-Z_]+$/), code).default({}),
  /** Payment types that mean cash on delivery: the unpaid remainder is collected by the courier. */
  codPaymentTypes: z.array(code).max(50).default([]),
  /** Payment types that mean a card payment to the courier. */
  cardOnDeliveryPaymentTypes: z.array(code).max(50).default([]),
  /** «Получать тип и сумму оплаты»: MeaSoft's payment replaces a mismatching RetailCRM payment. */
  replacePayment: z.boolean().default(true),
  /** RetailCRM payment types for what the courier collected, by MeaSoft `paytype`. */
  paymentTypeMap: z.object({ CASH: code.nullable().default(null), CARD: code.nullable().default(null) }).default({ CASH: null, CARD: null }),
  /** «Код статуса оплаты»: set on delivery when one amount remained to pay. */
  paidPaymentStatus: code.nullable().default(null),
  /** MeaSoft service (tariff) code; empty = the account's default. */
  service: z.number().int().min(0).max(100000).nullable().default(null),
  defaultWeightKg: z.number().min(0.01).max(1000).default(1),
  sender: z
    .object({ company: optionalText, person: optionalText, phone: optionalText, town: optionalText, address: optionalText })
    .default({ company: null, person: null, phone: null, town: null, address: null }),
});

export const lifeposSettingsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).default('https://api.life-pos.ru'),
  /** Phone of an Owner or Administrator employee («Владелец» / «Администратор»). */
  phone: z.string().trim().min(10).max(18).nullable().default(null),
  /** Organisation id: in the LIFE POS cabinet address after …/orgs/. */
  orgGuid: z.string().trim().min(1).max(64).nullable().default(null),
  /** This installation's X-LP-Client-Identifier; generated once. */
  clientId: z.string().trim().min(1).max(64).nullable().default(null),
  /** Money on the wire: kopecks (the default, what LIFE POS is understood to use) or roubles. */
  moneyUnit: z.enum(['minor', 'major']).default('minor'),
  tokenTtlHours: z.number().int().min(1).max(24 * 30).default(24),
  /** How often sales are re-read (payments, states); notifications make it instant when a public URL exists. */
  pollIntervalSec: z.number().int().min(5).max(3600).default(60),
});

export const posSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** RetailCRM statuses that create the sale (the seed's trigger «new»). */
  createStatuses: z.array(code).max(50).default(['new']),
  /**
   * Statuses that cancel a sale not paid in LIFE POS. The seed's «closed» trigger defaults to «Возвращен» and
   * «Отменен»: RetailCRM's standard `refund` (Возврат, group «Отменен») and `cancel-other` (Отменен).
   */
  closeStatuses: z.array(code).max(50).default(['refund', 'cancel-other']),
  /** Payment statuses that refund a paid sale (the seed's «refund»: Возвращён). */
  refundPaymentStatuses: z.array(code).max(50).default(['returned']),
  /** RetailCRM payment types for payments taken in LIFE POS. */
  cashPaymentType: code.nullable().default(null),
  cardPaymentType: code.nullable().default(null),
  /** Payment status for those payments. */
  paidPaymentStatus: code.nullable().default('paid'),
  /** LIFE POS sale state → RetailCRM status; unmapped states change nothing. */
  statusMap: z.partialRecord(z.enum(['New', 'InProgress', 'Completed', 'Cancelled']), code).default({}),
  /** RetailCRM user group whose members get a task for every integration problem (one per order and problem). */
  taskUserGroup: code.nullable().default(null),
  /**
   * Where the site's legal entity has several LIFE POS outlets: RetailCRM store (склад) code → outlet guid, and
   * site (магазин) code → outlet guid. A legal entity with one outlet needs neither.
   */
  outletByStore: z.record(z.string().trim().min(1).max(100), z.string().trim().min(1).max(64)).default({}),
  outletBySite: z.record(z.string().trim().min(1).max(100), z.string().trim().min(1).max(64)).default({}),
  /** The LIFE POS role new courier employees get, picked among the roles the organisation's employees have. */
  courierRoleGuid: z.string().trim().min(1).max(64).nullable().default(null),
});

const taxSystem = z.enum(['osn', 'usn_income', 'usn_income_outcome', 'envd', 'esn', 'patent']);
const vatRate = z.enum(['none', 'vat0', 'vat5', 'vat7', 'vat10', 'vat20', 'vat22']);
const profileId = z.string().trim().regex(/^[a-z0-9-]{1,32}$/, 'латинские буквы, цифры и дефис');

/** One cash register of the ATOL Online account (its group code) with the company it fiscalises for. */
export const kassaProfileSchema = z.object({
  id: profileId,
  name: z.string().trim().min(1).max(100),
  /** v4 = FFD 1.05, v5 = FFD 1.2. */
  version: z.enum(['v4', 'v5']).default('v5'),
  groupCode: z.string().trim().min(1).max(100),
  inn: z.string().trim().regex(/^(\d{10}|\d{12})$/, 'ИНН — 10 или 12 цифр'),
  sno: taxSystem,
  email: z.email(),
  /** The site address the register was registered with. */
  paymentAddress: z.string().trim().min(1).max(256),
  /** Goods' VAT when RetailCRM gives none. */
  vat: vatRate.default('none'),
});

export const kassaSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** `https://online.atol.ru` (test: `https://testonline.atol.ru`). */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://online.atol.ru'),
  login: z.string().trim().min(1).max(100).nullable().default(null),
  profiles: z.array(kassaProfileSchema).max(20).default([]),
  /** RetailCRM payment type → profile: a payment of that type becoming paid gets a sell receipt. */
  crmPaymentTypes: z.record(z.string(), profileId).default({}),
  /** RetailCRM payment types that are cash (ATOL payment type 0); every other type is cashless (1). */
  cashPaymentTypes: z.array(code).max(50).default(['cash']),
  paidPaymentStatuses: z.array(code).max(20).default(['paid']),
  refundPaymentStatuses: z.array(code).max(20).default(['returned']),
  /** Goods handed over later: a prepayment receipt when paid, a settlement receipt when the order completes. */
  prepaymentUntilComplete: z.boolean().default(false),
  completeStatuses: z.array(code).max(20).default(['complete']),
  /** Cash on delivery (courier flow): a full-settlement receipt on delivery, unless the courier prints one. */
  cod: z
    .object({ enabled: z.boolean().default(false), profileId: profileId.nullable().default(null), courierPrints: z.boolean().default(false) })
    .default({ enabled: false, profileId: null, courierPrints: false }),
  /** RetailCRM custom field that receives the fiscal attributes; empty = kept in Prilavok and the timeline only. */
  writeBackField: code.nullable().default(null),
});

export const leelooSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** Leeloo `payment_method` (id of the merchant's payment integration) → cash-register profile. */
  paymentMethods: z.record(z.string().trim().min(1).max(64), profileId).default({}),
  /** RetailCRM store (site) for the orders, its payment type and paid status. */
  site: code.nullable().default(null),
  paymentType: code.nullable().default(null),
  paidStatus: code.default('paid'),
  orderStatus: code.nullable().default(null),
});

/**
 * How the webhook server is reached from the internet. `none`: it is not (Prilavok polls instead); `own`: the
 * merchant's static address or reverse proxy (`ownUrl`); `ngrok` / `localtunnel`: a tunnel Prilavok opens and
 * keeps open itself.
 */
export const tunnelSettingsSchema = z.object({
  provider: z.enum(['none', 'own', 'ngrok', 'localtunnel']).default('none'),
  /** The merchant's own public base URL that reaches the webhook port (https://prilavok.shop.ru). */
  ownUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  /** A reserved ngrok domain (example.ngrok.app); empty = a random address from ngrok. */
  ngrokDomain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'доменное имя, например shop.ngrok.app')
    .nullable()
    .default(null),
  /** The localtunnel server: the public one or the merchant's own. */
  localtunnelHost: z.url({ protocol: /^https?$/ }).default('https://localtunnel.me'),
  /** The subdomain to ask for, so the address survives reconnects; empty = whatever the server gives. */
  localtunnelSubdomain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$/, 'от 4 до 63 латинских букв, цифр и дефисов')
    .nullable()
    .default(null),
}).superRefine((t, ctx) => {
  if (t.provider === 'own' && !t.ownUrl) {
    ctx.addIssue({ code: 'custom', path: ['ownUrl'], message: 'укажите адрес, по которому Прилавок доступен из интернета' });
  }
});

/** A name of a partner's secret (API key, password): `{secret:name}` in its URL or headers. */
const partnerSecretName = z.string().trim().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/, 'латинские буквы, цифры и «_», с буквы');
const partnerText = z.string().max(2000);

/** One request to a partner: URL and header values take macros and secrets; fields go to the query (GET) or body. */
export const partnerRequestSchema = z.object({
  method: z.enum(['GET', 'POST']).default('GET'),
  url: z.string().trim().min(1).max(2000),
  headers: z.array(z.object({ name: z.string().trim().min(1).max(100), value: partnerText })).max(20).default([]),
  /** Data fields: `{ids}`/`{ide}` become arrays here (repeated `name[]=` in a query or form, arrays in JSON). */
  fields: z.array(z.object({ name: z.string().trim().min(1).max(100), value: partnerText })).max(50).default([]),
  /** How a POST carries the fields (the seed's «pre-processing» reduced to this choice). */
  bodyFormat: z.enum(['form', 'json']).default('form'),
});

const modeSchema = (intervalMin: number, batchSize: number) =>
  z
    .object({
      enabled: z.boolean().default(false),
      intervalMin: z.number().int().min(1).max(7 * 24 * 60).default(intervalMin),
      /** Orders per request (id modes); 1 makes one request per order. */
      batchSize: z.number().int().min(1).max(1000).default(batchSize),
    })
    .default({ enabled: false, intervalMin, batchSize });

/** A partner that holds some of the merchant's orders and answers their statuses through its own API. */
export const statuscheckPartnerSchema = z.object({
  id: profileId,
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().default(false),
  /** Which RetailCRM orders it holds: every non-empty condition must match. */
  holds: z
    .object({
      sites: z.array(code).max(50).default([]),
      orderMethods: z.array(code).max(50).default([]),
      deliveryTypes: z.array(code).max(50).default([]),
      customField: z.object({ code, value: z.string().trim().min(1).max(200) }).nullable().default(null),
    })
    .default({ sites: [], orderMethods: [], deliveryTypes: [], customField: null }),
  /** Where the partner's id of an order lives (the seed's external id); `id`/`number`: the partner uses ours. */
  partnerId: z
    .object({ source: z.enum(['externalId', 'customField', 'id', 'number']).default('externalId'), field: code.nullable().default(null) })
    .default({ source: 'externalId', field: null }),
  /** Dates in macros are this zone's days and times. */
  timezone: z.string().trim().min(1).max(64).default('Europe/Moscow'),
  modes: z
    .object({
      processing: modeSchema(10, 100),
      accepted: modeSchema(180, 100),
      range: z
        .object({
          enabled: z.boolean().default(false),
          intervalMin: z.number().int().min(1).max(7 * 24 * 60).default(60),
          /** Longest range in one request, in days. */
          maxDays: z.number().int().min(1).max(92).default(7),
          /** Orders created longer ago than this are not looked for. */
          lookbackDays: z.number().int().min(1).max(366).default(60),
        })
        .default({ enabled: false, intervalMin: 60, maxDays: 7, lookbackDays: 60 }),
    })
    .default({
      processing: { enabled: false, intervalMin: 10, batchSize: 100 },
      accepted: { enabled: false, intervalMin: 180, batchSize: 100 },
      range: { enabled: false, intervalMin: 60, maxDays: 7, lookbackDays: 60 },
    }),
  /** The id modes' request and the date-range request (null: the id request with date macros). */
  request: partnerRequestSchema,
  rangeRequest: partnerRequestSchema.nullable().default(null),
  /** Date-range answers split into pages: the page number goes in field `param`; `totalPages` (JSONata) reads the count. */
  paging: z
    .object({ param: z.string().trim().min(1).max(100), totalPages: z.string().trim().min(1).max(500), maxPages: z.number().int().min(1).max(100).default(20) })
    .nullable()
    .default(null),
  secrets: z.array(partnerSecretName).max(10).default([]),
  answerFormat: z.enum(['auto', 'json', 'xml', 'form']).default('auto'),
  /** JSONata: the decoded answer → rows `{ id, status, reason?, comment?, track?, hold? }`. */
  expression: z.string().trim().min(1).max(4000),
  /** Partner status text → lead status 1–12 or «accept» (lower case); unknown words fall back to recognition. */
  statusWords: z.record(z.string().trim().min(1).max(200), z.union([z.number().int().min(1).max(12), z.literal('accept')])).default({}),
  /** Lead status 1–12 → RetailCRM status; an unmapped one changes nothing. */
  statusMap: z.record(z.string().regex(/^([1-9]|1[0-2])$/), code).default({}),
  /** RetailCRM status of an approved order (the seed's `accept = 1`). */
  approveStatus: code.nullable().default(null),
  /** Partner reason text → standard refusal reason 1–17. */
  reasonWords: z.record(z.string().trim().min(1).max(200), z.number().int().min(1).max(17)).default({}),
  /** Where the refusal reason goes: a RetailCRM custom field (its name) or the status comment. */
  reasonTo: z
    .object({ kind: z.enum(['none', 'comment', 'field']).default('comment'), field: code.nullable().default(null) })
    .default({ kind: 'comment', field: null }),
  /** The partner's raw status text and comment go to the order's status comment with a change. */
  keepRawInComment: z.boolean().default(true),
  /** A track number from the partner goes to the order's delivery. */
  writeTrack: z.boolean().default(false),
  /** RetailCRM statuses that leave the checks, besides the cancelled, paid, returned and deleted ones. */
  terminalStatuses: z.array(code).max(50).default([]),
  /** The partner's request budget. */
  ratePerSec: z.number().min(0.1).max(50).default(2),
});

export const statuscheckSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    partners: z.array(statuscheckPartnerSchema).max(20).default([]),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.partners.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['partners', i, 'id'], message: `партнёр «${p.id}» уже есть` });
      seen.add(p.id);
    });
  });

export const settingsSchemas = {
  general: generalSettingsSchema,
  tunnel: tunnelSettingsSchema,
  retailcrm: retailcrmSettingsSchema,
  measoft: measoftSettingsSchema,
  courier: courierSettingsSchema,
  lifepos: lifeposSettingsSchema,
  pos: posSettingsSchema,
  kassa: kassaSettingsSchema,
  leeloo: leelooSettingsSchema,
  forms: formsSettingsSchema,
  statuscheck: statuscheckSettingsSchema,
} as const;

export type SettingsSection = keyof typeof settingsSchemas;
export const settingsSectionSchema = z.enum(Object.keys(settingsSchemas) as [SettingsSection, ...SettingsSection[]]);
export type Settings = { [S in SettingsSection]: z.output<(typeof settingsSchemas)[S]> };

/** Secrets are write-only once saved: the UI only learns whether each is set. */
export const secretKeys = [
  'retailcrm.apiKey',
  'measoft.password',
  'lifepos.password',
  'kassa.password',
  'tunnel.ngrokAuthtoken',
] as const;
export const secretKeySchema = z.enum(secretKeys);
export type SecretKey = (typeof secretKeys)[number];

export const secretTitles: Record<SecretKey, string> = {
  'retailcrm.apiKey': 'API-ключ RetailCRM',
  'measoft.password': 'Пароль MeaSoft',
  'lifepos.password': 'Пароль LIFE POS',
  'kassa.password': 'Пароль онлайн-кассы',
  'tunnel.ngrokAuthtoken': 'Токен ngrok',
};
