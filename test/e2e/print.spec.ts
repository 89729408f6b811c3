import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { decodeCode128Png } from '../helpers/decode-barcode.js';
import { shots, startWorld, type World } from './world.js';
import { apiCaller } from '../helpers/api.js';

/**
 * «Печатные формы» against the real engine: orders go RetailCRM → MeaSoft through the emulators, then the
 * merchant picks them, sees the exact label (its barcode scans), saves a PDF, prints, and previews a waybill.
 */

test.describe.configure({ mode: 'serial' });
test.use({ deviceScaleFactor: 2 });

const TOKEN = 'e2e-world-token';
let world: World;
let sent: Array<{ id: number; number: string }> = [];
let refused: { id: number; number: string };

const call = apiCaller(() => world.h.uiPort, TOKEN);

function newOrder(phone: string) {
  const [seed] = makeOrders(1, { seed: Math.floor(Math.random() * 1e9), statuses: ['new'] });
  return world.emu.crm.createOrder(
    {
      ...seed!,
      externalId: undefined,
      status: 'new',
      phone,
      delivery: {
        ...seed!.delivery,
        code: 'measoft-city',
        address: { index: '115054', region: 'Москва', city: 'Москва', street: 'ул. Дубининская', building: '57', flat: '14', text: 'ул. Дубининская, д. 57, кв. 14' },
      },
      payments: [{ type: 'cod', amount: 0, status: 'not-paid' }],
    },
    { source: 'user' },
  );
}

test.beforeAll(async () => {
  test.setTimeout(90_000);
  world = await startWorld({ configured: true });
  // The first history read puts RetailCRM's cursor at «now»: the orders are changed after it.
  await expect
    .poll(async () => (await call<{ pollers: Array<{ id: string; lastOkAt: number | null }> }>('engine.status')).pollers.find((p) => p.id === 'retailcrm.history')?.lastOkAt ?? null, { timeout: 20_000 })
    .not.toBeNull();
  const good = [newOrder('+7 916 555-12-34'), newOrder('+7 903 222-33-44')];
  const bad = newOrder('916-12-34');
  for (const o of [...good, bad]) world.emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
  await call('engine.syncNow', { pollerId: 'retailcrm.history' });
  await expect.poll(() => world.emu.ms.orders().length, { timeout: 30_000 }).toBe(2);
  // The engine knows all three as courier orders (the refused one with a warning chip).
  await expect
    .poll(async () => (await call<{ total: number }>('orders.list', { system: 'measoft' })).total, { timeout: 20_000 })
    .toBe(3);
  const list = await call<{ items: Array<{ id: number; number: string }> }>('orders.list', { system: 'measoft' });
  const byNumber = new Map(list.items.map((o) => [o.number, o.id]));
  sent = good.map((o) => ({ id: byNumber.get(o.number)!, number: o.number }));
  refused = { id: byNumber.get(bad.number)!, number: bad.number };
});

test.afterAll(async () => {
  await world?.close();
});

async function openPrint(page: Page) {
  await page.goto(world.h.ui);
  await page.getByTestId('nav-print').click();
  await expect(page.getByTestId('print-screen')).toBeVisible();
}

test('этикетка: точный предпросмотр, штрихкод читается, PDF скачивается, печать идёт из формы', async ({ page }) => {
  await openPrint(page);
  const [a] = sent;
  // Nothing chosen yet: the preview says what to do.
  await expect(page.getByText('Выберите заказы слева')).toBeVisible();
  await expect(page.getByTestId(`print-order-${a!.number}`)).toBeVisible();
  await expect(page.getByTestId(`print-order-${refused.number}`)).toBeVisible();
  await expect(page.getByTestId('print-pdf')).toBeDisabled();
  await page.screenshot({ path: `${shots}/print-choose.png` });

  // Search narrows the list to the order.
  await page.getByTestId('print-search').fill(a!.number);
  await expect(page.getByTestId(`print-order-${refused.number}`)).toHaveCount(0);
  await page.getByRole('checkbox', { name: `Выбрать заказ ${a!.number}` }).check();
  await expect(page.getByTestId('print-selected-count')).toHaveText('Выбрано: 1');

  const frame = page.frameLocator('[data-testid="print-frame"]');
  await expect(frame.locator('.label')).toHaveCount(1, { timeout: 10_000 });
  await expect(frame.locator('body')).toContainText(a!.number);
  // The preview keeps the paper's proportions (100×150 mm plus the on-screen margins).
  const box = (await page.getByTestId('print-frame').boundingBox())!;
  const paper = (await page.locator('.print-stage__paper').boundingBox())!;
  expect(paper.height / paper.width).toBeGreaterThan(1.3);
  expect(box.width).toBeGreaterThan(200);

  // The barcode, as the merchant sees it, decodes to the order number.
  // Playwright's element screenshot ignores the frame's scale, so the clip is computed from the frame's own box.
  const r = await frame.locator('.bc svg').evaluate((el) => {
    const b = el.getBoundingClientRect();
    return { x: b.x, y: b.y, width: b.width, height: b.height };
  });
  const natural = await page.getByTestId('print-frame').evaluate((el) => (el as HTMLElement).offsetWidth);
  const k = box.width / natural;
  const pad = 6;
  const png = await page.screenshot({
    clip: { x: box.x + r.x * k - pad, y: box.y + r.y * k - pad, width: r.width * k + 2 * pad, height: r.height * k + 2 * pad },
  });
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(`${shots}/print-label-barcode.png`, png);
  expect(decodeCode128Png(png)).toBe(a!.number);
  await page.screenshot({ path: `${shots}/print-label.png` });

  // «Скачать PDF» → a real PDF file named after the order.
  const download = page.waitForEvent('download');
  await page.getByTestId('print-pdf').click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/\.pdf$/);
  expect(d.suggestedFilename()).toContain(a!.number);
  const bytes = fs.readFileSync((await d.path())!);
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

  // «Печать» prints the form itself (not the window): the print frame holds the label and its print() is called.
  await page.evaluate(() => {
    const desc = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'contentWindow')!;
    Object.defineProperty(HTMLIFrameElement.prototype, 'contentWindow', {
      configurable: true,
      get(this: HTMLIFrameElement) {
        const w = desc.get!.call(this) as Window | null;
        if (w && this.dataset.testid === 'print-frame-hidden') {
          w.print = () => {
            (window as unknown as { printed: string }).printed = w.document.body.innerText;
          };
        }
        return w;
      },
    });
  });
  await page.getByTestId('print-print').click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { printed?: string }).printed ?? '')).toContain(a!.number);
  await expect(page.getByTestId('print-frame-hidden')).toHaveAttribute('sandbox', 'allow-same-origin allow-modals');
  await expect(page.getByTestId('print-frame')).toHaveAttribute('sandbox', '');
});

test('накладная на два заказа; непереданный заказ назван с причиной', async ({ page }) => {
  await openPrint(page);
  for (const o of sent) await page.getByRole('checkbox', { name: `Выбрать заказ ${o.number}` }).check();
  await page.getByText('Накладная A4').click();
  const frame = page.frameLocator('[data-testid="print-frame"]');
  await expect(page.getByTestId('print-frame')).toHaveAttribute('data-form', 'waybill-a4');
  await expect(frame.locator('.waybill')).toHaveCount(1, { timeout: 10_000 });
  for (const o of sent) await expect(frame.locator('body')).toContainText(o.number);
  const paper = (await page.locator('.print-stage__paper').boundingBox())!;
  expect(paper.width / paper.height).toBeGreaterThan(1.3);
  await page.screenshot({ path: `${shots}/print-waybill.png` });

  // The refused order is in the list with its warning, and a preview with it names it as skipped.
  await page.getByRole('checkbox', { name: `Выбрать заказ ${refused.number}` }).check();
  await expect(page.getByTestId('print-skipped')).toContainText(refused.number);
  await expect(page.getByTestId('print-skipped')).toContainText('ещё не передан в курьерскую службу');
  await page.screenshot({ path: `${shots}/print-skipped.png` });

  // Only the refused one: nothing to print, said plainly.
  await page.getByTestId('print-select-all').click();
  await expect(page.getByTestId('print-selected-count')).toHaveText('Выбрано: 0');
  await page.getByRole('checkbox', { name: `Выбрать заказ ${refused.number}` }).check();
  await expect(page.getByTestId('print-failure')).toContainText('Печать невозможна');
  await expect(page.getByTestId('print-pdf')).toBeDisabled();
});

test('«Печать» в карточке заказа из очереди открывает печатные формы с этим заказом', async ({ page }) => {
  const [, b] = sent;
  await page.goto(world.h.ui);
  await page.getByTestId('nav-queue').click();
  await page.getByTestId('orders-search').fill(b!.number);
  await page.getByTestId(`order-${b!.id}`).click();
  const card = page.getByTestId('order-card');
  await expect(card.getByRole('heading', { name: `Заказ ${b!.number}` })).toBeVisible();
  await card.getByTestId('order-print').click();

  // On «Печатные формы», with exactly this order chosen and its label already in the preview.
  await expect(card).toBeHidden();
  await expect(page.getByTestId('print-screen')).toBeVisible();
  await expect(page.getByTestId('nav-print')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('print-selected-count')).toHaveText('Выбрано: 1');
  await expect(page.getByRole('checkbox', { name: `Выбрать заказ ${b!.number}` })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: `Выбрать заказ ${sent[0]!.number}` })).not.toBeChecked();
  await expect(page.getByRole('checkbox', { name: `Выбрать заказ ${refused.number}` })).not.toBeChecked();
  const frame = page.frameLocator('[data-testid="print-frame"]');
  await expect(frame.locator('.label')).toHaveCount(1, { timeout: 10_000 });
  await expect(frame.locator('body')).toContainText(b!.number);
  await page.screenshot({ path: `${shots}/print-from-queue.png` });

  // The selection lives in the shared store: it survives leaving the screen and coming back.
  await page.getByTestId('nav-overview').click();
  await page.getByTestId('nav-print').click();
  await expect(page.getByTestId('print-selected-count')).toHaveText('Выбрано: 1');
  await expect(page.getByRole('checkbox', { name: `Выбрать заказ ${b!.number}` })).toBeChecked();
});
