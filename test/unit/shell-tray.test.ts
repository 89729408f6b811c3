import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it, vi } from 'vitest';
import type { EngineStatus, ErrorEntry } from '../../src-shared/api.js';
import type { TrayMenuItem, TrayState } from '../../src-main/shell/tray-state.js';

/** A fake Tray and Menu: what the adapter asked Electron to show. */
vi.mock('electron', () => import('../mocks/electron.js'));
const { trays } = await import('../mocks/electron.js');

const { TrayModel, trayState, errorsCount } = await import('../../src-main/shell/tray-state.js');
const { TrayController, trayIconFile } = await import('../../src-main/shell/tray.js');

function status(over: Partial<EngineStatus> = {}): EngineStatus {
  return {
    version: '0.1.0',
    startedAt: 0,
    paused: false,
    pollers: [],
    queue: { queued: 0, running: 0, retrying: 0, done: 10, attention: 0, dead: 0 },
    inbox: { pending: 0, failed: 0 },
    webhooks: { listening: true, localUrl: 'http://127.0.0.1:8787', publicUrl: null, error: null },
    tunnel: { provider: 'none', state: 'off', url: null, error: null, since: 0 },
    errors: { unread: 0 },
    systems: [],
    secretsWarning: null,
    ...over,
  };
}

function error(id: number, over: Partial<ErrorEntry> = {}): ErrorEntry {
  return {
    id,
    at: 1_700_000_000_000 + id,
    severity: 'error',
    kind: 'retryable',
    system: 'retailcrm',
    orderId: null,
    orderNumber: null,
    jobId: null,
    message: `Ошибка ${id}`,
    detail: null,
    acknowledged: false,
    canRetry: true,
    ...over,
  };
}

function item(menu: TrayMenuItem[], label: string) {
  const found = menu.find((i) => i.kind === 'item' && i.label === label);
  if (!found || found.kind !== 'item') throw new Error(`no menu item ${label}`);
  return found;
}

describe('tray state', () => {
  it('follows the engine: ok → error on a logged error → ok after acknowledge → warning when paused → ok', () => {
    const seen: TrayState[] = [];
    const model = new TrayModel((s) => seen.push(s));
    model.event('engine.status', status());
    expect(model.state.icon).toBe('ok');
    expect(model.state.tooltip).toBe('Прилавок — синхронизация работает');

    model.event('errors.logged', error(1, { system: 'measoft', orderNumber: '1001A', orderId: 7, message: 'Курьерская служба не отвечает' }));
    expect(model.state.icon).toBe('error');
    expect(model.state.tooltip).toMatch(/1 ошибка/);
    const recent = item(model.state.menu, 'Последние ошибки').submenu!;
    expect(recent[0]).toMatchObject({ kind: 'item', enabled: true, action: { type: 'openErrorLog' } });
    expect((recent[0] as { label: string }).label).toMatch(/№1001A: Курьерская служба не отвечает/);

    // The merchant reads the log: the engine's next status says nothing is unread.
    model.event('engine.status', status({ errors: { unread: 0 } }));
    expect(model.state.icon).toBe('ok');

    model.event('engine.status', status({ paused: true }));
    expect(model.state.icon).toBe('warning');
    expect(model.state.tooltip).toMatch(/на паузе/);
    expect(item(model.state.menu, 'Продолжить').action).toEqual({ type: 'resume' });
    expect(model.state.menu.some((i) => i.kind === 'item' && i.label === 'Пауза')).toBe(false);
    expect(item(model.state.menu, 'Синхронизировать сейчас').enabled).toBe(false);

    // An error while paused is still an error; acknowledging it brings the pause warning back.
    model.event('errors.logged', error(2));
    expect(model.state.icon).toBe('error');
    model.event('engine.status', status({ paused: true, errors: { unread: 0 } }));
    expect(model.state.icon).toBe('warning');

    model.event('engine.status', status());
    expect(model.state.icon).toBe('ok');
    expect(item(model.state.menu, 'Пауза').action).toEqual({ type: 'pause' });
    expect(seen.map((s) => s.icon)).toEqual(['ok', 'error', 'ok', 'warning', 'error', 'warning', 'ok']);
  });

  it('a repeated identical status publishes nothing new', () => {
    const seen: TrayState[] = [];
    const model = new TrayModel((s) => seen.push(s));
    for (let i = 0; i < 5; i++) model.event('engine.status', status());
    expect(seen).toHaveLength(1);
  });

  it('warnings: jobs needing attention, dead jobs, secrets without an OS key store; errors: engine down, webhooks not listening', () => {
    const base = { engineUp: true, recentErrors: [] };
    expect(trayState({ ...base, status: status({ queue: { queued: 0, running: 0, retrying: 0, done: 0, attention: 2, dead: 1 } }) })).toMatchObject({
      icon: 'warning',
      tooltip: 'Прилавок — 3 задачи ждут внимания',
    });
    expect(trayState({ ...base, status: status({ secretsWarning: 'нет хранилища' }) }).icon).toBe('warning');
    expect(trayState({ ...base, status: status({ webhooks: { listening: false, localUrl: null, publicUrl: null, error: 'порт занят' } }) })).toMatchObject({
      icon: 'error',
      tooltip: expect.stringMatching(/вебхуки не принимаются/),
    });
    const down = trayState({ engineUp: false, status: status(), recentErrors: [] });
    expect(down).toMatchObject({ icon: 'error', tooltip: 'Прилавок — движок не отвечает' });
    expect(item(down.menu, 'Синхронизировать сейчас').enabled).toBe(false);
    // A warning-severity entry does not turn the tray red.
    expect(trayState({ ...base, status: status({ errors: { unread: 1 } }), recentErrors: [error(1, { severity: 'warning' })] }).icon).toBe('warning');
  });

  it('the menu: fixed items, the last 5 errors, the webhook address only when there is one', () => {
    const errors = [1, 2, 3, 4, 5, 6, 7].map((id) => error(id)).reverse();
    const s = trayState({ engineUp: true, status: status({ errors: { unread: 7 } }), recentErrors: errors });
    const labels = s.menu.map((i) => (i.kind === 'item' ? i.label : '—'));
    expect(labels).toEqual([
      'Открыть Прилавок',
      '—',
      'Синхронизировать сейчас',
      'Пауза',
      'Последние ошибки',
      'Скопировать адрес для вебхуков',
      '—',
      'Выход',
    ]);
    const recent = item(s.menu, 'Последние ошибки').submenu!.filter((i) => i.kind === 'item');
    expect(recent.map((i) => (i as { label: string }).label)).toEqual([
      'RetailCRM: Ошибка 7',
      'RetailCRM: Ошибка 6',
      'RetailCRM: Ошибка 5',
      'RetailCRM: Ошибка 4',
      'RetailCRM: Ошибка 3',
      'Открыть журнал ошибок',
    ]);
    expect(item(s.menu, 'Скопировать адрес для вебхуков')).toMatchObject({ enabled: false });
    expect(item(s.menu, 'Скопировать адрес для вебхуков').action).toBeUndefined();
    const withUrl = trayState({ engineUp: true, status: status({ webhooks: { listening: true, localUrl: null, publicUrl: 'https://shop.example/hooks', error: null } }), recentErrors: [] });
    expect(item(withUrl.menu, 'Скопировать адрес для вебхуков')).toMatchObject({ enabled: true, action: { type: 'copyWebhookUrl', url: 'https://shop.example/hooks' } });
    expect(item(withUrl.menu, 'Последние ошибки').submenu).toEqual([{ kind: 'item', label: 'Ошибок нет', enabled: false }]);
  });

  it('a tunnel that is down or still connecting after a minute turns the icon amber with the reason; the menu says how the tunnel is', () => {
    const at = 1_700_000_000_000;
    const tunnel = (over: Partial<EngineStatus['tunnel']>): EngineStatus['tunnel'] => ({ provider: 'localtunnel', state: 'up', url: 'https://abc.loca.lt', error: null, since: at, ...over });
    const base = { engineUp: true, recentErrors: [], now: at + 5_000 };
    const line = (s: TrayState) => s.menu.filter((i) => i.kind === 'item' && i.label.startsWith('Туннель')).map((i) => i.kind === 'item' && { label: i.label, enabled: i.enabled });

    const up = trayState({ ...base, status: status({ tunnel: tunnel({}), webhooks: { listening: true, localUrl: null, publicUrl: 'https://abc.loca.lt', error: null } }) });
    expect(up).toMatchObject({ icon: 'ok', tooltip: 'Прилавок — синхронизация работает' });
    expect(line(up)).toEqual([{ label: 'Туннель: подключён', enabled: false }]);
    // Copying keeps using the public address in use.
    expect(item(up.menu, 'Скопировать адрес для вебхуков').action).toEqual({ type: 'copyWebhookUrl', url: 'https://abc.loca.lt' });

    const down = trayState({ ...base, status: status({ tunnel: tunnel({ state: 'down', error: 'сервер туннеля не отвечает' }) }) });
    expect(down.icon).toBe('warning');
    expect(down.tooltip).toBe('Прилавок — туннель: нет связи (сервер туннеля не отвечает)');
    expect(line(down)).toEqual([{ label: 'Туннель: нет связи', enabled: false }]);

    const fresh = trayState({ ...base, status: status({ tunnel: tunnel({ state: 'connecting', url: null }) }) });
    expect(fresh.icon).toBe('ok');
    expect(line(fresh)).toEqual([{ label: 'Туннель: подключается…', enabled: false }]);
    const stuck = trayState({ ...base, now: at + 61_000, status: status({ tunnel: tunnel({ state: 'connecting', url: null }) }) });
    expect(stuck).toMatchObject({ icon: 'warning', tooltip: 'Прилавок — туннель не подключается' });

    // Red problems still win over the tunnel's amber.
    expect(trayState({ ...base, status: status({ tunnel: tunnel({ state: 'down' }), errors: { unread: 1 } }), recentErrors: [error(1)] }).icon).toBe('error');
    // No tunnel: no line and no warning; the own address is a plain line.
    const none = trayState({ ...base, status: status() });
    expect(line(none)).toEqual([]);
    expect(none.menu.some((i) => i.kind === 'item' && i.label === 'Свой адрес из интернета')).toBe(false);
    const own = trayState({ ...base, status: status({ tunnel: tunnel({ provider: 'own', state: 'up', url: 'https://shop.example' }) }) });
    expect(own.icon).toBe('ok');
    expect(item(own.menu, 'Свой адрес из интернета')).toMatchObject({ enabled: false });
  });

  it('the model turns a tunnel stuck connecting amber after a minute without another event', () => {
    let now = 1_700_000_000_000;
    const timers: Array<{ fn: () => void; at: number; cleared: boolean }> = [];
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        const t = { fn, at: now + ms, cleared: false };
        timers.push(t);
        return t as unknown as ReturnType<typeof setTimeout>;
      },
      clearTimeout: (t: ReturnType<typeof setTimeout>) => {
        (t as unknown as { cleared: boolean }).cleared = true;
      },
    };
    const seen: TrayState[] = [];
    const model = new TrayModel((s) => seen.push(s), clock);
    model.event('engine.status', status({ tunnel: { provider: 'ngrok', state: 'connecting', url: null, error: null, since: now } }));
    expect(model.state.icon).toBe('ok');
    const pending = timers.filter((t) => !t.cleared);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.at - now).toBeGreaterThanOrEqual(60_000);
    now = pending[0]!.at;
    pending[0]!.cleared = true; // fired
    pending[0]!.fn();
    expect(model.state).toMatchObject({ icon: 'warning', tooltip: 'Прилавок — туннель не подключается' });
    expect(seen.map((s) => s.icon)).toEqual(['ok', 'warning']);
    // Once up, no timer is left behind.
    model.event('engine.status', status({ tunnel: { provider: 'ngrok', state: 'up', url: 'https://x.ngrok.app', error: null, since: now } }));
    expect(model.state.icon).toBe('ok');
    expect(timers.filter((t) => !t.cleared)).toHaveLength(0);
    model.dispose();
  });

  it('Russian plurals in counts', () => {
    expect([1, 2, 5, 11, 21, 22, 100].map(errorsCount)).toEqual(['1 ошибка', '2 ошибки', '5 ошибок', '11 ошибок', '21 ошибка', '22 ошибки', '100 ошибок']);
  });
});

describe('tray adapter', () => {
  it('template images on macOS, .ico on Windows, PNG on Linux — and every one of them exists in assets', () => {
    expect(trayIconFile('ok', 'darwin')).toBe('tray-okTemplate.png');
    expect(trayIconFile('warning', 'win32')).toBe('tray-warning.ico');
    expect(trayIconFile('error', 'linux')).toBe('tray-error.png');
    const assets = path.resolve(import.meta.dirname, '../../assets');
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const icon of ['ok', 'warning', 'error'] as const) {
        expect(fs.existsSync(path.join(assets, trayIconFile(icon, platform)))).toBe(true);
      }
    }
    const png = PNG.sync.read(fs.readFileSync(path.join(assets, 'tray-error@2x.png')));
    expect([png.width, png.height]).toEqual([32, 32]);
    // The centre of the error dot is the white mark, its edge is red.
    const at = (x: number, y: number) => Array.from(png.data.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 4));
    expect(at(16, 16)).toEqual([255, 255, 255, 255]);
    expect(at(4, 16)).toEqual([0xd9, 0x2d, 0x20, 255]);
    const template = PNG.sync.read(fs.readFileSync(path.join(assets, 'tray-okTemplate.png')));
    for (let i = 0; i < template.data.length; i += 4) expect(template.data.subarray(i, i + 3).every((c) => c === 0)).toBe(true);
    const app = PNG.sync.read(fs.readFileSync(path.join(assets, 'icon.png')));
    expect([app.width, app.height]).toEqual([512, 512]);
  });

  it('the .ico holds several PNG sizes', () => {
    const ico = fs.readFileSync(path.resolve(import.meta.dirname, '../../assets/tray-ok.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i;
      const size = ico.readUInt32LE(e + 8);
      const offset = ico.readUInt32LE(e + 12);
      const png = PNG.sync.read(ico.subarray(offset, offset + size));
      expect(png.width).toBe(ico.readUInt8(e));
      sizes.push(png.width);
    }
    expect(sizes).toEqual([16, 24, 32, 48]);
  });

  it('creates the tray, switches icons, and rebuilds the menu only when it changed; clicks reach the action handler', () => {
    const actions: unknown[] = [];
    const model = new TrayModel(() => undefined);
    model.event('engine.status', status());
    const tray = new TrayController({ assetsDir: '/app/assets', platform: 'linux', onAction: (a) => actions.push(a) }, model.state);
    const fake = trays.at(-1)!;
    expect(fake.image).toBe(path.join('/app/assets', 'tray-ok.png'));
    expect(tray.menuBuilds).toBe(1);
    tray.update(model.state);
    expect(tray.menuBuilds).toBe(1);
    model.event('errors.logged', error(1));
    tray.update(model.state);
    expect(fake.image).toBe(path.join('/app/assets', 'tray-error.png'));
    expect(tray.menuBuilds).toBe(2);
    type Opt = { label?: string; click?: () => void; submenu?: Opt[] };
    const template = (fake.menu as { template: Opt[] }).template;
    template.find((o) => o.label === 'Синхронизировать сейчас')!.click!();
    template.find((o) => o.label === 'Последние ошибки')!.submenu![0]!.click!();
    template.find((o) => o.label === 'Выход')!.click!();
    expect(actions).toEqual([{ type: 'syncNow' }, { type: 'openErrorLog' }, { type: 'quit' }]);
  });

  it('«Запускать вместе с компьютером» is a checkbox that follows the saved preference and reports its click', () => {
    const actions: unknown[] = [];
    const model = new TrayModel(() => undefined);
    model.event('engine.status', status());
    expect(model.state.menu.some((i) => i.kind === 'item' && i.label === 'Запускать вместе с компьютером')).toBe(false);
    model.openAtLogin(true);
    expect(item(model.state.menu, 'Запускать вместе с компьютером')).toMatchObject({ checked: true, enabled: true, action: { type: 'toggleOpenAtLogin' } });
    const tray = new TrayController({ assetsDir: '/app/assets', platform: 'linux', onAction: (a) => actions.push(a) }, model.state);
    type Opt = { label?: string; type?: string; checked?: boolean; click?: () => void };
    const template = () => (trays.at(-1)!.menu as { template: Opt[] }).template;
    const box = template().find((o) => o.label === 'Запускать вместе с компьютером')!;
    expect(box).toMatchObject({ type: 'checkbox', checked: true });
    box.click!();
    expect(actions).toEqual([{ type: 'toggleOpenAtLogin' }]);
    // Unchecked after the preference changed, and the menu is rebuilt for it.
    model.openAtLogin(false);
    tray.update(model.state);
    expect(template().find((o) => o.label === 'Запускать вместе с компьютером')).toMatchObject({ type: 'checkbox', checked: false });
    // Ordinary items stay plain items.
    expect(template().find((o) => o.label === 'Выход')).not.toHaveProperty('type');
  });
});
