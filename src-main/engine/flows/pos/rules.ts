import type { Settings } from '../../../../src-shared/settings.js';
import { toKopecks, type CrmLegalEntity, type CrmOrder, type CrmSite, type CrmStore } from '../../connectors/retailcrm/index.js';
import { wireToKopecks, type LpLegalEntity, type LpOutlet, type LpSaleInput, type MoneyUnit } from '../../connectors/lifepos/index.js';

/** The RetailCRM ↔ LIFE POS rules, pure: what a sale looks like, which order change does what. */

export type PosSettings = Settings['pos'];

export interface PosRowView {
  state: 'creating' | 'created' | 'cancelled' | 'refunded';
  storeCode: string | null;
}

export type PosDecision =
  | { kind: 'create' }
  | { kind: 'retryCreate' }
  | { kind: 'close' }
  | { kind: 'refund' }
  | { kind: 'moveOutlet'; store: string }
  | { kind: 'none'; reason: string };

/**
 * The courier RetailCRM assigned to the order. Where RetailCRM keeps it is not documented in the contract:
 * the order's `courierId`, a `courier` object, or the delivery's data — the first one present wins.
 */
export function crmCourierId(order: CrmOrder): number | null {
  const o = order as Record<string, unknown>;
  const d = (order.delivery ?? {}) as Record<string, unknown>;
  const data = (order.delivery?.data ?? {}) as Record<string, unknown>;
  const candidates = [o.courierId, (o.courier as { id?: unknown } | null | undefined)?.id, (d.courier as { id?: unknown } | null | undefined)?.id, data.courierId];
  for (const c of candidates) {
    const n = Number(c);
    if (c !== null && c !== undefined && c !== '' && Number.isSafeInteger(n) && n > 0) return n;
  }
  return null;
}

/** Level-triggered like the courier flow: from the order as it is now and what was done before. */
export function decidePos(order: CrmOrder, row: PosRowView | null, s: PosSettings): PosDecision {
  if (!s.enabled) return { kind: 'none', reason: 'disabled' };
  // The seed's «cancel and resend» cycle: a cancelled sale and the creating status again make a new sale.
  if (!row || row.state === 'cancelled') return s.createStatuses.includes(order.status) ? { kind: 'create' } : { kind: 'none', reason: 'not a creating status' };
  if (row.state === 'creating') return { kind: 'retryCreate' };
  if (row.state !== 'created') return { kind: 'none', reason: row.state };
  if (order.payments.some((p) => p.status !== null && s.refundPaymentStatuses.includes(p.status))) return { kind: 'refund' };
  if (s.closeStatuses.includes(order.status)) return { kind: 'close' };
  if (order.shipmentStore && row.storeCode && order.shipmentStore !== row.storeCode) return { kind: 'moveOutlet', store: order.shipmentStore };
  return { kind: 'none', reason: 'unchanged' };
}

/** The LIFE POS sale for a RetailCRM order: number (the idempotency key), positions, customer, delivery. */
export function saleNumber(crmNumber: string, generation: number): string {
  return generation <= 1 ? crmNumber : `${crmNumber}-${generation}`;
}

export function toSaleInput(order: CrmOrder, outletGuid: string, courier: { employeeGuid: string; workplaceGuid: string } | null, generation = 1): LpSaleInput {
  const positions: LpSaleInput['positions'] = order.items
    .filter((i) => (i.quantity ?? 0) > 0)
    .map((i) => ({
      name: (i.offer?.displayName || i.offer?.name || i.productName || 'Товар').slice(0, 128),
      quantity: i.quantity,
      priceKopecks: Math.max(0, toKopecks(i.initialPrice ?? 0) - toKopecks(i.discountTotal ?? 0)),
    }));
  const delivery = toKopecks(order.delivery?.cost ?? 0);
  if (delivery > 0) positions.push({ name: 'Доставка', quantity: 1, priceKopecks: delivery, type: 'Service' });
  const a = order.delivery?.address;
  const address = a ? (a.text?.trim() || [a.city, a.street, a.building ? `д. ${a.building}` : null, a.flat ? `кв. ${a.flat}` : null].filter(Boolean).join(', ')) : null;
  return {
    number: saleNumber(order.number, generation),
    outletGuid,
    ...(courier ? { employeeGuid: courier.employeeGuid, workplaceGuid: courier.workplaceGuid } : {}),
    comment: order.customerComment?.slice(0, 512) ?? null,
    totalKopecks: toKopecks(order.totalSumm ?? 0),
    positions,
    customer: { name: [order.lastName, order.firstName].filter(Boolean).join(' ') || null, phone: order.phone ?? null, email: order.email ?? null },
    delivery: order.delivery?.code ? { address: address || null, date: order.delivery.date ?? null, timeFrom: order.delivery.time?.from ?? null, timeTo: order.delivery.time?.to ?? null } : null,
  };
}

const rub = (kopecks: number): string => `${(kopecks / 100).toFixed(2).replace('.', ',').replace(/,00$/, '')} ₽`;

/**
 * The money-unit tolerance check (design contract): a sale's wire total against the RetailCRM order total. The
 * configured unit reading it right is fine; the other unit reading it right means the setting is wrong; neither
 * means the sums differ. Either way payments are held: the merchant's message, or null when all is well.
 */
export function saleTotalProblem(wireTotal: number | null, crmTotalKopecks: number, unit: MoneyUnit, crmNumber: string): string | null {
  if (wireTotal === null || !Number.isFinite(wireTotal)) return null;
  if (wireToKopecks(wireTotal, unit) === crmTotalKopecks) return null;
  const head = `Оплата из LIFE POS по заказу №${crmNumber} не записана`;
  const other: MoneyUnit = unit === 'minor' ? 'major' : 'minor';
  if (wireToKopecks(wireTotal, other) === crmTotalKopecks) {
    return `${head}: сумма продажи в LIFE POS (${wireTotal}) равна сумме заказа в RetailCRM (${rub(crmTotalKopecks)}), только если считать её в ${other === 'major' ? 'рублях' : 'копейках'}, а в настройках LIFE POS выбрано «Суммы в API» — ${unit === 'minor' ? 'в копейках' : 'в рублях'}. Исправьте настройку и нажмите «Повторить».`;
  }
  return `${head}: сумма продажи в LIFE POS (${rub(wireToKopecks(wireTotal, unit))}) не совпадает с суммой заказа в RetailCRM (${rub(crmTotalKopecks)}). Сверьте заказ и продажу и нажмите «Повторить».`;
}

const STATE_TITLES: Record<string, string> = { New: 'Новая продажа', InProgress: 'В работе', Completed: 'Завершена', Cancelled: 'Отменена' };
const PAY_TITLES: Record<string, string> = { NotPaid: 'не оплачена', Paid: 'оплачена', PartiallyPaid: 'оплачена частично', Refunded: 'возврат', PartiallyRefunded: 'частичный возврат' };

/** The order card's LIFE POS chip for a sale. */
export function chipFor(sale: { state?: string | null; paymentStatus?: string | null }): { state: string; label: string; attention: boolean } {
  const st = sale.state ?? 'New';
  const pay = sale.paymentStatus ? PAY_TITLES[sale.paymentStatus] : null;
  return { state: st, label: `${STATE_TITLES[st] ?? st}${pay ? `, ${pay}` : ''}`, attention: false };
}

const ROLE_TITLES: Record<string, string> = { Owner: 'Владелец', Administrator: 'Администратор', Admin: 'Администратор', Manager: 'Менеджер', Cashier: 'Кассир', Courier: 'Курьер', Guest: 'Гость' };
export const roleTitle = (role: string): string => ROLE_TITLES[role] ?? role;

/** The RetailCRM key's rights the flow needs, with the names RetailCRM shows in the key's settings. */
export const POS_SCOPES: Record<string, string> = {
  order_read: 'Заказы — получение',
  order_write: 'Заказы — редактирование',
  customer_read: 'Клиенты — получение',
  reference_read: 'Справочники — получение',
  user_read: 'Пользователи — получение',
  task_write: 'Задачи — редактирование',
};

// ── outlets: which LIFE POS outlet an order goes to ─────────────────────────────────────────────────────

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
