import { toBuffer } from 'bwip-js/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { barcodeSvg, code128Svg, isCode128Text, loadBarcodes, QUIET_ZONE_MODULES } from '../../src-main/engine/printforms/barcode.js';
import { formatCod, formatDelivery, formatRoubles, formatWeight, esc } from '../../src-main/engine/printforms/format.js';
import { renderPrintForm } from '../../src-main/engine/printforms/render.js';
import { printForms, type PrintOrder } from '../../src-main/engine/printforms/types.js';
import { decodeCode128, decodeCode128Png } from '../helpers/decode-barcode.js';

const NBSP = '\u00a0';

function order(over: Partial<PrintOrder> = {}): PrintOrder {
  return {
    number: '7141C',
    courierService: 'Курьерская служба 2008',
    sender: { name: 'ООО «Ромашка»', phone: '+7 495 111-22-33', town: 'Москва', address: 'ул. Складская, д. 5' },
    receiver: {
      name: 'Иванова Мария Петровна',
      phone: '+7 916 123-45-67',
      town: 'Санкт-Петербург',
      address: 'Невский проспект, д. 28, кв. 14',
    },
    deliveryDate: '2025-03-12',
    timeFrom: '10:00:00',
    timeTo: '14:00',
    codKopecks: 123450,
    declaredKopecks: 200000,
    weightGrams: 1250,
    places: 1,
    items: [
      { name: 'Чайник электрический', quantity: 1, priceKopecks: 100000 },
      { name: 'Кружка', quantity: 2, priceKopecks: 11725 },
    ],
    comment: 'Позвонить за час',
    ...over,
  };
}

/** Rasterises bwip-js's SVG (vertical stroked lines) at `px` pixels per module, the way a printer would. */
function rasterise(svg: string, px: number): { lum: Uint8ClampedArray; width: number; height: number } {
  const vb = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  if (!vb) throw new Error('no viewBox');
  const width = Math.ceil(Number(vb[1]) * px);
  const height = 40;
  const row = new Uint8ClampedArray(width).fill(255);
  let bars = 0;
  for (const m of svg.matchAll(/<path stroke="#000000" stroke-width="([\d.]+)" d="([^"]+)"/g)) {
    const w = Number(m[1]);
    for (const seg of m[2]!.matchAll(/M([\d.]+) [\d.]+L([\d.]+) [\d.]+/g)) {
      const x = Number(seg[1]);
      expect(Number(seg[2])).toBe(x);
      bars++;
      for (let i = Math.round((x - w / 2) * px); i < Math.round((x + w / 2) * px); i++) row[i] = 0;
    }
  }
  expect(bars).toBeGreaterThan(5);
  const lum = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) lum.set(row, y * width);
  return { lum, width, height };
}

/** Every attribute name in the document; fails if any `<` does not open a well-formed tag. */
function attributeNames(html: string): string[] {
  const names: string[] = [];
  const body = html.replace(/^<!DOCTYPE html>/, '');
  let count = 0;
  for (const m of body.matchAll(/<\/?([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"<>]*")?)*)\s*\/?>/g)) {
    count++;
    // Name-then-value pairs in order, so text inside a quoted value is never taken for a name.
    for (const a of m[2]!.matchAll(/\s+([\w:-]+)(?:="[^"]*")?/g)) names.push(a[1]!);
  }
  expect(body.split('<').length - 1).toBe(count);
  return names;
}

// The print API loads the barcode library before rendering; so do these tests.
beforeAll(() => loadBarcodes());

describe('formatting', () => {
  it('money is Russian-style roubles from integer kopecks', () => {
    expect(formatRoubles(123450)).toBe(`1${NBSP}234,50${NBSP}₽`);
    expect(formatRoubles(5)).toBe(`0,05${NBSP}₽`);
    expect(formatRoubles(100000000)).toBe(`1${NBSP}000${NBSP}000,00${NBSP}₽`);
    expect(formatCod(0)).toBe('Оплачен');
    expect(formatCod(99)).toBe(`0,99${NBSP}₽`);
  });
  it('weight in kilograms, delivery window', () => {
    expect(formatWeight(1250)).toBe(`1,25${NBSP}кг`);
    expect(formatWeight(2000)).toBe(`2${NBSP}кг`);
    expect(formatWeight(50)).toBe(`0,05${NBSP}кг`);
    expect(formatWeight(null)).toBe('—');
    expect(formatDelivery('2025-03-12', '10:00:00', '14:00')).toBe('12.03.2025, 10:00–14:00');
    expect(formatDelivery(null, '9:30', null)).toBe('с 09:30');
    expect(formatDelivery('завтра', null, null)).toBe('завтра');
  });
  it('escapes markup and drops control characters', () => {
    expect(esc(`<a href="x">'&'</a>\u0007`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('print form catalogue', () => {
  it('lists the three forms with their paper sizes', () => {
    expect(printForms.map((f) => [f.id, f.page.widthMm, f.page.heightMm])).toEqual([
      ['label-100x150', 100, 150],
      ['label-75x120', 75, 120],
      ['waybill-a4', 297, 210],
    ]);
    for (const f of printForms) expect(f.title).toMatch(/[А-Яа-я]/);
  });
});

describe('labels', () => {
  it('carries the receiver, sender, COD, weight, places, delivery window and the order number', () => {
    const html = renderPrintForm('label-100x150', [order()]);
    for (const s of [
      'Получатель',
      'Отправитель',
      'Наложенный платёж',
      'Вес',
      'Мест: 1',
      'Иванова Мария Петровна',
      '+7 916 123-45-67',
      'Санкт-Петербург',
      'Невский проспект, д. 28, кв. 14',
      'ООО «Ромашка»',
      `1${NBSP}234,50${NBSP}₽`,
      `1,25${NBSP}кг`,
      '12.03.2025, 10:00–14:00',
      'Курьерская служба 2008',
      'Позвонить за час',
      'Чайник электрический × 1',
      `Объявленная ценность: 2${NBSP}000,00${NBSP}₽`,
      '№&nbsp;7141C',
    ]) {
      expect(html, s).toContain(s);
    }
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<html lang="ru">');
    expect(renderPrintForm('label-100x150', [order({ codKopecks: 0 })])).toContain('Оплачен');
  });

  it('sets the page size and one page per order', () => {
    const batch = [order(), order({ number: 'RC-000123' }), order({ number: '42', barcode: '000000042' })];
    const l100 = renderPrintForm('label-100x150', batch);
    expect(l100).toContain('@page { size: 100mm 150mm; margin: 0; }');
    expect(l100.match(/<section class="label"/g)).toHaveLength(3);
    expect(l100).toContain('page-break-after: always');
    const l75 = renderPrintForm('label-75x120', batch);
    expect(l75).toContain('@page { size: 75mm 120mm; margin: 0; }');
    expect(l75.match(/<section class="label"/g)).toHaveLength(3);
    expect(l75.match(/<svg /g)).toHaveLength(3);
  });

  it('encodes the MeaSoft barcode when it differs from the order number', () => {
    const html = renderPrintForm('label-100x150', [order({ number: '42', barcode: '000000042' })]);
    expect(html).toContain('data-code="000000042"');
    expect(html).not.toContain('data-code="42"');
  });

  it('lists a few items, then «и ещё N»', () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ name: `Товар ${i + 1}`, quantity: 1, priceKopecks: 100 }));
    const html = renderPrintForm('label-100x150', [order({ items })]);
    expect(html).toContain('Товар 1 × 1');
    expect(html).toContain('Товар 2 × 1');
    expect(html).not.toContain('Товар 3 ×');
    expect(html).toContain('и ещё 5');
    const three = renderPrintForm('label-100x150', [order({ items: items.slice(0, 3) })]);
    expect(three).toContain('Товар 3 × 1');
    expect(three).not.toContain('и ещё');
  });

  it('prints customer text as text: no markup, no scripts, no external resources', () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const html = renderPrintForm('label-100x150', [
      order({
        number: '"><svg onload=alert(3)>',
        receiver: { name: evil, phone: '"><u>x', address: evil, town: '&amp;' },
        sender: { name: evil },
        comment: evil,
        items: [{ name: evil, quantity: 1, priceKopecks: 1 }],
      }),
    ]);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(html).not.toMatch(/<u>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&amp;amp;');
    const attrs = attributeNames(html);
    expect(attrs).toContain('data-order');
    expect(attrs.filter((a) => /^(src|href|on\w+)$/i.test(a))).toEqual([]);
    expect(html).toContain("default-src 'none'");
    // Printable ASCII is still barcoded, and the attribute carrying it stays escaped.
    expect(html).toContain('data-code="&quot;&gt;&lt;svg onload=alert(3)&gt;"');
  });

  it('survives a number in Cyrillic and an empty batch', () => {
    const html = renderPrintForm('label-75x120', [order({ number: 'ЗК-15' }), order()]);
    expect(html).toContain('Штрихкод не печатается: «ЗК-15»');
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(renderPrintForm('label-100x150', [])).toContain('Нет заказов для печати');
  });
});

describe('waybill', () => {
  const batch = [
    order(),
    order({ number: 'RC-000123', codKopecks: 0, declaredKopecks: 50000, weightGrams: 750, places: 2, receiver: { name: 'Пётр', phone: '+7 900 000-00-01', address: 'ул. Мира, 1' } }),
    order({ number: '555', codKopecks: 100, declaredKopecks: 0, weightGrams: null, items: [], comment: null }),
  ];
  it('tables every order with totals, items and signature lines', () => {
    const html = renderPrintForm('waybill-a4', batch, { date: new Date(2025, 2, 11, 12) });
    expect(html).toContain('@page {\n  size: 297mm 210mm;');
    expect(html).toContain('<thead>');
    expect(html.match(/<tr data-order=/g)).toHaveLength(3);
    for (const s of ['№', 'Получатель', 'Адрес', 'Телефон', 'Наложенный платёж', 'Объявленная ценность', 'Вес', 'Мест']) {
      expect(html).toMatch(new RegExp(`<th[^>]*>${s}</th>`));
    }
    expect(html).toContain('Итого: 3 отправления');
    expect(html).toContain(`1${NBSP}235,50${NBSP}₽`); // 1234.50 + 0 + 1.00
    expect(html).toContain(`2${NBSP}500,00${NBSP}₽`); // declared total
    expect(html).toContain(`2${NBSP}кг`); // 1250 + 750 g, the unknown weight is skipped
    expect(html).toMatch(/<td class="num">4<\/td>\s*<\/tr>/); // places total
    expect(html).toContain('Дата: <b>11.03.2025</b>');
    expect(html).toContain('Сдал');
    expect(html).toContain('Принял');
    expect(html).toContain('Состав отправлений');
    expect(html).toContain(`Кружка × 2 — 234,50${NBSP}₽`);
    expect(html).toContain('Санкт-Петербург, Невский проспект, д. 28, кв. 14');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('Оплачен');
  });
});

describe('barcode', () => {
  it('is inline SVG sized in millimetres with quiet zones', () => {
    const svg = barcodeSvg('7141C', { heightMm: 20 });
    expect(svg).toMatch(/^<svg width="[\d.]+mm" height="20mm"/);
    expect(svg).toContain('viewBox="0 0 ');
    const r = code128Svg('7141C', { heightMm: 20, moduleMm: 0.5, maxWidthMm: 92 });
    expect(r.moduleMm).toBe(0.5);
    // The first bar starts after the ten-module quiet zone.
    const firstBar = /d="M([\d.]+) /.exec(r.svg);
    expect(Number(firstBar![1])).toBeGreaterThanOrEqual(QUIET_ZONE_MODULES);
  });

  it('keeps modules at 0.33 mm or wider on a 100 mm label for a 20-character number', () => {
    const r = code128Svg('RC-2025-000123-ABCDE', { heightMm: 20, moduleMm: 0.5, maxWidthMm: 92 });
    expect(r.widthMm).toBeLessThanOrEqual(92);
    expect(r.moduleMm).toBeGreaterThanOrEqual(0.33);
    const small = code128Svg('RC-2025-000123-ABCDE', { heightMm: 15, moduleMm: 0.38, maxWidthMm: 69 });
    expect(small.widthMm).toBeLessThanOrEqual(69);
    expect(small.moduleMm).toBeLessThan(r.moduleMm);
  });

  it('rejects text Code128 cannot encode', () => {
    expect(isCode128Text('7141C')).toBe(true);
    expect(isCode128Text('Заказ-1')).toBe(false);
    expect(isCode128Text('')).toBe(false);
    expect(() => barcodeSvg('Заказ-1')).toThrow(/Code128/);
  });

  const samples = ['7141C', 'RC-000123', '000000042', '12345678901234567890', 'AB-12/34.x'];

  it.each(samples)('a bwip-js PNG of %s decodes back with zxing', async (text) => {
    const png = await toBuffer({ bcid: 'code128', text, scale: 3, height: 12, paddingwidth: 10, paddingheight: 4, backgroundcolor: 'FFFFFF' });
    expect(decodeCode128Png(png)).toBe(text);
  });

  it.each(samples)('our SVG of %s, rasterised at printer resolution, decodes back', (text) => {
    const svg = barcodeSvg(text, { heightMm: 15 });
    const img = rasterise(svg, 3);
    expect(decodeCode128(img.lum, img.width, img.height)).toBe(text);
  });

  it('a different text does not decode to the order number', async () => {
    const png = await toBuffer({ bcid: 'code128', text: '7141D', scale: 3, height: 12, paddingwidth: 10, backgroundcolor: 'FFFFFF' });
    expect(decodeCode128Png(png)).not.toBe('7141C');
  });
});
