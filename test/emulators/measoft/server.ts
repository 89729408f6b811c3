import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A local MeaSoft: the XML API at `/api/` (the root element selects the operation), the client cabinet's
 * login form with a CSRF token and cookies, and the `/print/` page. Behaviour follows contracts/measoft.md and
 * the real shapes in test/fixtures/real/measoft: wrong credentials are a bare `error="1"` on the root, `townlist`
 * puts the region in `<town><city>…</city>`, `<waybill>` answers `<content>` with a base64 PDF (real PDF bytes,
 * one page per order). Where the shape is uncertain (the form of other errors) the emulator can be switched.
 */

type Paytype = 'CASH' | 'CARD' | 'NO' | 'OTHER';
type Node = Record<string, unknown>;

export interface EmulatedStatusEvent {
  code: string;
  at: number;
}

export interface EmulatedOrder {
  orderno: string;
  awb: string;
  barcode: string;
  extra: string;
  login: string;
  year: number;
  createdAt: number;
  status: string;
  history: EmulatedStatusEvent[];
  sender: Record<string, string>;
  receiver: Record<string, string>;
  weight: number;
  quantity: number;
  paytype: Paytype;
  /** COD, kopecks. */
  priceKopecks: number;
  inshpriceKopecks: number;
  deliverypriceKopecks: number;
  service: number;
  instruction: string;
  items: Array<{ name: string; attrs: Record<string, string> }>;
  deliveredTo: string | null;
  deliveredDate: string | null;
  deliveredTime: string | null;
  canceledByCustomer: boolean;
  editCount: number;
}

export interface MeasoftAccount {
  extra: string;
  login: string;
  pass: string;
  /** «Разрешить отмену и изменение заказов» (default true). */
  allowCancelEdit?: boolean;
}

export interface MeasoftEmulatorOptions {
  accounts?: MeasoftAccount[];
  /** Simulated courier: advances every non-final order one realistic step per tick. */
  courier?: { intervalMs: number };
  /** AWAITING_SYNC → NEW this long after creation, at the next request (default 0: the next request). */
  syncAfterMs?: number;
  /** How request-level errors are written: the root's `error` attribute or `<error>` children (default element). */
  errorForm?: 'attribute' | 'element';
  /** Wrong credentials: a bare `error="1"` root as MeaSoft answers (default), or a coded error 25 in `errorForm`. */
  authErrorForm?: 'bare' | 'coded';
  /** Lifetime of the cabinet's auth cookie (default 30 minutes). */
  webSessionTtlMs?: number;
  /** Seed of the courier's outcomes (which orders are refused or returned). */
  seed?: number;
}

export interface MeasoftEmulator {
  /** Base URL; the API is at `${url}/api/`. */
  url: string;
  close(): Promise<void>;
  orders(): EmulatedOrder[];
  getOrder(orderno: string): EmulatedOrder | undefined;
  setStatus(orderno: string, code: string, extra?: { deliveredTo?: string; paytype?: Paytype; priceKopecks?: number }): void;
  faults: { latencyMs: number; failNext(n: number, status?: number): void; dropNext(n: number): void; malformedNext(n: number): void };
  requests: Array<{ op: string; at: number; status: number }>;
  startCourier(intervalMs: number): void;
  stopCourier(): void;
  /** Ends every cabinet login now (as if the cookies expired). */
  expireWebSessions(): void;
  /** Cabinet logins that succeeded. */
  webLogins(): number;
  /** Every `<waybill>` print request answered: the orders asked for and the form. */
  waybills(): Array<{ ordernos: string[]; form: string }>;
}

export const STATUS_TITLES: Record<string, string> = {
  AWAITING_SYNC: 'Ожидает синхронизации',
  NEW: 'Новый',
  PICKUP: 'Забран у отправителя',
  ACCEPTED: 'Получен складом',
  DELIVERY: 'Выдан курьеру на доставку',
  COURIERDELIVERED: 'Доставлен (предварительно)',
  COMPLETE: 'Доставлен',
  PARTIALLY: 'Доставлен частично',
  COURIERRETURN: 'Курьер вернул на склад',
  DATECHANGE: 'Перенос даты доставки',
  CANCELED: 'Не доставлен',
  RETURNING: 'Планируется возврат',
  RETURNED: 'Возвращён клиенту',
  LOST: 'Утерян',
};

const FINAL = new Set(['COMPLETE', 'PARTIALLY', 'RETURNED', 'PARTLYRETURNED', 'LOST']);
const DELIVERED = new Set(['COMPLETE', 'PARTIALLY', 'COURIERDELIVERED']);

interface Town {
  code: string;
  name: string;
  region: string;
  regionCode: string;
}

const TOWNS: Town[] = [
  { code: '1', name: 'Москва', region: 'Москва', regionCode: '77' },
  { code: '153361', name: 'Санкт-Петербург', region: 'Санкт-Петербург', regionCode: '78' },
  { code: '4276', name: 'Новосибирск', region: 'Новосибирская обл.', regionCode: '54' },
  { code: '4285', name: 'Екатеринбург', region: 'Свердловская обл.', regionCode: '66' },
  { code: '4289', name: 'Казань', region: 'Республика Татарстан', regionCode: '16' },
  { code: '4302', name: 'Нижний Новгород', region: 'Нижегородская обл.', regionCode: '52' },
  { code: '10131', name: 'Мытищи', region: 'Московская обл.', regionCode: '50' },
  { code: '10135', name: 'Москворецкий', region: 'Московская обл.', regionCode: '50' },
];

const SERVICES: Array<{ code: number; name: string; factor: number; days: [number, number] }> = [
  { code: 1, name: 'Не срочно', factor: 1, days: [2, 3] },
  { code: 2, name: 'Срочно', factor: 1.5, days: [1, 1] },
  { code: 3, name: 'Экспресс', factor: 2.2, days: [0, 1] },
];

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', suppressEmptyNode: true });
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name, _j, _l, isAttr) => !isAttr && (name === 'order' || name === 'item'),
});

function xml(root: string, body: Node): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: body }) as string}`;
}

function txt(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return txt(v[0]);
  if (typeof v === 'object') return txt((v as Node)['#text']);
  return String(v).trim();
}

function at(v: unknown, name: string): string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return '';
  const x = (v as Node)[`@_${name}`];
  return x === undefined ? '' : String(x).trim();
}

function node(v: unknown): Node {
  if (Array.isArray(v)) return node(v[0]);
  return v && typeof v === 'object' ? (v as Node) : {};
}

function list(v: unknown): Node[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]).map(node);
}

function toKopecks(s: string): number {
  const n = Number(s.replace(',', '.'));
  return Number.isFinite(n) ? Math.round(n * 100) : 0;
}

function roubles(k: number): string {
  return (k / 100).toFixed(2);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** MeaSoft reports local time as `YYYY-MM-DD HH:MM:SS`. */
function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Like the service: digits with optional +, spaces, brackets and dashes; 10–15 digits (extensions after a comma allowed). */
export function validPhone(raw: string): boolean {
  const main = raw.split(/[,;]|доб\.?/i)[0] ?? '';
  if (!/^[+\d\s()\-.]+$/.test(main.trim())) return false;
  const digits = main.replace(/\D/g, '');
  return digits.length >= 10 && digits.length <= 15;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function findTown(q: string): Town | undefined {
  const t = q.trim().toLowerCase();
  return TOWNS.find((x) => x.code === t || x.name.toLowerCase() === t);
}

interface OrderError {
  code: string;
  msg: string;
  ru: string;
}

interface WebLogin {
  account: MeasoftAccount;
  expiresAt: number;
}

/** A small but complete PDF 1.4: one page per entry, each line in Helvetica; offsets and xref exact. */
export function pdfOf(pages: string[][]): Buffer {
  const esc = (t: string) => t.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  pages.forEach((lines, i) => {
    const stream = `BT /F1 12 Tf 40 800 Td 16 TL ${lines.map((l) => `(${esc(l)}) '`).join(' ')} ET`;
    objects[pageIds[i]!] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`;
    objects[pageIds[i]! + 1] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`;
  });
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export async function startMeasoftEmulator(o: MeasoftEmulatorOptions = {}): Promise<MeasoftEmulator> {
  const accounts: MeasoftAccount[] = o.accounts ?? [{ extra: '8', login: 'test', pass: 'testm', allowCancelEdit: true }];
  const syncAfterMs = o.syncAfterMs ?? 0;
  const errorForm = o.errorForm ?? 'element';
  const ttl = o.webSessionTtlMs ?? 30 * 60_000;
  const seed = o.seed ?? 1;

  const orders = new Map<string, EmulatedOrder>(); // key: extra|orderno
  /** The change log: every tracked change of an order, in order. */
  const changeLog: Array<{ seq: number; key: string }> = [];
  let seq = 0;
  /** Per account + stream: what was committed, and what the last poll gave out. */
  const streams = new Map<string, { committed: number; given: number }>();
  const sessions = new Map<string, { csrf: string }>(); // PHPSESSID → csrf
  const logins = new Map<string, WebLogin>(); // _identity → login
  let webLoginCount = 0;
  let awbSeq = 100000;

  const requests: MeasoftEmulator['requests'] = [];
  const waybillRequests: Array<{ ordernos: string[]; form: string }> = [];
  let failQueue: number[] = [];
  let drop = 0;
  let malformed = 0;
  const faults: MeasoftEmulator['faults'] = {
    latencyMs: 0,
    failNext(n, status = 500) {
      failQueue = [...failQueue, ...Array.from({ length: n }, () => status)];
    },
    dropNext(n) {
      drop += n;
    },
    malformedNext(n) {
      malformed += n;
    },
  };

  const keyOf = (extra: string, orderno: string) => `${extra}|${orderno}`;

  const recordChange = (ord: EmulatedOrder) => {
    changeLog.push({ seq: ++seq, key: keyOf(ord.extra, ord.orderno) });
  };

  const moveTo = (ord: EmulatedOrder, code: string, at = Date.now()) => {
    ord.status = code;
    ord.history.push({ code, at });
    if (DELIVERED.has(code)) {
      ord.deliveredTo ??= ord.receiver['person'] || ord.receiver['company'] || 'Получатель';
      const d = new Date(at);
      ord.deliveredDate = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      ord.deliveredTime = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }
    if (code === 'CANCELED' && !ord.canceledByCustomer) ord.deliveredTo ??= 'Отказ получателя';
    recordChange(ord);
  };

  /** AWAITING_SYNC orders reach the service's system: deterministic, at the next request after `syncAfterMs`. */
  const promoteDue = () => {
    const now = Date.now();
    for (const ord of orders.values()) {
      if (ord.status === 'AWAITING_SYNC' && now - ord.createdAt >= syncAfterMs) moveTo(ord, 'NEW', now);
    }
  };

  /** The next realistic step for the courier, or null when the courier has nothing to do with the order. */
  const nextStep = (ord: EmulatedOrder): string | null => {
    if (FINAL.has(ord.status) || ord.canceledByCustomer) return null;
    const fate = hash(`${seed}:${ord.orderno}`) % 10; // 0–6 delivered, 7 delivered after a return, 8 refused, 9 refused on the doorstep
    const returned = ord.history.some((h) => h.code === 'COURIERRETURN');
    switch (ord.status) {
      case 'AWAITING_SYNC':
        return 'NEW';
      case 'NEW':
        return 'PICKUP';
      case 'PICKUP':
        return 'ACCEPTED';
      case 'ACCEPTED':
        return 'DELIVERY';
      case 'DELIVERY':
        if ((fate === 7 || fate === 8) && !returned) return 'COURIERRETURN';
        if (fate === 9) return 'CANCELED';
        return 'COMPLETE';
      case 'COURIERRETURN':
        return fate === 8 ? 'CANCELED' : 'DATECHANGE';
      case 'DATECHANGE':
        return 'DELIVERY';
      case 'CANCELED':
        return 'RETURNING';
      case 'RETURNING':
        return 'RETURNED';
      default:
        return null;
    }
  };

  let courierTimer: NodeJS.Timeout | null = null;
  const courierTick = () => {
    for (const ord of orders.values()) {
      const next = nextStep(ord);
      if (next) moveTo(ord, next);
    }
  };

  const accountFor = (a: Node): MeasoftAccount | undefined => {
    const extra = at(a, 'extra');
    const login = at(a, 'login');
    const pass = at(a, 'pass');
    return accounts.find((x) => x.extra === extra && x.login === login && x.pass === pass);
  };

  const requestError = (root: string, code: string, msg: string, ru: string): string =>
    errorForm === 'attribute'
      ? xml(root, { '@_error': code, '@_errormsg': msg, '@_errormsgru': ru })
      : xml(root, { error: [{ '@_error': code, '@_errormsg': msg, '@_errormsgru': ru }] });

  const authError = (root: string) =>
    (o.authErrorForm ?? 'bare') === 'bare' ? xml(root, { '@_error': '1' }) : requestError(root, '25', 'Authorization error', 'Ошибка авторизации');

  const orderXml = (ord: EmulatedOrder): Node => {
    const town = findTown(ord.receiver['town'] ?? '');
    const last = ord.history[ord.history.length - 1];
    const statusNode = (e: EmulatedStatusEvent) => ({
      '#text': e.code,
      '@_eventstore': 'Склад Москва',
      '@_eventtime': stamp(e.at),
      '@_createtimegmt': new Date(e.at).toISOString().replace('T', ' ').slice(0, 19),
      '@_title': STATUS_TITLES[e.code] ?? e.code,
    });
    const onRoute = ['DELIVERY', 'COURIERDELIVERED', 'COMPLETE', 'PARTIALLY', 'COURIERRETURN', 'CANCELED'].includes(ord.status);
    return {
      '@_orderno': ord.orderno,
      '@_awb': ord.awb,
      '@_ordercode': ord.awb.replace(/\D/g, ''),
      barcode: ord.barcode,
      sender: ord.sender,
      receiver: { ...ord.receiver, town: { '#text': ord.receiver['town'], '@_code': town?.code ?? '' } },
      weight: String(ord.weight),
      quantity: String(ord.quantity),
      paytype: { '#text': ord.paytype, '@_code': String({ CASH: 1, CARD: 2, NO: 3, OTHER: 4 }[ord.paytype]) },
      service: String(ord.service),
      price: roubles(ord.priceKopecks),
      inshprice: roubles(ord.inshpriceKopecks),
      instruction: ord.instruction,
      receiverpays: 'NO',
      status: last ? statusNode(last) : ord.status,
      statushistory: { status: ord.history.map(statusNode) },
      deliveredto: ord.deliveredTo ?? '',
      delivereddate: ord.deliveredDate ?? '',
      deliveredtime: ord.deliveredTime ?? '',
      courier: onRoute ? { code: '17', name: 'Петров Пётр', phone: '+79161234567' } : undefined,
      deliveryprice: { '@_total': roubles(ord.deliverypriceKopecks), '@_delivery': roubles(ord.deliverypriceKopecks), '@_return': '0.00' },
      items: ord.items.length ? { item: ord.items.map((i) => ({ '#text': i.name, ...Object.fromEntries(Object.entries(i.attrs).map(([k, v]) => [`@_${k}`, v])) })) } : undefined,
    };
  };

  const validateOrder = (on: Node, partial: boolean): OrderError | null => {
    const r = node(on['receiver']);
    const person = txt(r['person']);
    const company = txt(r['company']);
    const has = (k: string) => r[k] !== undefined;
    if ((!partial || has('person') || has('company')) && !person && !company) {
      return { code: '14', msg: 'Receiver person or company is empty', ru: 'Не указан получатель: контактное лицо или компания' };
    }
    if ((!partial || has('address')) && !txt(r['address'])) return { code: '28', msg: 'Address not given', ru: 'Не указан адрес доставки' };
    if (!partial || has('phone')) {
      const phone = txt(r['phone']);
      if (!phone) return { code: '31', msg: 'Phone not given', ru: 'Не указан телефон получателя' };
      if (!validPhone(phone)) {
        return { code: '34', msg: 'field [receiver phone] has no valid phone number', ru: 'Поле [телефон получателя] не содержит корректного номера телефона' };
      }
    }
    if ((!partial || has('town')) && !txt(r['town'])) return { code: '19', msg: 'Destination town not given', ru: 'Не указан город получателя' };
    if (!partial || on['weight'] !== undefined) {
      const w = Number(txt(on['weight']).replace(',', '.'));
      if (!txt(on['weight'])) return { code: '23', msg: 'Mass not given', ru: 'Не указан вес' };
      if (!Number.isFinite(w) || w <= 0) return { code: '20', msg: 'Invalid mass', ru: 'Неверно указан вес' };
    }
    if (txt(on['paytype']) === 'OPTION') return { code: '3', msg: 'Invalid paytype', ru: 'Недопустимый вид оплаты' };
    return null;
  };

  const applyFields = (ord: EmulatedOrder, on: Node) => {
    const r = node(on['receiver']);
    for (const k of ['company', 'person', 'phone', 'zipcode', 'town', 'address', 'date', 'time_min', 'time_max']) {
      if (r[k] !== undefined) ord.receiver[k] = txt(r[k]);
    }
    const s = node(on['sender']);
    for (const k of ['company', 'person', 'phone', 'town', 'address']) if (s[k] !== undefined) ord.sender[k] = txt(s[k]);
    if (on['weight'] !== undefined) ord.weight = Number(txt(on['weight']).replace(',', '.'));
    if (on['quantity'] !== undefined) ord.quantity = Number(txt(on['quantity'])) || 1;
    if (on['paytype'] !== undefined) ord.paytype = (txt(on['paytype']) || 'CASH') as Paytype;
    if (on['price'] !== undefined) ord.priceKopecks = toKopecks(txt(on['price']));
    if (on['inshprice'] !== undefined) ord.inshpriceKopecks = toKopecks(txt(on['inshprice']));
    if (on['deliveryprice'] !== undefined) ord.deliverypriceKopecks = toKopecks(txt(on['deliveryprice']));
    if (on['service'] !== undefined) ord.service = Number(txt(on['service'])) || 1;
    if (on['instruction'] !== undefined) ord.instruction = txt(on['instruction']);
    if (on['items'] !== undefined) {
      ord.items = list(node(on['items'])['item']).map((i) => ({
        name: txt(i),
        attrs: Object.fromEntries(Object.entries(i).filter(([k]) => k.startsWith('@_')).map(([k, v]) => [k.slice(2), String(v)])),
      }));
    }
    if (ord.paytype === 'NO') {
      // Prepaid: the COD amount is ignored and items are stored at zero.
      ord.priceKopecks = 0;
      for (const i of ord.items) i.attrs['retprice'] = '0';
    }
  };

  const tariff = (from: Town, to: Town, mass: number, inshKopecks: number) => {
    const base = from.code === to.code ? 25000 : from.regionCode === to.regionCode ? 35000 : 55000;
    const extraKg = Math.max(0, Math.ceil(mass - 1));
    return SERVICES.map((s) => ({ s, price: Math.round((base + extraKg * 4000) * s.factor + inshKopecks * 0.005), zone: from.code === to.code ? 1 : 3 }));
  };

  const api = (rootName: string, root: Node): string => {
    const auth = node(root['auth']);
    const account = accountFor(auth);
    switch (rootName) {
      case 'client': {
        if (!account) return authError('client');
        return xml('client', { code: `${account.extra}${String(hash(account.login) % 10000).padStart(4, '0')}`, name: `Клиент ${account.login}` });
      }
      case 'neworder': {
        if (!account) return authError('neworder');
        const answers = list(root['order']).map((on) => {
          const orderno = at(on, 'orderno') || `MS${++awbSeq}`;
          const fail = (e: OrderError) => ({ '@_orderno': orderno, '@_barcode': '', '@_error': e.code, '@_errormsg': e.msg, '@_errormsgru': e.ru });
          const existing = orders.get(keyOf(account.extra, orderno));
          if (existing && existing.year === new Date().getFullYear()) {
            return fail({ code: '17', msg: 'Order number already exists this year', ru: 'Заказ с таким номером уже существует в этом году' });
          }
          const invalid = validateOrder(on, false);
          if (invalid) return fail(invalid);
          const barcode = txt(on['barcode']) || orderno;
          if ([...orders.values()].some((x) => x.extra === account.extra && x.barcode === barcode)) {
            return fail({ code: '67', msg: 'Barcode already exists', ru: 'Такой штрихкод уже существует' });
          }
          const now = Date.now();
          const town = findTown(txt(node(on['receiver'])['town']));
          const ord: EmulatedOrder = {
            orderno,
            awb: `${account.extra}-${++awbSeq}`,
            barcode,
            extra: account.extra,
            login: account.login,
            year: new Date(now).getFullYear(),
            createdAt: now,
            status: 'AWAITING_SYNC',
            history: [],
            sender: {},
            receiver: {},
            weight: 0,
            quantity: 1,
            paytype: 'CASH',
            priceKopecks: 0,
            inshpriceKopecks: 0,
            deliverypriceKopecks: 0,
            service: 1,
            instruction: '',
            items: [],
            deliveredTo: null,
            deliveredDate: null,
            deliveredTime: null,
            canceledByCustomer: false,
            editCount: 0,
          };
          applyFields(ord, on);
          if (on['deliveryprice'] === undefined) {
            const t = tariff(TOWNS[0]!, town ?? TOWNS[0]!, ord.weight, ord.inshpriceKopecks).find((x) => x.s.code === ord.service);
            ord.deliverypriceKopecks = t?.price ?? 25000;
          }
          orders.set(keyOf(account.extra, orderno), ord);
          moveTo(ord, 'AWAITING_SYNC', now);
          return { '@_orderno': orderno, '@_barcode': barcode, '@_error': '0', '@_errormsg': 'Success', '@_orderprice': roubles(ord.deliverypriceKopecks) };
        });
        return xml('neworder', { createorder: answers });
      }
      case 'editorder':
      case 'cancelorder': {
        if (!account) return authError(rootName);
        const answers = list(root['order']).map((on) => {
          const orderno = at(on, 'orderno');
          const ok = { '@_orderno': orderno, '@_error': '0', '@_errormsg': 'OK', '@_errormsgru': 'Успешно' };
          const fail = (e: OrderError) => ({ '@_orderno': orderno, '@_error': e.code, '@_errormsg': e.msg, '@_errormsgru': e.ru });
          const ord = orders.get(keyOf(account.extra, orderno));
          if (!ord) return fail({ code: '11', msg: 'Order not found', ru: 'Заказ не найден' });
          if (account.allowCancelEdit === false) {
            return fail({
              code: '50',
              msg: 'Cancel and edit of orders are not allowed for this client',
              ru: 'Отмена и изменение заказов не разрешены: включите «Разрешить отмену и изменение заказов» (тарифы «Премиум», «Максимум»)',
            });
          }
          if (ord.status !== 'NEW' && ord.status !== 'AWAITING_SYNC') {
            const what = rootName === 'cancelorder' ? 'Отмена невозможна' : 'Изменение невозможно';
            return fail({
              code: '51',
              msg: `Order is already in work (status ${ord.status})`,
              ru: `${what}: заказ уже в работе у курьерской службы (статус «${STATUS_TITLES[ord.status] ?? ord.status}»)`,
            });
          }
          if (rootName === 'cancelorder') {
            ord.canceledByCustomer = true;
            ord.deliveredTo = 'Отменено заказчиком';
            moveTo(ord, 'CANCELED');
            return ok;
          }
          const invalid = validateOrder(on, true);
          if (invalid) return fail(invalid);
          applyFields(ord, on);
          ord.editCount++;
          recordChange(ord);
          return ok;
        });
        return xml(rootName, { order: answers });
      }
      case 'statusreq': {
        if (!account) return authError('statusreq');
        const mine = [...orders.values()].filter((x) => x.extra === account.extra);
        if (txt(root['changes']) === 'ONLY_LAST') {
          const sk = `${account.extra}|${txt(root['streamid']) || '0'}`;
          const st = streams.get(sk) ?? { committed: 0, given: 0 };
          const keys = new Set(changeLog.filter((c) => c.seq > st.committed).map((c) => c.key));
          st.given = seq;
          streams.set(sk, st);
          const found = mine.filter((x) => keys.has(keyOf(x.extra, x.orderno)));
          return xml('statusreq', { '@_count': String(found.length), order: found.map(orderXml) });
        }
        const orderno = txt(root['orderno']);
        let found = orderno ? mine.filter((x) => x.orderno === orderno) : mine;
        const done = txt(root['done']);
        if (done === 'ONLY_DONE') found = found.filter((x) => FINAL.has(x.status));
        else if (done === 'ONLY_NOT_DONE' || done === 'ONLY_DELIVERY') found = found.filter((x) => !FINAL.has(x.status));
        else if (done === 'ONLY_NEW') found = found.filter((x) => x.status === 'NEW' || x.status === 'AWAITING_SYNC');
        return xml('statusreq', { '@_count': String(found.length), order: found.map(orderXml) });
      }
      case 'commitlaststatus': {
        if (!account) return authError('commitlaststatus');
        const sk = `${account.extra}|${txt(root['streamid']) || '0'}`;
        const st = streams.get(sk);
        if (st) st.committed = Math.max(st.committed, st.given);
        return xml('commitlaststatus', { '@_error': '0', '@_errormsg': 'OK' });
      }
      case 'calculator': {
        if (!account) return authError('calculator');
        const c = node(root['calc']);
        const fromName = at(c, 'townfrom');
        const toName = at(c, 'townto');
        if (!fromName) return requestError('calculator', '18', 'Departure town not given', 'Не указан город отправления');
        if (!toName) return requestError('calculator', '19', 'Destination town not given', 'Не указан город получателя');
        const from = findTown(fromName);
        const to = findTown(toName);
        if (!from) return requestError('calculator', '21', 'Departure town not found', 'Город отправления не найден');
        if (!to) return requestError('calculator', '22', 'Destination town not found', 'Город получателя не найден');
        const massS = at(c, 'mass');
        if (!massS) return requestError('calculator', '23', 'Mass not given', 'Не указан вес');
        const mass = Number(massS.replace(',', '.'));
        if (!Number.isFinite(mass) || mass <= 0) return requestError('calculator', '20', 'Invalid mass', 'Неверно указан вес');
        const svc = at(c, 'service');
        const rows = tariff(from, to, mass, toKopecks(at(c, 'inshprice') || '0')).filter((x) => !svc || String(x.s.code) === svc);
        if (rows.length === 0) return requestError('calculator', '15', 'Tariff not found', 'Тариф не найден');
        return xml('calculator', {
          calc: rows.map((x) => ({
            '@_price': roubles(x.price),
            townfrom: { '#text': from.name, '@_code': from.code },
            townto: { '#text': to.name, '@_code': to.code },
            mass: String(mass),
            service: { '#text': String(x.s.code), '@_name': x.s.name },
            zone: String(x.zone),
            price: roubles(x.price),
            pricetype: { '#text': 'CUSTOMER', '@_name': 'Для клиента' },
            mindeliverydays: String(x.s.days[0]),
            maxdeliverydays: String(x.s.days[1]),
          })),
        });
      }
      case 'townlist': {
        // Reference data: works with only `extra`, or without auth at all.
        const cond = node(root['conditions']);
        const codes = node(root['codesearch']);
        let found = TOWNS;
        const code = txt(codes['code']);
        if (code) found = found.filter((t) => t.code === code);
        const starts = txt(cond['namestarts']).toLowerCase();
        const name = txt(cond['name']).toLowerCase();
        const contains = txt(cond['namecontains']).toLowerCase();
        if (starts) found = found.filter((t) => t.name.toLowerCase().startsWith(starts));
        if (name) found = found.filter((t) => t.name.toLowerCase() === name);
        if (contains) found = found.filter((t) => t.name.toLowerCase().includes(contains));
        const limit = node(root['limit']);
        const from = Number(txt(limit['limitfrom']) || 0);
        const count = Number(txt(limit['limitcount']) || found.length);
        const page = found.slice(from, from + count);
        return xml('townlist', {
          '@_count': String(page.length),
          '@_page': '1',
          '@_totalcount': String(found.length),
          // `<city>` is the region, as MeaSoft answers it.
          town: page.map((t) => ({
            code: t.code,
            name: t.name,
            fiascode: '',
            kladrcode: '',
            shortname: 'г',
            typename: 'город',
            city: { code: t.regionCode, name: t.region },
          })),
        });
      }
      case 'tracking': {
        // Anonymous: the service code as a child, no login.
        const extra = txt(root['extra']);
        const orderno = txt(root['orderno']);
        const ord = orders.get(keyOf(extra, orderno));
        if (!ord) return xml('tracking', { '@_count': '0' });
        const from = findTown(ord.sender['town'] ?? '') ?? TOWNS[0]!;
        const to = findTown(ord.receiver['town'] ?? '');
        const last = ord.history[ord.history.length - 1];
        return xml('tracking', {
          '@_count': '1',
          order: [
            {
              '@_orderno': ord.orderno,
              sender: { town: { '#text': from.name, '@_code': from.code, '@_country': 'RU' } },
              receiver: { town: { '#text': ord.receiver['town'], '@_code': to?.code ?? '', '@_country': 'RU' } },
              date: ord.receiver['date'] ?? '',
              weight: String(ord.weight),
              quantity: String(ord.quantity),
              service: String(ord.service),
              paytype: ord.paytype,
              inshprice: roubles(ord.inshpriceKopecks),
              status: { '#text': ord.status, '@_title': STATUS_TITLES[ord.status] ?? ord.status, '@_eventtime': last ? stamp(last.at) : '' },
            },
          ],
        });
      }
      case 'waybill': {
        if (!account) return authError('waybill');
        const wanted = list(node(root['orders'])['order']).map((x) => at(x, 'orderno'));
        const found = wanted.map((n) => orders.get(keyOf(account.extra, n))).filter((x): x is EmulatedOrder => !!x);
        if (wanted.length === 0 || found.length === 0) return requestError('waybill', '11', 'Orders not found', 'Заказы не найдены');
        const form = txt(root['form']) || 'default';
        waybillRequests.push({ ordernos: wanted, form });
        const pages = found.map((ord) => [`MeaSoft waybill (${form})`, `Order ${ord.orderno}`, `AWB ${ord.awb}`, `Barcode ${ord.barcode}`, `COD ${roubles(ord.priceKopecks)} RUB`]);
        return xml('waybill', { content: pdfOf(pages).toString('base64') });
      }
      case 'services': {
        if (!account) return authError('services');
        return xml('services', { service: SERVICES.map((s) => ({ code: String(s.code), name: s.name })) });
      }
      default:
        return requestError(rootName, '14', 'Unknown function', 'Неизвестная функция');
    }
  };

  // ---- the client cabinet (web) ----

  const cookiesOf = (req: IncomingMessage): Record<string, string> =>
    Object.fromEntries(
      (req.headers.cookie ?? '')
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => {
          const i = c.indexOf('=');
          return [c.slice(0, i), c.slice(i + 1)];
        }),
    );

  const loginForm = (csrf: string, error?: string) => `<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Вход в личный кабинет</title>
<meta name="csrf-param" content="_csrf"><meta name="csrf-token" content="${csrf}"></head><body>
<h1>Личный кабинет клиента</h1>${error ? `<div class="alert alert-danger">${error}</div>` : ''}
<form id="login-form" action="/extraauth/login" method="post">
<input type="hidden" name="_csrf" value="${csrf}">
<label>Логин <input type="text" name="ExtraLoginForm[login]"></label>
<label>Пароль <input type="password" name="ExtraLoginForm[password]"></label>
<button type="submit">Войти</button></form></body></html>`;

  const webLogin = (req: IncomingMessage): WebLogin | null => {
    const id = cookiesOf(req)['_identity'];
    const l = id ? logins.get(id) : undefined;
    if (!l || l.expiresAt <= Date.now()) return null;
    return l;
  };

  const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

  const web = async (req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<number> => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/extraauth/login') {
      let sid = cookiesOf(req)['PHPSESSID'];
      let sess = sid ? sessions.get(sid) : undefined;
      if (!sid || !sess) {
        sid = randomBytes(12).toString('hex');
        sess = { csrf: randomBytes(16).toString('base64url') };
        sessions.set(sid, sess);
        res.setHeader('set-cookie', `PHPSESSID=${sid}; path=/; HttpOnly`);
      }
      if (req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('_csrf') !== sess.csrf) {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Bad Request (#400)</h1><p>Не удалось проверить отправленные данные.</p>');
          return 400;
        }
        const account = accounts.find((a) => a.login === form.get('ExtraLoginForm[login]') && a.pass === form.get('ExtraLoginForm[password]'));
        if (!account) {
          sess.csrf = randomBytes(16).toString('base64url');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(sess.csrf, 'Неверный логин или пароль.'));
          return 200;
        }
        const identity = randomBytes(18).toString('base64url');
        logins.set(identity, { account, expiresAt: Date.now() + ttl });
        webLoginCount++;
        const prev = res.getHeader('set-cookie');
        const cookies = [...(Array.isArray(prev) ? prev : prev ? [String(prev)] : []), `_identity=${identity}; path=/; HttpOnly; Max-Age=${Math.max(1, Math.ceil(ttl / 1000))}`];
        res.writeHead(302, { location: '/', 'set-cookie': cookies }).end();
        return 302;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(sess.csrf));
      return 200;
    }
    const login = webLogin(req);
    if (!login) {
      res.writeHead(302, { location: '/extraauth/login' }).end();
      return 302;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html><body><h1>Личный кабинет: ${escapeHtml(login.account.login)}</h1></body></html>`);
      return 200;
    }
    if (path === '/print') {
      const wanted = (url.searchParams.get('orderno') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const found = wanted.map((n) => orders.get(keyOf(login.account.extra, n))).filter((x): x is EmulatedOrder => !!x);
      const rows = found
        .map(
          (ord) => `<section class="waybill" data-orderno="${escapeHtml(ord.orderno)}"><h2>Накладная № ${escapeHtml(ord.awb)}</h2>
<p>Заказ: ${escapeHtml(ord.orderno)}; штрихкод: <span class="barcode">${escapeHtml(ord.barcode)}</span></p>
<p>Получатель: ${escapeHtml(ord.receiver['person'] ?? '')}, ${escapeHtml(ord.receiver['phone'] ?? '')}</p>
<p>Адрес: ${escapeHtml(ord.receiver['town'] ?? '')}, ${escapeHtml(ord.receiver['address'] ?? '')}</p>
<p>К оплате: ${roubles(ord.priceKopecks)} руб.; объявленная ценность: ${roubles(ord.inshpriceKopecks)} руб.</p></section>`,
        )
        .join('\n');
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Печать накладных</title></head><body>${rows || '<p>Заказы не найдены</p>'}</body></html>`);
      return 200;
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Не найдено (#404)</h1>');
    return 404;
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const isApi = url.pathname.replace(/\/+$/, '') === '/api';
    let op = isApi ? 'api' : `web:${url.pathname}`;
    if (isApi && req.method === 'POST') {
      const m = /<\s*([A-Za-z_][\w-]*)[\s>/]/.exec(body.replace(/<\?xml[^>]*\?>/, ''));
      if (m?.[1]) op = m[1];
    }
    const log = (status: number) => requests.push({ op, at: Date.now(), status });
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (drop > 0) {
      drop--;
      log(0);
      req.socket.destroy();
      return;
    }
    const failStatus = failQueue.shift();
    if (failStatus !== undefined) {
      log(failStatus);
      res.writeHead(failStatus, { 'content-type': 'text/html' }).end(`<html><body>${failStatus} Server Error</body></html>`);
      return;
    }
    if (malformed > 0) {
      malformed--;
      log(200);
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end('<?xml version="1.0" encoding="UTF-8"?>\n<statusreq count="1"><order orderno="');
      return;
    }
    if (!isApi) {
      log(await web(req, res, url, body));
      return;
    }
    promoteDue();
    if (req.method !== 'POST') {
      log(200);
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(requestError('error', '1', 'Invalid XML', 'Неверный XML'));
      return;
    }
    let answer: string;
    if (XMLValidator.validate(body) !== true) {
      answer = xml('error', { error: [{ '#text': 'XML syntax error', '@_error': '1', '@_errormsg': 'Invalid XML', '@_errormsgru': 'Неверный XML' }] });
    } else {
      const doc = parser.parse(body) as Node;
      const rootName = Object.keys(doc).find((k) => !k.startsWith('?')) ?? '';
      answer = api(rootName, node(doc[rootName]));
    }
    log(200);
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(answer);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      requests.push({ op: 'crash', at: Date.now(), status: 500 });
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const emulator: MeasoftEmulator = {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        if (courierTimer) clearInterval(courierTimer);
        courierTimer = null;
        server.close(() => r());
        server.closeAllConnections();
      }),
    orders: () => [...orders.values()],
    getOrder: (orderno) => [...orders.values()].find((x) => x.orderno === orderno),
    setStatus(orderno, code, extra = {}) {
      const ord = emulator.getOrder(orderno);
      if (!ord) throw new Error(`no order ${orderno}`);
      if (extra.deliveredTo !== undefined) ord.deliveredTo = extra.deliveredTo;
      if (extra.paytype !== undefined) ord.paytype = extra.paytype;
      if (extra.priceKopecks !== undefined) ord.priceKopecks = extra.priceKopecks;
      moveTo(ord, code);
    },
    faults,
    requests,
    startCourier(intervalMs) {
      if (courierTimer) clearInterval(courierTimer);
      courierTimer = setInterval(courierTick, intervalMs);
      courierTimer.unref();
    },
    stopCourier() {
      if (courierTimer) clearInterval(courierTimer);
      courierTimer = null;
    },
    expireWebSessions() {
      for (const l of logins.values()) l.expiresAt = 0;
    },
    webLogins: () => webLoginCount,
    waybills: () => waybillRequests.map((w) => ({ ...w, ordernos: [...w.ordernos] })),
  };
  if (o.courier) emulator.startCourier(o.courier.intervalMs);
  return emulator;
}
