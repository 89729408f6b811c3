/*
 * The account's reference books (statuses, delivery and payment types, stores, sites, legal entities…) from
 * seed.ts, the code sets writes are checked against, and how each book is written on the wire.
 */
import * as seed from './seed.js';

export const statusCodes = new Set(seed.statuses.map((s) => s.code));
export const deliveryCodes = new Set(seed.deliveryTypes.map((d) => d.code));
export const paymentTypeCodes = new Set(seed.paymentTypes.map((p) => p.code));
export const paymentStatusByCode = new Map(seed.paymentStatuses.map((p) => [p.code, p]));
export const storeCodes = new Set(seed.stores.map((s) => s.code));
export const groupOf = new Map(seed.statuses.map((s) => [s.code, s.group]));

/** Every reference book keyed by its path segment (`reference/<name>`), for an account with these sites. */
export const referencesView = (sites: string[]): Record<string, unknown> => ({
  statuses: Object.fromEntries(seed.statuses.map((s) => [s.code, { ...s }])),
  'status-groups': Object.fromEntries(
    seed.statusGroups.map((g) => [g.code, { ...g, active: true, statuses: seed.statuses.filter((s) => s.group === g.code).map((s) => s.code) }]),
  ),
  'delivery-types': Object.fromEntries(
    seed.deliveryTypes.map((d) => [
      d.code,
      {
        name: d.name,
        code: d.code,
        active: true,
        defaultCost: d.defaultCost,
        defaultNetCost: 0,
        description: null,
        paymentTypes: d.paymentTypes,
        deliveryPaymentTypes: d.paymentTypes.map((p) => ({ code: p, cod: d.codPaymentTypes.includes(p) })),
        deliveryServices: [],
        ...(d.integrationCode ? { integrationCode: d.integrationCode } : {}),
        isDynamicCostCalculation: false,
        isAutoCostCalculation: false,
        isAutoNetCostCalculation: false,
        isCostDependsOnRegionAndWeightAndSum: false,
        isCostDependsOnDateTime: false,
        currency: 'RUB',
        defaultForCrm: d.code === 'courier',
        sites: [],
      },
    ]),
  ),
  'payment-types': Object.fromEntries(
    seed.paymentTypes.map((p) => [
      p.code,
      {
        ...p,
        active: true,
        deliveryTypes: seed.deliveryTypes.filter((d) => d.paymentTypes.includes(p.code)).map((d) => d.code),
        paymentStatuses: seed.paymentStatuses.map((s) => s.code),
        sites: [],
      },
    ]),
  ),
  'payment-statuses': Object.fromEntries(
    seed.paymentStatuses.map((s) => [s.code, { ...s, active: true, paymentTypes: seed.paymentTypes.map((p) => p.code) }]),
  ),
  stores: seed.stores.map((s) => ({ ...s, workTime: { mo: [], tu: [], we: [], th: [], fr: [], sa: [], su: [] } })),
  sites: Object.fromEntries(
    sites.map((code, i) => [
      code,
      {
        id: i + 1,
        name: seed.siteNames[code] ?? `Магазин ${code}`,
        url: `https://${code}.prilavok.test`,
        code,
        description: null,
        defaultForCrm: i === 0,
        ymlUrl: null,
        loadFromYml: false,
        // The site's legal entity in full, requisites upper case (reference/sites as recorded by the official clients).
        contragent: (({ name: _n, ...l }) => l)(seed.legalEntities.find((l) => l.code === seed.siteLegalEntity[code]) ?? seed.legalEntities[0]!),
        countryIso: 'RU',
        currency: 'RUB',
        ordering: (i + 1) * 10,
        isDemo: false,
      },
    ]),
  ),
  'legal-entities': seed.legalEntities.map(({ name: _n, ...l }) => ({ ...l })),
  couriers: seed.couriers.map((c) => ({ ...c })),
  'order-types': {
    'eshop-individual': { name: 'Физическое лицо', code: 'eshop-individual', active: true, defaultForCrm: true, defaultForApi: true },
    'eshop-legal': { name: 'Юридическое лицо', code: 'eshop-legal', active: true, defaultForCrm: false, defaultForApi: false },
  },
  'order-methods': {
    'shopping-cart': { name: 'Оформлен через корзину', code: 'shopping-cart', active: true },
    phone: { name: 'По телефону', code: 'phone', active: true },
    'one-click': { name: 'В один клик', code: 'one-click', active: true },
    'landing-page': { name: 'Лендинг', code: 'landing-page', active: true },
  },
});

/** The answer field of each book. */
export const referenceField: Record<string, string> = {
  statuses: 'statuses',
  'status-groups': 'statusGroups',
  'delivery-types': 'deliveryTypes',
  'payment-types': 'paymentTypes',
  'payment-statuses': 'paymentStatuses',
  stores: 'stores',
  sites: 'sites',
  'legal-entities': 'legalEntities',
  couriers: 'couriers',
  'order-types': 'orderTypes',
  'order-methods': 'orderMethods',
};
