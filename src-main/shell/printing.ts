import { BrowserWindow, type PrintToPDFOptions, type WebContents, type WebContentsPrintOptions } from 'electron';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { printFormInfo } from '../engine/printforms/types.js';
import type { PrintFormId, PrintPage } from '../engine/printforms/types.js';
import type { DesktopPrinter } from '../../src-shared/desktop.js';

/**
 * Printing the courier forms from the desktop app: silently to the printer the merchant chose for the form, or
 * to PDF. The page size is always explicit — a label printer otherwise gets the driver's default (often A4) and
 * shrinks the label. Documents render in a hidden, sandboxed window with scripts off and no network.
 */

export interface PrinterProfile {
  /** The OS name of the printer; null prints to the system's default printer. */
  printer: string | null;
  form: PrintFormId;
}

const MICRONS_PER_MM = 1000;
const MM_PER_INCH = 25.4;

/** Electron's paper: portrait dimensions plus an orientation flag (the A4 waybill is landscape). */
export function paperOf(page: PrintPage): { widthMm: number; heightMm: number; landscape: boolean } {
  const landscape = page.widthMm > page.heightMm;
  return landscape
    ? { widthMm: page.heightMm, heightMm: page.widthMm, landscape }
    : { widthMm: page.widthMm, heightMm: page.heightMm, landscape };
}

export function printOptions(profile: PrinterProfile): WebContentsPrintOptions {
  const paper = paperOf(printFormInfo(profile.form).page);
  return {
    silent: true,
    ...(profile.printer ? { deviceName: profile.printer } : {}),
    printBackground: true,
    color: false,
    copies: 1,
    landscape: paper.landscape,
    margins: { marginType: 'none' },
    pageSize: { width: Math.round(paper.widthMm * MICRONS_PER_MM), height: Math.round(paper.heightMm * MICRONS_PER_MM) },
  };
}

/** printToPDF takes inches; the page is given as the form lays it out, so no orientation flag is needed. */
export function pdfOptions(page: PrintPage): PrintToPDFOptions {
  return {
    pageSize: { width: page.widthMm / MM_PER_INCH, height: page.heightMm / MM_PER_INCH },
    printBackground: true,
    preferCSSPageSize: true,
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
  };
}

const PRINT_PARTITION = 'prilavok-print';
let networkBlocked = false;

/** Loads the HTML from a temporary file (no size limit, unlike a data: URL) into a hidden window. */
export async function withHiddenDocument<T>(html: string, work: (contents: WebContents) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'prilavok-print-'));
  const file = path.join(dir, 'document.html');
  await fs.writeFile(file, html, 'utf8');
  const win = new BrowserWindow({
    show: false,
    width: 800,
    height: 1100,
    webPreferences: {
      sandbox: true,
      nodeIntegration: false,
      contextIsolation: true,
      javascript: false,
      webviewTag: false,
      partition: PRINT_PARTITION,
    },
  });
  try {
    if (!networkBlocked) {
      // Print forms are self-contained: only the document itself and inline data may load.
      win.webContents.session.webRequest.onBeforeRequest((details, callback) => {
        callback({ cancel: !/^(file|data|blob):/i.test(details.url) });
      });
      networkBlocked = true;
    }
    await win.loadFile(file);
    return await work(win.webContents);
  } finally {
    if (!win.isDestroyed()) win.destroy();
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export function printHtml(html: string, options: WebContentsPrintOptions): Promise<void> {
  return withHiddenDocument(
    html,
    (contents) =>
      new Promise<void>((resolve, reject) => {
        contents.print(options, (success, failureReason) => {
          if (success) resolve();
          else
            reject(
              new Error(
                failureReason === 'cancelled'
                  ? 'Печать отменена.'
                  : `${options.deviceName ? `Принтер «${options.deviceName}»` : 'Принтер по умолчанию'} не напечатал документ: ${failureReason || 'неизвестная ошибка'}. Проверьте, что он включён и выбран в настройках печати.`,
              ),
            );
        });
      }),
  );
}

export function pdfFromHtml(html: string, page: PrintPage): Promise<Buffer> {
  return withHiddenDocument(html, (contents) => contents.printToPDF(pdfOptions(page)));
}

/** Installed printers, for the choice of a printer per form. */
export async function listPrinters(contents: WebContents): Promise<DesktopPrinter[]> {
  return toDesktopPrinters(await contents.getPrintersAsync());
}

/**
 * Electron's printer list as the window shows it. Newer Electron no longer says which printer is the system
 * default; where the OS still tells (the legacy `isDefault`, CUPS' `printer-is-default` option) it is kept.
 * Nameless entries are dropped, duplicates kept once.
 */
export function toDesktopPrinters(printers: ReadonlyArray<{ name: string; displayName?: string; options?: unknown; isDefault?: unknown }>): DesktopPrinter[] {
  const seen = new Set<string>();
  const out: DesktopPrinter[] = [];
  for (const p of printers) {
    if (typeof p.name !== 'string' || !p.name.trim() || seen.has(p.name)) continue;
    seen.add(p.name);
    const options = (p.options ?? {}) as Record<string, unknown>;
    const isDefault = p.isDefault === true || options['printer-is-default'] === 'true' || options['is-default'] === 'true';
    out.push({ name: p.name, displayName: (typeof p.displayName === 'string' && p.displayName.trim()) || p.name, isDefault });
  }
  return out;
}
