import { expect, test, type Page } from '@playwright/test';
import { makeOrders } from '../emulators/retailcrm/seed.js';
import { shots, startWorld, type World } from './world.js';
import { apiCaller } from '../helpers/api.js';

/**
 * «Печатные формы» as the desktop app shows it: the real window against the real engine (headless mode and
 * the emulators), with the desktop app's printing (`window.prilavokDesktop`) played by a recording stand-in.
 * The stand-in keeps the remembered printers for the tab and renders what it «prints» through the engine, so
 * the counts the window shows are the engine's.
 */

test.describe.configure({ mode: 'serial' });

const TOKEN = 'e2e-world-token';
let world: World;
let sent: Array<{ id: number; number: string }> = [];

type Call = { method: string; input: { orderIds?: number[]; form?: string; printer?: string | null } };

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
  await expect
    .poll(async () => (await call<{ pollers: Array<{ id: string; lastOkAt: number | null }> }>('engine.status')).pollers.find((p) => p.id === 'retailcrm.history')?.lastOkAt ?? null, { timeout: 20_000 })
    .not.toBeNull();
  const orders = [newOrder('+7 916 555-12-34'), newOrder('+7 903 222-33-44')];
  for (const o of orders) world.emu.crm.editOrder(o.id, { status: 'send-to-delivery' }, { source: 'user' });
  await call('engine.syncNow', { pollerId: 'retailcrm.history' });
  await expect.poll(() => world.emu.ms.orders().length, { timeout: 30_000 }).toBe(2);
  await expect.poll(async () => (await call<{ total: number }>('orders.list', { system: 'measoft' })).total, { timeout: 20_000 }).toBe(2);
  const list = await call<{ items: Array<{ id: number; number: string }> }>('orders.list', { system: 'measoft' });
  const byNumber = new Map(list.items.map((o) => [o.number, o.id]));
  sent = orders.map((o) => ({ id: byNumber.get(o.number)!, number: o.number }));
});

test.afterAll(async () => {
  await world?.close();
});

/** The desktop app's printing, recorded. `gone` printers are refused the way the shell refuses them. */
async function fakeDesktop(page: Page, o: { remembered?: Record<string, string>; failList?: boolean } = {}) {
  await page.addInitScript(
    ({ remembered, failList }) => {
      const KEY = 'fake-desktop';
      const state = (JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as { remembered: Record<string, string>; calls: unknown[] } | null) ?? {
        remembered,
        calls: [],
      };
      const save = () => sessionStorage.setItem(KEY, JSON.stringify(state));
      save();
      const printers = [
        { name: 'Zebra_ZD410', displayName: 'Zebra ZD410', isDefault: false },
        { name: 'HP_LaserJet', displayName: 'HP LaserJet Pro', isDefault: true },
        { name: 'Xprinter_XP420B', displayName: 'Xprinter XP-420B', isDefault: false },
      ];
      const missing = (p: string) => ({
        ok: false,
        error: { kind: 'needsAttention', message: `Принтер «${p}» не найден: он выключен, отключён или удалён. Выберите другой принтер.`, detail: null },
      });
      (window as unknown as { prilavokDesktop: unknown }).prilavokDesktop = {
        async call(method: string, input: { orderIds: number[]; form: string; printer: string | null }) {
          state.calls.push({ method, input });
          save();
          if (method === 'desktop.printers') {
            if (failList) return { ok: false, error: { kind: 'retryable', message: 'Не удалось получить список принтеров. Попробуйте ещё раз.', detail: null } };
            return { ok: true, result: { printers, remembered: state.remembered } };
          }
          const known = input.printer === null || printers.some((p) => p.name === input.printer);
          if (!known) return missing(input.printer!);
          const remember = () => {
            if (input.printer) state.remembered[input.form] = input.printer;
            else delete state.remembered[input.form];
            save();
          };
          if (method === 'desktop.setPrinter') {
            remember();
            return { ok: true, result: { remembered: state.remembered } };
          }
          if (method === 'desktop.print') {
            // As the shell does: the engine renders the orders in the form, then they go to the printer.
            const res = await fetch('/api/print.render', {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('prilavok.token')}` },
              body: JSON.stringify({ orderIds: input.orderIds, form: input.form }),
            });
            const body = (await res.json()) as { ok: boolean; result: { html: string; skipped: unknown[]; notice: string | null } };
            if (!body.ok) return body;
            remember();
            const printer = printers.find((p) => p.name === input.printer)?.displayName ?? null;
            const orders = input.orderIds.length - body.result.skipped.length;
            (window as unknown as { printedHtml: string }).printedHtml = body.result.html;
            return { ok: true, result: { printer, orders, skipped: body.result.skipped, notice: body.result.notice, remembered: state.remembered } };
          }
          return { ok: false, error: { kind: 'fatal', message: 'Неизвестная команда', detail: method } };
        },
      };
    },
    { remembered: o.remembered ?? {}, failList: o.failList ?? false },
  );
}

const calls = (page: Page) => page.evaluate(() => (JSON.parse(sessionStorage.getItem('fake-desktop') ?? '{"calls":[]}') as { calls: Call[] }).calls);

async function openPrint(page: Page) {
  await page.goto(world.h.ui);
  await page.getByTestId('nav-print').click();
  await expect(page.getByTestId('print-screen')).toBeVisible();
}

test('в приложении: принтер для формы, тихая печать на него, принтер запоминается для каждой формы', async ({ page }) => {
  await fakeDesktop(page, { remembered: { 'waybill-a4': 'Xprinter_XP420B' } });
  await openPrint(page);
  const printer = page.getByTestId('print-printer');
  // Nothing remembered for the label: the system's default printer is preselected.
  await expect(printer).toBeEnabled();
  await expect(printer).toHaveValue('HP_LaserJet');
  await expect(printer.locator('option')).toHaveText(['Zebra ZD410', 'HP LaserJet Pro — принтер по умолчанию', 'Xprinter XP-420B']);
  await expect(page.getByLabel('Принтер', { exact: true })).toBeVisible();

  const [a, b] = sent;
  for (const o of [a!, b!]) await page.getByRole('checkbox', { name: `Выбрать заказ ${o.number}` }).check();
  await expect(page.frameLocator('[data-testid="print-frame"]').locator('.label')).toHaveCount(2, { timeout: 10_000 });
  await expect(page.getByText('Печать сразу на выбранный принтер, без окна печати; лист 100×150 мм.')).toBeVisible();

  // The merchant picks the label printer: remembered for the label at once.
  await printer.selectOption('Zebra_ZD410');
  await expect.poll(async () => (await calls(page)).filter((c) => c.method === 'desktop.setPrinter').map((c) => c.input)).toEqual([
    { form: 'label-100x150', printer: 'Zebra_ZD410' },
  ]);

  // «Печать» goes to it silently — no print dialog frame — with the form and the chosen orders.
  await page.getByTestId('print-print').click();
  await expect(page.getByTestId('print-status')).toHaveText('Отправлено на принтер «Zebra ZD410»: 2 этикетки');
  await expect(page.getByTestId('print-frame-hidden')).toHaveCount(0);
  const printed = (await calls(page)).filter((c) => c.method === 'desktop.print');
  expect(printed).toHaveLength(1);
  expect(printed[0]!.input.form).toBe('label-100x150');
  expect(printed[0]!.input.printer).toBe('Zebra_ZD410');
  expect([...printed[0]!.input.orderIds!].sort((x, y) => x - y)).toEqual([a!.id, b!.id].sort((x, y) => x - y));
  const html = await page.evaluate(() => (window as unknown as { printedHtml: string }).printedHtml);
  expect(html).toContain(a!.number);
  expect(html).toContain(b!.number);
  await page.screenshot({ path: `${shots}/print-desktop-label.png` });

  // Another form: its own remembered printer; back to the label: the label printer again.
  await page.getByText('Накладная A4').click();
  await expect(printer).toHaveValue('Xprinter_XP420B');
  await expect(page.getByTestId('print-frame')).toHaveAttribute('data-form', 'waybill-a4');
  await expect(page.getByText('Печать сразу на выбранный принтер, без окна печати; лист 297×210 мм.')).toBeVisible();
  await page.getByTestId('print-print').click();
  await expect(page.getByTestId('print-status')).toHaveText('Отправлено на принтер «Xprinter XP-420B»: накладная, заказов: 2');
  const last = (await calls(page)).filter((c) => c.method === 'desktop.print').at(-1)!;
  expect(last.input).toMatchObject({ form: 'waybill-a4', printer: 'Xprinter_XP420B' });
  await page.screenshot({ path: `${shots}/print-desktop-waybill.png` });
  await page.getByText('Этикетка 100×150').click();
  await expect(printer).toHaveValue('Zebra_ZD410');

  // The choice outlives the window: after a reload the remembered printers come back from the desktop app.
  await page.reload();
  await page.getByTestId('nav-print').click();
  await expect(page.getByTestId('print-printer')).toHaveValue('Zebra_ZD410');
  await page.getByText('Накладная A4').click();
  await expect(page.getByTestId('print-printer')).toHaveValue('Xprinter_XP420B');
});

test('в приложении: пропавший принтер назван, печать уходит на принтер по умолчанию; отказ показан по-русски', async ({ page }) => {
  await fakeDesktop(page, { remembered: { 'label-100x150': 'Canon_Gone' } });
  await openPrint(page);
  await expect(page.getByTestId('print-printer-missing')).toHaveText(
    'Принтер «Canon_Gone», выбранный для этой формы, не найден. Печать пойдёт на «HP LaserJet Pro».',
  );
  await expect(page.getByTestId('print-printer')).toHaveValue('HP_LaserJet');
  await page.getByRole('checkbox', { name: `Выбрать заказ ${sent[0]!.number}` }).check();
  await expect(page.frameLocator('[data-testid="print-frame"]').locator('.label')).toHaveCount(1, { timeout: 10_000 });
  await page.screenshot({ path: `${shots}/print-desktop-missing.png` });
  await page.getByTestId('print-print').click();
  await expect(page.getByTestId('print-status')).toHaveText('Отправлено на принтер «HP LaserJet Pro»: 1 этикетка');
  await expect(page.getByTestId('print-printer-missing')).toHaveCount(0);

  // A printer unplugged between the list and the print: the desktop app refuses, the window says why.
  await page.evaluate(() => {
    const d = (window as unknown as { prilavokDesktop: { call: (m: string, i: unknown) => Promise<unknown> } }).prilavokDesktop;
    const real = d.call.bind(d);
    d.call = (m, i) =>
      m === 'desktop.print'
        ? Promise.resolve({ ok: false, error: { kind: 'needsAttention', message: 'Принтер «HP_LaserJet» не найден: он выключен, отключён или удалён. Выберите другой принтер.', detail: null } })
        : real(m, i);
  });
  await page.getByTestId('print-print').click();
  await expect(page.getByText('Принтер «HP_LaserJet» не найден: он выключен, отключён или удалён. Выберите другой принтер.')).toBeVisible();
});

test('в приложении: список принтеров не получен — сказано, можно повторить', async ({ page }) => {
  await fakeDesktop(page, { failList: true });
  await openPrint(page);
  await expect(page.getByTestId('print-printer-failed')).toContainText('Не удалось получить список принтеров');
  await expect(page.getByRole('button', { name: 'Обновить список принтеров' })).toBeVisible();
});

test('в браузере ничего не меняется: нет выбора принтера, печать через окно печати браузера', async ({ page }) => {
  await openPrint(page);
  await page.getByRole('checkbox', { name: `Выбрать заказ ${sent[0]!.number}` }).check();
  await expect(page.frameLocator('[data-testid="print-frame"]').locator('.label')).toHaveCount(1, { timeout: 10_000 });
  await expect(page.getByTestId('print-printer')).toHaveCount(0);
  await expect(page.getByText('Принтер выбирается в окне печати.')).toBeVisible();
  // The browser's own print dialog is stood in for: the hidden frame's print() records what it would print.
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
  await expect.poll(() => page.evaluate(() => (window as unknown as { printed?: string }).printed ?? '')).toContain(sent[0]!.number);
  await expect(page.getByTestId('print-status')).toHaveText('Открыто окно печати');
});
