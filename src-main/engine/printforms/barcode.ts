/** Code128 barcodes as inline SVG, sized in millimetres so a thermal printer reproduces every module. */
import type * as BwipModule from 'bwip-js/node';

type Bwip = typeof BwipModule;

let bwip: Bwip | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads the barcode library. It is 2 MB of code that only printing needs, so it is not part of a running engine
 * until the first print: the print API awaits this before rendering (rendering itself stays synchronous).
 */
export function loadBarcodes(): Promise<void> {
  return (loading ??= import('bwip-js/node').then((m) => {
    bwip = m;
  }));
}

function toSVG(opts: Parameters<Bwip['toSVG']>[0]): string {
  if (!bwip) throw new Error('the barcode library is not loaded yet: await loadBarcodes() before rendering');
  return bwip.toSVG(opts);
}

/** Code128 requires a quiet zone of at least ten modules on each side. */
export const QUIET_ZONE_MODULES = 10;

const PT_PER_MM = 72 / 25.4;

export interface BarcodeOptions {
  /** Height of the bars in millimetres (the human-readable line, if any, is added below). Default 15. */
  heightMm?: number;
  /** Print the encoded text under the bars (bwip-js's own OCR-B glyphs). Default false. */
  includeText?: boolean;
  /** Preferred width of one narrow bar in millimetres. Default 0.4. */
  moduleMm?: number;
  /** The barcode, quiet zones included, never gets wider than this; modules shrink to fit. */
  maxWidthMm?: number;
}

export class BarcodeTextError extends Error {
  constructor(text: string) {
    super(`Code128 cannot encode ${JSON.stringify(text)}: only printable Latin characters, digits and punctuation`);
    this.name = 'BarcodeTextError';
  }
}

/** Code128 (sets A/B/C) encodes ASCII; order numbers with Cyrillic or control characters cannot be barcoded. */
export function isCode128Text(text: string): boolean {
  return text.length > 0 && text.length <= 80 && /^[\x20-\x7e]+$/.test(text);
}

export interface BarcodeSvg {
  svg: string;
  widthMm: number;
  heightMm: number;
  moduleMm: number;
  /** Modules across, quiet zones included. */
  modules: number;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The barcode with its measured geometry. Throws BarcodeTextError for text Code128 cannot carry. */
export function code128Svg(text: string, opts: BarcodeOptions = {}): BarcodeSvg {
  if (!isCode128Text(text)) throw new BarcodeTextError(text);
  const heightMm = opts.heightMm ?? 15;
  const preferred = opts.moduleMm ?? 0.4;
  // First pass at one unit per module tells how many modules wide the symbol is.
  const probe = toSVG({ bcid: 'code128', text, scale: 1, height: 5, paddingwidth: QUIET_ZONE_MODULES });
  const modules = viewBox(probe).width;
  let moduleMm = preferred;
  if (opts.maxWidthMm !== undefined && modules * moduleMm > opts.maxWidthMm) {
    moduleMm = Math.floor((opts.maxWidthMm / modules) * 1000) / 1000;
  }
  // One SVG unit = one module, so bars of heightMm are heightMm / moduleMm units tall; bwip-js takes height in
  // points-as-millimetres (72 dpi), hence the conversion. Text glyphs then keep their proportions.
  const barUnits = heightMm / moduleMm;
  const raw = toSVG({
    bcid: 'code128',
    text,
    scale: 1,
    height: barUnits / PT_PER_MM,
    paddingwidth: QUIET_ZONE_MODULES,
    includetext: opts.includeText ?? false,
    textxalign: 'center',
    textsize: Math.max(6, 2.6 / moduleMm),
    textyoffset: 1,
  });
  const vb = viewBox(raw);
  const widthMm = round3(vb.width * moduleMm);
  // Bars only: stretch the (integer-rounded) bar height to exactly heightMm; with text keep proportions.
  const totalHeightMm = opts.includeText ? round3(vb.height * moduleMm) : round3(heightMm);
  const svg = raw.replace(
    /^<svg /,
    `<svg width="${widthMm}mm" height="${totalHeightMm}mm" preserveAspectRatio="none" shape-rendering="crispEdges" ` +
      `role="img" aria-label="${escAttr(text)}" data-code="${escAttr(text)}" `,
  );
  return { svg, widthMm, heightMm: totalHeightMm, moduleMm, modules: vb.width };
}

/** Code128 of `text` as an inline SVG element (via bwip-js `toSVG`), width and height in millimetres. */
export function barcodeSvg(text: string, opts: BarcodeOptions = {}): string {
  return code128Svg(text, opts).svg;
}

function viewBox(svg: string): { width: number; height: number } {
  const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  if (!m) throw new Error('bwip-js returned an SVG without a viewBox');
  return { width: Number(m[1]), height: Number(m[2]) };
}

function escAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
