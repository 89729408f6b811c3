import { expect, test, type Page } from '@playwright/test';
import { startLocalTunnelServer, type LocalTunnelServer } from '../fixtures/localtunnel-server.js';
import { shots, startWorld, type World } from './world.js';

/**
 * A merchant makes Prilavok reachable from the internet in «Настройки → Доступ из интернета»: the four ways
 * are explained, only the chosen way's fields are shown, an own address cannot be saved empty, and a
 * localtunnel on the merchant's own server comes up — the check names its public address, the overview shows
 * it, and the RetailCRM triggers point at it.
 */

let world: World;
let lt: LocalTunnelServer;
let ltClosed = false;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  lt = await startLocalTunnelServer();
  world = await startWorld({ configured: true });
});

test.afterAll(async () => {
  await world?.close();
  if (!ltClosed) await lt?.close();
});

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`);

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true, animations: 'disabled' });
}

test('доступ из интернета: свой адрес требует адреса, localtunnel подключается, адрес виден в обзоре и в триггерах', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(world.h.ui);

  // A fresh install has no access from the internet, and the overview says what that means.
  const card = page.getByTestId('tunnel-card');
  await expect(card).toHaveAttribute('data-provider', 'none');
  await expect(card).toContainText('уведомления не приходят');

  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Настройки' }).click();
  const links = page.getByRole('navigation', { name: 'Шаги настройки' }).locator('.setup-steps__title');
  await expect(links).toHaveText(['RetailCRM', 'MeaSoft', 'Курьерская доставка', 'LIFE POS', 'Касса и доставка LIFE POS', 'Онлайн-касса', 'Leeloo.ai', 'Партнёры (проверка статусов)', 'Входящие запросы', 'Доступ из интернета', 'Заявки с сайта', 'Триггеры RetailCRM']);
  await expect(page.getByTestId('step-link-tunnel')).toContainText('Не настроено');
  await page.getByTestId('step-link-tunnel').click();
  const tunnel = step(page, 'tunnel');
  await expect(tunnel.getByRole('heading', { name: 'Доступ из интернета' })).toBeFocused();

  // «Без доступа»: nothing to fill in; the incoming-requests step no longer asks for a public address.
  const none = tunnel.getByRole('radio', { name: 'Без доступа из интернета' });
  await expect(none).toBeChecked();
  await expect(tunnel.getByTestId('option-none')).toContainText('Прилавок сам опрашивает системы');
  await expect(tunnel.locator('[data-testid^="field-tunnel-"]')).toHaveCount(1);
  await expect(tunnel.getByTestId('tunnel-state')).toContainText('Доступа из интернета нет');
  await expect(step(page, 'general').getByTestId('field-general-public-url')).toHaveCount(0);
  await shot(page, 'tunnel-none');

  // «Свой адрес» without an address: the engine refuses it and the reason stands under the field.
  await tunnel.getByRole('radio', { name: 'Свой адрес' }).check();
  const own = tunnel.getByTestId('field-tunnel-own-url');
  await expect(own).toBeVisible();
  await expect(tunnel.getByTestId('field-tunnel-lt-host')).toHaveCount(0);
  await expect(tunnel.getByTestId('tunnel-state')).toContainText('Сохраните, чтобы подключиться');
  await tunnel.getByTestId('save').click();
  await expect(own.getByTestId('field-error')).toContainText('укажите адрес');
  await expect(own.getByLabel('Адрес из интернета')).toHaveAttribute('aria-invalid', 'true');
  await expect(tunnel.getByTestId('save-error')).toContainText('Настройки не сохранены: исправьте отмеченные поля.');
  await expect(tunnel.getByTestId('save-error')).not.toContainText('ownUrl');
  await shot(page, 'tunnel-own-error');

  // ngrok: a write-only token with where to get it, and a reserved domain that keeps the address.
  await tunnel.getByRole('radio', { name: 'ngrok' }).check();
  await expect(own).toHaveCount(0);
  // The refusal was about the own address, which is no longer asked for.
  await expect(tunnel.getByTestId('save-error')).toHaveCount(0);
  const token = tunnel.getByTestId('field-tunnel-ngrok-token');
  await expect(token.getByLabel('Токен ngrok (Authtoken)')).toHaveAttribute('type', 'password');
  await expect(token).toContainText('dashboard.ngrok.com → Your Authtoken');
  await expect(tunnel.getByTestId('field-tunnel-ngrok-domain')).toContainText('адрес не меняется');
  await shot(page, 'tunnel-ngrok');

  // localtunnel on the merchant's own server (the test server): save, check.
  await tunnel.getByRole('radio', { name: 'localtunnel' }).press('ArrowDown'); // keyboard moves within the group
  await expect(tunnel.getByRole('radio', { name: 'Без доступа из интернета' })).toBeChecked();
  await tunnel.getByRole('radio', { name: 'localtunnel' }).check();
  await expect(tunnel.getByTestId('field-tunnel-ngrok-token')).toHaveCount(0);
  await tunnel.getByLabel('Сервер localtunnel').fill(lt.url);
  await tunnel.getByTestId('save').click();
  await expect(tunnel.getByTestId('save')).toBeDisabled();
  await tunnel.getByTestId('test-connection').click();
  await expect(tunnel.getByTestId('test-result')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
  await expect.poll(() => lt.tunnels().length, { timeout: 10_000 }).toBeGreaterThan(0);
  const publicUrl = `${lt.url}/t/${lt.tunnels().at(-1)!}`;
  await expect(tunnel.getByTestId('test-message')).toContainText(publicUrl);
  const live = tunnel.getByTestId('tunnel-state');
  await expect(live).toHaveAttribute('data-state', 'ok', { timeout: 15_000 });
  await expect(live).toContainText(`Подключено: ${publicUrl}`);
  await expect(page.getByTestId('step-link-tunnel')).toContainText('Готово');
  await shot(page, 'tunnel-localtunnel-up');

  // What was saved is what the engine holds.
  const saved = await page.evaluate(async () => {
    const res = await fetch('/api/settings.get', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('prilavok.token')}` }, body: '{}' });
    return (await res.json()) as { result: { values: { tunnel: Record<string, unknown> } } };
  });
  expect(saved.result.values.tunnel).toMatchObject({ provider: 'localtunnel', localtunnelHost: lt.url, ownUrl: null });

  // The triggers point at the tunnel, and the «this computer only» warning is gone.
  await tunnel.getByTestId('next').click();
  // The site form's step comes next.
  const forms = step(page, 'forms');
  await expect(forms).toBeVisible();
  await forms.getByTestId('next').click();
  const triggers = step(page, 'triggers');
  await expect(triggers.getByTestId('triggers-url')).toContainText(publicUrl);
  await expect(triggers.getByTestId('trigger-1').getByTestId('trigger-url').locator('code')).toHaveText(new RegExp(`^${publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`));
  await expect(triggers.getByTestId('triggers-local')).toHaveCount(0);

  // The overview: the tunnel is up, with its address to copy.
  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button', { name: 'Обзор' }).click();
  await expect(card).toHaveAttribute('data-state', 'up');
  await expect(card.getByTestId('tunnel-card-state')).toHaveText('Подключено');
  await expect(card).toContainText('localtunnel');
  await expect(card.getByTestId('tunnel-card-url').locator('code')).toHaveText(publicUrl);
  await card.getByRole('button', { name: 'Копировать: адрес из интернета' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(publicUrl);
  await shot(page, 'dashboard-tunnel');
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: `${shots}/dashboard-tunnel-up.png`, animations: 'disabled' });

  // The server goes away: the overview stops saying «Подключено» and shows why.
  ltClosed = true;
  await lt.close();
  await expect(card).toHaveAttribute('data-state', /^(connecting|down)$/, { timeout: 30_000 });
  await expect(card).not.toContainText('Подключено');
  await card.screenshot({ path: `${shots}/dashboard-tunnel-lost.png`, animations: 'disabled' });
});
