/*
 * Reference data of a realistic small Russian shop in RetailCRM, and a deterministic order generator used by
 * the emulator, the demo (about 200 orders) and the benchmark (thousands).
 */

export interface SeedStatus {
  code: string;
  name: string;
  group: string;
  ordering: number;
  active: boolean;
}

export const statusGroups: Array<{ code: string; name: string; ordering: number; process: boolean }> = [
  { code: 'new', name: 'Новый', ordering: 10, process: false },
  { code: 'approval', name: 'Согласование', ordering: 20, process: true },
  { code: 'assembling', name: 'Комплектация', ordering: 30, process: true },
  { code: 'delivery', name: 'Доставка', ordering: 40, process: true },
  { code: 'complete', name: 'Выполнен', ordering: 50, process: false },
  { code: 'cancel', name: 'Отменен', ordering: 60, process: false },
];

export const statuses: SeedStatus[] = [
  { code: 'new', name: 'Новый', group: 'new', ordering: 10, active: true },
  { code: 'availability-confirmed', name: 'Наличие подтверждено', group: 'approval', ordering: 20, active: true },
  { code: 'offer-analog', name: 'Предложить замену', group: 'approval', ordering: 30, active: true },
  { code: 'client-confirmed', name: 'Согласовано с клиентом', group: 'approval', ordering: 40, active: true },
  { code: 'prepayed', name: 'Предоплата поступила', group: 'approval', ordering: 50, active: true },
  { code: 'send-to-assembling', name: 'Передано в комплектацию', group: 'assembling', ordering: 60, active: true },
  { code: 'assembling', name: 'Комплектуется', group: 'assembling', ordering: 70, active: true },
  { code: 'assembled', name: 'Укомплектован', group: 'assembling', ordering: 80, active: true },
  { code: 'send-to-delivery', name: 'Передан в доставку', group: 'delivery', ordering: 90, active: true },
  { code: 'delivering', name: 'Доставляется', group: 'delivery', ordering: 100, active: true },
  { code: 'redirect', name: 'Доставка перенесена', group: 'delivery', ordering: 110, active: true },
  { code: 'ready-for-self-pickup', name: 'Готов к самовывозу', group: 'delivery', ordering: 120, active: true },
  { code: 'complete', name: 'Выполнен', group: 'complete', ordering: 130, active: true },
  { code: 'closed', name: 'Закрыт', group: 'complete', ordering: 140, active: true },
  { code: 'refund', name: 'Возврат', group: 'cancel', ordering: 150, active: true },
  { code: 'no-call', name: 'Недозвон', group: 'cancel', ordering: 160, active: true },
  { code: 'no-product', name: 'Нет в наличии', group: 'cancel', ordering: 170, active: true },
  { code: 'already-buyed', name: 'Купил в другом месте', group: 'cancel', ordering: 180, active: true },
  { code: 'delyvery-did-not-suit', name: 'Не устроила доставка', group: 'cancel', ordering: 190, active: true },
  { code: 'prices-did-not-suit', name: 'Не устроила цена', group: 'cancel', ordering: 200, active: true },
  { code: 'cancel-other', name: 'Отменен', group: 'cancel', ordering: 210, active: true },
];

export interface SeedDeliveryType {
  code: string;
  name: string;
  defaultCost: number;
  paymentTypes: string[];
  /** Payment types taken by the courier at the door (cash on delivery). */
  codPaymentTypes: string[];
  integrationCode?: string;
}

export const deliveryTypes: SeedDeliveryType[] = [
  { code: 'courier', name: 'Доставка курьером', defaultCost: 300, paymentTypes: ['cash', 'bank-card', 'bank-transfer', 'e-money'], codPaymentTypes: ['cash'] },
  { code: 'self-delivery', name: 'Самовывоз', defaultCost: 0, paymentTypes: ['cash', 'bank-card', 'e-money'], codPaymentTypes: [] },
  { code: 'russian-post', name: 'Почта России', defaultCost: 350, paymentTypes: ['bank-card', 'bank-transfer', 'cod', 'e-money'], codPaymentTypes: ['cod'] },
  { code: 'measoft-city', name: 'Курьер по городу', defaultCost: 290, paymentTypes: ['cash', 'bank-card', 'cod', 'e-money'], codPaymentTypes: ['cod', 'cash'] },
  { code: 'measoft-region', name: 'Курьер по области', defaultCost: 490, paymentTypes: ['bank-card', 'cod', 'e-money'], codPaymentTypes: ['cod'] },
];

export const paymentTypes: Array<{ code: string; name: string; defaultForCrm: boolean; defaultForApi: boolean }> = [
  { code: 'cash', name: 'Наличные', defaultForCrm: true, defaultForApi: false },
  { code: 'bank-card', name: 'Банковская карта', defaultForCrm: false, defaultForApi: true },
  { code: 'bank-transfer', name: 'Безналичный расчёт', defaultForCrm: false, defaultForApi: false },
  { code: 'cod', name: 'Наложенный платёж', defaultForCrm: false, defaultForApi: false },
  { code: 'e-money', name: 'Электронные деньги', defaultForCrm: false, defaultForApi: false },
  { code: 'sbp', name: 'СБП', defaultForCrm: false, defaultForApi: false },
];

export const paymentStatuses: Array<{ code: string; name: string; paymentComplete: boolean; ordering: number; defaultForCrm: boolean; defaultForApi: boolean }> = [
  { code: 'not-paid', name: 'Не оплачен', paymentComplete: false, ordering: 10, defaultForCrm: true, defaultForApi: true },
  { code: 'invoice', name: 'Выставлен счёт', paymentComplete: false, ordering: 20, defaultForCrm: false, defaultForApi: false },
  { code: 'wait-approved', name: 'Ожидает подтверждения', paymentComplete: false, ordering: 30, defaultForCrm: false, defaultForApi: false },
  { code: 'paid', name: 'Оплачен', paymentComplete: true, ordering: 40, defaultForCrm: false, defaultForApi: false },
  { code: 'credited', name: 'Зачислен курьерской службой', paymentComplete: true, ordering: 50, defaultForCrm: false, defaultForApi: false },
  { code: 'returned', name: 'Возвращён', paymentComplete: false, ordering: 60, defaultForCrm: false, defaultForApi: false },
  { code: 'fail', name: 'Ошибка оплаты', paymentComplete: false, ordering: 70, defaultForCrm: false, defaultForApi: false },
  { code: 'canceled', name: 'Отменён', paymentComplete: false, ordering: 80, defaultForCrm: false, defaultForApi: false },
];

export const legalEntities = [
  {
    code: 'ip-sokolova',
    name: 'ИП Соколова',
    legalName: 'Индивидуальный предприниматель Соколова Анна Викторовна',
    contragentType: 'enterpreneur',
    INN: '772814390271',
    OGRNIP: '318774600123456',
    legalAddress: '115280, г. Москва, ул. Ленинская Слобода, д. 19, кв. 42',
    vatRate: 'none',
    countryIso: 'RU',
  },
  {
    code: 'ooo-prilavok',
    name: 'ООО «Прилавок»',
    legalName: 'Общество с ограниченной ответственностью «Прилавок»',
    contragentType: 'legal-entity',
    INN: '7813629154',
    KPP: '781301001',
    OGRN: '1197847123450',
    legalAddress: '197101, г. Санкт-Петербург, Каменноостровский пр-т, д. 26-28, лит. А, пом. 14-Н',
    vatRate: '20',
    countryIso: 'RU',
  },
];

export const stores = [
  {
    code: 'main',
    name: 'Склад на Автозаводской',
    type: 'store-type-warehouse',
    inventoryType: 'integer',
    active: true,
    description: 'Основной склад, Москва',
    address: { index: '115280', region: 'Москва', city: 'Москва', street: 'ул. Ленинская Слобода', building: '19', text: 'г. Москва, ул. Ленинская Слобода, д. 19' },
    phone: { number: '+74951234567' },
  },
  {
    code: 'spb',
    name: 'Магазин на Петроградской',
    type: 'store-type-retail',
    inventoryType: 'integer',
    active: true,
    description: 'Розничный магазин, Санкт-Петербург',
    address: { index: '197101', region: 'Санкт-Петербург', city: 'Санкт-Петербург', street: 'Каменноостровский пр-т', building: '26-28', text: 'г. Санкт-Петербург, Каменноостровский пр-т, д. 26-28' },
    phone: { number: '+78127654321' },
  },
];

export const couriers = [
  { id: 1, firstName: 'Дмитрий', lastName: 'Кузнецов', patronymic: 'Олегович', phone: { number: '+79161112233' }, email: 'kuznetsov@prilavok.test', active: true },
  { id: 2, firstName: 'Руслан', lastName: 'Алиев', patronymic: 'Маратович', phone: { number: '+79262223344' }, email: null, active: true },
  { id: 3, firstName: 'Сергей', lastName: 'Павлов', patronymic: null, phone: { number: '+79213334455' }, email: null, active: true },
  { id: 4, firstName: 'Игорь', lastName: 'Смирнов', patronymic: 'Петрович', phone: { number: '+79034445566' }, email: null, active: false },
];

export const userGroups = [
  { id: 1, name: 'Менеджеры', code: 'manager', isManager: true, isPosManager: false, isDeliveryMen: false, deliveryTypes: [], grantedSites: [] },
  { id: 2, name: 'Курьеры', code: 'couriers', isManager: false, isPosManager: false, isDeliveryMen: true, deliveryTypes: ['courier', 'measoft-city'], grantedSites: [] },
  { id: 3, name: 'Интеграции', code: 'integration-support', isManager: false, isPosManager: false, isDeliveryMen: false, deliveryTypes: [], grantedSites: [] },
  { id: 4, name: 'Администраторы', code: 'director', isManager: false, isPosManager: true, isDeliveryMen: false, deliveryTypes: [], grantedSites: [] },
];

export const users = [
  { id: 11, firstName: 'Анна', lastName: 'Соколова', patronymic: 'Викторовна', email: 'anna@prilavok.test', phone: '+79031234567', position: 'Владелец', isAdmin: true, isManager: false, groups: ['director'] },
  { id: 12, firstName: 'Мария', lastName: 'Иванова', patronymic: 'Сергеевна', email: 'maria@prilavok.test', phone: '+79057654321', position: 'Менеджер', isAdmin: false, isManager: true, groups: ['manager', 'integration-support'] },
  { id: 13, firstName: 'Олег', lastName: 'Петров', patronymic: null, email: 'oleg@prilavok.test', phone: '+79261230000', position: 'Менеджер', isAdmin: false, isManager: true, groups: ['manager'] },
  { id: 14, firstName: 'Дмитрий', lastName: 'Кузнецов', patronymic: 'Олегович', email: 'kuznetsov@prilavok.test', phone: '+79161112233', position: 'Курьер', isAdmin: false, isManager: false, groups: ['couriers'] },
  { id: 15, firstName: 'Елена', lastName: 'Орлова', patronymic: 'Андреевна', email: 'orlova@prilavok.test', phone: '+79117778899', position: 'Поддержка', isAdmin: false, isManager: false, groups: ['integration-support'], active: false },
];

/**
 * The legal entity of each site («магазин»): RetailCRM keeps it on the site as `contragent`, never on a store
 * (склад). A site not listed here has the first legal entity.
 */
export const siteLegalEntity: Record<string, string> = {
  shop: 'ip-sokolova',
  spb: 'ooo-prilavok',
  opt: 'ooo-prilavok',
};

export const siteNames: Record<string, string> = {
  shop: 'Интернет-магазин «Прилавок»',
  spb: 'Прилавок Санкт-Петербург',
  opt: 'Оптовый отдел',
};

// ------------------------------------------------------------------------------------------ generator

/** Small deterministic PRNG (mulberry32), so the same seed gives the same orders on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const maleFirst = ['Александр', 'Алексей', 'Андрей', 'Артём', 'Владимир', 'Дмитрий', 'Евгений', 'Иван', 'Максим', 'Михаил', 'Никита', 'Павел', 'Сергей', 'Кирилл'];
const femaleFirst = ['Анастасия', 'Анна', 'Дарья', 'Екатерина', 'Елена', 'Ирина', 'Ксения', 'Мария', 'Наталья', 'Ольга', 'Светлана', 'Татьяна', 'Юлия', 'Полина'];
const lastRoots = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров', 'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов', 'Николаев'];
const malePatr = ['Александрович', 'Андреевич', 'Владимирович', 'Дмитриевич', 'Игоревич', 'Николаевич', 'Сергеевич', 'Юрьевич'];
const femalePatr = ['Александровна', 'Андреевна', 'Владимировна', 'Дмитриевна', 'Игоревна', 'Николаевна', 'Сергеевна', 'Юрьевна'];

const cities: Array<{ city: string; region: string; index: string; streets: string[]; metro?: string[]; local: boolean }> = [
  {
    city: 'Москва',
    region: 'Москва',
    index: '1',
    streets: ['ул. Тверская', 'Ленинский пр-т', 'ул. Профсоюзная', 'ул. Покровка', 'Варшавское ш.', 'ул. Бутырская', 'Кутузовский пр-т', 'ул. Маросейка', 'ул. Лесная', 'Мичуринский пр-т'],
    metro: ['Тверская', 'Октябрьская', 'Профсоюзная', 'Китай-город', 'Тульская', 'Савёловская', 'Кутузовская', 'Белорусская'],
    local: true,
  },
  {
    city: 'Санкт-Петербург',
    region: 'Санкт-Петербург',
    index: '19',
    streets: ['Невский пр-т', 'ул. Марата', 'Лиговский пр-т', 'Московский пр-т', 'ул. Рубинштейна', 'Большой пр-т П.С.', 'ул. Савушкина', 'пр-т Просвещения'],
    metro: ['Маяковская', 'Владимирская', 'Пушкинская', 'Московская', 'Петроградская'],
    local: true,
  },
  { city: 'Химки', region: 'Московская обл.', index: '141', streets: ['ул. Московская', 'Ленинградское ш.', 'ул. Молодёжная'], local: false },
  { city: 'Мытищи', region: 'Московская обл.', index: '141', streets: ['Олимпийский пр-т', 'ул. Мира', 'Новомытищинский пр-т'], local: false },
  { city: 'Подольск', region: 'Московская обл.', index: '142', streets: ['ул. Кирова', 'Революционный пр-т', 'ул. Б. Серпуховская'], local: false },
  { city: 'Гатчина', region: 'Ленинградская обл.', index: '188', streets: ['пр-т 25 Октября', 'ул. Соборная', 'ул. Чехова'], local: false },
];

export interface SeedProduct {
  offerId: number;
  externalId: string;
  name: string;
  article: string;
  price: number;
  purchasePrice: number;
  weight: number;
  vatRate: string;
}

export const products: SeedProduct[] = [
  ['Чай Пуэр прессованный, 357 г', 'TEA-357', 1890, 1100, 380],
  ['Чайник заварочный «Гунфу», 150 мл', 'POT-150', 1450, 700, 420],
  ['Мёд липовый алтайский, 500 г', 'HNY-500', 690, 380, 650],
  ['Кофе в зёрнах «Эфиопия Сидамо», 1 кг', 'CFE-1000', 2490, 1500, 1050],
  ['Турка медная, 350 мл', 'TRK-350', 1790, 950, 480],
  ['Варенье из шишек, 250 г', 'JAM-250', 420, 210, 400],
  ['Термокружка, 450 мл', 'MUG-450', 1290, 640, 350],
  ['Подарочный набор «Чайная церемония»', 'SET-CH', 4590, 2600, 1900],
  ['Иван-чай ферментированный, 100 г', 'IVN-100', 350, 160, 120],
  ['Пастила яблочная, 200 г', 'PST-200', 380, 190, 220],
  ['Кофемолка ручная керамическая', 'GRN-01', 2990, 1700, 760],
  ['Сироп кленовый, 250 мл', 'SYR-250', 890, 520, 420],
].map(([name, article, price, purchasePrice, weight], i) => ({
  offerId: 101 + i,
  externalId: `offer-${String(article).toLowerCase()}`,
  name: String(name),
  article: String(article),
  price: Number(price),
  purchasePrice: Number(purchasePrice),
  weight: Number(weight),
  vatRate: 'none',
}));

export interface SeedOrder {
  externalId?: string;
  site: string;
  status: string;
  createdAt: string;
  orderMethod: string;
  firstName: string;
  lastName: string;
  patronymic: string | null;
  phone: string;
  email: string | null;
  customerComment: string | null;
  managerComment: string | null;
  weight: number;
  length: number;
  width: number;
  height: number;
  shipmentStore: string;
  items: Array<{
    offer: { id: number; externalId: string };
    productName: string;
    quantity: number;
    initialPrice: number;
    discountManualAmount?: number;
    purchasePrice: number;
    vatRate: string;
  }>;
  delivery: {
    code: string;
    cost: number;
    date: string | null;
    time: { from: string; to: string } | null;
    address: { index: string; region: string; city: string; street: string; building: string; flat: string | null; metro?: string | null; text: string } | null;
  };
  payments: Array<{ type: string; amount: number; status: string; paidAt?: string }>;
  customFields: Record<string, unknown>;
}

export interface MakeOrdersOptions {
  seed?: number;
  /** Site codes to spread orders over; default ['shop']. */
  sites?: string[];
  /** Status codes to pick from; default a realistic spread over the pipeline. */
  statuses?: string[];
  /** Share of orders with an externalId (as if from the web shop); default 0.5. */
  externalIdShare?: number;
  externalIdPrefix?: string;
  /** The newest order's creation time; orders go back about an hour each. Default now. */
  now?: Date;
}

const defaultStatusSpread = [
  'new', 'new', 'new', 'availability-confirmed', 'client-confirmed', 'prepayed', 'send-to-assembling', 'assembling',
  'assembled', 'send-to-delivery', 'send-to-delivery', 'delivering', 'delivering', 'complete', 'complete', 'complete',
  'closed', 'cancel-other', 'no-call', 'redirect',
];

const pad = (n: number) => String(n).padStart(2, '0');
export function crmDateTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function crmDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Realistic Russian orders: names, +7 phones, Moscow/St Petersburg addresses, items, COD vs prepaid. */
export function makeOrders(n: number, opts: MakeOrdersOptions = {}): SeedOrder[] {
  const rand = rng(opts.seed ?? 20_240_501);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const sites = opts.sites ?? ['shop'];
  const statusPool = opts.statuses ?? defaultStatusSpread;
  const share = opts.externalIdShare ?? 0.5;
  const prefix = opts.externalIdPrefix ?? 'web-';
  const now = (opts.now ?? new Date()).getTime();
  const out: SeedOrder[] = [];

  for (let i = 0; i < n; i++) {
    const female = rand() < 0.55;
    const firstName = pick(female ? femaleFirst : maleFirst);
    const root = pick(lastRoots);
    const lastName = female ? `${root}а` : root;
    const patronymic = rand() < 0.7 ? pick(female ? femalePatr : malePatr) : null;
    const phone = `+79${pick(['16', '26', '03', '05', '15', '21', '11', '85', '99'])}${String(int(0, 9_999_999)).padStart(7, '0')}`;
    const email = rand() < 0.6 ? `${translit(firstName)}.${translit(lastName)}${int(1, 99)}@${pick(['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru'])}` : null;

    const roll = rand();
    const deliveryCode =
      roll < 0.3 ? 'measoft-city' : roll < 0.45 ? 'measoft-region' : roll < 0.7 ? 'courier' : roll < 0.85 ? 'self-delivery' : 'russian-post';
    const dt = deliveryTypes.find((d) => d.code === deliveryCode)!;
    const place = deliveryCode === 'measoft-region' ? pick(cities.filter((c) => !c.local)) : deliveryCode === 'russian-post' ? pick(cities) : pick(cities.filter((c) => c.local));

    const lines = int(1, 4);
    const used = new Set<number>();
    const items: SeedOrder['items'] = [];
    let weight = 0;
    let summ = 0;
    for (let l = 0; l < lines; l++) {
      const p = pick(products);
      if (used.has(p.offerId)) continue;
      used.add(p.offerId);
      const quantity = rand() < 0.75 ? 1 : int(2, 3);
      const discount = rand() < 0.15 ? Math.round(p.price * 0.1) : 0;
      items.push({
        offer: { id: p.offerId, externalId: p.externalId },
        productName: p.name,
        quantity,
        initialPrice: p.price,
        ...(discount ? { discountManualAmount: discount } : {}),
        purchasePrice: p.purchasePrice,
        vatRate: p.vatRate,
      });
      weight += p.weight * quantity;
      summ += (p.price - discount) * quantity;
    }

    const created = new Date(now - i * 3_600_000 - int(0, 3_000_000));
    const deliveryDate = new Date(created.getTime() + int(1, 3) * 86_400_000);
    const cost = deliveryCode === 'self-delivery' ? 0 : summ >= 5000 ? 0 : dt.defaultCost;
    const total = summ + cost;
    const slot = pick([['09:00', '13:00'], ['13:00', '18:00'], ['18:00', '22:00'], ['10:00', '14:00']] as const);
    const street = pick(place.streets);
    const building = String(int(1, 120));
    const flat = rand() < 0.85 ? String(int(1, 350)) : null;
    const status = pick(statusPool);

    const cod = dt.codPaymentTypes.length > 0 && rand() < 0.55;
    const payType = cod ? pick(dt.codPaymentTypes) : pick(['bank-card', 'bank-card', 'e-money', 'sbp'].filter((t) => t === 'sbp' || dt.paymentTypes.includes(t)));
    const settled = cod ? ['complete', 'closed'].includes(status) : !['new', 'no-call', 'cancel-other'].includes(status);
    const payment: SeedOrder['payments'][number] = {
      type: payType,
      amount: total,
      status: settled ? 'paid' : 'not-paid',
      ...(settled ? { paidAt: crmDateTime(new Date(created.getTime() + 600_000)) } : {}),
    };

    out.push({
      ...(rand() < share ? { externalId: `${prefix}${100_000 + i}` } : {}),
      site: sites[i % sites.length]!,
      status,
      createdAt: crmDateTime(created),
      orderMethod: pick(['shopping-cart', 'shopping-cart', 'phone', 'one-click']),
      firstName,
      lastName,
      patronymic,
      phone,
      email,
      customerComment: rand() < 0.3 ? pick(['Позвоните за час до доставки', 'Домофон не работает, наберите на мобильный', 'Оставить у двери', 'Нужен чек на организацию', 'Подарок, упакуйте, пожалуйста']) : null,
      managerComment: rand() < 0.15 ? pick(['Постоянный клиент', 'Уточнить наличие', 'Оплата при получении']) : null,
      weight,
      length: int(15, 45),
      width: int(10, 30),
      height: int(5, 25),
      shipmentStore: place.region.startsWith('Санкт') || place.region.startsWith('Ленинград') ? 'spb' : 'main',
      items,
      delivery: {
        code: deliveryCode,
        cost,
        date: deliveryCode === 'self-delivery' ? null : crmDate(deliveryDate),
        time: deliveryCode === 'self-delivery' ? null : { from: slot[0], to: slot[1] },
        address:
          deliveryCode === 'self-delivery'
            ? null
            : {
                index: `${place.index}${String(int(0, 99_999)).padStart(6 - place.index.length, '0')}`.slice(0, 6),
                region: place.region,
                city: place.city,
                street,
                building,
                flat,
                ...(place.metro ? { metro: pick(place.metro) } : {}),
                text: `${place.city === place.region ? '' : `${place.region}, `}г. ${place.city}, ${street}, д. ${building}${flat ? `, кв. ${flat}` : ''}`,
              },
      },
      payments: [payment],
      customFields: rand() < 0.3 ? { gift_wrap: true } : {},
    });
  }
  return out;
}

const tr: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o',
  п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'h', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'sch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};
function translit(s: string): string {
  return [...s.toLowerCase()].map((c) => tr[c] ?? c).join('');
}
