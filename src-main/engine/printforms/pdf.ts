/**
 * HTML → PDF through a headless Chromium (headless mode has no Electron `printToPDF`). playwright-core is
 * imported dynamically so the Electron build never loads it. One browser is launched on first use and reused;
 * each document gets its own context with scripts disabled and no network.
 */
import type { Browser } from 'playwright-core';
import { SyncError } from '../errors.js';
import type { PrintPage } from './types.js';

export interface PdfRenderer {
  pdf(html: string, page: { widthMm: number; heightMm: number }): Promise<Buffer>;
  close(): Promise<void>;
}

export interface ChromiumPdfOptions {
  /** Default: env PRILAVOK_CHROMIUM, else /usr/bin/chromium. */
  executablePath?: string;
  /** Browser launch limit. Default 30 s. */
  launchTimeoutMs?: number;
  /** Per-document limit (load + print). Default 30 s. */
  renderTimeoutMs?: number;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function defaultChromiumPath(): string {
  return process.env.PRILAVOK_CHROMIUM || '/usr/bin/chromium';
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function detailOf(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

export function createChromiumPdfRenderer(o: ChromiumPdfOptions = {}): PdfRenderer {
  const executablePath = o.executablePath ?? defaultChromiumPath();
  const launchTimeoutMs = o.launchTimeoutMs ?? 30_000;
  const renderTimeoutMs = o.renderTimeoutMs ?? 30_000;
  let launching: Promise<Browser> | null = null;
  let closed = false;

  async function launch(): Promise<Browser> {
    try {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: launchTimeoutMs });
      if (closed) {
        await browser.close().catch(() => undefined);
        throw new Error('renderer closed while the browser was starting');
      }
      return browser;
    } catch (e) {
      throw new SyncError({
        kind: 'needsAttention',
        message: 'Не удалось запустить Chromium для печати в PDF. Проверьте, что браузер установлен, или укажите путь к нему.',
        detail: `executablePath=${executablePath}: ${detailOf(e)}`,
        cause: e,
      });
    }
  }

  async function browser(): Promise<Browser> {
    if (closed) throw new SyncError({ kind: 'fatal', message: 'Печать в PDF уже остановлена.', detail: 'PdfRenderer.close() was called' });
    if (launching) {
      const current = launching;
      const b = await current.catch(() => null);
      if (b?.isConnected()) return b;
      // A failed launch or a crashed browser: start a fresh one (only once, whoever gets here first).
      if (launching === current) launching = null;
    }
    launching ??= launch();
    return launching;
  }

  return {
    async pdf(html: string, page: PrintPage): Promise<Buffer> {
      if (!(page.widthMm > 0 && page.heightMm > 0)) throw new RangeError(`bad page size ${page.widthMm}×${page.heightMm} mm`);
      const b = await browser();
      const ctx = await b.newContext({ javaScriptEnabled: false, offline: true });
      try {
        const work = (async () => {
          // Print forms are self-contained; nothing may be fetched.
          await ctx.route('**/*', (route) => route.abort());
          const p = await ctx.newPage();
          await p.setContent(html, { waitUntil: 'load', timeout: renderTimeoutMs });
          return p.pdf({
            width: `${page.widthMm}mm`,
            height: `${page.heightMm}mm`,
            printBackground: true,
            preferCSSPageSize: true,
          });
        })();
        return await withTimeout(
          work,
          renderTimeoutMs,
          () =>
            new SyncError({
              kind: 'retryable',
              message: 'PDF не сформировался вовремя. Попробуйте ещё раз.',
              detail: `pdf rendering exceeded ${renderTimeoutMs} ms`,
            }),
        );
      } finally {
        await ctx.close().catch(() => undefined);
      }
    },

    async close(): Promise<void> {
      closed = true;
      const current = launching;
      launching = null;
      if (!current) return;
      const b = await current.catch(() => null);
      await b?.close().catch(() => undefined);
    },
  };
}
