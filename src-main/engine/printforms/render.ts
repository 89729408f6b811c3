/**
 * Courier print forms as complete, self-contained HTML documents: thermal labels (100×150 and 75×120 mm, one
 * order per page) and the A4 waybill (a table of the batch). Everything is inline — styles in one <style>,
 * barcodes as inline SVG — and a CSP meta forbids scripts and any network access, so a preview renders offline.
 * Every value that came from a customer is escaped.
 */
import { BarcodeTextError, code128Svg, type BarcodeSvg } from './barcode.js';
import {
  esc,
  formatCod,
  formatDelivery,
  formatQuantity,
  formatRoubles,
  formatToday,
  formatWeight,
  plural,
} from './format.js';
import { printFormInfo, type PrintFormId, type PrintOrder, type PrintParty } from './types.js';

export { barcodeSvg } from './barcode.js';

export interface RenderOptions {
  /** Document title (the print dialog and PDF metadata show it). */
  title?: string;
  /** The date printed on the waybill; defaults to now. */
  date?: Date;
}

interface LabelGeometry {
  kind: 'l100' | 'l75';
  widthMm: number;
  heightMm: number;
  paddingMm: number;
  barHeightMm: number;
  moduleMm: number;
  maxItems: number;
}

const LABELS: Record<'label-100x150' | 'label-75x120', LabelGeometry> = {
  // 0.5 mm modules where they fit; shrink towards the 0.33 mm floor only for long numbers.
  'label-100x150': { kind: 'l100', widthMm: 100, heightMm: 150, paddingMm: 4, barHeightMm: 20, moduleMm: 0.5, maxItems: 3 },
  'label-75x120': { kind: 'l75', widthMm: 75, heightMm: 120, paddingMm: 3, barHeightMm: 15, moduleMm: 0.38, maxItems: 2 },
};

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

/** A complete HTML document of the form for the given orders (labels: one page per order). */
export function renderPrintForm(form: PrintFormId, orders: PrintOrder[], opts: RenderOptions = {}): string {
  const info = printFormInfo(form);
  const now = opts.date ?? new Date();
  if (form === 'waybill-a4') {
    const title = opts.title ?? `Накладная от ${formatToday(now)} — ${orders.length} ${plural(orders.length, ['отправление', 'отправления', 'отправлений'])}`;
    return documentHtml(title, waybillCss(info.page.widthMm, info.page.heightMm), waybillHtml(orders, now));
  }
  const g = LABELS[form];
  const title = opts.title ?? `${info.title} — ${orders.length === 1 ? `заказ ${orders[0]!.number}` : `${orders.length} ${plural(orders.length, ['заказ', 'заказа', 'заказов'])}`}`;
  const body = orders.length === 0 ? emptyHtml() : orders.map((o) => labelHtml(o, g)).join('\n');
  return documentHtml(title, labelCss(g), body);
}

function documentHtml(title: string, css: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
${BASE_CSS}
${css}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function emptyHtml(): string {
  return '<p class="empty">Нет заказов для печати.</p>';
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

const BASE_CSS = `
*, *::before, *::after { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: #fff; color: #000; }
body {
  font-family: "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
  -webkit-print-color-adjust: exact; print-color-adjust: exact;
  font-variant-numeric: tabular-nums;
}
svg { display: block; }
.cap { font-size: 0.72em; text-transform: uppercase; letter-spacing: 0.04em; color: #000; font-weight: 600; }
.muted { color: #333; }
.nobarcode { border: 0.3mm dashed #000; padding: 1.5mm; font-size: 0.85em; text-align: center; }
.empty { font-size: 14px; padding: 20px; }
`;

function barcodeValue(o: PrintOrder): string {
  const b = o.barcode?.trim();
  return b ? b : o.number.trim();
}

function tryBarcode(text: string, heightMm: number, moduleMm: number, maxWidthMm: number): BarcodeSvg | null {
  try {
    return code128Svg(text, { heightMm, moduleMm, maxWidthMm });
  } catch (e) {
    if (e instanceof BarcodeTextError) return null;
    throw e;
  }
}

function noBarcodeHtml(text: string): string {
  return `<div class="nobarcode">Штрихкод не печатается: «${esc(text)}» содержит символы, которых нет в Code128</div>`;
}

function partyLine(p: PrintParty): string {
  const place = [p.town, p.address].map((x) => x?.trim()).filter(Boolean).join(', ');
  return [p.name, p.person, p.phone, place].map((x) => x?.trim()).filter(Boolean).map(esc).join(' · ');
}

function itemLine(i: PrintOrder['items'][number]): string {
  return `${esc(i.name)} × ${esc(formatQuantity(i.quantity))}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Labels

function labelCss(g: LabelGeometry): string {
  const base = g.kind === 'l100' ? 3.3 : 2.6;
  return `
@page { size: ${g.widthMm}mm ${g.heightMm}mm; margin: 0; }
.label {
  width: ${g.widthMm}mm; height: ${g.heightMm}mm; padding: ${g.paddingMm}mm; overflow: hidden;
  display: flex; flex-direction: column; gap: ${(g.paddingMm * 0.5).toFixed(1)}mm;
  font-size: ${base}mm; line-height: 1.22;
  page-break-after: always; break-after: page; page-break-inside: avoid; break-inside: avoid;
}
.label:last-child { page-break-after: auto; break-after: auto; }
.label > * { flex: none; }
.lh { display: flex; align-items: baseline; justify-content: space-between; gap: 2mm; border-bottom: 0.4mm solid #000; padding-bottom: 1mm; }
.lh .svc { font-size: 0.85em; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
.lh .no { font-size: 2em; font-weight: 800; white-space: nowrap; letter-spacing: -0.01em; }
.lh .no small { font-size: 0.45em; font-weight: 600; margin-right: 0.4em; text-transform: uppercase; letter-spacing: 0.04em; }
.recv .name { font-size: 1.45em; font-weight: 800; line-height: 1.12; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
.recv .person { font-size: 1.05em; font-weight: 600; overflow-wrap: anywhere; }
.recv .phone { font-size: 1.4em; font-weight: 800; white-space: nowrap; }
.recv .town { font-size: 1.2em; font-weight: 700; overflow-wrap: anywhere; }
.recv .addr { font-size: 1.12em; font-weight: 500; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden; }
.send { font-size: ${g.kind === 'l75' ? '0.82em' : '0.9em'}; border-top: 0.2mm solid #000; padding-top: 1mm; overflow-wrap: anywhere; }
.send .who { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
.send .where { font-weight: 600; }
.facts { display: grid; grid-template-columns: 1.5fr 1fr 1fr; border: 0.3mm solid #000; }
.facts > div { padding: 0.8mm 1.2mm; min-width: 0; }
.facts > div + div { border-left: 0.3mm solid #000; }
.facts .v { font-size: 1.3em; font-weight: 800; white-space: nowrap; }
.facts .cod .v { font-size: 1.45em; }
.when { font-size: 1.05em; }
.when b { font-weight: 800; }
.decl { font-size: 0.85em; }
.items { flex: 0 1 auto !important; min-height: 0; overflow: hidden; font-size: 0.85em; border-top: 0.2mm solid #000; padding-top: 1mm; }
.items ul { list-style: none; margin: 0.3mm 0 0; padding: 0; }
.items li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.items .more { font-style: italic; }
.comment { flex: 0 1 auto !important; min-height: 0; font-size: 0.85em; overflow-wrap: anywhere; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
.bc { margin-top: auto; display: flex; flex-direction: column; align-items: center; border-top: 0.4mm solid #000; padding-top: 1.5mm; }
.bc .code { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", Menlo, monospace; font-size: 1.25em; font-weight: 700; letter-spacing: 0.12em; margin-top: 0.6mm; }
@media screen {
  html, body { background: #e6e6e6; }
  .label { background: #fff; margin: 6mm auto; box-shadow: 0 0.5mm 3mm rgba(0, 0, 0, 0.25); }
}
`;
}

function labelHtml(o: PrintOrder, g: LabelGeometry): string {
  const r = o.receiver;
  const code = barcodeValue(o);
  const bc = tryBarcode(code, g.barHeightMm, g.moduleMm, g.widthMm - 2 * g.paddingMm);
  const delivery = formatDelivery(o.deliveryDate, o.timeFrom, o.timeTo);
  const items = o.items ?? [];
  const shown = items.length <= g.maxItems ? items : items.slice(0, g.maxItems - 1);
  const rest = items.length - shown.length;
  const parts: string[] = [];
  parts.push(`<header class="lh">
  <div class="svc">${esc(o.courierService?.trim() || '')}</div>
  <div class="no"><small>Заказ</small>№&nbsp;${esc(o.number)}</div>
</header>`);
  parts.push(`<div class="recv">
  <div class="cap">Получатель</div>
  <div class="name">${esc(r.name)}</div>
  ${r.person?.trim() ? `<div class="person">${esc(r.person)}</div>` : ''}
  <div class="phone">${esc(r.phone)}</div>
  ${r.town?.trim() ? `<div class="town">${esc(r.town)}</div>` : ''}
  <div class="addr">${esc(r.address)}</div>
</div>`);
  // Who and where on lines of their own: a long shop name must not push the return address off the label.
  const sender = o.sender;
  const who = [sender.name, sender.person, sender.phone].map((x) => x?.trim()).filter(Boolean).map((x) => esc(x!)).join(' · ');
  const where = [sender.town, sender.address].map((x) => x?.trim()).filter(Boolean).map((x) => esc(x!)).join(', ');
  parts.push(`<div class="send"><div class="who"><span class="cap">Отправитель</span> ${who}</div>${where ? `<div class="where">${where}</div>` : ''}</div>`);
  parts.push(`<div class="facts">
  <div class="cod"><div class="cap">Наложенный платёж</div><div class="v">${esc(formatCod(o.codKopecks))}</div></div>
  <div><div class="cap">Вес</div><div class="v">${esc(formatWeight(o.weightGrams))}</div></div>
  <div><div class="cap">Отправление</div><div class="v">Мест: ${esc(o.places)}</div></div>
</div>`);
  const whenParts: string[] = [];
  if (delivery) whenParts.push(`<div class="when"><span class="cap">Доставка</span> <b>${esc(delivery)}</b></div>`);
  if (o.declaredKopecks > 0) whenParts.push(`<div class="decl">Объявленная ценность: ${esc(formatRoubles(o.declaredKopecks))}</div>`);
  parts.push(...whenParts);
  if (items.length > 0) {
    const lis = shown.map((i) => `<li>${itemLine(i)}</li>`);
    if (rest > 0) lis.push(`<li class="more">и ещё ${rest}</li>`);
    parts.push(`<div class="items"><span class="cap">Состав</span><ul>${lis.join('')}</ul></div>`);
  }
  if (o.comment?.trim()) parts.push(`<div class="comment"><span class="cap">Комментарий</span> ${esc(o.comment)}</div>`);
  parts.push(
    `<div class="bc" data-barcode="${esc(code)}">${bc ? bc.svg : noBarcodeHtml(code)}<div class="code">${esc(code)}</div></div>`,
  );
  return `<section class="label" data-order="${esc(o.number)}">\n${parts.join('\n')}\n</section>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Waybill

function waybillCss(widthMm: number, heightMm: number): string {
  return `
@page {
  size: ${widthMm}mm ${heightMm}mm; margin: 10mm 10mm 12mm;
  @bottom-right { content: "Стр. " counter(page) " из " counter(pages); font-size: 8pt; font-family: sans-serif; }
}
.waybill { font-size: 9pt; line-height: 1.25; }
.waybill h1 { font-size: 14pt; margin: 0 0 1.5mm; font-weight: 700; }
.waybill h2 { font-size: 11pt; margin: 5mm 0 1.5mm; font-weight: 700; break-after: avoid; page-break-after: avoid; }
.meta { display: flex; flex-wrap: wrap; gap: 1mm 8mm; margin-bottom: 3mm; }
.meta b { font-weight: 700; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.2mm solid #000; padding: 1mm 1.5mm; vertical-align: top; text-align: left; overflow-wrap: break-word; }
thead { display: table-header-group; }
thead th { white-space: normal; font-size: 7pt; font-weight: 700; text-transform: uppercase; letter-spacing: 0.02em; background: #f0f0f0; vertical-align: bottom; }
tr { break-inside: avoid; page-break-inside: avoid; }
.num { text-align: right; white-space: nowrap; }
th.c-idx { width: 7mm; } th.c-order { width: 40mm; } th.c-recv { width: 44mm; } th.c-phone { width: 31mm; }
th.c-money { width: 25mm; } th.c-weight { width: 17mm; } th.c-places { width: 12mm; }
td.idx { text-align: right; }
td.order .no { font-weight: 700; font-size: 10pt; }
td.order svg { margin: 0.8mm 0 0.3mm; }
td.order .code { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", Menlo, monospace; font-size: 7.5pt; }
td .sub { font-size: 8pt; color: #222; }
td.phone { white-space: nowrap; }
tr.total td { font-weight: 700; border-top: 0.5mm solid #000; }
.items-list { font-size: 8.5pt; }
.items-list .o { padding: 1mm 0; border-bottom: 0.2mm solid #999; break-inside: avoid; page-break-inside: avoid; }
.items-list .o b { font-weight: 700; }
.signs { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm 14mm; margin-top: 8mm; break-inside: avoid; page-break-inside: avoid; }
.sign .line { display: flex; align-items: flex-end; gap: 2mm; margin-top: 7mm; }
.sign .line span.fill { flex: 1; border-bottom: 0.25mm solid #000; height: 5mm; }
.sign .hint { display: flex; justify-content: space-around; font-size: 6.5pt; color: #333; margin-left: 16mm; }
@media screen {
  html, body { background: #e6e6e6; }
  .waybill { background: #fff; width: ${widthMm}mm; min-height: ${heightMm}mm; margin: 6mm auto; padding: 10mm; box-shadow: 0 0.5mm 3mm rgba(0, 0, 0, 0.25); }
}
`;
}

function uniq(values: Array<string | null | undefined>): string[] {
  return [...new Set(values.map((v) => v?.trim()).filter((v): v is string => Boolean(v)))];
}

/**
 * «Курьерская служба: MeaSoft» — a service whose name already says «Курьерская служба…» is not labelled twice
 * («Курьерская служба: Курьерская служба (MeaSoft)»).
 */
export function serviceLine(services: string[]): string {
  const names = services.map((n) => n.replace(/^Курьерская служба\s*\((.+)\)$/u, '$1'));
  if (names.every((n) => /^курьерская служба/iu.test(n))) return `<b>${names.map(esc).join(', ')}</b>`;
  return `Курьерская служба: <b>${names.map(esc).join(', ')}</b>`;
}

function waybillHtml(orders: PrintOrder[], now: Date): string {
  const services = uniq(orders.map((o) => o.courierService));
  const senders = uniq(orders.map((o) => o.sender.name));
  const codTotal = orders.reduce((s, o) => s + Math.max(0, o.codKopecks), 0);
  const declTotal = orders.reduce((s, o) => s + Math.max(0, o.declaredKopecks), 0);
  const weighed = orders.filter((o) => o.weightGrams !== null && Number.isFinite(o.weightGrams));
  const weightTotal = weighed.reduce((s, o) => s + (o.weightGrams ?? 0), 0);
  const placesTotal = orders.reduce((s, o) => s + Math.max(0, o.places), 0);
  const count = `${orders.length} ${plural(orders.length, ['отправление', 'отправления', 'отправлений'])}`;

  const meta: string[] = [`<span>Дата: <b>${esc(formatToday(now))}</b></span>`];
  if (services.length) meta.push(`<span>${serviceLine(services)}</span>`);
  if (senders.length === 1) {
    const s = orders[0]!.sender;
    meta.push(`<span>Отправитель: <b>${partyLine(s)}</b></span>`);
  } else if (senders.length > 1) {
    meta.push(`<span>Отправители: <b>${senders.map(esc).join(', ')}</b></span>`);
  }
  meta.push(`<span>Всего: <b>${esc(count)}</b>, мест: <b>${esc(placesTotal)}</b></span>`);

  const rows = orders.map((o, i) => {
    const code = barcodeValue(o);
    const bc = tryBarcode(code, 8, 0.25, 36);
    const r = o.receiver;
    const address = [r.town, r.address].map((x) => x?.trim()).filter(Boolean).map(esc).join(', ');
    const delivery = formatDelivery(o.deliveryDate, o.timeFrom, o.timeTo);
    return `<tr data-order="${esc(o.number)}">
  <td class="idx">${i + 1}</td>
  <td class="order"><div class="no">${esc(o.number)}</div>${bc ? bc.svg : noBarcodeHtml(code)}<div class="code">${esc(code)}</div></td>
  <td>${esc(r.name)}${r.person?.trim() ? `<div class="sub">${esc(r.person)}</div>` : ''}</td>
  <td>${address}${delivery ? `<div class="sub">Доставка: ${esc(delivery)}</div>` : ''}</td>
  <td class="phone">${esc(r.phone)}</td>
  <td class="num">${esc(formatCod(o.codKopecks))}</td>
  <td class="num">${o.declaredKopecks > 0 ? esc(formatRoubles(o.declaredKopecks)) : '—'}</td>
  <td class="num">${esc(formatWeight(o.weightGrams))}</td>
  <td class="num">${esc(o.places)}</td>
</tr>`;
  });
  rows.push(`<tr class="total">
  <td colspan="5">Итого: ${esc(count)}</td>
  <td class="num">${esc(formatRoubles(codTotal))}</td>
  <td class="num">${esc(formatRoubles(declTotal))}</td>
  <td class="num">${weighed.length ? esc(formatWeight(weightTotal)) : '—'}</td>
  <td class="num">${esc(placesTotal)}</td>
</tr>`);

  const itemBlocks = orders
    .filter((o) => (o.items?.length ?? 0) > 0 || o.comment?.trim())
    .map((o) => {
      const items = (o.items ?? [])
        .map((it) => `${itemLine(it)} — ${esc(formatRoubles(Math.round(it.priceKopecks * it.quantity)))}`)
        .join('; ');
      const comment = o.comment?.trim() ? `<div class="sub">Комментарий: ${esc(o.comment)}</div>` : '';
      return `<div class="o"><b>${esc(o.number)}</b>: ${items || '—'}${comment}</div>`;
    });

  return `<section class="waybill">
<h1>Накладная на передачу отправлений курьеру</h1>
<div class="meta">${meta.join('')}</div>
<table class="orders">
<thead><tr>
  <th class="num c-idx">№</th><th class="c-order">Заказ / штрихкод</th><th class="c-recv">Получатель</th><th>Адрес</th><th class="c-phone">Телефон</th>
  <th class="num c-money">Наложенный платёж</th><th class="num c-money">Объявленная ценность</th><th class="num c-weight">Вес</th><th class="num c-places">Мест</th>
</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${itemBlocks.length ? `<h2>Состав отправлений</h2>\n<div class="items-list">${itemBlocks.join('\n')}</div>` : ''}
<div class="signs">
  <div class="sign"><div class="line"><b>Сдал</b><span class="fill"></span>/<span class="fill"></span>/</div><div class="hint"><span>подпись</span><span>расшифровка</span></div></div>
  <div class="sign"><div class="line"><b>Принял</b><span class="fill"></span>/<span class="fill"></span>/</div><div class="hint"><span>подпись курьера</span><span>расшифровка</span></div></div>
  <div class="sign"><div class="line"><b>Дата</b><span class="fill"></span></div></div>
  <div class="sign"><div class="line"><b>Мест принято</b><span class="fill"></span></div></div>
</div>
</section>`;
}
