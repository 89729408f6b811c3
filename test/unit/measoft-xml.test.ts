import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { isEditableStatus, isFinalStatus, MEASOFT_STATUSES, type MeasoftOrderInput } from '../../src-main/engine/connectors/measoft/index.js';
import {
  buildOrderRequest,
  buildXml,
  kopecksToRoubles,
  orderAnswers,
  parseCalc,
  parseStatusReq,
  parseTownList,
  parseTracking,
  parseXml,
  paytypeOf,
  requestError,
  roublesToKopecks,
  XmlSyntaxError,
} from '../../src-main/engine/connectors/measoft/xml.js';
import { scrapeCsrf } from '../../src-main/engine/http/session.js';

const input: MeasoftOrderInput = {
  orderno: 'R&D-<7>',
  barcode: 'BC"1',
  receiver: { company: 'ООО «Ромашка» & Co', person: 'Иван', phone: '+79161234567', town: 'Москва', address: 'ул. <Ленина>, 1', date: '2030-01-02', timeMin: '10:00', timeMax: '18:00' },
  weightKg: 0.3,
  quantity: 2,
  paytype: 'CARD',
  priceKopecks: 123_405,
  inshpriceKopecks: 5,
  deliverypriceKopecks: 30_000,
  service: 2,
  instruction: "Позвонить за час, код 'A'",
  items: [
    { name: 'Кружка "Лучший" & блюдце', extcode: 'X1', article: 'A-1', quantity: 3, massKg: 0.25, retpriceKopecks: 9_990, vatRate: 20, type: 1 },
    { name: 'Предоплата', quantity: 1, retpriceKopecks: -50_000, vatRate: 'none', type: 4 },
  ],
};

const raw = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false });

describe('MeaSoft XML building', () => {
  it('kopecks become roubles with two decimals, exactly', () => {
    expect(kopecksToRoubles(0)).toBe('0.00');
    expect(kopecksToRoubles(5)).toBe('0.05');
    expect(kopecksToRoubles(123_405)).toBe('1234.05');
    expect(kopecksToRoubles(-50_000)).toBe('-500.00');
    expect(kopecksToRoubles(1_000_000_001)).toBe('10000000.01');
    expect(() => kopecksToRoubles(1.5)).toThrow();
    expect(roublesToKopecks('1234.05')).toBe(123_405);
    expect(roublesToKopecks('1 234,5')).toBe(123_450);
    expect(roublesToKopecks('0.07')).toBe(7);
    expect(roublesToKopecks('')).toBeNull();
    expect(roublesToKopecks('abc')).toBeNull();
    expect(roublesToKopecks(undefined)).toBeNull();
  });

  it('builds a neworder with auth, escaped text, attributes and items', () => {
    const xml = buildOrderRequest('neworder', { extra: '8', login: 'l&"og', pass: 'p<a>ss' }, input);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toContain('<neworder newfolder="NO">');
    expect(xml).toContain('<auth extra="8" login="l&amp;&quot;og" pass="p&lt;a&gt;ss"/>');
    expect(xml).toContain('<order orderno="R&amp;D-&lt;7&gt;">');
    expect(xml).toContain('<company>ООО «Ромашка» &amp; Co</company>');
    expect(xml).toContain('<address>ул. &lt;Ленина&gt;, 1</address>');
    expect(xml).toContain('<time_min>10:00</time_min><time_max>18:00</time_max>');
    expect(xml).toContain('<price>1234.05</price>');
    expect(xml).toContain('<inshprice>0.05</inshprice>');
    expect(xml).toContain('<deliveryprice>300.00</deliveryprice>');
    expect(xml).toContain('<paytype>CARD</paytype>');
    expect(xml).not.toContain('<sender');
    expect(xml).not.toContain('<zipcode');

    // Round trip through a plain parser: the values come back exactly.
    const doc = raw.parse(xml) as { neworder: { order: Record<string, unknown> & { items: { item: Array<Record<string, string>> } } } };
    const o = doc.neworder.order;
    expect(o['@_orderno']).toBe('R&D-<7>');
    expect(o['barcode']).toBe('BC"1');
    expect(o['weight']).toBe('0.3');
    expect(o['quantity']).toBe('2');
    expect(o['service']).toBe('2');
    expect(o['instruction']).toBe("Позвонить за час, код 'A'");
    expect(o.items.item[0]).toEqual({
      '#text': 'Кружка "Лучший" & блюдце',
      '@_extcode': 'X1',
      '@_article': 'A-1',
      '@_quantity': '3',
      '@_mass': '0.25',
      '@_retprice': '99.90',
      '@_VATrate': '20',
      '@_type': '1',
    });
    expect(o.items.item[1]).toMatchObject({ '#text': 'Предоплата', '@_retprice': '-500.00', '@_type': '4', '@_VATrate': '-1' });
  });

  it('editorder has no newfolder; other requests drop empty values', () => {
    const xml = buildOrderRequest('editorder', { extra: '8', login: 'a', pass: 'b' }, { ...input, items: [] });
    expect(xml).toContain('<editorder><auth');
    expect(xml).not.toContain('<items');
    const q = buildXml('statusreq', { auth: { '@_extra': '8' }, orderno: '1', streamid: undefined, done: '' });
    expect(q).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<statusreq><auth extra="8"/><orderno>1</orderno></statusreq>');
  });
});

describe('MeaSoft XML parsing', () => {
  it('createorder answers: success and per-order errors', () => {
    const { root, node } = parseXml(`<?xml version="1.0" encoding="UTF-8"?>
<neworder><createorder orderno="AB1" barcode="67567#114" error="0" errormsg="Success" orderprice="5000"/>
<createorder orderno="AB2" error="17" errormsg="Order number exists" errormsgru="Номер заказа уже существует"/></neworder>`);
    expect(root).toBe('neworder');
    expect(requestError(node)).toBeNull();
    expect(orderAnswers(node)).toEqual([
      { orderno: 'AB1', barcode: '67567#114', orderprice: '5000', error: null },
      { orderno: 'AB2', barcode: null, orderprice: null, error: { code: '17', message: 'Order number exists', messageRu: 'Номер заказа уже существует' } },
    ]);
  });

  it('a single createorder is still a list; cancel answers use <order>', () => {
    const { node } = parseXml('<cancelorder><order orderno="5" error="0" errormsg="OK" errormsgru="Успешно"/></cancelorder>');
    expect(orderAnswers(node)).toEqual([{ orderno: '5', barcode: null, orderprice: null, error: null }]);
  });

  it('a root with only error="1" is the bare credentials refusal; error="1" with text or children is not', () => {
    expect(requestError(parseXml('<neworder error="1"/>').node)).toEqual({ code: '1', message: null, messageRu: null, bare: true });
    expect(requestError(parseXml('<statusreq error="1" errormsg="Invalid XML"/>').node)).toEqual({ code: '1', message: 'Invalid XML', messageRu: null });
    expect(requestError(parseXml('<neworder error="1"><createorder orderno="1"/></neworder>').node)).toMatchObject({ code: '1' });
    expect(requestError(parseXml('<neworder error="1"><createorder orderno="1"/></neworder>').node)).not.toHaveProperty('bare');
  });

  it('request-level errors in both forms, and XML syntax errors as text', () => {
    expect(requestError(parseXml('<statusreq error="25" errormsg="Authorization error" errormsgru="Ошибка авторизации"/>').node)).toEqual({
      code: '25',
      message: 'Authorization error',
      messageRu: 'Ошибка авторизации',
    });
    expect(requestError(parseXml('<neworder><error error="25" errormsg="Authorization error"/></neworder>').node)).toEqual({
      code: '25',
      message: 'Authorization error',
      messageRu: null,
    });
    expect(requestError(parseXml('<error><error>XML parse error at line 3</error></error>').node)).toEqual({
      code: '1',
      message: 'XML parse error at line 3',
      messageRu: null,
    });
    expect(requestError(parseXml('<statusreq count="0" error="0"/>').node)).toBeNull();
  });

  it('a malformed body is a syntax error', () => {
    expect(() => parseXml('<statusreq count="1"><order orderno="')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<html><body>502</body>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('')).toThrow(XmlSyntaxError);
  });

  it('statusreq: order attributes, status with history, money, delivery, courier', () => {
    const { node } = parseXml(`<statusreq count="1">
<order orderno="0012" awb="8-100" ordercode="100">
  <barcode>0012</barcode>
  <receiver><person>Иван</person><town code="1">Москва</town></receiver>
  <weight>1.5</weight><quantity>2</quantity>
  <paytype code="2">CARD</paytype>
  <price>1500.50</price><inshprice>2000</inshprice>
  <status eventstore="Москва" eventtime="2030-01-02 12:30:00" title="Доставлен">COMPLETE</status>
  <statushistory>
    <status eventtime="2030-01-01 09:00:00" title="Новый">NEW</status>
  </statushistory>
  <deliveredto>Иванова</deliveredto><delivereddate>2030-01-02</delivereddate><deliveredtime>12:30</deliveredtime>
  <courier><code>7</code><name>Петров</name><phone>+79990000000</phone></courier>
  <deliveryprice total="350.00" delivery="300.00" return="50.00"/>
</order></statusreq>`);
    const [s] = parseStatusReq(node);
    expect(s).toEqual({
      orderno: '0012',
      awb: '8-100',
      barcode: '0012',
      status: { code: 'COMPLETE', title: 'Доставлен', eventTime: '2030-01-02 12:30:00' },
      history: [{ code: 'NEW', title: 'Новый', eventTime: '2030-01-01 09:00:00' }],
      paytype: 'CARD',
      priceKopecks: 150_050,
      inshpriceKopecks: 200_000,
      deliveredTo: 'Иванова',
      deliveredDate: '2030-01-02',
      deliveredTime: '12:30',
      deliveryPriceKopecks: 35_000,
      courier: { name: 'Петров', phone: '+79990000000' },
      weightKg: 1.5,
      quantity: 2,
    });
  });

  it('statusreq: bare status text, empty fields, no courier, several orders, count 0', () => {
    const { node } = parseXml(`<statusreq count="2"><order orderno="1"><status>NEW</status><deliveredto/><courier><name/></courier></order>
<order orderno="2"><status title="Новый">NEW</status><statushistory><status>AWAITING_SYNC</status><status>NEW</status></statushistory></order></statusreq>`);
    const list = parseStatusReq(node);
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ status: { code: 'NEW', title: null, eventTime: null }, history: [], deliveredTo: null, courier: null, paytype: null, priceKopecks: null });
    expect(list[1]!.history.map((h) => h.code)).toEqual(['AWAITING_SYNC', 'NEW']);
    expect(parseStatusReq(parseXml('<statusreq count="0"/>').node)).toEqual([]);
  });

  it('paytype as text, with a code attribute, or as a code only', () => {
    const n = (x: string) => parseXml(`<o>${x}</o>`).node['paytype'];
    expect(paytypeOf(n('<paytype>CASH</paytype>'))).toBe('CASH');
    expect(paytypeOf(n('<paytype code="2">CARD</paytype>'))).toBe('CARD');
    expect(paytypeOf(n('<paytype code="3"/>'))).toBe('NO');
    expect(paytypeOf(n('<paytype code="1"></paytype>'))).toBe('CASH');
    expect(paytypeOf(n('<paytype/>'))).toBeNull();
    expect(paytypeOf(undefined)).toBeNull();
  });

  it('calculator, town list and tracking answers', () => {
    const calc = parseCalc(
      parseXml(`<calculator><calc price="190.5"><townfrom code="1">Москва</townfrom><service name="Не срочно">1</service><mindeliverydays>1</mindeliverydays><maxdeliverydays>2</maxdeliverydays></calc>
<calc price="300"><service name="Срочно">2</service></calc></calculator>`).node,
    );
    expect(calc).toEqual([
      { service: 1, serviceName: 'Не срочно', price: 190.5, minDays: 1, maxDays: 2 },
      { service: 2, serviceName: 'Срочно', price: 300, minDays: null, maxDays: null },
    ]);
    const towns = parseTownList(
      parseXml(`<townlist count="2" page="1"><town><code>1</code><city><code>1</code><name>Москва</name></city><name>Москва</name><region><code>77</code><name>Москва</name></region></town>
<town><code>153361</code><name>Санкт-Петербург</name></town></townlist>`).node,
    );
    expect(towns).toEqual([
      { code: '1', name: 'Москва', region: 'Москва' },
      { code: '153361', name: 'Санкт-Петербург', region: null },
    ]);
    expect(parseTracking(parseXml('<tracking count="1"><order orderno="1"><status title="На доставке">DELIVERY</status></order></tracking>').node)).toEqual({
      status: 'DELIVERY',
      title: 'На доставке',
    });
    expect(parseTracking(parseXml('<tracking><status>NEW</status></tracking>').node)).toEqual({ status: 'NEW', title: null });
    expect(parseTracking(parseXml('<tracking count="0"/>').node)).toBeNull();
  });
});

describe('MeaSoft statuses', () => {
  it('has Russian titles for every code in the contract, and the edit/final rules', () => {
    expect(Object.keys(MEASOFT_STATUSES)).toHaveLength(35);
    expect(MEASOFT_STATUSES['NEW']).toBe('Новый');
    expect(MEASOFT_STATUSES['AWAITING_SYNC']).toBe('Ожидает синхронизации');
    expect(MEASOFT_STATUSES['COMPLETE']).toBe('Доставлен');
    expect(MEASOFT_STATUSES['CANCELED']).toBe('Не доставлен');
    expect(['NEW', 'AWAITING_SYNC', 'PICKUP', 'CANCELED'].map(isEditableStatus)).toEqual([true, true, false, false]);
    expect(['COMPLETE', 'PARTIALLY', 'RETURNED', 'PARTLYRETURNED', 'LOST'].every(isFinalStatus)).toBe(true);
    expect(['NEW', 'DELIVERY', 'CANCELED', 'UNKNOWN_CODE'].some(isFinalStatus)).toBe(false);
  });
});

describe('CSRF scraping', () => {
  it('finds the hidden field in any attribute order, or the meta tag', () => {
    expect(scrapeCsrf('<form><input type="hidden" name="_csrf" value="a&amp;b=="></form>', '_csrf')).toBe('a&b==');
    expect(scrapeCsrf("<input value='tok' type=hidden name='_csrf'>", '_csrf')).toBe('tok');
    expect(scrapeCsrf('<input name="other" value="x"><meta name="csrf-token" content="m1">', '_csrf')).toBe('m1');
    expect(scrapeCsrf('<input name="_csrf_x" value="x">', '_csrf')).toBeNull();
  });
});
