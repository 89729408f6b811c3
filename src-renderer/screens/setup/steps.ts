import type { ComponentType } from 'react';
import type { CrmReferences, EngineStatus, SettingsView } from '../../../src-shared/api';
import { measoftStatuses } from '../../../src-shared/measoft-statuses';
import type { SecretKey, SettingsSection } from '../../../src-shared/settings';
import type { ConnectionTestTarget } from '../../../src-shared/systems';
import { ru } from '../../i18n/ru';
import { formFieldRoles } from '../../../src-shared/forms';
import { FormsSnippet } from './FormsSnippet';
import { PartnersStep } from './PartnersStep';
import { TriggersStep } from './TriggersStep';
import { TunnelLiveState } from './TunnelState';
import type { StepContext } from './types';

/**
 * The setup wizard as data: each connector is one descriptor — a settings section, its fields grouped as the
 * merchant reads them, an optional connection test, and what «done» means. A new system (LIFE POS, the cash
 * register, Leeloo, a tunnel) is one more entry in `setupSteps`, not a new screen.
 */

/** RetailCRM reference books a field can choose from. */
export type RefBook = Exclude<keyof CrmReferences, 'fetchedAt'>;

interface FieldBase {
  label: string;
  hint?: string;
  /** Stable handle for tests: `field-<testId>`. */
  testId: string;
  /** Shown (and checked) only while this holds for the step's unsaved values; hidden fields keep their values. */
  when?: (values: Values) => boolean;
}

/** A value inside the section; `sender.company` reaches into a nested object. */
interface PathField extends FieldBase {
  path: string;
}

export type Field =
  | (PathField & { kind: 'text'; type?: 'text' | 'url' | 'tel'; placeholder?: string; nullable?: boolean; wide?: boolean })
  /** A list of short values typed on one line, separated by commas (the settings schema splits it). */
  | (PathField & { kind: 'textList'; placeholder?: string })
  | (PathField & { kind: 'number'; unit?: string; nullable?: boolean; step?: number; min?: number; max?: number })
  | (PathField & { kind: 'toggle' })
  | (PathField & { kind: 'choice'; options: ReadonlyArray<{ value: string; label: string }> })
  /** One of a few ways, as cards with a sentence each on what it means for the merchant. */
  | (PathField & { kind: 'cards'; options: ReadonlyArray<{ value: string; label: string; text: string }> })
  /** One code from a RetailCRM reference book; `emptyLabel` is the «nothing chosen» option (saved as null), none when the setting is required. */
  | (PathField & { kind: 'ref'; ref: RefBook; emptyLabel?: string })
  /** Several codes from a reference book, added from a dropdown and shown as removable chips. */
  | (PathField & { kind: 'refList'; ref: RefBook })
  /** A code of ours (rows) → a code from a reference book, as a table with a dropdown per row; `column` heads our codes. */
  | (PathField & { kind: 'refMap'; ref: RefBook; rows: ReadonlyArray<{ code: string; title: string; common: boolean }>; column?: string })
  /** Write-only: shown as «ключ сохранён» once set. */
  | (FieldBase & { kind: 'secret'; key: SecretKey; savedText?: string })
  /** One value from a list that depends on other settings (a cash-register profile); empty = null. */
  | (PathField & { kind: 'pick'; choices: Choices; emptyLabel: string })
  /** A list of records (cash-register profiles): added, edited in place, removed; each record's fields as sub-fields. */
  | (PathField & { kind: 'records'; fields: RecordField[]; newRecord(existing: readonly Values[]): Values; idKey: string; title(record: Values): string; summary(record: Values): string; addLabel: string; emptyText: string })
  /**
   * Codes → one of `choices`, as a table. Keys are a reference book's codes (every code a row, empty = not
   * mapped) or codes the merchant types (rows added and removed).
   */
  | (PathField & { kind: 'codeMap'; keys: { ref: RefBook } | { typed: { label: string; placeholder?: string } }; column: string; valueColumn: string; choices: Choices; emptyLabel: string; noChoices: string })
  /** Read-only: the address a sender posts to, with a copy button. */
  | (FieldBase & { kind: 'webhook'; source: 'leeloo' | 'kassa' })
  /** RetailCRM site or store code → LIFE POS outlet, with each site's INN, from both accounts (LIFE POS sales). */
  | (PathField & { kind: 'posOutlets'; level: 'site' | 'store' })
  /** A LIFE POS role among those the organisation's employees have (the courier role). */
  | (PathField & { kind: 'lpRole' });

/** A field inside a record of a `records` list; its path is relative to the record. */
export type RecordField = Extract<Field, { kind: 'text' | 'choice' | 'toggle' }>;

export type Values = Record<string, unknown>;
export interface ChoiceOption {
  value: string;
  label: string;
}
/** Options computed from the step's unsaved values and the saved settings. */
export type Choices = (ctx: { draft: Values; view: SettingsView }) => ChoiceOption[];

export interface FieldGroup {
  title?: string;
  hint?: string;
  fields: Field[];
}

/** The fields of a group shown for these unsaved values (a group with none is not shown at all). */
export function visibleFields(group: FieldGroup, values: Values): Field[] {
  return group.fields.filter((f) => !f.when || f.when(values));
}

/** What a form step may show next to its buttons: live state from the engine. */
export interface LiveStateProps {
  view: SettingsView;
  /** The step's unsaved values. */
  draft: Values;
  dirty: boolean;
}

interface StepBase {
  id: string;
  title: string;
  intro: string;
  /** Shown as «Готово» in the step list; `status` is the engine's live status (null until it is known). */
  done(view: SettingsView, status: EngineStatus | null): boolean;
  /** Not needed to work: the first run does not stop on it. */
  optional?: boolean;
}

export interface FormStep extends StepBase {
  kind: 'form';
  section: SettingsSection;
  groups: FieldGroup[];
  /** «Проверить подключение» runs `connections.test` for this system (after saving). */
  testSystem?: ConnectionTestTarget;
  /** «Сохранить» runs that check too, once saved: the save never waits on it, the result shows under the form. */
  checkOnSave?: boolean;
  /** The fields cannot be filled without RetailCRM's reference books. */
  needsCrm?: boolean;
  /** Live state next to «Проверить подключение» (the tunnel's). */
  Live?: ComponentType<LiveStateProps>;
}

export interface CustomStep extends StepBase {
  kind: 'custom';
  /** Instruction steps count as done once what they depend on is. */
  info?: boolean;
  Component: ComponentType<StepContext>;
}

export type SetupStep = FormStep | CustomStep;

export function crmConnected(view: SettingsView): boolean {
  return !!view.values.retailcrm.url && !!view.secrets['retailcrm.apiKey']?.set;
}

/** A tunnel (or own address) that is chosen and up; «none» is never done (the step is optional). */
export function tunnelDone(view: SettingsView, status: EngineStatus | null): boolean {
  const provider = view.values.tunnel.provider;
  return provider !== 'none' && status !== null && status.tunnel.provider === provider && status.tunnel.state === 'up';
}

export function lifeposConnected(view: SettingsView): boolean {
  return !!view.values.lifepos.orgGuid && !!view.values.lifepos.phone && !!view.secrets['lifepos.password']?.set;
}

const r = ru.setup;
const tn = ru.tunnel;
const provider = (p: string) => (values: Values) => values.provider === p;

/** LIFE POS sale states (`state`), as the status map lists them. */
const posSaleStates = [
  { code: 'New', title: r.pos.stateNew, common: true },
  { code: 'InProgress', title: r.pos.stateInProgress, common: true },
  { code: 'Completed', title: r.pos.stateCompleted, common: true },
  { code: 'Cancelled', title: r.pos.stateCancelled, common: true },
] as const;
const seconds = r.units.seconds;

export function kassaConnected(view: SettingsView): boolean {
  const k = view.values.kassa;
  return k.enabled && !!k.login && !!view.secrets['kassa.password']?.set && k.profiles.length > 0;
}

/** Cash-register profiles as choices, by name. */
function profileChoices(list: unknown): ChoiceOption[] {
  if (!Array.isArray(list)) return [];
  return (list as Values[])
    .filter((p) => typeof p.id === 'string' && p.id !== '')
    .map((p) => ({ value: p.id as string, label: typeof p.name === 'string' && p.name.trim() ? p.name : r.kassa.unnamed }));
}

/** A new profile's id: stable and unique, never shown; maps refer to it. */
function newProfileId(existing: readonly Values[]): string {
  let id: string;
  do id = `kassa-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  while (existing.some((p) => p.id === id));
  return id;
}

const snoOptions = [
  { value: 'usn_income', label: r.kassa.snoUsnIncome },
  { value: 'usn_income_outcome', label: r.kassa.snoUsnIncomeOutcome },
  { value: 'osn', label: r.kassa.snoOsn },
  { value: 'patent', label: r.kassa.snoPatent },
  { value: 'esn', label: r.kassa.snoEsn },
  { value: 'envd', label: r.kassa.snoEnvd },
];
const vatOptions = [
  { value: 'none', label: r.kassa.vatNone },
  { value: 'vat0', label: '0%' },
  { value: 'vat5', label: '5%' },
  { value: 'vat7', label: '7%' },
  { value: 'vat10', label: '10%' },
  { value: 'vat20', label: '20%' },
  { value: 'vat22', label: '22%' },
];
const ffd = (version: unknown) => (version === 'v4' ? r.kassa.ffd105 : r.kassa.ffd12);

export const setupSteps: SetupStep[] = [
  {
    kind: 'form',
    id: 'retailcrm',
    title: r.retailcrm.title,
    intro: r.retailcrm.intro,
    section: 'retailcrm',
    testSystem: 'retailcrm',
    done: crmConnected,
    groups: [
      {
        fields: [
          { kind: 'text', path: 'url', type: 'url', label: r.retailcrm.url, hint: r.retailcrm.urlHint, placeholder: 'https://moy-magazin.retailcrm.ru', nullable: true, testId: 'crm-url', wide: true },
          { kind: 'secret', key: 'retailcrm.apiKey', label: r.retailcrm.apiKey, testId: 'crm-key' },
          { kind: 'ref', path: 'site', ref: 'sites', label: r.retailcrm.site, hint: r.retailcrm.siteHint, emptyLabel: r.retailcrm.siteAll, testId: 'crm-site' },
          { kind: 'number', path: 'historyIntervalSec', label: r.retailcrm.historyInterval, hint: r.retailcrm.historyIntervalHint, unit: seconds, min: 5, max: 3600, testId: 'crm-interval' },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'measoft',
    title: r.measoft.title,
    intro: r.measoft.intro,
    section: 'measoft',
    testSystem: 'measoft',
    done: (v) => !!v.values.measoft.extra && !!v.values.measoft.login && !!v.secrets['measoft.password']?.set,
    groups: [
      {
        fields: [
          { kind: 'text', path: 'extra', label: r.measoft.extra, hint: r.measoft.extraHint, nullable: true, testId: 'ms-extra' },
          { kind: 'text', path: 'login', label: r.measoft.login, nullable: true, testId: 'ms-login' },
          { kind: 'secret', key: 'measoft.password', label: r.measoft.password, savedText: r.secret.savedPassword, testId: 'ms-password' },
          { kind: 'text', path: 'url', type: 'url', label: r.measoft.url, hint: r.measoft.urlHint, testId: 'ms-url', wide: true },
          { kind: 'number', path: 'streamId', label: r.measoft.streamId, hint: r.measoft.streamIdHint, min: 100, max: 10000, testId: 'ms-stream' },
          { kind: 'number', path: 'pollIntervalSec', label: r.measoft.pollInterval, unit: seconds, min: 5, max: 3600, testId: 'ms-interval' },
          {
            kind: 'choice',
            path: 'printSource',
            label: r.measoft.printSource,
            options: [
              { value: 'prilavok', label: r.measoft.printPrilavok },
              { value: 'measoft', label: r.measoft.printMeasoft },
            ],
            testId: 'ms-print',
          },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'courier',
    title: r.courier.title,
    intro: r.courier.intro,
    section: 'courier',
    needsCrm: true,
    done: (v) => v.values.courier.enabled && v.values.courier.triggerStatuses.length > 0 && v.values.courier.deliveryTypes.length > 0,
    groups: [
      {
        title: r.courier.sending,
        fields: [
          { kind: 'toggle', path: 'enabled', label: r.courier.enabled, testId: 'courier-enabled' },
          { kind: 'refList', path: 'triggerStatuses', ref: 'statuses', label: r.courier.triggerStatuses, hint: r.courier.triggerStatusesHint, testId: 'courier-trigger-statuses' },
          { kind: 'refList', path: 'deliveryTypes', ref: 'deliveryTypes', label: r.courier.deliveryTypes, hint: r.courier.deliveryTypesHint, testId: 'courier-delivery-types' },
          { kind: 'number', path: 'defaultWeightKg', label: r.courier.defaultWeight, hint: r.courier.defaultWeightHint, unit: r.units.kg, step: 0.1, min: 0.01, max: 1000, testId: 'courier-weight' },
        ],
      },
      {
        title: r.courier.statuses,
        fields: [
          { kind: 'refMap', path: 'statusMap', ref: 'statuses', rows: measoftStatuses, label: r.courier.statusMap, hint: r.courier.statusMapHint, testId: 'courier-status-map' },
        ],
      },
      {
        title: r.courier.payments,
        fields: [
          { kind: 'refList', path: 'codPaymentTypes', ref: 'paymentTypes', label: r.courier.codTypes, hint: r.courier.codTypesHint, testId: 'courier-cod-types' },
          { kind: 'refList', path: 'cardOnDeliveryPaymentTypes', ref: 'paymentTypes', label: r.courier.cardTypes, testId: 'courier-card-types' },
          { kind: 'toggle', path: 'replacePayment', label: r.courier.replacePayment, hint: r.courier.replacePaymentHint, testId: 'courier-replace-payment' },
          { kind: 'ref', path: 'paymentTypeMap.CASH', ref: 'paymentTypes', label: r.courier.payCash, emptyLabel: r.none, testId: 'courier-pay-cash' },
          { kind: 'ref', path: 'paymentTypeMap.CARD', ref: 'paymentTypes', label: r.courier.payCard, emptyLabel: r.none, testId: 'courier-pay-card' },
          { kind: 'ref', path: 'paidPaymentStatus', ref: 'paymentStatuses', label: r.courier.paidStatus, hint: r.courier.paidStatusHint, emptyLabel: r.none, testId: 'courier-paid-status' },
        ],
      },
      {
        title: r.courier.sender,
        hint: r.courier.senderHint,
        fields: [
          { kind: 'text', path: 'sender.company', label: r.courier.company, nullable: true, testId: 'sender-company', wide: true },
          { kind: 'text', path: 'sender.person', label: r.courier.person, nullable: true, testId: 'sender-person' },
          { kind: 'text', path: 'sender.phone', type: 'tel', label: r.courier.phone, nullable: true, testId: 'sender-phone' },
          { kind: 'text', path: 'sender.town', label: r.courier.town, nullable: true, testId: 'sender-town' },
          { kind: 'text', path: 'sender.address', label: r.courier.address, nullable: true, testId: 'sender-address', wide: true },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'lifepos',
    title: r.lifepos.title,
    intro: r.lifepos.intro,
    section: 'lifepos',
    testSystem: 'lifepos',
    done: lifeposConnected,
    groups: [
      {
        fields: [
          { kind: 'text', path: 'orgGuid', label: r.lifepos.orgGuid, hint: r.lifepos.orgGuidHint, nullable: true, testId: 'lp-org', wide: true },
          { kind: 'text', path: 'phone', type: 'tel', label: r.lifepos.phone, hint: r.lifepos.phoneHint, placeholder: '+7 999 123-45-67', nullable: true, testId: 'lp-phone' },
          { kind: 'secret', key: 'lifepos.password', label: r.lifepos.password, savedText: r.secret.savedPassword, testId: 'lp-password' },
          { kind: 'text', path: 'url', type: 'url', label: r.lifepos.url, hint: r.lifepos.urlHint, testId: 'lp-url', wide: true },
          {
            kind: 'choice',
            path: 'moneyUnit',
            label: r.lifepos.moneyUnit,
            hint: r.lifepos.moneyUnitHint,
            options: [
              { value: 'minor', label: r.lifepos.moneyMinor },
              { value: 'major', label: r.lifepos.moneyMajor },
            ],
            testId: 'lp-money',
          },
          { kind: 'number', path: 'pollIntervalSec', label: r.lifepos.pollInterval, hint: r.lifepos.pollIntervalHint, unit: seconds, min: 5, max: 3600, testId: 'lp-interval' },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'pos',
    title: r.pos.title,
    intro: r.pos.intro,
    section: 'pos',
    needsCrm: true,
    testSystem: 'pos',
    checkOnSave: true,
    done: (v) => v.values.pos.enabled && v.values.pos.createStatuses.length > 0 && lifeposConnected(v),
    groups: [
      {
        title: r.pos.sales,
        fields: [
          { kind: 'toggle', path: 'enabled', label: r.pos.enabled, hint: r.pos.enabledHint, testId: 'pos-enabled' },
          { kind: 'refList', path: 'createStatuses', ref: 'statuses', label: r.pos.createStatuses, hint: r.pos.createStatusesHint, testId: 'pos-create-statuses' },
          { kind: 'refList', path: 'closeStatuses', ref: 'statuses', label: r.pos.closeStatuses, hint: r.pos.closeStatusesHint, testId: 'pos-close-statuses' },
          { kind: 'refList', path: 'refundPaymentStatuses', ref: 'paymentStatuses', label: r.pos.refundStatuses, hint: r.pos.refundStatusesHint, testId: 'pos-refund-statuses' },
        ],
      },
      {
        title: r.pos.statuses,
        fields: [
          { kind: 'refMap', path: 'statusMap', ref: 'statuses', rows: posSaleStates, column: r.pos.stateColumn, label: r.pos.statusMap, hint: r.pos.statusMapHint, testId: 'pos-status-map' },
        ],
      },
      {
        title: r.pos.payments,
        hint: r.pos.paymentsHint,
        fields: [
          { kind: 'ref', path: 'cashPaymentType', ref: 'paymentTypes', label: r.pos.cashType, emptyLabel: r.none, testId: 'pos-cash-type' },
          { kind: 'ref', path: 'cardPaymentType', ref: 'paymentTypes', label: r.pos.cardType, emptyLabel: r.none, testId: 'pos-card-type' },
          { kind: 'ref', path: 'paidPaymentStatus', ref: 'paymentStatuses', label: r.pos.paidStatus, hint: r.pos.paidStatusHint, emptyLabel: r.none, testId: 'pos-paid-status' },
        ],
      },
      {
        title: r.pos.outlets,
        hint: r.pos.outletsHint,
        fields: [
          { kind: 'posOutlets', level: 'site', path: 'outletBySite', label: r.pos.outletSites, hint: r.pos.outletSitesHint, testId: 'pos-outlet-sites' },
          { kind: 'posOutlets', level: 'store', path: 'outletByStore', label: r.pos.outletStores, hint: r.pos.outletStoresHint, testId: 'pos-outlet-stores' },
        ],
      },
      {
        title: r.pos.couriers,
        fields: [{ kind: 'lpRole', path: 'courierRoleGuid', label: r.pos.courierRole, hint: r.pos.courierRoleHint, testId: 'pos-courier-role' }],
      },
      {
        title: r.pos.tasks,
        fields: [
          { kind: 'ref', path: 'taskUserGroup', ref: 'userGroups', label: r.pos.taskGroup, hint: r.pos.taskGroupHint, emptyLabel: r.pos.taskGroupNone, testId: 'pos-task-group' },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'kassa',
    title: r.kassa.title,
    intro: r.kassa.intro,
    section: 'kassa',
    testSystem: 'kassa',
    done: kassaConnected,
    groups: [
      {
        title: r.kassa.connection,
        fields: [
          { kind: 'toggle', path: 'enabled', label: r.kassa.enabled, hint: r.kassa.enabledHint, testId: 'kassa-enabled' },
          { kind: 'text', path: 'login', label: r.kassa.login, hint: r.kassa.loginHint, nullable: true, testId: 'kassa-login' },
          { kind: 'secret', key: 'kassa.password', label: r.kassa.password, savedText: r.secret.savedPassword, testId: 'kassa-password' },
          { kind: 'text', path: 'baseUrl', type: 'url', label: r.kassa.baseUrl, hint: r.kassa.baseUrlHint, testId: 'kassa-url', wide: true },
        ],
      },
      {
        title: r.kassa.profiles,
        hint: r.kassa.profilesHint,
        fields: [
          {
            kind: 'records',
            path: 'profiles',
            label: r.kassa.profilesLabel,
            testId: 'kassa-profiles',
            idKey: 'id',
            addLabel: r.kassa.addProfile,
            emptyText: r.kassa.noProfiles,
            newRecord: (existing) => ({ id: newProfileId(existing), name: '', version: 'v5', groupCode: '', inn: '', sno: 'usn_income', email: '', paymentAddress: '', vat: 'none' }),
            title: (p) => (typeof p.name === 'string' && p.name.trim() ? p.name : r.kassa.unnamed),
            summary: (p) => [p.groupCode ? r.kassa.summaryGroup(String(p.groupCode)) : null, p.inn ? r.kassa.summaryInn(String(p.inn)) : null, ffd(p.version)].filter(Boolean).join(' · '),
            fields: [
              { kind: 'text', path: 'name', label: r.kassa.name, hint: r.kassa.nameHint, testId: 'profile-name' },
              { kind: 'text', path: 'groupCode', label: r.kassa.groupCode, hint: r.kassa.groupCodeHint, testId: 'profile-group' },
              { kind: 'text', path: 'inn', label: r.kassa.inn, testId: 'profile-inn' },
              { kind: 'choice', path: 'sno', label: r.kassa.sno, options: snoOptions, testId: 'profile-sno' },
              { kind: 'text', path: 'email', label: r.kassa.email, hint: r.kassa.emailHint, testId: 'profile-email' },
              { kind: 'text', path: 'paymentAddress', label: r.kassa.paymentAddress, hint: r.kassa.paymentAddressHint, testId: 'profile-address' },
              {
                kind: 'choice',
                path: 'version',
                label: r.kassa.version,
                hint: r.kassa.versionHint,
                options: [
                  { value: 'v5', label: r.kassa.ffd12 },
                  { value: 'v4', label: r.kassa.ffd105 },
                ],
                testId: 'profile-version',
              },
              { kind: 'choice', path: 'vat', label: r.kassa.vat, hint: r.kassa.vatHint, options: vatOptions, testId: 'profile-vat' },
            ],
          },
        ],
      },
      {
        title: r.kassa.payments,
        hint: r.kassa.paymentsHint,
        fields: [
          {
            kind: 'codeMap',
            path: 'crmPaymentTypes',
            keys: { ref: 'paymentTypes' },
            label: r.kassa.paymentTypes,
            hint: r.kassa.paymentTypesHint,
            column: r.kassa.paymentTypeColumn,
            valueColumn: r.kassa.profileColumn,
            emptyLabel: r.kassa.noReceipt,
            noChoices: r.kassa.needProfiles,
            choices: ({ draft }) => profileChoices(draft.profiles),
            testId: 'kassa-payment-types',
          },
          { kind: 'refList', path: 'cashPaymentTypes', ref: 'paymentTypes', label: r.kassa.cashPaymentTypes, hint: r.kassa.cashPaymentTypesHint, testId: 'kassa-cash-types' },
          { kind: 'refList', path: 'paidPaymentStatuses', ref: 'paymentStatuses', label: r.kassa.paidStatuses, hint: r.kassa.paidStatusesHint, testId: 'kassa-paid-statuses' },
          { kind: 'refList', path: 'refundPaymentStatuses', ref: 'paymentStatuses', label: r.kassa.refundStatuses, hint: r.kassa.refundStatusesHint, testId: 'kassa-refund-statuses' },
        ],
      },
      {
        title: r.kassa.prepayment,
        fields: [
          { kind: 'toggle', path: 'prepaymentUntilComplete', label: r.kassa.prepaymentUntilComplete, hint: r.kassa.prepaymentUntilCompleteHint, testId: 'kassa-prepayment' },
          { kind: 'refList', path: 'completeStatuses', ref: 'statuses', label: r.kassa.completeStatuses, hint: r.kassa.completeStatusesHint, testId: 'kassa-complete-statuses' },
        ],
      },
      {
        title: r.kassa.cod,
        hint: r.kassa.codHint,
        fields: [
          { kind: 'toggle', path: 'cod.enabled', label: r.kassa.codEnabled, testId: 'kassa-cod' },
          { kind: 'pick', path: 'cod.profileId', label: r.kassa.codProfile, emptyLabel: r.none, choices: ({ draft }) => profileChoices(draft.profiles), testId: 'kassa-cod-profile' },
          { kind: 'toggle', path: 'cod.courierPrints', label: r.kassa.codCourierPrints, hint: r.kassa.codCourierPrintsHint, testId: 'kassa-cod-courier' },
        ],
      },
      {
        title: r.kassa.writeBack,
        fields: [
          { kind: 'text', path: 'writeBackField', label: r.kassa.writeBackField, hint: r.kassa.writeBackFieldHint, placeholder: 'fiscal_receipt', nullable: true, testId: 'kassa-write-back' },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'leeloo',
    title: r.leeloo.title,
    intro: r.leeloo.intro,
    section: 'leeloo',
    done: (v) => v.values.leeloo.enabled && Object.keys(v.values.leeloo.paymentMethods).length > 0 && !!v.values.leeloo.paymentType,
    groups: [
      {
        title: r.leeloo.intake,
        fields: [
          { kind: 'toggle', path: 'enabled', label: r.leeloo.enabled, hint: r.leeloo.enabledHint, testId: 'leeloo-enabled' },
          { kind: 'webhook', source: 'leeloo', label: r.leeloo.webhook, hint: r.leeloo.webhookHint, testId: 'leeloo-webhook' },
        ],
      },
      {
        title: r.leeloo.methods,
        hint: r.leeloo.methodsHint,
        fields: [
          {
            kind: 'codeMap',
            path: 'paymentMethods',
            keys: { typed: { label: r.leeloo.methodId, placeholder: '5fa0c1d2e3f4a5b6c7d8e9f0' } },
            label: r.leeloo.methodsLabel,
            column: r.leeloo.methodColumn,
            valueColumn: r.kassa.profileColumn,
            emptyLabel: r.none,
            noChoices: r.leeloo.needProfiles,
            choices: ({ view }) => profileChoices(view.values.kassa.profiles),
            testId: 'leeloo-methods',
          },
        ],
      },
      {
        title: r.leeloo.order,
        hint: r.leeloo.orderHint,
        fields: [
          { kind: 'ref', path: 'site', ref: 'sites', label: r.leeloo.site, emptyLabel: r.retailcrm.siteAll, testId: 'leeloo-site' },
          { kind: 'ref', path: 'orderStatus', ref: 'statuses', label: r.leeloo.orderStatus, emptyLabel: r.leeloo.orderStatusDefault, testId: 'leeloo-order-status' },
          { kind: 'ref', path: 'paymentType', ref: 'paymentTypes', label: r.leeloo.paymentType, hint: r.leeloo.paymentTypeHint, emptyLabel: r.none, testId: 'leeloo-payment-type' },
          { kind: 'ref', path: 'paidStatus', ref: 'paymentStatuses', label: r.leeloo.paidStatus, testId: 'leeloo-paid-status' },
        ],
      },
    ],
  },
  {
    kind: 'custom',
    id: 'partners',
    title: r.partners.title,
    intro: r.partners.intro,
    optional: true,
    done: (v) => v.values.statuscheck.enabled && v.values.statuscheck.partners.some((p) => p.enabled),
    Component: PartnersStep,
  },
  {
    kind: 'form',
    id: 'general',
    title: r.general.title,
    intro: r.general.intro,
    section: 'general',
    testSystem: 'webhooks',
    done: () => true,
    groups: [
      {
        fields: [
          { kind: 'number', path: 'webhookPort', label: r.general.port, hint: r.general.portHint, min: 1024, max: 65535, testId: 'general-port' },
          { kind: 'number', path: 'keepHistoryDays', label: r.general.keepDays, unit: r.general.days, min: 1, max: 3650, testId: 'general-keep-days' },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'tunnel',
    title: tn.title,
    intro: tn.intro,
    section: 'tunnel',
    testSystem: 'tunnel',
    optional: true,
    done: tunnelDone,
    Live: TunnelLiveState,
    groups: [
      {
        fields: [
          {
            kind: 'cards',
            path: 'provider',
            label: tn.choice,
            options: (['none', 'own', 'ngrok', 'localtunnel'] as const).map((value) => ({ value, ...tn.providers[value] })),
            testId: 'tunnel-provider',
          },
        ],
      },
      {
        title: tn.settings,
        fields: [
          { kind: 'text', path: 'ownUrl', type: 'url', label: tn.ownUrl, hint: tn.ownUrlHint, placeholder: 'https://prilavok.moy-magazin.ru', nullable: true, testId: 'tunnel-own-url', wide: true, when: provider('own') },
          { kind: 'secret', key: 'tunnel.ngrokAuthtoken', label: tn.ngrokToken, hint: tn.ngrokTokenHint, savedText: tn.ngrokTokenSaved, testId: 'tunnel-ngrok-token', when: provider('ngrok') },
          { kind: 'text', path: 'ngrokDomain', label: tn.ngrokDomain, hint: tn.ngrokDomainHint, placeholder: 'moy-magazin.ngrok.app', nullable: true, testId: 'tunnel-ngrok-domain', when: provider('ngrok') },
          { kind: 'text', path: 'localtunnelHost', type: 'url', label: tn.ltHost, hint: tn.ltHostHint, placeholder: 'https://localtunnel.me', testId: 'tunnel-lt-host', wide: true, when: provider('localtunnel') },
          { kind: 'text', path: 'localtunnelSubdomain', label: tn.ltSubdomain, hint: tn.ltSubdomainHint, placeholder: 'moy-magazin', nullable: true, testId: 'tunnel-lt-subdomain', when: provider('localtunnel') },
        ],
      },
    ],
  },
  {
    kind: 'form',
    id: 'forms',
    title: r.forms.title,
    intro: r.forms.intro,
    section: 'forms',
    optional: true,
    done: (v) => v.values.forms.enabled && v.values.forms.allowedOrigins.length > 0,
    Live: FormsSnippet,
    groups: [
      {
        title: r.forms.intake,
        fields: [
          { kind: 'toggle', path: 'enabled', label: r.forms.enabled, hint: r.forms.enabledHint, testId: 'forms-enabled' },
          { kind: 'textList', path: 'allowedOrigins', label: r.forms.origins, hint: r.forms.originsHint, placeholder: 'https://moy-magazin.ru', testId: 'forms-origins' },
          { kind: 'text', path: 'numberPrefix', label: r.forms.prefix, hint: r.forms.prefixHint, placeholder: r.forms.prefixPlaceholder, testId: 'forms-prefix' },
          { kind: 'number', path: 'perIpPerMinute', label: r.forms.perIp, min: 1, max: 600, testId: 'forms-per-ip' },
        ],
      },
      {
        title: r.forms.fields,
        hint: r.forms.fieldsHint,
        fields: [
          {
            kind: 'records',
            path: 'fields',
            label: r.forms.fieldsLabel,
            idKey: 'name',
            addLabel: r.forms.addField,
            emptyText: r.forms.noFields,
            title: (rec) => (typeof rec.label === 'string' && rec.label ? rec.label : String(rec.name ?? '')),
            summary: (rec) => `${String(rec.name ?? '')} · ${r.forms.roles[(rec.role as keyof typeof r.forms.roles) ?? 'other'] ?? ''}${rec.required ? ` · ${r.forms.fieldRequired.toLowerCase()}` : ''}`,
            newRecord: (existing) => {
              let n = existing.length + 1;
              while (existing.some((x) => x.name === `field${n}`)) n++;
              return { name: `field${n}`, label: '', type: 'text', required: false, role: 'other' };
            },
            fields: [
              { kind: 'text', path: 'label', label: r.forms.fieldLabel, testId: 'forms-field-label' },
              { kind: 'text', path: 'name', label: r.forms.fieldName, testId: 'forms-field-name' },
              { kind: 'choice', path: 'type', label: r.forms.fieldType, options: (['text', 'email', 'tel', 'textarea'] as const).map((value) => ({ value, label: r.forms.types[value] })), testId: 'forms-field-type' },
              { kind: 'choice', path: 'role', label: r.forms.fieldRole, options: formFieldRoles.map((value) => ({ value, label: r.forms.roles[value] })), testId: 'forms-field-role' },
              { kind: 'toggle', path: 'required', label: r.forms.fieldRequired, testId: 'forms-field-required' },
            ],
            testId: 'forms-fields',
          },
        ],
      },
      {
        title: r.forms.files,
        fields: [
          { kind: 'toggle', path: 'fileEnabled', label: r.forms.fileEnabled, testId: 'forms-file-enabled' },
          { kind: 'toggle', path: 'fileRequired', label: r.forms.fileRequired, testId: 'forms-file-required', when: (v) => v.fileEnabled === true },
          { kind: 'text', path: 'fileLabel', label: r.forms.fileLabel, testId: 'forms-file-label', when: (v) => v.fileEnabled === true },
          { kind: 'textList', path: 'fileTypes', label: r.forms.fileTypes, hint: r.forms.fileTypesHint, testId: 'forms-file-types', when: (v) => v.fileEnabled === true },
          { kind: 'number', path: 'maxFileMb', label: r.forms.maxFileMb, unit: r.forms.mb, min: 1, max: 10, testId: 'forms-max-file', when: (v) => v.fileEnabled === true },
          { kind: 'number', path: 'maxTotalMb', label: r.forms.maxTotalMb, unit: r.forms.mb, min: 1, max: 50, testId: 'forms-max-total', when: (v) => v.fileEnabled === true },
        ],
      },
      {
        title: r.forms.texts,
        fields: [
          { kind: 'text', path: 'submitText', label: r.forms.submitText, testId: 'forms-submit-text' },
          { kind: 'text', path: 'successText', label: r.forms.successText, hint: r.forms.successHint, wide: true, testId: 'forms-success-text' },
          { kind: 'text', path: 'fallbackText', label: r.forms.fallbackText, hint: r.forms.fallbackHint, wide: true, testId: 'forms-fallback-text' },
        ],
      },
      {
        title: r.forms.order,
        hint: r.forms.orderHint,
        fields: [
          { kind: 'ref', path: 'site', ref: 'sites', label: r.forms.site, emptyLabel: r.retailcrm.siteAll, testId: 'forms-site' },
          { kind: 'text', path: 'orderType', label: r.forms.orderType, placeholder: 'eshop-legal', nullable: true, testId: 'forms-order-type' },
          { kind: 'text', path: 'orderMethod', label: r.forms.orderMethod, placeholder: 'landing-page', nullable: true, testId: 'forms-order-method' },
          { kind: 'ref', path: 'orderStatus', ref: 'statuses', label: r.forms.orderStatus, emptyLabel: r.forms.orderStatusDefault, testId: 'forms-order-status' },
          { kind: 'text', path: 'topicField', label: r.forms.topicField, placeholder: 'tema_obrascheniya', nullable: true, testId: 'forms-topic-field' },
          { kind: 'text', path: 'serviceField', label: r.forms.serviceField, placeholder: 'kommercheskiy_servis', nullable: true, testId: 'forms-service-field' },
          { kind: 'toggle', path: 'customerNote', label: r.forms.customerNote, testId: 'forms-customer-note' },
          { kind: 'number', path: 'taskPerformerId', label: r.forms.taskPerformer, hint: r.forms.taskPerformerHint, nullable: true, min: 1, testId: 'forms-task-performer' },
          { kind: 'ref', path: 'taskUserGroup', ref: 'userGroups', label: r.forms.taskGroup, hint: r.forms.taskGroupHint, emptyLabel: r.none, testId: 'forms-task-group' },
          { kind: 'text', path: 'taskText', label: r.forms.taskText, wide: true, testId: 'forms-task-text' },
        ],
      },
    ],
  },
  {
    kind: 'custom',
    id: 'triggers',
    title: r.triggers.title,
    intro: r.triggers.intro,
    info: true,
    done: (v) => crmConnected(v) && v.values.courier.deliveryTypes.length > 0,
    Component: TriggersStep,
  },
];
