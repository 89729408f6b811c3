import { expect, test, type Page } from '@playwright/test';
import { shots, startWorld, type World } from './world.js';

/**
 * The wizard step «Заявки с сайта»: the merchant lists the site, changes a text, makes the file required and
 * sees the form's code and its preview follow at once; after saving, the code carries the saved settings and the
 * Tilda address is the same intake address.
 */

let world: World;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  world = await startWorld({ configured: true });
});

test.afterAll(async () => {
  await world?.close();
});

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

test('заявки с сайта: сайт, тексты, обязательный файл, код формы с копированием и предпросмотром, адрес для Tilda', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(world.h.ui);
  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Настройки' }).click();
  await page.getByTestId('step-link-forms').click();
  const forms = step(page, 'forms');
  await expect(forms).toBeVisible();
  await forms.getByLabel('Принимать заявки с сайта').check();
  await forms.getByLabel('Сайты, с которых можно отправлять').fill('https://moy-magazin.ru, https://www.moy-magazin.ru');
  await forms.getByLabel('Без файла заявка не отправляется').check();
  await forms.getByLabel('Кнопка отправки').fill('Отправить заявку');

  const snippet = forms.getByTestId('forms-snippet');
  await expect(snippet.getByTestId('forms-snippet-code')).toContainText('Отправить заявку');
  await expect(snippet.getByTestId('forms-snippet-code')).toContainText('data-pf-required="1"');
  const preview = page.frameLocator('iframe[title="Предпросмотр формы"]');
  await expect(preview.getByRole('button', { name: 'Отправить заявку' })).toBeVisible();
  await expect(preview.getByText('Тема обращения')).toBeVisible();

  await forms.getByTestId('save').click();
  await expect(page.getByTestId('step-link-forms')).toContainText('Готово');
  const tilda = await snippet.getByTestId('forms-tilda-url').locator('code').textContent();
  expect(tilda).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/form\/[\w-]+$/);
  await expect(snippet.getByTestId('forms-snippet-code')).toContainText(`action="${tilda}"`);
  await snippet.getByTestId('forms-snippet-code').getByRole('button').click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied.startsWith('<form id="prilavok-form"')).toBe(true);
  await page.screenshot({ path: `${shots}/wizard-forms.png`, fullPage: true });
  await page.locator('iframe[title="Предпросмотр формы"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/wizard-forms-preview.png` });
});
