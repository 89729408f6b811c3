/**
 * Updates through electron-updater from a feed the merchant (or their integrator) configures: env
 * PRILAVOK_UPDATE_URL or the `updateUrl` preference, a «generic» provider (a folder with latest.yml and the
 * installers). Without a feed nothing is loaded and nothing goes to the network. Checks at start and every 6 h;
 * a downloaded update installs when the app quits.
 */

export const UPDATE_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** The part of electron-updater's AppUpdater we use. */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdatesAndNotify(): Promise<unknown>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface UpdaterHandle {
  url: string;
  checkNow(): Promise<void>;
  stop(): void;
}

async function loadAutoUpdater(): Promise<UpdaterLike> {
  const mod = await import('electron-updater');
  return (mod.autoUpdater ?? mod.default.autoUpdater) as unknown as UpdaterLike;
}

export async function startUpdater(opts: {
  url: string | null;
  load?: () => Promise<UpdaterLike>;
  log?: (message: string) => void;
  intervalMs?: number;
}): Promise<UpdaterHandle | null> {
  const url = opts.url?.trim();
  if (!url) return null;
  if (!/^https?:\/\//i.test(url)) {
    opts.log?.(`update feed ignored, not an http(s) URL: ${url}`);
    return null;
  }
  const log = opts.log ?? (() => undefined);
  const updater = await (opts.load ?? loadAutoUpdater)();
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.setFeedURL({ provider: 'generic', url });
  updater.on('error', (err) => log(`update check failed: ${err.message}`));
  const checkNow = async () => {
    try {
      await updater.checkForUpdatesAndNotify();
    } catch (err) {
      log(`update check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  void checkNow();
  const timer = setInterval(() => void checkNow(), opts.intervalMs ?? UPDATE_INTERVAL_MS);
  timer.unref?.();
  return { url, checkNow, stop: () => clearInterval(timer) };
}
