import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMeasoftClient, type MeasoftOrderInput } from '../../src-main/engine/connectors/measoft/index.js';
import { buildOrderRequest, parseTownList, parseWaybill, parseXml, requestError, type XmlNode } from '../../src-main/engine/connectors/measoft/xml.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { startMeasoftEmulator, type MeasoftEmulator } from '../emulators/measoft/server.js';
import { listen, readBody } from '../helpers/servers.js';

/**
 * Real MeaSoft shapes (test/fixtures/real/measoft, sources in its README): the client runs against them
 * replayed over loopback, and the emulator must answer in the same shapes, so a drifting emulator fails here.
 */

const DIR = path.resolve(__dirname, '../fixtures/real/measoft');
interface Sample {
  file: string;
  kind: 'request' | 'response';
  root: string;
  source: string;
}
const manifest = JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8')) as { samples: Sample[] };
const raw = (file: string) => readFileSync(path.join(DIR, file), 'utf8');

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

/** Element and attribute names of the real node that ours lacks (recursively; lists by their first element). */
function missing(real: unknown, ours: unknown, at = ''): string[] {
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
  const r = first(real);
  const o = first(ours);
  if (!r || typeof r !== 'object') return [];
  if (!o || typeof o !== 'object') return [`${at || '/'}: not an element in ours`];
  return Object.entries(r as XmlNode).flatMap(([k, v]) => (k === '#text' ? [] : k in (o as XmlNode) ? missing(v, (o as XmlNode)[k], `${at}/${k}`) : [`${at}/${k}`]));
}

/** A PDF whose `startxref` points at its cross-reference table, one page object per expected page. */
function expectPdf(pdf: Buffer, pages: number) {
  const text = pdf.toString('latin1');
  expect(text.startsWith('%PDF-1.')).toBe(true);
  expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
  const xref = Number(/startxref\n(\d+)\n%%EOF/.exec(text)?.[1]);
  expect(text.slice(xref, xref + 4)).toBe('xref');
  expect(text.match(/\/Type \/Page\b/g)).toHaveLength(pages);
}

function order(orderno: string): MeasoftOrderInput {
  return {
    orderno,
    receiver: { person: 'Иванов Иван', phone: '+79161234567', town: 'Москва', address: 'ул. Ленина, д. 1, кв. 2' },
    weightKg: 1.25,
    quantity: 1,
    paytype: 'CASH',
    priceKopecks: 150_050,
    inshpriceKopecks: 150_050,
    items: [
      { name: 'Чайник', article: 'CH-1', quantity: 1, retpriceKopecks: 100_050, vatRate: 20 },
      { name: 'Доставка', code: 'DLV', quantity: 1, retpriceKopecks: 50_000 },
    ],
  };
}

async function emulator(): Promise<MeasoftEmulator> {
  const emu = await startMeasoftEmulator();
  closers.push(emu);
  return emu;
}

describe('real MeaSoft samples', () => {
  it('every sample parses as XML with its root, is listed in the index, and its source is in the README', () => {
    const onDisk = readdirSync(DIR).filter((f) => f.endsWith('.xml'));
    expect(onDisk.sort()).toEqual(manifest.samples.map((s) => s.file).sort());
    const readme = readFileSync(path.join(DIR, 'README.md'), 'utf8');
    for (const s of manifest.samples) {
      expect(parseXml(raw(s.file)).root, s.file).toBe(s.root);
      expect(readme).toContain(s.source);
      expect(readme).toContain(s.file);
    }
  });

  it('what the samples say: the region is <town><city>, a bare error="1" is the credentials, <content> is a PDF', () => {
    expect(parseTownList(parseXml(raw('townlist.response.xml')).node)).toEqual([
      { code: '1', name: 'Москва', region: 'Москва' },
      { code: '153361', name: 'Санкт-Петербург', region: 'Санкт-Петербург' },
    ]);
    expect(requestError(parseXml(raw('auth-error.response.xml')).node)).toMatchObject({ code: '1', bare: true });
    // A coded error is not the bare one.
    expect(requestError(parseXml(raw('neworder.response.xml')).node)).toBeNull();
    expectPdf(parseWaybill(parseXml(raw('waybill.response.xml')).node)!, 1);
  });

  it('our requests have the shapes of the samples: <waybill> with orders and form, editorder lines with code', async () => {
    const seen: string[] = [];
    const replay = await listen((req, res) => {
      void readBody(req).then((body) => {
        seen.push(body);
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(raw('waybill.response.xml'));
      });
    });
    closers.push(replay);
    const client = createMeasoftClient({ config: { url: `${replay.url}/api/`, extra: '8', login: 'test', password: 'testm', printForm: 'label' }, redactor: new Redactor(), timeoutMs: 2000 });
    await client.waybill(['1001']);
    expect(missing(parseXml(raw('waybill.request.xml')).node, parseXml(seen[0]!).node)).toEqual([]);
    expect(parseXml(seen[0]!).root).toBe('waybill');
    const edit = parseXml(buildOrderRequest('editorder', { extra: '8', login: 'test', pass: 'testm' }, order('1001'))).node;
    expect(missing(parseXml(raw('editorder.request.xml')).node, edit)).toEqual([]);
    const items = ((edit.order as XmlNode[])[0]!.items as XmlNode).item as XmlNode[];
    expect(items.map((i) => i['@_code'])).toEqual(['CH-1', 'DLV']);
  });

  it('the client against the samples replayed over loopback: towns with regions, the label PDF, a bare error="1"', async () => {
    let answer = 'townlist.response.xml';
    const replay = await listen((req, res) => {
      void readBody(req).then(() => res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(raw(answer)));
    });
    closers.push(replay);
    const client = createMeasoftClient({ config: { url: `${replay.url}/api/`, extra: '8', login: 'test', password: 'testm' }, redactor: new Redactor(), timeoutMs: 2000 });
    expect(await client.townList({ nameStarts: 'Моск' })).toEqual([
      { code: '1', name: 'Москва', region: 'Москва' },
      { code: '153361', name: 'Санкт-Петербург', region: 'Санкт-Петербург' },
    ]);
    answer = 'waybill.response.xml';
    expectPdf(await client.waybill(['1001']), 1);
    answer = 'auth-error.response.xml';
    const err = await client.createOrder(order('1001')).then(
      () => null,
      (e: unknown) => e as SyncError,
    );
    expect(err).toBeInstanceOf(SyncError);
    expect({ kind: err!.kind, code: err!.code }).toEqual({ kind: 'auth', code: 1 });
    expect(err!.message).toBe('MeaSoft: неверный логин, пароль или код службы. Проверьте их в настройках курьерской службы.');
    expect(await client.checkCredentials()).toEqual({ ok: false, message: err!.message });
    answer = 'neworder.response.xml';
    expect(await client.createOrder(order('AB1'))).toEqual({ outcome: 'created', orderno: 'AB1', barcode: '67567#114', orderprice: 5000 });
  });

  it('the emulator answers in the same shapes: townlist, waybill (real PDF bytes), bare error="1"', async () => {
    const emu = await emulator();
    const post = async (xml: string) => (await fetch(`${emu.url}/api/`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: xml })).text();
    const towns = parseXml(await post(raw('townlist.request.xml')));
    expect(towns.root).toBe('townlist');
    expect(missing(parseXml(raw('townlist.response.xml')).node, towns.node)).toEqual([]);
    expect(parseTownList(towns.node).find((t) => t.code === '1')).toEqual({ code: '1', name: 'Москва', region: 'Москва' });
    // <city> is the region, not the town itself.
    const nsk = parseTownList(parseXml(await post('<townlist><conditions><name>Новосибирск</name></conditions></townlist>')).node);
    expect(nsk).toEqual([{ code: '4276', name: 'Новосибирск', region: 'Новосибирская обл.' }]);

    const client = createMeasoftClient({ config: { url: `${emu.url}/api/`, extra: '8', login: 'test', password: 'testm' }, redactor: new Redactor(), timeoutMs: 2000 });
    await client.createOrder(order('1001'));
    const wb = parseXml(await post(raw('waybill.request.xml')));
    expect(wb.root).toBe('waybill');
    expect(missing(parseXml(raw('waybill.response.xml')).node, wb.node)).toEqual([]);
    expectPdf(parseWaybill(wb.node)!, 1);
    expect(emu.waybills()).toEqual([{ ordernos: ['1001'], form: 'label' }]);

    const bad = parseXml(await post(raw('waybill.request.xml').replace('pass="testm"', 'pass="wrong"')));
    expect(bad.node).toEqual(parseXml(raw('auth-error.response.xml')).node);
    expect(requestError(bad.node)).toMatchObject({ code: '1', bare: true });

    // An edit with the sample's item lines is taken, the codes kept on the lines.
    const edited = parseXml(await post(raw('editorder.request.xml')));
    expect(requestError(edited.node)).toBeNull();
    expect(emu.getOrder('1001')!.items.map((i) => i.attrs.code)).toEqual(['CH-1', 'DLV']);
  });
});
