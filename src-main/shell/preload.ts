import { contextBridge, ipcRenderer } from 'electron';
import type { ApiResponse, EventName, PrilavokApi } from '../../src-shared/api.js';
import type { PrilavokDesktop } from '../../src-shared/desktop.js';
import { parseNavigateRequest, type NavigateRequest } from '../../src-shared/navigate.js';

/**
 * The sandboxed preload exposes exactly the API contract: `call` and `on`, plus `onNavigate` (the tray or a
 * notification asks the window to show a screen; only well-formed requests pass). Nothing else of Electron.
 * Errors come back as values and are rethrown here with the engine's Russian message.
 */
const api: PrilavokApi & { onNavigate(listener: (req: NavigateRequest) => void): () => void } = {
  async call(method, input) {
    const res = (await ipcRenderer.invoke('prilavok:call', method, input)) as ApiResponse<never>;
    if (!res.ok) throw Object.assign(new Error(res.error.message), { name: 'ApiCallError', error: res.error });
    return res.result;
  },
  on(event: EventName, listener) {
    const wrapped = (_e: unknown, name: string, payload: unknown) => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on('prilavok:event', wrapped);
    return () => void ipcRenderer.off('prilavok:event', wrapped);
  },
  onNavigate(listener) {
    const wrapped = (_e: unknown, payload: unknown) => {
      const req = parseNavigateRequest(payload);
      if (req) listener(req);
    };
    ipcRenderer.on('prilavok:navigate', wrapped);
    return () => void ipcRenderer.off('prilavok:navigate', wrapped);
  },
};

contextBridge.exposeInMainWorld('prilavok', api);

/**
 * What only the desktop app can do (printers, silent printing), under its own name: the window knows it runs
 * in the desktop app by its presence. Answers are values (`ok`/`error`), passed on as they are.
 */
const desktop: PrilavokDesktop = {
  call: (method, input) => ipcRenderer.invoke('prilavok:desktop', method, input),
};

contextBridge.exposeInMainWorld('prilavokDesktop', desktop);
