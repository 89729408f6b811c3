import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { buildSnippet } from '../../src-shared/forms.js';
import { Engine } from '../../src-main/engine/engine.js';
import { connectEngine, startEmulators, type Emulators } from '../emulators/courier-world.js';
import { startLocalTunnelServer, type LocalTunnelServer } from '../fixtures/localtunnel-server.js';
import { tempDir, waitFor } from '../helpers/temp.js';
import { shots } from './world.js';

/**
 * The form the merchant pastes into the site, on a page of another origin, posting to Prilavok through a tunnel:
 * empty required fields are marked, a required file is asked for, the button shows the sending, the visitor reads
 * the request number, and «Хорошо» reloads the page for the next request. When Prilavok cannot be reached the
 * merchant's fallback text is shown and nothing typed is lost.
 */

let lt: LocalTunnelServer;
let emu: Emulators;
let engine: Engine;
let site: http.Server;
let siteUrl = '';
let postUrl = '';
let cleanup: () => void;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  lt = await startLocalTunnelServer();
  emu = await startEmulators({ crm: { rateLimit: 0 } });
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Магазин</title></head><body style="margin:32px"><h1>Обратная связь</h1>${snippet}</body></html>`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  engine = await Engine.open({ dataDir: t.dir, webhookPort: 0, runner: { idleMs: 50 }, tunnelBackoff: { baseMs: 100, maxMs: 500 } });
  await connectEngine(engine, emu, { historyIntervalSec: 3600, pollIntervalSec: 3600 });
  engine.settings.update('tunnel', { provider: 'localtunnel', localtunnelHost: lt.url });
  engine.settings.update('forms', { enabled: true, fileRequired: true, allowedOrigins: [siteUrl], fallbackText: 'Не получилось отправить. Позвоните нам: +7 495 000-00-00' });
  await engine.start();
  await waitFor(() => engine.publicUrl() !== null, 'the tunnel to come up', 20_000);
  postUrl = engine.webhookUrl('form')!;
  expect(postUrl.startsWith(lt.url)).toBe(true);
  snippet = buildSnippet(engine.settings.get('forms'), postUrl);
});

let snippet = '';

test.afterAll(async () => {
  await engine?.stop(0);
  await new Promise<void>((r) => site?.close(() => r()));
  await emu?.close();
  await lt?.close();
  cleanup?.();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true, animations: 'disabled' });
}

test('форма на сайте: пустые поля, «Прикрепите файл», отправка, номер заявки, «Хорошо» обновляет страницу', async ({ page }) => {
  await page.goto(siteUrl);
  const form = page.locator('form.prilavok-form');
  await form.getByRole('button', { name: 'Отправить' }).click();
  // Every required field is marked and says what is wrong; nothing was sent.
  await expect(form.locator('.pf-invalid')).toHaveCount(5);
  await expect(form.getByText('Заполните поле')).toHaveCount(4);
  await expect(form.getByText('Прикрепите файл')).toBeVisible();
  await shot(page, 'forms-empty');
  expect(lt.forwarded()).toBe(0);

  await form.getByLabel('Имя').fill('Анна Иванова');
  await form.getByLabel('E-mail').fill('anna@romashka.ru');
  await form.getByLabel('Компания').fill('ООО «Ромашка»');
  await form.getByLabel('ИНН').fill('7701234567');
  await form.getByLabel('Тема обращения').fill('Подключение кассы');
  await form.getByLabel('Сообщение').fill('Нужна касса для интернет-магазина');
  await expect(form.getByText('Заполните поле')).toHaveCount(0);
  await form.getByRole('button', { name: 'Отправить' }).click();
  await expect(form.getByText('Прикрепите файл')).toBeVisible();
  await shot(page, 'forms-attach-file');

  await form.locator('input[type=file]').setInputFiles({ name: 'Реквизиты.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 реквизиты') });
  await expect(form.getByText('Прикрепите файл')).toHaveCount(0);
  // Hold the answer a moment to see the sending state.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(`${lt.url}/**`, async (route) => {
    await held;
    await route.continue();
  });
  await form.getByRole('button', { name: 'Отправить' }).click();
  const sending = form.getByRole('button', { name: 'Отправка…' });
  await expect(sending).toBeDisabled();
  await shot(page, 'forms-sending');
  release();
  await expect(form.getByText('Ваша заявка №С-000001 отправлена. Мы свяжемся с вами в рабочее время по мск с 9:00 до 18:00')).toBeVisible();
  await expect(form.getByLabel('Имя')).toBeHidden();
  await shot(page, 'forms-done');
  await page.unroute(`${lt.url}/**`);

  // The request reached RetailCRM with its number and its file.
  await waitFor(() => emu.crm.forms.files()[0]?.attachment.length === 1, 'the order and its file in RetailCRM', 20_000);
  const order = emu.crm.orders().find((o) => o.number === 'С-000001')!;
  expect(emu.crm.forms.files().map((f) => [f.filename, f.attachment[0]?.order?.id])).toEqual([['Реквизиты.pdf', order.id]]);

  // «Хорошо» reloads the page: an empty form again, ready for the next request.
  const reloaded = page.waitForEvent('load');
  await form.getByRole('button', { name: 'Хорошо' }).click();
  await reloaded;
  await expect(page.locator('form.prilavok-form').getByLabel('Имя')).toBeVisible();
  await expect(page.locator('form.prilavok-form').getByLabel('Имя')).toHaveValue('');
});

test('Прилавок недоступен: текст магазина для связи, введённое не пропало', async ({ page }) => {
  await page.goto(siteUrl);
  const form = page.locator('form.prilavok-form');
  await form.getByLabel('Имя').fill('Борис');
  await form.getByLabel('E-mail').fill('boris@mail.ru');
  await form.getByLabel('Тема обращения').fill('Вопрос');
  await form.getByLabel('Сообщение').fill('Текст, который жалко потерять');
  await form.locator('input[type=file]').setInputFiles({ name: 'фото.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
  await page.route(`${lt.url}/**`, (route) => route.abort('connectionrefused'));
  await form.getByRole('button', { name: 'Отправить' }).click();
  await expect(form.getByRole('alert')).toHaveText('Не получилось отправить. Позвоните нам: +7 495 000-00-00');
  await expect(form.getByLabel('Сообщение')).toHaveValue('Текст, который жалко потерять');
  await expect(form.getByRole('button', { name: 'Отправить' })).toBeEnabled();
  await shot(page, 'forms-unreachable');
});

test('файл не того типа: посетитель видит причину отказа, введённое на месте', async ({ page }) => {
  await page.goto(siteUrl);
  const form = page.locator('form.prilavok-form');
  await form.getByLabel('Имя').fill('Вера');
  await form.getByLabel('E-mail').fill('vera@mail.ru');
  await form.getByLabel('Тема обращения').fill('Вопрос');
  await form.getByLabel('Сообщение').fill('Прикладываю программу');
  await form.locator('input[type=file]').setInputFiles({ name: 'setup.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
  await form.getByRole('button', { name: 'Отправить' }).click();
  await expect(form.getByRole('alert')).toContainText('Файлы такого типа не принимаются: «setup.exe»');
  await expect(form.getByLabel('Сообщение')).toHaveValue('Прикладываю программу');
  await shot(page, 'forms-wrong-type');
});
