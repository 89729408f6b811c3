import type { SecretStore, SettingsStore } from '../settings/store.js';
import type { RateLimiters } from '../http/rate-limit.js';
import type { Redactor } from '../redact.js';
import { SyncError } from '../errors.js';
import { createRetailCrmClient, type RetailCrmClient } from './retailcrm/index.js';
import { createMeasoftClient, type MeasoftClient } from './measoft/index.js';
import { createLifePosClient, type LifePosClient } from './lifepos/index.js';
import { randomUUID } from 'node:crypto';

interface Deps {
  settings: SettingsStore;
  secrets: SecretStore;
  redactor: Redactor;
  rateLimiters: RateLimiters;
}

/**
 * Clients built from the current settings and secrets. A client is rebuilt when its configuration changes,
 * so a corrected key takes effect on the next call; every client of one RetailCRM account shares the same
 * request budget through the engine's rate limiters.
 */
export class Connections {
  private crm: { key: string; client: RetailCrmClient } | null = null;
  private ms: { key: string; client: MeasoftClient } | null = null;
  private lp: { key: string; client: LifePosClient } | null = null;

  constructor(private readonly deps: Deps) {}

  retailcrmConfigured(): boolean {
    return !!(this.deps.settings.get('retailcrm').url && this.deps.secrets.get('retailcrm.apiKey'));
  }

  measoftConfigured(): boolean {
    const s = this.deps.settings.get('measoft');
    return !!(s.extra && s.login && this.deps.secrets.get('measoft.password'));
  }

  retailcrm(): RetailCrmClient {
    const s = this.deps.settings.get('retailcrm');
    const apiKey = this.deps.secrets.get('retailcrm.apiKey');
    if (!s.url || !apiKey) {
      throw new SyncError({
        kind: 'auth',
        system: 'retailcrm',
        message: 'RetailCRM не подключён: укажите адрес аккаунта и API-ключ в настройках.',
      });
    }
    const key = JSON.stringify([s.url, s.site, s.ratePerSec, apiKey]);
    if (this.crm?.key !== key) {
      this.crm = {
        key,
        client: createRetailCrmClient({
          config: { url: s.url, apiKey, site: s.site },
          redactor: this.deps.redactor,
          limiters: this.deps.rateLimiters,
          ratePerSec: s.ratePerSec,
        }),
      };
    }
    return this.crm.client;
  }

  measoft(): MeasoftClient {
    const s = this.deps.settings.get('measoft');
    const password = this.deps.secrets.get('measoft.password');
    if (!s.extra || !s.login || !password) {
      throw new SyncError({
        kind: 'auth',
        system: 'measoft',
        message: 'MeaSoft не подключён: укажите код службы, логин и пароль в настройках.',
      });
    }
    const key = JSON.stringify([s.url, s.extra, s.login, password]);
    if (this.ms?.key !== key) {
      this.ms = {
        key,
        client: createMeasoftClient({
          config: { url: s.url, extra: s.extra, login: s.login, password },
          redactor: this.deps.redactor,
          limiters: this.deps.rateLimiters,
        }),
      };
    }
    return this.ms.client;
  }

  lifeposConfigured(): boolean {
    const s = this.deps.settings.get('lifepos');
    return !!(s.phone && s.orgGuid && this.deps.secrets.get('lifepos.password'));
  }

  lifepos(): LifePosClient {
    let s = this.deps.settings.get('lifepos');
    const password = this.deps.secrets.get('lifepos.password');
    if (!s.phone || !s.orgGuid || !password) {
      throw new SyncError({
        kind: 'auth',
        system: 'lifepos',
        message: 'LIFE POS не подключён: укажите ID организации, телефон и пароль сотрудника (Владелец или Администратор) в настройках.',
      });
    }
    // LIFE POS asks every client to introduce itself with a stable id: made once per installation.
    if (!s.clientId) s = this.deps.settings.update('lifepos', { clientId: randomUUID() });
    const key = JSON.stringify([s, password]);
    if (this.lp?.key !== key) {
      this.lp = {
        key,
        client: createLifePosClient({
          config: { url: s.url, phone: s.phone!, password, orgGuid: s.orgGuid!, clientId: s.clientId!, moneyUnit: s.moneyUnit, tokenTtlHours: s.tokenTtlHours },
          redactor: this.deps.redactor,
          limiters: this.deps.rateLimiters,
        }),
      };
    }
    return this.lp.client;
  }
}
