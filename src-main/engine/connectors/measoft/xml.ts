import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { MeasoftItemInput, MeasoftOrderInput, MeasoftOrderState, MeasoftStatusEvent } from './types.js';

/**
 * MeaSoft's XML: requests are built from plain objects (attributes prefixed with `@_`, element text in `#text`),
 * responses are parsed into the same shape with every value kept as a string (order numbers like `0012`).
 */

export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | number | undefined | null | XmlNode | XmlValue[];

export interface Auth {
  extra: string;
  login?: string;
  pass?: string;
}

/** The order-edit root is not confirmed by the vendor's docs (same schema as `neworder`); kept in one place. */
export const EDIT_ORDER_ROOT = 'editorder';

/** How «без НДС» is written in `VATrate` (not confirmed by the vendor's docs). */
export const VAT_NONE_WIRE = '-1';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', suppressEmptyNode: true });

/** Elements that repeat, so they are always arrays after parsing. */
const ARRAY_TAGS = new Set(['order', 'createorder', 'item', 'calc', 'town', 'error', 'package']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name, jpath, _leaf, isAttribute) => {
    if (isAttribute) return false;
    if (ARRAY_TAGS.has(name)) return true;
    return name === 'status' && String(jpath).endsWith('statushistory.status');
  },
});

/** Drops undefined/null/empty values so that absent fields are not sent as empty elements. */
function clean(v: XmlValue): XmlValue {
  if (Array.isArray(v)) return v.map(clean).filter((x) => x !== undefined);
  if (v && typeof v === 'object') {
    const out: XmlNode = {};
    for (const [k, x] of Object.entries(v)) {
      const c = clean(x);
      if (c === undefined || c === null || c === '') continue;
      if (typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue;
      out[k] = c;
    }
    return out;
  }
  return v === null ? undefined : v;
}

export function buildXml(root: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: clean(body) }) as string}`;
}

export function authNode(a: Auth): XmlNode {
  return { '@_extra': a.extra, '@_login': a.login, '@_pass': a.pass };
}

/** Integer kopecks → roubles with two decimals, without floating-point drift. */
export function kopecksToRoubles(k: number): string {
  if (!Number.isInteger(k)) throw new Error(`amount in kopecks must be an integer, got ${k}`);
  const sign = k < 0 ? '-' : '';
  const abs = Math.abs(k);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Roubles as MeaSoft writes them ("1500", "1500.5", "1 500,50") → kopecks; null when absent or unreadable. */
export function roublesToKopecks(s: string | null | undefined): number | null {
  if (s == null) return null;
  const t = s.replace(/[\s\u00a0]/g, '').replace(',', '.');
  if (t === '' || !/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Math.round(Number(t) * 100);
}

function num(n: number | undefined): string | undefined {
  return n === undefined ? undefined : String(Number(n.toFixed(3)));
}

function itemNode(i: MeasoftItemInput, withCode: boolean): XmlNode {
  return {
    '#text': i.name,
    // MeaSoft matches the lines of an edited order by their code; a new order does not need it.
    '@_code': withCode ? (i.code ?? i.extcode ?? i.article) : i.code,
    '@_extcode': i.extcode,
    '@_article': i.article,
    '@_quantity': String(i.quantity),
    '@_mass': num(i.massKg),
    '@_retprice': kopecksToRoubles(i.retpriceKopecks),
    '@_VATrate': i.vatRate === undefined ? undefined : i.vatRate === 'none' ? VAT_NONE_WIRE : String(i.vatRate),
    '@_type': i.type === undefined ? undefined : String(i.type),
  };
}

export function orderNode(o: MeasoftOrderInput, edit = false): XmlNode {
  const r = o.receiver;
  return {
    '@_orderno': o.orderno,
    barcode: o.barcode,
    sender: o.sender
      ? { company: o.sender.company, person: o.sender.person, phone: o.sender.phone, town: o.sender.town, address: o.sender.address }
      : undefined,
    receiver: {
      company: r.company,
      person: r.person,
      phone: r.phone,
      zipcode: r.zipcode,
      town: r.town,
      address: r.address,
      date: r.date,
      time_min: r.timeMin,
      time_max: r.timeMax,
    },
    weight: num(o.weightKg),
    quantity: String(o.quantity),
    paytype: o.paytype,
    service: o.service === undefined ? undefined : String(o.service),
    price: kopecksToRoubles(o.priceKopecks),
    deliveryprice: o.deliverypriceKopecks === undefined ? undefined : kopecksToRoubles(o.deliverypriceKopecks),
    inshprice: kopecksToRoubles(o.inshpriceKopecks),
    instruction: o.instruction,
    items: o.items.length ? { item: o.items.map((i) => itemNode(i, edit)) } : undefined,
  };
}

/** `<neworder>` / `<editorder>` request for one order. */
export function buildOrderRequest(root: string, auth: Auth, o: MeasoftOrderInput): string {
  return buildXml(root, { ...(root === 'neworder' ? { '@_newfolder': 'NO' } : {}), auth: authNode(auth), order: [orderNode(o, root === EDIT_ORDER_ROOT)] });
}

// ---- parsing ----

export class XmlSyntaxError extends Error {}

/** Parses a response and returns its root element name and node. Throws XmlSyntaxError for a malformed body. */
export function parseXml(text: string): { root: string; node: XmlNode } {
  if (XMLValidator.validate(text) !== true) throw new XmlSyntaxError('malformed XML');
  const doc = parser.parse(text) as XmlNode;
  const root = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
  if (!root) throw new XmlSyntaxError('no root element');
  const v = doc[root];
  return { root, node: asNode(v) };
}

export function asNode(v: XmlValue | undefined): XmlNode {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  if (Array.isArray(v)) return asNode(v[0]);
  if (typeof v === 'string' || typeof v === 'number') return { '#text': String(v) };
  return {};
}

export function asList(v: XmlValue | undefined): XmlNode[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(asNode);
}

/** Element text (whether or not the element has attributes); null when absent or empty. */
export function text(v: XmlValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'object') return text(v['#text']);
  const s = String(v).trim();
  return s === '' ? null : s;
}

export function attr(n: XmlNode | undefined, name: string): string | null {
  if (!n) return null;
  const v = n[`@_${name}`];
  if (v === undefined || v === null) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

export interface WireError {
  code: string;
  message: string | null;
  messageRu: string | null;
  /** The root carried `error="1"` and nothing else: MeaSoft's answer to a wrong login, password or service code. */
  bare?: boolean;
}

function errorOf(n: XmlNode): WireError | null {
  const code = attr(n, 'error');
  if (code === null || code === '0') return null;
  return { code, message: attr(n, 'errormsg'), messageRu: attr(n, 'errormsgru') };
}

/**
 * A request-level error: the root's `error` attribute, or `<error>` children (`<error error="25" errormsg="…"/>`,
 * or plain text for XML syntax errors).
 */
export function requestError(root: XmlNode): WireError | null {
  const own = errorOf(root);
  if (own) {
    const children = Object.keys(root).filter((k) => !k.startsWith('@_') && k !== '#text');
    const attrs = Object.keys(root).filter((k) => k.startsWith('@_') && k !== '@_error');
    if (own.code === '1' && children.length === 0 && attrs.length === 0 && !text(root['#text'])) return { ...own, bare: true };
    return own;
  }
  for (const e of asList(root['error'])) {
    const code = attr(e, 'error') ?? attr(e, 'code') ?? '1';
    if (code === '0') continue;
    return { code, message: attr(e, 'errormsg') ?? text(e), messageRu: attr(e, 'errormsgru') };
  }
  return null;
}

/** Per-order answers (`createorder` in `neworder`, `order` elsewhere). */
export function orderAnswers(root: XmlNode): Array<{ orderno: string | null; barcode: string | null; orderprice: string | null; error: WireError | null }> {
  const nodes = [...asList(root['createorder']), ...asList(root['order'])];
  return nodes.map((n) => ({ orderno: attr(n, 'orderno'), barcode: attr(n, 'barcode'), orderprice: attr(n, 'orderprice'), error: errorOf(n) }));
}

/** `paytype` comes as text (`CASH`) or with a numeric code (`<paytype code="1">CASH</paytype>`, possibly without text). */
const PAYTYPE_BY_CODE: Record<string, string> = { '1': 'CASH', '2': 'CARD', '3': 'NO', '4': 'OTHER', '5': 'OPTION' };

export function paytypeOf(v: XmlValue | undefined): string | null {
  const t = text(v);
  if (t) return t.toUpperCase();
  const code = attr(asNode(v), 'code');
  return code ? (PAYTYPE_BY_CODE[code] ?? null) : null;
}

function numberOf(v: XmlValue | undefined): number | null {
  const t = text(v);
  if (t === null) return null;
  const n = Number(t.replace(',', '.'));
  return Number.isFinite(n) ? n : null;
}

function statusEvent(v: XmlValue | undefined): MeasoftStatusEvent {
  const n = asNode(v);
  return { code: text(n) ?? '', title: attr(n, 'title'), eventTime: attr(n, 'eventtime') };
}

/** One `<order>` of a `statusreq` answer. */
export function parseOrderState(n: XmlNode): MeasoftOrderState {
  const courier = n['courier'] === undefined ? null : asNode(n['courier']);
  const dp = n['deliveryprice'];
  const deliveryPrice = dp === undefined ? null : (roublesToKopecks(attr(asNode(dp), 'total')) ?? roublesToKopecks(text(dp)));
  const history = asList(asNode(n['statushistory'])['status']).map(statusEvent);
  return {
    orderno: attr(n, 'orderno') ?? '',
    awb: attr(n, 'awb'),
    barcode: text(n['barcode']),
    status: statusEvent(n['status']),
    history,
    paytype: paytypeOf(n['paytype']),
    priceKopecks: roublesToKopecks(text(n['price'])),
    inshpriceKopecks: roublesToKopecks(text(n['inshprice'])),
    deliveredTo: text(n['deliveredto']),
    deliveredDate: text(n['delivereddate']),
    deliveredTime: text(n['deliveredtime']),
    deliveryPriceKopecks: deliveryPrice,
    courier: courier && (text(courier['name']) || text(courier['phone'])) ? { name: text(courier['name']), phone: text(courier['phone']) } : null,
    weightKg: numberOf(n['weight']),
    quantity: numberOf(n['quantity']),
  };
}

export function parseStatusReq(root: XmlNode): MeasoftOrderState[] {
  return asList(root['order']).map(parseOrderState);
}

export function parseCalc(root: XmlNode): Array<{ service: number; serviceName: string; price: number; minDays: number | null; maxDays: number | null }> {
  return asList(root['calc']).map((c) => {
    const svc = asNode(c['service']);
    const price = attr(c, 'price') ?? text(c['price']);
    return {
      service: Number(text(svc) ?? attr(svc, 'code') ?? 0),
      serviceName: attr(svc, 'name') ?? '',
      price: Number((price ?? '0').replace(',', '.')),
      minDays: numberOf(c['mindeliverydays']),
      maxDays: numberOf(c['maxdeliverydays']),
    };
  });
}

/**
 * `townlist` answers: `<town><code/><name/>…<city><code/><name/></city></town>`, where `<city>` is the town's
 * region (MeaSoft's own integration class reads the region from there). A `<region>` element is read only as a
 * fallback.
 */
export function parseTownList(root: XmlNode): Array<{ code: string; name: string; region: string | null }> {
  return asList(root['town']).map((t) => {
    const of = (v: XmlValue | undefined) => (v === undefined ? null : (text(asNode(v)['name']) ?? text(v)));
    return { code: text(t['code']) ?? attr(t, 'code') ?? '', name: text(t['name']) ?? '', region: of(t['city']) ?? of(t['region']) };
  });
}

/** `<waybill>` print request: the orders and, when chosen, MeaSoft's form. */
export function buildWaybillRequest(auth: Auth, ordernos: string[], form?: string): string {
  return buildXml('waybill', { auth: authNode(auth), orders: { order: ordernos.map((n) => ({ '@_orderno': n })) }, form });
}

/** The base64 `<content>` of a `<waybill>` answer, decoded; null when there is none. */
export function parseWaybill(root: XmlNode): Buffer | null {
  const b64 = text(root['content']);
  if (!b64) return null;
  const clean = b64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return null;
  return Buffer.from(clean, 'base64');
}

/** `tracking` answers: the status of the first order (or of the root), or null when nothing was found. */
export function parseTracking(root: XmlNode): { status: string | null; title: string | null } | null {
  if (attr(root, 'count') === '0') return null;
  const order = asList(root['order'])[0] ?? root;
  const st = order['status'];
  if (st === undefined) return null;
  const ev = statusEvent(st);
  return { status: ev.code || null, title: ev.title };
}
