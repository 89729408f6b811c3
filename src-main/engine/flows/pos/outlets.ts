import type { CrmLegalEntity, CrmSite, CrmStore } from '../../connectors/retailcrm/index.js';
import type { LpLegalEntity, LpOutlet } from '../../connectors/lifepos/index.js';

/**
 * Which LIFE POS outlet a RetailCRM order goes to, pure. RetailCRM keeps the legal entity on the site («магазин»,
 * `reference/sites` → `contragent` with its INN), never on a store («склад»). So: the order's site → its
 * contragent's INN → the LIFE POS legal entity with that INN → its outlets. One outlet is the answer; several are
 * the merchant's choice, per store (the order's shipment store) or per site, proposed by name in the wizard.
 */

export interface OutletRefs {
  sites: CrmSite[];
  stores: CrmStore[];
  /** `reference/legal-entities`: resolves a site whose contragent came as a bare code. */
  crmLegalEntities: CrmLegalEntity[];
  lpLegalEntities: LpLegalEntity[];
  outlets: LpOutlet[];
}

/** The merchant's choices: RetailCRM store code → outlet guid, site code → outlet guid. */
export interface OutletChoice {
  byStore: Record<string, string>;
  bySite: Record<string, string>;
}

export interface OutletOption {
  guid: string;
  name: string;
}

export interface SiteOutlets {
  site: string;
  siteName: string;
  /** Digits only; null when the site has no legal entity with an INN. */
  inn: string | null;
  legalName: string | null;
  /** The outlets of the LIFE POS legal entity with that INN (empty when there is none). */
  outlets: OutletOption[];
  /** The outlet orders of this site go to when no store choice applies: the only one, or the merchant's. */
  outletGuid: string | null;
  /** Proposed by name when the merchant has not chosen among several. */
  proposedGuid: string | null;
  /** What stops orders of this site, in Russian; null when they can go. */
  problem: string | null;
}

export interface StoreOutlet {
  store: string;
  storeName: string;
  /** The merchant's choice for this store, if any and still valid for some site. */
  outletGuid: string | null;
  proposedGuid: string | null;
}

const digits = (v: string | null | undefined): string | null => {
  const d = (v ?? '').replace(/\D/g, '');
  return d === '' ? null : d;
};

/** The site's legal entity: its contragent in full, or the legal entity its contragent code names. */
export function siteLegalEntity(site: CrmSite, legal: CrmLegalEntity[]): { inn: string | null; legalName: string | null } {
  const own = site.contragent;
  const byCode = site.contragentCode ? legal.find((l) => l.code === site.contragentCode) : undefined;
  const inn = digits(own?.inn) ?? digits(byCode?.inn);
  return { inn, legalName: own?.legalName ?? byCode?.legalName ?? own?.name ?? byCode?.name ?? null };
}

/** Words that name a kind of place, not a place: they match every shop and say nothing. */
const GENERIC = new Set(['магазин', 'склад', 'точка', 'пункт', 'выдачи', 'интернет', 'офис', 'основной', 'главный', 'shop', 'store', 'ооо', 'оао', 'зао']);

const words = (s: string): string[] =>
  s
    .toLowerCase()
    .replace(/ё/g, 'е')
    .split(/[^a-zа-я0-9]+/)
    .filter((w) => w.length >= 3 && !GENERIC.has(w));

/** The same word in another case («Ивовая» / «на Ивовой»): a common start of at least 4 letters, endings aside. */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i >= 4 && i >= Math.min(a.length, b.length) - 2;
}

/**
 * The outlet whose name shares the most words with the given names (a store's, a site's, an address), when
 * exactly one outlet scores best; null when nothing matches or the best is a tie.
 */
export function proposeOutlet(names: Array<string | null | undefined>, outlets: OutletOption[]): string | null {
  const want = new Set(names.flatMap((n) => (n ? words(n) : [])));
  if (want.size === 0) return null;
  let best: string | null = null;
  let bestScore = 0;
  let tie = false;
  for (const o of outlets) {
    const score = words(o.name).filter((w) => [...want].some((x) => sameWord(x, w))).length;
    if (score > bestScore) {
      best = o.guid;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && score > 0) tie = true;
  }
  return bestScore > 0 && !tie ? best : null;
}

/** Every site with its INN, the outlets it can use and the one its orders go to. */
export function siteOutlets(refs: OutletRefs, choice: OutletChoice): SiteOutlets[] {
  return refs.sites.map((site): SiteOutlets => {
    const siteName = site.name || site.code;
    const { inn, legalName } = siteLegalEntity(site, refs.crmLegalEntities);
    const base = { site: site.code, siteName, inn, legalName };
    if (!inn) {
      return { ...base, outlets: [], outletGuid: null, proposedGuid: null, problem: `У магазина «${siteName}» в RetailCRM не указано юрлицо с ИНН (Настройки → Магазины → «${siteName}» → Юр. лицо).` };
    }
    const entity = refs.lpLegalEntities.find((l) => digits(l.inn) === inn);
    if (!entity) {
      return { ...base, outlets: [], outletGuid: null, proposedGuid: null, problem: `В LIFE POS нет юрлица с ИНН ${inn} (магазин «${siteName}»). Добавьте его: Структура бизнеса → Юридические лица.` };
    }
    const outlets = refs.outlets.filter((o) => o.legalEntityGuid === entity.guid).map((o) => ({ guid: o.guid, name: o.name ?? o.address ?? o.guid }));
    if (outlets.length === 0) {
      return { ...base, outlets, outletGuid: null, proposedGuid: null, problem: `У юрлица с ИНН ${inn} в LIFE POS нет торговой точки (магазин «${siteName}»).` };
    }
    if (outlets.length === 1) return { ...base, outlets, outletGuid: outlets[0]!.guid, proposedGuid: null, problem: null };
    const chosen = choice.bySite[site.code];
    const valid = chosen && outlets.some((o) => o.guid === chosen) ? chosen : null;
    const proposed = valid ? null : proposeOutlet([siteName, site.code], outlets);
    return {
      ...base,
      outlets,
      outletGuid: valid,
      proposedGuid: proposed,
      // Not a problem while every store has its choice: checked per order.
      problem: valid ? null : `У юрлица с ИНН ${inn} в LIFE POS несколько торговых точек: выберите точку для магазина «${siteName}» или для его складов в настройках LIFE POS.`,
    };
  });
}

/** Every store with the outlet chosen for it and a proposal by name among all outlets of the account's sites. */
export function storeOutlets(refs: OutletRefs, choice: OutletChoice, sites = siteOutlets(refs, choice)): StoreOutlet[] {
  const candidates = sites.filter((s) => s.outlets.length > 1).flatMap((s) => s.outlets);
  const known = new Set(candidates.map((o) => o.guid));
  return refs.stores.map((st) => {
    const chosen = choice.byStore[st.code];
    const valid = chosen && known.has(chosen) ? chosen : null;
    const address = st.address?.text ?? st.address?.city ?? null;
    return { store: st.code, storeName: st.name || st.code, outletGuid: valid, proposedGuid: valid ? null : proposeOutlet([st.name, st.description, address], candidates) };
  });
}

export type OutletDecision = { outletGuid: string; site: SiteOutlets } | { problem: string };

/**
 * The outlet for one order: among the outlets of its site's legal entity, the one chosen for its shipment store,
 * else the one chosen for (or the only one of) its site. A choice that belongs to another legal entity is
 * ignored: the sale must be registered to the seller the site names.
 */
export function outletForOrder(order: { number: string; site: string; shipmentStore: string | null }, sites: SiteOutlets[], choice: OutletChoice): OutletDecision {
  const site = sites.find((s) => s.site === order.site);
  if (!site) return { problem: `Магазин «${order.site}» заказа №${order.number} не найден в справочнике магазинов RetailCRM: проверьте, что у ключа API есть доступ к нему.` };
  if (site.outlets.length === 0) return { problem: site.problem ?? `Для магазина «${site.siteName}» нет торговой точки LIFE POS.` };
  const byStore = order.shipmentStore ? choice.byStore[order.shipmentStore] : undefined;
  if (byStore && site.outlets.some((o) => o.guid === byStore)) return { outletGuid: byStore, site };
  if (site.outletGuid) return { outletGuid: site.outletGuid, site };
  return {
    problem: `Заказ №${order.number} не передан в LIFE POS: у юрлица магазина «${site.siteName}» (ИНН ${site.inn ?? '—'}) несколько торговых точек, а для ${order.shipmentStore ? `склада «${order.shipmentStore}» и ` : ''}магазина точка не выбрана. Выберите её в настройках LIFE POS и нажмите «Повторить».`,
  };
}
