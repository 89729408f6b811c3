/** MeaSoft («Курьерская служба 2008», courierexe) wire-independent types. Money is integer kopecks. */

export interface MeasoftConfig {
  /** The XML API endpoint, e.g. https://home.courierexe.ru/api/ */
  url: string;
  /** Courier-service code («код службы»). */
  extra: string;
  login: string;
  password: string;
  /** Where the client cabinet with print forms lives, e.g. https://home.courierexe.ru (default: origin of `url`). */
  printBaseUrl?: string;
  /** MeaSoft's print form for `<waybill>` (`<form>`); absent = the service's default form. */
  printForm?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type MeasoftPaytype = 'CASH' | 'CARD' | 'NO' | 'OTHER';

export interface MeasoftParty {
  company?: string;
  person: string;
  phone: string;
  town: string;
  address: string;
}

export interface MeasoftReceiver {
  company?: string;
  person: string;
  phone: string;
  zipcode?: string;
  town: string;
  address: string;
  /** YYYY-MM-DD */
  date?: string;
  /** HH:MM */
  timeMin?: string;
  /** HH:MM */
  timeMax?: string;
}

export interface MeasoftItemInput {
  name: string;
  /** The line's code; `editorder` sends it on every line (falling back to `extcode`, then `article`). */
  code?: string;
  extcode?: string;
  article?: string;
  quantity: number;
  massKg?: number;
  /** Price per unit; negative with `type: 4` for a prepayment line. */
  retpriceKopecks: number;
  vatRate?: number | 'none';
  /** 1 = goods, 4 = prepayment («Предоплата»). */
  type?: 1 | 4;
}

export interface MeasoftOrderInput {
  orderno: string;
  barcode?: string;
  sender?: MeasoftParty;
  receiver: MeasoftReceiver;
  weightKg: number;
  /** Number of places. */
  quantity: number;
  paytype: MeasoftPaytype;
  /** COD amount the courier collects. */
  priceKopecks: number;
  /** Declared value. */
  inshpriceKopecks: number;
  deliverypriceKopecks?: number;
  service?: number;
  instruction?: string;
  items: MeasoftItemInput[];
}

export interface MeasoftStatusEvent {
  code: string;
  title: string | null;
  eventTime: string | null;
}

export interface MeasoftOrderState {
  orderno: string;
  awb: string | null;
  barcode: string | null;
  status: MeasoftStatusEvent;
  history: MeasoftStatusEvent[];
  paytype: string | null;
  /** COD amount. */
  priceKopecks: number | null;
  inshpriceKopecks: number | null;
  /** The recipient, or the reason it was not delivered. */
  deliveredTo: string | null;
  deliveredDate: string | null;
  deliveredTime: string | null;
  deliveryPriceKopecks: number | null;
  courier: { name: string | null; phone: string | null } | null;
  weightKg: number | null;
  quantity: number | null;
}

export interface MeasoftCreateResult {
  /** `exists`: the order number was already used this year — we adopt the existing order. */
  outcome: 'created' | 'exists';
  orderno: string;
  barcode: string | null;
  orderprice: number | null;
}

export interface MeasoftCalcQuery {
  townfrom: string;
  townto: string;
  mass: number;
  service?: number;
  /** COD, roubles. */
  price?: number;
  /** Declared value, roubles. */
  inshprice?: number;
}

export interface MeasoftTariff {
  service: number;
  serviceName: string;
  /** Roubles, as MeaSoft quotes it. */
  price: number;
  minDays: number | null;
  maxDays: number | null;
}

export interface MeasoftTown {
  code: string;
  name: string;
  region: string | null;
}

export interface MeasoftClient {
  checkCredentials(opts?: CallOptions): Promise<{ ok: true; clientCode: string } | { ok: false; message: string }>;
  createOrder(o: MeasoftOrderInput, opts?: CallOptions): Promise<MeasoftCreateResult>;
  editOrder(o: MeasoftOrderInput, opts?: CallOptions): Promise<void>;
  cancelOrder(orderno: string, opts?: CallOptions): Promise<void>;
  status(orderno: string, opts?: CallOptions): Promise<MeasoftOrderState | null>;
  changes(streamId: number, opts?: CallOptions): Promise<MeasoftOrderState[]>;
  commitChanges(streamId: number, opts?: CallOptions): Promise<void>;
  calculator(q: MeasoftCalcQuery, opts?: CallOptions): Promise<MeasoftTariff[]>;
  townList(q: { nameStarts?: string; name?: string; limit?: number }, opts?: CallOptions): Promise<MeasoftTown[]>;
  tracking(orderno: string, opts?: CallOptions): Promise<{ status: string | null; title: string | null } | null>;
  /** MeaSoft's own print form as a PDF: the documented `<waybill>` request, its base64 `<content>` decoded. */
  waybill(ordernos: string[], opts?: CallOptions & { form?: string }): Promise<Buffer>;
  /**
   * Fallback: the cabinet's print page (HTML) through a web session. Kept for services whose API account cannot
   * use `<waybill>`; it needs the cabinet login to equal the API login.
   */
  printPage(ordernos: string[], opts?: CallOptions): Promise<string>;
}

/** Every delivery status code MeaSoft is known to send, with the Russian name the merchant sees. */
export const MEASOFT_STATUSES: Readonly<Record<string, string>> = {
  AWAITING_SYNC: 'Ожидает синхронизации',
  NEW: 'Новый',
  NEWPICKUP: 'Создан забор',
  PICKUP: 'Забран у отправителя',
  ACCEPTED: 'Получен складом',
  INVENTORY: 'Инвентаризация',
  DEPARTURING: 'Планируется отправка',
  DEPARTURE: 'Отправлено на другой склад',
  CONFIRM: 'Согласована доставка',
  UNCONFIRM: 'Не удалось согласовать доставку',
  DATECHANGE: 'Перенос даты доставки',
  PICKUPREADY: 'Готов к выдаче в ПВЗ',
  DELIVERY: 'Выдан курьеру на доставку',
  COURIERDELIVERED: 'Доставлен (предварительно)',
  COMPLETE: 'Доставлен',
  PARTIALLY: 'Доставлен частично',
  COURIERRETURN: 'Курьер вернул на склад',
  CANCELED: 'Не доставлен',
  RETURNING: 'Планируется возврат',
  RETURNED: 'Возвращён клиенту',
  WMSASSEMBLED: 'Собран на складе',
  WMSDISASSEMBLED: 'Разобран на складе',
  CUSTOMSPROCESS: 'Таможенное оформление',
  CUSTOMSFINISHED: 'Таможенное оформление завершено',
  COURIERPARTIALLY: 'Доставлен частично (предварительно)',
  COURIERCANCELED: 'Отказ (предварительно)',
  LOST: 'Утерян',
  PARTLYRETURNING: 'Планируется частичный возврат',
  PARTLYRETURNED: 'Частично возвращён клиенту',
  TRANSACCEPTED: 'Получен складом перевозчика',
  PICKUPTRANS: 'Забран у перевозчика',
  STORETAKE: 'Забран со склада',
  DEPARTUREDELAY: 'Задержка отправки',
  CUSTOMSDELAY: 'Задержка на таможне',
  WITHDRAWN_FROM_PICKUP_POINT: 'Изъят из ПВЗ',
};

const EDITABLE = new Set(['NEW', 'AWAITING_SYNC']);
const FINAL = new Set(['COMPLETE', 'PARTIALLY', 'RETURNED', 'PARTLYRETURNED', 'LOST']);

/** MeaSoft still lets the client edit or cancel the order (not yet in the service's work). */
export function isEditableStatus(code: string): boolean {
  return EDITABLE.has(code);
}

/** Nothing more will happen to the order. CANCELED is not final: the return chain follows it. */
export function isFinalStatus(code: string): boolean {
  return FINAL.has(code);
}

/** Russian name of a status code; unknown codes are shown as they are. */
export function measoftStatusTitle(code: string): string {
  return MEASOFT_STATUSES[code] ?? code;
}
