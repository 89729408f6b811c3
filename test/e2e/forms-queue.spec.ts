import { expect, test } from '@playwright/test';
import { shots, startWorld, type World } from './world.js';

/**
 * A request from the website in the order queue: under the number the visitor was told, with the site form's
 * chip; its card shows what the visitor sent — every field and the file — and the steps into RetailCRM.
 */

let world: World;
let secret = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  world = await startWorld({
    configured: true,
    prepare: (engine) => {
      engine.settings.update('forms', { enabled: true, orderStatus: 'new' });
      secret = engine.secrets.get('webhook.form')!;
    },
  });
});

test.afterAll(async () => {
  await world?.close();
});

test('заявка с сайта в очереди: номер, отметка «Формы сайта», в карточке — поля посетителя и файл', async ({ page }) => {
  const fd = new FormData();
  for (const [k, v] of Object.entries({ pf_id: 'queue-1', name: 'Анна Иванова', email: 'anna@romashka.ru', company: 'ООО «Ромашка»', inn: '7701234567', topic: 'Подключение кассы', message: 'Нужна касса для интернет-магазина' })) fd.append(k, v);
  fd.append('file', new Blob([new Uint8Array([0x25, 0x50, 0x44, 0x46])], { type: 'application/pdf' }), 'Реквизиты.pdf');
  const res = await fetch(`${world.h.webhooks}/hooks/form/${secret}`, { method: 'POST', body: fd, headers: { accept: 'application/json' } });
  expect(await res.json()).toMatchObject({ ok: true, number: 'С-000001' });
  await expect.poll(() => world.emu.crm.forms.files().filter((f) => f.attachment.length > 0).length, { timeout: 20_000 }).toBe(1);

  await page.goto(world.h.ui);
  await page.getByRole('navigation').getByRole('button', { name: 'Очередь заказов' }).click();
  const row = page.getByRole('listitem').filter({ hasText: 'С-000001' });
  await expect(row.getByTestId('chip-forms')).toContainText('Заявка в RetailCRM');
  await row.click();
  const card = page.getByTestId('order-card');
  await expect(card).toContainText('Заявка с сайта №С-000001');
  await expect(card).toContainText('Реквизиты.pdf');
  await expect(card).toContainText('Тема обращения');
  await expect(card).toContainText('Заявка с сайта → заказ RetailCRM');
  await page.screenshot({ path: `${shots}/forms-queue-card.png`, fullPage: true });
});
