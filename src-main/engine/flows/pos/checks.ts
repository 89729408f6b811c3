import { lifepos, type LpMe } from '../../connectors/lifepos/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { ConnectionTestResult } from '../../connectors/types.js';
import { retailcrm } from '../../connectors/retailcrm/index.js';
import type { Engine } from '../../engine.js';
import { toSyncError } from '../../errors.js';
import type { OutletMap, PosDirectory } from './directory.js';
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
  async function checkCrmSettings(choicesToo: boolean): Promise<string | null> {
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
    const map = await dir.outletMap(true);
    // A site whose legal entity has several outlets is fine once a point is chosen for it or for every store;
    // the connection test leaves that choice to the sale settings, where it is made.
    const chosenByStores = (s: OutletMap['sites'][number]) => map.stores.length > 0 && map.stores.every((st) => st.outletGuid && s.outlets.some((o) => o.guid === st.outletGuid));
    const problems = map.sites
      .filter((m) => m.problem && (m.outlets.length === 0 || (choicesToo && !chosenByStores(m))))
      .map((m) => m.problem!);
    if (problems.length) return `LIFE POS подключён, но не для всех магазинов RetailCRM найдена торговая точка: ${problems.join(' ')} ${outletSummary(map)}`;
    return null;
  }

  /** «Проверить подключение» of the LIFE POS step: the account, the RetailCRM side when connected, the subscription. */
  async function testConnection(): Promise<ConnectionTestResult> {
    const account = await checkLifePosAccount();
    if ('problem' in account) return { ok: false, message: account.problem, detail: null };
    if (connectors.isConfigured(retailcrm)) {
      const problem = await checkCrmSettings(false);
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
    const outlets = connectors.isConfigured(retailcrm) ? ` ${outletSummary(await dir.outletMap())}` : '';
    const notes = (await guessNotes()).map((n) => ` ${n}`).join('');
    return { ok: true, message: `LIFE POS подключён: ${account.me.name}${role ? `, ${role}` : ''}.${outlets}${notes}${s.enabled ? '' : ' Передача заказов выключена в настройках.'}`, detail: null };
  }

  /**
   * Where the connector relies on something the vendor does not document and this account does not show it: the
   * units of measure a sale line needs, a role for couriers. Said in the check, not discovered on the first order.
   */
  async function guessNotes(): Promise<string[]> {
    const lp = connectors.client(lifepos);
    const notes: string[] = [];
    const uoms = await lp.uoms().catch(() => []);
    if (uoms.length === 0) {
      notes.push('Внимание: единицы измерения LIFE POS не прочитаны — строки продаж уйдут без единицы измерения; если LIFE POS её потребует, продажа не создастся, сообщите в поддержку.');
    }
    if (!e.settings.get('pos').courierRoleGuid) {
      const couriers = (await lp.rolesInUse().catch(() => [])).filter((r) => /курьер|courier/i.test(r.name ?? ''));
      if (couriers.length !== 1) {
        notes.push('Внимание: роль для курьеров не выбрана — заведите в LIFE POS сотрудника с ролью «Курьер» и выберите эту роль в шаге «Касса и доставка LIFE POS», иначе курьеры RetailCRM не станут сотрудниками LIFE POS.');
      }
    }
    return notes;
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
    const problem = await checkCrmSettings(true);
    if (problem) return { ok: false, message: problem, detail: null };
    const s = e.settings.get('pos');
    return {
      ok: true,
      message: `Настройки LIFE POS проверены: права ключа RetailCRM, типы оплаты${s.taskUserGroup ? ', группа для задач' : ''} и торговые точки в порядке. ${outletSummary(await dir.outletMap())}${s.enabled ? '' : ' Передача заказов выключена.'}`,
      detail: null,
    };
  }

  return { subscribeNotifications, testConnection, testSaleSettings };
}

/** Every site and store with its INN and outlet, one line, for «Проверить подключение». */
export function outletSummary(map: OutletMap): string {
  const name = (guid: string | null, list: Array<{ guid: string; name: string }>) => (guid ? (list.find((o) => o.guid === guid)?.name ?? guid) : null);
  const all = map.sites.flatMap((s) => s.outlets);
  const byStores = (s: OutletMap['sites'][number]) => map.stores.some((st) => st.outletGuid && s.outlets.some((o) => o.guid === st.outletGuid));
  const sites = map.sites.map(
    (s) => `«${s.siteName}» (ИНН ${s.inn ?? 'не указан'}) → ${name(s.outletGuid, s.outlets) ?? (s.outlets.length === 0 ? 'нет точки' : byStores(s) ? 'по складам' : 'точка не выбрана')}`,
  );
  const stores = map.stores.filter((st) => st.outletGuid).map((st) => `склад «${st.storeName}» → ${name(st.outletGuid, all)}`);
  return `Магазины: ${sites.join('; ') || 'нет'}.${stores.length ? ` Склады: ${stores.join('; ')}.` : ''}`;
}
