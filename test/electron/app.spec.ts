import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The desktop app end to end with a real Electron binary (ELECTRON_BIN). Runs through
 * playwright.electron.config.ts only; `npm test` never includes it.
 */
const bin = process.env.ELECTRON_BIN;
if (!bin) throw new Error('Set ELECTRON_BIN to an Electron executable to run the desktop suite (npm run test:electron).');

type Item = { kind: string; label?: string; submenu?: Item[] };
type ShellHooks = { trayMenu(): Item[]; pdfBase64(html: string): Promise<string> };

let app: ElectronApplication;
let userData: string;

test.beforeAll(async () => {
  userData = fs.mkdtempSync(path.join(os.tmpdir(), 'prilavok-electron-'));
  app = await electron.launch({
    executablePath: bin,
    args: ['out/shell/main.js', `--user-data-dir=${userData}`, '--password-store=basic'],
    env: { ...process.env, PRILAVOK_E2E: '1', PRILAVOK_UPDATE_URL: '' },
  });
});

test.afterAll(async () => {
  await app?.close();
  fs.rmSync(userData, { recursive: true, force: true });
});

test('the window opens on «Обзор»', async () => {
  const page = await app.firstWindow();
  await expect(page.getByText('Обзор').first()).toBeVisible({ timeout: 30_000 });
});

test('the tray menu has its items', async () => {
  await expect
    .poll(async () => app.evaluate(() => (globalThis as unknown as { prilavokShell?: unknown }).prilavokShell !== undefined), { timeout: 30_000 })
    .toBe(true);
  const labels = await app.evaluate(() =>
    (globalThis as unknown as { prilavokShell: ShellHooks }).prilavokShell.trayMenu().map((i) => i.label ?? '—'),
  );
  for (const label of ['Открыть Прилавок', 'Синхронизировать сейчас', 'Последние ошибки', 'Скопировать адрес для вебхуков', 'Запускать вместе с компьютером', 'Выход']) {
    expect(labels).toContain(label);
  }
  expect(labels.includes('Пауза') || labels.includes('Продолжить')).toBe(true);
});

test('printing to PDF produces a PDF', async () => {
  const b64 = await app.evaluate(
    (_electron, html) => (globalThis as unknown as { prilavokShell: ShellHooks }).prilavokShell.pdfBase64(html),
    '<html><body><h1>Этикетка 100×150</h1></body></html>',
  );
  const pdf = Buffer.from(b64, 'base64');
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  expect(pdf.length).toBeGreaterThan(500);
});

test('the window sees the installed printers through the desktop door, and a bad request is refused', async () => {
  const page = await app.firstWindow();
  type Desktop = { call(method: string, input: unknown): Promise<{ ok: boolean; result?: unknown; error?: { message: string } }> };
  const hasDesktop = await page.evaluate(() => typeof (window as unknown as { prilavokDesktop?: Desktop }).prilavokDesktop?.call === 'function');
  expect(hasDesktop).toBe(true);
  const res = await page.evaluate(() => (window as unknown as { prilavokDesktop: Desktop }).prilavokDesktop.call('desktop.printers', {}));
  expect(res.ok).toBe(true);
  const result = res.result as { printers: Array<{ name: string; displayName: string; isDefault: boolean }>; remembered: Record<string, string> };
  expect(Array.isArray(result.printers)).toBe(true);
  for (const p of result.printers) {
    expect(typeof p.name).toBe('string');
    expect(typeof p.displayName).toBe('string');
    expect(typeof p.isDefault).toBe('boolean');
  }
  expect(result.remembered).toEqual({});
  const bad = await page.evaluate(() =>
    (window as unknown as { prilavokDesktop: Desktop }).prilavokDesktop.call('desktop.print', { orderIds: [], form: 'label-100x150', printer: null }),
  );
  expect(bad).toMatchObject({ ok: false, error: { message: 'Неверный запрос' } });
});
