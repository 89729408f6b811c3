import type { Connector } from '../types.js';
import { createMeasoftClient } from './client.js';
import type { MeasoftClient } from './types.js';

interface Config {
  url: string;
  extra: string;
  login: string;
  password: string;
}

/** MeaSoft: the courier service's code (`extra`), a login and a password. */
export const measoft: Connector<MeasoftClient, Config> = {
  id: 'measoft',
  section: 'measoft',
  secrets: ['measoft.password'],
  notConfigured: 'MeaSoft не подключён: укажите код службы, логин и пароль в настройках.',
  config(ctx) {
    const s = ctx.settings.get('measoft');
    const password = ctx.secrets.get('measoft.password');
    return s.extra && s.login && password ? { url: s.url, extra: s.extra, login: s.login, password } : null;
  },
  create: (config, ctx) => createMeasoftClient({ config, redactor: ctx.redactor, limiters: ctx.rateLimiters }),
  async testConnection(ms) {
    const r = await ms.checkCredentials();
    return r.ok ? { ok: true, message: 'MeaSoft подключён: код службы, логин и пароль приняты.', detail: null } : { ok: false, message: r.message, detail: null };
  },
};
