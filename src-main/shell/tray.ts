import { Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import path from 'node:path';
import type { TrayAction, TrayIcon, TrayMenuItem, TrayState } from './tray-state.js';

/**
 * The tray icon: monochrome template images on macOS (the menu bar tints them), a multi-size .ico on Windows,
 * PNG elsewhere. The menu is rebuilt only when the model changed, so a busy engine does not make it flicker.
 */

export function trayIconFile(icon: TrayIcon, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return `tray-${icon}Template.png`;
  if (platform === 'win32') return `tray-${icon}.ico`;
  return `tray-${icon}.png`;
}

export function toMenuTemplate(items: TrayMenuItem[], onAction: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.kind === 'separator') return { type: 'separator' };
    const action = item.action;
    return {
      label: item.label,
      enabled: item.enabled,
      ...(item.checked === undefined ? {} : { type: 'checkbox' as const, checked: item.checked }),
      ...(item.submenu ? { submenu: toMenuTemplate(item.submenu, onAction) } : {}),
      ...(action ? { click: () => onAction(action) } : {}),
    };
  });
}

export class TrayController {
  private readonly tray: Tray;
  private readonly images = new Map<TrayIcon, NativeImage>();
  private shown: { icon: TrayIcon; tooltip: string; menu: string } | null = null;
  /** How many times the native menu was built; the tests check it stays put when nothing changed. */
  menuBuilds = 0;

  constructor(
    private readonly opts: { assetsDir: string; platform?: NodeJS.Platform; onAction: (a: TrayAction) => void; onClick?: () => void },
    initial: TrayState,
  ) {
    this.tray = new Tray(this.image(initial.icon));
    if (opts.onClick) this.tray.on('click', opts.onClick);
    this.update(initial);
  }

  update(state: TrayState): void {
    const menuKey = JSON.stringify(state.menu);
    const prev = this.shown;
    if (prev?.icon !== state.icon) this.tray.setImage(this.image(state.icon));
    if (prev?.tooltip !== state.tooltip) this.tray.setToolTip(state.tooltip);
    if (prev?.menu !== menuKey) {
      this.tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(state.menu, this.opts.onAction)));
      this.menuBuilds++;
    }
    this.shown = { icon: state.icon, tooltip: state.tooltip, menu: menuKey };
  }

  destroy(): void {
    this.tray.destroy();
  }

  private image(icon: TrayIcon): NativeImage {
    let img = this.images.get(icon);
    if (!img) {
      const platform = this.opts.platform ?? process.platform;
      img = nativeImage.createFromPath(path.join(this.opts.assetsDir, trayIconFile(icon, platform)));
      if (platform === 'darwin') img.setTemplateImage(true);
      this.images.set(icon, img);
    }
    return img;
  }
}
