import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../src-main/engine/errors.js';
import { CHROMIUM_ARGS, createChromiumPdfRenderer, defaultChromiumPath, type PdfRenderer } from '../../src-main/engine/printforms/pdf.js';
import { loadBarcodes } from '../../src-main/engine/printforms/barcode.js';
import { renderPrintForm } from '../../src-main/engine/printforms/render.js';
import { printForms, type PrintFormId, type PrintOrder } from '../../src-main/engine/printforms/types.js';
import { decodeCode128Png } from '../helpers/decode-barcode.js';

const SCREENS = path.resolve('test-results/screens');
const PX_PER_MM = 96 / 25.4;
const PT_PER_MM = 72 / 25.4;

function order(over: Partial<PrintOrder> = {}): PrintOrder {
  return {
    number: '7141C',
    courierService: 'Курьерская служба 2008',
    sender: { name: 'ООО «Ромашка»', person: 'Склад', phone: '+7 495 111-22-33', town: 'Москва', address: 'ул. Складская, д. 5, стр. 2' },
    receiver: {
      name: 'Константинопольская Анастасия Владимировна',
      phone: '+7 916 123-45-67',
      town: 'Санкт-Петербург',
      address: 'Невский проспект, д. 28, подъезд 3, этаж 5, кв. 140, домофон 140К, вход со двора через арку',
    },
    deliveryDate: '2025-03-12',
    timeFrom: '10:00',
    timeTo: '14:00',
    codKopecks: 1234550,
    declaredKopecks: 1500000,
    weightGrams: 1250,
    places: 1,
    items: [
      { name: 'Чайник электрический стеклянный с подсветкой, 1,7 л', quantity: 1, priceKopecks: 899000 },
      { name: 'Кружка керамическая', quantity: 2, priceKopecks: 45000 },
      { name: 'Набор чайных ложек', quantity: 1, priceKopecks: 129000 },
      { name: 'Подставка', quantity: 1, priceKopecks: 12550 },
      { name: 'Салфетки', quantity: 3, priceKopecks: 5000 },
    ],
    comment: 'Позвонить за час до приезда, <b>не</b> оставлять у двери',
    ...over,
  };
}

function pageInfo(id: PrintFormId): { widthMm: number; heightMm: number } {
  return printForms.find((f) => f.id === id)!.page;
}

/**
 * Pages of a Chromium PDF and the MediaBox of each: every `N 0 obj … endobj` whose dictionary is a /Page
 * (Skia writes plain, uncompressed objects), cross-checked with the page tree's root /Count.
 */
function pdfPages(pdf: Buffer): Array<[number, number, number, number]> {
  const text = pdf.toString('latin1');
  const objects = [...text.matchAll(/\d+ 0 obj\s*([^]*?)endobj/g)].map((m) => m[1]!);
  const pages = objects.filter((o) => /^<<\s*\/Type\s*\/Page(?![a-zA-Z])/.test(o));
  // Long documents get a balanced page tree; the root node counts every page.
  const counts = objects
    .filter((o) => /^<<\s*\/Type\s*\/Pages(?![a-zA-Z])/.test(o))
    .map((o) => Number(/\/Count\s+(\d+)/.exec(o)?.[1]));
  expect(Math.max(...counts)).toBe(pages.length);
  return pages.map((p) => {
    const m = /\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(p);
    if (!m) throw new Error(`page without MediaBox: ${p.slice(0, 200)}`);
    return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  });
}

let browser: Browser;
let renderer: PdfRenderer;

beforeAll(() => loadBarcodes());
beforeAll(async () => {
  fs.mkdirSync(SCREENS, { recursive: true });
  browser = await chromium.launch({ executablePath: defaultChromiumPath(), args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
  renderer = createChromiumPdfRenderer({ launchTimeoutMs: 30_000, renderTimeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await renderer?.close();
  await browser?.close();
}, 30_000);

describe.each(['label-100x150', 'label-75x120'] as const)('%s in Chromium', (form) => {
  const size = pageInfo(form);
  const viewport = { width: Math.ceil(size.widthMm * PX_PER_MM), height: Math.ceil(size.heightMm * PX_PER_MM) };

  // 2 ≈ a 203 dpi thermal printer, 3 ≈ 300 dpi.
  it.each([
    ['7141C', 2],
    ['RC-000123', 2],
    ['RC-000123', 3],
    ['RC-2025-000123-ABCDE', 2],
  ] as const)('the printed barcode of %s scans at device scale %d', async (code, scale) => {
    const ctx = await browser.newContext({ viewport, deviceScaleFactor: scale, javaScriptEnabled: false });
    try {
      const page = await ctx.newPage();
      await page.emulateMedia({ media: 'print' });
      await page.setContent(renderPrintForm(form, [order({ number: code })]), { waitUntil: 'load', timeout: 15_000 });
      const label = page.locator('section.label').first();
      const svg = label.locator('.bc svg');
      const lb = (await label.boundingBox())!;
      const bb = (await svg.boundingBox())!;
      // Nothing clipped: the barcode (quiet zones included) sits wholly inside the label.
      expect(bb.x).toBeGreaterThanOrEqual(lb.x);
      expect(bb.x + bb.width).toBeLessThanOrEqual(lb.x + lb.width + 0.5);
      expect(bb.y + bb.height).toBeLessThanOrEqual(lb.y + lb.height + 0.5);
      expect(lb.height).toBeCloseTo(size.heightMm * PX_PER_MM, 0);
      const png = await svg.screenshot({ timeout: 10_000 });
      expect(decodeCode128Png(png)).toBe(code);
      // The human-readable line under the bars is visible too.
      const text = label.locator('.bc .code');
      const tb = (await text.boundingBox())!;
      expect(tb.y + tb.height).toBeLessThanOrEqual(lb.y + lb.height + 0.5);
      expect(await text.textContent()).toBe(code);
    } finally {
      await ctx.close();
    }
  });

  it('keeps the receiver block readable and inside the page with long texts', async () => {
    const ctx = await browser.newContext({ viewport, deviceScaleFactor: 2, javaScriptEnabled: false });
    try {
      const page = await ctx.newPage();
      await page.emulateMedia({ media: 'print' });
      await page.setContent(renderPrintForm(form, [order()]), { waitUntil: 'load', timeout: 15_000 });
      const label = page.locator('section.label');
      const lb = (await label.boundingBox())!;
      for (const sel of ['.recv .name', '.recv .phone', '.recv .addr', '.facts', '.bc']) {
        const b = (await label.locator(sel).boundingBox())!;
        expect(b.height, sel).toBeGreaterThan(0);
        expect(b.y + b.height, sel).toBeLessThanOrEqual(lb.y + lb.height + 0.5);
      }
      const fontPx = Number.parseFloat(await label.locator('.recv .phone').evaluate((el) => getComputedStyle(el).fontSize));
      // At least ~10 pt on 100 mm, ~8 pt on 75 mm.
      expect(fontPx).toBeGreaterThanOrEqual(form === 'label-100x150' ? 13 : 10.5);
      expect(await label.locator('.items').textContent()).toContain('и ещё');
      await page.screenshot({ path: path.join(SCREENS, `printform-${form}.png`), fullPage: true, timeout: 10_000 });
    } finally {
      await ctx.close();
    }
  });

  it('prints a batch to a PDF with one page of the label size per order', async () => {
    const batch = [order(), order({ number: 'RC-000123', codKopecks: 0 }), order({ number: '555', items: [], comment: null })];
    const pdf = await renderer.pdf(renderPrintForm(form, batch), size);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = pdfPages(pdf);
    expect(pages).toHaveLength(3);
    for (const [x0, y0, x1, y1] of pages) {
      // Chromium snaps the page to whole device pixels: within half a millimetre.
      expect(Math.abs(x1 - x0 - size.widthMm * PT_PER_MM)).toBeLessThan(1.5);
      expect(Math.abs(y1 - y0 - size.heightMm * PT_PER_MM)).toBeLessThan(1.5);
    }
  });
});

describe('waybill A4 in Chromium', () => {
  const size = pageInfo('waybill-a4');

  it('looks right on screen and its row barcodes scan', async () => {
    const batch = [
      order(),
      order({ number: 'RC-000123', codKopecks: 0, places: 2, receiver: { name: 'Пётр Сидоров', phone: '+7 900 000-00-01', address: 'ул. Мира, 1', town: 'Казань' } }),
      order({ number: '555', barcode: '000000555', items: [], comment: null, weightGrams: null }),
    ];
    const ctx = await browser.newContext({
      // The printable area: the @page margins are 10 mm on each side.
      viewport: { width: Math.floor((size.widthMm - 20) * PX_PER_MM), height: Math.ceil((size.heightMm - 22) * PX_PER_MM) },
      deviceScaleFactor: 2,
      javaScriptEnabled: false,
    });
    try {
      const page = await ctx.newPage();
      await page.emulateMedia({ media: 'print' });
      await page.setContent(renderPrintForm('waybill-a4', batch), { waitUntil: 'load', timeout: 15_000 });
      const rows = page.locator('tr[data-order]');
      expect(await rows.count()).toBe(3);
      expect(decodeCode128Png(await rows.nth(2).locator('svg').screenshot({ timeout: 10_000 }))).toBe('000000555');
      expect(decodeCode128Png(await rows.nth(1).locator('svg').screenshot({ timeout: 10_000 }))).toBe('RC-000123');
      // The table fits the printable width (297 − 2 × 10 mm): no cell pushes it wider than the viewport.
      const tb = (await page.locator('table.orders').boundingBox())!;
      expect(tb.width).toBeLessThanOrEqual(277 * PX_PER_MM + 1);
      const headers = page.locator('thead th');
      for (let i = 0; i < (await headers.count()); i++) {
        const hb = (await headers.nth(i).boundingBox())!;
        expect(hb.x + hb.width).toBeLessThanOrEqual(tb.x + tb.width + 1);
      }
      await page.screenshot({ path: path.join(SCREENS, 'printform-waybill-a4.png'), fullPage: true, timeout: 10_000 });
    } finally {
      await ctx.close();
    }
  });

  it('paginates a long batch into landscape A4 pages', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => order({ number: `RC-${String(i + 1).padStart(6, '0')}` }));
    const pdf = await renderer.pdf(renderPrintForm('waybill-a4', batch), size);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = pdfPages(pdf);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.length).toBeLessThan(20);
    for (const [x0, y0, x1, y1] of pages) {
      expect(Math.abs(x1 - x0 - 297 * PT_PER_MM)).toBeLessThan(1.5);
      expect(Math.abs(y1 - y0 - 210 * PT_PER_MM)).toBeLessThan(1.5);
    }
  });
});

describe('PDF renderer lifecycle', () => {
  it('reuses one browser, renders concurrently, and refuses work after close', async () => {
    const r = createChromiumPdfRenderer({ renderTimeoutMs: 20_000 });
    try {
      const html = renderPrintForm('label-75x120', [order()]);
      const [a, b] = await Promise.all([r.pdf(html, pageInfo('label-75x120')), r.pdf(html, pageInfo('label-75x120'))]);
      expect(pdfPages(a)).toHaveLength(1);
      expect(pdfPages(b)).toHaveLength(1);
    } finally {
      await r.close();
    }
    await expect(r.pdf('<p>x</p>', { widthMm: 100, heightMm: 150 })).rejects.toBeInstanceOf(SyncError);
  });

  it('a missing Chromium is a needs-attention error in Russian', async () => {
    const r = createChromiumPdfRenderer({ executablePath: '/nonexistent/chromium', launchTimeoutMs: 5_000 });
    try {
      const err = await r.pdf('<p>x</p>', { widthMm: 100, heightMm: 150 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncError);
      expect((err as SyncError).kind).toBe('needsAttention');
      expect((err as SyncError).message).toMatch(/Chromium/);
    } finally {
      await r.close();
    }
  });
});
