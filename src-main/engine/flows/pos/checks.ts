import { lifepos, type LpMe } from '../../connectors/lifepos/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { ConnectionTestResult } from '../../connectors/types.js';
import { retailcrm } from '../../connectors/retailcrm/index.js';
import type { Engine } from '../../engine.js';
import { toSyncError } from '../../errors.js';
import type { PosDirectory } from './directory.js';
import { POS_SCOPES, roleTitle } from './rules.js';

/** The LIFE POS connection and sale-settings checks, and the notification subscription they end with. */
export function posChecks(e: Engine, connectors: ConnectorRegistry, dir: PosDirectory, webhookSource: string) {
  /**
   * Points LIFE POS notifications at our current public address (after the connection test, and whenever the
   * tunnel's address changes). Without a public address there is nothing to subscribe: the sales poller reads
   * the changes instead. Returns whether a subscription was made.
   */
  async function subscribeNotifications(): Promise<boolean> {
    const hook = e.publicWebhookUrl(webhookSource);
    if (!hook || !connectors.isConfigured(lifepos)) return false;
    await connectors.client(lifepos).subscribe({ primary: hook });
    return true;
  }

  /** The employee can sign in, sees the organisation and may do everything the flow does (Owner or Administrator). */
  async function checkLifePosAccount(): Promise<{ problem: string } | { me: LpMe }> {
    const lp = connectors.client(lifepos);
    await lp.signIn();
    const orgGuid = e.settings.get('lifepos').orgGuid;
    const orgs = await lp.orgs();
    if (!orgs.some((o) => o.guid === orgGuid)) {
      return { problem: `Организация с ID ${orgGuid ?? '—'} не найдена у этого сотрудника. Доступны: ${orgs.map((o) => `${o.name} (${o.guid})`).join(', ') || 'нет'}.` };
    }
    const me = await lp.me();
    if (me.role && !/owner|admin|владел|администр/i.test(me.role)) {
      return { problem: `Сотрудник «${me.name}» в LIFE POS — ${roleTitle(me.role)}. Нужен Владелец или Администратор: укажите телефон и пароль такого сотрудника.` };
    }
    return { me };
  }

  /** As the vendor's connector form does on save: the RetailCRM key's rights and the codes chosen for LIFE POS. */
  async function checkCrmSettings(): Promise<string | null> {
    const crm = connectors.client(retailcrm);
    const scopes = await crm.checkScopes(Object.keys(POS_SCOPES));
    if (!scopes.ok) {
      return `У API-ключа RetailCRM не хватает прав для LIFE POS: ${scopes.missing.map((m) => `«${POS_SCOPES[m] ?? m}» (${m})`).join(', ')}. Включите их в RetailCRM: Настройки → Интеграция → Ключи доступа к API.`;
    }
    const pos = e.settings.get('pos');
    const types = new Set((await crm.paymentTypes()).map((t) => t.code));
    for (const [label, code] of [['наличными', pos.cashPaymentType], ['безналичными', pos.cardPaymentType]] as const) {
      if (code && !types.has(code)) return `Тип оплаты ${label} «${code}» не найден в RetailCRM: выберите существующий.`;
    }
    if (pos.taskUserGroup && !(await crm.userGroups()).some((g) => g.code === pos.taskUserGroup)) {
      return `Группа пользователей «${pos.taskUserGroup}» для задач не найдена в RetailCRM.`;
    }
    const problems = (await dir.outletMatches(true)).filter((m) => m.problem).map((m) => m.problem!);
    if (problems.length) return `LIFE POS подключён, но склады не сопоставлены по ИНН: ${problems.join(' ')}`;
    return null;
  }

  /** «Проверить подключение» of the LIFE POS step: the account, the RetailCRM side when connected, the subscription. */
  async function testConnection(): Promise<ConnectionTestResult> {
    const account = await checkLifePosAccount();
    if ('problem' in account) return { ok: false, message: account.problem, detail: null };
    if (connectors.isConfigured(retailcrm)) {
      const problem = await checkCrmSettings();
      if (problem) return { ok: false, message: problem, detail: null };
    }
    const s = e.settings.get('pos');
    try {
      await subscribeNotifications();
    } catch (err) {
      const x = toSyncError(err, 'lifepos');
      return { ok: false, message: `LIFE POS подключён, но подписка на уведомления не удалась: ${x.message}`, detail: x.detail };
    }
    const role = account.me.role ? roleTitle(account.me.role) : null;
    return { ok: true, message: `LIFE POS подключён: ${account.me.name}${role ? `, ${role}` : ''}.${s.enabled ? '' : ' Передача заказов выключена в настройках.'}`, detail: null };
  }

  /**
   * The check of the sale settings («Касса и доставка LIFE POS»), run after they are saved: the same checks as the
   * connection test — the employee, the org id, the key's rights, the payment-type codes, the task group, the INNs.
   */
  async function testSaleSettings(): Promise<ConnectionTestResult> {
    if (!connectors.isConfigured(lifepos)) return { ok: false, message: 'Сначала подключите LIFE POS: ID организации, телефон и пароль сотрудника.', detail: null };
    if (!connectors.isConfigured(retailcrm)) return { ok: false, message: 'Сначала подключите RetailCRM: адрес и API-ключ.', detail: null };
    const account = await checkLifePosAccount();
    if ('problem' in account) return { ok: false, message: account.problem, detail: null };
    const problem = await checkCrmSettings();
    if (problem) return { ok: false, message: problem, detail: null };
    const s = e.settings.get('pos');
    return {
      ok: true,
      message: `Настройки LIFE POS проверены: права ключа RetailCRM, типы оплаты${s.taskUserGroup ? ', группа для задач' : ''} и торговые точки в порядке.${s.enabled ? '' : ' Передача заказов выключена.'}`,
      detail: null,
    };
  }

  return { subscribeNotifications, testConnection, testSaleSettings };
}
