import { lifepos } from '../../connectors/lifepos/index.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { retailcrm } from '../../connectors/retailcrm/index.js';
import type { Engine } from '../../engine.js';
import { SyncError } from '../../errors.js';
import { outletForOrder, siteOutlets, storeOutlets, type OutletChoice, type SiteOutlets, type StoreOutlet } from './rules.js';
import { posStore } from './store.js';

const REFS_TTL_MS = 5 * 60_000;

/** Every RetailCRM site and store with the LIFE POS outlet its orders go to (the wizard and the connection test). */
export interface OutletMap {
  sites: SiteOutlets[];
  stores: StoreOutlet[];
}

type Courier = { employeeGuid: string; workplaceGuid: string };

/**
 * Who and where in LIFE POS: outlets found through the legal entity of the order's site (RetailCRM keeps it on the
 * site as `contragent`, never on a store) and the merchant's choice where it has several; couriers as employees.
 */
export function posDirectory(e: Engine, connectors: ConnectorRegistry) {
  let refs: { at: number; key: string; map: OutletMap } | null = null;
  const courierLocks = new Map<number, Promise<Courier>>();

  function outletChoice(): OutletChoice {
    const pos = e.settings.get('pos');
    return { byStore: pos.outletByStore, bySite: pos.outletBySite };
  }

  /** Every site and store with its INN and outlet, from both accounts' references (cached a few minutes). */
  async function outletMap(refresh = false, signal?: AbortSignal): Promise<OutletMap> {
    const choice = outletChoice();
    const key = JSON.stringify([e.settings.get('retailcrm'), e.settings.get('lifepos'), choice]);
    if (!refresh && refs && refs.key === key && Date.now() - refs.at < REFS_TTL_MS) return refs.map;
    const crm = connectors.client(retailcrm);
    const lp = connectors.client(lifepos);
    const opts = signal ? { signal } : {};
    const [sites, stores, crmLegalEntities, lpLegalEntities, outlets] = await Promise.all([crm.sites(opts), crm.stores(opts), crm.legalEntities(opts), lp.legalEntities(opts), lp.outlets(opts)]);
    const input = { sites, stores, crmLegalEntities, lpLegalEntities, outlets };
    const siteRows = siteOutlets(input, choice);
    const map = { sites: siteRows, stores: storeOutlets(input, choice, siteRows) };
    refs = { at: Date.now(), key, map };
    return map;
  }

  /** The outlet for an order (its site, its shipment store), or the merchant's reason why there is none. */
  async function outletFor(order: { number: string; site: string; shipmentStore: string | null }, signal: AbortSignal): Promise<string> {
    const d = outletForOrder(order, (await outletMap(false, signal)).sites, outletChoice());
    if ('problem' in d) throw new SyncError({ kind: 'needsAttention', system: 'lifepos', message: d.problem });
    return d.outletGuid;
  }

  /**
   * The role for new courier employees: the merchant's choice, else the one role named «Курьер» among the roles
   * the organisation's employees have. LIFE POS documents no roles list, so nothing is guessed beyond that.
   */
  async function courierRole(signal: AbortSignal): Promise<string> {
    const chosen = e.settings.get('pos').courierRoleGuid;
    if (chosen) return chosen;
    const couriers = (await connectors.client(lifepos).rolesInUse({ signal })).filter((r) => /курьер|courier/i.test(r.name ?? ''));
    if (couriers.length === 1) return couriers[0]!.guid;
    throw new SyncError({
      kind: 'needsAttention',
      system: 'lifepos',
      message: 'Курьера нельзя завести сотрудником LIFE POS: не выбрана роль для курьеров. Заведите в LIFE POS хотя бы одного сотрудника с ролью «Курьер» и выберите эту роль в настройках LIFE POS, затем нажмите «Повторить».',
    });
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
      const roleGuid = await courierRole(signal);
      employee = await lp.createEmployee({ name: name.padEnd(5, ' ').slice(0, 64), username, phone, roleGuid }, opts);
    }
    let workplace = (await lp.workplaces(opts)).find((w) => w.employeeGuid === employee.guid && w.workplaceType === 'Mobile');
    if (!workplace) workplace = await lp.createWorkplace({ workplaceType: 'Mobile', name: `Мобильное место: ${name}`.slice(0, 64), employeeGuid: employee.guid }, opts);
    const out = { employeeGuid: employee.guid, workplaceGuid: workplace.guid };
    posStore.addCourier(e.db, courierId, out);
    return out;
  }

  return { outletMap, outletChoice, outletFor, ensureCourier };
}

export type PosDirectory = ReturnType<typeof posDirectory>;
