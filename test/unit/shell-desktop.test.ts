import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UpdaterLike } from '../../src-main/shell/updater.js';

/** Hidden print windows: what they loaded and what they were asked to print. */
vi.mock('electron', () => import('../mocks/electron.js'));
const { windows, FakeWindow } = await import('../mocks/electron.js');
vi.mock('electron-store', () => ({ default: class {} }));

const { printOptions, printHtml, pdfFromHtml, pdfOptions } = await import('../../src-main/shell/printing.js');
const { Prefs, memoryStore, defaultPrefs, onScreen } = await import('../../src-main/shell/prefs.js');
const { startUpdater, UPDATE_INTERVAL_MS } = await import('../../src-main/shell/updater.js');
const { acquireSingleInstance, keepInTray, applyLoginItem, startedHidden, focusWindow } = await import('../../src-main/shell/lifecycle.js');

describe('printing', () => {
  it('label printers get the form page in microns, the chosen printer, silent and without margins', () => {
    expect(printOptions({ printer: 'Xprinter XP-420B', form: 'label-100x150' })).toEqual({
      silent: true,
      deviceName: 'Xprinter XP-420B',
      printBackground: true,
      color: false,
      copies: 1,
      landscape: false,
      margins: { marginType: 'none' },
      pageSize: { width: 100_000, height: 150_000 },
    });
    expect(printOptions({ printer: 'Zebra', form: 'label-75x120' }).pageSize).toEqual({ width: 75_000, height: 120_000 });
  });

  it('the A4 waybill prints landscape on A4 paper', () => {
    const o = printOptions({ printer: 'HP LaserJet', form: 'waybill-a4' });
    expect(o).toMatchObject({ landscape: true, pageSize: { width: 210_000, height: 297_000 }, deviceName: 'HP LaserJet' });
  });

  it('PDF options: the page in inches, backgrounds, no margins', () => {
    const o = pdfOptions({ widthMm: 100, heightMm: 150 });
    expect(o.pageSize).toEqual({ width: 100 / 25.4, height: 150 / 25.4 });
    expect(o).toMatchObject({ printBackground: true, margins: { top: 0, bottom: 0, left: 0, right: 0 } });
  });

  it('prints in a hidden sandboxed window without scripts or network, then cleans up', async () => {
    windows.length = 0;
    await printHtml('<h1>Этикетка</h1>', printOptions({ printer: 'Zebra', form: 'label-100x150' }));
    const w = windows[0]!;
    expect(w.opts.show).toBe(false);
    expect(w.opts.webPreferences).toMatchObject({ sandbox: true, nodeIntegration: false, contextIsolation: true, javascript: false });
    expect(w.loaded!.html).toBe('<h1>Этикетка</h1>');
    expect(w.printed[0]).toMatchObject({ deviceName: 'Zebra', silent: true });
    expect(w.destroyed).toBe(true);
    expect(fs.existsSync(w.loaded!.file)).toBe(false);
    const verdict = (url: string) => new Promise((r) => w.requestFilter!({ url }, (x) => r(x.cancel)));
    expect(await verdict('https://tracker.example/pixel.gif')).toBe(true);
    expect(await verdict('file:///tmp/document.html')).toBe(false);
    expect(await verdict('data:image/png;base64,AAAA')).toBe(false);
  });

  it('a printer failure comes back in Russian, naming the printer', async () => {
    windows.length = 0;
    FakeWindow.nextPrintResult = [false, 'Printer is offline'];
    try {
      await expect(printHtml('<p/>', printOptions({ printer: 'Zebra', form: 'label-100x150' }))).rejects.toThrow(
        /Принтер «Zebra» не напечатал документ: Printer is offline/,
      );
    } finally {
      FakeWindow.nextPrintResult = [true, ''];
    }
    expect(windows[0]!.destroyed).toBe(true);
  });

  it('HTML → PDF through printToPDF with the page size', async () => {
    windows.length = 0;
    const pdf = await pdfFromHtml('<p>Накладная</p>', { widthMm: 297, heightMm: 210 });
    expect(pdf.toString()).toBe('%PDF-1.4');
    expect(windows[0]!.printed[0]).toMatchObject({ pageSize: { width: 297 / 25.4, height: 210 / 25.4 } });
  });
});

describe('preferences', () => {
  it('remembers a printer per form, start at login, and checks window bounds', () => {
    const prefs = new Prefs(memoryStore(structuredClone(defaultPrefs)));
    expect(prefs.printerFor('label-100x150')).toBeNull();
    prefs.setPrinter('label-100x150', 'Zebra');
    prefs.setPrinter('waybill-a4', 'HP');
    expect([prefs.printerFor('label-100x150'), prefs.printerFor('waybill-a4')]).toEqual(['Zebra', 'HP']);
    prefs.setPrinter('waybill-a4', null);
    expect(prefs.printerFor('waybill-a4')).toBeNull();
    expect(() => prefs.setPrinter('poster' as never, 'x')).toThrow(RangeError);
    expect(prefs.openAtLogin()).toBe(true);
    prefs.setOpenAtLogin(false);
    expect(prefs.openAtLogin()).toBe(false);
    expect(prefs.windowBounds()).toBeNull();
    prefs.saveWindowBounds({ x: 10, y: 20, width: 1200, height: 800, maximized: false });
    expect(prefs.windowBounds()).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: false });
    const broken = new Prefs(memoryStore({ ...defaultPrefs, windowBounds: { x: 'a' } as never }));
    expect(broken.windowBounds()).toBeNull();
  });

  it('a window saved on a monitor that is gone is placed by the OS', () => {
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    const b = { x: 100, y: 100, width: 1200, height: 800, maximized: false };
    expect(onScreen(b, displays)).toEqual(b);
    expect(onScreen({ ...b, x: 2500 }, displays)).toBeNull();
  });

  it('the update feed: the environment wins, then the preference, else none', () => {
    const prefs = new Prefs(memoryStore({ ...defaultPrefs, updateUrl: 'https://updates.example/pref' }));
    expect(prefs.updateUrl({ PRILAVOK_UPDATE_URL: 'https://updates.example/env' })).toBe('https://updates.example/env');
    expect(prefs.updateUrl({})).toBe('https://updates.example/pref');
    expect(new Prefs(memoryStore(defaultPrefs)).updateUrl({})).toBeNull();
  });
});

describe('updater', () => {
  function fakeUpdater() {
    const u = Object.assign(new EventEmitter(), {
      autoDownload: false,
      autoInstallOnAppQuit: false,
      feeds: [] as unknown[],
      checks: 0,
      setFeedURL(o: unknown) {
        u.feeds.push(o);
      },
      async checkForUpdatesAndNotify() {
        u.checks++;
        return null;
      },
    });
    return u;
  }
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('without a URL nothing is loaded and nothing is checked', async () => {
    const load = vi.fn(async () => fakeUpdater() as unknown as UpdaterLike);
    expect(await startUpdater({ url: null, load })).toBeNull();
    expect(await startUpdater({ url: '  ', load })).toBeNull();
    expect(await startUpdater({ url: 'file:///etc/updates', load })).toBeNull();
    await vi.advanceTimersByTimeAsync(UPDATE_INTERVAL_MS * 2);
    expect(load).not.toHaveBeenCalled();
  });

  it('with a URL: the generic feed is set, checked at start and every 6 hours', async () => {
    const u = fakeUpdater();
    const handle = await startUpdater({ url: 'https://updates.example/prilavok/', load: async () => u as unknown as UpdaterLike });
    expect(handle!.url).toBe('https://updates.example/prilavok/');
    expect(u.feeds).toEqual([{ provider: 'generic', url: 'https://updates.example/prilavok/' }]);
    expect([u.autoDownload, u.autoInstallOnAppQuit]).toEqual([true, true]);
    await vi.advanceTimersByTimeAsync(0);
    expect(u.checks).toBe(1);
    await vi.advanceTimersByTimeAsync(UPDATE_INTERVAL_MS - 1);
    expect(u.checks).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(u.checks).toBe(2);
    handle!.stop();
    await vi.advanceTimersByTimeAsync(UPDATE_INTERVAL_MS * 3);
    expect(u.checks).toBe(2);
  });
});

describe('lifecycle', () => {
  function fakeApp(locked: boolean) {
    return Object.assign(new EventEmitter(), {
      quits: 0,
      loginItems: [] as unknown[],
      requestSingleInstanceLock: () => locked,
      quit() {
        this.quits++;
      },
      setLoginItemSettings(s: unknown) {
        this.loginItems.push(s);
      },
      getLoginItemSettings: () => ({ wasOpenedAtLogin: true }),
    });
  }
  function fakeWindow() {
    return Object.assign(new EventEmitter(), {
      calls: [] as string[],
      minimized: true,
      isMinimized() {
        return this.minimized;
      },
      restore() {
        this.calls.push('restore');
      },
      show() {
        this.calls.push('show');
      },
      focus() {
        this.calls.push('focus');
      },
      hide() {
        this.calls.push('hide');
      },
    });
  }

  it('a second launch quits itself; the first copy brings its window forward', () => {
    const second = fakeApp(false);
    const shown: string[] = [];
    expect(acquireSingleInstance(second as never, () => shown.push('second'))).toBe(false);
    expect(second.quits).toBe(1);

    const first = fakeApp(true);
    const win = fakeWindow();
    expect(acquireSingleInstance(first as never, () => focusWindow(win as never))).toBe(true);
    expect(first.quits).toBe(0);
    first.emit('second-instance', {}, ['prilavok.exe'], '/');
    expect(win.calls).toEqual(['restore', 'show', 'focus']);
    expect(shown).toEqual([]);
  });

  it('closing the window hides it to the tray; a real quit closes it', () => {
    let quitting = false;
    const win = fakeWindow();
    keepInTray(win as never, () => quitting);
    const close = () => {
      const e = { prevented: false, preventDefault() { this.prevented = true; } };
      win.emit('close', e);
      return e.prevented;
    };
    expect(close()).toBe(true);
    expect(win.calls).toEqual(['hide']);
    quitting = true;
    expect(close()).toBe(false);
    expect(win.calls).toEqual(['hide']);
  });

  it('start at login: hidden on Windows through an argument, recognised on macOS; nothing on Linux', () => {
    const app = fakeApp(true);
    applyLoginItem(app as never, true, 'win32');
    applyLoginItem(app as never, false, 'darwin');
    applyLoginItem(app as never, true, 'linux');
    expect(app.loginItems).toEqual([{ openAtLogin: true, args: ['--hidden'] }, { openAtLogin: false }]);
    expect(startedHidden(app as never, ['prilavok.exe', '--hidden'], 'win32')).toBe(true);
    expect(startedHidden(app as never, ['prilavok.exe'], 'win32')).toBe(false);
    expect(startedHidden(app as never, ['Prilavok'], 'darwin')).toBe(true);
  });
});
