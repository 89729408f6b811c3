import type { ComponentType } from 'react';
import type { CrmReferences, SettingsView } from '../../../src-shared/api';
import { measoftStatuses } from '../../../src-shared/measoft-statuses';
import type { SecretKey, SettingsSection } from '../../../src-shared/settings';
import type { SystemId } from '../../../src-shared/systems';
import { ru } from '../../i18n/ru';
import { TriggersStep } from './TriggersStep';
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
}

/** A value inside the section; `sender.company` reaches into a nested object. */
interface PathField extends FieldBase {
  path: string;
}

export type Field =
  | (PathField & { kind: 'text'; type?: 'text' | 'url' | 'tel'; placeholder?: string; nullable?: boolean; wide?: boolean })
  | (PathField & { kind: 'number'; unit?: string; nullable?: boolean; step?: number; min?: number; max?: number })
  | (PathField & { kind: 'toggle' })
  | (PathField & { kind: 'choice'; options: ReadonlyArray<{ value: string; label: string }> })
  /** One code from a RetailCRM reference book; `emptyLabel` is the «nothing chosen» option (saved as null). */
  | (PathField & { kind: 'ref'; ref: RefBook; emptyLabel: string })
  /** Several codes from a reference book, added from a dropdown and shown as removable chips. */
  | (PathField & { kind: 'refList'; ref: RefBook })
  /** A code of ours (rows) → a code from a reference book, as a table with a dropdown per row; `column` heads our codes. */
  | (PathField & { kind: 'refMap'; ref: RefBook; rows: ReadonlyArray<{ code: string; title: string; common: boolean }>; column?: string })
  /** Write-only: shown as «ключ сохранён» once set. */
  | (FieldBase & { kind: 'secret'; key: SecretKey; savedText?: string });

export interface FieldGroup {
  title?: string;
  hint?: string;
  fields: Field[];
}

interface StepBase {
  id: string;
  title: string;
  intro: string;
  /** Shown as «Готово» in the step list. */
  done(view: SettingsView): boolean;
}

export interface FormStep extends StepBase {
  kind: 'form';
  section: SettingsSection;
  groups: FieldGroup[];
  /** «Проверить подключение» runs `connections.test` for this system (after saving). */
  testSystem?: SystemId;
  /** The fields cannot be filled without RetailCRM's reference books. */
  needsCrm?: boolean;
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

export function lifeposConnected(view: SettingsView): boolean {
  return !!view.values.lifepos.orgGuid && !!view.values.lifepos.phone && !!view.secrets['lifepos.password']?.set;
}

const r = ru.setup;

/** LIFE POS sale states (`state`), as the status map lists them. */
const posSaleStates = [
  { code: 'New', title: r.pos.stateNew, common: true },
  { code: 'InProgress', title: r.pos.stateInProgress, common: true },
  { code: 'Completed', title: r.pos.stateCompleted, common: true },
  { code: 'Cancelled', title: r.pos.stateCancelled, common: true },
] as const;
const seconds = r.units.seconds;

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
        title: r.pos.tasks,
        fields: [
          { kind: 'ref', path: 'taskUserGroup', ref: 'userGroups', label: r.pos.taskGroup, hint: r.pos.taskGroupHint, emptyLabel: r.pos.taskGroupNone, testId: 'pos-task-group' },
        ],
      },
    ],
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
          { kind: 'text', path: 'publicUrl', type: 'url', label: r.general.publicUrl, hint: r.general.publicUrlHint, nullable: true, testId: 'general-public-url', wide: true },
          { kind: 'number', path: 'webhookPort', label: r.general.port, hint: r.general.portHint, min: 1024, max: 65535, testId: 'general-port' },
          { kind: 'number', path: 'keepHistoryDays', label: r.general.keepDays, unit: r.general.days, min: 1, max: 3650, testId: 'general-keep-days' },
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
