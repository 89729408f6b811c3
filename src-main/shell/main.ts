import { app, BrowserWindow, clipboard, ipcMain, screen } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ErrorEntry } from '../../src-shared/api.js';
import type { NavigateRequest } from '../../src-shared/navigate.js';
import { EngineHost } from './engine-host.js';
import { desktopPrintHandlers, runDesktopMethod, type RenderResponse } from './desktop-print.js';
import { registerDesktopGateway, registerIpcGateway } from './ipc-gateway.js';
import { acquireSingleInstance, applyLoginItem, focusWindow, keepInTray, startedHidden } from './lifecycle.js';
import { NotificationPolicy, showNotice } from './notifications.js';
import { onScreen, openPrefs, type WindowBounds } from './prefs.js';
import { listPrinters, pdfFromHtml, printHtml, printOptions } from './printing.js';
import { createElectronSecretBox } from './secrets.js';
import { lockDown } from './security.js';
import { TrayController } from './tray.js';
import { TrayModel, type TrayAction } from './tray-state.js';
import { startUpdater } from './updater.js';

/**
 * The desktop shell: the window, the tray, notifications, and the engine in a utility process behind the IPC
 * gateway. Kept thin on purpose — everything that syncs lives in the engine, the logic of the tray and of
 * notifications in pure modules next to this file.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.resolve(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const assetsDir = app.isPackaged ? path.join(process.resourcesPath, 'assets') : path.resolve(here, '../../assets');
const isOurs = (url: string) => url.split('#')[0]!.split('?')[0] === rendererUrl;

let window: BrowserWindow | null = null;
let quitting = false;
const pendingNavigation: NavigateRequest[] = [];

function showWindow(): BrowserWindow {
  if (window) {
    focusWindow(window);
    return window;
  }
  const saved = onScreen(prefs.windowBounds(), screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    width: saved?.width ?? 1200,
    height: saved?.height ?? 800,
    ...(saved ? { x: saved.x, y: saved.y } : {}),
    minWidth: 1000,
    minHeight: 640,
    title: 'Прилавок',
    show: false,
    webPreferences: {
      preload: path.resolve(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
    },
  });
  window = win;
  win.once('ready-to-show', () => {
    if (saved?.maximized) win.maximize();
    win.show();
  });
  win.webContents.on('did-finish-load', () => {
    for (const req of pendingNavigation.splice(0)) win.webContents.send('prilavok:navigate', req);
  });
  const remember = () => {
    if (win.isDestroyed() || win.isMinimized()) return;
    const b = win.getNormalBounds();
    const bounds: WindowBounds = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
    prefs.saveWindowBounds(bounds);
  };
  win.on('close', remember);
  keepInTray(win, () => quitting);
  win.on('closed', () => (window = null));
  void win.loadFile(rendererIndex);
  return win;
}

/** Shows the window on a screen: at once when the page is loaded, after the load otherwise. */
function navigate(req: NavigateRequest): void {
  const win = showWindow();
  if (win.webContents.isLoading()) pendingNavigation.push(req);
  else win.webContents.send('prilavok:navigate', req);
}

const prefs = openPrefs();

if (acquireSingleInstance(app, () => showWindow())) {
  app.setAppUserModelId('ru.prilavok.app');
  lockDown(isOurs);

  // Closing the last window keeps Prilavok in the tray; it quits from the tray menu.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => showWindow());

  let engine: EngineHost | null = null;
  app.on('before-quit', (e) => {
    quitting = true;
    if (!engine) return;
    e.preventDefault();
    const stopping = engine;
    engine = null;
    void stopping.stop().finally(() => app.exit(0));
  });

  void app.whenReady().then(async () => {
    const userData = app.getPath('userData');
    const secretBox = await createElectronSecretBox({ keyFile: path.join(userData, 'secret.key') });
    const host = new EngineHost(path.resolve(here, '../engine/process.js'), userData, { secretBox, pdf: pdfFromHtml });
    engine = host;

    const onAction = (a: TrayAction) => {
      switch (a.type) {
        case 'open':
          showWindow();
          break;
        case 'syncNow':
          void host.call('engine.syncNow', {});
          break;
        case 'pause':
          void host.call('engine.pause', {});
          break;
        case 'resume':
          void host.call('engine.resume', {});
          break;
        case 'openErrorLog':
          navigate({ screen: 'errors' });
          break;
        case 'openSetup':
          navigate({ screen: 'setup' });
          break;
        case 'copyWebhookUrl':
          clipboard.writeText(a.url);
          break;
        case 'toggleOpenAtLogin': {
          const on = !prefs.openAtLogin();
          prefs.setOpenAtLogin(on);
          applyLoginItem(app, on);
          model.openAtLogin(on);
          break;
        }
        case 'quit':
          quitting = true;
          app.quit();
          break;
      }
    };
    const model = new TrayModel((state) => tray?.update(state));
    const tray: TrayController | null = new TrayController({ assetsDir, onAction, onClick: () => showWindow() }, model.state);
    model.openAtLogin(prefs.openAtLogin());
    const notices = new NotificationPolicy((n) => showNotice(n, navigate));

    const isOurFrame = (e: Electron.IpcMainInvokeEvent) => window !== null && e.sender === window.webContents && isOurs(e.senderFrame?.url ?? '');
    registerIpcGateway(ipcMain, { isOurFrame, call: (method, input) => host.call(method, input) });
    // Printers and silent printing: the window's own printer list, the engine's rendering, the prefs' memory.
    registerDesktopGateway(ipcMain, {
      isOurFrame,
      serve: (e, method, input) =>
        runDesktopMethod(
          desktopPrintHandlers({
            printers: () => listPrinters(e.sender),
            prefs,
            render: (i) => host.call('print.render', i) as Promise<RenderResponse>,
            options: printOptions,
            print: printHtml,
          }),
          method,
          input,
        ),
    });
    host.on('event', (event: string, payload: unknown) => {
      window?.webContents.send('prilavok:event', event, payload);
      model.event(event, payload);
      if (event === 'errors.logged') notices.push(payload as ErrorEntry);
    });
    host.on('crashed', () => model.engineUp(false));
    host.on('ready', () => {
      model.engineUp(true);
      void host.call('errors.list', { limit: 5, unreadOnly: true }).then((r) => {
        if (r.ok) for (const e of (r.result as { items: ErrorEntry[] }).items) model.error(e);
      });
      void host.call('engine.status', {}).then((r) => r.ok && model.event('engine.status', r.result));
    });

    applyLoginItem(app, prefs.openAtLogin());
    if (!startedHidden(app)) showWindow();
    await host.start().catch((err: unknown) => console.error('engine failed to start', err));
    void startUpdater({ url: prefs.updateUrl(), log: (m) => console.warn(m) });

    if (process.env.PRILAVOK_E2E === '1') {
      // For the opt-in Electron suite: what the tray menu shows and a PDF print, reachable from app.evaluate().
      Object.assign(globalThis, {
        prilavokShell: {
          trayMenu: () => model.state.menu,
          pdfBase64: async (html: string) => (await pdfFromHtml(html, { widthMm: 100, heightMm: 150 })).toString('base64'),
        },
      });
    }
  });
}
