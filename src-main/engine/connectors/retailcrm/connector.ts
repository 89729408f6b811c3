import type { CrmReferences } from '../../../../src-shared/api.js';
import type { Connector } from '../types.js';
import { createRetailCrmClient, type RetailCrmClient } from './client.js';

interface Config {
  url: string;
  apiKey: string;
  site: string | null | undefined;
  ratePerSec: number;
}

/** RetailCRM: an account address and an API key; every client of one account shares its request budget. */
export const retailcrm: Connector<RetailCrmClient, Config> & { references(crm: RetailCrmClient): Promise<CrmReferences> } = {
  id: 'retailcrm',
  section: 'retailcrm',
  secrets: ['retailcrm.apiKey'],
  notConfigured: 'RetailCRM не подключён: укажите адрес аккаунта и API-ключ в настройках.',
  config(ctx) {
    const s = ctx.settings.get('retailcrm');
    const apiKey = ctx.secrets.get('retailcrm.apiKey');
    return s.url && apiKey ? { url: s.url, apiKey, site: s.site, ratePerSec: s.ratePerSec } : null;
  },
  create: (c, ctx) =>
    createRetailCrmClient({ config: { url: c.url, apiKey: c.apiKey, site: c.site }, redactor: ctx.redactor, limiters: ctx.rateLimiters, ratePerSec: c.ratePerSec }),

  async testConnection(crm, ctx) {
    const r = await crm.checkScopes(['order_read', 'order_write', 'reference_read']);
    if (!r.ok) {
      return {
        ok: false,
        message: `У API-ключа RetailCRM не хватает прав: ${r.missing.join(', ')}. Добавьте их в RetailCRM: Настройки → Интеграция → Ключи доступа к API.`,
        detail: null,
      };
    }
    const site = ctx.settings.get('retailcrm').site;
    if (site && r.sitesAvailable.length > 0 && !r.sitesAvailable.includes(site)) {
      return { ok: false, message: `Ключ не даёт доступа к магазину «${site}». Доступны: ${r.sitesAvailable.join(', ')}.`, detail: null };
    }
    if (!site && r.sitesAvailable.length > 1) {
      return { ok: false, message: `Ключ открывает несколько магазинов (${r.sitesAvailable.join(', ')}): выберите магазин в настройках.`, detail: null };
    }
    return { ok: true, message: 'RetailCRM подключён, права ключа в порядке.', detail: null };
  },

  /** The merchant's reference books for the wizard's dropdowns. */
  async references(crm) {
    const [statuses, deliveryTypes, paymentTypes, paymentStatuses, stores, sites, userGroups] = await Promise.all([
      crm.statuses(),
      crm.deliveryTypes(),
      crm.paymentTypes(),
      crm.paymentStatuses(),
      crm.stores(),
      crm.sites(),
      crm.userGroups(),
    ]);
    const item = (r: { code: string; name: string | null; active: boolean }) => ({ code: r.code, name: r.name || r.code, active: r.active });
    return {
      statuses: statuses.map((s) => ({ ...item(s), group: s.group ?? null })),
      deliveryTypes: deliveryTypes.map(item),
      paymentTypes: paymentTypes.map(item),
      paymentStatuses: paymentStatuses.map(item),
      stores: stores.map(item),
      sites: sites.map(item),
      userGroups: userGroups.map((g) => ({ code: g.code, name: g.name || g.code, active: true, id: g.id })),
      fetchedAt: Date.now(),
    };
  },
};
