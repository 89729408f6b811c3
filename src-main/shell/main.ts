import { app, BrowserWindow, ipcMain } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EngineHost } from './engine-host.js';
import { registerIpcGateway } from './ipc-gateway.js';
import { lockDown } from './security.js';

/**
 * The desktop shell: one window, the engine in a utility process, the IPC gateway between them.
 * Kept thin on purpose — everything that syncs lives in the engine.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.resolve(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const isOurs = (url: string) => url.split('#')[0]!.split('?')[0] === rendererUrl;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.setAppUserModelId('ru.prilavok.app');
  lockDown(isOurs);
  let window: BrowserWindow | null = null;
  const engine = new EngineHost(path.resolve(here, '../engine/process.js'), app.getPath('userData'));

  const showWindow = () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
      return;
    }
    window = new BrowserWindow({
      width: 1200,
      height: 800,
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
    window.once('ready-to-show', () => window?.show());
    window.on('closed', () => (window = null));
    void window.loadFile(rendererIndex);
  };

  app.on('second-instance', showWindow);
  registerIpcGateway(ipcMain, {
    isOurFrame: (e) => window !== null && e.sender === window.webContents && isOurs(e.senderFrame?.url ?? ''),
    call: (method, input) => engine.call(method, input),
  });
  engine.on('event', (event: string, payload: unknown) => window?.webContents.send('prilavok:event', event, payload));

  app.on('window-all-closed', () => {
    // The tray issue keeps Prilavok running in the tray; until then closing the window quits.
    app.quit();
  });
  let quitting = false;
  app.on('before-quit', (e) => {
    if (quitting) return;
    e.preventDefault();
    quitting = true;
    void engine.stop().finally(() => app.exit(0));
  });

  void app.whenReady().then(async () => {
    showWindow();
    await engine.start().catch((err: unknown) => console.error('engine failed to start', err));
  });
}
