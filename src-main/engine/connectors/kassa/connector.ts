import type { Settings } from '../../../../src-shared/settings.js';
import type { Connector, ConnectorContext } from '../types.js';
import { createAtolProvider, parseAtolCallback } from './atol.js';
import type { FiscalData, FiscalOp, KassaCallOptions, KassaProvider, KassaStatus } from './types.js';

export type KassaProfile = Settings['kassa']['profiles'][number];

/** Where cash registers post results: one webhook source for every provider. */
export const KASSA_CALLBACK_SOURCE = 'kassa';

/** A register as the fiscal flow uses it: any provider, plus the operation a status is asked for (the QR text needs it). */
export interface CashRegister extends KassaProvider {
  status(ref: string, o?: KassaCallOptions & { op?: FiscalOp }): Promise<KassaStatus>;
}

/** A register's result posted to our webhook, in every provider's terms. */
export interface KassaCallback {
  uuid: string | null;
  state: string;
  fiscal: FiscalData | null;
}

interface ProviderConfig {
  baseUrl: string;
  login: string;
  password: string;
  version: KassaProfile['version'];
  groupCode: string;
  callbackUrl: string | null;
}

/**
 * Cloud cash-register providers, typed by the `KassaProvider` interface: the fiscal flow never sees a vendor.
 * Another provider (Business.Ru, OrangeData…) is one more entry here and one choice in the profile.
 */
export interface KassaProviderEntry {
  create(c: ProviderConfig, ctx: ConnectorContext): CashRegister;
  parseCallback(raw: string): KassaCallback;
}

export const kassaProviders = {
  atol: {
    create: (c, ctx) =>
      createAtolProvider({
        config: { version: c.version, baseUrl: c.baseUrl, login: c.login, password: c.password, groupCode: c.groupCode, callbackUrl: c.callbackUrl },
        redactor: ctx.redactor,
        limiters: ctx.rateLimiters,
      }),
    parseCallback(raw) {
      const cb = parseAtolCallback(raw);
      return { uuid: cb.uuid ?? null, state: cb.state, fiscal: cb.fiscal ?? null };
    },
  },
} satisfies Record<string, KassaProviderEntry>;

/** The provider a profile's registers are at: ATOL Online is the only one so far. */
export function kassaProvider(): KassaProviderEntry {
  return kassaProviders.atol;
}

/** The cloud cash register: one account (login, password), one client per register profile. */
export const kassa: Connector<CashRegister, ProviderConfig, KassaProfile> = {
  id: 'kassa',
  section: 'kassa',
  secrets: ['kassa.password'],
  notConfigured: 'Онлайн-касса не подключена: укажите логин и пароль ATOL Online в настройках.',
  isConfigured: (ctx) => !!(ctx.settings.get('kassa').login && ctx.secrets.get('kassa.password')),
  config(ctx, profile) {
    const s = ctx.settings.get('kassa');
    const password = ctx.secrets.get('kassa.password');
    if (!s.login || !password) return null;
    return { baseUrl: s.baseUrl, login: s.login, password, version: profile.version, groupCode: profile.groupCode, callbackUrl: ctx.publicWebhookUrl(KASSA_CALLBACK_SOURCE) };
  },
  create: (c, ctx) => kassaProvider().create(c, ctx),
  instanceId: (profile) => profile.id,
};
