import { randomUUID } from 'node:crypto';
import type { Connector } from '../types.js';
import { createLifePosClient, type LifePosClient } from './client.js';
import type { MoneyUnit } from './types.js';

interface Config {
  url: string;
  phone: string;
  password: string;
  orgGuid: string;
  clientId: string;
  moneyUnit: MoneyUnit;
  tokenTtlHours: number;
}

/** LIFE POS: an employee's phone and password (Owner or Administrator) in one organisation. */
export const lifepos: Connector<LifePosClient, Config> = {
  id: 'lifepos',
  section: 'lifepos',
  secrets: ['lifepos.password'],
  notConfigured: 'LIFE POS не подключён: укажите ID организации, телефон и пароль сотрудника (Владелец или Администратор) в настройках.',
  isConfigured(ctx) {
    const s = ctx.settings.get('lifepos');
    return !!(s.phone && s.orgGuid && ctx.secrets.get('lifepos.password'));
  },
  config(ctx) {
    let s = ctx.settings.get('lifepos');
    const password = ctx.secrets.get('lifepos.password');
    if (!s.phone || !s.orgGuid || !password) return null;
    // LIFE POS asks every client to introduce itself with a stable id: made once per installation.
    if (!s.clientId) s = ctx.settings.update('lifepos', { clientId: randomUUID() });
    return { url: s.url, phone: s.phone!, password, orgGuid: s.orgGuid!, clientId: s.clientId!, moneyUnit: s.moneyUnit, tokenTtlHours: s.tokenTtlHours };
  },
  create: (config, ctx) => createLifePosClient({ config, redactor: ctx.redactor, limiters: ctx.rateLimiters }),
};
