import type { PrilavokApi } from '../../src-shared/api';
import { createBridgeApi } from './bridge';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser. */
    prilavok?: PrilavokApi;
  }
}

const TOKEN_KEY = 'prilavok.token';

/**
 * The API for this window: the Electron preload when running in the desktop app, otherwise the headless
 * bridge with the access token from the link (kept for the tab's lifetime, then removed from the address bar).
 */
export function connectApi(): PrilavokApi | null {
  if (window.prilavok) return window.prilavok;
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY);
  return token ? createBridgeApi(token) : null;
}
