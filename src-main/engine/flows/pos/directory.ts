import { lifepos } from '../../connectors/lifepos/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { retailcrm, type CrmOrder } from '../../connectors/retailcrm/index.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import { posStore } from './store.js';

const REFS_TTL_MS = 5 * 60_000;

export interface OutletMatch {
  store: string;
  storeName: string;
  inn: string | null;
  outletGuid: string | null;
  outletName: string | null;
  problem: string | null;
}

type Courier = { employeeGuid: string; workplaceGuid: string };

/** Who and where in LIFE POS: outlets matched to RetailCRM stores by legal-entity INN, couriers as employees. */
export function posDirectory(e: Engine, connectors: ConnectorRegistry) {
  let refs: { at: number; key: string; matches: OutletMatch[] } | null = null;
  const courierLocks = new Map<number, Promise<Courier>>();

  /** RetailCRM stores matched to LIFE POS outlets through the INN of the store's legal entity. */
  async function outletMatches(refresh = false, signal?: AbortSignal): Promise<OutletMatch[]> {
    const key = JSON.stringify([e.settings.get('retailcrm'), e.settings.get('lifepos')]);
    if (!refresh && refs && refs.key === key && Date.now() - refs.at < REFS_TTL_MS) return refs.matches;
    const crm = connectors.client(retailcrm);
    const lp = connectors.client(lifepos);
    const opts = signal ? { signal } : {};
    const [stores, legal, lpLegal, outlets] = await Promise.all([crm.stores(opts), crm.legalEntities(opts), lp.legalEntities(opts), lp.outlets(opts)]);
    const innOf = new Map(legal.map((l) => [l.code, l.inn?.replace(/\D/g, '') || null]));
    const matches = stores.map((st): OutletMatch => {
      const legalCode = (st as Record<string, unknown>).legalEntity;
      const inn = typeof legalCode === 'string' ? (innOf.get(legalCode) ?? null) : null;
      const base = { store: st.code, storeName: st.name || st.code, inn };
      if (!inn) return { ...base, outletGuid: null, outletName: null, problem: `У склада «${base.storeName}» в RetailCRM не указано юрлицо с ИНН.` };
      const entity = lpLegal.find((l) => (l.inn ?? '').replace(/\D/g, '') === inn);
      if (!entity) return { ...base, outletGuid: null, outletName: null, problem: `В LIFE POS нет юрлица с ИНН ${inn} (склад «${base.storeName}»). Добавьте его: Структура бизнеса → Юридические лица.` };
      const outlet = outlets.find((o) => o.legalEntityGuid === entity.guid);
      if (!outlet) return { ...base, outletGuid: null, outletName: null, problem: `У юрлица с ИНН ${inn} в LIFE POS нет торговой точки (склад «${base.storeName}»).` };
      return { ...base, outletGuid: outlet.guid, outletName: outlet.name ?? null, problem: null };
    });
    refs = { at: Date.now(), key, matches };
    return matches;
  }

  async function outletFor(order: CrmOrder, signal: AbortSignal): Promise<string> {
    const matches = await outletMatches(false, signal);
    const m = order.shipmentStore ? matches.find((x) => x.store === order.shipmentStore) : matches.find((x) => x.outletGuid) ?? matches[0];
    if (!m) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: `У заказа №${order.number} не указан склад, а в RetailCRM нет складов для сопоставления с LIFE POS.` });
    if (!m.outletGuid) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: m.problem ?? 'Торговая точка LIFE POS не найдена.' });
    return m.outletGuid;
  }

  /** One LIFE POS employee with the courier role and one mobile workplace per RetailCRM courier, ever. */
  function ensureCourier(courierId: number, signal: AbortSignal): Promise<Courier> {
    const known = posStore.courier(e.db, courierId);
    if (known) return Promise.resolve(known);
    // Orders of one courier run in parallel: they wait for the same creation instead of making two.
    const running = courierLocks.get(courierId);
    if (running) return running;
    const p = createCourier(courierId, signal).finally(() => courierLocks.delete(courierId));
    courierLocks.set(courierId, p);
    return p;
  }

  async function createCourier(courierId: number, signal: AbortSignal): Promise<Courier> {
    const crm = connectors.client(retailcrm);
    const lp = connectors.client(lifepos);
    const opts = { signal };
    const c = (await crm.couriers(opts)).find((x) => x.id === courierId);
    if (!c) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: `Курьер с id ${courierId} не найден в справочнике курьеров RetailCRM.` });
    const phone = c.phone ?? '';
    const name = [c.lastName, c.firstName, c.patronymic].filter(Boolean).join(' ') || `Курьер ${courierId}`;
    const username = `courier-${courierId}`;
    // Adopt what an interrupted earlier attempt created, by its username, before creating anything.
    let employee = (await lp.employees(opts)).find((x) => x.username === username);
    if (!employee) {
      const role = (await lp.roles(opts)).find((r) => r.code === 'Courier' || /курьер/i.test(r.name ?? ''));
      if (!role) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: 'В LIFE POS нет роли «Курьер»: курьера нельзя завести сотрудником.' });
      employee = await lp.createEmployee({ name: name.padEnd(5, ' ').slice(0, 64), username, phone, roleGuid: role.guid }, opts);
    }
    let workplace = (await lp.workplaces(opts)).find((w) => w.employeeGuid === employee.guid && w.workplaceType === 'Mobile');
    if (!workplace) workplace = await lp.createWorkplace({ workplaceType: 'Mobile', name: `Мобильное место: ${name}`.slice(0, 64), employeeGuid: employee.guid }, opts);
    const out = { employeeGuid: employee.guid, workplaceGuid: workplace.guid };
    posStore.addCourier(e.db, courierId, out);
    return out;
  }

  return { outletMatches, outletFor, ensureCourier };
}

export type PosDirectory = ReturnType<typeof posDirectory>;
