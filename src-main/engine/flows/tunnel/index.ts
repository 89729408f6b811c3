import { retailcrm } from '../../connectors/retailcrm/index.js';
import { SyncError } from '../../errors.js';
import { createHttpClient } from '../../http/client.js';
import type { TunnelStatus } from '../../tunnel/types.js';
import type { FlowModule } from '../types.js';
import './events.js';

const LAST_URL_KEY = 'tunnel.publicUrl';
/** After this many failed attempts in a row an outage reaches the error log (and the tray's notification). */
const REPORT_AFTER_ATTEMPTS = 3;

/**
 * What follows from the tunnel: status events for the dashboard and tray, failures in the error log, and — when
 * the public address changes — `tunnel.addressChanged` (systems that call us back follow it) and a notice telling
 * the merchant to update the RetailCRM triggers (which only a person can edit). The cash register's callback
 * address is read per receipt, so the next receipt carries the new one.
 */
export const tunnelFlow = {
  id: 'tunnel',
  install({ engine, connectors, connectionTest }) {
    engine.tunnel.onChange(() => engine.events.emit('status.changed', undefined));
    engine.tunnel.onUp((url) => {
      try {
        addressUp(url);
      } catch (err) {
        // The engine may be stopping (database closed) while the tunnel comes up.
        engine.log.warn('public address change not fully handled', { url, err: String(err) });
      }
    });
    engine.tunnel.onFailure((err, attempt, final) => {
      if (final || attempt === REPORT_AFTER_ATTEMPTS) engine.errors.record(err, { severity: final ? 'error' : 'warning' });
    });
    connectionTest('tunnel', () => test());

    function addressUp(url: string): void {
      const previous = engine.kvGet(LAST_URL_KEY);
      if (previous === url || !engine.db.open) return;
      engine.kvSet(LAST_URL_KEY, url);
      engine.log.info('public address changed', { from: previous, to: url });
      if (previous && connectors.isConfigured(retailcrm)) {
        engine.errors.record(
          new SyncError({
            kind: 'needsAttention',
            system: 'tunnel',
            message: `Адрес Прилавка в интернете изменился: теперь ${url}. Замените адрес во всех триггерах RetailCRM «Выполнить HTTP-запрос» — новые адреса для копирования в Настройках, шаг «Триггеры RetailCRM». До замены заказы синхронизируются опросом, с задержкой.`,
            detail: `previous address ${previous}`,
          }),
          { severity: 'warning' },
        );
      }
      engine.events.emit('tunnel.addressChanged', { url, previous });
    }

    /** Waits (bounded) until the tunnel is up or down, then checks that a request through it reaches us. */
    async function test(): Promise<{ ok: boolean; message: string; detail: string | null }> {
      const provider = engine.settings.get('tunnel').provider;
      if (provider === 'none') {
        return {
          ok: false,
          message: 'Доступ из интернета не настроен: уведомления RetailCRM, LIFE POS и кассы до Прилавка не дойдут. Заказы всё равно синхронизируются опросом, но с задержкой.',
          detail: null,
        };
      }
      const status = await settled(20_000);
      if (status.state === 'off') return { ok: false, message: 'Приём входящих запросов не запущен, туннель не открыт.', detail: null };
      if (status.state !== 'up' || !status.url) {
        return { ok: false, message: status.error ?? 'Туннель ещё подключается. Проверьте связь с интернетом и повторите проверку.', detail: null };
      }
      const client = createHttpClient({ system: 'tunnel', redactor: engine.redactor, timeoutMs: 15_000 });
      const target = `${status.url}/hooks/health`;
      const res = await client.request({ url: target, accept: () => true });
      let app: unknown = null;
      try {
        app = res.json<{ app?: string }>().app;
      } catch {
        // not JSON: someone else answers at that address
      }
      if (res.status !== 200 || app !== 'prilavok') {
        return { ok: false, message: `Адрес ${status.url} открыт, но по нему отвечает не Прилавок (HTTP ${res.status}).`, detail: res.body.slice(0, 500) };
      }
      return { ok: true, message: `Доступ из интернета работает: запросы по адресу ${status.url} доходят до Прилавка.`, detail: null };
    }

    function settled(timeoutMs: number): Promise<TunnelStatus> {
      const tunnel = engine.tunnel;
      if (tunnel.status().state !== 'connecting') return Promise.resolve(tunnel.status());
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          off();
          resolve(tunnel.status());
        };
        const timer = setTimeout(done, timeoutMs);
        const off = tunnel.onChange((s) => {
          if (s.state !== 'connecting') done();
        });
      });
    }

    return { test };
  },
} satisfies FlowModule<unknown>;
