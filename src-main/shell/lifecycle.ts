import type { App, BrowserWindow } from 'electron';

/**
 * How Prilavok lives on the desktop: one copy at a time (a second launch brings the window forward), closing
 * the window keeps it running in the tray (it quits only from the tray menu), and it starts with the computer
 * in the tray without opening the window.
 */

export const HIDDEN_ARG = '--hidden';

/** False when another copy runs: this one quits, the other gets `second-instance` and shows its window. */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>, showWindow: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => showWindow());
  return true;
}

export function focusWindow(win: Pick<BrowserWindow, 'isMinimized' | 'restore' | 'show' | 'focus'>): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * Closing the window hides it (Windows and Linux: to the tray; macOS: the usual hide, the Dock icon reopens it).
 * Only a real quit — from the tray menu, the OS shutting down, an update — lets it close.
 */
export function keepInTray(win: Pick<BrowserWindow, 'on' | 'hide'>, isQuitting: () => boolean): void {
  win.on('close', (event) => {
    if (isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
}

export function applyLoginItem(app: Pick<App, 'setLoginItemSettings'>, openAtLogin: boolean, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'linux') return; // no login items on Linux; autostart is a .desktop file the package manages
  // Electron 45 dropped macOS's `openAsHidden`; there a login start is recognised by `wasOpenedAtLogin` instead.
  app.setLoginItemSettings(platform === 'darwin' ? { openAtLogin } : { openAtLogin, args: [HIDDEN_ARG] });
}

/** Started by the OS at login: stay in the tray. */
export function startedHidden(app: Pick<App, 'getLoginItemSettings'>, argv: string[] = process.argv, platform: NodeJS.Platform = process.platform): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  if (platform !== 'darwin') return false;
  return app.getLoginItemSettings().wasOpenedAtLogin;
}
